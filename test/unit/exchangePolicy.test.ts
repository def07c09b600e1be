import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  appliesToExchanges,
  effectiveExchangePolicy,
  exchangeEffective,
  matchExchangePolicy,
  policyPatternMatches,
} from '../../src/core/exchangePolicy';

describe('exchange policies', () => {
  test('apply-to: exchanges and all apply, the queue kinds never do', () => {
    for (const a of ['exchanges', 'all', undefined]) assert.equal(appliesToExchanges(a), true, String(a));
    for (const a of ['queues', 'classic_queues', 'quorum_queues', 'streams'])
      assert.equal(appliesToExchanges(a), false, a);
  });

  test('the pattern is a regular expression searched anywhere in the name, on its UTF-8 bytes', () => {
    assert.equal(policyPatternMatches('orders', 'eu.orders.in'), true);
    assert.equal(policyPatternMatches('^orders$', 'orders.in'), false);
    assert.equal(policyPatternMatches('.*', ''), true);
    // PCRE without the unicode option sees bytes: 'é' is two of them
    assert.equal(policyPatternMatches('^.$', 'é'), false);
    assert.equal(policyPatternMatches('^..$', 'é'), true);
    assert.equal(policyPatternMatches('^é$', 'é'), true);
    assert.equal(policyPatternMatches('(?<!x', 'a'), undefined); // unreadable
  });

  test('the highest priority wins; a tie that disagrees is uncertain, one that agrees is not', () => {
    const p = (name: string, priority: number, ae: string, pattern = '.*') => ({
      name,
      pattern,
      'apply-to': 'exchanges',
      priority,
      definition: { 'alternate-exchange': ae },
    });
    assert.equal(matchExchangePolicy('x', [p('a', 1, 'A'), p('b', 2, 'B')]).name, 'b');
    const tie = matchExchangePolicy('x', [p('a', 2, 'A'), p('b', 2, 'B')]);
    assert.match(tie.uncertain!, /'a', 'b' match exchange 'x' with the same priority 2/);
    assert.equal(matchExchangePolicy('x', [p('a', 2, 'A'), p('b', 2, 'A')]).uncertain, undefined);
    assert.deepEqual(matchExchangePolicy('x', [p('a', 2, 'A', '^y$')]), {});
    // an unreadable pattern that could win makes it uncertain
    assert.match(matchExchangePolicy('x', [p('a', 1, 'A'), p('b', 3, 'B', '(?<!x')]).uncertain!, /not readable/);
    assert.equal(matchExchangePolicy('x', [p('a', 5, 'A'), p('b', 3, 'B', '(?<!x')]).uncertain, undefined);
  });

  test("the exchange listing's policy name settles it", () => {
    const ps = [
      { name: 'a', pattern: '.*', priority: 2, definition: { 'alternate-exchange': 'A' } },
      { name: 'b', pattern: '.*', priority: 2, definition: { 'alternate-exchange': 'B' } },
    ];
    assert.deepEqual(effectiveExchangePolicy('x', ps, 'b'), { name: 'b', definition: { 'alternate-exchange': 'B' } });
    assert.deepEqual(effectiveExchangePolicy('x', ps, null), {});
    assert.match(
      effectiveExchangePolicy('x', ps, 'gone').uncertain!,
      /whose definition is not among the policies read/,
    );
  });
});

describe('exchangeEffective: policy and operator policy merged like rabbit_policy:effective_definition', () => {
  const policies = [
    {
      name: 'ae',
      pattern: '^logs',
      'apply-to': 'exchanges',
      priority: 1,
      definition: { 'alternate-exchange': 'un', 'max-length': 50 },
    },
    { name: 'q', pattern: '.*', 'apply-to': 'queues', priority: 9, definition: { 'message-ttl': 1 } },
  ];
  const ops = [
    { name: 'cap', pattern: 'logs', 'apply-to': 'all', priority: 1, definition: { 'max-length': 10, expires: 100 } },
    { name: 'qonly', pattern: '.*', 'apply-to': 'queues', priority: 9, definition: { 'max-length': 1 } },
  ];

  test('both apply: keys of either side, the lower limit where both set one', () => {
    const e = exchangeEffective('logs', 'ae', policies, ops, 4);
    assert.equal(e.policy, 'ae');
    assert.equal(e.operatorPolicy, 'cap');
    assert.deepEqual(e.definition, { 'alternate-exchange': 'un', expires: 100, 'max-length': 10 });
    assert.deepEqual(e.notes, []);
  });

  test('the listing says no policy (null): only the operator policy', () => {
    const e = exchangeEffective('logs', null, policies, ops, 3);
    assert.equal(e.policy, undefined);
    assert.equal(e.operatorPolicy, 'cap');
    assert.deepEqual(e.definition, { expires: 100, 'max-length': 10 });
  });

  test('operator policies for queues only never apply; nothing matches: empty definition', () => {
    const e = exchangeEffective('other', null, policies, ops, 4);
    assert.deepEqual(e, { definition: {}, notes: [] });
  });

  test('unreadable lists are said, not silently dropped', () => {
    const noOps = exchangeEffective('logs', 'ae', policies, undefined, 4);
    assert.deepEqual(noOps.definition, { 'alternate-exchange': 'un', 'max-length': 50 });
    assert.match(noOps.notes.join(), /operator policies could not be read/);
    const noPolicies = exchangeEffective('logs', 'ae', undefined, ops, 4);
    assert.equal(noPolicies.policy, 'ae');
    assert.deepEqual(noPolicies.definition, { expires: 100, 'max-length': 10 });
    assert.match(noPolicies.notes.join(), /policies could not be read/);
  });

  test('operator policies tied at the top that differ are uncertain', () => {
    const tied = [
      ...ops,
      { name: 'cap2', pattern: '^lo', 'apply-to': 'exchanges', priority: 1, definition: { expires: 7 } },
    ];
    const e = exchangeEffective('logs', null, [], tied, 4);
    assert.equal(e.operatorPolicy, 'cap');
    assert.match(e.notes.join(), /'cap', 'cap2' match with the same priority/);
  });
});
