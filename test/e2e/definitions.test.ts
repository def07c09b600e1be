// End-to-end: a definitions file in the workspace, in a real VS Code (code-server), once per test broker,
// against a throw-away vhost: the file's "Diff with broker" CodeLens asks for the vhost the file applies
// to, then opens VS Code's diff editor between the broker's normalized definitions and the file, and the
// diff shows the difference (the file has a queue the broker does not, and another queue's argument).
// Then "Apply to broker": the preview lists the re-create with the 2 messages it loses, the modal asks,
// and after "Apply, including deletions" the broker's queue has the file's argument and durability.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/definitions.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSession,
  openBurrowView,
  connectionReady,
  runCommand,
  quickInput,
  quickInputType,
  allVisibleText,
  screenshot,
  step,
  poll,
  codeLens,
  dialogButton,
  waitForNotification,
  type Session,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';
import { formatDefinitions, normalizeDefinitions } from '../../src/core/definitions';

for (const B of BROKERS)
  describe(`definitions file: Diff with broker, Apply to broker [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    const conn = connectionFor(B);
    const onBroker = uniqueName('defs-q');
    const onlyInFile = uniqueName('defs-file-only');

    before(async () => {
      side = await BrokerSide.withVhost(B, 'defs');
      await side.declareQueue(onBroker);
      const file = formatDefinitions(
        normalizeDefinitions({
          queues: [
            { name: onBroker, durable: true, auto_delete: false, arguments: { 'x-max-length': 10 } },
            { name: onlyInFile, durable: true, auto_delete: false, arguments: {} },
          ],
          exchanges: [],
          bindings: [],
        }),
      );
      s = await startSession({
        settings: conn.settings,
        workspaceFiles: { 'orders.definitions.json': file },
        label: `definitions-${B.id}`,
      });
      await step(s, 'burrow-view', async () => {
        await openBurrowView(s.page);
        await connectionReady(s.page, conn);
      });
      await step(s, 'open-file', async () => {
        await runCommand(s.page, 'Go to File...');
        const qi = quickInput(s.page);
        await qi.locator('.quick-input-box input').fill('orders.definitions.json');
        await qi.locator('.quick-input-list .monaco-list-row', { hasText: 'orders.definitions.json' }).first().click();
        await poll('the file to open', async () => (await allVisibleText(s.page)).includes(onlyInFile), 30_000);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side?.cleanup();
      }
    });

    test('the CodeLens opens a diff editor between the broker and the file, showing the difference', async () => {
      const page = s.page;
      await step(s, 'lens', async () => {
        await codeLens(page, '"queues"', /Apply to broker/);
        await (await codeLens(page, '"queues"', /Diff with broker/)).click();
      });
      await step(s, 'vhost', async () => {
        // The vhost the file applies to (a vhost-level file): typed into the filter, accepted with Enter.
        await quickInputType(page, side.vhost);
      });
      const diff = page.locator('.monaco-diff-editor').first();
      await step(s, 'diff-editor', async () => {
        await diff.waitFor({ state: 'visible', timeout: 30_000 });
        await poll(
          'the diff editor to show the file-only queue as inserted',
          async () => {
            const inserted = await diff
              .locator('.editor.modified .line-insert, .editor.modified .char-insert')
              .count()
              .catch(() => 0);
            const text = await diff.innerText().catch(() => '');
            return inserted > 0 && text.includes(onlyInFile) ? true : undefined;
          },
          30_000,
        );
      });
      const title = await page.locator('.tab.active').first().innerText();
      assert.match(title, /Broker \(.*vhost .*\) ↔ orders\.definitions\.json/);
      // The broker's side (left) has the queue as it is, without the file's argument.
      const original = await diff.locator('.editor.original').innerText();
      assert.ok(original.includes(onBroker), original.slice(0, 500));
      assert.ok(!original.includes(onlyInFile));
      assert.ok(!original.includes('x-max-length'));
      await screenshot(page, `definitions-diff-${B.id}`);
    });

    test('Apply to broker: the preview lists the re-create with the messages it loses; after the modal the broker matches the file', async () => {
      const page = s.page;
      await side.publish('', onBroker, ['one', 'two']);
      await poll(
        'the broker statistics to count 2 messages',
        async () => ((await side.getQueue(onBroker)).messages === 2 ? true : undefined),
        30_000,
      );
      await step(s, 'apply-lens', async () => {
        await runCommand(page, 'View: Close Editor'); // the diff; the file is the active editor again
        await (await codeLens(page, '"queues"', /Apply to broker/)).click();
      });
      // The target vhost was chosen for this file already: no prompt. The preview opens beside.
      await step(s, 'preview', async () => {
        await poll(
          'the apply preview',
          async () => {
            const text = (await allVisibleText(page)).replace(/\s+/g, ' '); // the preview wraps its lines
            return text.includes('Delete and re-create') && /\*\*2 message\(s\) lost\*\*/.test(text) ? true : undefined;
          },
          30_000,
        );
      });
      const dialog = await step(s, 'confirm', () => dialogButton(page, 'Apply, including deletions', 30_000));
      assert.match(dialog, /1 object\(s\) will be deleted/);
      assert.match(dialog, /2 message\(s\) will be lost/);
      await step(s, 'applied', () => waitForNotification(page, /applied orders\.definitions\.json/, 30_000));
      const q = await side.mgmt<{ durable: boolean; arguments: Record<string, unknown> }>(
        'GET',
        `/queues/${encodeURIComponent(side.vhost)}/${encodeURIComponent(onBroker)}`,
      );
      assert.equal(q.durable, true);
      assert.equal(q.arguments['x-max-length'], 10);
      await side.mgmt('GET', `/queues/${encodeURIComponent(side.vhost)}/${encodeURIComponent(onlyInFile)}`);
      await screenshot(page, `definitions-applied-${B.id}`);
    });
  });
