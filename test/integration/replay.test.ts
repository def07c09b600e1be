/**
 * Dead-letter replay (core/deadLetter.ts routes, broker/moveMessages.ts with `route`), on both
 * brokers, with a classic and a quorum dead-letter queue:
 *   - rejected and expired messages dead-lettered by the broker itself; a replay of the rejected
 *     ones only goes back to their original exchange and routing key, tagged, everything else kept;
 *     the expired ones stay in the DLQ in order;
 *   - 10,000 dead letters replayed through a TCP proxy that cuts every connection halfway (a reset;
 *     or the broker's side muted first, so that publishes arrive without their confirms): no
 *     message lost, and the duplicates reported (counted from the queues' depths) equal those found.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { moveMessages, type MoveResult } from '../../src/broker/moveMessages';
import { publishMany } from '../../src/broker/publish';
import { peekMessages } from '../../src/broker/peek';
import { REPLAY_HEADER, replayPreview, replayRoute } from '../../src/core/deadLetter';
import { singleQueueCounting } from '../../src/broker/duplicateCounting';
import { LazyTopology } from '../../src/broker/routingTopology';
import { BROKERS, managementClientOf, endpointOf, makeVhost, dropVhost, poll, cutWhenTaken } from './helpers';
import { depth as queueDepth, drainIds } from './queueMessages';

const FAULT_COUNT = 10_000;

for (const B of BROKERS) {
  describe(`dead-letter replay [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-replay');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-replay-${vhost}` }));
    });
    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    const depth = (q: string) => queueDepth(mgr, vhost, q);
    const waitDepth = (q: string, n: number) =>
      poll(`${n} messages in ${q}`, async () => ((await depth(q)) === n ? true : undefined), 60_000, 100);
    const dlqArgs = (type: 'classic' | 'quorum') => ({
      'x-queue-type': type,
      ...(type === 'quorum' && B.major >= 4 ? { 'x-delivery-limit': -1 } : {}),
    });

    for (const type of ['classic', 'quorum'] as const) {
      test(`${type} DLQ: replay the rejected messages to their origin, tagged; the expired ones stay`, async () => {
        const dlx = `dlx-${type}`;
        const dlq = `dlq-${type}`;
        const work = `work-${type}`;
        const ttl = `ttl-${type}`;
        const orders = `orders-${type}`;
        await mgr.withChannel(vhost, async (ch) => {
          await ch.assertExchange(dlx, 'fanout', { durable: true });
          await ch.assertExchange(orders, 'direct', { durable: true });
          await ch.assertQueue(dlq, { durable: true, arguments: dlqArgs(type) });
          await ch.bindQueue(dlq, dlx, '');
          await ch.assertQueue(work, { durable: true, arguments: { 'x-dead-letter-exchange': dlx } });
          await ch.bindQueue(work, orders, 'o.1');
          await ch.bindQueue(work, orders, 'o.2');
          await ch.assertQueue(ttl, {
            durable: true,
            arguments: { 'x-dead-letter-exchange': dlx, 'x-message-ttl': 0 },
          });
          await ch.bindQueue(ttl, orders, 'o.ttl');
        });
        await mgr.withConfirmChannel(vhost, async (ch) => {
          for (let i = 0; i < 6; i++)
            ch.publish(orders, i % 2 ? 'o.2' : 'o.1', Buffer.from(`{"id":${i}}`), {
              messageId: `r-${i}`,
              contentType: 'application/json',
              headers: { n: { '!': 'int64', value: String(i) } },
            });
          for (let i = 0; i < 3; i++) ch.publish(orders, 'o.ttl', Buffer.from(`t${i}`), { messageId: `e-${i}` });
          await ch.waitForConfirms();
        });
        await waitDepth(work, 6);
        // Reject the 6 in 'work' (requeue false): the broker dead-letters them with reason 'rejected'.
        await mgr.withChannel(vhost, async (ch) => {
          for (let i = 0; i < 6; i++) {
            const m = await ch.get(work, { noAck: false });
            assert.ok(m);
            ch.nack(m, false, false);
          }
          await ch.checkQueue(work);
        });
        await waitDepth(dlq, 9);

        const peeked = await peekMessages(mgr, vhost, dlq, 9, { queueType: type, deliveryLimit: null });
        const preview = replayPreview(peeked.messages, { reasons: ['rejected'] });
        assert.deepEqual(
          preview.rows
            .map((r) => [r.target.exchange, r.target.routingKey, r.count])
            .sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
          [
            [orders, 'o.1', 3],
            [orders, 'o.2', 3],
          ],
        );
        assert.equal(preview.staying, 3);

        const r = await moveMessages(
          mgr,
          vhost,
          dlq,
          { exchange: '', routingKey: '' },
          {
            mode: 'move',
            count: 'all',
            queueType: type,
            deliveryLimit: null,
            route: replayRoute({ reasons: ['rejected'] }),
            tagHeader: { name: REPLAY_HEADER, value: '2026-12-04T12:00:00.000Z' },
            targetLabel: 'their original exchanges',
            verb: 'Replayed',
          },
        );
        assert.equal(r.end, 'done', r.summary);
        assert.deepEqual(
          { done: r.counts.done, skipped: r.counts.skipped, lost: r.counts.lost },
          { done: 6, skipped: 3, lost: 0 },
        );
        assert.match(r.summary, /^Replayed 6 messages from queue '[^']+' to their original exchanges/);
        assert.match(r.summary, /3 messages left in the source \(3 not matching the filter\)/);
        await waitDepth(work, 6);
        await waitDepth(dlq, 3);
        const back = await peekMessages(mgr, vhost, work, 6, { queueType: 'classic' });
        assert.deepEqual(back.messages.map((m) => m.properties.messageId).sort(), [
          'r-0',
          'r-1',
          'r-2',
          'r-3',
          'r-4',
          'r-5',
        ]);
        for (const m of back.messages) {
          const i = Number(m.properties.messageId!.slice(2));
          assert.equal(m.routingKey, i % 2 ? 'o.2' : 'o.1', 'the original routing key');
          assert.equal(m.exchange, orders);
          assert.equal(m.properties.headers?.[REPLAY_HEADER], '2026-12-04T12:00:00.000Z');
          assert.deepEqual(m.properties.headers?.n, { '!': 'int64', value: String(i) }, 'typed headers kept');
          assert.ok(Array.isArray(m.properties.headers?.['x-death']), 'x-death kept');
          assert.equal(m.properties.contentType, 'application/json');
          assert.equal(new TextDecoder().decode(m.body), `{"id":${i}}`);
        }
        const left = await peekMessages(mgr, vhost, dlq, 3, { queueType: type, deliveryLimit: null });
        assert.deepEqual(
          left.messages.map((m) => m.properties.messageId),
          ['e-0', 'e-1', 'e-2'],
        );
      });

      for (const fault of ['reset', 'confirms lost, then reset'] as const)
        test(`${type} DLQ: a replay of ${FAULT_COUNT} with every connection cut halfway (${fault}) loses nothing and counts its duplicates exactly`, async () => {
          const tag = fault === 'reset' ? 'r' : 'm';
          const dlx = `fdlx-${type}-${tag}`;
          const dlq = `fdlq-${type}-${tag}`;
          const expire = `fexpire-${type}-${tag}`;
          const origin = `forigin-${type}-${tag}`;
          const replayed = `freplayed-${type}-${tag}`;
          await mgr.withChannel(vhost, async (ch) => {
            await ch.assertExchange(dlx, 'fanout', { durable: true });
            await ch.assertExchange(origin, 'direct', { durable: true });
            await ch.assertQueue(dlq, { durable: true, arguments: dlqArgs(type) });
            await ch.bindQueue(dlq, dlx, '');
            await ch.assertQueue(expire, {
              durable: true,
              arguments: { 'x-dead-letter-exchange': dlx, 'x-message-ttl': 0 },
            });
            await ch.bindQueue(expire, origin, 'k');
            await ch.assertQueue(replayed, { durable: true });
          });
          const pub = await publishMany(
            mgr,
            vhost,
            { exchange: origin, routingKey: 'k', body: Buffer.from(''), properties: {} },
            FAULT_COUNT,
            { messageAt: (i) => ({ body: Buffer.from(`dead ${i}`), properties: { messageId: `d-${i}` } }) },
          );
          assert.equal(pub.confirmed, FAULT_COUNT);
          await waitDepth(dlq, FAULT_COUNT);
          // Replay target: the origin exchange now routes 'k' to another queue (not back into the TTL queue).
          await mgr.withChannel(vhost, async (ch) => {
            await ch.unbindQueue(expire, origin, 'k');
            await ch.bindQueue(replayed, origin, 'k');
          });
          // Where the replay's target routes, read as the command reads it (for the exact count).
          const countIn = await singleQueueCounting(new LazyTopology(managementClientOf(B), vhost), [
            { exchange: origin, routingKey: 'k' },
          ]);
          assert.deepEqual(countIn.queues, [replayed]);
          const r: MoveResult = await cutWhenTaken(
            B,
            `burrow-test-replay-proxy-${vhost}`,
            { at: FAULT_COUNT / 2, how: fault },
            (viaProxy, onTaken) =>
              moveMessages(
                viaProxy,
                vhost,
                dlq,
                { exchange: '', routingKey: '' },
                {
                  mode: 'move',
                  count: 'all',
                  queueType: type,
                  deliveryLimit: null,
                  confirmTimeoutMs: 10_000,
                  route: replayRoute({ reasons: ['expired'] }),
                  countIn,
                  onTaken,
                },
              ),
          );
          assert.equal(r.end, 'fault', r.summary);
          // Settle, then take every id from both queues.
          let last = '';
          for (let i = 0; i < 100; i++) {
            const d = `${await depth(dlq)},${await depth(replayed)}`;
            if (d === last) break;
            last = d;
            await new Promise((res) => setTimeout(res, 400));
          }
          const drain = (q: string) => drainIds(mgr, vhost, q);
          const inDlq = await drain(dlq);
          const inReplayed = await drain(replayed);
          const all = new Set([...inDlq, ...inReplayed]);
          let lost = 0;
          for (let i = 0; i < FAULT_COUNT; i++) if (!all.has(`d-${i}`)) lost++;
          const dlqSet = new Set(inDlq);
          const duplicatesFound = inReplayed.filter((id) => dlqSet.has(id)).length;
          console.log(
            `[${B.label} ${type} DLQ] replay ${FAULT_COUNT}, ${fault} after ${FAULT_COUNT / 2} taken: replayed ${r.counts.done}, ` +
              `possible duplicates ${r.counts.possibleDuplicates} (certain ${r.counts.certainDuplicates}), duplicates reported ${r.counts.duplicates ?? '?'}, found ${duplicatesFound}, ` +
              `lost reported ${r.counts.lost}, lost found ${lost}; DLQ ${inDlq.length}, replayed queue ${inReplayed.length}`,
          );
          assert.equal(lost, 0);
          assert.equal(r.counts.lost, 0);
          assert.ok(
            duplicatesFound >= r.counts.certainDuplicates && duplicatesFound <= r.counts.possibleDuplicates,
            `duplicates found ${duplicatesFound} within [${r.counts.certainDuplicates}, ${r.counts.possibleDuplicates}]`,
          );
          assert.equal(r.counts.duplicates, duplicatesFound, `${r.summary} (${r.counts.duplicatesNote ?? ''})`);
          assert.equal(inDlq.length + inReplayed.length - duplicatesFound, FAULT_COUNT);
        });
    }
  });
}
