/**
 * src/core/policies.ts against the brokers: overlapping policies (patterns, priorities, apply-to,
 * keys a queue type does not support) and an operator policy; the predicted policy, operator
 * policy and effective definition of every queue must be what GET /api/queues reports, and the
 * predicted policy of every exchange what GET /api/exchanges reports. Policies are applied
 * asynchronously, so each comparison polls with a deadline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getOperatorPolicies, getPolicies, type ManagementClient } from '../../src/broker/management';
import { deletePolicy, getPolicy, putPolicy } from '../../src/broker/managementPolicies';
import { BrokerError } from '../../src/broker/errors';
import { effectivePolicy, type PolicyTarget } from '../../src/core/policies';
import { BROKERS, dropVhost, makeVhost, managementClientOf, poll } from './helpers';

const norm = (v: unknown) => (typeof v === 'string' && v !== '' && v !== 'none' ? v : undefined);
const normDef = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

for (const B of BROKERS) {
  describe(`policies [${B.label}]`, () => {
    let vhost: string;
    let mc: ManagementClient;

    const queues: PolicyTarget[] = [
      { kind: 'queue', name: 'orders', queueType: 'classic' },
      { kind: 'queue', name: 'orders.q', queueType: 'quorum' },
      { kind: 'queue', name: 'invoices', queueType: 'classic' },
      { kind: 'queue', name: 'INVOICES-2', queueType: 'quorum' },
      { kind: 'queue', name: 'misc.q', queueType: 'classic' },
      { kind: 'queue', name: 'orders.s', queueType: 'stream' },
      { kind: 'queue', name: 'tie', queueType: 'classic' },
      ...(B.major >= 4 ? [{ kind: 'queue' as const, name: 'dlq.q', queueType: 'quorum' }] : []),
    ];
    const exchanges: PolicyTarget[] = [
      { kind: 'exchange', name: 'orders.x' },
      { kind: 'exchange', name: 'events.q' },
      { kind: 'exchange', name: 'plain' },
    ];

    before(async () => {
      vhost = await makeVhost(B, 'burrow-policies');
      mc = managementClientOf(B);
      const body = (pattern: string, priority: number, applyTo: string, definition: Record<string, unknown>) => ({
        pattern,
        priority,
        'apply-to': applyTo,
        definition,
      });
      await putPolicy(mc, 'policy', vhost, 'all', body('.*', 0, 'all', { 'max-length': 100 }));
      await putPolicy(
        mc,
        'policy',
        vhost,
        'orders',
        body('^orders', 5, 'queues', { 'message-ttl': 60000, 'dead-letter-exchange': 'dlx' }),
      );
      await putPolicy(mc, 'policy', vhost, 'ord-x', body('ord', 10, 'exchanges', { 'alternate-exchange': 'ae' }));
      // delivery-limit is unsupported by classic queues: this policy skips them (they get 'all').
      await putPolicy(mc, 'policy', vhost, 'dl', body('\\.q$', 20, 'all', { 'delivery-limit': 3 }));
      await putPolicy(mc, 'policy', vhost, 'inv', body('(?i)^inv', 3, 'queues', { expires: 3600000 }));
      if (B.major >= 4)
        await putPolicy(mc, 'policy', vhost, 'qq', body('orders', 7, 'quorum_queues', { 'max-length': 7 }));
      // Two policies tied at the top for 'tie': the broker picks one by storage order.
      await putPolicy(mc, 'policy', vhost, 'tieA', body('^tie$', 50, 'all', { 'max-length': 11 }));
      await putPolicy(mc, 'policy', vhost, 'tieB', body('^tie$', 50, 'all', { 'max-length': 12 }));
      if (B.major >= 4) {
        // 4.x merge: a negative (unlimited) delivery-limit loses to the operator's limit; overflow is the operator's.
        await putPolicy(
          mc,
          'policy',
          vhost,
          'dlneg',
          body('^dlq\\.q$', 30, 'quorum_queues', { 'delivery-limit': -1, overflow: 'drop-head' }),
        );
        await putPolicy(
          mc,
          'operator',
          vhost,
          'op-dl',
          body('^dlq', 5, 'queues', { 'delivery-limit': 7, overflow: 'reject-publish' }),
        );
      }
      await putPolicy(
        mc,
        'operator',
        vhost,
        'op',
        body('^(orders|invoices)', 0, 'queues', { 'max-length': 50, 'message-ttl': 120000 }),
      );
      for (const q of queues)
        await B.mgmt('PUT', `/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(q.name)}`, {
          durable: true,
          arguments: { 'x-queue-type': q.queueType },
        });
      for (const x of exchanges)
        await B.mgmt('PUT', `/api/exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(x.name)}`, {
          type: 'topic',
          durable: true,
        });
    });

    after(async () => {
      if (vhost) await dropVhost(B, vhost);
    });

    test('every queue gets the policy, operator policy and effective definition Burrow predicts', async () => {
      const [policies, ops] = await Promise.all([getPolicies(mc, vhost), getOperatorPolicies(mc, vhost)]);
      assert.equal(policies.length, B.major >= 4 ? 9 : 7);
      const tie = effectivePolicy(
        policies,
        ops,
        queues.find((q) => q.name === 'tie')!,
        B.major,
      );
      assert.deepEqual([...tie.ambiguous.policies].sort(), ['tieA', 'tieB']);
      const expected = Object.fromEntries(
        queues
          .filter((q) => q.name !== 'tie')
          .map((q) => {
            const e = effectivePolicy(policies, ops, q, B.major);
            assert.deepEqual(e.errors, []);
            return [q.name, { policy: e.policy?.name, operator: e.operatorPolicy?.name, definition: e.definition }];
          }),
      );
      // A few predictions spelled out, so a wrong rule can't agree with itself.
      assert.equal(expected['misc.q'].policy, 'all');
      assert.equal(expected['orders.q'].policy, 'dl');
      assert.equal(expected['orders.s'].policy, undefined);
      assert.equal(expected['INVOICES-2'].policy, 'inv');
      assert.deepEqual(expected['orders'].definition, {
        'dead-letter-exchange': 'dlx',
        'max-length': 50,
        'message-ttl': 60000,
      });
      if (B.major >= 4)
        assert.deepEqual(expected['dlq.q'], {
          policy: 'dlneg',
          operator: 'op-dl',
          definition: { 'delivery-limit': 7, overflow: 'reject-publish' },
        });
      let tied: { policy?: string; definition: unknown } | undefined;
      const started = Date.now();
      let actual: Record<string, unknown> = {};
      await poll(
        'the broker to apply the policies to the queues',
        async () => {
          // The tree's listing (DEFAULT_QUEUE_COLUMNS) must carry the fields too.
          const page = await mc.listQueues(vhost);
          const t = page.items.find((q) => q.name === 'tie');
          tied = t && { policy: norm(t.policy), definition: normDef(t.effective_policy_definition) };
          actual = Object.fromEntries(
            page.items
              .filter((q) => q.name !== 'tie')
              .map((q) => [
                q.name,
                {
                  policy: norm(q.policy),
                  operator: norm(q.operator_policy),
                  definition: normDef(q.effective_policy_definition),
                },
              ]),
          );
          try {
            assert.deepEqual(actual, expected);
            return tied?.policy !== undefined;
          } catch {
            return false;
          }
        },
        45_000,
        200,
      ).catch(() => assert.deepEqual(actual, expected));
      console.log(
        `  [${B.label}] the queues showed the predicted policies ${Date.now() - started} ms after the last change`,
      );
      // The tie: one of the two, with its own definition; Burrow said it could be either.
      const pickedByBroker = policies.find((p) => p.name === tied?.policy);
      assert.ok(pickedByBroker && tie.ambiguous.policies.includes(pickedByBroker.name), JSON.stringify(tied));
      assert.deepEqual(tied?.definition, pickedByBroker.definition);
    });

    test('every exchange gets the policy Burrow predicts', async () => {
      const [policies, ops] = await Promise.all([getPolicies(mc, vhost), getOperatorPolicies(mc, vhost)]);
      const expected = Object.fromEntries(
        exchanges.map((x) => [x.name, effectivePolicy(policies, ops, x, B.major).policy?.name]),
      );
      assert.deepEqual(expected, { 'orders.x': 'ord-x', 'events.q': 'dl', plain: 'all' });
      let actual: Record<string, unknown> = {};
      await poll(
        'the broker to apply the policies to the exchanges',
        async () => {
          const page = await mc.listExchanges(vhost);
          actual = Object.fromEntries(
            page.items.filter((x) => exchanges.some((e) => e.name === x.name)).map((x) => [x.name, norm(x.policy)]),
          );
          try {
            assert.deepEqual(actual, expected);
            return true;
          } catch {
            return false;
          }
        },
        45_000,
        200,
      ).catch(() => assert.deepEqual(actual, expected));
    });

    test('put / get / delete; a refusal is a 400 with the broker reason', async () => {
      await putPolicy(mc, 'policy', vhost, 'tmp', {
        pattern: '^tmp',
        priority: 1,
        'apply-to': 'queues',
        definition: { 'max-length': 1 },
      });
      const got = await getPolicy(mc, 'policy', vhost, 'tmp');
      assert.equal(got.pattern, '^tmp');
      assert.equal(got['apply-to'], 'queues');
      await deletePolicy(mc, 'policy', vhost, 'tmp');
      await assert.rejects(getPolicy(mc, 'policy', vhost, 'tmp'), (e) => e instanceof BrokerError && e.code === 404);

      await assert.rejects(
        putPolicy(mc, 'policy', vhost, 'bad', {
          pattern: '(',
          priority: 0,
          'apply-to': 'all',
          definition: { 'max-length': 1 },
        }),
        (e) =>
          e instanceof BrokerError && e.code === 400 && /regex|pattern|missing/i.test(`${e.message} ${e.replyText}`),
      );
      await assert.rejects(
        putPolicy(mc, 'policy', vhost, 'bad', {
          pattern: 'x',
          priority: 0,
          'apply-to': 'all',
          definition: { 'no-such-key': 1 },
        }),
        (e) => e instanceof BrokerError && e.code === 400 && /not recognised/i.test(`${e.message} ${e.replyText}`),
      );
      if (B.major < 4) {
        // 3.10 accepts no negative delivery-limit in a policy (4.x: negative = unlimited).
        await assert.rejects(
          putPolicy(mc, 'policy', vhost, 'bad', {
            pattern: 'x',
            priority: 0,
            'apply-to': 'queues',
            definition: { 'delivery-limit': -1 },
          }),
          (e) => e instanceof BrokerError && e.code === 400,
        );
        await assert.rejects(
          putPolicy(mc, 'policy', vhost, 'bad', {
            pattern: 'x',
            priority: 0,
            'apply-to': 'quorum_queues',
            definition: { 'max-length': 1 },
          }),
          (e) => e instanceof BrokerError && e.code === 400,
        );
      }
      await putPolicy(mc, 'operator', vhost, 'op-tmp', {
        pattern: '^tmp',
        priority: 0,
        'apply-to': 'queues',
        definition: { expires: 1000 },
      });
      assert.ok((await getOperatorPolicies(mc, vhost)).some((p) => p.name === 'op-tmp'));
      await deletePolicy(mc, 'operator', vhost, 'op-tmp');
      assert.ok(!(await getOperatorPolicies(mc, vhost)).some((p) => p.name === 'op-tmp'));
    });
  });
}
