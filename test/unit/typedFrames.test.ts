/**
 * The per-connection hook that keeps header types (src/broker/typedFrames.ts), on amqplib's real
 * Connection.prototype.recvFrame fed from a fake socket: frames split across reads at arbitrary
 * points (amqplib's recvFrame then calls itself through the hook) are each handled exactly once,
 * with the typed headers and a copy of the raw property bytes; when amqplib's internals are not
 * as expected, or a header cannot be decoded, amqplib's values stay and the problem is told once.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { keepFieldTypes, rawPropertiesOf, RAW_PROPERTIES } from '../../src/broker/typedFrames';
import { encodeFieldTable } from '../../src/core/fieldCodec';
import type { FieldTable } from '../../src/core/fieldTypes';

const require = createRequire(import.meta.url);
const amqplibDir = dirname(require.resolve('amqplib'));
const { Connection } = require(join(amqplibDir, 'lib/connection.js')) as { Connection: { prototype: object } };
const defs = require(join(amqplibDir, 'lib/defs.js')) as {
  encodeMethod(id: number, channel: number, fields: object): Buffer;
  BasicDeliver: number;
};
const { makeBodyFrame } = require(join(amqplibDir, 'lib/frame.js')) as {
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
};

interface Frame {
  size?: number;
  fields?: Record<string | symbol, unknown>;
  content?: Buffer;
}

/** An amqplib Connection as far as recvFrame goes, reading `chunks` one per stream.read(). */
function fakeConnection(chunks: Buffer[]): { recvFrame(): Frame | false; rest: Buffer } {
  const c = Object.create(Connection.prototype) as Record<string, unknown>;
  c.rest = Buffer.alloc(0);
  c.maxFrameSize = 0;
  c.stream = { read: () => chunks.shift() ?? null };
  return c as unknown as { recvFrame(): Frame | false; rest: Buffer };
}

/** A content header frame of class basic with these raw property bytes (flags onwards). */
function headerFrame(channel: number, bodySize: number, props: Uint8Array): Buffer {
  const payload = Buffer.alloc(12 + props.length);
  payload.writeUInt16BE(60, 0);
  payload.writeBigUInt64BE(BigInt(bodySize), 4);
  payload.set(props, 12);
  const frame = Buffer.alloc(7 + payload.length + 1);
  frame.writeUInt8(2, 0);
  frame.writeUInt16BE(channel, 1);
  frame.writeUInt32BE(payload.length, 3);
  payload.copy(frame, 7);
  frame.writeUInt8(0xce, frame.length - 1);
  return frame;
}

/** Property bytes: flags, then content type (if given), then headers (if given). */
function props(headers: Uint8Array | undefined, contentType?: string): Uint8Array {
  const parts: Buffer[] = [];
  let flags = 0;
  if (contentType !== undefined) {
    flags |= 0x8000;
    parts.push(Buffer.from([Buffer.byteLength(contentType)]), Buffer.from(contentType));
  }
  if (headers !== undefined) {
    flags |= 0x2000;
    parts.push(Buffer.from(headers));
  }
  const f = Buffer.alloc(2);
  f.writeUInt16BE(flags);
  return new Uint8Array(Buffer.concat([f, ...parts]));
}

/** A delivery: basic.deliver, content header, body. */
function delivery(channel: number, p: Uint8Array, body: string): Buffer[] {
  return [
    defs.encodeMethod(defs.BasicDeliver, channel, {
      consumerTag: 'c',
      deliveryTag: 1,
      redelivered: false,
      exchange: '',
      routingKey: 'q',
    }),
    headerFrame(channel, Buffer.byteLength(body), p),
    makeBodyFrame(channel, Buffer.from(body)),
  ];
}

function readAll(conn: { recvFrame(): Frame | false }): Frame[] {
  const out: Frame[] = [];
  for (let f = conn.recvFrame(); f; f = conn.recvFrame()) out.push(f);
  return out;
}

/** Splits a byte stream at the given points (sorted, deduplicated, within the stream). */
function split(bytes: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    if (c > at) out.push(bytes.subarray(at, c));
    at = Math.max(at, c);
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

const TYPED: FieldTable = {
  big: { '!': 'int64', value: '9007199254740993' },
  w: { '!': 'uint16', value: 7 },
  f: { '!': 'float', value: Math.fround(1.1) },
  list: [{ '!': 'int8', value: -1 }, null],
};

describe('keepFieldTypes', () => {
  test('typed headers and raw property bytes on every header frame, each handled once, however the stream is split', () => {
    const messages = [
      props(encodeFieldTable(TYPED), 'application/json'),
      props(undefined, 'text/plain'),
      props(encodeFieldTable({ n: { '!': 'int32', value: 5 } })),
      props(undefined),
      props(encodeFieldTable({ mid: 'm'.repeat(1000) })),
      props(encodeFieldTable({ big: 'b'.repeat(5000) })),
    ];
    const stream = Buffer.concat(messages.flatMap((p, i) => delivery(1 + i, p, `body ${i}`)));
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
        const conn = fakeConnection(split(stream, points));
        const problems: string[] = [];
        assert.equal(
          keepFieldTypes(conn, (r) => problems.push(r)),
          true,
        );
        const frames = readAll(conn);
        assert.deepStrictEqual(problems, []);
        const headers = frames.filter((f) => f.size !== undefined);
        assert.equal(headers.length, 6);
        assert.deepStrictEqual(headers[0]!.fields!.headers, TYPED);
        assert.equal(headers[0]!.fields!.contentType, 'application/json');
        assert.equal(headers[1]!.fields!.headers, undefined);
        assert.deepStrictEqual(headers[2]!.fields!.headers, { n: { '!': 'int32', value: 5 } });
        assert.deepStrictEqual(headers[4]!.fields!.headers, { mid: 'm'.repeat(1000) });
        assert.deepStrictEqual(headers[5]!.fields!.headers, { big: 'b'.repeat(5000) });
        headers.forEach((h, i) => {
          const raw = rawPropertiesOf(h.fields);
          assert.deepStrictEqual(raw, messages[i], `raw properties of message ${i}`);
          // a copy, not a view of the receive buffer; invisible to Object.keys and JSON
          assert.equal(Object.getPrototypeOf(raw), Uint8Array.prototype);
          assert.notEqual(raw!.buffer, stream.buffer);
          assert.equal(h.fields![RAW_PROPERTIES], raw);
          assert.equal(
            Object.keys(h.fields!).every((k) => typeof k === 'string' && !k.includes('raw')),
            true,
          );
          assert.equal(JSON.stringify(h.fields).includes('burrow'), false);
        });
        assert.deepStrictEqual(
          frames.filter((f) => f.content).map((f) => f.content!.toString()),
          ['body 0', 'body 1', 'body 2', 'body 3', 'body 4', 'body 5'],
        );
      }),
      { numRuns: 200 },
    );
  });

  test('without the hook amqplib rounds int64 and drops widths (what this fixes)', () => {
    const conn = fakeConnection([Buffer.concat(delivery(1, props(encodeFieldTable(TYPED)), 'x'))]);
    const h = readAll(conn).find((f) => f.size !== undefined)!;
    assert.equal(h.fields!.headers && (h.fields!.headers as Record<string, unknown>).big, 9007199254740992);
  });

  test('installing twice handles each frame once', () => {
    const conn = fakeConnection([Buffer.concat(delivery(1, props(encodeFieldTable(TYPED)), 'x'))]);
    const problems: string[] = [];
    keepFieldTypes(conn, (r) => problems.push(r));
    keepFieldTypes(conn, (r) => problems.push(r));
    const h = readAll(conn).find((f) => f.size !== undefined)!;
    assert.deepStrictEqual(h.fields!.headers, TYPED);
    assert.deepStrictEqual(problems, []);
  });

  test('amqplib internals not as expected: nothing changed, told once', () => {
    const problems: string[] = [];
    assert.equal(
      keepFieldTypes({}, (r) => problems.push(r)),
      false,
    );
    assert.equal(
      keepFieldTypes({ recvFrame() {}, rest: 'not a buffer' }, (r) => problems.push(r)),
      false,
    );
    assert.equal(
      keepFieldTypes(undefined, (r) => problems.push(r)),
      false,
    );
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /amqplib version Burrow does not know/);
    // a throwing callback does not escape
    assert.equal(
      keepFieldTypes({}, () => {
        throw new Error('logger broke');
      }),
      false,
    );
  });

  test("a header only amqplib can read keeps amqplib's values; the problem is told once per connection", () => {
    // An array whose declared length ends inside its value: amqplib reads on past it, ours refuses.
    const lenient = new Uint8Array([0, 0, 0, 9, 1, 0x61, 0x41, 0, 0, 0, 1, 0x62, 0x05]);
    const good = encodeFieldTable({ ok: { '!': 'int8', value: 1 } });
    const conn = fakeConnection([
      Buffer.concat([
        ...delivery(1, props(lenient), 'a'),
        ...delivery(1, props(lenient), 'b'),
        ...delivery(1, props(good), 'c'),
      ]),
    ]);
    const problems: string[] = [];
    keepFieldTypes(conn, (r) => problems.push(r));
    const headers = readAll(conn).filter((f) => f.size !== undefined);
    assert.deepStrictEqual(headers[0]!.fields!.headers, { a: [5] });
    assert.deepStrictEqual(headers[1]!.fields!.headers, { a: [5] });
    assert.deepStrictEqual(headers[2]!.fields!.headers, { ok: { '!': 'int8', value: 1 } });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /truncated/);
  });

  test("a broken frame is still amqplib's error, not ours", () => {
    const bad = headerFrame(1, 1, props(undefined));
    bad[bad.length - 1] = 0; // no frame-end octet
    const conn = fakeConnection([bad]);
    keepFieldTypes(conn, () => assert.fail('not our problem'));
    assert.throws(() => conn.recvFrame(), /Invalid frame/);
  });
});
