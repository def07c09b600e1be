import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  consumerDescription,
  consumerFacts,
  consumerLabel,
  consumerTooltip,
  consumerTooltipMarkdown,
  deliveryShares,
  effectivePrefetch,
  prefetchText,
  shareBar,
  sortConsumerFacts,
  type ConsumerFacts,
} from '../../src/core/consumers';

// Shapes as RabbitMQ 3.10 returned them (queue consumer_details, /vhosts/{v}/channels, /connections/{n}).
const CONN = '127.0.0.1:54784 -> 127.0.0.1:5672';
const consumer = {
  arguments: {},
  channel_details: {
    connection_name: CONN,
    name: `${CONN} (1)`,
    node: 'rabbit@localhost',
    number: 1,
    peer_host: '127.0.0.1',
    peer_port: 54784,
    user: 'guest',
  },
  ack_required: true,
  active: true,
  consumer_tag: 'amq.ctag-7GGf9XsPbtKrcEPm5Mzb1w',
  exclusive: false,
  prefetch_count: 1,
  queue: { name: 'task_queue', vhost: '/' },
};
const channel = {
  name: `${CONN} (1)`,
  number: 1,
  prefetch_count: 1,
  global_prefetch_count: 0,
  messages_unacknowledged: 1,
  consumer_count: 1,
  connection_details: { name: CONN, peer_host: '127.0.0.1', peer_port: 54784 },
  message_stats: { deliver_get: 5, deliver_get_details: { rate: 2 }, ack_details: { rate: 1.5 } },
};
const connection = {
  name: CONN,
  user: 'guest',
  client_properties: { connection_name: 'worker-1', product: 'amqplib', version: '0.10.3', capabilities: {} },
};

test('facts: who, library, prefetch, ack mode, unacked, rate from consumer + channel + connection', () => {
  const f = consumerFacts(consumer, channel, connection);
  assert.equal(f.connectionName, 'worker-1');
  assert.equal(f.peer, '127.0.0.1:54784');
  assert.equal(f.product, 'amqplib');
  assert.equal(f.version, '0.10.3');
  assert.equal(f.manualAck, true);
  assert.equal(f.consumerPrefetch, 1);
  assert.equal(f.channelPrefetch, 0);
  assert.equal(f.unacked, 1);
  assert.equal(f.delivered, 5);
  assert.equal(f.deliverRate, 2);
  assert.equal(consumerLabel(f), 'worker-1 (ch 1)');
  assert.equal(consumerDescription(f), 'amqplib · unacked 1/1 · 2.0/s');
  assert.equal(consumerDescription(f, 0.52), 'amqplib · unacked 1/1 · 2.0/s · ███░░░ 52%');
});

test('label falls back to the peer, then the channel name; library without version', () => {
  const noName = consumerFacts(consumer, channel, { client_properties: { product: 'pika' } });
  assert.equal(consumerLabel(noName), '127.0.0.1:54784 (ch 1)');
  const bare = consumerFacts({ consumer_tag: 't', channel_details: { name: 'ch-x' } });
  assert.equal(consumerLabel(bare), 'ch-x');
  assert.match(consumerTooltip(noName), /Client: pika$/m);
});

test('tooltip has every figure; markdown is a table with names escaped', () => {
  const f = consumerFacts(consumer, channel, connection);
  const t = consumerTooltip(f, 0.5);
  for (const line of [
    'Consumer amq.ctag-7GGf9XsPbtKrcEPm5Mzb1w',
    'Connection: worker-1',
    'Peer: 127.0.0.1:54784',
    'Client: amqplib 0.10.3',
    'Ack mode: manual',
    'Prefetch: 1 per consumer',
    'Unacked: 1',
    'Delivered: 5',
    'Rate: 2.0/s (deliver)',
    'Share of deliveries: ███░░░ 50%',
  ])
    assert.ok(t.split('\n').includes(line), `${line} in\n${t}`);
  const md = consumerTooltipMarkdown(consumerFacts({ ...consumer, consumer_tag: 'a|b*c' }, channel, connection));
  assert.match(md, /^\*\*Consumer a\\\|b\\\*c\*\*/);
  assert.match(md, /\| Unacked \| 1 \|/);
  assert.match(md, /\| Client \| amqplib 0\\\.10\\\.3 \|/);
});

test('prefetch: which applies (consumer, channel-wide, both, none)', () => {
  const base = consumerFacts(consumer, channel, connection);
  assert.deepEqual(effectivePrefetch(base), { limit: 1, from: 'consumer' });
  const global: ConsumerFacts = { ...base, consumerPrefetch: 0, channelPrefetch: 10 };
  assert.deepEqual(effectivePrefetch(global), { limit: 10, from: 'channel' });
  assert.equal(prefetchText(global), "10 channel-wide (shared by the channel's consumers)");
  assert.equal(consumerDescription(global), 'amqplib · unacked 1/10 · 2.0/s');
  const both: ConsumerFacts = { ...base, consumerPrefetch: 20, channelPrefetch: 10 };
  assert.deepEqual(effectivePrefetch(both), { limit: 10, from: 'channel' });
  assert.equal(prefetchText(both), "20 per consumer, 10 channel-wide (shared by the channel's consumers)");
  const none: ConsumerFacts = { ...base, consumerPrefetch: 0 };
  assert.equal(effectivePrefetch(none), undefined);
  assert.equal(prefetchText(none), 'none (unlimited)');
  assert.equal(consumerDescription(none), 'amqplib · unacked 1 · 2.0/s');
  const auto: ConsumerFacts = { ...none, manualAck: false };
  assert.equal(prefetchText(auto), 'none (auto ack: not limited)');
  assert.match(consumerDescription(auto), /auto ack/);
});

test('no channel stats yet: prefetch from the consumer, no unacked, ack rate when no deliver rate', () => {
  const f = consumerFacts(consumer, undefined, connection);
  assert.equal(consumerDescription(f), 'amqplib · prefetch 1');
  assert.match(consumerTooltip(f), /Unacked: — \(no channel stats yet\)/);
  const ackOnly = consumerFacts(consumer, { ...channel, message_stats: { ack_details: { rate: 3 } } }, connection);
  assert.equal(consumerDescription(ackOnly), 'amqplib · unacked 1/1 · 3.0/s');
  assert.match(consumerTooltip(ackOnly), /Rate: 3\.0\/s \(ack\)/);
});

test('a channel shared by consumers says its figures are the channel’s', () => {
  const f = consumerFacts(consumer, { ...channel, consumer_count: 2 }, connection);
  assert.match(consumerTooltip(f), /Unacked: 1 \(channel's 2 consumers together\)/);
});

test('bad or missing fields never throw', () => {
  const junk: unknown[] = [
    undefined,
    null,
    42,
    'x',
    [],
    { consumer_tag: 5, channel_details: 'no', prefetch_count: 'one', ack_required: 'yes' },
    { channel_details: null, message_stats: [] },
    { client_properties: { product: { bytes: [1] }, version: null, connection_name: 7 } },
    { message_stats: { deliver_get: NaN, deliver_get_details: { rate: 'fast' } } },
  ];
  for (const a of junk)
    for (const b of junk)
      for (const c of junk) {
        const f = consumerFacts(a, b, c);
        assert.equal(typeof consumerLabel(f), 'string');
        assert.equal(typeof consumerDescription(f, 0.3), 'string');
        assert.equal(typeof consumerTooltip(f), 'string');
        assert.equal(typeof consumerTooltipMarkdown(f), 'string');
      }
  const f = consumerFacts(junk[5], junk[8], junk[7]);
  assert.equal(f.tag, '(no tag)');
  assert.equal(f.consumerPrefetch, undefined);
  assert.equal(f.delivered, undefined);
  assert.equal(f.connectionName, '7');
  assert.equal(consumerLabel(consumerFacts(undefined)), 'unknown connection');
  assert.deepEqual(deliveryShares([]), []);
});

test('shares: deliveries per distinct channel; none when nothing was delivered', () => {
  const mk = (ch: string, delivered?: number): ConsumerFacts => ({
    tag: ch,
    exclusive: false,
    channelName: ch,
    delivered,
  });
  const s = deliveryShares([mk('a', 6), mk('b', 4), mk('c')]);
  assert.deepEqual(s, [0.6, 0.4, undefined]);
  // Two consumers on one channel share its count (not counted twice).
  assert.deepEqual(deliveryShares([mk('a', 5), mk('a', 5), mk('b', 5)]), [0.5, 0.5, 0.5]);
  assert.deepEqual(deliveryShares([mk('a', 0), mk('b', 0)]), [undefined, undefined]);
  assert.equal(shareBar(0.52), '███░░░ 52%');
  assert.equal(shareBar(0), '░░░░░░ 0%');
  assert.equal(shareBar(1), '██████ 100%');
  assert.equal(shareBar(7), '██████ 100%');
  assert.equal(shareBar(NaN), '░░░░░░ 0%');
});

test('sort: by who, then channel number, then tag; stable for equal rows', () => {
  const row = (who: string, n: number, tag: string, k: number) => ({
    k,
    facts: { tag, exclusive: false, connectionName: who, channelNumber: n } as ConsumerFacts,
  });
  const rows = [
    row('w2', 1, 'a', 0),
    row('w1', 2, 'a', 1),
    row('w1', 1, 'b', 2),
    row('w1', 1, 'a', 3),
    row('w1', 1, 'a', 4),
  ];
  assert.deepEqual(
    sortConsumerFacts(rows).map((r) => r.k),
    [3, 4, 2, 1, 0],
  );
});
