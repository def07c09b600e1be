// End-to-end: the explorer's own bugs, in a real VS Code (code-server), once per test broker, each in a
// throw-away vhost of its own:
//   - Burrow's temporary tap queue (Tail in tap mode) shows as "Burrow tap (temporary) for <queue>", with
//     no destructive actions, while another client's amq.gen-… queue stays an ordinary queue row;
//   - Set Permissions… confirms what it set (user, vhost, the three regexes), refreshes the Permissions
//     row, and reports a broker refusal with its HTTP code.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/explorer.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  waitForRow,
  expandRow,
  contextMenu,
  answerInput,
  quickPick,
  waitForNotification,
  waitForRowDescription,
  runCommand,
  webviewFrame,
  setSideBarWidth,
  parkMouse,
  screenshot,
  step,
  poll,
  treeItems,
  queuesSession,
  type QueuesSession,
  type Session,
} from './harness';
import { uniqueName, type BrokerSide } from './broker';
import { BROKERS } from '../brokers';

/** The items of a tree row's context menu (the menu is closed again). */
async function contextMenuItems(page: Page, label: string | RegExp): Promise<string[]> {
  const row = await waitForRow(page, label, 30_000);
  await row.click({ button: 'right' });
  const menu = page.locator('.monaco-menu').first();
  await menu.waitFor({ state: 'visible' });
  const items = (await menu.locator('.action-item .action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  return items;
}

/** Runs "Burrow: Refresh" until `check` (over the tree rows) holds. */
async function refreshUntil(
  page: Page,
  what: string,
  check: (rows: { label: string; description: string }[]) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  await poll(
    what,
    async () => {
      if (check(await treeItems(page))) return true;
      await runCommand(page, 'Burrow: Refresh');
      return undefined;
    },
    timeoutMs,
    1_000,
  );
}

for (const B of BROKERS)
  describe(`Burrow explorer in VS Code: tap queues and permissions [${B.label}]`, { timeout: 600_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    let session: QueuesSession | undefined;
    const shot = (name: string) => screenshot(s.page, `${name}-${B.id}`);
    const qTapped = uniqueName('tapped');
    const xTopic = uniqueName('topic');
    const user = uniqueName('user');
    let otherClientQueue = '';

    before(async () => {
      session = await queuesSession(B, {
        prefix: 'explorer',
        queue: qTapped,
        prepare: async (prepared) => {
          await prepared.declareExchange(xTopic, 'topic');
          await prepared.bind(qTapped, xTopic, 'orders.*');
          // Another client's server-named queue (the tutorials' receiver): exclusive to the test's connection.
          otherClientQueue = await prepared.withChannel(
            async (ch) => (await ch.assertQueue('', { exclusive: true })).queue,
          );
          assert.match(otherClientQueue, /^amq\.gen-/);
          await prepared.mgmt('PUT', `/users/${encodeURIComponent(user)}`, { password: uniqueName('pw'), tags: '' });
        },
        cleanup: async (made) => {
          await made.mgmt('DELETE', `/users/${encodeURIComponent(user)}`).catch(() => undefined);
        },
        onViewOpen: async (page) => {
          await setSideBarWidth(page, 480).catch(() => undefined); // cosmetic only
        },
      });
      ({ s, side } = session);
    });

    after(async () => {
      await session?.close();
    });

    test("a running tap shows as Burrow's temporary tap, without destructive actions; another client's amq.gen- queue stays ordinary", async () => {
      const page = s.page;
      const tapLabel = `Burrow tap (temporary) for ${qTapped}`;
      await step(s, 'tap-start', async () => {
        await contextMenu(page, qTapped, 'Tail Messages…');
        const f = await webviewFrame(page, `Tail: ${qTapped}`, 30_000);
        await f.locator('vscode-radio[value="tap"][checked]').waitFor({ timeout: 30_000 });
        await f.locator('vscode-button#start').click();
        await f.locator('#status', { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
      });
      const tapQueues = [...(await side.names('queues'))].filter((q) => q.startsWith('burrow.tap.'));
      assert.equal(tapQueues.length, 1, `one tap queue on the broker: ${JSON.stringify(tapQueues)}`);
      assert.ok(tapQueues[0].startsWith(`burrow.tap.${qTapped}.`), tapQueues[0]);
      await step(s, 'tap-row', () =>
        refreshUntil(page, `the row "${tapLabel}"`, (rows) => rows.some((r) => r.label === tapLabel)),
      );
      const rows = await treeItems(page);
      assert.ok(!rows.some((r) => r.label.startsWith('burrow.tap.')), 'the tap is not listed under its raw name');
      assert.ok(
        rows.some((r) => r.label === otherClientQueue),
        `the other client's ${otherClientQueue} is listed as a queue`,
      );
      await parkMouse(page);
      await shot('explorer-tap-queue');

      const tapMenu = await step(s, 'tap-menu', () => contextMenuItems(page, tapLabel));
      assert.ok(tapMenu.includes('Copy Name'), `tap menu: ${JSON.stringify(tapMenu)}`);
      for (const destructive of [
        'Purge Queue…',
        'Delete Queue…',
        'Add Binding…',
        'Peek Messages…',
        'Tail Messages…',
        'Publish Message…',
      ]) {
        assert.ok(
          !tapMenu.some((i) => i.startsWith(destructive.replace('…', ''))),
          `"${destructive}" must not be offered on the tap: ${JSON.stringify(tapMenu)}`,
        );
      }
      const otherMenu = await step(s, 'other-menu', () => contextMenuItems(page, otherClientQueue));
      assert.ok(
        otherMenu.some((i) => /^Delete Queue/.test(i)),
        `an ordinary queue keeps its actions: ${JSON.stringify(otherMenu)}`,
      );
      assert.ok(
        otherMenu.some((i) => /^Purge/.test(i)),
        `an ordinary queue keeps its actions: ${JSON.stringify(otherMenu)}`,
      );

      await step(s, 'tap-stop', async () => {
        const f = await webviewFrame(page, `Tail: ${qTapped}`, 30_000);
        await f.locator('vscode-button#stop').click();
        await f.locator('#status', { hasText: /^stopped$/ }).waitFor({ timeout: 30_000 });
      });
      await step(s, 'tap-row-gone', () =>
        refreshUntil(page, `the row "${tapLabel}" to go`, (r) => !r.some((x) => x.label === tapLabel)),
      );
      assert.deepEqual(
        [...(await side.names('queues'))].filter((q) => q.startsWith('burrow.tap.')),
        [],
        'the tap queue is deleted',
      );
    });

    test('Set Permissions… confirms the user, vhost and regexes, refreshes the Permissions row, and reports a refusal with its HTTP code', async () => {
      const page = s.page;
      const set = async (configure: string, write: string, read: string) => {
        await contextMenu(page, 'Permissions', 'Set Permissions…');
        const qi = page.locator('.quick-input-widget');
        await qi.locator('.quick-input-box input').waitFor({ state: 'visible' });
        await qi.locator('.quick-input-box input').fill(user); // the broker may list many users
        await quickPick(page, user);
        await answerInput(page, 'Configure regex', configure);
        await answerInput(page, 'Write regex', write);
        await answerInput(page, 'Read regex', read);
      };
      await step(s, 'perm-expand', () => expandRow(page, 'Permissions', 30_000));
      await step(s, 'perm-set', () => set('^app\\.', '.*', ''));
      const message = await step(s, 'perm-confirmation', () =>
        waitForNotification(page, new RegExp(`set permissions of '${user}'`), 30_000),
      );
      assert.equal(
        message,
        `Burrow: set permissions of '${user}' in vhost '${side.vhost}': configure ^app\\. · write .* · read ∅.`,
      );
      const perms = await side.mgmt<{ configure: string; write: string; read: string }>(
        'GET',
        `/permissions/${encodeURIComponent(side.vhost)}/${encodeURIComponent(user)}`,
      );
      assert.deepEqual(
        { configure: perms.configure, write: perms.write, read: perms.read },
        { configure: '^app\\.', write: '.*', read: '' },
      );
      // The Permissions row was refreshed by the command itself (no manual refresh): the user's row is there.
      await step(s, 'perm-row', () =>
        waitForRowDescription(page, user, /configure \^app\\\. · write \.\* · read ∅/, 15_000),
      );
      await parkMouse(page);
      await shot('explorer-set-permissions');

      // A regex JavaScript accepts but RabbitMQ's PCRE refuses (a variable-length lookbehind): HTTP 400.
      await step(s, 'perm-refused', () => set('(?<=a+)b', '.*', '.*'));
      const refusal = await step(s, 'perm-refusal', () =>
        waitForNotification(
          page,
          new RegExp(`Set permissions of '${user}' in vhost '${side.vhost.replace(/[-]/g, '\\-')}' failed`),
          30_000,
        ),
      );
      assert.match(refusal, /\b400\b/, `the refusal names the HTTP code: ${refusal}`);
      const unchanged = await side.mgmt<{ configure: string }>(
        'GET',
        `/permissions/${encodeURIComponent(side.vhost)}/${encodeURIComponent(user)}`,
      );
      assert.equal(unchanged.configure, '^app\\.');
    });
  });
