/**
 * Filling and reading test queues for the message-operation tests (move, replay, stream copy):
 * numbered messages with unique ids and typed headers, depths, and draining by message id.
 */
import assert from 'node:assert/strict';
import type { AmqpConnectionManager } from '../../src/broker/amqp';
import { publishMany } from '../../src/broker/publish';
import { pause } from '../wait';

/**
 * Publishes messages from..from+n−1 to `queue` with confirms: body "body i xxx…", message id
 * `${prefix}-${i}`, persistent, headers n (int64 i) and f (double i/2).
 */
export async function fill(
  m: AmqpConnectionManager,
  vhost: string,
  queue: string,
  n: number,
  prefix = 'm',
  from = 0,
): Promise<void> {
  const r = await publishMany(m, vhost, { exchange: '', routingKey: queue, body: Buffer.from(''), properties: {} }, n, {
    messageAt: (i) => ({
      body: Buffer.from(`body ${from + i} ${'x'.repeat(100)}`),
      properties: {
        messageId: `${prefix}-${from + i}`,
        deliveryMode: 2,
        headers: { n: { '!': 'int64', value: String(from + i) }, f: { '!': 'double', value: (from + i) / 2 } },
      },
    }),
  });
  assert.equal(r.confirmed, n);
}

/** The queue's ready messages (queue.declare passive). */
export async function depth(m: AmqpConnectionManager, vhost: string, queue: string): Promise<number> {
  return (await m.withChannel(vhost, (ch) => ch.checkQueue(queue))).messageCount;
}

/** Waits until the queue depths stop changing (quorum queues requeue asynchronously). */
export async function settledDepths(m: AmqpConnectionManager, vhost: string, queues: string[]): Promise<number[]> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    const d = await Promise.all(queues.map((q) => depth(m, vhost, q)));
    const key = d.join(',');
    if (key === last) return d;
    last = key;
    await pause(400);
  }
  throw new Error('queue depths never settled');
}

/** Takes (and acks) every message of the queue and returns their message ids in order. */
export async function drainIds(m: AmqpConnectionManager, vhost: string, queue: string): Promise<string[]> {
  const n = await depth(m, vhost, queue);
  if (n === 0) return [];
  return m.withChannel(
    vhost,
    async (ch) => {
      const ids: string[] = [];
      await ch.prefetch(1000);
      await new Promise<void>((resolve) => {
        void ch.consume(
          queue,
          (msg) => {
            if (!msg) return;
            ids.push(String(msg.properties.messageId));
            ch.ack(msg);
            if (ids.length >= n) resolve();
          },
          { noAck: false },
        );
      });
      return ids;
    },
    { deadlineMs: 60_000 },
  );
}
