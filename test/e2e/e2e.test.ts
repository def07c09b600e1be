// End-to-end: the packaged extension in VS Code 1.100.3 (code-server) driven by Chromium.
// Needs scripts/e2e-setup.sh once (see scripts/e2e.sh) and the RabbitMQ broker on 127.0.0.1.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/e2e.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSession,
  refreshUntilRowDescription,
  setSideBarWidth,
  parkMouse,
  openBurrowView,
  waitForRow,
  expandRow,
  treeItems,
  waitForRowDescription,
  screenshot,
  step,
  type Session,
} from './harness';
import { TestObjects, publish, uniqueName } from './broker';

describe('Burrow in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  const objs = new TestObjects();
  const queue = uniqueName('tree');

  before(async () => {
    // A queue of our own with 2 messages, to see its count in the tree.
    await objs.declareQueue(queue);
    await publish('', queue, ['{"n":1}', '{"n":2}']);
    s = await startSession();
  });

  after(async () => {
    try {
      await s?.close();
    } finally {
      await objs.cleanup();
    }
  });

  test('the Burrow view appears in the activity bar; localhost expands to vhost /, its exchanges and queues with counts', async () => {
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
    await step(s, 'tree-rows', async () => {
      const items = await treeItems(s.page);
      assert.deepEqual(
        items.slice(0, 4).map((r) => [r.label, r.level]),
        [
          ['localhost', 1],
          ['/', 2],
          ['Exchanges', 3],
          ['Queues', 3],
        ],
        `rows: ${JSON.stringify(items)}`,
      );
      return items;
    });
    await step(s, 'widen-side-bar', () => setSideBarWidth(s.page, 440));
    await step(s, 'exchanges', async () => {
      await expandRow(s.page, 'Exchanges');
      await waitForRow(s.page, '(AMQP default)');
      await waitForRow(s.page, 'amq.topic');
      await waitForRowDescription(s.page, 'amq.topic', /^topic\b/);
      await waitForRowDescription(s.page, 'amq.fanout', /^fanout\b/);
    });
    await step(s, 'queues', async () => {
      await expandRow(s.page, 'Queues');
      await waitForRow(s.page, queue, 30_000);
    });
    // The management API's stats lag (~5 s): refresh until the queue shows its 2 messages.
    const description = await step(s, 'queue-count', () => refreshUntilRowDescription(s.page, queue, /^2 · /, 30_000));
    assert.match(description, /^2 · 0 · 0c$/);
    await parkMouse(s.page);
    const shot = await screenshot(s.page, 'explorer-tree');
    const rows = await treeItems(s.page);
    console.log(`[e2e] rows: ${JSON.stringify(rows.map((r) => [r.label, r.description]))}; screenshot: ${shot}`);
  });
});
