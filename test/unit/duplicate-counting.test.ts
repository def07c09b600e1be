import { test } from 'node:test';
import assert from 'node:assert/strict';
import { singleQueueCounting } from '../../src/broker/duplicateCounting';
import type { LazyTopology } from '../../src/broker/routingTopology';

/** A routing tester answering from a table: exchange\0key → (queues, may-receive count, exchange types met). */
function stub(table: Record<string, { queues: string[]; maybe?: number; types?: string[]; incomplete?: boolean }>) {
  const calls: string[] = [];
  const lazy = {
    route(exchange: string, routingKey: string) {
      const key = `${exchange}\u0000${routingKey}`;
      calls.push(key);
      const t = table[key] ?? { queues: [] };
      return Promise.resolve({
        result: {
          queues: t.queues,
          mayReceive: Array.from({ length: t.maybe ?? 0 }, () => ({ queue: 'q?', reasons: [] })),
          unroutable: t.queues.length === 0 && !t.maybe,
          mayBeUnroutable: t.queues.length === 0 && (t.maybe ?? 0) > 0,
          incomplete: t.incomplete ?? false,
          routingKeys: [routingKey],
          steps: [],
          errors: [],
          warnings: [],
        },
        bindings: [],
        topology: {
          exchanges: (t.types ?? ['direct']).map((type, i) => ({ name: `x${i}`, type })),
          bindings: [],
          queues: [],
        },
        readAt: 0,
      });
    },
  } as unknown as LazyTopology;
  return { lazy, calls };
}

test('a target counts only when it surely routes to exactly one queue', async () => {
  const { lazy, calls } = stub({
    'orders\u0000o.1': { queues: ['work'] },
    'orders\u0000o.2': { queues: ['work'] },
    '\u0000jobs': { queues: ['jobs'] },
    'fan\u0000': { queues: ['a', 'b'] },
    'maybe\u0000k': { queues: ['a'], maybe: 1 },
    'hdr\u0000k': { queues: ['a'], types: ['topic', 'headers'] },
    'plugin\u0000k': { queues: ['a'], incomplete: true },
  });
  const t = (exchange: string, routingKey: string) => ({ exchange, routingKey });
  const c = await singleQueueCounting(lazy, [
    t('orders', 'o.1'),
    t('orders', 'o.2'),
    t('orders', 'o.1'),
    t('', 'jobs'),
    t('fan', ''),
    t('maybe', 'k'),
    t('hdr', 'k'),
    t('plugin', 'k'),
    t('gone', 'k'),
  ]);
  assert.deepEqual(c.queues, ['jobs', 'work']);
  assert.equal(c.queueOf(t('orders', 'o.2')), 'work');
  assert.equal(c.queueOf(t('', 'jobs')), 'jobs');
  for (const x of [t('fan', ''), t('maybe', 'k'), t('hdr', 'k'), t('plugin', 'k'), t('gone', 'k'), t('orders', 'o.3')])
    assert.equal(c.queueOf(x), undefined, JSON.stringify(x));
  assert.equal(calls.filter((k) => k === 'orders\u0000o.1').length, 1, 'each distinct target is routed once');
});
