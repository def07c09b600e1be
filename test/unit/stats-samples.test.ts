import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignSeries,
  buildChart,
  detailsOf,
  EXCHANGE_RATES,
  hasPoints,
  OVERVIEW_RATES,
  QUEUE_DEPTH,
  QUEUE_RATES,
  ratesFromTotals,
  readSamples,
} from '../../src/core/statsSamples';
import {
  exchangeDetails,
  featureFlagRows,
  formatBytes,
  formatUptime,
  listenerRows,
  nodeRow,
  overviewView,
  queueDetails,
} from '../../src/core/detailsView';

const T = 1_796_378_100_000;
/** Samples as the API returns them: newest first. */
const samples = (...values: number[]) => ({
  rate: 0,
  samples: values.map((sample, i) => ({ sample, timestamp: T + (values.length - 1 - i) * 5000 })),
});

test('readSamples sorts oldest first, skips bad entries and keeps one sample per timestamp', () => {
  const got = readSamples({
    samples: [
      { sample: 3, timestamp: T + 10_000 },
      { sample: 'x', timestamp: T + 7_000 },
      { sample: 1, timestamp: T },
      { sample: 2, timestamp: T + 5_000 },
      { sample: 9, timestamp: T + 5_000 },
      null,
    ],
  });
  assert.deepEqual(got, [
    { timestamp: T, sample: 1 },
    { timestamp: T + 5_000, sample: 9 },
    { timestamp: T + 10_000, sample: 3 },
  ]);
  assert.deepEqual(readSamples(undefined), []);
  assert.deepEqual(readSamples({ samples: 'no' }), []);
});

test('ratesFromTotals: increase over time, none for the first sample or a reset', () => {
  const r = ratesFromTotals([
    { timestamp: T, sample: 0 },
    { timestamp: T + 5000, sample: 10 },
    { timestamp: T + 10_000, sample: 10 },
    { timestamp: T + 15_000, sample: 2 },
    { timestamp: T + 15_000, sample: 2 },
  ]);
  assert.deepEqual(
    r.map((x) => x.rate),
    [null, 2, 0, null, null],
  );
});

test('alignSeries puts series sampled at different times on one axis with gaps', () => {
  const { x, values } = alignSeries([
    [
      { timestamp: T, value: 1 },
      { timestamp: T + 5000, value: 2 },
    ],
    [{ timestamp: T + 2000, value: 7 }],
  ]);
  assert.deepEqual(x, [T / 1000, T / 1000 + 2, T / 1000 + 5]);
  assert.deepEqual(values, [
    [1, null, 2],
    [null, 7, null],
  ]);
});

test('detailsOf finds top-level and message_stats figures', () => {
  const raw = { messages_details: { rate: 1 }, message_stats: { ack_details: { rate: 2 } } };
  assert.equal(detailsOf(raw, 'messages')?.rate, 1);
  assert.equal(detailsOf(raw, 'message_stats.ack')?.rate, 2);
  assert.equal(detailsOf(raw, 'message_stats.publish'), undefined);
  assert.equal(detailsOf(null, 'messages'), undefined);
});

test('queue depth chart reads gauges; rate chart turns running totals into rates', () => {
  const q = {
    messages: 4,
    messages_details: samples(4, 6, 0),
    messages_ready: 4,
    messages_ready_details: samples(4, 6, 0),
    messages_unacknowledged: 0,
    messages_unacknowledged_details: samples(0, 0, 0),
    message_stats: {
      publish: 6,
      publish_details: { ...samples(6, 6, 0), rate: 1.2 },
      deliver_get: 2,
      deliver_get_details: samples(2, 0, 0),
      ack: 2,
      ack_details: samples(2, 0, 0),
    },
  };
  const depth = buildChart(q, 'Queue depth', QUEUE_DEPTH);
  assert.equal(depth.unit, 'messages');
  assert.deepEqual(depth.x, [T / 1000, T / 1000 + 5, T / 1000 + 10]);
  assert.deepEqual(depth.series[0]?.values, [0, 6, 4]);
  assert.equal(depth.series[0]?.current, 4);
  assert.ok(hasPoints(depth));

  const rates = buildChart(q, 'Rates', QUEUE_RATES);
  assert.equal(rates.unit, 'msg/s');
  assert.deepEqual(rates.series[0]?.values, [null, 1.2, 0]);
  assert.equal(rates.series[0]?.current, 1.2);
  assert.deepEqual(rates.series[1]?.values, [null, 0, 0.4]);
  // No redeliver figure: nothing was redelivered, drawn as zeros and marked idle.
  assert.equal(rates.series[3]?.label, 'Redeliver');
  assert.equal(rates.series[3]?.idle, true);
  assert.deepEqual(rates.series[3]?.values, [0, 0, 0]);
  assert.equal(rates.series[3]?.current, 0);
});

test('a queue without message_stats (nothing happened yet) gives an idle, empty rate chart', () => {
  const chart = buildChart({ messages: 0, messages_details: samples(0, 0) }, 'Rates', QUEUE_RATES);
  assert.deepEqual(chart.x, []);
  assert.ok(chart.series.every((s) => s.idle && s.values.length === 0));
  assert.equal(hasPoints(chart), false);
});

test('exchange and overview charts (overview message_stats is {} when idle)', () => {
  const x = buildChart(
    { message_stats: { publish_in: 6, publish_in_details: samples(6, 0) } },
    'Rates',
    EXCHANGE_RATES,
  );
  assert.deepEqual(x.series[0]?.values, [null, 1.2]);
  assert.equal(x.series[1]?.idle, true);
  const o = buildChart({ message_stats: {} }, 'Rates', OVERVIEW_RATES);
  assert.deepEqual(o.x, []);
  assert.equal(o.series.length, 3);
});

test('queueDetails: facts, arguments, policies as the API names them, bindings, consumers', () => {
  const v = queueDetails(
    {
      name: 'orders',
      type: 'quorum',
      state: 'running',
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-max-length': 10 },
      policy: 'ttl',
      operator_policy: '',
      effective_policy_definition: { 'message-ttl': 60000 },
      consumer_details: [
        {
          consumer_tag: 'ctag-1',
          ack_required: true,
          prefetch_count: 5,
          exclusive: false,
          channel_details: { name: 'c (1)', number: 1, connection_name: 'c' },
        },
      ],
    },
    [{ source: '', destination: 'orders', destination_type: 'queue', routing_key: 'orders', arguments: {} }],
    new Map([['c (1)', { messages_unacknowledged: 3, message_stats: { deliver_get_details: { rate: 2 } } }]]),
    new Map([['c', { client_properties: { connection_name: 'billing', product: 'amqplib' } }]]),
  );
  assert.equal(v.kind, 'queue');
  assert.deepEqual(
    v.arguments.map((r) => r.name),
    ['x-max-length', 'x-queue-type'],
  );
  assert.deepEqual(v.policy, { policy: 'ttl', definition: [{ name: 'message-ttl', value: '60000' }] });
  assert.deepEqual(v.bindings[0], {
    source: '',
    destination: 'orders',
    destinationType: 'queue',
    criteria: 'orders',
  });
  assert.deepEqual(v.consumers?.[0], {
    tag: 'ctag-1',
    who: 'billing (ch 1)',
    library: 'amqplib',
    ack: 'manual',
    prefetch: '5 per consumer',
    unacked: '3',
    rate: '2.0/s',
  });
  assert.equal(v.charts.length, 2);
  assert.equal(queueDetails(null, null).policy.note, 'No policy applies.');
});

test('exchangeDetails computes the effective policy from the vhost policies', () => {
  const policies = [
    { name: 'ae', pattern: '^logs', 'apply-to': 'exchanges', priority: 1, definition: { 'alternate-exchange': 'un' } },
    { name: 'q', pattern: '.*', 'apply-to': 'queues', priority: 9, definition: { 'message-ttl': 1 } },
  ];
  const both = { asSource: [], asDestination: [] };
  const v = exchangeDetails({ name: 'logs', type: 'topic', policy: 'ae' }, both, policies);
  assert.equal(v.policy.policy, 'ae');
  assert.deepEqual(v.policy.definition, [{ name: 'alternate-exchange', value: 'un' }]);
  // No `policy` field with policies read: none applies (the broker leaves the field out).
  const none = exchangeDetails({ name: 'logs' }, both, policies);
  assert.equal(none.policy.policy, undefined);
  assert.equal(none.policy.note, 'No policy applies.');
  const unread = exchangeDetails({ name: 'logs', policy: 'ae' }, both, undefined);
  assert.equal(unread.policy.policy, 'ae');
  assert.match(unread.policy.note ?? '', /could not be read/);
  assert.equal(v.charts[0]?.series.length, 2);
});

test('exchangeDetails with the operator policies: the definition the broker merges, and what could not be read', () => {
  const policies = [
    { name: 'ae', pattern: '^logs', 'apply-to': 'exchanges', priority: 1, definition: { 'alternate-exchange': 'un' } },
  ];
  const ops = [{ name: 'cap', pattern: '.*', 'apply-to': 'all', priority: 0, definition: { 'max-length': 5 } }];
  const both = { asSource: [], asDestination: [] };
  const v = exchangeDetails({ name: 'logs', policy: 'ae' }, both, policies, 0, {
    operatorPolicies: ops,
    brokerMajor: 4,
  });
  assert.equal(v.policy.policy, 'ae');
  assert.equal(v.policy.operatorPolicy, 'cap');
  assert.deepEqual(v.policy.definition, [
    { name: 'alternate-exchange', value: 'un' },
    { name: 'max-length', value: '5' },
  ]);
  assert.equal(v.policy.note, undefined);
  const unread = exchangeDetails({ name: 'logs', policy: 'ae' }, both, policies, 0, {
    operatorPolicies: undefined,
    brokerMajor: 4,
  });
  assert.equal(unread.policy.operatorPolicy, undefined);
  assert.match(unread.policy.note ?? '', /^The operator policies could not be read/);
  const none = exchangeDetails({ name: 'other' }, both, policies, 0, { operatorPolicies: [], brokerMajor: 4 });
  assert.equal(none.policy.note, 'No policy applies.');
});

test('nodeRow: usage with limits, alarms, 4.0 without a sockets total', () => {
  const n = nodeRow({
    name: 'rabbit4@localhost',
    running: true,
    mem_used: 1024 * 1024,
    mem_limit: 4 * 1024 * 1024,
    mem_alarm: true,
    disk_free: 2048,
    disk_free_limit: 1024,
    disk_free_alarm: false,
    fd_used: 47,
    fd_total: 1024,
    sockets_used: 0,
    sockets_total: 0,
    proc_used: 438,
    proc_total: 1048576,
    uptime: 93_784_000,
  });
  assert.equal(n.memory, '1.0 MiB / 4.0 MiB (25%)');
  assert.equal(n.disk, '2.0 KiB free (limit 1.0 KiB)');
  assert.equal(n.sockets, '0');
  assert.equal(n.fileDescriptors, '47 / 1,024 (5%)');
  assert.deepEqual(n.alarms, ['memory']);
  assert.equal(n.uptime, '1d 2h 3m');
  assert.equal(nodeRow(null).memory, '—');
});

test('listeners leave socket options out; feature flags sorted; overview when flags cannot be read', () => {
  const overview = {
    cluster_name: 'rabbit@h',
    rabbitmq_version: '3.10.8',
    product_name: 'RabbitMQ',
    erlang_version: '24.2.1',
    management_version: '3.10.8',
    listeners: [{ node: 'rabbit@h', protocol: 'amqp', ip_address: '::', port: 5672, socket_opts: { keyfile: '/k' } }],
    object_totals: { queues: 2 },
    message_stats: {},
  };
  assert.deepEqual(listenerRows(overview), [{ node: 'rabbit@h', protocol: 'amqp', address: '::', port: '5672' }]);
  assert.deepEqual(
    featureFlagRows([
      { name: 'b', state: 'enabled' },
      { name: 'a', state: 'disabled', stability: 'stable' },
    ]),
    [
      { name: 'a', state: 'disabled', stability: 'stable' },
      { name: 'b', state: 'enabled', stability: '—' },
    ],
  );
  const v = overviewView(overview, [{ name: 'rabbit@h' }], { error: 'Feature flags could not be read: 404' });
  assert.equal(v.clusterName, 'rabbit@h');
  assert.equal(v.featureFlags, undefined);
  assert.match(v.featureFlagsNote ?? '', /404/);
  assert.equal(v.totals.find((r) => r.name === 'Queues')?.value, '2');
  assert.equal(v.totals.find((r) => r.name === 'Messages')?.value, '0');
  assert.equal(v.nodes[0]?.name, 'rabbit@h');
  assert.equal(JSON.stringify(v).includes('/k'), false);
});

test('formatBytes and formatUptime', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(10_110_466_457), '9.4 GiB');
  assert.equal(formatUptime(59_000), '0m');
  assert.equal(formatUptime(3_660_000), '1h 1m');
  assert.equal(formatUptime(-1), '—');
});
