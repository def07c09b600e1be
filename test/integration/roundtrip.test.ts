/**
 * Issue 12's proof: a message peeked, exported to a file, read back and published again is the
 * same message on the wire. A raw publisher sends a message with every basic property and a
 * header of every AMQP field type; Burrow peeks it, exports it (JSON text, as "Export…" writes
 * it), imports that text and publishes it with its own publish path to a second queue. A raw
 * consumer (a plain amqplib connection with only the byte-keeping hook) then takes both
 * messages: their property bytes (flags, every property, the header table byte for byte) and
 * their bodies must be identical.
 *
 * What cannot be kept (README, "AMQP field types": long strings that are not UTF-8, table names
 * that look like array indexes, a table name '!') is left out of the message.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { peekMessages } from '../../src/broker/peek';
import { publishMessage } from '../../src/broker/publish';
import { keepFieldTypes, rawPropertiesOf } from '../../src/broker/typedFrames';
import { parseExported, toExportable } from '../../src/core/messageExport';
import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS } from '../brokers';

/** Every field type, in amqplib's '!' notation, nested ones included. */
const HEADERS = {
  int8: { '!': 'int8', value: -5 },
  int8five: { '!': 'int8', value: 5 },
  int64five: { '!': 'int64', value: 5 },
  uint8: { '!': 'uint8', value: 200 },
  int16: { '!': 'int16', value: -1234 },
  uint16: { '!': 'uint16', value: 60000 },
  int32: { '!': 'int32', value: -100000 },
  uint32: { '!': 'uint32', value: 4294967295 },
  int64: { '!': 'int64', value: '9007199254740993' },
  int64min: { '!': 'int64', value: '-9223372036854775808' },
  float: { '!': 'float', value: 1.1 },
  double: { '!': 'double', value: 2.0 },
  doubleFraction: { '!': 'double', value: 0.1 },
  decimal: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  timestamp: { '!': 'timestamp', value: 1700000000 },
  bytes: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]),
  void: null,
  bool: false,
  string: 'lapin 🐇 ü',
  table: { w: { '!': 'uint16', value: 7 }, z: 'last', a: [{ '!': 'int64', value: '-1' }, null, 'x'] },
  array: [{ '!': 'float', value: 0.5 }, null, { '!': 'int8', value: 1 }, { inner: { '!': 'double', value: -0.25 } }],
  emptyTable: {},
  emptyArray: [],
};

const BODY = Buffer.from([0x00, 0xff, 0x7b, 0x22, 0xe2, 0x82, 0xac, 0x0a, 0x80]);

for (const B of BROKERS) {
  const SUFFIX = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-roundtrip-${SUFFIX}`;

  describe(`peek -> export -> import -> publish is byte-identical [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;
    let raw: amqp.ChannelModel;

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-roundtrip-${SUFFIX}` }));
      raw = await amqp.connect({
        hostname: '127.0.0.1',
        port: B.amqpPort,
        username: 'guest',
        password: 'guest',
        vhost: VHOST,
      });
      // Only to read the raw property bytes of what the consumer gets; amqplib's values stay.
      assert.equal(
        keepFieldTypes(raw.connection, (reason) => assert.fail(reason)),
        true,
      );
      const ch = await raw.createChannel();
      for (const q of ['original', 'again']) await ch.assertQueue(q, { durable: true });
      await ch.close();
    });

    after(async () => {
      await raw?.close().catch(() => undefined);
      await mgr?.dispose();
      await dropVhost(B, VHOST);
    });

    /** Takes one message from a queue with a raw basic.get: its property bytes and body. */
    async function take(queue: string): Promise<{ properties: Uint8Array; body: Buffer; msg: amqp.GetMessage }> {
      const ch = await raw.createChannel();
      try {
        const msg = await ch.get(queue, { noAck: true });
        assert.ok(msg, `a message in ${queue}`);
        const bytes = rawPropertiesOf(msg.properties);
        assert.ok(bytes, 'the hook kept the raw property bytes');
        return { properties: bytes, body: msg.content, msg };
      } finally {
        await ch.close();
      }
    }

    test('every property and every header type survive byte for byte', async () => {
      const ch = await raw.createConfirmChannel();
      ch.sendToQueue('original', BODY, {
        contentType: 'application/x-burrow-test',
        contentEncoding: 'identity',
        headers: HEADERS,
        deliveryMode: 2,
        priority: 7,
        correlationId: 'corr-1',
        replyTo: 'replies',
        expiration: '600000',
        messageId: 'msg-1',
        timestamp: 1700000123,
        type: 'test.type',
        userId: 'guest',
        appId: 'burrow-roundtrip',
      });
      await ch.waitForConfirms();
      await ch.close();

      // Burrow: peek, export as the file text, import, publish to the other queue.
      const peeked = await peekMessages(mgr, VHOST, 'original', 1);
      assert.equal(peeked.messages.length, 1);
      const fileText = JSON.stringify([toExportable(peeked.messages[0]!)], null, 2);
      const imported = parseExported(fileText);
      assert.ok(imported.ok, imported.ok ? '' : imported.error);
      const m = imported.messages[0]!;
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: '',
        routingKey: 'again',
        body: m.body,
        properties: m.properties,
      });
      assert.deepEqual(outcome, { status: 'confirmed' });

      const original = await take('original');
      const again = await take('again');
      assert.deepEqual(Buffer.from(again.body), Buffer.from(original.body), 'body bytes');
      assert.equal(
        Buffer.from(again.properties).toString('hex'),
        Buffer.from(original.properties).toString('hex'),
        'property bytes (flags, properties, header table)',
      );
      // The peek left the original where it was (a basic.get/return), and nothing else is queued.
      assert.equal(original.msg.fields.messageCount, 0);
      assert.equal(again.msg.fields.messageCount, 0);
    });
  });
}
