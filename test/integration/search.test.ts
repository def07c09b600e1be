/**
 * Searching a queue (src/broker/searchQueue.ts), on both brokers: classic and quorum queues are
 * scanned like a copy (matches reported as found, in order; the queue unchanged and in order
 * afterwards), a stream from an offset; cancel stops the scan with what was found.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { searchQueue } from '../../src/broker/searchQueue';
import { peekMessages } from '../../src/broker/peek';
import { BROKERS, endpointOf, makeVhost, dropVhost, poll } from './helpers';

const N = 1200;

for (const B of BROKERS) {
  describe(`search a queue [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-search');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-search-${vhost}` }));
    });
    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    const setup = async (q: string, type: string) => {
      await mgr.withChannel(vhost, (ch) =>
        ch.assertQueue(q, {
          durable: true,
          arguments: { 'x-queue-type': type, ...(type === 'quorum' && B.major >= 4 ? { 'x-delivery-limit': -1 } : {}) },
        }),
      );
      await mgr.withConfirmChannel(vhost, async (ch) => {
        for (let i = 0; i < N; i++)
          ch.sendToQueue(q, Buffer.from(i % 100 === 7 ? `{"order":${i},"state":"NEEDLE"}` : `{"order":${i}}`), {
            messageId: `s-${i}`,
            headers: i === 500 ? { tag: 'needle-in-header' } : {},
          });
        await ch.waitForConfirms();
      });
    };
    const expected = [...Array.from({ length: N / 100 }, (_, k) => k * 100 + 7), 500].sort((a, b) => a - b);

    for (const type of ['classic', 'quorum', 'stream'] as const) {
      test(`${type}: matches as found, in order, and the queue is unchanged`, async () => {
        const q = `search-${type}`;
        await setup(q, type);
        const found: { id: string; position: number }[] = [];
        let progressCalls = 0;
        const r = await searchQueue(mgr, vhost, q, 'needle', {
          max: N,
          queueType: type,
          deliveryLimit: null,
          onMatch: (m, position) => found.push({ id: String(m.properties.messageId), position }),
          onProgress: () => progressCalls++,
        });
        assert.equal(r.end, 'done', r.reason);
        assert.equal(r.scanned, N);
        const want = expected;
        assert.deepEqual(
          found.map((f) => f.id),
          want.map((i) => `s-${i}`),
        );
        assert.deepEqual(
          found.map((f) => f.position),
          want.map((i) => i + 1),
        );
        assert.equal(r.matches, want.length);
        assert.ok(progressCalls > 0);
        if (type !== 'stream') {
          await poll(
            'the queue back to its depth',
            async () =>
              (await mgr.withChannel(vhost, (ch) => ch.checkQueue(q))).messageCount === N ? true : undefined,
            10_000,
          );
          const again = await peekMessages(mgr, vhost, q, N, { queueType: type, deliveryLimit: null });
          assert.deepEqual(
            again.messages.map((m) => m.properties.messageId),
            Array.from({ length: N }, (_, i) => `s-${i}`),
            'every message back, in order',
          );
        }
      });
    }

    test('cancel stops the scan with what was found so far', async () => {
      const q = 'search-cancel';
      await setup(q, 'classic');
      const ac = new AbortController();
      const found: number[] = [];
      const r = await searchQueue(mgr, vhost, q, 'needle', {
        max: N,
        queueType: 'classic',
        signal: ac.signal,
        onMatch: (_m, position) => {
          found.push(position);
          if (found.length === 2) ac.abort();
        },
      });
      assert.equal(r.end, 'cancelled');
      assert.ok(r.scanned < N, `scanned ${r.scanned}`);
      assert.ok(r.matches >= 2 && r.matches === found.length);
      assert.equal((await mgr.withChannel(vhost, (ch) => ch.checkQueue(q))).messageCount, N);
    });
  });
}
