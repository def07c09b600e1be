/**
 * An exchange's effective policy and definition, in the tree's tooltip and the Details panel,
 * against both brokers. The management API lists only the exchange's `policy`, never its
 * operator policy nor the merged definition, so Burrow computes them (core/exchangePolicy.ts
 * exchangeEffective); the broker's side of it is checked by what it does: an unroutable message
 * published to the exchange reaches the policy's alternate exchange.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient } from '../../src/broker/management';
import { putPolicy } from '../../src/broker/managementPolicies';
import { readExchangeDetails } from '../../src/broker/managementStats';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import { RootNode, VhostNode, type ExplorerContext } from '../../src/explorer/nodes';
import { BROKERS, dropVhost, makeVhost, poll } from './helpers';

for (const B of BROKERS) {
  describe(`exchange effective policy [${B.label}]`, () => {
    let vhost = '';
    const mc = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
    const path = (...s: string[]) => s.map(encodeURIComponent).join('/');

    before(async () => {
      vhost = await makeVhost(B, 'burrow-xpolicy');
      const body = (pattern: string, applyTo: string, definition: Record<string, unknown>) => ({
        pattern,
        priority: 1,
        'apply-to': applyTo,
        definition,
      });
      await putPolicy(mc, 'policy', vhost, 'ae', body('^orders', 'exchanges', { 'alternate-exchange': 'unrouted' }));
      await putPolicy(mc, 'policy', vhost, 'ttl', body('.*', 'queues', { 'message-ttl': 60000 }));
      await putPolicy(mc, 'operator', vhost, 'cap', body('^orders', 'all', { 'max-length': 5 }));
      for (const [x, type] of [
        ['orders.in', 'topic'],
        ['unrouted', 'fanout'],
        ['plain', 'direct'],
      ])
        await B.mgmt('PUT', `/api/exchanges/${path(vhost, x!)}`, { type, durable: false });
      await B.mgmt('PUT', `/api/queues/${path(vhost, 'unrouted.q')}`, {
        durable: false,
        arguments: { 'x-queue-type': 'classic' },
      });
      await B.mgmt('POST', `/api/bindings/${path(vhost)}/e/unrouted/q/unrouted.q`, { routing_key: '' });
    });

    after(async () => {
      mc.dispose();
      if (vhost) await dropVhost(B, vhost);
    });

    test('the tooltip shows the policy, the operator policy and the merged definition', async () => {
      const ctx: ExplorerContext = {
        profiles: () => [{ ...DEFAULT_PROFILE, port: B.amqpPort, vhost, managementUrl: B.mgmtUrl }],
        management: async () => mc,
        status: () => 'connected',
        lastError: () => undefined,
        reportOk: () => undefined,
        reportError: () => undefined,
        pageSize: () => 100,
        showSystemExchanges: () => true,
      };
      const [conn] = await new RootNode(ctx).getChildren();
      const v = (await conn!.getChildren()).find((n) => n instanceof VhostNode && n.vhost === vhost) as VhostNode;
      let tip = '';
      let plain = '';
      // The broker applies policies asynchronously: poll the listing's `policy` field.
      await poll('the tree to show the exchange policy', async () => {
        await v.exchanges.poll().catch(() => undefined);
        const rows = await v.exchanges.getChildren();
        tip = (rows.find((r) => r.view().label === 'orders.in')?.view().tooltip as string) ?? '';
        plain = (rows.find((r) => r.view().label === 'plain')?.view().tooltip as string) ?? '';
        return /^Policy: ae/m.test(tip);
      });
      assert.match(tip, /^Policy: ae \(operator: cap\)$/m);
      assert.match(tip, /^ {2}alternate-exchange: unrouted$/m);
      assert.match(tip, /^ {2}max-length: 5$/m);
      assert.doesNotMatch(tip, /message-ttl/, 'a policy for queues does not apply to exchanges');
      assert.doesNotMatch(plain, /Policy/);
    });

    test('the Details panel shows the same, and the broker routes by that definition', async () => {
      const d = await readExchangeDetails(mc, vhost, 'orders.in');
      assert.equal(d.policy.policy, 'ae');
      assert.equal(d.policy.operatorPolicy, 'cap');
      assert.deepEqual(
        d.policy.definition.map((r) => r.name),
        ['alternate-exchange', 'max-length'],
      );
      assert.equal(d.policy.note, undefined);
      const res = await B.mgmt('POST', `/api/exchanges/${path(vhost, 'orders.in')}/publish`, {
        properties: {},
        routing_key: 'no.binding',
        payload: 'x',
        payload_encoding: 'string',
      });
      assert.equal(res.status, 200);
      await poll('the unroutable message to reach the alternate exchange', async () => {
        const q = (await (await B.mgmt('GET', `/api/queues/${path(vhost, 'unrouted.q')}`)).json()) as {
          messages?: number;
        };
        return q.messages === 1;
      });
    });
  });
}
