// End-to-end: long lists and big vhosts in a real VS Code (code-server), once per test broker, in a
// throw-away vhost: the peek list of 300 messages keeps only the rows in view in the page, and the
// keyboard reaches the last one; the publish form's exchange picker finds an exchange that is not in
// its first page by asking the server. Speed is measured by `npm run bench:ui`, not here.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/ui-scale.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  contextMenu,
  webviewFrame,
  runCommand,
  answerTargetPrompts,
  collectErrors,
  step,
  poll,
  queuesSession,
  type QueuesSession,
  type Session,
} from './harness';
import { connectionFor, uniqueName, type BrokerSide } from './broker';
import { BROKERS } from '../brokers';
import { PICKER_PAGE } from '../../src/protocol/picker';

const MESSAGES = 300;
const EXCHANGES = 150;

for (const B of BROKERS)
  describe(
    `Burrow at scale in VS Code: virtualized peek list, server-side exchange picker [${B.label}]`,
    {
      timeout: 600_000,
    },
    () => {
      let s: Session;
      let side: BrokerSide;
      let session: QueuesSession | undefined;
      let errs: ReturnType<typeof collectErrors>;
      const conn = connectionFor(B);
      const queue = uniqueName('many');
      const exchanges = Array.from({ length: EXCHANGES }, (_, i) => `ex-${String(i).padStart(4, '0')}`);

      before(async () => {
        session = await queuesSession(B, {
          prefix: 'scale',
          queue,
          label: `scale-${B.id}`,
          prepare: async (prepared) => {
            await prepared.mgmt('POST', `/definitions/${encodeURIComponent(prepared.vhost)}`, {
              exchanges: exchanges.map((name) => ({
                name,
                type: 'direct',
                durable: false,
                auto_delete: false,
                internal: false,
                arguments: {},
              })),
            });
            await prepared.publish(
              '',
              queue,
              Array.from({ length: MESSAGES }, (_, i) => JSON.stringify({ n: i + 1 })),
              { contentType: 'application/json' },
            );
          },
          onStart: (started) => (errs = collectErrors(started.page)),
        });
        ({ s, side } = session);
      });

      after(async () => {
        await session?.close();
      });

      test(`peek of ${MESSAGES}: only the rows in view are in the page; End and Enter open the last message`, async () => {
        await step(s, 'peek-open', () => contextMenu(s.page, queue, 'Peek Messages…'));
        const f = await step(s, 'peek-webview', () => webviewFrame(s.page, `Peek: ${queue}`, 30_000));
        await step(s, 'peek-run', async () => {
          await f.locator('h1', { hasText: queue }).waitFor({ timeout: 30_000 });
          await f.locator('vscode-textfield#count input').fill(String(MESSAGES));
          await f.locator('vscode-button#peek').click();
          await f
            .locator('#summary', { hasText: new RegExp(`^\\s*${MESSAGES} messages in`) })
            .waitFor({ timeout: 60_000 });
        });
        const rendered = await f.locator('#messages .message').count();
        assert.ok(rendered > 0 && rendered < 100, `${rendered} of ${MESSAGES} rows in the page`);
        assert.equal(await f.locator('#messages').getAttribute('aria-rowcount'), String(MESSAGES));
        // Collapsed rows show their number; the first is #1.
        assert.match(await f.locator('#messages .message .head').first().innerText(), /#1\b/);

        await step(s, 'peek-keyboard-end', async () => {
          await f.locator('#messages .message .head').first().focus();
          await s.page.keyboard.press('End');
          await f.locator(`#messages .message.selected[data-index="${MESSAGES - 1}"]`).waitFor({ timeout: 15_000 });
          await s.page.keyboard.press('Enter');
        });
        const body = await step(s, 'peek-last-body', async () => {
          const pre = f.locator(`#messages .message[data-index="${MESSAGES - 1}"] pre.body`);
          await pre.waitFor({ timeout: 15_000 });
          return pre.innerText();
        });
        assert.deepEqual(JSON.parse(body), { n: MESSAGES }, 'the last message, expanded');
        assert.equal(await f.locator('#messages .message[data-index="0"]').count(), 0, 'the first row left the page');
        await step(s, 'peek-keyboard-home', async () => {
          await s.page.keyboard.press('Home');
          await f.locator('#messages .message.selected[data-index="0"]').waitFor({ timeout: 15_000 });
        });
        assert.equal(await side.queueDepth(queue), MESSAGES, 'peeking put every message back');
        await runCommand(s.page, 'View: Close All Editors');
      });

      test(`publish form: the exchange picker shows one page of ${EXCHANGES + 7} and finds the others on the server`, async () => {
        await step(s, 'pick-open', async () => {
          await runCommand(s.page, 'Burrow: Publish Message…');
          await answerTargetPrompts(s.page, conn.name, side.vhost);
        });
        const f = await step(s, 'pick-webview', () =>
          webviewFrame(s.page, `Publish: ${conn.name} ${side.vhost}`, 30_000),
        );
        const select = f.locator('vscode-single-select#exchange');
        const input = select.locator('input.combobox-input');
        await step(s, 'pick-first-page', async () => {
          await input.waitFor({ timeout: 30_000 });
          await poll('the default exchange to be shown', async () => (await input.inputValue()) === '(AMQP default)');
          // The vhost has 150 + 7 built-in exchanges: one page (PICKER_PAGE) is in the picker, the rest counted.
          await f
            .locator('#exchange-more', {
              hasText: new RegExp(`^\\s*${EXCHANGES + 7 - PICKER_PAGE} more — type to narrow\\s*$`),
            })
            .waitFor({ timeout: 30_000 });
        });
        assert.equal(await select.locator('vscode-option').count(), PICKER_PAGE);
        assert.equal(
          await select.locator('vscode-option[value="ex-0149"]').count(),
          0,
          'ex-0149 is past the first page',
        );

        await step(s, 'pick-search', async () => {
          await input.click();
          await input.pressSequentially('ex-0149');
          const option = select.locator('li.option', { hasText: /^\s*ex-0149\s*$/ }).first();
          await option.waitFor({ state: 'visible', timeout: 15_000 });
          await option.click();
          await poll('the picker to show ex-0149', async () => (await input.inputValue()) === 'ex-0149');
        });
        assert.equal(await f.locator('#exchange-more').count(), 0, 'every match is shown');
        // The selection is the draft's exchange: the routing key label follows it.
        await f.getByText('Routing key', { exact: true }).waitFor();
        assert.deepEqual(errs.webviewErrors(), [], 'no errors in the webviews');
        await runCommand(s.page, 'View: Close All Editors');
      });
    },
  );
