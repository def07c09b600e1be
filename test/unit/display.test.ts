import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toDisplayMessage, toTailRow } from '../../src/core/display';
import type { CapturedMessage } from '../../src/core/message';

const msg = (body: Uint8Array | string, over: Partial<CapturedMessage> = {}): CapturedMessage => {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return {
    seq: 7,
    exchange: 'amq.topic',
    routingKey: 'kern.info',
    redelivered: false,
    properties: {},
    body: bytes,
    size: bytes.byteLength,
    receivedAt: 1,
    ...over,
  };
};

test('JSON bodies are pretty-printed, properties labelled like AMQP', () => {
  const d = toDisplayMessage(
    msg('{"a":1}', {
      properties: { contentType: 'application/json', deliveryMode: 2, timestamp: 0, expiration: '500' },
    }),
  );
  assert.equal(d.body.kind, 'json');
  assert.equal(d.body.text, '{\n  "a": 1\n}');
  assert.deepEqual(
    d.properties.map((f) => [f.name, f.value]),
    [
      ['content_type', 'application/json'],
      ['delivery_mode', '2 (persistent)'],
      ['expiration', '500 ms'],
      ['timestamp', '1970-01-01T00:00:00.000Z (0)'],
    ],
  );
});

test('hostile content stays text: display data is plain strings for text bindings', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const d = toDisplayMessage(
    msg(hostile, { routingKey: '<b>rk</b>', properties: { headers: { '<script>': '<svg onload=alert(2)>' } } }),
  );
  assert.equal(d.body.text, hostile);
  assert.equal(d.body.kind, 'text');
  assert.equal(d.routingKey, '<b>rk</b>');
  assert.deepEqual(d.headers[0], { name: '<script>', type: 'string', value: '<svg onload=alert(2)>' });
  assert.equal(toTailRow(msg(hostile)).preview, hostile);
});

test('binary bodies become hex; x-death is split out of headers', () => {
  const d = toDisplayMessage(
    msg(new Uint8Array([0, 159, 146, 150, 255]), {
      properties: {
        headers: {
          'x-death': [{ queue: 'work', exchange: '', reason: 'rejected', count: 2, 'routing-keys': ['work'] }],
          other: 1,
        },
      },
    }),
  );
  assert.equal(d.body.kind, 'binary');
  assert.match(d.body.text, /^00000000 +00 9f 92 96 ff/);
  assert.deepEqual(
    d.headers.map((h) => h.name),
    ['other'],
  );
  assert.equal(d.deaths.length, 1);
  assert.deepEqual(
    d.deaths[0].find((f) => f.name === 'reason'),
    { name: 'reason', value: 'rejected' },
  );
  assert.match(toTailRow(msg(new Uint8Array([0, 1, 2, 255]))).preview, /^0001 02ff/);
});

test('a 50 MB body is truncated for display and the tail row decodes only its head', () => {
  const big = new Uint8Array(50 * 1024 * 1024).fill(0x61);
  const d = toDisplayMessage(msg(big));
  const row = toTailRow(msg(big));
  assert.equal(d.body.truncated, true);
  assert.ok(d.body.text.length <= 100_000);
  assert.equal(d.size, big.byteLength);
  assert.equal(row.preview.length, 160);
});

test('tail rows keep delivery tags for manual acks', () => {
  assert.equal(toTailRow(msg('x', { deliveryTag: 42 })).deliveryTag, 42);
  assert.equal(toTailRow(msg('x')).deliveryTag, undefined);
});
