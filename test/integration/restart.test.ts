/**
 * A broker restart (rabbitmqctl stop_app / start_app) under Burrow's feet, on the RabbitMQ 4.x
 * test node only: stopping the app stops the whole node, and the system's 3.10.8 broker is shared
 * by everything on the machine.
 *
 *   - publishMany across the restart: no confirmed message is missing afterwards, and the queue
 *     holds between confirmed and confirmed + unknown messages (durable queue, persistent messages);
 *   - a tap resumes by itself, with a gap marker, and sees what is published after;
 *   - the same manager publishes and peeks again once the broker is back, and the peek loses nothing.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { publishMany, publishMessage, PublishManyError, type PublishManyResult } from '../../src/broker/publish';
import { peekMessages } from '../../src/broker/peek';
import { QueueTail } from '../../src/broker/tail';
import type { CapturedMessage } from '../../src/core/message';
import { BROKERS, dropVhost, endpointOf, makeVhost, managementClientOf, poll } from './helpers';

const text = (m: CapturedMessage) => new TextDecoder().decode(m.body);
const enc = (s: string) => new TextEncoder().encode(s);

for (const B of BROKERS.filter((b) => b.id === 'rmq4')) {
  describe(`broker restart (stop_app / start_app) [${B.label}]`, { timeout: 180_000 }, () => {
    const SUFFIX = randomBytes(4).toString('hex');
    let vhost: string;
    let mgr: AmqpConnectionManager;
    const management = managementClientOf(B);
    let tail: QueueTail | undefined;

    const depth = () => mgr.withChannel(vhost, (ch) => ch.checkQueue('orders')).then((q) => q.messageCount);

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-restart');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-restart-${SUFFIX}` }), {
        backoff: { initialMs: 200, maxMs: 1000 },
      });
      await mgr.withChannel(vhost, async (ch) => {
        // Durable: they must survive the restart (the tap re-binds to the exchange afterwards).
        await ch.assertExchange('events', 'topic', { durable: true });
        await ch.assertQueue('orders', { durable: true, arguments: { 'x-queue-type': 'classic' } });
        await ch.bindQueue('orders', 'events', 'order.#');
      });
    });

    after(async () => {
      await tail?.stop().catch(() => undefined);
      // Whatever happened, leave the node running.
      await B.ctl('start_app').catch(() => undefined);
      await poll(
        'the 4.x node to answer again',
        () =>
          B.mgmt('GET', '/api/overview').then(
            () => true,
            () => false,
          ),
        60_000,
      );
      await mgr?.dispose();
      management.dispose();
      await dropVhost(B, vhost);
    });

    test(`publishMany, a tap and peek across a broker restart: nothing confirmed is lost, the tap marks its gap, the next calls work [${B.label}]`, async () => {
      const received: CapturedMessage[] = [];
      tail = new QueueTail(
        mgr,
        vhost,
        { mode: 'tap', queue: 'orders' },
        {
          management,
          flushIntervalMs: 20,
          onBatch: (batch) => received.push(...batch.messages()),
        },
      );
      await tail.start();
      await publishMessage(mgr, vhost, {
        exchange: 'events',
        routingKey: 'order.before',
        body: enc('before'),
        properties: { deliveryMode: 2 },
      });
      await poll(
        'the tap to see a message before the restart',
        () => received.some((m) => text(m) === 'before'),
        10_000,
      );

      // A bulk publish that the restart interrupts.
      const COUNT = 50_000;
      const running = publishMany(
        mgr,
        vhost,
        { exchange: 'events', routingKey: 'order.bulk', body: enc('bulk'), properties: { deliveryMode: 2 } },
        COUNT,
      ).then(
        (r): { r: PublishManyResult; err?: PublishManyError } => ({ r }),
        (err: unknown) => {
          if (err instanceof PublishManyError) return { r: err.result, err };
          throw err;
        },
      );
      await poll('the bulk publish to be under way', () => received.length > 100, 20_000);
      const stoppedAt = Date.now();
      await B.ctl('stop_app');
      const outcome = await running;
      await B.ctl('start_app');
      const downMs = Date.now() - stoppedAt;
      const { r, err } = outcome;
      assert.equal(r.nacked, 0, 'a lost connection is never counted as nacked');
      assert.equal(r.cancelled, false, 'a fault is not a cancel');
      if (r.confirmed + r.returned < COUNT) assert.ok(err, 'an interrupted bulk publish reports an error');

      // The same manager works again once the broker is back: publish, and peek (nothing lost).
      const after = await poll(
        'a publish to be confirmed after the restart',
        async () => {
          const o = await publishMessage(mgr, vhost, {
            exchange: 'events',
            routingKey: 'order.after',
            body: enc('after'),
            properties: { deliveryMode: 2 },
          });
          return o.status === 'confirmed' ? o : undefined;
        },
        60_000,
      );
      assert.equal(after?.status, 'confirmed');
      const inQueue = (await depth()) - 2; // 'before' and 'after' are in the queue too
      assert.ok(
        inQueue >= r.confirmed,
        `no confirmed message is missing: ${inQueue} in the queue, ${r.confirmed} confirmed`,
      );
      assert.ok(
        inQueue <= r.confirmed + r.unknown,
        `at most the unknown ones more: ${inQueue} in the queue, ${r.confirmed} confirmed + ${r.unknown} unknown`,
      );
      const peek = await peekMessages(mgr, vhost, 'orders', 3, { queueType: 'classic' });
      assert.deepEqual(peek.messages.map(text), ['before', 'bulk', 'bulk']);
      assert.equal(await depth(), inQueue + 2, 'peeking after the restart took nothing');

      // The tap resumes by itself (maybe after 'after' was published: that one fell in the gap) and marks the gap.
      await poll(
        'the tap to resume with a gap marker',
        () => tail!.state === 'running' && tail!.gaps().length >= 1,
        60_000,
      );
      await publishMessage(mgr, vhost, {
        exchange: 'events',
        routingKey: 'order.resumed',
        body: enc('resumed'),
        properties: { deliveryMode: 2 },
      });
      await poll(
        'the tap to see a message after it resumed',
        () => received.some((m) => text(m) === 'resumed'),
        30_000,
      );
      const gaps = tail.gaps();
      assert.equal(gaps.length, 1, 'one gap marker');
      assert.ok(gaps[0]!.durationMs > 0 && gaps[0]!.durationMs < downMs + 30_000, `gap ${gaps[0]!.durationMs} ms`);
      console.log(
        `[${B.label}] restart: node down for ${downMs} ms; publishMany ${r.confirmed} confirmed, ${r.unknown} unknown, ${r.notSent} not sent; ` +
          `in the queue ${inQueue}; tap gap ${gaps[0]!.durationMs} ms`,
      );
    });
  });
}
