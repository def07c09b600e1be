/**
 * The Details and Overview panels' reads against both brokers: a queue with traffic (published,
 * consumed with acks, one redelivered) shows its depth and rate samples once the management stats
 * have caught up (collected every 5 s: polled with a deadline), its arguments, policy, bindings and
 * consumer; an exchange shows publish in/out and its policy computed from the vhost's policies; the
 * overview lists the nodes, listeners and feature flags.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { ManagementClient } from '../../src/broker/management';
import {
  getFeatureFlags,
  getNodes,
  getQueueStats,
  readExchangeDetails,
  readOverview,
  readQueueDetails,
} from '../../src/broker/managementStats';
import { buildChart, QUEUE_RATES } from '../../src/core/statsSamples';
import { BROKERS, dropVhost, makeVhost, poll } from './helpers';

const QUEUE = 'details-q';
const EXCHANGE = 'details-x';

for (const B of BROKERS) {
  describe(`details and overview stats [${B.label}]`, () => {
    let vhost = '';
    let conn: amqp.ChannelModel | undefined;
    const mc = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });

    before(async () => {
      vhost = await makeVhost(B, 'burrow-details');
      await B.mgmt('PUT', `/api/policies/${encodeURIComponent(vhost)}/details-ttl`, {
        pattern: `^${QUEUE}$`,
        'apply-to': 'queues',
        definition: { 'message-ttl': 600000 },
      });
      await B.mgmt('PUT', `/api/policies/${encodeURIComponent(vhost)}/details-ae`, {
        pattern: `^${EXCHANGE}$`,
        'apply-to': 'exchanges',
        priority: 1,
        definition: { 'alternate-exchange': 'amq.fanout' },
      });
      conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`, {
        clientProperties: { connection_name: 'burrow-details-test' },
      });
      const ch = await conn.createConfirmChannel();
      await ch.assertExchange(EXCHANGE, 'fanout', { durable: false });
      await ch.assertQueue(QUEUE, { durable: false, arguments: { 'x-max-length': 1000 } });
      await ch.bindQueue(QUEUE, EXCHANGE, '');
      for (let i = 0; i < 20; i++) ch.publish(EXCHANGE, '', Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      // Consume 5 with acks, one of them after a redelivery; a consumer stays with prefetch 2.
      const got = await ch.get(QUEUE, { noAck: false });
      if (got) ch.nack(got, false, true);
      for (let i = 0; i < 5; i++) {
        const m = await ch.get(QUEUE, { noAck: false });
        if (m) ch.ack(m);
      }
      const cons = await conn.createChannel();
      await cons.prefetch(2);
      await cons.consume(QUEUE, () => undefined, { noAck: false, consumerTag: 'details-consumer' });
    });

    after(async () => {
      await conn?.close().catch(() => undefined);
      if (vhost) await dropVhost(B, vhost);
    });

    test('queue samples: depth and publish/deliver/ack/redeliver rates appear', async () => {
      const raw = await poll(
        'publish, deliver_get, ack and redeliver samples with a non-zero rate',
        async () => {
          const q = await getQueueStats(mc, vhost, QUEUE);
          const chart = buildChart(q, 'rates', QUEUE_RATES);
          const seen = chart.series.map((s) => s.values.some((v) => v !== null && v > 0));
          return seen.every(Boolean) ? q : undefined;
        },
        40_000,
        1000,
      );
      const q = raw as { messages_details?: { samples?: unknown[] } };
      assert.ok((q.messages_details?.samples?.length ?? 0) >= 2, 'depth samples');
    });

    test('queue details: facts, arguments, policy, bindings, consumer, charts', async () => {
      const v = await poll(
        'the consumer row with its channel',
        async () => {
          const d = await readQueueDetails(mc, vhost, QUEUE);
          return d.consumers?.[0]?.unacked === '2' ? d : undefined;
        },
        20_000,
        500,
      );
      assert.equal(v.name, QUEUE);
      // 4.0 adds the queue type it picked (x-queue-type: classic) to the arguments; 3.10 does not.
      assert.deepEqual(v.arguments, [
        { name: 'x-max-length', value: '1000' },
        ...(B.major >= 4 ? [{ name: 'x-queue-type', value: 'classic' }] : []),
      ]);
      assert.equal(v.policy.policy, 'details-ttl');
      assert.deepEqual(v.policy.definition, [{ name: 'message-ttl', value: '600000' }]);
      assert.ok(v.bindings.some((b) => b.source === EXCHANGE && b.destination === QUEUE));
      assert.ok(
        v.bindings.some((b) => b.source === '' && b.destination === QUEUE),
        'the default binding',
      );
      const c = v.consumers?.[0];
      assert.equal(c?.tag, 'details-consumer');
      assert.match(c?.who ?? '', /burrow-details-test/);
      assert.equal(c?.ack, 'manual');
      assert.equal(c?.prefetch, '2 per consumer');
      assert.deepEqual(
        v.charts.map((ch) => ch.series.map((s) => s.label)),
        [
          ['Total', 'Ready', 'Unacked'],
          ['Publish', 'Deliver / get', 'Ack', 'Redeliver'],
        ],
      );
      assert.ok(v.charts[0]!.x.length >= 2);
    });

    test('exchange details: publish in/out samples and the policy computed from the vhost policies', async () => {
      const v = await poll(
        'publish_in and publish_out samples',
        async () => {
          const d = await readExchangeDetails(mc, vhost, EXCHANGE);
          return d.charts[0]!.series.every((s) => !s.idle && s.values.some((x) => x !== null && x > 0)) ? d : undefined;
        },
        40_000,
        1000,
      );
      assert.equal(v.kind, 'exchange');
      assert.equal(v.policy.policy, 'details-ae');
      assert.deepEqual(v.policy.definition, [{ name: 'alternate-exchange', value: 'amq.fanout' }]);
      assert.ok(v.facts.some((f) => f.name === 'Type' && f.value === 'fanout'));
      assert.ok(v.bindings.some((b) => b.source === EXCHANGE && b.destination === QUEUE));
    });

    test('overview, nodes and feature flags', async () => {
      const o = await readOverview(mc);
      assert.ok(o.nodes.length >= 1);
      const node = o.nodes[0]!;
      assert.match(node.name, /^rabbit\w*@/);
      assert.equal(node.running, true);
      assert.match(node.memory, / \/ .*%/);
      assert.ok(o.versions.some((r) => r.name === 'RabbitMQ' && r.value === B.version));
      assert.ok(o.listeners.some((l) => l.protocol === 'amqp' && l.port === String(B.amqpPort)));
      assert.ok(o.featureFlags && o.featureFlags.length > 0, o.featureFlagsNote);
      assert.ok(o.featureFlags.some((f) => f.name === 'quorum_queue'));
      assert.equal(o.chart.series.length, 3);

      const nodes = (await getNodes(mc)) as { sockets_total?: number }[];
      // 4.0 no longer counts sockets (sockets_total 0); 3.10 reports the limit.
      if (B.major >= 4) assert.equal(nodes[0]?.sockets_total ?? 0, 0);
      else assert.ok((nodes[0]?.sockets_total ?? 0) > 0);
      const flags = await getFeatureFlags(mc);
      assert.ok(Array.isArray(flags));
    });
  });
}
