/**
 * Deleting exactly one peeked message (src/broker/deleteOne.ts), on both brokers, classic and
 * quorum: the message at the peeked position goes, the others stay in order (on quorum queues
 * with one more delivery each); a changed queue, other consumers, a delivery limit and streams are
 * refused with nothing deleted.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { peekMessages } from '../../src/broker/peek';
import { deleteOneMessage } from '../../src/broker/deleteOne';
import { deliveryCountOf } from '../../src/core/deliveryLimit';
import { fingerprintOf } from '../../src/core/deleteOne';
import { BROKERS, endpointOf, makeVhost, dropVhost } from './helpers';

for (const B of BROKERS) {
  describe(`delete one message [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-delete-one');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-delete-one-${vhost}` }));
    });
    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    const declare = (q: string, type: string, args: Record<string, unknown> = {}) =>
      mgr.withChannel(vhost, (ch) =>
        ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': type, ...args } }),
      );
    const fill = (q: string, n: number) =>
      mgr.withConfirmChannel(vhost, async (ch) => {
        for (let i = 0; i < n; i++) ch.sendToQueue(q, Buffer.from(`body ${i}`), { messageId: `m-${i}` });
        await ch.waitForConfirms();
      });
    const rejectsWith = (p: Promise<unknown>, code: string, re?: RegExp) =>
      assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof BrokerError, String(e));
        assert.equal(e.code, code, e.message);
        if (re) assert.match(e.message, re);
        return true;
      });

    for (const type of ['classic', 'quorum'] as const) {
      const limitOpts = type === 'quorum' && B.major >= 4 ? { 'x-delivery-limit': -1 } : {};
      const deliveryLimit = null;

      test(`${type}: deletes exactly the peeked message, the others stay in order`, async () => {
        const q = `del-${type}`;
        await declare(q, type, limitOpts);
        await fill(q, 10);
        const peeked = await peekMessages(mgr, vhost, q, 10, { queueType: type, deliveryLimit });
        assert.equal(peeked.messages.length, 10);
        const r = await deleteOneMessage(mgr, vhost, q, fingerprintOf(4, peeked.messages[3]!), {
          queueType: type,
          deliveryLimit,
        });
        // Classic: the 3 ahead of it. Quorum: also the 6 redelivered ones after it (the peek gave
        // them back; the broker would put the 3 behind them otherwise).
        assert.deepEqual(r, { returned: type === 'classic' ? 3 : 9 });
        const after = await peekMessages(mgr, vhost, q, 10, { queueType: type, deliveryLimit });
        assert.deepEqual(
          after.messages.map((m) => m.properties.messageId),
          ['m-0', 'm-1', 'm-2', 'm-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-9'],
        );
        if (type === 'quorum') {
          // Every message: the first peek and the delete.
          const counts = after.messages.map((m) => deliveryCountOf(m.properties.headers));
          assert.deepEqual(counts, [2, 2, 2, 2, 2, 2, 2, 2, 2]);
        }
      });

      test(`${type}: a changed queue is refused and nothing is deleted`, async () => {
        const q = `del-changed-${type}`;
        await declare(q, type, limitOpts);
        await fill(q, 5);
        const peeked = await peekMessages(mgr, vhost, q, 5, { queueType: type, deliveryLimit });
        const fp = fingerprintOf(3, peeked.messages[2]!);
        await rejectsWith(
          deleteOneMessage(mgr, vhost, q, { ...fp, bodyHash: '0000000000000000' }, { queueType: type, deliveryLimit }),
          'DELETE_MISMATCH',
          /different body/,
        );
        await rejectsWith(
          deleteOneMessage(mgr, vhost, q, { ...fp, messageId: 'other' }, { queueType: type, deliveryLimit }),
          'DELETE_MISMATCH',
          /message id/,
        );
        await rejectsWith(
          deleteOneMessage(mgr, vhost, q, { ...fp, position: 9 }, { queueType: type, deliveryLimit }),
          'DELETE_MISMATCH',
          /fewer than the position/,
        );
        const after = await peekMessages(mgr, vhost, q, 5, { queueType: type, deliveryLimit });
        assert.deepEqual(
          after.messages.map((m) => m.properties.messageId),
          ['m-0', 'm-1', 'm-2', 'm-3', 'm-4'],
        );
      });

      test(`${type}: refused while the queue has a consumer`, async () => {
        const q = `del-consumer-${type}`;
        await declare(q, type, limitOpts);
        await fill(q, 3);
        const peeked = await peekMessages(mgr, vhost, q, 3, { queueType: type, deliveryLimit });
        const other = await amqp.connect({
          hostname: '127.0.0.1',
          port: B.amqpPort,
          username: 'guest',
          password: 'guest',
          vhost,
        });
        try {
          const ch = await other.createChannel();
          await ch.prefetch(1);
          await ch.consume(q, () => undefined, { noAck: false });
          await rejectsWith(
            deleteOneMessage(mgr, vhost, q, fingerprintOf(2, peeked.messages[1]!), { queueType: type, deliveryLimit }),
            'DELETE_HAS_CONSUMERS',
            /1 consumer/,
          );
        } finally {
          await other.close();
        }
      });
    }

    test('quorum: refused when giving the messages ahead back could reach the delivery limit', async () => {
      const q = 'del-limited';
      await declare(q, 'quorum', { 'x-delivery-limit': 3 });
      await fill(q, 6);
      // Two peeks: every message has been returned twice (one return left before the limit).
      for (let i = 0; i < 2; i++)
        assert.equal(
          (await peekMessages(mgr, vhost, q, 6, { queueType: 'quorum', deliveryLimit: 3 })).messages.length,
          6,
        );
      const peeked = await peekMessages(mgr, vhost, q, 6, {
        queueType: 'quorum',
        deliveryLimit: 3,
        ignoreMemory: true,
      });
      // That third peek stopped after its first message (count 2): it is the one at position 1.
      assert.equal(peeked.messages.length, 1);
      await rejectsWith(
        deleteOneMessage(
          mgr,
          vhost,
          q,
          { position: 5, messageId: 'm-4', size: 6, bodyHash: '0' },
          { queueType: 'quorum', deliveryLimit: 3 },
        ),
        'DELETE_LIMIT',
        /Nothing was deleted/,
      );
      const depth = await mgr.withChannel(vhost, (ch) => ch.checkQueue(q));
      assert.equal(depth.messageCount, 6, 'nothing deleted, nothing dropped');
    });

    test('streams are refused', async () => {
      await declare('del-stream', 'stream');
      await rejectsWith(
        deleteOneMessage(mgr, vhost, 'del-stream', { position: 1, size: 0, bodyHash: '0' }, { queueType: 'stream' }),
        'DELETE_REFUSED',
        /stream/,
      );
    });
  });
}
