/**
 * Tap tails against both brokers, with faults: exclusive queues (held by another connection),
 * queues fed only through the default exchange, a reconnect gap (fault proxy) that the list and
 * the export must mark, and stop() on a black-holed connection.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqplib from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError, describeForUser } from '../../src/broker/errors';
import type { ManagementClient } from '../../src/broker/management';
import { QueueTail, type TailBatch } from '../../src/broker/tail';
import type { CapturedMessage } from '../../src/core/message';
import { parseExported } from '../../src/core/messageExport';
import { TailList } from '../../src/core/tailList';
import {
  BROKERS,
  dropVhost,
  endpointOf,
  makeVhost,
  managementClientOf,
  startFaultProxy,
  poll,
  pause,
  within,
  connectionByName,
  type FaultProxy,
} from './helpers';

const text = (m: CapturedMessage) => new TextDecoder().decode(m.body);

for (const B of BROKERS) {
  describe(`tap faults [${B.label}]`, () => {
    const SUFFIX = randomBytes(4).toString('hex');
    let vhost: string;
    let mgr: AmqpConnectionManager;
    let management: ManagementClient;
    const tails: QueueTail[] = [];
    const proxies: FaultProxy[] = [];
    const managers: AmqpConnectionManager[] = [];
    const raw: amqplib.ChannelModel[] = [];

    const publish = (exchange: string, routingKey: string, bodies: string[]) =>
      mgr.withConfirmChannel(vhost, async (ch) => {
        for (const b of bodies) ch.publish(exchange, routingKey, Buffer.from(b));
        await ch.waitForConfirms();
      });

    /** A tail whose batches go into a TailList (as in the panel) and an array. */
    function tailOf(m: AmqpConnectionManager, spec: ConstructorParameters<typeof QueueTail>[2]) {
      const list = new TailList();
      const received: CapturedMessage[] = [];
      const tail = new QueueTail(m, vhost, spec, {
        management,
        flushIntervalMs: 20,
        onBatch: (batch: TailBatch) => {
          received.push(...batch.messages());
          list.add(batch.first, batch.last);
        },
      });
      list.attach(tail);
      tails.push(tail);
      return { tail, list, received };
    }

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-tapfaults');
      management = managementClientOf(B);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-tapfaults-${SUFFIX}` }), {
        backoff: { initialMs: 100, maxMs: 500 },
      });
      await mgr.withChannel(vhost, async (ch) => {
        await ch.assertExchange('events', 'topic', { durable: false });
        await ch.assertQueue('watched', { durable: false });
        await ch.bindQueue('watched', 'events', 'gap.#');
        await ch.assertQueue('direct-only', { durable: false });
        await ch.assertQueue('mixed', { durable: false });
        await ch.bindQueue('mixed', 'events', 'mixed.*');
      });
    });

    after(async () => {
      for (const t of tails) await t.stop().catch(() => undefined);
      for (const m of managers) await m.dispose().catch(() => undefined);
      for (const p of proxies) await p.close().catch(() => undefined);
      for (const c of raw) await c.close().catch(() => undefined);
      await mgr.dispose();
      await dropVhost(B, vhost);
    });

    test(`an exclusive queue held by another connection (a tutorial receiver) is tapped: copies arrive, its consumer still gets every message [${B.label}]`, async () => {
      // The tutorial receiver: a server-named exclusive queue (amq.gen-…) bound to the exchange, consuming.
      const conn = await amqplib.connect({
        hostname: '127.0.0.1',
        port: B.amqpPort,
        username: 'guest',
        password: 'guest',
        vhost,
      });
      raw.push(conn);
      const ch = await conn.createChannel();
      const q = await ch.assertQueue('', { exclusive: true });
      assert.match(q.queue, /^amq\.gen-/);
      await ch.bindQueue(q.queue, 'events', 'log.*');
      const gotByReceiver: string[] = [];
      await ch.consume(q.queue, (m) => m && gotByReceiver.push(m.content.toString()), { noAck: true });

      const { tail, received } = tailOf(mgr, { mode: 'tap', queue: q.queue });
      await tail.start(); // was: 405 RESOURCE_LOCKED from the passive declare
      assert.equal(tail.state, 'running');
      assert.deepEqual(
        tail.bindings.map((b) => [b.exchange, b.routingKey]),
        [['events', 'log.*']],
      );
      assert.ok(
        tail.notes.some((n) => /default exchange/.test(n)),
        `notes: ${tail.notes.join(' | ')}`,
      );
      const bodies = ['l1', 'l2', 'l3', 'l4', 'l5'];
      await publish('events', 'log.info', bodies);
      await poll(
        'copies in the tap and messages at the receiver',
        () => received.length >= 5 && gotByReceiver.length >= 5,
        10_000,
      );
      assert.deepEqual(received.map(text), bodies);
      assert.deepEqual(gotByReceiver, bodies, 'the receiver still gets every message');
      await tail.stop();
      assert.equal(tail.state, 'stopped');
    });

    test(`tapping a missing queue fails with "not found" [${B.label}]`, async () => {
      const { tail } = tailOf(mgr, { mode: 'tap', queue: 'no-such-queue' });
      await assert.rejects(
        tail.start(),
        (e: unknown) => e instanceof BrokerError && e.code === 404 && /no-such-queue/.test(e.message),
      );
      assert.equal(tail.state, 'error');
    });

    test(`a queue fed only through the default exchange is refused up front, saying why and what to do instead [${B.label}]`, async () => {
      const { tail } = tailOf(mgr, { mode: 'tap', queue: 'direct-only' });
      const before = await queueNames();
      let err: unknown;
      await tail.start().catch((e: unknown) => (err = e));
      assert.ok(err instanceof BrokerError, `start() must fail, state ${tail.state}`);
      assert.equal(err.code, 'DEFAULT_EXCHANGE_ONLY');
      const msg = describeForUser(err);
      assert.match(msg, /only through the default exchange/);
      assert.match(msg, /copies the queue's bindings/);
      assert.match(msg, /cannot be bound|nothing can be bound/);
      assert.match(msg, /consume mode/);
      assert.match(msg, /tap the exchange its producers publish to/);
      assert.equal(tail.state, 'error');
      assert.deepEqual(await queueNames(), before, 'no tap queue was declared');
    });

    test(`a queue with the default binding and real ones: the real ones are tapped, with a note that direct publishes are not seen [${B.label}]`, async () => {
      const { tail, received } = tailOf(mgr, { mode: 'tap', queue: 'mixed' });
      await tail.start();
      assert.deepEqual(
        tail.bindings.map((b) => [b.exchange, b.routingKey]),
        [['events', 'mixed.*']],
      );
      assert.ok(
        tail.notes.some((n) => /published straight to 'mixed' through the default exchange are not seen/.test(n)),
        `notes: ${tail.notes.join(' | ')}`,
      );
      await publish('', 'mixed', ['direct']);
      await publish('events', 'mixed.a', ['routed']);
      // 'direct' went into the queue first: had it been tapped, it would arrive before 'routed'.
      await poll('the routed copy', () => received.some((m) => text(m) === 'routed'), 10_000);
      assert.deepEqual(received.map(text), ['routed']);
      await tail.stop();
    });

    test(`after a connection loss the list and the export mark the gap, with its duration; messages after it arrive [${B.label}]`, async () => {
      const proxy = await startFaultProxy(B.amqpPort);
      proxies.push(proxy);
      const pm = new AmqpConnectionManager(
        endpointOf(B, { port: proxy.port, connectionName: `burrow-test-tapfaults-gap-${SUFFIX}` }),
        {
          backoff: { initialMs: 200, maxMs: 1000 },
          callDeadlineMs: 3000,
        },
      );
      managers.push(pm);
      const { tail, list, received } = tailOf(pm, { mode: 'tap', queue: 'watched' });
      await tail.start();
      await publish('events', 'gap.before', ['b1', 'b2', 'b3']);
      await poll('messages before the fault', () => received.length >= 3, 10_000);

      // The network fails for about 1.5 s while a producer keeps publishing.
      const during: { body: string; sentAt: number; confirmedAt: number }[] = [];
      let n = 0;
      let publishing = true;
      const producer = (async () => {
        while (publishing) {
          const body = `d${++n}`;
          const sentAt = Date.now();
          await publish('events', 'gap.during', [body]);
          during.push({ body, sentAt, confirmedAt: Date.now() });
          await pause(10);
        }
      })();
      await pause(100); // the producer runs a while before the fault
      const faultAt = Date.now();
      proxy.refuse();
      proxy.resetAll();
      await poll('the tail to see the loss', () => tail.state === 'reconnecting', 5000);
      await pause(1500); // the outage lasts 1.5 s
      proxy.allow();
      await poll('the tail to resume', () => tail.state === 'running' && tail.gaps().length === 1, 15_000);
      await pause(200); // and the producer runs on a while after it
      publishing = false;
      await producer;
      await publish('events', 'gap.after', ['a1', 'a2', 'a3']);
      await poll('messages after the gap', () => received.some((m) => text(m) === 'a3'), 10_000);

      const [gap] = tail.gaps();
      assert.ok(gap);
      assert.ok(gap.durationMs > 0, `gap duration ${gap.durationMs}`);
      assert.ok(gap.durationMs >= 1400, `the gap spans the 1.5 s outage: ${gap.durationMs} ms`);
      assert.ok(gap.lostAt >= faultAt - 50 && gap.lostAt <= faultAt + 1000, 'lost when the proxy reset the connection');
      assert.match(gap.text, /^reconnected: messages published during the \d+\.\d s gap were not seen$/);
      assert.equal(list.gapCount, 1);

      // The list: before, gap marker, then what arrived after it; the marker is a row apart from messages.
      const entries = list.entries();
      const gapIndex = entries.findIndex((e) => 'gap' in e);
      const bodies = entries.map((e) => ('gap' in e ? '<gap>' : text(e.message)));
      assert.deepEqual(bodies.slice(0, gapIndex), ['b1', 'b2', 'b3', ...bodies.slice(3, gapIndex)]);
      assert.ok(bodies.slice(gapIndex + 1).includes('a3'));
      assert.ok(
        !bodies.slice(0, gapIndex).some((b) => b.startsWith('a')),
        'nothing published after the gap sits before the marker',
      );
      assert.equal(list.length, received.length + 1, 'the marker is a list row, counted apart from messages');
      assert.equal(tail.stats().received, received.length, 'the marker is not counted as a message');
      const w = list.window({ from: 0, count: 500, follow: false });
      const gapRows = w.rows.filter((r) => r.gap);
      assert.equal(gapRows.length, 1);
      assert.equal(gapRows[0]!.preview, gap.text);
      assert.ok(gapRows[0]!.id < 0, 'a gap row never has a message id');
      assert.equal(w.rows.indexOf(gapRows[0]!), gapIndex, 'the marker scrolls with the messages');

      // The export: a {"gap": …} line in order among the messages; importing it skips the marker.
      const lines = list
        .toNdjson()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, received.length + 1);
      const g = lines[gapIndex]!.gap as { durationMs: number; lostAt: string; resumedAt: string; text: string };
      assert.ok(g, `line ${gapIndex + 1} is the gap: ${JSON.stringify(lines[gapIndex])}`);
      assert.equal(g.durationMs, gap.durationMs);
      assert.ok(Date.parse(g.resumedAt) - Date.parse(g.lostAt) === gap.durationMs);
      assert.equal(lines[gapIndex - 1]!.bodyText, bodies[gapIndex - 1]);
      const back = parseExported(list.toNdjson());
      assert.ok(back.ok);
      assert.equal(back.messages.length, received.length);

      // What was missed (inherent to a tap; the marker says so).
      const seen = new Set(received.map(text));
      const missed = during.filter((d) => !seen.has(d.body));
      const inGap = during.filter((d) => d.confirmedAt > gap.lostAt && d.sentAt < gap.resumedAt);
      assert.ok(missed.length > 0, 'messages published during the outage were not seen (else the test proves nothing)');
      for (const d of missed)
        assert.ok(
          d.confirmedAt > gap.lostAt - 100 && d.sentAt < gap.resumedAt,
          `${d.body}, missed, was published in the gap`,
        );
      for (const d of during.filter((x) => x.sentAt > gap.resumedAt)) {
        assert.ok(seen.has(d.body), `${d.body}, published after the tap was bound again, was seen`);
        assert.ok(bodies.indexOf(d.body) > gapIndex, `${d.body} is after the marker`);
      }
      for (const d of during.filter((x) => x.confirmedAt < gap.lostAt && seen.has(x.body))) {
        assert.ok(bodies.indexOf(d.body) < gapIndex, `${d.body}, published before the loss, is before the marker`);
      }
      console.log(
        `[${B.label}] gap ${gap.durationMs} ms (lost ${gap.lostAt - faultAt} ms after the reset); producer published ${during.length}, ${inGap.length} of them in the gap; missed ${missed.length} (${missed[0]?.body}…${missed[missed.length - 1]?.body})`,
      );
      const t0 = Date.now();
      await tail.stop();
      assert.ok(Date.now() - t0 < 3000);
    });

    test(`a connection closed by the broker (management API, CONNECTION_FORCED) leaves a gap marker too [${B.label}]`, async () => {
      const name = `burrow-test-tapfaults-forced-${SUFFIX}`;
      const fm = new AmqpConnectionManager(endpointOf(B, { connectionName: name }), {
        backoff: { initialMs: 500, maxMs: 1000 },
        callDeadlineMs: 3000,
      });
      managers.push(fm);
      const { tail, list, received } = tailOf(fm, { mode: 'tap', exchange: 'events', pattern: 'forced.#' });
      await tail.start();
      await publish('events', 'forced.before', ['f1']);
      await poll('a message before the close', () => received.length >= 1, 10_000);
      const connName = await connectionByName(B, name);
      let n = 0;
      let publishing = true;
      const sent: string[] = [];
      const producer = (async () => {
        while (publishing) {
          const body = `x${++n}`;
          await publish('events', 'forced.during', [body]);
          sent.push(body);
          await pause(5);
        }
      })();
      await pause(50); // the producer runs a while before the close
      await B.mgmt('DELETE', `/api/connections/${encodeURIComponent(connName)}`);
      await poll(
        'the tail to resume with a gap marker',
        () => tail.gaps().length === 1 && tail.state === 'running',
        15_000,
      );
      await pause(100); // and on a while after the tail resumed
      publishing = false;
      await producer;
      await publish('events', 'forced.after', ['f2']);
      await poll('a message after the gap', () => received.some((m) => text(m) === 'f2'), 10_000);
      const [gap] = tail.gaps();
      assert.ok(gap && gap.durationMs > 0);
      const rows = list.window({ from: 0, count: 500, follow: false }).rows;
      const at = rows.findIndex((r) => r.gap);
      assert.ok(at > 0 && at < rows.length - 1, 'the marker sits between messages');
      const seen = new Set(received.map(text));
      const missed = sent.filter((b) => !seen.has(b));
      console.log(
        `[${B.label}] broker-side close: gap ${gap.durationMs} ms; producer published ${sent.length}, missed ${missed.length}`,
      );
      await tail.stop();
    });

    test(`stop() on a black-holed connection settles within the call deadline [${B.label}]`, async () => {
      const proxy = await startFaultProxy(B.amqpPort);
      proxies.push(proxy);
      const deadline = 1000;
      const pm = new AmqpConnectionManager(
        endpointOf(B, { port: proxy.port, connectionName: `burrow-test-tapfaults-hole-${SUFFIX}` }),
        {
          backoff: { initialMs: 200, maxMs: 1000 },
          callDeadlineMs: deadline,
        },
      );
      managers.push(pm);
      const { tail, received } = tailOf(pm, { mode: 'tap', queue: 'watched' });
      await tail.start();
      await publish('events', 'gap.hole', ['h1']);
      await poll('a message before the fault', () => received.length >= 1, 10_000);
      proxy.blackhole();
      const t0 = Date.now();
      await within('stop() on a black-holed connection', tail.stop(), 4 * deadline + 2000);
      const elapsed = Date.now() - t0;
      console.log(
        `[${B.label}] stop() on a black-holed connection: settled after ${elapsed} ms (deadline ${deadline} ms)`,
      );
      assert.ok(elapsed < 3 * deadline + 500, `stop() took ${elapsed} ms`);
      assert.equal(tail.state, 'stopped');
    });

    async function queueNames(): Promise<string[]> {
      const res = await B.mgmt('GET', `/api/queues/${encodeURIComponent(vhost)}?columns=name`);
      return ((await res.json()) as { name: string }[]).map((q) => q.name).sort();
    }
  });
}
