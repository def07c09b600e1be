// End-to-end: a definitions file in the workspace, in a real VS Code (code-server), once per test broker,
// against a throw-away vhost: the file's "Diff with broker" CodeLens asks for the vhost the file applies
// to, then opens VS Code's diff editor between the broker's normalized definitions and the file, and the
// diff shows the difference (the file has a queue the broker does not, and another queue's argument).
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
  type Session,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';
import { formatDefinitions, normalizeDefinitions } from '../../src/core/definitions';

for (const B of BROKERS)
  describe(`definitions file: Diff with broker [${B.label}]`, { timeout: 300_000 }, () => {
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
  });
