// End-to-end: the Connections view in a real VS Code (code-server), once per test broker: an
// outside amqplib connection with a client-provided name, a channel with prefetch 3 and a consumer,
// in a throw-away vhost; the view (collapsed by default) is opened, filtered on the name, and lists
// the connection (amqplib) and its channel (prefetch 3, one consumer) and the consumer's queue.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/connections-view.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import {
  startSession,
  openBurrowView,
  connectionReady,
  burrowContainer,
  expandRow,
  waitForRow,
  waitForRowDescription,
  runCommand,
  answerInput,
  screenshot,
  setSideBarWidth,
  parkMouse,
  step,
  type Session,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';

const PANE = 'Connections';

for (const B of BROKERS)
  describe(`Burrow Connections view in VS Code [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    let client: amqp.ChannelModel | undefined;
    const conn = connectionFor(B);
    const clientName = uniqueName('burrow-test-cv-e2e');
    const queue = uniqueName('cv');

    before(async () => {
      side = await BrokerSide.withVhost(B, 'connview');
      client = await amqp.connect(side.amqpUrl, { clientProperties: { connection_name: clientName } });
      const ch = await client.createChannel();
      await ch.assertQueue(queue, { durable: false });
      await ch.prefetch(3);
      await ch.consume(queue, () => undefined, { noAck: false });
      s = await startSession({ settings: conn.settings, label: B.id });
      await step(s, 'open-view', async () => {
        await openBurrowView(s.page);
        await connectionReady(s.page, conn); // the password, if the profile needs one
        const header = burrowContainer(s.page).locator('.pane-header', { hasText: PANE });
        if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
        await waitForRow(s.page, conn.name, 30_000, PANE);
      });
    });

    after(async () => {
      try {
        await client?.close().catch(() => undefined);
        await s?.close();
      } finally {
        await side?.cleanup();
      }
    });

    test('the view lists the test connection, its channel (prefetch 3) and the consumer', async () => {
      const page = s.page;
      await step(s, 'filter', async () => {
        await runCommand(page, 'Burrow: Filter Connections…');
        await answerInput(page, 'Filter connections by name', clientName);
        await expandRow(page, conn.name, 30_000, PANE);
      });
      const description = await step(s, 'connection-row', async () => {
        // Listed at once; its channel count comes with the broker's next statistics emission.
        const d = await waitForRowDescription(page, clientName, /amqplib.* · 1 channel/, 30_000, PANE);
        await expandRow(page, clientName, 30_000, PANE);
        return d;
      });
      assert.match(description, new RegExp(`^guest · vhost ${side.vhost} · amqplib \\S+ · running · 1 channel`));
      // Channel statistics come with the broker's next emission; the live refresh picks them up.
      const channel = await step(s, 'channel-row', () =>
        waitForRowDescription(page, 'Channel 1', /^prefetch 3 · 0 unacked · 1 consumer$/, 30_000, PANE),
      );
      assert.match(channel, /prefetch 3/);
      await step(s, 'consumer-row', async () => {
        await expandRow(page, 'Channel 1', 30_000, PANE);
        await waitForRowDescription(page, queue, /manual ack · prefetch 3/, 30_000, PANE);
        // For the README's picture: a wide side bar, the Brokers pane folded so the view has the room.
        await setSideBarWidth(page, 980).catch(() => undefined);
        const brokers = burrowContainer(page).locator('.pane-header', { hasText: 'Brokers' });
        if ((await brokers.getAttribute('aria-expanded')) === 'true') await brokers.click();
        await parkMouse(page);
        await screenshot(page, `connections-view-${B.id}`);
      });
    });
  });
