/**
 * Moving and copying messages (src/broker/moveMessages.ts), on both brokers, classic and quorum:
 *   - a move of 10,000 messages through a TCP proxy that resets every connection halfway: no
 *     message is lost (every message id is in the source or the target), and the duplicates found
 *     (ids in both) equal the exact count the run reported (from the queues' depths after the
 *     fault), which lies within its bounds (at least the certain ones, at most the possible ones);
 *   - a moved message is byte-identical (property bytes, typed header table, body);
 *   - a copy leaves the source as it was, in order; a copy from a quorum queue stops at the
 *     delivery limit as peek does;
 *   - an unroutable target stops the run with nothing lost; cancel returns the counts; streams are refused.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { moveMessages, type MoveResult } from '../../src/broker/moveMessages';
import { keepFieldTypes, rawPropertiesOf } from '../../src/broker/typedFrames';
import { queueTarget } from '../../src/core/messageMove';
import { BROKERS, endpointOf, makeVhost, dropVhost, poll, cutWhenTaken } from './helpers';
import { depth, drainIds, fill, settledDepths } from './queueMessages';

const FAULT_COUNT = 10_000;

/** Reads the queue's message ids without removing anything (consume all, then close the channel). */
async function idsInPlace(
  m: AmqpConnectionManager,
  vhost: string,
  queue: string,
  pick: (msg: amqp.ConsumeMessage) => string = (msg) => String(msg.properties.messageId),
): Promise<string[]> {
  const n = await depth(m, vhost, queue);
  if (n === 0) return [];
  return m.withChannel(vhost, async (ch) => {
    const ids: string[] = [];
    await ch.prefetch(n);
    await new Promise<void>((resolve) => {
      void ch.consume(queue, (msg) => {
        if (!msg) return;
        ids.push(pick(msg));
        if (ids.length >= n) resolve();
      });
    });
    return ids;
  });
}

const range = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

for (const B of BROKERS) {
  describe(`move and copy messages [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-move');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-move-${vhost}` }));
    });
    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    const declare = (q: string, type: 'classic' | 'quorum' | 'stream', args: Record<string, unknown> = {}) =>
      mgr.withChannel(vhost, (ch) =>
        ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': type, ...args } }),
      );

    for (const type of ['classic', 'quorum'] as const) {
      for (const fault of ['reset', 'confirms lost, then reset'] as const)
        test(`${type}: a move of ${FAULT_COUNT} with every connection cut halfway (${fault}) loses nothing and reports its duplicates exactly`, async () => {
          const tag = fault === 'reset' ? 'r' : 'm';
          const src = `fault-src-${type}-${tag}`;
          const dst = `fault-dst-${type}-${tag}`;
          await declare(src, type, type === 'quorum' && B.major >= 4 ? { 'x-delivery-limit': -1 } : {});
          await declare(dst, type);
          await fill(mgr, vhost, src, FAULT_COUNT);
          // 'confirms lost': what Burrow publishes still reaches the broker, but neither confirms
          // nor deliveries come back; a moment later the connections are cut. The messages
          // published meanwhile are in the target without Burrow knowing it.
          const r: MoveResult = await cutWhenTaken(
            B,
            `burrow-test-move-proxy-${vhost}`,
            { at: FAULT_COUNT / 2, how: fault },
            (viaProxy, onTaken) =>
              moveMessages(viaProxy, vhost, src, queueTarget(dst), {
                mode: 'move',
                count: 'all',
                queueType: type,
                deliveryLimit: null,
                confirmTimeoutMs: 10_000,
                onTaken,
              }),
          );
          assert.equal(r.end, 'fault', r.summary);
          assert.ok(r.error instanceof BrokerError);
          const [inSrc, inDst] = await settledDepths(mgr, vhost, [src, dst]);
          const srcIds = await drainIds(mgr, vhost, src);
          const dstIds = await drainIds(mgr, vhost, dst);
          assert.equal(srcIds.length, inSrc);
          assert.equal(dstIds.length, inDst);
          const all = new Set([...srcIds, ...dstIds]);
          const lost = range(FAULT_COUNT).filter((id) => !all.has(id)).length;
          const inSrcSet = new Set(srcIds);
          const duplicatesFound = dstIds.filter((id) => inSrcSet.has(id)).length;
          console.log(
            `[${B.label} ${type}] move ${FAULT_COUNT}, ${fault} after ${FAULT_COUNT / 2} taken: taken ${r.counts.taken}, moved ${r.counts.done}, ` +
              `possible duplicates ${r.counts.possibleDuplicates} (certain ${r.counts.certainDuplicates}), duplicates reported ${r.counts.duplicates ?? '?'}, found ${duplicatesFound}, ` +
              `returned ${r.counts.returned}, lost reported ${r.counts.lost}, lost found ${lost}; source ${inSrc}, target ${inDst}, ${Math.round(r.elapsedMs)} ms`,
          );
          assert.equal(lost, 0, 'no message lost');
          assert.equal(r.counts.lost, 0);
          assert.equal(new Set(dstIds).size, dstIds.length, 'no message twice in the target');
          assert.equal(new Set(srcIds).size, srcIds.length, 'no message twice in the source');
          assert.ok(
            duplicatesFound >= r.counts.certainDuplicates && duplicatesFound <= r.counts.possibleDuplicates,
            `duplicates found ${duplicatesFound} within reported [${r.counts.certainDuplicates}, ${r.counts.possibleDuplicates}]`,
          );
          // The exact count, from the queues' depths after the fault (nothing else uses these queues).
          assert.equal(r.counts.duplicates, duplicatesFound, `${r.summary} (${r.counts.duplicatesNote ?? ''})`);
          assert.ok(!r.summary.includes('possible duplicate'), r.summary);
          if (r.counts.possibleDuplicates > 0)
            assert.ok(r.summary.includes(`${duplicatesFound.toLocaleString('en-US')} duplicate`), r.summary);
          // Every message reported as moved is in the target only.
          assert.ok(inDst - duplicatesFound >= r.counts.done, 'the moved messages are in the target');
          assert.equal(inSrc + inDst - duplicatesFound, FAULT_COUNT);
          assert.ok(r.counts.done > 0 && r.counts.done < FAULT_COUNT);
        });

      test(`${type}: a moved message is byte-identical, and a move of N takes exactly N`, async () => {
        const src = `exact-src-${type}`;
        const ref = `exact-ref-${type}`;
        const dst = `exact-dst-${type}`;
        for (const q of [src, ref, dst]) await declare(q, type);
        const raw = await amqp.connect({
          hostname: '127.0.0.1',
          port: B.amqpPort,
          username: 'guest',
          password: 'guest',
          vhost,
        });
        try {
          assert.equal(
            keepFieldTypes(raw.connection, (reason) => assert.fail(reason)),
            true,
          );
          const ch = await raw.createConfirmChannel();
          const body = Buffer.from([0x00, 0xff, 0x7b, 0x22, 0xe2, 0x82, 0xac]);
          const props: amqp.Options.Publish = {
            contentType: 'application/x-burrow-test',
            contentEncoding: 'identity',
            headers: {
              int64: { '!': 'int64', value: '9007199254740993' },
              float: { '!': 'float', value: 1.1 },
              uint8: { '!': 'uint8', value: 200 },
              timestamp: { '!': 'timestamp', value: 1700000000 },
              bytes: Buffer.from([0xff, 0x00]),
              table: { a: [{ '!': 'int16', value: -3 }, null, 'x'] },
            },
            deliveryMode: 2,
            priority: 3,
            correlationId: 'c-1',
            replyTo: 'r',
            expiration: '600000',
            messageId: 'exact-1',
            timestamp: 1700000123,
            type: 't',
            userId: 'guest',
            appId: 'burrow-move-test',
          };
          for (const q of [src, ref]) ch.sendToQueue(q, body, props);
          for (let i = 0; i < 4; i++) ch.sendToQueue(src, Buffer.from(`more ${i}`), { messageId: `more-${i}` });
          await ch.waitForConfirms();
          await ch.close();

          const r = await moveMessages(mgr, vhost, src, queueTarget(dst), {
            mode: 'move',
            count: 3,
            queueType: type,
            deliveryLimit: type === 'quorum' ? 20 : null,
          });
          assert.equal(r.end, 'done', r.summary);
          assert.deepEqual(
            { done: r.counts.done, taken: r.counts.taken, lost: r.counts.lost, dup: r.counts.possibleDuplicates },
            { done: 3, taken: 3, lost: 0, dup: 0 },
          );
          assert.equal(await depth(mgr, vhost, src), 2);
          assert.equal(await depth(mgr, vhost, dst), 3);

          const get = async (q: string) => {
            const c = await raw.createChannel();
            try {
              const msg = await c.get(q, { noAck: true });
              assert.ok(msg, `a message in ${q}`);
              return msg;
            } finally {
              await c.close();
            }
          };
          const original = await get(ref);
          const moved = await get(dst);
          assert.deepEqual(Buffer.from(moved.content), Buffer.from(original.content));
          assert.equal(
            Buffer.from(rawPropertiesOf(moved.properties)!).toString('hex'),
            Buffer.from(rawPropertiesOf(original.properties)!).toString('hex'),
            'property bytes (flags, properties, header table)',
          );
          assert.deepEqual(await idsInPlace(mgr, vhost, dst), ['more-0', 'more-1']);
          assert.deepEqual(await idsInPlace(mgr, vhost, src), ['more-2', 'more-3']);
        } finally {
          await raw.close().catch(() => undefined);
        }
      });

      test(`${type}: a copy leaves the source as it was`, async () => {
        const src = `copy-src-${type}`;
        const dst = `copy-dst-${type}`;
        await declare(src, type, type === 'quorum' && B.major >= 4 ? { 'x-delivery-limit': -1 } : {});
        await declare(dst, type);
        await fill(mgr, vhost, src, 1200, 'c');
        const r = await moveMessages(mgr, vhost, src, queueTarget(dst), {
          mode: 'copy',
          count: 'all',
          queueType: type,
          deliveryLimit: null,
        });
        assert.equal(r.end, 'done', r.summary);
        assert.equal(r.counts.done, 1200);
        assert.equal(r.counts.lost, 0);
        const [inSrc, inDst] = await settledDepths(mgr, vhost, [src, dst]);
        assert.deepEqual([inSrc, inDst], [1200, 1200]);
        assert.deepEqual(await idsInPlace(mgr, vhost, src), range(1200, 'c'), 'the source, in its order');
        assert.deepEqual(await idsInPlace(mgr, vhost, dst), range(1200, 'c'), 'the copies, in the same order');
      });
    }

    test('quorum: a copy stops before a message would run out of returns (delivery limit 3)', async () => {
      const src = 'copy-limited';
      const dst = 'copy-limited-dst';
      await declare(src, 'quorum', { 'x-delivery-limit': 3 });
      await declare(dst, 'classic');
      await fill(mgr, vhost, src, 10, 'l');
      const opts = { mode: 'copy' as const, count: 'all' as const, queueType: 'quorum', deliveryLimit: 3 };
      const first = await moveMessages(mgr, vhost, src, queueTarget(dst), opts);
      assert.equal(first.end, 'done', first.summary);
      assert.equal(first.counts.done, 10);
      await settledDepths(mgr, vhost, [src]);
      const second = await moveMessages(mgr, vhost, src, queueTarget(dst), opts);
      assert.equal(second.counts.done, 10, second.summary);
      await settledDepths(mgr, vhost, [src]);
      // Every message has now been returned twice: a third copy takes the first one, sees its
      // count (2, one return left after this one) and stops.
      const third = await moveMessages(mgr, vhost, src, queueTarget(dst), opts);
      assert.equal(third.end, 'stopped', third.summary);
      assert.equal(third.counts.done, 1);
      assert.match(third.reason ?? '', /not copied/);
      const [inSrc] = await settledDepths(mgr, vhost, [src]);
      assert.equal(inSrc, 10, 'nothing dropped');
    });

    test('an unroutable target stops the run and keeps the messages in the source', async () => {
      await declare('unroutable-src', 'classic');
      await mgr.withChannel(vhost, (ch) => ch.assertExchange('nowhere', 'direct', { durable: false }));
      await fill(mgr, vhost, 'unroutable-src', 50, 'u');
      const r = await moveMessages(
        mgr,
        vhost,
        'unroutable-src',
        { exchange: 'nowhere', routingKey: 'k' },
        { mode: 'move', count: 'all', queueType: 'classic' },
      );
      assert.equal(r.end, 'stopped', r.summary);
      assert.equal(r.counts.done, 0);
      assert.match(r.reason ?? '', /could not route/);
      assert.deepEqual(await idsInPlace(mgr, vhost, 'unroutable-src'), range(50, 'u'));
    });

    for (const withIds of [true, false]) {
      test(`twins with the same body, only the later one unroutable (headers exchange, ${withIds ? 'message ids' : 'no message ids'}): the unroutable one stays in the source`, async () => {
        // The return used to be matched by body alone: it was pinned on the routable twin, and the
        // unroutable one's confirm acked it off the source while it was in no queue (lost).
        const src = `twins-src-${withIds}`;
        const dst = `twins-dst-${withIds}`;
        const hx = `twins-hx-${withIds}`;
        await declare(src, 'classic');
        await declare(dst, 'classic');
        await mgr.withChannel(vhost, async (ch) => {
          await ch.assertExchange(hx, 'headers', { durable: false });
          await ch.bindQueue(dst, hx, '', { 'x-match': 'all', k: 'routable' });
          const body = Buffer.from('same body');
          ch.sendToQueue(src, body, { ...(withIds ? { messageId: 'routable' } : {}), headers: { k: 'routable' } });
          ch.sendToQueue(src, body, { ...(withIds ? { messageId: 'unroutable' } : {}), headers: { k: 'nowhere' } });
          await ch.checkQueue(src);
        });
        await poll(`2 in ${src}`, async () => (await depth(mgr, vhost, src)) === 2);
        const r = await moveMessages(
          mgr,
          vhost,
          src,
          { exchange: hx, routingKey: '' },
          { mode: 'move', count: 'all', queueType: 'classic' },
        );
        assert.equal(r.end, 'stopped', r.summary);
        assert.equal(r.counts.lost, 0);
        assert.match(r.reason ?? '', /could not route/);
        assert.equal(await depth(mgr, vhost, dst), 1, 'the routable twin reached the target');
        if (withIds) {
          // The message ids tell the twins apart: exact.
          assert.deepEqual(await idsInPlace(mgr, vhost, src), ['unroutable']);
          assert.equal(r.counts.done, 1, r.summary);
        } else {
          // When the routable twin's confirm came before the return, the return matches one message
          // in flight (exact); otherwise which twin came back is unknown and neither is acked (the
          // routable one is then a possible duplicate). Either way the unroutable one stays.
          const left = await idsInPlace(mgr, vhost, src, (msg) => String(msg.properties.headers?.k));
          assert.ok(left.includes('nowhere'), `the source holds ${JSON.stringify(left)}`);
          if (left.length === 2) assert.ok(r.counts.possibleDuplicates >= 1, r.summary);
          else assert.deepEqual(left, ['nowhere']);
        }
      });
    }

    test('a target with a consumer: after a fault the duplicates are given as bounds, and why', async () => {
      const src = 'busy-src';
      const dst = 'busy-dst';
      await declare(src, 'classic');
      await declare(dst, 'classic');
      await fill(mgr, vhost, src, 2_000);
      // Another application consumes from the target: its depth no longer tells what arrived.
      let consumed = 0;
      const other = await mgr.openChannel(vhost);
      await other.consume(
        dst,
        (m) => {
          if (m) consumed++;
        },
        { noAck: true },
      );
      let r: MoveResult;
      try {
        r = await cutWhenTaken(
          B,
          `burrow-test-move-busy-${vhost}`,
          { at: 1_000, how: 'confirms lost, then reset', muteMs: 500 },
          (viaProxy, onTaken) =>
            moveMessages(viaProxy, vhost, src, queueTarget(dst), {
              mode: 'move',
              count: 'all',
              queueType: 'classic',
              confirmTimeoutMs: 10_000,
              onTaken,
            }),
        );
      } finally {
        await mgr.closeChannel(other);
      }
      assert.equal(r.end, 'fault', r.summary);
      assert.ok(r.counts.possibleDuplicates > 0, r.summary);
      assert.equal(r.counts.duplicates, undefined);
      assert.equal(r.counts.duplicatesNote, "queue 'busy-dst' has consumers, which change its depth");
      assert.match(r.summary, /possible duplicates .* not counted exactly: queue 'busy-dst' has consumers/);
      assert.ok(consumed > 0);
      const [inSrc] = await settledDepths(mgr, vhost, [src]);
      assert.equal(inSrc + r.counts.done, 2_000, 'every message not moved is back in the source');
    });

    test('cancel returns the counts at that moment, and they match the queues', async () => {
      await declare('cancel-src', 'classic');
      await declare('cancel-dst', 'classic');
      await fill(mgr, vhost, 'cancel-src', 3000, 'k');
      const ac = new AbortController();
      const r = await moveMessages(mgr, vhost, 'cancel-src', queueTarget('cancel-dst'), {
        mode: 'move',
        count: 'all',
        queueType: 'classic',
        batch: 200,
        signal: ac.signal,
        onTaken: (n) => {
          if (n >= 1000) ac.abort();
        },
      });
      assert.equal(r.end, 'cancelled', r.summary);
      assert.ok(r.counts.done >= 1000 && r.counts.done < 3000, r.summary);
      assert.equal(r.counts.possibleDuplicates, 0);
      assert.deepEqual(await settledDepths(mgr, vhost, ['cancel-src', 'cancel-dst']), [
        3000 - r.counts.done,
        r.counts.done,
      ]);
    });

    test('streams cannot be moved from, and a missing target is refused before anything is taken', async () => {
      await declare('a-stream', 'stream');
      await assert.rejects(
        moveMessages(mgr, vhost, 'a-stream', queueTarget('x'), { mode: 'move', count: 1, queueType: 'stream' }),
        (e: unknown) => e instanceof BrokerError && e.code === 'MOVE_REFUSED' && /stream/.test(e.message),
      );
      await declare('has-one', 'classic');
      await fill(mgr, vhost, 'has-one', 1, 'h');
      await assert.rejects(
        moveMessages(mgr, vhost, 'has-one', queueTarget('no-such-queue'), {
          mode: 'move',
          count: 1,
          queueType: 'classic',
        }),
        (e: unknown) => e instanceof BrokerError && e.code === 404,
      );
      assert.equal(await depth(mgr, vhost, 'has-one'), 1);
    });
  });
}
