/**
 * A whole-broker definitions file applied WITH its deletions. The shared test brokers cannot take
 * this (deleting what a file does not name would delete other runs' vhosts), so it runs here, on
 * the cluster suite's private 4.x broker, which only this suite uses, one file at a time.
 *
 * The file is the broker's own export, minus a vhost, a queue holding messages and a user, plus a
 * queue, with a queue argument changed (a re-create). "Apply without deleting" (the modal's safe
 * choice: the plan's creations and changes only) deletes nothing; then the whole plan makes the
 * broker equal to the file: the vhost, the queue and the user are gone, the re-created queue has
 * its new argument and its binding again, and the connection's own user and `/` are untouched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManagementClient } from '../../src/broker/management';
import { applyPlan, getDefinitions, messageCounts } from '../../src/broker/managementDefinitions';
import { normalizeDefinitions, planDefinitions, type JsonObject } from '../../src/core/definitions';
import { poll } from '../wait';
import { mgmt, mgmtUrl } from './cluster';

const tag = randomBytes(4).toString('hex');
const keepV = `burrow-defs-keep-${tag}`;
const goneV = `burrow-defs-gone-${tag}`;
const goneUser = `burrow-defs-user-${tag}`;
const enc = encodeURIComponent;

const exists = async (p: string): Promise<boolean> => {
  try {
    await mgmt(0, 'GET', p);
    return true;
  } catch (err) {
    if (/: 404 /.test(String(err))) return false;
    throw err;
  }
};

describe('whole-broker definitions applied with deletions (private cluster broker)', { timeout: 180_000 }, () => {
  let mc: ManagementClient;
  before(async () => {
    mc = new ManagementClient({ baseUrl: mgmtUrl(0), username: 'guest', password: 'guest' });
    for (const v of [keepV, goneV]) {
      await mgmt(0, 'PUT', `/vhosts/${enc(v)}`, {});
      await mgmt(0, 'PUT', `/permissions/${enc(v)}/guest`, { configure: '.*', write: '.*', read: '.*' });
    }
    await mgmt(0, 'PUT', `/queues/${enc(keepV)}/keep`, { durable: true, arguments: { 'x-max-length': 100 } });
    await mgmt(0, 'PUT', `/queues/${enc(keepV)}/gone`, { durable: true, arguments: {} });
    await mgmt(0, 'PUT', `/exchanges/${enc(keepV)}/x`, { type: 'topic', durable: true });
    await mgmt(0, 'POST', `/bindings/${enc(keepV)}/e/x/q/keep`, { routing_key: 'k.#', arguments: {} });
    await mgmt(0, 'PUT', `/queues/${enc(goneV)}/b1`, { durable: true, arguments: {} });
    await mgmt(0, 'PUT', `/users/${enc(goneUser)}`, { password: `p-${tag}`, tags: '' });
    await mgmt(0, 'PUT', `/permissions/${enc(goneV)}/${enc(goneUser)}`, { configure: '', write: '.*', read: '.*' });
    for (let i = 0; i < 3; i++)
      await mgmt(0, 'POST', `/exchanges/${enc(keepV)}/amq.default/publish`, {
        routing_key: 'gone',
        payload: `m${i}`,
        payload_encoding: 'string',
        properties: {},
      });
    // The management API counts messages with its next statistics emission (every 5 s).
    await poll(
      '3 messages in queue gone',
      async () =>
        ((await mgmt(0, 'GET', `/queues/${enc(keepV)}/gone`)) as { messages?: number }).messages === 3 || undefined,
      30_000,
      250,
    );
  });
  after(async () => {
    for (const v of [keepV, goneV]) await mgmt(0, 'DELETE', `/vhosts/${enc(v)}`).catch(() => undefined);
    await mgmt(0, 'DELETE', `/users/${enc(goneUser)}`).catch(() => undefined);
  });

  test('the safe choice deletes nothing; the whole plan makes the broker equal to the file', async () => {
    const broker = async () => normalizeDefinitions(await getDefinitions(mc));
    const current = await broker();
    const list = (d: JsonObject, s: string) => (d[s] ?? []) as JsonObject[];
    const notGoneV = (e: JsonObject) => e.vhost !== goneV;
    const file: JsonObject = {
      ...current,
      vhosts: list(current, 'vhosts').filter((v) => v.name !== goneV),
      users: list(current, 'users').filter((u) => u.name !== goneUser),
      permissions: list(current, 'permissions').filter((p) => notGoneV(p) && p.user !== goneUser),
      exchanges: list(current, 'exchanges').filter(notGoneV),
      bindings: list(current, 'bindings').filter(notGoneV),
      queues: [
        ...list(current, 'queues')
          .filter((q) => notGoneV(q) && !(q.vhost === keepV && q.name === 'gone'))
          .map((q) =>
            q.vhost === keepV && q.name === 'keep'
              ? { ...q, arguments: { ...(q.arguments as JsonObject), 'x-max-length': 10 } }
              : q,
          ),
        { vhost: keepV, name: 'new', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'classic' } },
      ],
    };
    const desired = normalizeDefinitions(file);
    const plan = planDefinitions(desired, current, { protectedUsers: ['guest'] });
    const labels = plan.steps.map((s) => `${s.action} ${s.label}`);
    assert.ok(labels.includes(`delete vhost "${goneV}"`), labels.join('\n'));
    assert.ok(labels.includes(`delete user "${goneUser}"`), labels.join('\n'));
    assert.ok(labels.includes(`delete queue "gone" in vhost "${keepV}"`), labels.join('\n'));
    assert.ok(labels.includes(`recreate queue "keep" in vhost "${keepV}"`), labels.join('\n'));
    assert.ok(labels.includes(`create queue "new" in vhost "${keepV}"`), labels.join('\n'));
    assert.ok(!labels.some((l) => /user "guest"|vhost "\/"/.test(l)), labels.join('\n'));
    const counts = await messageCounts(mc, plan.steps);
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      3,
      'the preview counts the 3 messages lost',
    );

    // "Apply without deleting": creations and changes only (what the command runs for that choice).
    const safe = plan.steps.filter((s) => s.action !== 'delete' && s.action !== 'recreate');
    const r1 = await applyPlan(mc, safe);
    assert.equal(r1.failed, undefined, String(r1.failed?.error));
    assert.ok(await exists(`/queues/${enc(keepV)}/new`));
    assert.ok(await exists(`/vhosts/${enc(goneV)}`), 'nothing deleted');
    assert.ok(await exists(`/users/${enc(goneUser)}`));
    assert.ok(await exists(`/queues/${enc(keepV)}/gone`));

    // "Apply, including deletions": the whole plan, read again from the broker as the command does.
    const plan2 = planDefinitions(desired, await broker(), { protectedUsers: ['guest'] });
    assert.ok(!plan2.steps.some((s) => s.action === 'create' && s.kind === 'queue'), 'the creations are done');
    const r2 = await applyPlan(mc, plan2.steps);
    assert.equal(r2.failed, undefined, String(r2.failed?.error));
    assert.equal(await exists(`/vhosts/${enc(goneV)}`), false);
    assert.equal(await exists(`/users/${enc(goneUser)}`), false);
    assert.equal(await exists(`/queues/${enc(keepV)}/gone`), false);
    const keep = (await mgmt(0, 'GET', `/queues/${enc(keepV)}/keep`)) as { arguments: Record<string, unknown> };
    assert.equal(keep.arguments['x-max-length'], 10);
    const bindings = (await mgmt(0, 'GET', `/bindings/${enc(keepV)}/e/x/q/keep`)) as { routing_key: string }[];
    assert.deepEqual(
      bindings.map((b) => b.routing_key),
      ['k.#'],
      'the re-created queue is bound again',
    );
    assert.ok(await exists('/users/guest'));
    assert.ok(await exists(`/vhosts/${enc('/')}`));
    assert.deepEqual(planDefinitions(desired, await broker(), { protectedUsers: ['guest'] }).steps, []);
  });
});
