/**
 * publishMany's accounting against a fake confirm channel that behaves like amqplib 2.3.1: on
 * basic.nack the callback gets Error('message nacked'); when the channel or connection dies,
 * amqplib fails every unconfirmed callback with Error('channel closed') BEFORE 'close' is emitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { publishMany, publishMessage, PublishManyError } from '../../src/broker/publish';
import { blockedError, type AmqpConnectionManager, type BlockedChange, type StateChange } from '../../src/broker/amqp';
import { BrokerError, describeForUser } from '../../src/broker/errors';
import { summarisePublishMany, UNKNOWN_EXPLANATION } from '../../src/protocol/publish';

type Cb = (err: unknown) => void;

class FakeChannel extends EventEmitter {
  cbs: (Cb | null)[] = [];
  closedCalls = 0;
  publish(_x: string, _rk: string, _c: Buffer, _o: unknown, cb: Cb): boolean {
    this.cbs.push(cb);
    return true;
  }
  /** Acks (or nacks) the message with this 1-based sequence number. */
  confirm(seq: number, nack = false): void {
    const cb = this.cbs[seq - 1];
    this.cbs[seq - 1] = null;
    cb?.(nack ? new Error('message nacked') : null);
  }
  /** What amqplib does when the connection dies: fail the unconfirmed, then 'close'. */
  die(): void {
    const err = new Error('channel closed');
    for (let i = 0; i < this.cbs.length; i++) {
      const cb = this.cbs[i];
      this.cbs[i] = null;
      cb?.(err);
    }
    this.emit('close');
  }
  close(): Promise<void> {
    this.closedCalls++;
    return Promise.resolve();
  }
}

function fakeManager(ch: FakeChannel, opts: { blocked?: string } = {}) {
  const blockedListeners = new Set<(e: BlockedChange) => void>();
  const stateListeners = new Set<(e: StateChange) => void>();
  let tornDown = 0;
  const mgr = {
    callDeadlineMs: 1000,
    assertNotBlocked: (v: string) => {
      if (opts.blocked) throw blockedError(v, opts.blocked);
    },
    openChannel: async () => ch,
    withConfirmChannel: async (_v: string, fn: (c: unknown) => Promise<unknown>) => fn(ch),
    onBlockedChange: (l: (e: BlockedChange) => void) => (
      blockedListeners.add(l),
      { dispose: () => blockedListeners.delete(l) }
    ),
    onStateChange: (l: (e: StateChange) => void) => (
      stateListeners.add(l),
      { dispose: () => stateListeners.delete(l) }
    ),
    tearDown: () => {
      tornDown++;
      ch.die();
    },
    closeChannel: async (c: FakeChannel) => (await c.close(), true),
  };
  return {
    mgr: mgr as unknown as AmqpConnectionManager,
    block: (reason: string) =>
      blockedListeners.forEach((l) => l({ vhost: 'v', purpose: 'publish', blocked: true, reason })),
    lose: (error: BrokerError) =>
      stateListeners.forEach((l) => l({ vhost: 'v', purpose: 'publish', state: 'reconnecting', error })),
    tornDown: () => tornDown,
  };
}

const REQ = { exchange: '', routingKey: 'q', body: Buffer.from('x'), properties: {} };
const tick = () => new Promise((r) => setImmediate(r));

test('publishMany: messages outstanding when the connection dies are unknown (with their sequence numbers), not nacked, not cancelled', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch);
  const run = publishMany(f.mgr, 'v', REQ, 50, { windowSize: 10 });
  await tick();
  for (let s = 1; s <= 10; s++) ch.confirm(s); // first window confirmed
  await tick();
  ch.confirm(11);
  ch.confirm(12, true); // a real broker nack
  f.lose(new BrokerError('AMQP connection closed by the broker: CONNECTION_FORCED (AMQP 320)', 'amqp', 320));
  ch.die();
  const err = await run.then(
    () => assert.fail('should throw'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PublishManyError);
  assert.equal(err.code, 320, 'the connection close reason, not "channel closed"');
  const r = err.result;
  assert.equal(r.confirmed, 11);
  assert.equal(r.nacked, 1);
  assert.equal(r.cancelled, false);
  assert.deepEqual(r.unknownSeqs, [13, 14, 15, 16, 17, 18, 19, 20]);
  assert.equal(r.unknown, 8);
  assert.equal(r.sent, 20);
  assert.equal(r.notSent, 30);
  assert.match(
    err.message,
    /11 confirmed, 0 returned, 1 nacked, 8 unknown \(may or may not be in the queue\), 30 not sent/,
  );
});

test('publishMany: a user abort is cancelled, with every sent message awaited (no unknown)', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch);
  const ac = new AbortController();
  const run = publishMany(f.mgr, 'v', REQ, 100, { windowSize: 10, signal: ac.signal });
  await tick();
  ac.abort();
  for (let s = 1; s <= 10; s++) ch.confirm(s);
  const r = await run;
  assert.equal(r.cancelled, true);
  assert.equal(r.unknown, 0);
  assert.equal(r.confirmed, 10);
  assert.equal(r.notSent, 90);
  assert.equal(ch.closedCalls, 1);
});

test('publishMany: connection.blocked mid-run fails at once with BLOCKED; the outstanding are unknown', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch);
  const run = publishMany(f.mgr, 'v', REQ, 100, { windowSize: 10 });
  await tick();
  for (let s = 1; s <= 4; s++) ch.confirm(s);
  f.block('low on memory');
  const err = await run.then(
    () => assert.fail('should throw'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PublishManyError);
  assert.equal(err.code, 'BLOCKED');
  assert.match(err.message, /^broker blocked: low on memory/);
  assert.equal(err.result.confirmed, 4);
  assert.deepEqual(err.result.unknownSeqs, [5, 6, 7, 8, 9, 10]);
  // late confirms no longer change the result
  ch.confirm(5);
  assert.equal(err.result.confirmed, 4);
});

test('publishMany: no confirm for confirmTimeoutMs tears the connection down and reports DEADLINE with unknown', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch);
  const err = await publishMany(f.mgr, 'v', REQ, 100, { windowSize: 10, confirmTimeoutMs: 200 }).then(
    () => assert.fail('should throw'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PublishManyError);
  assert.equal(err.code, 'DEADLINE');
  assert.equal(f.tornDown(), 1);
  assert.equal(err.result.unknown, 10);
  assert.equal(err.result.nacked, 0);
  assert.match(err.message, /for 0\.2 s/, 'the deadline is the confirmTimeoutMs given');
});

test('publishMany and publishMessage fail fast while the broker blocks publishing', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch, { blocked: 'low on memory' });
  await assert.rejects(
    publishMany(f.mgr, 'v', REQ, 10),
    (e: unknown) => e instanceof BrokerError && e.code === 'BLOCKED',
  );
  const out = await publishMessage(f.mgr, 'v', REQ);
  assert.equal(out.status, 'error');
  if (out.status === 'error') {
    assert.equal(out.error.code, 'BLOCKED');
    assert.match(describeForUser(out.error), /broker blocked: low on memory/);
    assert.match(out.error.message, /nothing was sent/);
  }
  assert.equal(ch.cbs.length, 0, 'nothing published');
});

test('publishMessage: a lost connection is not a nack', async () => {
  const ch = new FakeChannel();
  const f = fakeManager(ch);
  const run = publishMessage(f.mgr, 'v', REQ);
  await tick();
  ch.die();
  const out = await run;
  assert.equal(out.status, 'error');
  if (out.status === 'error') assert.match(out.error.message, /may or may not have arrived/);
});

test('summarisePublishMany: unknown, nacked and cancelled are told apart', () => {
  const base = { confirmed: 900, returned: 0, nacked: 0, unknown: 0, notSent: 0, cancelled: false, elapsedMs: 1000 };
  assert.deepEqual(summarisePublishMany(base, 900), {
    kind: 'confirmed',
    text: 'Published 900 of 900: 900 confirmed in 1000 ms (900 msg/s)',
  });
  const lost = summarisePublishMany({ ...base, unknown: 100, notSent: 1000 }, 2000, 'Network: connection reset');
  assert.equal(lost.kind, 'unknown');
  assert.match(
    lost.text,
    /^Stopped after 1,000 of 2,000: Network: connection reset — 900 confirmed, 100 unknown \(may or may not be in the queue\), 1,000 not sent/,
  );
  assert.equal(summarisePublishMany({ ...base, nacked: 3 }, 903).kind, 'nacked');
  assert.equal(summarisePublishMany({ ...base, notSent: 100, cancelled: true }, 1000).kind, 'cancelled');
  assert.match(UNKNOWN_EXPLANATION, /may or may not be in the queue; re-sending them can create duplicates/);
});
