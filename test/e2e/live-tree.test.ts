// End-to-end: the live tree, in a real VS Code (code-server), once per test broker, in a throw-away
// vhost: after messages are published from outside Burrow, the queue's row in the tree shows the new
// count within the refresh interval (default 5 s, plus the management API's statistics interval of
// 5 s) without any click or Refresh; the description is the compact "ready · unacked · Nc", and
// stays readable in a narrow (190 px) sidebar.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/live-tree.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import {
  expandRow,
  waitForRowDescription,
  setSideBarWidth,
  screenshot,
  step,
  queuesSession,
  type QueuesSession,
  type Session,
} from './harness';
import { uniqueName, type BrokerSide } from './broker';
import { BROKERS } from '../brokers';

/** Default refresh interval (5 s) + management statistics interval (5 s) + rendering slack. */
const LIVE_WITHIN_MS = 5_000 + 5_000 + 5_000;

for (const B of BROKERS)
  describe(`Burrow live tree in VS Code [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    let session: QueuesSession | undefined;
    let worker: amqp.ChannelModel | undefined;
    const queue = uniqueName('live');
    const workerName = uniqueName('worker');

    before(async () => {
      session = await queuesSession(B, { prefix: 'livetree', queue });
      ({ s, side } = session);
    });

    after(async () => {
      await worker?.close().catch(() => undefined);
      await session?.close();
    });

    test('a publish from outside Burrow shows in the tree within the refresh interval, without any click', async () => {
      const page = s.page;
      await step(s, 'live-empty', () => waitForRowDescription(page, queue, /^0 · 0 · 0c$/, LIVE_WITHIN_MS));
      await side.publish('', queue, ['a', 'b', 'c']);
      const published = Date.now();
      const description = await step(s, 'live-updated', () =>
        waitForRowDescription(page, queue, /^3 · 0 · 0c$/, LIVE_WITHIN_MS),
      );
      const took = Date.now() - published;
      assert.match(description, /^3 · 0 · 0c$/);
      console.log(`  the tree showed the outside publish after ${took} ms (no click)`);
      await step(s, 'live-narrow', async () => {
        await setSideBarWidth(page, 190);
        await side.publish('', queue, ['d', 'e']);
        await waitForRowDescription(page, queue, /^5 · 0 · 0c$/, LIVE_WITHIN_MS);
        await screenshot(page, `live-tree-narrow-${B.id}`);
      });
    });

    test('a consumer row shows its connection, library, unacked and prefetch', async () => {
      const page = s.page;
      // A tutorial worker: prefetch 1, manual ack, holding the message it got.
      worker = await amqp.connect(side.amqpUrl, { clientProperties: { connection_name: workerName } });
      const ch = await worker.createChannel();
      await ch.prefetch(1);
      await ch.consume(queue, () => undefined, { noAck: false });
      await step(s, 'consumer-row', async () => {
        await setSideBarWidth(page, 400);
        await expandRow(page, queue);
        // The channel's stats come with the broker's statistics interval, the row with the next tick.
        const d = await waitForRowDescription(
          page,
          `${workerName} (ch 1)`,
          /^amqplib · unacked 1\/1\b/,
          LIVE_WITHIN_MS,
        );
        assert.match(d, /^amqplib · unacked 1\/1\b/);
        await screenshot(page, `consumer-row-${B.id}`);
      });
    });
  });
