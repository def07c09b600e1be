import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headersForAmqp, toPublishOptions } from '../../src/broker/publish';

test('toPublishOptions copies every property amqplib takes, converts expiration and headers, skips the unset ones', () => {
  assert.deepEqual(
    toPublishOptions({
      contentType: 'application/json',
      contentEncoding: 'gzip',
      deliveryMode: 2,
      priority: 5,
      correlationId: 'c-1',
      replyTo: 'amq.rabbitmq.reply-to',
      expiration: 60000 as unknown as string,
      messageId: 'm-1',
      timestamp: 1_700_000_000,
      type: 'order.created',
      userId: 'guest',
      appId: 'burrow',
      headers: { 'x-a': 1, 'x-skip': undefined },
    }),
    {
      mandatory: true,
      contentType: 'application/json',
      contentEncoding: 'gzip',
      deliveryMode: 2,
      priority: 5,
      correlationId: 'c-1',
      replyTo: 'amq.rabbitmq.reply-to',
      expiration: '60000',
      messageId: 'm-1',
      timestamp: 1_700_000_000,
      type: 'order.created',
      userId: 'guest',
      appId: 'burrow',
      headers: { 'x-a': 1 },
    },
  );
  assert.deepEqual(toPublishOptions({}, false), { mandatory: false });
  assert.deepEqual(toPublishOptions({ priority: 0, contentType: '' }), {
    mandatory: true,
    priority: 0,
    contentType: '',
  });
});

test('toPublishOptions refuses a table with a field named ! (amqplib would take it for a typed value), with its path', () => {
  assert.throws(
    () => toPublishOptions({ headers: { outer: { list: [{ '!': 'int8', value: 1, extra: true }] } } }),
    /headers\.outer\.list\[0\]: a table with a field named '!'/,
  );
  // typed values and byte arrays pass (bytes as Buffers)
  const o = toPublishOptions({ headers: { n: { '!': 'int64', value: '5' }, b: new Uint8Array([1]) } });
  assert.deepEqual(o.headers, { n: { '!': 'int64', value: '5' }, b: Buffer.from([1]) });
});

test('headersForAmqp refuses NaN and ±Infinity anywhere (plain or typed), naming the path', () => {
  assert.throws(() => headersForAmqp({ a: Number.NaN }), /headers\.a is NaN or infinite: RabbitMQ does not accept/);
  assert.throws(
    () => headersForAmqp({ a: [1, { '!': 'float', value: Infinity }] }),
    /headers\.a\[1\] is NaN or infinite/,
  );
  assert.throws(
    () => headersForAmqp({ t: { u: { '!': 'double', value: -Infinity } } }, 0, 'arguments'),
    /arguments\.t\.u/,
  );
  assert.deepEqual(headersForAmqp({ a: { '!': 'double', value: 1.5 }, b: 2 }), {
    a: { '!': 'double', value: 1.5 },
    b: 2,
  });
});
