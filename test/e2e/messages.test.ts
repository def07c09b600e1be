// End-to-end: the publish, peek and tail panels in a real VS Code (code-server), once per test broker
// (RabbitMQ 3.x through the built-in localhost profile, 4.x through a profile with its own ports), each
// in a throw-away vhost of its own. One VS Code session per broker; the tests run in order and build on
// each other (publish → peek the same queue; tail → the XSS check reuses the running tail).
// Run: node --import tsx --test --test-concurrency=1 test/e2e/messages.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialog, FrameLocator } from 'playwright-core';
import {
  startSession,
  openBurrowView,
  openVhostQueues,
  waitForRow,
  contextMenu,
  inlineAction,
  refreshUntilRowDescription,
  webviewFrame,
  setSideBarWidth,
  parkMouse,
  collectErrors,
  screenshot,
  step,
  poll,
  type Session,
  confirmedResult,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';

const XSS = '<img src=x onerror=alert(1)>';

/** Texts of the tail panel's list rows, in display order: [routing key, preview]. */
async function tailRows(f: FrameLocator): Promise<[string, string][]> {
  return f.locator('#list .row').evaluateAll((els) =>
    els
      .map((el) => ({ top: parseFloat((el as HTMLElement).style.top) || 0, el }))
      .sort((a, b) => a.top - b.top)
      .map(
        ({ el }) =>
          [
            (el.querySelectorAll('.cell.mono')[0]?.textContent ?? '').trim(),
            (el.querySelector('.preview')?.textContent ?? '').trim(),
          ] as [string, string],
      ),
  );
}

/** `.value` of a custom element (vscode-textfield, vscode-single-select…) inside a webview. */
async function elementValue(f: FrameLocator, selector: string): Promise<string> {
  return f
    .locator(selector)
    .first()
    .evaluate((el) => String((el as HTMLInputElement).value ?? ''));
}

for (const B of BROKERS)
  describe(`Burrow panels in VS Code: publish, peek, tail [${B.label}]`, { timeout: 600_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    const conn = connectionFor(B);
    // Screenshots of the 3.x run keep their names (README pictures); the others carry the broker id.
    const shot = (name: string) => screenshot(s.page, B.id === 'rmq3' ? name : `${name}-${B.id}`);
    const publish = (...a: Parameters<BrokerSide['publish']>) => side.publish(...a);
    const queueDepth = (q: string) => side.queueDepth(q);
    const dialogs: string[] = [];
    let errs: ReturnType<typeof collectErrors>;
    // Test objects (uniquely named, deleted in after()).
    const qPub = uniqueName('pub');
    const qTail = uniqueName('tail');
    const qXss = uniqueName('xss');
    const xTopic = uniqueName('topic');
    const body = { order: { id: 42, items: ['apple', 'pear'] }, total: 3.5, note: 'e2e' };

    before(async () => {
      side = await BrokerSide.withVhost(B, 'msg');
      await side.declareQueue(qPub);
      await side.declareQueue(qTail);
      await side.declareQueue(qXss);
      await side.declareExchange(xTopic, 'topic');
      await side.bind(qTail, xTopic, 'orders.*');
      await publish('', qXss, [XSS], { contentType: 'text/html' });
      s = await startSession({ settings: conn.settings, label: B.id });
      errs = collectErrors(s.page);
      s.page.on('dialog', (d: Dialog) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
      await step(s, 'open-queues', async () => {
        await openBurrowView(s.page);
        await setSideBarWidth(s.page, 440).catch(() => undefined); // cosmetic only
        await openVhostQueues(s.page, conn, side.vhost);
        await waitForRow(s.page, qPub, 30_000);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side?.cleanup();
      }
    });

    test('publish a JSON message from the publish panel: confirmed, and the queue count goes up', async () => {
      await step(s, 'pub-queue-empty', () => refreshUntilRowDescription(s.page, qPub, /^0 · /));
      await step(s, 'pub-open-panel', () => contextMenu(s.page, qPub, 'Publish Message…'));
      const f = await step(s, 'pub-webview', () => webviewFrame(s.page, 'Publish', 30_000));
      await step(s, 'pub-prefilled', async () => {
        await f.locator('vscode-textfield#routingKey').waitFor({ timeout: 30_000 });
        // Opened from the queue: default exchange, routing key = queue name.
        await poll(
          'the routing key to be prefilled with the queue name',
          async () => (await elementValue(f, 'vscode-textfield#routingKey')) === qPub,
        );
        // The exchange box shows the default exchange by name (it used to stay blank).
        await poll(
          'the exchange box to show (AMQP default)',
          async () =>
            (await f.locator('vscode-single-select#exchange input.combobox-input').inputValue()) === '(AMQP default)',
        );
        await f.getByText('Queue (routing key)').waitFor();
      });
      await step(s, 'pub-type-body', async () => {
        const textarea = f.locator('vscode-textarea#body textarea');
        await textarea.fill(JSON.stringify(body));
        await f.locator('#json-status', { hasText: 'valid JSON' }).waitFor();
      });
      await step(s, 'pub-click-publish', () => f.locator('vscode-button#publish').click());
      const resultText = await step(s, 'pub-confirmed', async () => {
        // Depends only on the newest result row saying "confirmed" (its data-kind or its badge text) and
        // naming the queue: the rest of the row's wording may change.
        const result = await confirmedResult(f);
        return result.innerText();
      });
      assert.ok(resultText.includes(qPub), `the result names the queue: ${resultText}`);
      await parkMouse(s.page);
      await shot('publish-confirmed');
      assert.equal(await queueDepth(qPub), 1, 'the broker holds the published message');
      await step(s, 'pub-count-in-tree', () => refreshUntilRowDescription(s.page, qPub, /^1 · /));
    });

    test('peek shows the JSON body pretty-printed, and the message stays in the queue', async () => {
      await step(s, 'peek-open-panel', () => contextMenu(s.page, qPub, 'Peek Messages…'));
      const f = await step(s, 'peek-webview', () => webviewFrame(s.page, `Peek: ${qPub}`, 30_000));
      await step(s, 'peek-click', async () => {
        await f.locator('h1', { hasText: qPub }).waitFor({ timeout: 30_000 });
        await f.locator('vscode-button#peek').click();
      });
      const pre = await step(s, 'peek-body', async () => {
        const p = f.locator('.message pre.body').first();
        await p.waitFor({ timeout: 30_000 });
        return p.innerText();
      });
      assert.equal(pre.trim(), JSON.stringify(body, null, 2), 'the body is shown as pretty-printed JSON');
      // Exactly one message shown (the summary's wording is left to the peek panel).
      assert.equal(await f.locator('.message pre.body').count(), 1, 'one message peeked');
      await parkMouse(s.page);
      await shot('peek-json');
      assert.equal(await queueDepth(qPub), 1, 'peeking requeued the message');
      await step(s, 'peek-count-in-tree', () => refreshUntilRowDescription(s.page, qPub, /^1 · /));
    });

    test("tail in tap mode shows three messages published to the queue's topic exchange, in order", async () => {
      await step(s, 'tail-open-panel', () => contextMenu(s.page, qTail, 'Tail Messages…'));
      const f = await step(s, 'tail-webview', () => webviewFrame(s.page, `Tail: ${qTail}`, 30_000));
      await step(s, 'tail-start', async () => {
        await f.locator('h1', { hasText: qTail }).waitFor({ timeout: 30_000 });
        // Default mode: tap the queue's bindings.
        await f.locator('vscode-radio[value="tap"][checked]').waitFor();
        await f.locator('vscode-button#start').click();
        await f.locator('#status', { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
        await f.getByText(`Tapping 1 binding: ${xTopic} orders.*`).waitFor();
      });
      const sent = [
        ['orders.created', { n: 1, event: 'created' }],
        ['orders.paid', { n: 2, event: 'paid' }],
        ['orders.shipped', { n: 3, event: 'shipped' }],
      ] as const;
      for (const [key, msg] of sent)
        await publish(xTopic, key, [JSON.stringify(msg)], { contentType: 'application/json' });
      const rows = await step(s, 'tail-rows', () =>
        poll(
          'three rows in the tail list',
          async () => {
            const r = await tailRows(f);
            return r.length >= 3 ? r : undefined;
          },
          30_000,
        ),
      );
      assert.deepEqual(
        rows.map((r) => r[0]),
        sent.map(([k]) => k),
        `rows: ${JSON.stringify(rows)}`,
      );
      rows.forEach(([, preview], i) =>
        assert.equal(preview, JSON.stringify(sent[i][1], null, 2).replace(/\s+/g, ' '), `preview of row ${i + 1}`),
      );
      await step(s, 'tail-stats', () => f.locator('#stats', { hasText: /^\s*3 received/ }).waitFor());
      await step(s, 'tail-select', async () => {
        await f.locator('#list .row', { hasText: 'orders.paid' }).click();
        await f.locator('.message pre.body', { hasText: '"event": "paid"' }).waitFor();
      });
      // The tapped queue itself is untouched by the tap.
      assert.equal(await queueDepth(qTail), 3);
      await parkMouse(s.page);
      await shot('tail-tap');
    });

    test('a body with HTML is shown as text in tail and peek (no element, no script)', async () => {
      // Tail: the tail panel from the previous test is still open and running.
      const tf = await step(s, 'xss-tail-webview', () => webviewFrame(s.page, `Tail: ${qTail}`, 30_000));
      await publish(xTopic, 'orders.evil', [XSS], { contentType: 'text/html' });
      await step(s, 'xss-tail-row', async () => {
        const row = tf.locator('#list .row', { hasText: 'orders.evil' });
        await row.waitFor({ timeout: 30_000 });
        assert.equal((await row.locator('.preview').innerText()).trim(), XSS);
        await row.click();
        const pre = tf.locator('.message pre.body');
        await pre.waitFor();
        assert.equal((await pre.innerText()).trim(), XSS);
      });
      assert.equal(await tf.locator('img').count(), 0, 'no <img> element in the tail webview');
      await parkMouse(s.page);
      await shot('xss-tail');

      // Peek: the queue holds the same body (published before the session started).
      await step(s, 'xss-peek-open', () => inlineAction(s.page, qXss, 'Peek Messages…'));
      const pf = await step(s, 'xss-peek-webview', () => webviewFrame(s.page, `Peek: ${qXss}`, 30_000));
      await step(s, 'xss-peek-body', async () => {
        await pf.locator('h1', { hasText: qXss }).waitFor({ timeout: 30_000 });
        await pf.locator('vscode-button#peek').click();
        const pre = pf.locator('.message pre.body').first();
        await pre.waitFor({ timeout: 30_000 });
        assert.equal((await pre.innerText()).trim(), XSS);
        assert.equal(await pre.evaluate((el) => el.children.length), 0, 'the body is a text node, not markup');
      });
      assert.equal(await pf.locator('img').count(), 0, 'no <img> element in the peek webview');
      await parkMouse(s.page);
      await shot('xss-peek');
      assert.deepEqual(dialogs, [], 'no dialog (alert) was opened');
      assert.equal(await queueDepth(qXss), 1);
    });

    test('tail of 2,000 more messages: the webview holds only the rows on screen and gets older ones from the host when scrolled; filter', async () => {
      // The tail panel from the first tail test is still running, with 4 messages, behind the peek
      // panel: bringing it back reloads its webview, which asks the host for its rows again.
      await step(s, 'bulk-tab', () => s.page.locator('.tabs-container .tab', { hasText: `Tail: ${qTail}` }).click());
      const f = await step(s, 'bulk-webview', () => webviewFrame(s.page, `Tail: ${qTail}`, 30_000));
      const n = 2000;
      await publish(
        xTopic,
        'orders.bulk',
        Array.from({ length: n }, (_, i) => JSON.stringify({ i })),
        { contentType: 'application/json' },
      );
      await step(s, 'bulk-stats', () =>
        f
          .locator('#stats', { hasText: new RegExp(`^\\s*${n + 4} received .* ${n + 4} shown`) })
          .waitFor({ timeout: 60_000 }),
      );
      // Following the end: the last message is on screen, and the DOM has a window of rows, not 2,004.
      const end = await step(s, 'bulk-follow', () =>
        poll(
          'the newest row at the bottom',
          async () => {
            const r = await tailRows(f);
            return r.at(-1)?.[1] === `{ "i": ${n - 1} }` ? r : undefined;
          },
          30_000,
        ),
      );
      assert.ok(end.length < 200, `${end.length} rows in the DOM`);
      // Scrolled to the top: the host sends the first rows on request.
      await f.locator('#list').evaluate((el) => (el.scrollTop = 0));
      const top = await step(s, 'bulk-scroll-top', () =>
        poll(
          'the oldest rows after scrolling to the top',
          async () => {
            const r = await tailRows(f);
            return r[0]?.[0] === 'orders.created' ? r : undefined;
          },
          30_000,
        ),
      );
      assert.deepEqual(
        top.slice(0, 5).map((r) => r[0]),
        ['orders.created', 'orders.paid', 'orders.shipped', 'orders.evil', 'orders.bulk'],
      );
      assert.equal(top[4]![1], '{ "i": 0 }');
      assert.ok(top.length < 200, `${top.length} rows in the DOM`);
      // The filter runs on the host over the whole buffer.
      await f.locator('vscode-textfield#filter').click();
      await s.page.keyboard.type('orders.paid');
      await step(s, 'bulk-filter', () =>
        f.locator('#stats', { hasText: /\b1 shown \(filtered\)/ }).waitFor({ timeout: 30_000 }),
      );
      const filtered = await poll('one filtered row', async () => {
        const r = await tailRows(f);
        return r.length === 1 ? r : undefined;
      });
      assert.equal(filtered[0]![0], 'orders.paid');
      await s.page.keyboard.press('ControlOrMeta+A');
      await s.page.keyboard.press('Backspace');
      await step(s, 'bulk-unfilter', () =>
        f.locator('#stats', { hasText: new RegExp(`\\b${n + 4} shown ·`) }).waitFor({ timeout: 30_000 }),
      );
    });

    test('no CSP violations or script errors in the webviews', () => {
      assert.deepEqual(errs.webviewErrors(), [], `all console errors:\n${errs.errors.join('\n')}`);
      if (errs.errors.length)
        console.log(
          `[e2e] console errors seen (not from webviews):\n${errs.errors.map((e) => e.slice(0, 300)).join('\n')}`,
        );
    });
  });
