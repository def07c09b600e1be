import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_DELIVERY_LIMIT_4X,
  deliveryCountOf,
  effectiveDeliveryLimit,
  highestTakeableCount,
  mayTakeNext,
  peekSafetyTexts,
  policyDeliveryLimit,
  riskOfReturn,
  withheldText,
  type PolicyLike,
} from '../../src/core/deliveryLimit';

const pol = (
  name: string,
  pattern: string,
  limit: number | undefined,
  priority = 0,
  applyTo = 'queues',
): PolicyLike => ({
  name,
  pattern,
  'apply-to': applyTo,
  priority,
  definition: limit === undefined ? { 'max-length': 10 } : { 'delivery-limit': limit },
});

const q = (extra: Partial<Parameters<typeof effectiveDeliveryLimit>[0]> = {}) =>
  effectiveDeliveryLimit({
    queueName: 'orders',
    queueType: 'quorum',
    arguments: {},
    brokerMajor: 4,
    policies: [],
    operatorPolicies: [],
    ...extra,
  });

describe('effectiveDeliveryLimit', () => {
  test('classic queues and streams have none, on both versions', () => {
    for (const brokerMajor of [3, 4]) {
      assert.equal(q({ queueType: 'classic', brokerMajor }).limit, null);
      assert.equal(q({ queueType: 'stream', brokerMajor }).limit, null);
      assert.equal(q({ queueType: undefined, brokerMajor }).limit, null);
    }
  });

  test('quorum queue with nothing set: 20 on 4.x, none on 3.x', () => {
    assert.equal(q().limit, DEFAULT_DELIVERY_LIMIT_4X);
    assert.equal(DEFAULT_DELIVERY_LIMIT_4X, 20);
    assert.match(q().source, /default/);
    assert.equal(q({ brokerMajor: 3 }).limit, null);
  });

  test('the argument alone', () => {
    assert.equal(q({ arguments: { 'x-delivery-limit': 3 } }).limit, 3);
    assert.equal(q({ brokerMajor: 3, arguments: { 'x-delivery-limit': 3 } }).limit, 3);
    assert.equal(q({ arguments: { 'x-delivery-limit': { '!': 'long', value: 7 } } }).limit, 7);
    assert.equal(q({ arguments: { 'x-delivery-limit': '5' } }).limit, 5);
  });

  test('the argument as a typed field value of any number type (fieldTypes.ts)', () => {
    const limit = (v: unknown) => q({ arguments: { 'x-delivery-limit': v } }).limit;
    assert.equal(limit({ '!': 'int64', value: '7' }), 7);
    assert.equal(limit({ '!': 'int8', value: 4 }), 4);
    assert.equal(limit({ '!': 'uint32', value: 9 }), 9);
    assert.equal(limit({ '!': 'int16', value: -1 }), null); // 4.x: negative, no limit
    assert.equal(limit({ '!': 'double', value: 6 }), 6);
    assert.equal(limit({ '!': 'int64', value: 'x' }), DEFAULT_DELIVERY_LIMIT_4X); // unreadable: as if unset
    assert.equal(limit({ '!': 'decimal', value: { places: 0, digits: 3 } }), DEFAULT_DELIVERY_LIMIT_4X);
  });

  test('argument, policy and operator policy: the lowest wins', () => {
    const r = q({
      arguments: { 'x-delivery-limit': 7 },
      policies: [pol('p1', '^ord', 5)],
      operatorPolicies: [pol('o1', '^ord', 4)],
    });
    assert.equal(r.limit, 4);
    assert.match(r.source, /operator policy 'o1'/);
    assert.equal(
      q({
        arguments: { 'x-delivery-limit': 2 },
        policies: [pol('p1', '^ord', 5)],
        operatorPolicies: [pol('o1', '^ord', 4)],
      }).limit,
      2,
    );
    assert.equal(
      q({ brokerMajor: 3, arguments: { 'x-delivery-limit': 7 }, policies: [pol('p1', '^ord', 5)] }).limit,
      5,
    );
    assert.equal(
      q({ brokerMajor: 3, policies: [pol('p1', '^ord', 9)], operatorPolicies: [pol('o1', '^ord', 4)] }).limit,
      4,
    );
  });

  test('4.x: negative means no limit, unless another source sets one', () => {
    assert.equal(q({ arguments: { 'x-delivery-limit': -1 } }).limit, null);
    assert.equal(q({ arguments: { 'x-delivery-limit': -1 }, policies: [pol('p', '.*', 5)] }).limit, 5);
    assert.equal(q({ arguments: { 'x-delivery-limit': 6 }, policies: [pol('p', '.*', -1)] }).limit, 6);
    assert.equal(q({ arguments: { 'x-delivery-limit': 0 } }).limit, 0);
  });

  test('3.10: negative behaves as 0 (measured: the first return drops the message)', () => {
    assert.equal(q({ brokerMajor: 3, arguments: { 'x-delivery-limit': -1 } }).limit, 0);
    assert.equal(q({ brokerMajor: 3, arguments: { 'x-delivery-limit': 0 } }).limit, 0);
  });

  test('policies that do not match, or do not apply to quorum queues, are ignored', () => {
    assert.equal(q({ brokerMajor: 3, policies: [pol('p', '^other$', 2)] }).limit, null);
    assert.equal(q({ brokerMajor: 3, policies: [pol('p', '.*', 2, 0, 'classic_queues')] }).limit, null);
    assert.equal(q({ brokerMajor: 3, policies: [pol('p', '.*', 2, 0, 'exchanges')] }).limit, null);
    assert.equal(q({ brokerMajor: 3, policies: [pol('p', '.*', 2, 0, 'quorum_queues')] }).limit, 2);
    assert.equal(q({ brokerMajor: 3, policies: [pol('p', '.*', 2, 0, 'all')] }).limit, 2);
  });

  test('only the highest-priority matching policy applies (even when it sets no limit)', () => {
    assert.equal(policyDeliveryLimit([pol('low', '.*', 2, 1), pol('high', '.*', 9, 5)], 'orders', 'quorum')?.value, 9);
    assert.equal(
      q({ brokerMajor: 3, policies: [pol('low', '.*', 2, 1), pol('high', '.*', undefined, 5)] }).limit,
      null,
    );
    // A tie: the broker's pick is unspecified, so the lower limit (the safe side).
    assert.equal(policyDeliveryLimit([pol('a', '.*', 8, 1), pol('b', '.*', 3, 1)], 'orders', 'quorum')?.value, 3);
  });

  test('the limit the 4.x broker reports is used when lower', () => {
    assert.equal(q({ reported: 4 }).limit, 4);
    assert.equal(q({ reported: 50 }).limit, 20);
    assert.equal(q({ arguments: { 'x-delivery-limit': -1 }, reported: 'unlimited' }).limit, null);
    assert.equal(q({ arguments: { 'x-delivery-limit': -1 }, reported: 6 }).limit, 6);
  });

  test('policies that could not be read make the answer a guess', () => {
    assert.equal(q({ policies: undefined }).guessed, true);
    assert.equal(q().guessed, false);
  });
});

describe('take decisions', () => {
  test('x-delivery-count: absent is 0', () => {
    assert.equal(deliveryCountOf(undefined), 0);
    assert.equal(deliveryCountOf({}), 0);
    assert.equal(deliveryCountOf({ 'x-delivery-count': 4 }), 4);
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'long', value: 19 } }), 19);
  });

  test('x-delivery-count as Burrow decodes it: an int64 with a string value (or any number type)', () => {
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'int64', value: '19' } }), 19);
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'int64', value: '0' } }), 0);
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'int32', value: 3 } }), 3);
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'uint8', value: 2 } }), 2);
    assert.equal(deliveryCountOf({ 'x-delivery-count': { '!': 'int64', value: '-4' } }), 0);
    assert.equal(deliveryCountOf({ 'x-delivery-count': 5n }), 5);
  });

  test('a message is taken only when it comes back with at least one return to spare', () => {
    // limit 3: taken at 1 → back at 2, one more return leaves it at 3 (still delivered).
    assert.equal(highestTakeableCount(3), 1);
    assert.equal(mayTakeNext(3, undefined), true);
    assert.equal(mayTakeNext(3, 0), true);
    assert.equal(mayTakeNext(3, 1), true);
    assert.equal(mayTakeNext(3, 2), false);
    assert.equal(mayTakeNext(20, 18), true);
    assert.equal(mayTakeNext(20, 19), false);
    assert.equal(mayTakeNext(null, 1000), true);
  });

  test('limits of 0 and 1 allow no take at all', () => {
    assert.equal(mayTakeNext(0, undefined), false);
    assert.equal(mayTakeNext(1, undefined), false);
    assert.equal(mayTakeNext(2, undefined), true);
    assert.equal(mayTakeNext(2, 1), false);
  });

  test('what a return does to a message taken with a given count', () => {
    assert.equal(riskOfReturn(3, 0), 'ok');
    assert.equal(riskOfReturn(3, 1), 'ok');
    assert.equal(riskOfReturn(3, 2), 'no-spare');
    assert.equal(riskOfReturn(3, 3), 'dropped');
    assert.equal(riskOfReturn(3, 4), 'dropped');
    assert.equal(riskOfReturn(null, 99), 'ok');
  });

  test('the withheld text says how many, the count and the limit', () => {
    const t = withheldText(3, 20, 19, false);
    assert.match(t, /^3 messages not shown/);
    assert.match(t, /returned 19 times/);
    assert.match(t, /delivery limit 20/);
    assert.match(
      withheldText(1, 20, 19, true),
      /^1 message not shown: messages of this queue that Burrow peeked at earlier have been returned 19 times \(delivery limit 20\)/,
    );
    assert.match(withheldText(5, 1, 0, false), /delivery limit is 1, so even one peek/);
  });
});

describe('peekSafetyTexts (what the peek panel shows)', () => {
  test('the limit and where it comes from', () => {
    assert.equal(
      peekSafetyTexts({ queueType: 'quorum', deliveryLimit: 20, limitSource: "RabbitMQ 4's default for quorum queues" })
        .limit,
      "delivery limit 20 (RabbitMQ 4's default for quorum queues)",
    );
    assert.equal(
      peekSafetyTexts({ queueType: 'quorum', deliveryLimit: 20 }).limit,
      'delivery limit 20 (assumed: the management API could not tell)',
    );
    assert.equal(
      peekSafetyTexts({ queueType: 'quorum', deliveryLimit: null, limitSource: 'no delivery limit is set' }).limit,
      'no delivery limit (no delivery limit is set)',
    );
    assert.equal(peekSafetyTexts({ queueType: 'classic', deliveryLimit: undefined }).limit, undefined);
    assert.deepEqual(peekSafetyTexts({ queueType: 'classic' }).warnings, []);
  });

  test('withheld messages and messages taken too close to the limit are spelled out', () => {
    const t = peekSafetyTexts({
      queueType: 'quorum',
      deliveryLimit: 3,
      withheld: { count: 3, reason: withheldText(3, 3, 2, false) },
      atRisk: [
        { seq: 1, deliveryCount: 3, risk: 'dropped' },
        { seq: 2, deliveryCount: 2, risk: 'no-spare' },
      ],
    });
    assert.match(t.withheld ?? '', /^3 messages not shown/);
    assert.equal(t.warnings.length, 2);
    assert.match(
      t.warnings[0],
      /^Message #1 had already been returned 3 times \(delivery limit 3\): the peek's return made the broker drop it/,
    );
    assert.match(
      t.warnings[1],
      /^Message #2 had already been returned 2 times \(delivery limit 3\): it is back in the queue, but its next return will make the broker drop it/,
    );
  });
});
