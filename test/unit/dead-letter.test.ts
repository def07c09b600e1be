import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayGroups, replayOriginOf, replayPreview, replayRoute } from '../../src/core/deadLetter';
import type { CapturedMessage } from '../../src/core/message';

const int64 = (n: number) => ({ '!': 'int64', value: String(n) });
const ts = (s: number) => ({ '!': 'timestamp', value: s });

/** x-death as RabbitMQ writes it: newest first. */
function dead(
  entries: { queue: string; reason: string; exchange: string; keys: string[] }[],
  first = entries[entries.length - 1]!,
): Record<string, unknown> {
  return {
    'x-death': entries.map((e) => ({
      count: int64(1),
      reason: e.reason,
      queue: e.queue,
      time: ts(1700000000),
      exchange: e.exchange,
      'routing-keys': e.keys,
    })),
    'x-first-death-queue': first.queue,
    'x-first-death-reason': first.reason,
    'x-first-death-exchange': first.exchange,
  };
}

function msg(headers: Record<string, unknown> | undefined, body = ''): CapturedMessage {
  const b = new TextEncoder().encode(body);
  return {
    seq: 1,
    exchange: 'dlx',
    routingKey: 'x',
    redelivered: false,
    properties: headers ? { headers } : {},
    body: b,
    size: b.byteLength,
    receivedAt: 0,
  };
}

test('the origin is the first death: its exchange and first routing key', () => {
  assert.deepEqual(
    replayOriginOf(dead([{ queue: 'work', reason: 'rejected', exchange: 'orders', keys: ['o.1', 'cc.1'] }])),
    { target: { exchange: 'orders', routingKey: 'o.1' }, reason: 'rejected', queue: 'work' },
  );
  // Dead-lettered twice: newest first; the first death is the last entry (and the x-first-death-* headers).
  const twice = dead([
    { queue: 'retry', reason: 'expired', exchange: 'dlx', keys: ['work'] },
    { queue: 'work', reason: 'rejected', exchange: 'orders', keys: ['o.2'] },
  ]);
  assert.deepEqual(replayOriginOf(twice), {
    target: { exchange: 'orders', routingKey: 'o.2' },
    reason: 'rejected',
    queue: 'work',
  });
  // Without the x-first-death headers: the oldest entry.
  const bare = { 'x-death': (twice['x-death'] as unknown[]).slice() };
  assert.equal(replayOriginOf(bare)?.queue, 'work');
  // Default exchange: the routing key is the queue name.
  assert.deepEqual(replayOriginOf(dead([{ queue: 'q', reason: 'expired', exchange: '', keys: ['q'] }]))?.target, {
    exchange: '',
    routingKey: 'q',
  });
  assert.equal(replayOriginOf(undefined), undefined);
  assert.equal(replayOriginOf({ 'x-death': 'nonsense' }), undefined);
});

test('filters by reason, source queue and content; messages without x-death stay', () => {
  const a = msg(dead([{ queue: 'work', reason: 'rejected', exchange: 'orders', keys: ['o.1'] }]), '{"id":1}');
  const b = msg(dead([{ queue: 'work', reason: 'expired', exchange: 'orders', keys: ['o.2'] }]), '{"id":2}');
  const c = msg(dead([{ queue: 'other', reason: 'rejected', exchange: 'x', keys: ['k'] }]), 'plain');
  const d = msg(undefined, 'no death');
  const all = replayRoute({});
  assert.deepEqual([a, b, c, d].map(all), [
    { exchange: 'orders', routingKey: 'o.1' },
    { exchange: 'orders', routingKey: 'o.2' },
    { exchange: 'x', routingKey: 'k' },
    undefined,
  ]);
  const rejected = replayRoute({ reasons: ['rejected'] });
  assert.deepEqual(
    [a, b, c, d].map((m) => rejected(m) !== undefined),
    [true, false, true, false],
  );
  const fromWork = replayRoute({ queues: ['work'], text: '"id":2' });
  assert.deepEqual(
    [a, b, c, d].map((m) => fromWork(m) !== undefined),
    [false, true, false, false],
  );

  const pairs = replayRoute({
    groups: [
      { reason: 'rejected', queue: 'other' },
      { reason: 'expired', queue: 'work' },
    ],
  });
  assert.deepEqual(
    [a, b, c, d].map((m) => pairs(m) !== undefined),
    [false, true, true, false],
  );

  assert.deepEqual(replayGroups([a, b, c, d, a]), {
    groups: [
      { reason: 'rejected', queue: 'work', count: 2 },
      { reason: 'expired', queue: 'work', count: 1 },
      { reason: 'rejected', queue: 'other', count: 1 },
    ],
    withoutDeath: 1,
  });
  assert.deepEqual(replayPreview([a, b, c, d, a], { reasons: ['rejected'] }), {
    rows: [
      { target: { exchange: 'orders', routingKey: 'o.1' }, count: 2, positions: [1, 5] },
      { target: { exchange: 'x', routingKey: 'k' }, count: 1, positions: [3] },
    ],
    staying: 2,
  });
});
