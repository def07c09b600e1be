import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageRing } from '../../src/core/messageRing';
import type { MessageProperties } from '../../src/core/message';

const enc = new TextEncoder();
const dec = new TextDecoder();
const PROPS: MessageProperties = { contentType: 'text/plain' };

function push(ring: MessageRing, body: string | Uint8Array, key = 'k', tag = 0): number {
  return ring.push('ex', key, false, PROPS, typeof body === 'string' ? enc.encode(body) : body, 1000, tag);
}
const bodies = (ring: MessageRing) => ring.range(ring.firstSeq(), ring.lastSeq()).map((m) => dec.decode(m.body));

test('keeps the newest maxMessages, counts the dropped ones, seqs keep counting', () => {
  const ring = new MessageRing({ maxMessages: 3, maxBytes: 1 << 20 });
  assert.equal(ring.firstSeq(), 1);
  assert.equal(ring.lastSeq(), 0);
  for (let i = 1; i <= 5; i++) assert.equal(push(ring, `m${i}`), i);
  assert.deepEqual(bodies(ring), ['m3', 'm4', 'm5']);
  assert.equal(ring.firstSeq(), 3);
  assert.equal(ring.dropped, 2);
  assert.equal(ring.get(2), undefined);
  assert.equal(ring.get(6), undefined);
  assert.equal(ring.get(3.5), undefined);
});

test('a message keeps every field; the delivery tag only when there is one', () => {
  const ring = new MessageRing({ maxMessages: 10, maxBytes: 1 << 20 });
  const props: MessageProperties = { contentType: 'application/json', headers: { a: 1 } };
  ring.push('orders', 'order.created', true, props, enc.encode('{"a":1}'), 1234, 7);
  ring.push('', 'q', false, {}, new Uint8Array(0), 1235);
  const [a, b] = ring.range(1, 2);
  assert.deepEqual(a, {
    seq: 1,
    exchange: 'orders',
    routingKey: 'order.created',
    redelivered: true,
    properties: props,
    body: enc.encode('{"a":1}'),
    size: 7,
    receivedAt: 1234,
    deliveryTag: 7,
  });
  assert.deepEqual(b, {
    seq: 2,
    exchange: '',
    routingKey: 'q',
    redelivered: false,
    properties: {},
    body: new Uint8Array(0),
    size: 0,
    receivedAt: 1235,
  });
});

test('bodies are copies: neither the sender reusing its buffer nor the ring reusing its bytes changes a message', () => {
  const ring = new MessageRing({ maxMessages: 100, maxBytes: 256, chunkBytes: 128 });
  const src = enc.encode('original');
  push(ring, src);
  src.fill(0x41);
  const m = ring.get(1)!;
  assert.equal(dec.decode(m.body), 'original');
  m.body.fill(0x42);
  assert.equal(dec.decode(ring.get(1)!.body), 'original', 'changing a handed-out body does not change the buffer');
  // Fill far past the byte budget so chunks are recycled; the handed-out copy stays.
  const copy = ring.get(1)!;
  for (let i = 0; i < 100; i++) push(ring, `x${i}`.padEnd(20, '.'));
  assert.equal(dec.decode(copy.body), 'original');
});

test('the byte budget pushes the oldest messages out, in order, and recycles the chunks', () => {
  // 4 chunks of 100 bytes (big limit 25 bytes): 20-byte bodies, 5 per chunk.
  const ring = new MessageRing({ maxMessages: 1000, maxBytes: 400, chunkBytes: 100 });
  for (let i = 1; i <= 50; i++) push(ring, `${String(i).padStart(2, '0')}`.padEnd(20, '-'));
  assert.ok(ring.heldBytes <= 400, `held ${ring.heldBytes}`);
  const kept = bodies(ring);
  // Whole chunks go: the newest 16 to 20 messages stay, contiguous and in order.
  assert.ok(kept.length >= 16 && kept.length <= 20, `kept ${kept.length}`);
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, i) =>
      String(51 - kept.length + i)
        .padStart(2, '0')
        .padEnd(20, '-'),
    ),
  );
  assert.equal(ring.dropped, 50 - kept.length);
});

test('big bodies are kept by reference within the byte budget; the newest one is kept however big', () => {
  const ring = new MessageRing({ maxMessages: 1000, maxBytes: 1000, chunkBytes: 100 });
  const big = (n: number, c: string) => enc.encode(c.repeat(n));
  push(ring, big(400, 'a'));
  push(ring, 'small');
  push(ring, big(400, 'b'));
  assert.deepEqual(
    bodies(ring).map((b) => b.slice(0, 5)),
    ['aaaaa', 'small', 'bbbbb'],
  );
  push(ring, big(400, 'c')); // 1200 + a 100-byte chunk > 1000: the oldest ('a') goes
  assert.deepEqual(
    bodies(ring).map((b) => b.slice(0, 5)),
    ['small', 'bbbbb', 'ccccc'],
  );
  assert.equal(ring.dropped, 1);
  assert.ok(ring.heldBytes <= 1000, `held ${ring.heldBytes}`);
  push(ring, big(5000, 'd')); // larger than the whole budget: alone, but kept
  assert.deepEqual(
    bodies(ring).map((b) => b.slice(0, 5)),
    ['ddddd'],
  );
  assert.equal(ring.get(ring.lastSeq())!.size, 5000);
  push(ring, 'after');
  assert.deepEqual(
    bodies(ring).map((b) => b.slice(0, 5)),
    ['after'],
    'the oversized one goes as soon as it is not the newest',
  );
  assert.ok(ring.heldBytes <= 1000);
});

test('when the count bound pushes messages out, their chunks and big bodies are released', () => {
  const ring = new MessageRing({ maxMessages: 4, maxBytes: 1 << 20, chunkBytes: 64 });
  for (let i = 0; i < 1000; i++) push(ring, 'x'.repeat(i % 3 === 0 ? 40 : 10));
  // 4 messages of at most 40 bytes: at most 4 chunks (one per big body) + 1.
  assert.ok(ring.heldBytes <= 64 * 2 + 40 * 4, `held ${ring.heldBytes}`);
  assert.equal(bodies(ring).length, 4);
});

test('clear() empties the buffer and frees its memory; seqs and counting continue', () => {
  const ring = new MessageRing({ maxMessages: 3, maxBytes: 1 << 20 });
  for (let i = 1; i <= 5; i++) push(ring, `m${i}`);
  ring.clear();
  assert.deepEqual(bodies(ring), []);
  assert.equal(ring.dropped, 0);
  assert.equal(ring.heldBytes, 0);
  assert.equal(ring.firstSeq(), 6);
  assert.equal(push(ring, 'm6'), 6);
  assert.deepEqual(bodies(ring), ['m6']);
  for (let i = 7; i <= 10; i++) push(ring, `m${i}`);
  assert.deepEqual(bodies(ring), ['m8', 'm9', 'm10']);
  assert.equal(ring.dropped, 2);
});

test('binary bodies round-trip byte for byte', () => {
  const ring = new MessageRing({ maxMessages: 10, maxBytes: 1 << 20 });
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  push(ring, bytes);
  assert.deepEqual(ring.get(1)!.body, bytes);
});
