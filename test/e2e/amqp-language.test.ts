// End-to-end: the `.amqp` language in a real VS Code (code-server) against the 3.x broker through the
// built-in localhost profile: the file opens as AMQP, the live diagnostics mark a routing key that
// reaches no queue once the connection's session is open, completion lists a live queue, and hovering
// the exchange shows its type and bindings.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/amqp-language.test.ts
import { test, describe, before, after } from 'node:test';
import {
  startSession,
  openBurrowView,
  expandRow,
  waitForRowDescription,
  runCommand,
  quickInput,
  allVisibleText,
  screenshot,
  step,
  poll,
  type Session,
} from './harness';
import { BROKERS } from '../brokers';
import { createVhost, dropVhost, uniqueVhost } from '../integration/helpers';

const B = BROKERS.find((b) => b.amqpPort === 5672 && b.mgmtPort === 15672);

describe(`.amqp editing [${B?.label ?? 'no broker on 5672'}]`, { skip: !B && 'no broker on 5672/15672' }, () => {
  let s: Session;
  const vhost = uniqueVhost('burrow-e2e-amqp');
  const file = [
    '@connection = localhost',
    `@vhost = ${vhost}`,
    '',
    '### routed',
    'PUBLISH orders order.created',
    '',
    'hello',
    '',
    '### nowhere',
    'PUBLISH orders invoice.paid',
    '',
    'hello',
    '',
    '### peek',
    'PEEK ',
    '',
  ].join('\n');

  before(async () => {
    const v = encodeURIComponent(vhost);
    await createVhost(B!, vhost);
    await B!.mgmt('PUT', `/api/exchanges/${v}/orders`, { type: 'topic', durable: false });
    await B!.mgmt('PUT', `/api/queues/${v}/orders.created.q`, { durable: false });
    await B!.mgmt('POST', `/api/bindings/${v}/e/orders/q/orders.created.q`, { routing_key: 'order.*' });
    s = await startSession({ workspaceFiles: { 'orders.amqp': file }, label: 'amqp' });
  });

  after(async () => {
    try {
      await s?.close();
    } finally {
      await dropVhost(B!, vhost);
    }
  });

  test('an unroutable key is marked from the live topology, completion lists a live queue, hover shows the exchange', async () => {
    const page = s.page;
    // Diagnostics never open a session: the tree does.
    await step(s, 'open-session', async () => {
      await openBurrowView(page);
      await expandRow(page, 'localhost', 30_000);
      await waitForRowDescription(page, 'localhost', /\bconnected\b/, 30_000);
    });
    await step(s, 'open-file', async () => {
      await runCommand(page, 'Go to File...');
      const qi = quickInput(page);
      await qi.locator('.quick-input-box input').fill('orders.amqp');
      // Enter only once the file is listed (the search is asynchronous).
      await qi.locator('.quick-input-list .monaco-list-row', { hasText: 'orders.amqp' }).first().click();
      await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 30_000 });
      await poll('the file to open', async () => (await allVisibleText(page)).includes('invoice.paid'), 30_000);
    });
    await step(s, 'unroutable-diagnostic', async () => {
      await runCommand(page, 'Problems: Focus on Problems View');
      await poll(
        'the unroutable warning in the Problems view',
        async () =>
          /routing key 'invoice\.paid' reaches no queue from exchange 'orders'/.test(await allVisibleText(page)),
        30_000,
      );
      const text = await allVisibleText(page);
      if (/order\.created' reaches no queue/.test(text)) throw new Error('the routed key is marked too');
    });
    await step(s, 'completion-lists-queue', async () => {
      // The cursor at the end of the PEEK line (after 'PEEK '), in the editor.
      await page
        .locator('.monaco-editor .view-line', { hasText: /^PEEK\s*$/ })
        .first()
        .click();
      await page.keyboard.press('End');
      await page.keyboard.press('Control+Space');
      const widget = page.locator('.editor-widget.suggest-widget');
      await widget.waitFor({ state: 'visible', timeout: 15_000 });
      await poll(
        'orders.created.q in the suggestions',
        async () => (await widget.innerText()).includes('orders.created.q'),
        15_000,
      );
      await screenshot(page, 'amqp-completion');
      await page.keyboard.press('Escape');
    });
    await step(s, 'hover-exchange', async () => {
      await page
        .locator('.monaco-editor .view-line', { hasText: 'order.created' })
        .first()
        .locator('span', { hasText: /^orders$/ })
        .first()
        .hover();
      const hover = page.locator('.monaco-hover:not(.hidden)');
      await poll(
        'the exchange hover with its binding',
        async () => {
          const t = await hover.innerText().catch(() => '');
          return /orders: topic exchange/.test(t) && /order\.\*.*orders\.created\.q/s.test(t);
        },
        15_000,
      );
    });
  });
});
