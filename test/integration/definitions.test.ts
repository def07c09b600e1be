/**
 * Definitions as code against both brokers: a file applied to an empty vhost, exported back
 * (normalized, it is the file), the broker changed behind the file's back (the plan shows exactly
 * that), a queue argument changed in the file (flagged as a re-create, with the queue's message
 * count), applied, and the broker matches the file again. Plus a broker-level file (vhost, user,
 * permissions) and a vhost-level file applied to a chosen vhost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ManagementClient } from '../../src/broker/management';
import { applyPlan, getDefinitions, messageCounts } from '../../src/broker/managementDefinitions';
import {
  formatDefinitions,
  isVhostLevel,
  normalizeDefinitions,
  planDefinitions,
  scopeToVhost,
  type JsonObject,
  type PlanStep,
} from '../../src/core/definitions';
import { BROKERS, dropVhost, makeVhost, managementClientOf, uniqueVhost } from './helpers';

const steps = (s: PlanStep[]) => s.map((x) => `${x.action} ${x.label}`).sort();

for (const B of BROKERS) {
  describe(`definitions [${B.label}]`, () => {
    let vhost: string;
    let mc: ManagementClient;
    const extraVhost = uniqueVhost('burrow-defs-b');
    const user = `burrow-defs-${randomBytes(4).toString('hex')}`;

    /** The file: a vhost-level document, as the export writes it. */
    const fileOf = (maxLength: number): JsonObject =>
      normalizeDefinitions({
        queues: [
          { name: 'orders', durable: true, auto_delete: false, arguments: { 'x-max-length': maxLength } },
          { name: 'orders.qq', durable: true, arguments: { 'x-queue-type': 'quorum' } },
        ],
        exchanges: [{ name: 'ex', type: 'topic', durable: true, arguments: {} }],
        bindings: [
          { source: 'ex', destination: 'orders', destination_type: 'queue', routing_key: 'o.#', arguments: {} },
          { source: 'ex', destination: 'orders.qq', destination_type: 'queue', routing_key: 'q', arguments: { n: 5 } },
        ],
        policies: [
          { name: 'ttl', pattern: '^orders$', 'apply-to': 'queues', priority: 1, definition: { 'message-ttl': 60000 } },
        ],
      });

    const brokerNow = async (): Promise<JsonObject> =>
      scopeToVhost(normalizeDefinitions(await getDefinitions(mc, vhost)), vhost);

    before(async () => {
      vhost = await makeVhost(B, 'burrow-defs');
      mc = managementClientOf(B);
    });

    after(async () => {
      await dropVhost(B, vhost);
      await dropVhost(B, extraVhost);
      await B.mgmt('DELETE', `/api/users/${encodeURIComponent(user)}`);
      mc.dispose();
    });

    test('a vhost-level file applied to an empty vhost, then exported back, is the file', async () => {
      const file = scopeToVhost(fileOf(100), vhost);
      const plan = planDefinitions(file, await brokerNow());
      assert.deepEqual(
        plan.steps.map((s) => s.action),
        ['create', 'create', 'create', 'create', 'create', 'create'],
      );
      const r = await applyPlan(mc, plan.steps);
      assert.equal(r.failed, undefined, String(r.failed?.error));
      const exported = await brokerNow();
      for (const k of ['queues', 'exchanges', 'bindings', 'policies']) assert.deepEqual(exported[k], file[k], k);
      assert.deepEqual(planDefinitions(file, exported).steps, []);
      // The export is stable: the same broker gives the same bytes.
      const text = formatDefinitions(normalizeDefinitions(await getDefinitions(mc, vhost)));
      assert.equal(formatDefinitions(normalizeDefinitions(await getDefinitions(mc, vhost))), text);
      assert.ok(!text.includes('rabbit_version') && !text.includes('rabbitmq_version'));
      // A vhost-level document: no `vhost` on any object (3.10.8 writes one on policies), or the file
      // would be taken for a whole-broker one and applied to the whole broker.
      const raw = await getDefinitions(mc, vhost);
      assert.ok(isVhostLevel(normalizeDefinitions(raw)), JSON.stringify(raw.policies));
      assert.ok(!/"vhost"/.test(text), text);
    });

    test('the broker changed behind the file: the plan shows it; an argument change is a re-create; apply restores the file', async () => {
      // Three messages in "orders"; a binding removed, a queue added, the policy changed on the broker.
      for (let i = 0; i < 3; i++) {
        const res = await B.mgmt('POST', `/api/exchanges/${encodeURIComponent(vhost)}/amq.default/publish`, {
          properties: {},
          routing_key: 'orders',
          payload: `m${i}`,
          payload_encoding: 'string',
        });
        assert.equal(res.status, 200);
      }
      await B.mgmt('DELETE', `/api/bindings/${encodeURIComponent(vhost)}/e/ex/q/orders/o.%23`);
      await B.mgmt('PUT', `/api/queues/${encodeURIComponent(vhost)}/stray`, { durable: true });
      await B.mgmt('PUT', `/api/policies/${encodeURIComponent(vhost)}/ttl`, {
        pattern: '^orders$',
        'apply-to': 'queues',
        priority: 1,
        definition: { 'message-ttl': 1000 },
      });

      const file = scopeToVhost(fileOf(50), vhost); // and the file now wants x-max-length 50
      const plan = planDefinitions(file, await brokerNow());
      assert.deepEqual(steps(plan.steps), [
        `create binding "ex" → queue "orders" key "o.#" in vhost "${vhost}"`,
        `delete queue "stray" in vhost "${vhost}"`,
        `recreate queue "orders" in vhost "${vhost}"`,
        `update policy "ttl" in vhost "${vhost}"`,
      ]);
      const re = plan.steps.find((s) => s.action === 'recreate')!;
      assert.deepEqual(re.changed, ['arguments']);
      assert.match(re.warning!, /messages are lost/);
      // The preview's message count (statistics arrive with the next emission: poll).
      let counts = new Map<string, number>();
      for (let i = 0; i < 40 && counts.get(re.key) !== 3; i++) {
        counts = await messageCounts(mc, plan.steps);
        if (counts.get(re.key) !== 3) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(counts.get(re.key), 3);

      const r = await applyPlan(mc, plan.steps);
      assert.equal(r.failed, undefined, String(r.failed?.error));
      assert.equal(r.done, plan.steps.length);
      const after = await brokerNow();
      assert.deepEqual(planDefinitions(file, after).steps, []);
      for (const k of ['queues', 'exchanges', 'bindings', 'policies']) assert.deepEqual(after[k], file[k], k);
      const q = (await (await B.mgmt('GET', `/api/queues/${encodeURIComponent(vhost)}/orders`)).json()) as {
        arguments: Record<string, unknown>;
      };
      assert.equal(q.arguments['x-max-length'], 50);
      // Deleting what is already gone counts as done (a vhost's objects go with it).
      const gone = await applyPlan(mc, [
        { action: 'delete', kind: 'queue', key: 'x', label: 'queue "nope"', vhost, current: { vhost, name: 'nope' } },
        { action: 'delete', kind: 'policy', key: 'y', label: 'policy "nope"', vhost, current: { vhost, name: 'nope' } },
      ]);
      assert.deepEqual(gone, { done: 2 });
      // A refusal stops the apply and names the step.
      const refused = await applyPlan(mc, [
        {
          action: 'create',
          kind: 'queue',
          key: 'z',
          label: 'queue "bad"',
          vhost,
          desired: { vhost, name: 'bad', arguments: { 'x-queue-type': 'no-such-type' } },
        },
        {
          action: 'create',
          kind: 'queue',
          key: 'w',
          label: 'queue "after"',
          vhost,
          desired: { vhost, name: 'after', arguments: {} },
        },
      ]);
      assert.equal(refused.done, 0);
      assert.equal(refused.failed?.step.label, 'queue "bad"');
      await assert.rejects(B.mgmt('GET', `/api/queues/${encodeURIComponent(vhost)}/after`), /404/);
    });

    test('a broker-level file: vhost, user without password hash, permissions; deletions are listed', async () => {
      const file = normalizeDefinitions({
        vhosts: [{ name: extraVhost, description: 'from a file' }],
        users: [{ name: user, tags: ['monitoring'] }],
        permissions: [{ user, vhost: extraVhost, configure: '', write: '.*', read: '.*' }],
        queues: [{ name: 'q1', vhost: extraVhost, durable: true, arguments: {} }],
      });
      const current = normalizeDefinitions(await getDefinitions(mc));
      const plan = planDefinitions(file, current, { protectedUsers: ['guest'] });
      const creates = steps(plan.steps.filter((s) => s.action === 'create'));
      assert.deepEqual(creates, [
        `create permissions of "${user}" in vhost "${extraVhost}"`,
        `create queue "q1" in vhost "${extraVhost}"`,
        `create user "${user}"`,
        `create vhost "${extraVhost}"`,
      ]);
      // The file names one vhost: every other vhost (ours included) would be deleted, never guest.
      assert.ok(plan.steps.some((s) => s.action === 'delete' && s.label === `vhost "${vhost}"`));
      assert.ok(!plan.steps.some((s) => s.kind === 'user' && s.label === 'user "guest"'));
      // Apply only the creations here (this broker is shared).
      const r = await applyPlan(
        mc,
        plan.steps.filter((s) => s.action === 'create'),
      );
      assert.equal(r.failed, undefined, String(r.failed?.error));
      const again = normalizeDefinitions(await getDefinitions(mc));
      const left = planDefinitions(file, again, { protectedUsers: ['guest'] }).steps.filter(
        (s) => s.action !== 'delete',
      );
      assert.deepEqual(steps(left), []);
      const u = (await (await B.mgmt('GET', `/api/users/${encodeURIComponent(user)}`)).json()) as { tags: unknown };
      assert.deepEqual(Array.isArray(u.tags) ? u.tags : String(u.tags).split(','), ['monitoring']);
      // The export leaves the hash out; asked for, it is there.
      assert.ok(!JSON.stringify(again).includes('password_hash'));
      const withHashes = normalizeDefinitions(await getDefinitions(mc), { keepPasswordHashes: true });
      assert.ok(JSON.stringify(withHashes).includes('password_hash'));
    });
  });
}
