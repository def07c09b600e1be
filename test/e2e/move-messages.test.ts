// End-to-end: "Move Messages…" and "Copy Messages…" from a queue's context menu in the Burrow tree,
// in a real VS Code (code-server), once per test broker, in a throw-away vhost: choose the target
// queue, the count, confirm; the result notification has the counts, and the broker's queues agree
// (a move of 30 of 50 leaves 20; a copy of all leaves the source as it was). A stream offers neither.
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

    before(async () => {
      side = await BrokerSide.withVhost(B, 'move');
      await side.declareQueue(source);
      await side.declareQueue(target);
      await side.withChannel(async (ch) => {
        for (let i = 0; i < 50; i++) ch.sendToQueue(source, Buffer.from(`message ${i}`), { messageId: `m-${i}` });
        await ch.waitForConfirms();
      });
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
  });
