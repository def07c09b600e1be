import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeConnection } from '../../src/broker/probe';
import { BrokerSession } from '../../src/broker/session';
import type { ConnectionProfile } from '../../src/core/profile';
import {
  QueuesGroupNode,
  RootNode,
  VhostNode,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import { createTestVhost, deleteTestVhost, managementClientOf, uniqueVhost } from './helpers';
import { BROKERS } from '../brokers';

for (const B of BROKERS)
  describe(`test connection and explorer model [${B.label}]`, () => {
    const base: ConnectionProfile = {
      id: 'probe',
      name: 'probe',
      host: '127.0.0.1',
      port: B.amqpPort,
      vhost: '/',
      username: 'guest',
      tls: false,
      managementUrl: B.mgmtUrl,
    };
    const mc = managementClientOf(B);
    const vhost = uniqueVhost('burrow-test-probe');

    before(async () => {
      await createTestVhost(mc, vhost);
    });

    after(async () => {
      await deleteTestVhost(mc, vhost);
      mc.dispose();
    });

    test('test connection: both halves log in against the real broker', async () => {
      const r = await probeConnection({ ...base, vhost }, 'guest');
      assert.equal(r.amqp.ok, true, r.amqp.detail);
      assert.equal(r.management.ok, true, r.management.detail);
      assert.ok(r.amqp.detail.includes(`RabbitMQ ${B.version}`), r.amqp.detail);
      assert.match(r.management.detail, /user guest \(administrator\)/);
    });

    test('test connection: a wrong password fails both halves with the broker reason, never echoing the password', async () => {
      const r = await probeConnection(base, 'not-the-password-42');
      assert.equal(r.amqp.ok, false);
      assert.equal(r.management.ok, false);
      assert.match(r.amqp.detail, /ACCESS_REFUSED/);
      assert.match(r.management.detail, /401/);
      assert.ok(!JSON.stringify(r).includes('not-the-password-42'));
    });

    test('test connection: each half is reported on its own (management URL wrong, AMQP fine)', async () => {
      const r = await probeConnection({ ...base, managementUrl: 'http://127.0.0.1:1' }, 'guest');
      assert.equal(r.amqp.ok, true, r.amqp.detail);
      assert.equal(r.management.ok, false);
      assert.match(r.management.detail, /ECONNREFUSED/);
    });

    test('test connection: an unknown vhost is an AMQP failure with 530', async () => {
      const r = await probeConnection({ ...base, vhost: `${vhost}-missing` }, 'guest');
      assert.equal(r.amqp.ok, false);
      assert.match(r.amqp.detail, /530|NOT_ALLOWED/);
      assert.equal(r.management.ok, true);
    });

    test('a missing CA file is reported for both halves', async () => {
      const r = await probeConnection({ ...base, tls: true, caFile: '/nonexistent/ca.pem' }, 'guest');
      assert.equal(r.amqp.ok, false);
      assert.match(r.amqp.detail, /Cannot read CA file .*ENOENT/);
    });

    test('explorer model over the real management API: first page of queues, load more, server-side filter', async () => {
      const names = Array.from({ length: 12 }, (_, i) => `q-${String(i).padStart(2, '0')}`);
      const declare = (n: string) =>
        B.mgmt('PUT', `/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(n)}`, { durable: false });
      await Promise.all([...names, 'other'].map(declare));
      const session = await BrokerSession.open({ ...base, vhost }, 'guest');
      try {
        const ctx: ExplorerContext = {
          profiles: () => [{ ...base, vhost }],
          management: async () => session.management,
          status: () => 'connected',
          lastError: () => undefined,
          reportOk: () => undefined,
          reportError: () => undefined,
          pageSize: () => 10,
          showSystemExchanges: () => true,
        };
        const [conn] = await new RootNode(ctx).getChildren();
        const vhostNode = (await conn.getChildren()).find(
          (n) => n instanceof VhostNode && n.vhost === vhost,
        ) as VhostNode;
        assert.ok(vhostNode, 'the test vhost is listed');
        const group = vhostNode.queues;
        assert.ok(group instanceof QueuesGroupNode);
        const labels = (nodes: ExplorerNode[]) => nodes.map((n) => n.view().label);
        const first = await group.getChildren();
        assert.equal(first.length, 11);
        assert.equal(labels(first).at(-1), 'Load more…');
        await group.loadMore();
        const all = await group.getChildren();
        assert.deepEqual(labels(all), ['other', ...names]); // the broker sorts by name
        group.setFilter('q-1*');
        assert.deepEqual(labels(await group.getChildren()), ['q-10', 'q-11']);
        assert.match(group.view().description ?? '', /2 of 13/);
        const exchanges = labels(await vhostNode.exchanges.getChildren());
        assert.ok(exchanges.includes('amq.topic'));
      } finally {
        await session.dispose();
      }
    });
  });
