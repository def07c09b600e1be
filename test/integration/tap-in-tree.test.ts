// Burrow's tap queues on the real brokers: a Tail in tap mode declares burrow.tap.<tapped>.<random>
// with its marker arguments (both brokers accept them), the management API lists them back, and the
// explorer model shows that queue as "Burrow tap (temporary) for <queue>" while another client's
// server-named queue (amq.gen-…) in the same vhost stays an ordinary queue row.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { ManagementClient } from '../../src/broker/management';
import { QueueTail } from '../../src/broker/tail';
import {
  QueueNode,
  RootNode,
  TapQueueNode,
  VhostNode,
  type ConnectionNode,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import { TAP_OF_ARGUMENT, tapQueueInfo } from '../../src/core/topology';
import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS } from '../brokers';

for (const B of BROKERS) {
  const VHOST = `burrow-test-tapview-${randomBytes(4).toString('hex')}`;

  describe(`tap queues in the explorer [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;
    let management: ManagementClient;
    let other: amqp.ChannelModel | undefined;
    let tail: QueueTail | undefined;

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-${VHOST}` }));
      management = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
      await mgr.withChannel(VHOST, async (ch) => {
        await ch.assertExchange('orders-x', 'topic', { durable: false });
        await ch.assertQueue('orders', { durable: false });
        await ch.bindQueue('orders', 'orders-x', 'orders.*');
      });
    });

    after(async () => {
      await tail?.stop().catch(() => undefined);
      await other?.close().catch(() => undefined);
      await mgr?.dispose();
      management?.dispose();
      await dropVhost(B, VHOST);
    });

    async function queueRows(): Promise<ExplorerNode[]> {
      const ctx: ExplorerContext = {
        profiles: () => [
          {
            id: 'p',
            name: 'p',
            host: '127.0.0.1',
            port: B.amqpPort,
            vhost: '/',
            username: 'guest',
            tls: false,
            managementUrl: B.mgmtUrl,
          },
        ],
        management: async () => management,
        status: () => 'connected',
        lastError: () => undefined,
        reportOk: () => undefined,
        reportError: (_p, err) => assert.fail(String(err)),
        pageSize: () => 100,
        showSystemExchanges: () => true,
      };
      const [conn] = (await new RootNode(ctx).getChildren()) as ConnectionNode[];
      const vhost = (await conn.getChildren()).find((n) => n instanceof VhostNode && n.vhost === VHOST) as VhostNode;
      return vhost.queues.getChildren();
    }

    test("a running tap is listed as Burrow's tap for its queue; another client's amq.gen- queue stays ordinary", async () => {
      // Another client (the tutorials' receiver): a server-named exclusive queue, consuming.
      other = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(VHOST)}`);
      const och = await other.createChannel();
      const gen = (await och.assertQueue('', { exclusive: true })).queue;
      assert.match(gen, /^amq\.gen-/);
      await och.consume(gen, () => undefined, { noAck: true });

      tail = new QueueTail(mgr, VHOST, { mode: 'tap', queue: 'orders' }, { onBatch: () => undefined, management });
      await tail.start();
      const tapName = tail.tapQueue!;
      assert.match(tapName, /^burrow\.tap\.orders\.[0-9a-f]{12}$/);

      const listed = await management.getQueue(VHOST, tapName);
      assert.equal(listed.arguments?.[TAP_OF_ARGUMENT], 'orders', 'the broker keeps the marker argument');
      assert.deepEqual(tapQueueInfo(listed), { kind: 'queue', target: 'orders' });

      const rows = await queueRows();
      const tapRow = rows.find((r) => r instanceof TapQueueNode);
      assert.ok(tapRow instanceof TapQueueNode, `rows: ${rows.map((r) => r.view().label).join(', ')}`);
      assert.equal(tapRow.name, tapName);
      assert.equal(tapRow.view().label, 'Burrow tap (temporary) for orders');
      assert.equal(tapRow.view().contextValue, 'tapQueue');
      const genRow = rows.find((r) => r instanceof QueueNode && r.name === gen);
      assert.ok(genRow, 'the amq.gen- queue is an ordinary queue row');
      assert.equal(genRow.view().label, gen);
      assert.equal(genRow.view().contextValue, 'queue.classic');
      assert.equal(rows.filter((r) => r instanceof TapQueueNode).length, 1);

      await tail.stop();
      tail = undefined;
      const after = await queueRows();
      assert.ok(!after.some((r) => r instanceof TapQueueNode), 'the tap is gone with its tail');
    });
  });
}
