/**
 * Consumers as they are, against both brokers: two tutorial workers (amqplib, prefetch 1, manual
 * ack, never acking) on a queue that got 10 messages → the explorer model's consumer rows name each
 * worker's connection (its connection_name), its client library (amqplib), unacked 1 of prefetch 1,
 * and an even split of the deliveries.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { ManagementClient } from '../../src/broker/management';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import {
  ConsumerNode,
  QueueNode,
  RootNode,
  VhostNode,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import { BROKERS, dropVhost, makeVhost, poll } from './helpers';

const QUEUE = 'task_queue';

for (const B of BROKERS) {
  describe(`consumer rows [${B.label}]`, () => {
    let vhost = '';
    const tag = Math.random().toString(36).slice(2, 8);
    const names = [`burrow-test-cons-a-${tag}`, `burrow-test-cons-b-${tag}`];
    const conns: amqp.ChannelModel[] = [];
    const mc = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
    let queueNode: QueueNode;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-consumers');
      const url = `amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`;
      for (const name of names) {
        const conn = await amqp.connect(url, { clientProperties: { connection_name: name } });
        conns.push(conn);
        const ch = await conn.createChannel();
        await ch.assertQueue(QUEUE, { durable: false, arguments: { 'x-queue-type': 'classic' } });
        await ch.prefetch(1);
        await ch.consume(QUEUE, () => undefined, { noAck: false }); // holds its message, never acks
      }
      const pub = await conns[0].createConfirmChannel();
      for (let i = 0; i < 10; i++) pub.sendToQueue(QUEUE, Buffer.from(`task ${i}`));
      await pub.waitForConfirms();
      await pub.close();

      const ctx: ExplorerContext = {
        profiles: () => [{ ...DEFAULT_PROFILE, port: B.amqpPort, vhost, managementUrl: B.mgmtUrl }],
        management: async () => mc,
        status: () => 'connected',
        lastError: () => undefined,
        reportOk: () => undefined,
        reportError: () => undefined,
        pageSize: () => 50,
        showSystemExchanges: () => true,
      };
      const [connNode] = await new RootNode(ctx).getChildren();
      const v = (await connNode.getChildren()).find((n) => n instanceof VhostNode && n.vhost === vhost) as VhostNode;
      const rows: ExplorerNode[] = await v.queues.getChildren();
      queueNode = rows.find((n) => n instanceof QueueNode && n.name === QUEUE) as QueueNode;
      assert.ok(queueNode, `queue ${QUEUE} in the tree`);
    });

    after(async () => {
      for (const c of conns) await c.close().catch(() => undefined);
      if (vhost) await dropVhost(B, vhost);
    });

    test('each consumer row: connection name, amqplib, unacked 1 of prefetch 1, manual ack, half the deliveries', async () => {
      // The channel stats come with the broker's statistics interval (a few seconds).
      const consumers = await poll(
        'both consumer rows show unacked 1/1 and their share',
        async () => {
          const kids = await queueNode.getChildren();
          const cs = kids.filter((k): k is ConsumerNode => k instanceof ConsumerNode);
          return cs.length === 2 && cs.every((c) => /unacked 1\/1 .*50%/.test(c.view().description ?? '')) && cs;
        },
        30_000,
        500,
      );
      assert.deepEqual(
        consumers.map((c) => c.view().label),
        names.map((n) => `${n} (ch 1)`),
        'sorted by connection name',
      );
      for (const c of consumers) {
        const v = c.view();
        assert.match(v.description ?? '', /^amqplib · unacked 1\/1 · [\d.]+\/s · ███░░░ 50%$/);
        const lines = (v.tooltip ?? '').split('\n');
        assert.ok(lines.includes('Ack mode: manual'), v.tooltip);
        assert.ok(lines.includes('Prefetch: 1 per consumer'), v.tooltip);
        assert.ok(lines.includes('Unacked: 1'), v.tooltip);
        assert.ok(lines.includes('Delivered: 1'), v.tooltip);
        assert.ok(
          lines.some((l) => /^Client: amqplib \d+\.\d+\.\d+$/.test(l)),
          v.tooltip,
        );
        assert.match(v.tooltipMarkdown ?? '', /\| Unacked \| 1 \|/);
        assert.equal(c.facts.product, 'amqplib');
        assert.equal(c.facts.unacked, 1);
        assert.equal(c.facts.consumerPrefetch, 1);
        assert.equal(c.facts.manualAck, true);
      }
    });
  });
}
