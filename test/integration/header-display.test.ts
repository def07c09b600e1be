/**
 * Header values as a real broker delivers them, through every reader Burrow has: display rows
 * (peek, tail and RPC details), x-death rows, the filter, export and import. The message is
 * dead-lettered by the broker itself, so its x-death (count: a long, time: a timestamp) is
 * RabbitMQ's own, on both versions; its other headers carry every type in amqplib's notation.
 *
 * These hold whether header values arrive as amqplib decodes them (plain numbers) or typed
 * (fieldTypes.ts): what is checked is what both must give.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { peekMessages } from '../../src/broker/peek';
import { toDisplayMessage } from '../../src/core/display';
import { fieldNumber } from '../../src/core/fieldTypes';
import { formatXDeath } from '../../src/core/fieldValues';
import { parseExported, toNdjson } from '../../src/core/messageExport';
import { matchesFilter } from '../../src/core/messageFilter';
import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS } from '../brokers';

const SENT = {
  i8: { '!': 'int8', value: -5 },
  u32: { '!': 'uint32', value: 4294967295 },
  i64: { '!': 'int64', value: '-9007199254740991' },
  f: { '!': 'float', value: 1.5 },
  d: { '!': 'double', value: 2.25 },
  dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  ts: { '!': 'timestamp', value: 1700000000 },
  bytes: Buffer.from([0xff, 0x00, 0x41]),
  nested: { w: { '!': 'uint16', value: 7 }, list: [{ '!': 'int64', value: '-1' }, null, 'x'] },
  s: 'lapin',
};

for (const B of BROKERS) {
  const SUFFIX = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-hdrdisplay-${SUFFIX}`;

  describe(`header values through display, x-death, filter and export [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;
    let raw: amqp.ChannelModel;

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-hdrdisplay-${SUFFIX}` }));
      raw = await amqp.connect({
        hostname: '127.0.0.1',
        port: B.amqpPort,
        username: 'guest',
        password: 'guest',
        vhost: VHOST,
      });
      const ch = await raw.createConfirmChannel();
      await ch.assertQueue('dead', { durable: false });
      await ch.assertQueue('work', {
        durable: false,
        arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dead' },
      });
      ch.sendToQueue('work', Buffer.from('{"n":1}'), { contentType: 'application/json', headers: SENT });
      await ch.waitForConfirms();
      // The broker dead-letters it: x-death is RabbitMQ's, not ours.
      const got = await ch.get('work', { noAck: false });
      assert.ok(got, 'the message is in work');
      ch.nack(got, false, false);
      await ch.close();
    });

    after(async () => {
      await raw?.close().catch(() => undefined);
      await mgr?.dispose();
      await dropVhost(B, VHOST);
    });

    test('display rows, x-death, filter and export agree with what was sent', async () => {
      let peeked = await peekMessages(mgr, VHOST, 'dead', 1);
      for (let i = 0; i < 50 && peeked.messages.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100)); // dead-lettering is asynchronous on 4.x
        peeked = await peekMessages(mgr, VHOST, 'dead', 1);
      }
      assert.equal(peeked.messages.length, 1);
      const m = peeked.messages[0]!;

      // x-death as RabbitMQ writes it: count (a long) and time (a timestamp) read as numbers
      const [death] = formatXDeath(m.properties.headers);
      assert.ok(death, 'an x-death row');
      assert.equal(death.count, 1);
      assert.equal(death.queue, 'work');
      assert.equal(death.reason, 'rejected');
      assert.deepEqual(death.routingKeys, ['work']);
      assert.match(death.time ?? '', /^\d{4}-\d\d-\d\dT/);
      const xd = (m.properties.headers?.['x-death'] as Record<string, unknown>[])[0]!;
      assert.equal(fieldNumber(xd.count), 1);

      const d = toDisplayMessage(m);
      const rows = Object.fromEntries(d.headers.map((h) => [h.name, h]));
      // x-death is shown apart; RabbitMQ adds x-first-death-* (and 4.x x-last-death-*) headers
      assert.deepEqual(
        Object.keys(rows)
          .filter((k) => !k.startsWith('x-'))
          .sort(),
        Object.keys(SENT).sort(),
      );
      assert.equal(rows['x-death'], undefined);
      assert.equal(rows['x-first-death-reason']!.value, 'rejected');
      assert.equal(rows.i8!.value, '-5');
      assert.equal(rows.u32!.value, '4294967295');
      assert.equal(rows.i64!.value, '-9007199254740991');
      assert.equal(rows.f!.value, '1.5');
      assert.equal(rows.d!.value, '2.25');
      assert.equal(rows.dec!.value, '123.45');
      assert.equal(rows.ts!.value, '2023-11-14T22:13:20.000Z (1700000000)');
      assert.equal(rows.bytes!.value, '3 bytes: ff0041');
      assert.equal(rows.s!.value, 'lapin');
      const deathRow = Object.fromEntries(d.deaths[0]!.map((f) => [f.name, f.value]));
      assert.equal(deathRow.count, '1');
      assert.equal(deathRow.exchange, '(AMQP default)');
      assert.doesNotMatch(JSON.stringify(d), /\[object |undefined/);

      assert.ok(matchesFilter(m, '4294967295'));
      assert.ok(matchesFilter(m, '123.45'));
      assert.ok(matchesFilter(m, 'rejected'));

      // export → import → the same display
      const back = parseExported(toNdjson([m]));
      assert.ok(back.ok, back.ok ? '' : back.error);
      const again = toDisplayMessage({ ...m, properties: back.messages[0]!.properties });
      assert.deepEqual(again.headers, d.headers);
      assert.deepEqual(again.deaths, d.deaths);
    });
  });
}
