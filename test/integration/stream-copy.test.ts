/**
 * Copying messages out of a stream (src/broker/streamCopy.ts), on both brokers:
 *   - a copy of 1,000 from the first: the target holds exactly them, in order; a copied message is
 *     byte-identical to a reference (property bytes, typed header table, body; the x-stream-offset
 *     header the broker adds on delivery is not copied); the stream is unchanged;
 *   - from an offset, the last N, and the end of the stream when the run starts (a stream that
 *     grows meanwhile does not extend the copy);
 *   - cancel mid-way reports honest counts;
 *   - a TCP proxy resetting every connection halfway: the stream is unchanged, every confirmed
 *     message is in the target, in order, and the target holds no more than confirmed + in flight.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { copyFromStream, streamLastOffset, type StreamCopyResult } from '../../src/broker/streamCopy';
import { moveMessages } from '../../src/broker/moveMessages';
import { keepFieldTypes, rawPropertiesOf } from '../../src/broker/typedFrames';
import { queueTarget } from '../../src/core/messageMove';
import { PROPERTY_NAMES } from '../../src/core/message';
import { BROKERS, endpointOf, makeVhost, dropVhost, pause, cutWhenTaken } from './helpers';
import { depth, drainIds, fill } from './queueMessages';

/** Every message id of the stream, from the first, in order (reads until 1 s of quiet). */
async function streamIds(m: AmqpConnectionManager, vhost: string, stream: string): Promise<string[]> {
  return m.withChannel(
    vhost,
    async (ch) => {
      const ids: string[] = [];
      await ch.prefetch(1000);
      await new Promise<void>((resolve) => {
        let idle = setTimeout(resolve, 2000);
        void ch.consume(
          stream,
          (msg) => {
            if (!msg) return;
            ids.push(String(msg.properties.messageId));
            ch.ack(msg);
            clearTimeout(idle);
            idle = setTimeout(resolve, 1000);
          },
          { noAck: false, arguments: { 'x-stream-offset': 'first' } },
        );
      });
      return ids;
    },
    { deadlineMs: 60_000 },
  );
}

/** The message at `offset` as the stream delivers it (x-stream-offset header included). */
async function streamMessageAt(raw: amqp.ChannelModel, stream: string, offset: number): Promise<amqp.ConsumeMessage> {
  const ch = await raw.createChannel();
  try {
    await ch.prefetch(1);
    return await new Promise<amqp.ConsumeMessage>((resolve) => {
      void ch.consume(
        stream,
        (m) => {
          if (m) resolve(m);
        },
        { noAck: false, arguments: { 'x-stream-offset': { '!': 'long', value: offset } } },
      );
    });
  } finally {
    await ch.close();
  }
}

/** Property bytes less the x-stream-offset entry of the header table that starts at `tableAt`. */
function withoutOffsetEntry(raw: Buffer, tableAt: number): Buffer {
  const name = Buffer.concat([Buffer.from([15]), Buffer.from('x-stream-offset')]);
  const at = raw.indexOf(name, tableAt + 4);
  assert.ok(at > tableAt, 'the stream adds x-stream-offset');
  const type = String.fromCharCode(raw[at + 16]);
  const size = type === 'l' ? 8 : type === 'I' ? 4 : assert.fail(`x-stream-offset of type ${type}`);
  const entry = 16 + 1 + size;
  const out = Buffer.concat([raw.subarray(0, at), raw.subarray(at + entry)]);
  out.writeUInt32BE(raw.readUInt32BE(tableAt) - entry, tableAt);
  return out;
}

const range = (from: number, to: number, prefix = 's') =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

for (const B of BROKERS) {
  describe(`copy from a stream [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-scopy');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-scopy-${vhost}` }));
    });
    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    const declare = (q: string, type: 'classic' | 'stream') =>
      mgr.withChannel(vhost, (ch) => ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': type } }));

    test('a copy of 1,000 from the first: exactly them, in order, byte-identical, the stream unchanged', async () => {
      await declare('s1000', 'stream');
      await declare('ref', 'classic');
      await declare('t1000', 'classic');
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
          appId: 'burrow-stream-copy-test',
        };
        // Message 0: every property and typed headers; message 1: no properties at all.
        for (const q of ['s1000', 'ref']) ch.sendToQueue(q, body, props);
        for (const q of ['s1000', 'ref']) ch.sendToQueue(q, Buffer.from('bare'), {});
        // Message 2: a byte-array header that is not UTF-8.
        ch.sendToQueue('s1000', Buffer.from('bytes'), { headers: { bytes: Buffer.from([0xff, 0x00]) } });
        await ch.waitForConfirms();
        await ch.close();
        await fill(mgr, vhost, 's1000', 997, 's', 3);
        const before = await streamIds(mgr, vhost, 's1000');
        assert.equal(before.length, 1000);

        const progress: number[] = [];
        const r = await copyFromStream(mgr, vhost, 's1000', queueTarget('t1000'), {
          start: { kind: 'first' },
          count: 'all',
          onProgress: (p) => progress.push(p.counts.done),
        });
        console.log(`[${B.label}] copy 1,000 from the first: ${r.summary} (${Math.round(r.elapsedMs)} ms)`);
        assert.equal(r.end, 'done', r.summary);
        assert.deepEqual(
          { taken: r.counts.taken, done: r.counts.done, dup: r.counts.possibleDuplicates, returned: r.counts.returned },
          { taken: 1000, done: 1000, dup: 0, returned: 0 },
        );
        assert.equal(r.total, 1000);
        assert.deepEqual([r.firstOffset, r.lastOffset, r.resumeOffset, r.endOffset], [0, 999, 1000, 999]);
        assert.ok(progress.length > 0 && progress[progress.length - 1] === 1000);
        assert.equal(await depth(mgr, vhost, 't1000'), 1000);

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
        // What the stream holds and delivers: RabbitMQ stores a stream's messages in its own format,
        // and on the way some header types do not survive (seen: nested tables and arrays dropped,
        // keys sorted on 3.10, byte arrays read back as strings on 4.0). The copy must be exactly
        // the message as the stream delivers it, without the x-stream-offset header it adds.
        const asDelivered = await streamMessageAt(raw, 's1000', 0);
        const tableAt = 2 + 1 + props.contentType!.length + 1 + props.contentEncoding!.length;
        const rich = await get('t1000');
        assert.deepEqual(Buffer.from(rich.content), body);
        assert.equal(
          Buffer.from(rawPropertiesOf(rich.properties)!).toString('hex'),
          withoutOffsetEntry(Buffer.from(rawPropertiesOf(asDelivered.properties)!), tableAt).toString('hex'),
          'property bytes (flags, properties, header table) = as the stream delivers the message, less x-stream-offset',
        );
        const original = await get('ref');
        // The stream's own changes (README: Copy from a stream): names sorted, the nested table dropped.
        assert.deepEqual(Object.keys(rich.properties.headers ?? {}), ['float', 'int64', 'timestamp', 'uint8']);
        for (const key of ['int64', 'float', 'uint8', 'timestamp'])
          assert.deepEqual(rich.properties.headers?.[key], original.properties.headers?.[key], `typed header ${key}`);
        for (const key of PROPERTY_NAMES) assert.deepEqual(rich.properties[key], original.properties[key], key);
        // No properties at all (amqplib sends an empty header table): as the stream delivers it,
        // which is the original on 3.10 (4.0's stream adds delivery mode 1).
        const bareOriginal = await get('ref');
        const bare = await get('t1000');
        assert.deepEqual(Buffer.from(bare.content), Buffer.from('bare'));
        const bareHex = Buffer.from(rawPropertiesOf(bare.properties)!).toString('hex');
        assert.equal(
          bareHex,
          withoutOffsetEntry(
            Buffer.from(rawPropertiesOf((await streamMessageAt(raw, 's1000', 1)).properties)!),
            2,
          ).toString('hex'),
          'no properties: as the stream delivers it, less x-stream-offset',
        );
        assert.equal(bare.properties.deliveryMode, B.major >= 4 ? 1 : undefined, "4.0's stream adds delivery mode 1");
        if (B.major < 4) assert.equal(bareHex, Buffer.from(rawPropertiesOf(bareOriginal.properties)!).toString('hex'));
        const withBytes = await get('t1000');
        if (B.major < 4)
          assert.deepEqual(
            Buffer.from(withBytes.properties.headers?.bytes as Uint8Array),
            Buffer.from([0xff, 0x00]),
            'a byte array',
          );
        // 4.0's stream delivers a byte array as a longstr of those bytes; Burrow reads a longstr as
        // UTF-8 text, so bytes that are not UTF-8 become U+FFFD (README: Move / Copy).
        else assert.equal(withBytes.properties.headers?.bytes, '\ufffd\u0000', 'read back as a (lossy) string');
        assert.deepEqual(await drainIds(mgr, vhost, 't1000'), range(3, 1000), 'the rest, in order');
        assert.deepEqual(await streamIds(mgr, vhost, 's1000'), before, 'the stream is unchanged');
      } finally {
        await raw.close().catch(() => undefined);
      }
    });

    test('from an offset, the last N, and never past the end as it was when the run started', async () => {
      await declare('s-off', 'stream');
      await declare('t-off', 'classic');
      await fill(mgr, vhost, 's-off', 1000, 's');
      assert.equal(await streamLastOffset(mgr, vhost, 's-off'), 999);

      const a = await copyFromStream(mgr, vhost, 's-off', queueTarget('t-off'), {
        start: { kind: 'offset', offset: 400 },
        count: 100,
      });
      assert.equal(a.end, 'done', a.summary);
      assert.deepEqual([a.counts.done, a.firstOffset, a.lastOffset], [100, 400, 499]);
      assert.deepEqual(await drainIds(mgr, vhost, 't-off'), range(400, 500));

      const b = await copyFromStream(mgr, vhost, 's-off', queueTarget('t-off'), {
        start: { kind: 'last', count: 50 },
        count: 'all',
      });
      assert.equal(b.end, 'done', b.summary);
      assert.deepEqual([b.counts.done, b.firstOffset, b.lastOffset], [50, 950, 999]);
      assert.deepEqual(await drainIds(mgr, vhost, 't-off'), range(950, 1000));

      const c = await copyFromStream(mgr, vhost, 's-off', queueTarget('t-off'), {
        start: { kind: 'offset', offset: 5000 },
        count: 'all',
      });
      assert.equal(c.counts.done, 0);
      assert.match(c.reason ?? '', /past the stream's last offset/);

      // 'all' from offset 900 while a publisher keeps adding: the copy stops at offset 999.
      let publishing = true;
      let end = -1;
      const more = (async () => {
        let i = 1000;
        while (publishing) {
          await fill(mgr, vhost, 's-off', 50, 's', i);
          i += 50;
        }
      })();
      try {
        const d = await copyFromStream(mgr, vhost, 's-off', queueTarget('t-off'), {
          start: { kind: 'offset', offset: 900 },
          count: 'all',
          batch: 10, // slow enough for the publisher to add messages meanwhile
        });
        assert.equal(d.end, 'done', d.summary);
        end = d.endOffset ?? -1;
        assert.ok(end >= 999);
        assert.deepEqual([d.counts.done, d.firstOffset, d.lastOffset], [end - 900 + 1, 900, end], d.summary);
      } finally {
        publishing = false;
        await more;
      }
      const grown = (await streamLastOffset(mgr, vhost, 's-off')) ?? -1;
      console.log(
        `[${B.label}] 'all' from offset 900 while publishing: stopped at ${end}, the stream had grown to ${grown}`,
      );
      assert.ok(grown > end, `the stream grew during the run (${grown} > ${end})`);
      assert.deepEqual(await drainIds(mgr, vhost, 't-off'), range(900, end + 1));

      const e = await copyFromStream(mgr, vhost, 's-off', queueTarget('t-off'), {
        start: { kind: 'timestamp', ms: Date.now() - 3_600_000 },
        count: 20,
      });
      assert.equal(e.end, 'done', e.summary);
      assert.deepEqual([e.counts.done, e.firstOffset], [20, 0], 'an hour ago: from the first chunk');
      assert.deepEqual(await drainIds(mgr, vhost, 't-off'), range(0, 20));
    });

    test('cancel mid-way reports the counts; the target holds exactly the copied ones', async () => {
      await declare('s-cancel', 'stream');
      await declare('t-cancel', 'classic');
      await fill(mgr, vhost, 's-cancel', 5000, 's');
      const ac = new AbortController();
      const r = await copyFromStream(mgr, vhost, 's-cancel', queueTarget('t-cancel'), {
        start: { kind: 'first' },
        count: 'all',
        batch: 50,
        signal: ac.signal,
        onTaken: (n) => {
          if (n === 1000) ac.abort();
        },
      });
      console.log(`[${B.label}] cancel after 1,000 taken: ${r.summary}`);
      assert.equal(r.end, 'cancelled', r.summary);
      assert.equal(r.total, 5000);
      assert.ok(r.counts.done >= 1000 && r.counts.done < 5000, r.summary);
      assert.equal(r.counts.done, r.counts.taken);
      assert.equal(r.counts.possibleDuplicates, 0);
      assert.equal(r.resumeOffset, r.counts.done);
      assert.match(r.summary, /cancelled/);
      assert.deepEqual(await drainIds(mgr, vhost, 't-cancel'), range(0, r.counts.done));
      assert.equal((await streamIds(mgr, vhost, 's-cancel')).length, 5000);
    });

    test('a connection reset halfway: the stream is unchanged, every confirmed message is in the target, counts honest', async () => {
      const N = 10_000;
      await declare('s-fault', 'stream');
      await declare('t-fault', 'classic');
      await fill(mgr, vhost, 's-fault', N, 's');
      const r: StreamCopyResult = await cutWhenTaken(
        B,
        `burrow-test-scopy-proxy-${vhost}`,
        { at: N / 2, how: 'reset' },
        (viaProxy, onTaken) =>
          copyFromStream(viaProxy, vhost, 's-fault', queueTarget('t-fault'), {
            start: { kind: 'first' },
            count: 'all',
            confirmTimeoutMs: 10_000,
            onTaken,
          }),
      );
      assert.equal(r.end, 'fault', r.summary);
      assert.ok(r.error instanceof BrokerError);
      // Let the target settle (publishes in flight when the socket died may still be routed).
      let inDst = -1;
      for (let i = 0; i < 20; i++) {
        const d = await depth(mgr, vhost, 't-fault');
        if (d === inDst) break;
        inDst = d;
        await pause(300);
      }
      const dstIds = await drainIds(mgr, vhost, 't-fault');
      console.log(
        `[${B.label}] copy ${N} from a stream, reset after ${N / 2} taken: taken ${r.counts.taken}, confirmed ${r.counts.done}, ` +
          `in flight ${r.counts.possibleDuplicates}, not sent ${r.counts.returned}; target holds ${dstIds.length}; resume offset ${r.resumeOffset}; ${Math.round(r.elapsedMs)} ms`,
      );
      assert.equal(new Set(dstIds).size, dstIds.length, 'no message twice in the target');
      assert.ok(dstIds.length >= r.counts.done, 'every confirmed message is in the target');
      assert.ok(
        dstIds.length <= r.counts.done + r.counts.possibleDuplicates,
        `the target holds at most the confirmed and the in-flight ones (${dstIds.length} ≤ ${r.counts.done} + ${r.counts.possibleDuplicates})`,
      );
      assert.deepEqual(dstIds, range(0, dstIds.length), 'a prefix of the stream, in order');
      assert.ok(r.counts.done > 0 && r.counts.done < N, r.summary);
      assert.equal(r.resumeOffset, r.counts.done, 'a re-run starts at the first unconfirmed message');
      assert.equal(r.counts.taken, r.counts.done + r.counts.possibleDuplicates + r.counts.returned);
      assert.equal(r.counts.lost, 0);
      assert.deepEqual(await streamIds(mgr, vhost, 's-fault'), range(0, N), 'the stream is unchanged');
    });

    test('refusals: the stream as its own target, a missing target, moving out of a stream', async () => {
      await declare('s-ref', 'stream');
      await assert.rejects(
        copyFromStream(mgr, vhost, 's-ref', queueTarget('s-ref'), { start: { kind: 'first' }, count: 1 }),
        (e: unknown) => e instanceof BrokerError && e.code === 'MOVE_REFUSED',
      );
      await assert.rejects(
        copyFromStream(mgr, vhost, 's-ref', queueTarget('no-such-queue'), { start: { kind: 'first' }, count: 1 }),
        (e: unknown) => e instanceof BrokerError && /no-such-queue/.test(e.message),
      );
      await assert.rejects(
        moveMessages(mgr, vhost, 's-ref', queueTarget('x'), { mode: 'copy', count: 1, queueType: 'stream' }),
        (e: unknown) => e instanceof BrokerError && e.code === 'MOVE_REFUSED' && /stream/.test(e.message),
      );
      await declare('t-empty', 'classic');
      await declare('s-unroutable', 'stream');
      await fill(mgr, vhost, 's-unroutable', 20, 's');
      await mgr.withChannel(vhost, (ch) => ch.assertExchange('nowhere', 'direct', { durable: false }));
      const unroutable = await copyFromStream(
        mgr,
        vhost,
        's-unroutable',
        { exchange: 'nowhere', routingKey: 'k' },
        { start: { kind: 'first' }, count: 'all', batch: 1 },
      );
      assert.equal(unroutable.end, 'stopped', unroutable.summary);
      assert.equal(unroutable.counts.done, 0);
      assert.match(unroutable.reason ?? '', /could not route a message/);
      assert.equal(unroutable.resumeOffset, 0);

      const empty = await copyFromStream(mgr, vhost, 's-ref', queueTarget('t-empty'), {
        start: { kind: 'first' },
        count: 'all',
      });
      assert.equal(empty.end, 'done');
      assert.equal(empty.counts.done, 0);
      assert.match(empty.reason ?? '', /empty/);
    });
  });
}
