/**
 * Connection faults on the real brokers: every public call settles within its deadline on a
 * black-holed connection (and the next call works after heal), a deleted vhost stops the
 * reconnect loops, and a memory alarm (4.x node) makes publishes fail fast while reads go on.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as amqp from 'amqplib';
import {
  AmqpConnectionManager,
  type AmqpManagerOptions,
  type BlockedChange,
  type ConnectionPurpose,
  type StateChange,
} from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { publishMany, publishMessage, PublishManyError, type PublishRequest } from '../../src/broker/publish';
import { peekMessages } from '../../src/broker/peek';
import { RpcClient } from '../../src/broker/rpc';
import {
  BROKERS,
  broker4,
  endpointOf,
  makeVhost,
  dropVhost,
  startFaultProxy,
  poll,
  drainEventLoop,
  waitForEvent,
  within,
  type FaultProxy,
  type TestBroker,
} from './helpers';

const CALL_DEADLINE = 1500;
const OPERATION_DEADLINE = 3000;
const CONNECT_TIMEOUT = 2000;
/** Scheduling, socket teardown and amqplib bookkeeping on a loaded machine. */
const SLACK = 1500;
const OPTS: AmqpManagerOptions = {
  callDeadlineMs: CALL_DEADLINE,
  operationDeadlineMs: OPERATION_DEADLINE,
  backoff: { initialMs: 100, maxMs: 1000 },
};

/** Awaits p, failing the test if it takes longer than maxMs (and never waiting more than maxMs + 10 s). */
async function settlesWithin<T>(
  p: Promise<T>,
  maxMs: number,
  what: string,
): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = performance.now();
  const outcome = await within(
    what,
    p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    maxMs + 10_000,
  );
  const ms = Math.round(performance.now() - t0);
  console.log(
    `  ${what}: settled in ${ms} ms (limit ${maxMs})${(outcome as { error?: unknown }).error ? ` — ${String((outcome as { error: Error }).error.message ?? (outcome as { error: unknown }).error)}` : ''}`,
  );
  assert.ok(ms <= maxMs, `${what} settled in ${ms} ms, more than ${maxMs}`);
  return { ...(outcome as { value?: T; error?: unknown }), ms };
}

/** Resolves once the manager has seen the connection drop and come back ('connected' after a 'reconnecting'). */
function reconnected(
  m: AmqpConnectionManager,
  vhost: string,
  purpose: ConnectionPurpose,
  timeoutMs = 20_000,
): Promise<void> {
  let sawDrop = m.state(vhost, purpose) === 'reconnecting';
  return waitForEvent(
    `${purpose} connection re-established`,
    (done) =>
      m.onStateChange(
        (e) => {
          if (e.vhost !== vhost || e.purpose !== purpose) return;
          if (e.state === 'reconnecting') sawDrop = true;
          else if (e.state === 'connected' && sawDrop) done();
        },
        { all: true },
      ),
    timeoutMs,
  );
}

function deadlineError(err: unknown, code: string | number = 'DEADLINE'): void {
  assert.ok(err instanceof BrokerError, `a BrokerError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
}

function req(queue: string): PublishRequest {
  return { exchange: '', routingKey: queue, body: Buffer.from('hello'), properties: { deliveryMode: 2 } };
}

for (const B of BROKERS) {
  describe(`calls on a black-holed connection settle within their deadline [${B.label}]`, () => {
    let vhost: string;
    let proxy: FaultProxy;
    let m: AmqpConnectionManager;
    const Q = 'work';

    before(async () => {
      vhost = await makeVhost(B, 'burrow-faults-conn');
      proxy = await startFaultProxy(B.amqpPort);
      const admin = new AmqpConnectionManager(endpointOf(B));
      await admin.withChannel(vhost, (ch) => ch.assertQueue(Q, { durable: true }));
      await admin.dispose();
    });
    after(async () => {
      await m?.dispose();
      await proxy.close();
      await dropVhost(B, vhost);
    });

    const fresh = async () => {
      await m?.dispose();
      proxy.heal();
      m = new AmqpConnectionManager(endpointOf(B, { port: proxy.port, connectTimeoutMs: CONNECT_TIMEOUT }), OPTS);
      await m.withChannel(vhost, (ch) => ch.checkQueue(Q));
    };

    test('connection open: the AMQP handshake through a black hole fails with ETIMEDOUT; after heal the next call connects', async () => {
      await m?.dispose();
      m = new AmqpConnectionManager(endpointOf(B, { port: proxy.port, connectTimeoutMs: CONNECT_TIMEOUT }), OPTS);
      proxy.blackhole();
      const r = await settlesWithin(m.connection(vhost), CONNECT_TIMEOUT + SLACK, 'connection open');
      deadlineError(r.error, 'ETIMEDOUT');
      assert.equal(m.state(vhost), 'error');
      proxy.heal();
      await m.withChannel(vhost, (ch) => ch.checkQueue(Q));
    });

    test('withChannel: channel.open on a dead connection -> DEADLINE, connection rebuilt, next call works', async () => {
      await fresh();
      proxy.blackhole();
      const back = reconnected(m, vhost, 'read');
      const r = await settlesWithin(
        m.withChannel(vhost, (ch) => ch.checkQueue(Q)),
        CALL_DEADLINE + SLACK,
        'withChannel (channel.open)',
      );
      deadlineError(r.error);
      assert.match(
        (r.error as Error).message,
        /did not answer within 1\.5 s; the connection was closed and is being re-opened/,
      );
      proxy.heal();
      await back;
      assert.equal((await m.withChannel(vhost, (ch) => ch.checkQueue(Q))).queue, Q);
    });

    test('withChannel: fn awaits a round trip on a dead connection -> DEADLINE at operationDeadlineMs; next call works', async () => {
      await fresh();
      const back = reconnected(m, vhost, 'read');
      const r = await settlesWithin(
        m.withChannel(vhost, async (ch) => {
          proxy.blackhole();
          return ch.checkQueue(Q);
        }),
        OPERATION_DEADLINE + SLACK,
        'withChannel (fn round trip)',
      );
      deadlineError(r.error);
      proxy.heal();
      await back; // the background channel close got no close-ok: the connection was torn down and rebuilt
      assert.equal((await m.withChannel(vhost, (ch) => ch.checkQueue(Q))).queue, Q);
    });

    test('publishMessage: the confirm timeout fires when the connection dies after channel.open; next publish confirmed', async () => {
      await fresh();
      assert.equal((await publishMessage(m, vhost, req(Q))).status, 'confirmed');
      const orig = m.withConfirmChannel.bind(m);
      m.withConfirmChannel = ((v: string, fn: (ch: amqp.ConfirmChannel) => Promise<unknown>, o?: object) =>
        orig(
          v,
          (ch) => {
            proxy.blackhole();
            return fn(ch);
          },
          o,
        )) as typeof m.withConfirmChannel;
      const back = reconnected(m, vhost, 'publish');
      const r = await settlesWithin(
        publishMessage(m, vhost, req(Q), { timeoutMs: 2000 }),
        2000 + SLACK,
        'publishMessage (confirm timeout)',
      );
      m.withConfirmChannel = orig;
      const outcome = r.value!;
      assert.equal(outcome.status, 'error');
      if (outcome.status === 'error') {
        assert.equal(outcome.error.code, 'CONFIRM_TIMEOUT');
        assert.match(outcome.error.message, /may or may not have arrived/);
      }
      proxy.heal();
      await back;
      assert.equal((await publishMessage(m, vhost, req(Q))).status, 'confirmed');
    });

    test('publishMessage on a dead connection -> DEADLINE at channel.open', async () => {
      await fresh();
      assert.equal((await publishMessage(m, vhost, req(Q))).status, 'confirmed');
      proxy.blackhole();
      const back = reconnected(m, vhost, 'publish');
      const r = await settlesWithin(
        publishMessage(m, vhost, req(Q), { timeoutMs: 5000 }),
        CALL_DEADLINE + SLACK,
        'publishMessage (channel.open)',
      );
      assert.equal(r.value!.status, 'error');
      if (r.value!.status === 'error') assert.equal(r.value!.error.code, 'DEADLINE');
      proxy.heal();
      await back;
      assert.equal((await publishMessage(m, vhost, req(Q))).status, 'confirmed');
    });

    test('publishMany: a dead connection mid-run -> PublishManyError DEADLINE with unknown (not nacked); next run works', async () => {
      await fresh();
      const CONFIRM_TIMEOUT = 2000;
      let holed = false;
      const back = reconnected(m, vhost, 'publish');
      const r = await settlesWithin(
        publishMany(m, vhost, req(Q), 200_000, {
          confirmTimeoutMs: CONFIRM_TIMEOUT,
          onProgress: (done) => {
            if (!holed && done >= 2000) {
              holed = true;
              proxy.blackhole();
            }
          },
        }),
        // started (≤ 1 s to reach 2000) + no confirm for CONFIRM_TIMEOUT + watchdog tick (500 ms)
        1000 + CONFIRM_TIMEOUT + 500 + SLACK,
        'publishMany (black hole mid-run)',
      );
      assert.ok(r.error instanceof PublishManyError, String(r.error));
      assert.equal(r.error.code, 'DEADLINE');
      assert.equal(r.error.result.nacked, 0);
      assert.equal(r.error.result.cancelled, false);
      assert.ok(r.error.result.unknown > 0);
      proxy.heal();
      await back;
      const again = await publishMany(m, vhost, req(Q), 50);
      assert.equal(again.confirmed, 50);
    });

    test('RPC: a dead connection -> the pre-publish check fails with DEADLINE, a cached target times out, dispose settles; next call works', async () => {
      await fresh();
      // A tiny RPC server on a direct connection.
      const server = new AmqpConnectionManager(endpointOf(B));
      const sch = await server.openChannel(vhost);
      await sch.assertQueue('rpc', { durable: false, autoDelete: true });
      await sch.consume('rpc', (msg) => {
        if (!msg) return;
        sch.sendToQueue(msg.properties.replyTo as string, msg.content, {
          correlationId: msg.properties.correlationId as string,
        });
        sch.ack(msg);
      });
      const call = {
        exchange: '',
        routingKey: 'rpc',
        body: Buffer.from('ping'),
        timeoutMs: 2000,
        replyMode: 'direct-reply-to' as const,
      };
      try {
        const checked = new RpcClient(m, vhost, { preflightCacheMs: 0 });
        const cached = new RpcClient(m, vhost, { preflightCacheMs: 600_000 });
        assert.equal((await checked.call(call)).status, 'reply');
        assert.equal((await cached.call(call)).status, 'reply');
        proxy.blackhole();
        const backRead = reconnected(m, vhost, 'read');
        const r1 = await settlesWithin(checked.call(call), CALL_DEADLINE + SLACK, 'RPC call (pre-publish check)');
        assert.equal(r1.value!.status, 'error');
        if (r1.value!.status === 'error') assert.equal(r1.value!.error.code, 'DEADLINE');
        const r2 = await settlesWithin(cached.call(call), 2000 + SLACK, 'RPC call (cached check, reply timeout)');
        assert.ok(['timeout', 'error'].includes(r2.value!.status), r2.value!.status);
        await settlesWithin(cached.dispose(), CALL_DEADLINE + SLACK, 'RPC dispose');
        proxy.heal();
        await backRead;
        // The publish connection carrying the reply channel is torn down by the channel-close deadline; wait for it to come back.
        await poll('RPC reply after heal', async () => (await checked.call(call)).status === 'reply', 20_000);
        await checked.dispose();
      } finally {
        await server.dispose();
      }
    });

    test('peek on a dead connection settles with DEADLINE', async () => {
      await fresh();
      proxy.blackhole();
      const r = await settlesWithin(peekMessages(m, vhost, Q, 5), OPERATION_DEADLINE + SLACK, 'peek');
      deadlineError(r.error);
      proxy.heal();
    });

    test('dispose with a dead connection settles within callDeadlineMs', async () => {
      await fresh();
      await publishMessage(m, vhost, req(Q));
      proxy.blackhole();
      await settlesWithin(m.dispose(), CALL_DEADLINE + SLACK, 'dispose');
      proxy.heal();
    });
  });

  describe(`deleting a vhost stops its reconnect loops [${B.label}]`, () => {
    test('both connections reach error (VHOST_DELETED) within seconds, retry a bounded number of times, and dispose leaves no timers', async () => {
      const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const vhost = await makeVhost(B, 'burrow-doomed');
      const m = new AmqpConnectionManager(endpointOf(B), { ...OPTS, backoff: { initialMs: 50, maxMs: 200 } });
      const events: StateChange[] = [];
      m.onStateChange((e) => events.push(e), { all: true });
      try {
        await m.withChannel(vhost, (ch) => ch.assertQueue('q'));
        assert.equal((await publishMessage(m, vhost, req('q'))).status, 'confirmed');
        const t0 = performance.now();
        await dropVhost(B, vhost);
        await poll(
          'both connections in error',
          () => m.state(vhost, 'read') === 'error' && m.state(vhost, 'publish') === 'error',
          5000,
        );
        const ms = Math.round(performance.now() - t0);
        // Nothing may be retrying in the background: a retry is announced ('reconnecting', with its
        // delay) when it is scheduled, so once the queued callbacks have run, 'error' must be the last word.
        await drainEventLoop();
        for (const purpose of ['read', 'publish'] as const) {
          assert.equal(
            events.filter((e) => e.purpose === purpose && e.vhost === vhost).at(-1)?.state,
            'error',
            `${purpose}: no retry scheduled after the error`,
          );
        }
        const reconnects = events.filter((e) => e.state === 'reconnecting' || e.state === 'connecting').length;
        console.log(
          `  vhost deleted -> error in ${ms} ms; events: ${events.map((e) => `${e.purpose}:${e.state}${e.error ? `(${String(e.error.code)})` : ''}`).join(' ')}`,
        );
        assert.ok(reconnects <= 4, `at most a bounded number of attempts (got ${reconnects})`);
        const last = events.filter((e) => e.purpose === 'read').at(-1)!;
        assert.equal(last.state, 'error');
        assert.ok(last.error?.code === 'VHOST_DELETED' || last.error?.code === 530, String(last.error?.code));
        assert.match(last.error!.message, new RegExp(`${vhost}`));
        assert.notEqual(m.overallState(), 'reconnecting');
        // A call now fails at once (530), no loop either.
        const before = events.length;
        await assert.rejects(
          m.withChannel(vhost, (ch) => ch.checkQueue('q')),
          (err: unknown) => err instanceof BrokerError && err.code === 530,
        );
        await drainEventLoop();
        assert.ok(events.length - before <= 2, 'one attempt per call');
        assert.equal(events.at(-1)?.state, 'error', 'and no retry scheduled after it');
      } finally {
        await m.dispose();
        await dropVhost(B, vhost);
      }
      const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      assert.ok(
        timersAfter <= timersBefore,
        `no timers left by the manager (${timersBefore} before, ${timersAfter} after)`,
      );
    });
  });
}

const B4 = BROKERS.find((b) => b.id === 'rmq4');
if (B4) {
  describe(`a memory alarm blocks publishing only [${B4.label}]`, () => {
    let vhost: string;
    before(async () => {
      vhost = await makeVhost(broker4(), 'burrow-blocked');
    });
    after(async () => {
      await dropVhost(broker4(), vhost);
    });

    test(
      'publishMessage / publishMany / RPC fail fast with "broker blocked: <reason>"; peek and checkQueue still work; unblocked after',
      { timeout: 60_000 },
      async () => {
        const B: TestBroker = broker4();
        const m = new AmqpConnectionManager(endpointOf(B));
        const blocked: BlockedChange[] = [];
        m.onBlockedChange((e) => blocked.push(e));
        const rpc = new RpcClient(m, vhost, { preflightCacheMs: 0 });
        try {
          await m.withChannel(vhost, (ch) => ch.assertQueue('q', { durable: true }));
          for (let i = 0; i < 3; i++) assert.equal((await publishMessage(m, vhost, req('q'))).status, 'confirmed');
          let alarmAt = 0;
          try {
            await B.ctl('set_vm_memory_high_watermark', '0.0000001');
            alarmAt = performance.now();
            // The broker tells publishing connections (our publish connection published) that it blocks them.
            await poll('connection.blocked', () => m.blockedReason(vhost) !== undefined, 5000).catch(() => undefined);
            const t0 = performance.now();
            const outcome = await publishMessage(m, vhost, req('q'), { timeoutMs: 10_000 });
            const ms = Math.round(performance.now() - t0);
            console.log(`  blocked publishMessage settled in ${ms} ms; blocked events: ${JSON.stringify(blocked)}`);
            assert.equal(outcome.status, 'error');
            if (outcome.status === 'error') {
              assert.equal(outcome.error.code, 'BLOCKED');
              assert.match(outcome.error.message, /broker blocked: .*memory/i);
            }
            assert.ok(ms < 1000, `fails fast (${ms} ms)`);
            assert.match(m.blockedReason(vhost) ?? '', /memory/i);
            await assert.rejects(
              publishMany(m, vhost, req('q'), 100),
              (err: unknown) => err instanceof BrokerError && err.code === 'BLOCKED',
            );
            // A reply-to routing key skips the pre-publish check: the request itself is refused at once.
            const r0 = performance.now();
            const r = await rpc.call({
              exchange: '',
              routingKey: 'amq.rabbitmq.reply-to.none',
              body: Buffer.from('x'),
              timeoutMs: 5000,
              replyMode: 'direct-reply-to',
            });
            assert.equal(r.status, 'error');
            if (r.status === 'error') assert.equal(r.error.code, 'BLOCKED');
            assert.ok(performance.now() - r0 < 1000, 'RPC fails fast');
            // 'q' has no consumer: the pre-publish check (a read) still answers.
            assert.equal(
              (
                await rpc.call({
                  exchange: '',
                  routingKey: 'q',
                  body: Buffer.from('x'),
                  timeoutMs: 5000,
                  replyMode: 'direct-reply-to',
                })
              ).status,
              'no-consumer',
            );
            // A manager whose publish connection opens during the alarm: the broker blocks it on its first publish.
            const m2 = new AmqpConnectionManager(endpointOf(B));
            try {
              const t2 = performance.now();
              const o2 = await publishMessage(m2, vhost, req('q'), { timeoutMs: 10_000 });
              const ms2 = Math.round(performance.now() - t2);
              console.log(
                `  publishMessage on a new connection during the alarm settled in ${ms2} ms: ${o2.status === 'error' ? o2.error.message : o2.status}`,
              );
              assert.equal(o2.status, 'error');
              if (o2.status === 'error') assert.equal(o2.error.code, 'BLOCKED');
              assert.ok(ms2 < 2000, `fails fast (${ms2} ms)`);
            } finally {
              void m2.dispose();
            }
            // Reads keep working on the read connection.
            const t1 = performance.now();
            assert.equal((await m.withChannel(vhost, (ch) => ch.checkQueue('q'))).messageCount, 3);
            const peek = await peekMessages(m, vhost, 'q', 3, { queueType: 'classic' });
            assert.equal(peek.messages.length, 3);
            assert.ok(performance.now() - t1 < 5000, 'reads are not stalled');
          } finally {
            await B.ctl('set_vm_memory_high_watermark', '0.4');
            console.log(`  alarm window ${Math.round(performance.now() - alarmAt)} ms`);
          }
          await poll('connection.unblocked', () => m.blockedReason(vhost) === undefined, 15_000);
          assert.equal((await publishMessage(m, vhost, req('q'))).status, 'confirmed');
          assert.ok(blocked.some((e) => e.blocked) && blocked.at(-1)?.blocked === false);
        } finally {
          await rpc.dispose();
          await m.dispose();
        }
      },
    );
  });
}
