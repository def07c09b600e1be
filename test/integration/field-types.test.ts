/**
 * Header values keep their AMQP types end to end (issue 12): a message published by raw amqplib
 * with every field type RabbitMQ knows comes back from Burrow's peek, tail and RPC reply capture
 * as exactly those typed values (fieldTypes.ts), where amqplib alone would round the int64 and
 * make every width a plain number. The raw property bytes the hook keeps are the bytes amqplib
 * sent on RabbitMQ 3.10; RabbitMQ 4.0 delivers them re-encoded with the top-level header names
 * sorted (nothing else changes: every value keeps its type, nested tables keep their order).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { peekMessages } from '../../src/broker/peek';
import { QueueTail, type TailBatch } from '../../src/broker/tail';
import { RpcClient } from '../../src/broker/rpc';
import { keepFieldTypes, rawPropertiesOf } from '../../src/broker/typedFrames';
import { decodePropertiesHeaders } from '../../src/core/fieldCodec';
import type { FieldTable } from '../../src/core/fieldTypes';
import type { CapturedMessage } from '../../src/core/message';
import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS } from '../brokers';
import { poll } from '../wait';

const require = createRequire(import.meta.url);
const defs = require(join(dirname(require.resolve('amqplib')), 'lib/defs.js')) as {
  encodeProperties(id: number, channel: number, size: number, fields: object): Buffer;
};

/** What a publisher writes, in amqplib's '!' notation. */
const SENT = {
  i8: { '!': 'int8', value: -5 },
  u8: { '!': 'uint8', value: 200 },
  i16: { '!': 'int16', value: -1234 },
  u16: { '!': 'uint16', value: 60000 },
  i32: { '!': 'int32', value: -100000 },
  u32: { '!': 'uint32', value: 4294967295 },
  i64: { '!': 'int64', value: '9007199254740993' },
  i64min: { '!': 'int64', value: '-9223372036854775808' },
  f: { '!': 'float', value: 1.1 },
  d: { '!': 'double', value: 2.0 },
  dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  ts: { '!': 'timestamp', value: 1700000000 },
  bytes: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]),
  v: null,
  yes: true,
  s: 'lapin 🐇 ü',
  nested: { w: { '!': 'uint16', value: 7 }, list: [{ '!': 'int64', value: '-1' }, null, 'x'] },
  arr: [{ '!': 'float', value: 0.5 }, null, { '!': 'int8', value: 1 }, { inner: { '!': 'double', value: -0.25 } }],
};

/** What Burrow must give back (fieldTypes.ts): the same, with the float as its 32-bit value and bytes as a Uint8Array. */
const EXPECTED: FieldTable = {
  ...(SENT as unknown as FieldTable),
  f: { '!': 'float', value: Math.fround(1.1) },
  bytes: new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3]),
};

/** The property bytes (flags onwards) amqplib writes for these publish properties. */
function encodedProperties(props: object): Uint8Array {
  const frame = defs.encodeProperties(60, 1, 0, props);
  return new Uint8Array(frame.subarray(7 + 12, frame.length - 1));
}

/**
 * The property bytes a consumer gets for a message published with these properties. RabbitMQ
 * 3.10 passes them through as they were sent; 4.0 re-encodes them with the top-level header
 * names sorted (bytewise, as Erlang sorts binaries); nested tables, values and types unchanged.
 */
function deliveredProperties(props: { headers?: Record<string, unknown> }, major: number): Uint8Array {
  if (major < 4 || !props.headers) return encodedProperties(props);
  const names: string[] = [];
  for (const k in props.headers) if (props.headers[k] !== undefined) names.push(k); // amqplib's headers inherit
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const headers: Record<string, unknown> = {};
  for (const k of names) headers[k] = props.headers[k];
  return encodedProperties({ ...props, headers });
}

for (const B of BROKERS) {
  const SUFFIX = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-fieldtypes-${SUFFIX}`;

  describe(`typed header values [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;
    let raw: amqp.ChannelModel;
    /** Property bytes of each message the raw publisher sent, as the broker delivers them, by message id. */
    const sentProperties = new Map<string, Uint8Array>();

    const publish = async (queue: string, messageId: string, extra: amqp.Options.Publish = {}) => {
      const ch = await raw.createConfirmChannel();
      ch.sendToQueue(queue, Buffer.from('{}'), {
        contentType: 'application/json',
        messageId,
        headers: SENT,
        ...extra,
      });
      await ch.waitForConfirms();
      await ch.close();
    };

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-fieldtypes-${SUFFIX}` }));
      raw = await amqp.connect({
        hostname: '127.0.0.1',
        port: B.amqpPort,
        username: 'guest',
        password: 'guest',
        vhost: VHOST,
      });
      // Record what the publisher really sends (test-only wrap of amqplib's sendMessage).
      const conn = raw.connection as unknown as {
        sendMessage(
          channel: number,
          m: unknown,
          f: unknown,
          p: unknown,
          props: { messageId?: string; headers?: Record<string, unknown> },
          c: Buffer,
        ): boolean;
      };
      const send = conn.sendMessage;
      conn.sendMessage = function (channel, m, f, p, props, c) {
        if (props.messageId) sentProperties.set(props.messageId, deliveredProperties(props, B.major));
        return send.call(this, channel, m, f, p, props, c);
      };
      const ch = await raw.createChannel();
      for (const q of ['peeked', 'tailed', 'raw', 'rpc']) await ch.assertQueue(q, { durable: false });
      await ch.close();
    });

    after(async () => {
      await raw?.close().catch(() => undefined);
      await mgr?.dispose();
      await dropVhost(B, VHOST);
    });

    test('peek returns every header with its type', async () => {
      await publish('peeked', 'p1');
      const r = await peekMessages(mgr, VHOST, 'peeked', 1);
      assert.equal(r.messages.length, 1);
      const m = r.messages[0]!;
      assert.equal(m.properties.messageId, 'p1');
      assert.equal(m.properties.contentType, 'application/json');
      assert.deepStrictEqual(m.properties.headers, EXPECTED);
    });

    test('tail (consume) returns every header with its type', async () => {
      const received: CapturedMessage[] = [];
      const tail = new QueueTail(
        mgr,
        VHOST,
        { mode: 'consume', queue: 'tailed', prefetch: 10, ack: 'auto' },
        { onBatch: (b: TailBatch) => received.push(...b.messages()), flushIntervalMs: 20 },
      );
      try {
        await tail.start();
        await publish('tailed', 't1');
        await poll('the tailed message', () => received.length === 1, 10_000, 25);
        assert.equal(received[0]!.properties.messageId, 't1');
        assert.deepStrictEqual(received[0]!.properties.headers, EXPECTED);
        // and from the buffer again (the detail view, export)
        assert.deepStrictEqual(tail.get(received[0]!.seq)?.properties.headers, EXPECTED);
      } finally {
        await tail.stop();
      }
    });

    test('an RPC reply keeps its header types', async () => {
      // A raw responder (no hook) that answers with the typed headers.
      const ch = await raw.createChannel();
      await ch.consume(
        'rpc',
        (msg) => {
          if (!msg) return;
          ch.sendToQueue(msg.properties.replyTo as string, Buffer.from('ok'), {
            correlationId: msg.properties.correlationId as string,
            headers: SENT,
          });
          ch.ack(msg);
        },
        { noAck: false },
      );
      const client = new RpcClient(mgr, VHOST);
      try {
        const o = await client.call({
          exchange: '',
          routingKey: 'rpc',
          body: new TextEncoder().encode('hi'),
          timeoutMs: 5000,
          replyMode: 'direct-reply-to',
        });
        assert.equal(o.status, 'reply', JSON.stringify(o));
        if (o.status === 'reply') assert.deepStrictEqual(o.reply.properties.headers, EXPECTED);
      } finally {
        await client.dispose();
        await ch.close();
      }
    });

    test("the raw property bytes are the publisher's, on Burrow's connection and on a hooked raw consumer", async () => {
      await publish('raw', 'r1', { priority: 3, appId: 'field-types', timestamp: 1700000001 });
      await publish('raw', 'r2', { priority: 3, appId: 'field-types', timestamp: 1700000001 });
      const sent1 = sentProperties.get('r1');
      const sent2 = sentProperties.get('r2');
      assert.ok(sent1 && sent2);

      // Burrow's own connection (opened by the manager through openRaw): basic.get.
      const viaBurrow = await mgr.withChannel(VHOST, async (ch) => {
        const m = await ch.get('raw', { noAck: true });
        assert.ok(m);
        return m;
      });
      assert.equal(viaBurrow.properties.messageId, 'r1');
      assert.deepStrictEqual(rawPropertiesOf(viaBurrow.properties), sent1);
      assert.deepStrictEqual(viaBurrow.properties.headers, EXPECTED);

      // A raw amqplib consumer with the hook installed by hand: the same bytes.
      const consumer = await amqp.connect({
        hostname: '127.0.0.1',
        port: B.amqpPort,
        username: 'guest',
        password: 'guest',
        vhost: VHOST,
      });
      try {
        const problems: string[] = [];
        assert.equal(
          keepFieldTypes(consumer.connection, (r) => problems.push(r)),
          true,
        );
        const ch = await consumer.createChannel();
        const got = await new Promise<amqp.ConsumeMessage>((resolve) => {
          void ch.consume('raw', (msg) => msg && resolve(msg), { noAck: true });
        });
        assert.equal(got.properties.messageId, 'r2');
        const bytes = rawPropertiesOf(got.properties);
        assert.deepStrictEqual(bytes, sent2);
        assert.deepStrictEqual(decodePropertiesHeaders(bytes!), EXPECTED);
        assert.deepStrictEqual(got.properties.headers, EXPECTED);
        assert.deepStrictEqual(problems, []);
      } finally {
        await consumer.close();
      }
    });
  });
}
