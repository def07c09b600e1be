import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindingCriteria,
  formatArgValue,
  exchangeDescription,
  exchangeDisplayName,
  filterToRegex,
  isSystemExchange,
  queueDescription,
  queueFeatures,
  queueType,
  queueFigures,
  queueTooltipMarkdown,
  groupCountText,
} from '../../src/core/topology';

test('queue description is compact (ready · unacked · consumers) so a narrow sidebar keeps every figure', () => {
  assert.equal(
    queueDescription({ name: 'q', messages_ready: 12, messages_unacknowledged: 3, consumers: 2 }),
    '12 · 3 · 2c',
  );
  assert.equal(
    queueDescription({ name: 'q', messages_ready: 0, messages_unacknowledged: 0, consumers: 1, type: 'quorum' }),
    '0 · 0 · 1c',
  );
  assert.equal(
    queueDescription({ name: 'q', type: 'classic', state: 'flow', messages_ready: 1, consumers: 0 }),
    '1 · 0 · 0c · flow',
  );
  assert.equal(queueDescription({ name: 'q', messages_ready: 123_456, consumers: 0 }), '123.5k · 0 · 0c');
  assert.equal(queueDescription({ name: 'q' }), 'no stats');
});

test('queue figures spell out every figure for the tooltip, with the type', () => {
  assert.equal(
    queueFigures({ name: 'q', messages_ready: 12, messages_unacknowledged: 3, consumers: 2 }),
    '12 ready · 3 unacked · 2 consumers',
  );
  assert.equal(
    queueFigures({ name: 'q', messages_ready: 0, messages_unacknowledged: 0, consumers: 1, type: 'quorum' }),
    '0 ready · 0 unacked · 1 consumer · quorum',
  );
  const md = queueTooltipMarkdown(
    {
      name: 'a_b',
      messages_ready: 5,
      messages_unacknowledged: 2,
      consumers: 1,
      message_stats: { publish_details: { rate: 1.25 } },
    },
    'Queue a_b (classic)',
    ['Features: D'],
  );
  assert.match(md, /^\*\*Queue a\\_b \\\(classic\\\)\*\*/);
  assert.match(md, /\| Ready \| 5 \|/);
  assert.match(md, /\| Unacked \| 2 \|/);
  assert.match(md, /\| Consumers \| 1 \|/);
  assert.match(md, /\| Publish \| 1\.3\/s \|/);
});

test('group counts come from the page totals: filtered_count of total_count with a filter', () => {
  assert.equal(groupCountText(undefined, ''), '');
  assert.equal(groupCountText(undefined, 'hot'), 'filter: hot');
  assert.equal(groupCountText({ total: 3, filtered: 3 }, ''), '3');
  assert.equal(groupCountText({ total: 10_000, filtered: 50 }, 'hot'), '50 of 10,000 · filter: hot');
});

test('queue features like the management UI', () => {
  assert.deepEqual(
    queueFeatures({
      name: 'q',
      durable: true,
      auto_delete: true,
      exclusive: true,
      arguments: {
        'x-message-ttl': 1,
        'x-dead-letter-exchange': 'dlx',
        'x-max-length': 5,
        'x-max-priority': 3,
        'x-single-active-consumer': true,
      },
    }),
    ['D', 'AD', 'Excl', 'TTL', 'DLX', 'Lim', 'Pri', 'SAC'],
  );
  assert.deepEqual(queueFeatures({ name: 'q' }), []);
});

test('queue type falls back to x-queue-type, then classic', () => {
  assert.equal(queueType({ name: 'q', type: 'stream' }), 'stream');
  assert.equal(queueType({ name: 'q', arguments: { 'x-queue-type': 'quorum' } }), 'quorum');
  assert.equal(queueType({ name: 'q' }), 'classic');
});

test('exchange description and names', () => {
  assert.equal(
    exchangeDescription({
      name: 'x',
      type: 'topic',
      durable: true,
      internal: true,
      arguments: { 'alternate-exchange': 'ae' },
    }),
    'topic · I · AE',
  );
  assert.equal(exchangeDisplayName(''), '(AMQP default)');
  assert.equal(exchangeDisplayName('logs'), 'logs');
  assert.ok(isSystemExchange(''));
  assert.ok(isSystemExchange('amq.topic'));
  assert.ok(!isSystemExchange('amqp-ish'));
});

test('binding criteria show the key, or header arguments', () => {
  const b = { source: 'x', destination: 'q', destination_type: 'queue' };
  assert.equal(bindingCriteria({ ...b, routing_key: '*.info' }), '*.info');
  assert.equal(bindingCriteria({ ...b, routing_key: '' }), '(empty key)');
  assert.equal(
    bindingCriteria({ ...b, routing_key: '', arguments: { 'x-match': 'any', format: 'pdf', n: 1, v: null } }),
    '{x-match=any, format=pdf, n=1, v=null}',
  );
});

test('filters become server-side regexes', () => {
  assert.equal(filterToRegex('orders'), 'orders');
  assert.equal(filterToRegex('order.v1'), 'order\\.v1');
  assert.equal(filterToRegex('ord*s?'), 'ord.*s.');
  assert.equal(filterToRegex('/^a|b$/'), '^a|b$');
  assert.equal(filterToRegex('a(b)[c]'), 'a\\(b\\)\\[c\\]');
  // every generated regex is valid and matches the literal text it came from
  for (const text of ['a.b', 'x+y', 'what?', '[q]', 'a\\b', 'c$d^']) {
    const re = new RegExp(filterToRegex(text));
    assert.ok(re.test(text), text);
  }
});

test('binding criteria and argument text show typed values as the binding form writes them, never as { "!": … } objects', () => {
  assert.equal(formatArgValue({ '!': 'double', value: 5 }), '5 (double)');
  assert.equal(formatArgValue({ '!': 'int64', value: '9007199254740993' }), '9007199254740993 (int64)');
  assert.equal(formatArgValue('all'), 'all');
  assert.equal(formatArgValue(null), 'null');
  assert.equal(
    formatArgValue({ a: { '!': 'int8', value: 1 }, b: [new Uint8Array([1])] }),
    '{"a":1,"b":[{"!":"bytes","value":"AQ=="}]}',
  );
  assert.equal(
    bindingCriteria({
      source: 'h',
      destination: 'q',
      destination_type: 'queue',
      routing_key: '',
      arguments: { 'x-match': 'all', n: { '!': 'double', value: 5 } },
    } as Parameters<typeof bindingCriteria>[0]),
    '{x-match=all, n=5 (double)}',
  );
});
