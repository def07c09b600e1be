// End-to-end: the packaged extension in VS Code 1.100.3 (code-server) driven by Chromium.
// Needs scripts/e2e-setup.sh once (see scripts/e2e.sh) and the RabbitMQ broker on 127.0.0.1.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/e2e.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSession,
  openBurrowView,
  waitForRow,
  expandRow,
  treeItems,
  waitForRowDescription,
  screenshot,
  step,
  type Session,
} from './harness';

describe('Burrow in VS Code', { timeout: 300_000 }, () => {
  let s: Session;

  before(async () => {
    s = await startSession();
  });

  after(async () => {
    await s?.close();
  });

  test('the Burrow view appears in the activity bar; expanding localhost shows vhost /', async () => {
    await step(s, 'open-burrow-view', () => openBurrowView(s.page));
    await step(s, 'localhost-row', () => waitForRow(s.page, 'localhost', 30_000));
    await step(s, 'expand-localhost', () => expandRow(s.page, 'localhost'));
    // The default connection really connects to the broker on 127.0.0.1 (status shown in the description).
    await step(s, 'localhost-connected', () => waitForRowDescription(s.page, 'localhost', /\bconnected\b/, 30_000));
    await step(s, 'vhost-row', () => waitForRow(s.page, '/', 30_000));
    await step(s, 'expand-vhost', () => expandRow(s.page, '/'));
    await step(s, 'vhost-children', async () => {
      await waitForRow(s.page, 'Exchanges');
      await waitForRow(s.page, 'Queues');
    });
    const rows = await step(s, 'tree-rows', async () => {
      const items = await treeItems(s.page);
      assert.deepEqual(
        items.slice(0, 4).map((r) => [r.label, r.level]),
        [['localhost', 1], ['/', 2], ['Exchanges', 3], ['Queues', 3]],
        `rows: ${JSON.stringify(items)}`,
      );
      return items;
    });
    const shot = await screenshot(s.page, 'explorer-tree');
    console.log(`[e2e] rows: ${JSON.stringify(rows)}; screenshot: ${shot}`);
  });
});
