import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { ManagementClient } from '../../src/broker/management';
import { QueueTail, type TailBatch, type TailState, type TailStats } from '../../src/broker/tail';
import { fieldNumber } from '../../src/core/fieldTypes';
import type { CapturedMessage } from '../../src/core/message';

import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS, closeConnectionByName } from '../brokers';
import { poll } from '../wait';

for (const B of BROKERS) {
  const SUFFIX = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-tail-${SUFFIX}`;
  const CONNECTION_NAME = `burrow-test-tail-${SUFFIX}`;

  async function queueNames(): Promise<string[]> {
    const res = await B.mgmt('GET', `/api/queues/${encodeURIComponent(VHOST)}?columns=name`);
    return ((await res.json()) as { name: string }[]).map((q) => q.name);
  }

  const until = (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000) =>
    poll(what, cond, timeoutMs, 25);

  const text = (m: CapturedMessage) => new TextDecoder().decode(m.body);

  /** A tail whose batches are collected. */
  function collector() {
    const received: CapturedMessage[] = [];
    const batches: number[] = [];
    let stats: TailStats | undefined;
    return {
      received,
      batches,
      get stats() {
        return stats;
      },
      onBatch: (batch: TailBatch, s: TailStats) => {
        const messages = batch.messages();
        assert.equal(
          messages.length,
          Math.max(0, batch.last - batch.first + 1),
          'a batch is a contiguous range of buffered seqs',
        );
        if (messages.length) batches.push(messages.length);
        received.push(...messages);
        stats = s;
      },
    };
  }

  describe(`QueueTail against the real broker [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;
    let management: ManagementClient;
    const tails: QueueTail[] = [];

    const publish = (exchange: string, routingKey: string, bodies: string[]) =>
      mgr.withConfirmChannel(VHOST, async (ch) => {
        for (const b of bodies) ch.publish(exchange, routingKey, Buffer.from(b));
        await ch.waitForConfirms();
      });
    const depth = (queue: string) => mgr.withChannel(VHOST, (ch) => ch.checkQueue(queue)).then((q) => q.messageCount);

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: CONNECTION_NAME }), {
        backoff: { initialMs: 100, maxMs: 500 },
      });
      management = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
      await mgr.withChannel(VHOST, async (ch) => {
        await ch.assertExchange('events', 'topic', { durable: false });
        await ch.assertExchange('hdrs', 'headers', { durable: false });
        await ch.assertQueue('watched', { durable: false });
        await ch.bindQueue('watched', 'events', 'order.*');
        await ch.bindQueue('watched', 'hdrs', '', { 'x-match': 'all', kind: 'audit' });
        await ch.assertQueue('work', { durable: false });
      });
    });

    after(async () => {
      for (const t of tails) await t.stop().catch(() => undefined);
      await mgr?.dispose();
      management?.dispose();
      await dropVhost(B, VHOST);
    });

    const tail = (...args: ConstructorParameters<typeof QueueTail>) => {
      const t = new QueueTail(...args);
      tails.push(t);
      return t;
    };

    test('tap on a queue sees new messages in order and leaves the queue untouched', async () => {
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', queue: 'watched' },
        { onBatch: c.onBatch, management, flushIntervalMs: 20 },
      );
      const states: TailState[] = [];
      t.onStateChange((s) => states.push(s));
      await t.start();
      assert.equal(t.state, 'running');
      assert.deepEqual(t.bindings.map((b) => [b.exchange, b.routingKey]).sort(), [
        ['events', 'order.*'],
        ['hdrs', ''],
      ]);
      assert.ok(t.notes.some((n) => /default exchange cannot be tapped/.test(n)));
      assert.ok(t.tapQueue && (await queueNames()).includes(t.tapQueue));

      await publish('events', 'order.created', ['one', 'two', 'three']);
      await publish('events', 'user.created', ['not for the watched queue']);
      await mgr.withConfirmChannel(VHOST, async (ch) => {
        ch.publish('hdrs', '', Buffer.from('audit'), { headers: { kind: 'audit' } });
        ch.publish('hdrs', '', Buffer.from('not audit'), { headers: { kind: 'other' } });
        await ch.waitForConfirms();
      });
      // A marker routed to the watched queue after everything else: once it is in, any copy of the
      // messages that must not be tapped would have arrived before it.
      await publish('events', 'order.marker', ['marker']);
      await until('the marker', () => c.received.some((m) => text(m) === 'marker'));
      assert.deepEqual(c.received.map(text), ['one', 'two', 'three', 'audit', 'marker']);
      assert.deepEqual(
        c.received.map((m) => m.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal(c.received[0].exchange, 'events');
      assert.equal(c.received[0].routingKey, 'order.created');
      assert.equal(c.received[0].deliveryTag, undefined);
      assert.equal(await depth('watched'), 5, 'the watched queue still holds its messages');
      assert.deepEqual(t.messages().map(text), ['one', 'two', 'three', 'audit', 'marker']);
      assert.equal(c.stats?.received, 5);

      const tapQueue = t.tapQueue!;
      await t.stop();
      assert.equal(t.state, 'stopped');
      assert.deepEqual(states, ['starting', 'running', 'stopped']);
      assert.ok(!(await queueNames()).includes(tapQueue), 'tap queue deleted');
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('watched'));
    });

    test('tap on an exchange with a pattern', async () => {
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', exchange: 'events', pattern: 'user.#' },
        { onBatch: c.onBatch, flushIntervalMs: 20 },
      );
      await t.start();
      await publish('events', 'order.created', ['o']);
      await publish('events', 'user.created.eu', ['u1', 'u2']);
      await until('2 messages', () => c.received.length >= 2);
      assert.deepEqual(c.received.map(text), ['u1', 'u2']);
      await t.stop();
      assert.deepEqual((await queueNames()).sort(), ['watched', 'work'].sort());
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('watched'));
    });

    test('tap errors: missing exchange (404), missing queue (404), no management client; nothing left behind', async () => {
      const noop = () => undefined;
      const t1 = tail(mgr, VHOST, { mode: 'tap', exchange: 'missing-exchange', pattern: '#' }, { onBatch: noop });
      await assert.rejects(t1.start(), (e: unknown) => e instanceof BrokerError && e.code === 404);
      assert.equal(t1.state, 'error');
      const t2 = tail(mgr, VHOST, { mode: 'tap', queue: 'missing-queue' }, { onBatch: noop, management });
      await assert.rejects(t2.start(), (e: unknown) => e instanceof BrokerError && e.code === 404);
      const t3 = tail(mgr, VHOST, { mode: 'tap', queue: 'watched' }, { onBatch: noop });
      await assert.rejects(t3.start(), (e: unknown) => e instanceof BrokerError && /management API/.test(e.message));
      const t4 = tail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'missing-queue', prefetch: 10, ack: 'auto' },
        { onBatch: noop },
      );
      await assert.rejects(t4.start(), (e: unknown) => e instanceof BrokerError && e.code === 404);
      await until(
        'no tap queue left',
        async () => (await queueNames()).sort().join() === ['watched', 'work'].sort().join(),
        5000,
      );
    });

    test('batches: at most maxBatch per callback, never one callback per message', async () => {
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', exchange: 'events', pattern: 'bulk' },
        { onBatch: c.onBatch, maxBatch: 100, flushIntervalMs: 50 },
      );
      await t.start();
      await publish(
        'events',
        'bulk',
        Array.from({ length: 1000 }, (_, i) => `m${i}`),
      );
      await until('1000 messages', () => c.received.length >= 1000);
      assert.ok(c.batches.every((n) => n <= 100));
      assert.ok(c.batches.length <= 20, `${c.batches.length} batches`);
      assert.deepEqual(
        c.received.map(text),
        Array.from({ length: 1000 }, (_, i) => `m${i}`),
      );
      await t.stop();
    });

    test('bufferBytes bounds the bodies kept: large messages push the oldest out; properties and headers survive', async () => {
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', exchange: 'events', pattern: 'bytes' },
        { onBatch: c.onBatch, bufferBytes: 2 << 20, flushIntervalMs: 20 },
      );
      await t.start();
      await mgr.withConfirmChannel(VHOST, async (ch) => {
        for (let i = 0; i < 6; i++)
          ch.publish('events', 'bytes', Buffer.alloc(300_000, 48 + i), {
            contentType: 'text/plain',
            headers: { n: i },
          });
        ch.publish('events', 'bytes', Buffer.from('small'), { contentType: 'text/plain', messageId: 'm-7' });
        await ch.waitForConfirms();
      });
      await until('7 received', () => t.stats().received === 7);
      const kept = t.messages();
      // 2 MiB: six 300 kB bodies fit until the small one needs a 1 MiB block for small bodies;
      // then three of them do, and the oldest three went.
      assert.deepEqual(
        kept.map((m) => [m.size, m.body[0], fieldNumber(m.properties.headers?.n) ?? m.properties.messageId]),
        [
          [300_000, 51, 3],
          [300_000, 52, 4],
          [300_000, 53, 5],
          [5, 115, 'm-7'],
        ],
      );
      assert.equal(t.stats().dropped, 3);
      assert.equal(kept[0]!.properties.contentType, 'text/plain');
      await t.stop();
    });

    test('ring buffer keeps the newest messages; pause holds batches back, resume delivers them; clear', async () => {
      const c = collector();
      // maxBatch 5: an unpaused tail hands over every 5th message at once, on arrival (no timer),
      // so when all 25 have arrived, a pause that did not hold would already show here.
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', exchange: 'events', pattern: 'ring' },
        { onBatch: c.onBatch, bufferSize: 10, maxBatch: 5, flushIntervalMs: 20 },
      );
      await t.start();
      t.pause();
      await publish(
        'events',
        'ring',
        Array.from({ length: 25 }, (_, i) => `r${i}`),
      );
      await until('25 received', () => t.stats().received === 25);
      assert.equal(c.received.length, 0, 'nothing delivered while paused');
      assert.deepEqual(t.stats().dropped, 15);
      assert.deepEqual(
        t.messages().map(text),
        Array.from({ length: 10 }, (_, i) => `r${i + 15}`),
      );
      t.resume();
      await until('buffered messages delivered', () => c.received.length === 10);
      assert.deepEqual(
        c.received.map(text),
        Array.from({ length: 10 }, (_, i) => `r${i + 15}`),
      );
      assert.equal(c.stats?.dropped, 15);
      t.clear();
      assert.deepEqual(t.messages(), []);
      assert.deepEqual({ ...t.stats(), ratePerSec: 0 }, { received: 0, dropped: 0, ratePerSec: 0 });
      await publish('events', 'ring', ['after clear']);
      await until('one more', () => c.received.length === 11);
      assert.equal(text(c.received[10]), 'after clear');
      assert.equal(c.received[10].seq, 26, 'seq stays unique across clear');
      await t.stop();
    });

    test('consume mode with manual acks: ack removes, nack requeues, reject drops', async () => {
      await publish('', 'work', ['w1', 'w2', 'w3', 'w4']);
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'work', prefetch: 10, ack: 'manual' },
        { onBatch: c.onBatch, flushIntervalMs: 20 },
      );
      await t.start();
      await until('4 deliveries', () => c.received.length >= 4);
      assert.deepEqual(c.received.map(text), ['w1', 'w2', 'w3', 'w4']);
      const tags = c.received.map((m) => m.deliveryTag!);
      assert.deepEqual(t.unsettled(), tags);
      assert.equal(t.ack(tags[0]), true);
      assert.equal(t.ack(tags[0]), false, 'double ack is refused locally (it would close the channel)');
      assert.equal(t.reject(tags[1], false), true);
      assert.equal(t.nack(tags[2], { requeue: true }), true);
      await until('requeued delivery', () => c.received.length >= 5);
      const again = c.received[4];
      assert.equal(text(again), 'w3');
      assert.equal(again.redelivered, true);
      assert.equal(t.ack(again.deliveryTag!, true), true, 'multiple ack of w4 and the redelivered w3');
      assert.deepEqual(t.unsettled(), []);
      assert.equal(t.ack(9999), false);
      // The channel is still open: a marker published now is delivered on it (a double or unknown ack
      // sent to the broker would have closed the channel before this delivery).
      await publish('', 'work', ['w5']);
      await until('the marker delivery', () => c.received.some((m) => text(m) === 'w5'));
      assert.equal(t.state, 'running', 'channel still open');
      assert.equal(t.ack(c.received.at(-1)!.deliveryTag!), true);
      await t.stop();
      assert.equal(await depth('work'), 0);

      // stop() with unacked messages puts them back
      await publish('', 'work', ['x1', 'x2']);
      const c2 = collector();
      const t2 = tail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'work', prefetch: 10, ack: 'manual' },
        { onBatch: c2.onBatch, flushIntervalMs: 20 },
      );
      await t2.start();
      await until('2 deliveries', () => c2.received.length >= 2);
      await t2.stop();
      assert.equal(await depth('work'), 2);
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('work'));
    });

    test('consume mode with auto acks drains the queue', async () => {
      await publish(
        '',
        'work',
        Array.from({ length: 300 }, (_, i) => `a${i}`),
      );
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'work', prefetch: 50, ack: 'auto' },
        { onBatch: c.onBatch, flushIntervalMs: 20 },
      );
      await t.start();
      await until('300 deliveries', () => c.received.length >= 300);
      assert.deepEqual(
        c.received.map(text),
        Array.from({ length: 300 }, (_, i) => `a${i}`),
      );
      assert.ok(c.received.every((m) => m.deliveryTag === undefined));
      await until('queue empty', async () => (await depth('work')) === 0);
      await t.stop();
      assert.equal(await depth('work'), 0);
    });

    test('a tap resumes after the connection is force-closed and sees messages published afterwards', async () => {
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'tap', queue: 'watched' },
        { onBatch: c.onBatch, management, flushIntervalMs: 20 },
      );
      const states: TailState[] = [];
      t.onStateChange((s) => states.push(s));
      await t.start();
      await publish('events', 'order.before', ['before']);
      await until('first message', () => c.received.length === 1);
      const oldTap = t.tapQueue;

      // find the manager's connection by its client-provided name and kill it
      await closeConnectionByName(B, CONNECTION_NAME);
      await until('reconnecting', () => states.includes('reconnecting'));
      await until(
        'running again',
        () => t.state === 'running' && states.lastIndexOf('running') > states.indexOf('reconnecting'),
        15_000,
      );
      assert.notEqual(t.tapQueue, oldTap, 'a new tap queue');

      await publish('events', 'order.after', ['after 1', 'after 2']);
      await until('messages after the reconnect', () => c.received.length >= 3);
      assert.deepEqual(c.received.map(text), ['before', 'after 1', 'after 2']);
      const newTap = t.tapQueue!;
      await t.stop();
      assert.ok(!(await queueNames()).includes(newTap));
      assert.ok(!(await queueNames()).includes(oldTap!));
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('watched'));
    });

    test('consume mode resumes after a reconnect; stale delivery tags are refused', async () => {
      await publish('', 'work', ['k1']);
      const c = collector();
      const t = tail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'work', prefetch: 10, ack: 'manual' },
        { onBatch: c.onBatch, flushIntervalMs: 20 },
      );
      await t.start();
      await until('k1', () => c.received.length === 1);
      const staleTag = c.received[0].deliveryTag!;
      await closeConnectionByName(B, CONNECTION_NAME);
      // the unacked k1 is requeued by the broker and delivered again on the new channel
      await until('k1 redelivered', () => c.received.length === 2, 15_000);
      assert.equal(t.state, 'running');
      const fresh = c.received[1];
      assert.equal(text(fresh), 'k1');
      assert.equal(fresh.redelivered, true);
      assert.ok(fresh.deliveryTag! > staleTag, 'tags stay unique across channels');
      assert.equal(t.ack(staleTag), false);
      assert.equal(t.ack(fresh.deliveryTag!), true);
      await t.stop();
      assert.equal(await depth('work'), 0);
    });
  });
}
