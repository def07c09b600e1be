// End-to-end: the management URL of a connection to the RabbitMQ 4.x node on AMQP port 5673, in a
// real VS Code (code-server). "Add from URI" asks for the management URL (no :15672 guess); given the
// 3.10.8 broker's URL on purpose, Test Connection and the tree warn that AMQP and management reach
// different brokers; after Edit Connection fixes the URL the warning goes away.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/management-url.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BROKERS } from '../brokers';
import {
  startSession,
  openBurrowView,
  waitForRow,
  expandRow,
  runCommand,
  answerInput,
  quickPick,
  waitForNotification,
  waitForRowDescription,
  treeAccessibleTexts,
  contextMenu,
  dialogButton,
  rowLocator,
  screenshot,
  parkMouse,
  step,
  poll,
  type Session,
} from './harness';

const B4 = BROKERS.find((b) => b.id === 'rmq4');
const B3 = BROKERS.find((b) => b.id === 'rmq3');
const NAME = 'four-on-5673';

describe(
  `management URL of a connection on a non-standard AMQP port [${B4?.label ?? 'RabbitMQ 4.x'} + ${B3?.label ?? 'RabbitMQ 3.x'}]`,
  { timeout: 300_000, skip: (!B4 || !B3) && 'needs both brokers' },
  () => {
    let s: Session;

    before(async () => {
      s = await startSession();
    });

    after(async () => {
      await s?.close();
    });

    test('asked for, never guessed; a URL reaching the other broker is a plain warning in the notification and the tree; fixing it clears it', async () => {
      const page = s.page;
      await step(s, 'open-burrow-view', async () => {
        await openBurrowView(page);
        await waitForRow(page, 'localhost', 30_000);
      });
      await step(s, 'add-from-uri-asks-for-management-url', async () => {
        await runCommand(page, 'Burrow: Add Connection from URI…');
        await answerInput(page, 'amqp://user:password@host', `amqp://guest:guest@127.0.0.1:${B4!.amqpPort}/%2F`);
        await answerInput(page, 'Display name', NAME);
        // No default: the field is empty and says why. Give it the 3.10.8 broker's URL, the old guess.
        await answerInput(
          page,
          `AMQP port ${B4!.amqpPort} is not a standard port: enter the management URL, e.g. http://127.0.0.1:1${B4!.amqpPort}`,
          B3!.mgmtUrl,
        );
      });
      const warning = await step(s, 'mismatch-notification', () =>
        waitForNotification(page, /AMQP reaches RabbitMQ/, 30_000),
      );
      assert.match(
        warning,
        new RegExp(
          `AMQP reaches ${B4!.label.replace(/\./g, '\\.')} \\(cluster [^)]+\\) but the management URL reaches ${B3!.label.replace(/\./g, '\\.')} \\(cluster [^)]+\\): check the management URL`,
        ),
      );
      await step(s, 'tree-warns', async () => {
        await waitForRowDescription(page, NAME, /management URL reaches another broker/, 30_000);
        await expandRow(page, NAME);
        await poll(
          'a warning row under the connection',
          async () =>
            (await treeAccessibleTexts(page)).some((t) => /^Management URL reaches another broker/.test(t)) ||
            undefined,
          30_000,
        );
      });
      await parkMouse(page);
      await screenshot(page, 'management-url-mismatch');

      await step(s, 'fix-management-url', async () => {
        await contextMenu(page, NAME, 'Edit Connection…');
        await quickPick(page, 'Management URL');
        await answerInput(page, /Management API URL|management URL/, B4!.mgmtUrl);
        await quickPick(page, /Save and test/);
      });
      const ok = await step(s, 'ok-notification', () =>
        waitForNotification(page, new RegExp(`${NAME}: AMQP ✓.*Management ✓`), 30_000),
      );
      assert.match(ok, new RegExp(`Management ✓ .*${B4!.label.replace(/\./g, '\\.')}`));
      await step(s, 'tree-clear', async () => {
        await poll(
          'the warning to leave the tree',
          async () => {
            const texts = await treeAccessibleTexts(page);
            return !texts.some((t) => /management URL reaches/i.test(t)) || undefined;
          },
          30_000,
        );
      });

      await step(s, 'remove-connection', async () => {
        await contextMenu(page, NAME, 'Remove Connection');
        await dialogButton(page, 'Remove');
        await rowLocator(page, NAME).waitFor({ state: 'detached', timeout: 15_000 });
      });
    });
  },
);
