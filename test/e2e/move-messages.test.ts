// End-to-end: "Move Messages…" and "Copy Messages…" from a queue's context menu in the Burrow tree,
// in a real VS Code (code-server), once per test broker, in a throw-away vhost: choose the target
// queue, the count, confirm; the result notification has the counts, and the broker's queues agree
// (a move of 30 of 50 leaves 20; a copy of all leaves the source as it was). Then "Replay Dead
// Letters…" on a dead-letter queue (filter picker, preview dialog, tagged replay) and "Delete this
// message…" in the peek panel (confirmation with the caveat; exactly that message goes), and
// "Search Messages…" (the matches listed, the queue unchanged).
// Run: bash scripts/e2e.sh is the CI entry; alone: node --import tsx --test --test-concurrency=1 test/e2e/move-messages.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSession,
  openBurrowView,
  openVhostQueues,
  waitForRow,
  contextMenu,
  answerInput,
  quickPick,
  waitForNotification,
  webviewFrame,
  quickInput,
  dialogButton,
  parkMouse,
  screenshot,
  step,
  poll,
  type Session,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';

for (const B of BROKERS)
  describe(`Burrow move and copy messages in VS Code [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    const conn = connectionFor(B);
    const source = uniqueName('mv-src');
    const target = uniqueName('mv-dst');
    const dlq = uniqueName('mv-dlq');
    const work = uniqueName('mv-work');
    const orders = uniqueName('mv-orders');
    const dlx = uniqueName('mv-dlx');

    before(async () => {
      side = await BrokerSide.withVhost(B, 'move');
      await side.declareQueue(source);
      await side.declareQueue(target);
      await side.withChannel(async (ch) => {
        for (let i = 0; i < 50; i++) ch.sendToQueue(source, Buffer.from(`message ${i}`), { messageId: `m-${i}` });
        await ch.waitForConfirms();
      });
      // Dead letters: 4 messages published to `orders`, rejected from `work`, dead-lettered to `dlq`.
      await side.declareExchange(orders, 'direct');
      await side.declareExchange(dlx, 'fanout');
      await side.declareQueue(dlq);
      await side.bind(dlq, dlx, '');
      await side.withChannel(async (ch) => {
        await ch.assertQueue(work, { durable: true, arguments: { 'x-dead-letter-exchange': dlx } });
        await ch.bindQueue(work, orders, 'o.1');
        for (let i = 0; i < 4; i++) ch.publish(orders, 'o.1', Buffer.from(`order ${i}`), { messageId: `d-${i}` });
        await ch.waitForConfirms();
        for (let i = 0; i < 4; i++) {
          const m = await ch.get(work, { noAck: false });
          if (m) ch.nack(m, false, false);
        }
        await ch.checkQueue(work);
      });
      await poll('4 dead letters', async () => ((await side.queueDepth(dlq)) === 4 ? true : undefined), 15_000);
      s = await startSession({ settings: conn.settings, label: B.id });
      await step(s, 'open-queues', async () => {
        await openBurrowView(s.page);
        await openVhostQueues(s.page, conn, side.vhost);
        await waitForRow(s.page, source, 30_000);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side?.withChannel((ch) => ch.deleteQueue(work)).catch(() => undefined);
        await side?.cleanup();
      }
    });

    test('move 30 of 50 messages to another queue from the tree, then copy the rest', async () => {
      const page = s.page;
      const depths = () => Promise.all([side.queueDepth(source), side.queueDepth(target)]);
      await step(s, 'move', async () => {
        await contextMenu(page, source, 'Move Messages…');
        await quickPick(page, target);
        await answerInput(page, 'How many messages to move', '30');
        const dialog = await dialogButton(page, 'Move', 30_000);
        assert.match(dialog, new RegExp(`Move 30 messages from queue '${source}' to queue '${target}'`));
        assert.match(dialog, /publisher confirms/);
        const note = await waitForNotification(page, /Moved 30 messages/, 60_000);
        assert.match(note, /lost: 0/);
        await parkMouse(page);
        await screenshot(page, `move-messages-done-${B.id}`);
        assert.deepEqual(await depths(), [20, 30]);
      });
      await step(s, 'copy', async () => {
        await contextMenu(page, source, 'Copy Messages…');
        await quickPick(page, target);
        await answerInput(page, 'How many messages to copy', 'all');
        const dialog = await dialogButton(page, 'Copy', 30_000);
        assert.match(dialog, /gives them all back/);
        const note = await waitForNotification(page, /Copied 20 messages/, 60_000);
        assert.match(note, /lost: 0/);
        await poll(
          'the depths after the copy',
          async () => {
            const d = await depths();
            return d[0] === 20 && d[1] === 50 ? d : undefined;
          },
          15_000,
        );
      });
    });

    test('replay the dead letters from the tree: filter, preview, tagged', async () => {
      const page = s.page;
      await step(s, 'replay', async () => {
        await waitForRow(page, dlq, 30_000);
        await contextMenu(page, dlq, 'Replay Dead Letters…');
        const qi = quickInput(page);
        await qi.getByText(`rejected in '${work}'`).first().waitFor({ timeout: 30_000 });
        await page.keyboard.press('Enter');
        await answerInput(page, 'Only messages containing', '');
        const dialog = await dialogButton(page, 'Replay and Tag', 30_000);
        assert.match(dialog, new RegExp(`exchange '${orders}' with routing key 'o.1': 4`));
        assert.match(dialog, /0 stay in/);
        const note = await waitForNotification(page, /Replayed 4 messages/, 60_000);
        assert.match(note, /to their original exchanges/);
        assert.match(note, /lost: 0/);
        await poll(
          'the dead letters back in their queue',
          async () => {
            const d = await Promise.all([side.queueDepth(dlq), side.queueDepth(work)]);
            return d[0] === 0 && d[1] === 4 ? d : undefined;
          },
          15_000,
        );
        const tagged = await side.withChannel(async (ch) => {
          const m = await ch.get(work, { noAck: true });
          return m ? m.properties.headers?.['x-burrow-replayed'] : undefined;
        });
        assert.match(String(tagged), /^\d{4}-\d\d-\d\dT/);
      });
    });

    test('delete one message from the peek panel', async () => {
      const page = s.page;
      await step(s, 'delete-one', async () => {
        await contextMenu(page, target, 'Peek Messages…');
        const f = await webviewFrame(page, `Peek: ${target}`, 30_000);
        await f.locator('#summary', { hasText: /^10 messages/ }).waitFor({ timeout: 30_000 });
        // Expand the third message and delete it.
        await f.locator('.message[data-index="2"] > .head').click();
        await f.locator('.message[data-index="2"] vscode-button.delete-message').click();
        const dialog = await dialogButton(page, 'Delete Message', 30_000);
        assert.match(dialog, /Delete message #3 from queue/);
        assert.match(dialog, /classic queue they go back to their places, in order/);
        await f.getByText(/Deleted message #3/).waitFor({ timeout: 30_000 });
        await parkMouse(page);
        await screenshot(page, `delete-one-${B.id}`);
        assert.equal(await side.queueDepth(target), 49);
        const ids = await side.withChannel(async (ch) => {
          const out: string[] = [];
          for (let i = 0; i < 4; i++) {
            const m = await ch.get(target, { noAck: true });
            out.push(m ? String(m.properties.messageId) : '');
          }
          return out;
        });
        assert.deepEqual(ids, ['m-0', 'm-1', 'm-3', 'm-4']);
      });
    });

    test('search a queue: matches listed as found, the queue unchanged', async () => {
      const page = s.page;
      await step(s, 'search', async () => {
        await contextMenu(page, target, 'Search Messages…');
        await answerInput(page, 'Search messages in', 'message 4');
        await answerInput(page, 'How many messages to look at', 'all');
        const qi = quickInput(page);
        // 45 left (the delete test took #3 and then 4 more): bodies "message 40" … "message 49" match.
        await qi.locator('.quick-input-title', { hasText: /^10 matches for "message 4" in 45 messages/ }).waitFor({
          timeout: 30_000,
        });
        assert.equal((await qi.locator('.quick-input-list .monaco-list-row').count()) > 0, true);
        await screenshot(page, `search-${B.id}`);
        await page.keyboard.press('Escape');
        assert.equal(await side.queueDepth(target), 45);
      });
    });
  });
