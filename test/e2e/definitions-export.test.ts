// End-to-end: Export Definitions… and Import Definitions from File… through their real dialogs, in a
// real VS Code (code-server), once per test broker, against a throw-away vhost with two queues, an
// exchange, a binding and a policy:
//   - Export from the vhost row's context menu: the save dialog (VS Code's simple file dialog, a quick
//     input taking a path) writes the file into the workspace; on disk it has the objects, in the
//     normal form (sorted keys and arrays), and no password hashes.
//   - Export again from the palette ("One virtual host", the vhost): the same bytes. The whole broker
//     from the palette with "Leave out password hashes": users without password_hash.
//   - Import: the exported file with one more queue, chosen in the open dialog; the modal says what it
//     creates (1) and that nothing is deleted; after "Apply" the broker has the new queue.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/definitions-export.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import {
  startSession,
  openBurrowView,
  connectionReady,
  expandRow,
  waitForRow,
  waitForRowDescription,
  contextMenu,
  runCommand,
  quickInput,
  quickPick,
  fileDialog,
  dialogButton,
  waitForNotification,
  notificationsText,
  allVisibleText,
  screenshot,
  step,
  poll,
  type Session,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';
import { formatDefinitions, isVhostLevel, normalizeDefinitions, type JsonObject } from '../../src/core/definitions';

type Entry = Record<string, unknown>;
type Defs = Record<string, unknown> & {
  queues?: Entry[];
  exchanges?: Entry[];
  bindings?: Entry[];
  policies?: Entry[];
  users?: Entry[];
  vhosts?: Entry[];
};

/**
 * Answers the quick picks a palette command shows before its dialog: `answers` maps a title pattern
 * to what to pick (a vhost is typed into the filter first: the list may hold many vhosts of other
 * suites). The connection picker (only shown when there are several) gets `connection`. Returns once
 * the quick input with the title `until` is shown (the next dialog), or a notification matches
 * `giveUpOn`.
 */
async function answerPicks(
  page: Page,
  connection: string,
  answers: [RegExp, string][],
  until: RegExp,
  timeoutMs = 30_000,
  giveUpOn?: RegExp,
): Promise<'shown' | 'gave up'> {
  const qi = quickInput(page);
  const answered = new Set<RegExp>();
  let connectionAnswered = false;
  return poll(
    `the prompts up to ${String(until)}`,
    async () => {
      if (giveUpOn && (await notificationsText(page)).some((t) => giveUpOn.test(t))) return 'gave up' as const;
      if (!(await qi.isVisible())) return undefined;
      const title = await qi
        .locator('.quick-input-title')
        .innerText()
        .catch(() => '');
      if (until.test(title)) return 'shown' as const;
      if (/choose a connection/i.test(title) && !connectionAnswered) {
        await quickPick(page, connection);
        connectionAnswered = true;
        return undefined;
      }
      for (const [re, answer] of answers) {
        if (!re.test(title) || answered.has(re)) continue;
        if (/vhost/i.test(title)) await qi.locator('.quick-input-box input').fill(answer);
        await quickPick(page, answer);
        answered.add(re);
      }
      return undefined;
    },
    timeoutMs,
    100,
  );
}

/** The file at `file` once it exists and parses (the command writes it, then opens it). */
async function readExport(file: string): Promise<{ text: string; defs: Defs }> {
  return poll(
    `${path.basename(file)} to be written`,
    () => {
      const text = fs.readFileSync(file, 'utf8');
      return { text, defs: JSON.parse(text) as Defs };
    },
    30_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; the folder has ${JSON.stringify(fs.readdirSync(path.dirname(file)))}`);
  });
}

/**
 * Waits until the editor tab of `file` is the active one and the editor has focus: the command
 * opens the file it wrote, and the next command palette must not open while that editor is still
 * taking focus (seen once: the palette's text typed into the file).
 */
async function waitForActiveTab(page: Page, file: string): Promise<void> {
  const name = path.basename(file);
  await poll(
    `the editor of ${name} to be active`,
    async () =>
      (
        await page
          .locator('.tab.active')
          .first()
          .innerText()
          .catch(() => '')
      ).includes(name),
    30_000,
  );
  // The editor takes focus last (keys typed before that would land in the file).
  await poll(
    `the editor of ${name} to have focus`,
    () => page.evaluate(() => document.activeElement?.closest('.monaco-editor') !== null),
    30_000,
  );
}

/** Every object's keys in sorted order, recursively (the normal form sorts them). */
function assertKeysSorted(v: unknown, where = '$'): void {
  if (Array.isArray(v)) v.forEach((x, i) => assertKeysSorted(x, `${where}[${i}]`));
  else if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    assert.deepEqual(keys, [...keys].sort(), `keys of ${where} not sorted`);
    for (const k of keys) assertKeysSorted((v as Record<string, unknown>)[k], `${where}.${k}`);
  }
}

for (const B of BROKERS)
  describe(`definitions: Export and Import dialogs [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    const conn = connectionFor(B);
    const base = uniqueName('dx');
    // Declared b before a: the export sorts by name whatever order the broker lists them in.
    const queueA = `${base}-a`;
    const queueB = `${base}-b`;
    const exchange = `${base}-x`;
    const policy = `${base}-p`;
    const imported = `${base}-imported`;
    let workspace: string;
    const fromTree = () => path.join(workspace, 'tree.definitions.json');
    const fromPalette = () => path.join(workspace, 'palette.definitions.json');
    const wholeBroker = () => path.join(workspace, 'broker.definitions.json');

    before(async () => {
      side = await BrokerSide.withVhost(B, 'dx');
      await side.declareQueue(queueB);
      await side.declareQueue(queueA);
      await side.declareExchange(exchange, 'topic');
      await side.bind(queueA, exchange, 'orders.#');
      await side.mgmt('PUT', `/policies/${encodeURIComponent(side.vhost)}/${encodeURIComponent(policy)}`, {
        pattern: `^${base}-`,
        definition: { 'max-length': 100 },
        'apply-to': 'queues',
        priority: 1,
      });
      s = await startSession({ settings: conn.settings, label: `definitions-export-${B.id}` });
      workspace = s.profile.workspace;
      await step(s, 'burrow-view', async () => {
        await openBurrowView(s.page);
        await connectionReady(s.page, conn);
        await expandRow(s.page, conn.name, 30_000);
        await waitForRowDescription(s.page, conn.name, /\bconnected\b/, 30_000);
        await waitForRow(s.page, side.vhost, 30_000);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side?.cleanup();
      }
    });

    test('Export from the vhost row: the save dialog writes the normal form with the objects and no password hashes', async () => {
      const page = s.page;
      await step(s, 'export-menu', () => contextMenu(page, side.vhost, 'Export Definitions…', 30_000));
      // From a vhost row: no scope or hash question, straight to the save dialog.
      await step(s, 'save-dialog', () => fileDialog(page, /save definitions as/, fromTree(), { timeoutMs: 30_000 }));
      const { text, defs } = await step(s, 'written', () => readExport(fromTree()));
      await step(s, 'opened', async () => {
        await waitForActiveTab(page, fromTree());
        await poll(
          'the exported file in the editor',
          async () => (await allVisibleText(page)).includes(exchange),
          30_000,
        );
      });

      assert.equal(text, formatDefinitions(normalizeDefinitions(JSON.parse(text))), 'not in the normal form');
      assertKeysSorted(defs);
      assert.ok(!text.includes('password_hash'));
      assert.equal(defs.users, undefined, 'a vhost export has no users');
      const queues = (defs.queues ?? []).map((q) => q.name);
      assert.deepEqual(queues, [queueA, queueB]);
      for (const q of defs.queues ?? []) assert.equal((q.arguments as Entry)['x-queue-type'], 'classic');
      // A vhost-level file (it applies to the vhost chosen for it): no `vhost` on any object, policies
      // included (3.10.8's export has one there).
      assert.ok(isVhostLevel(defs as JsonObject));
      assert.ok(!/"vhost"/.test(text), 'a vhost field in the vhost export');
      const x = (defs.exchanges ?? []).find((e) => e.name === exchange);
      assert.equal(x?.type, 'topic');
      assert.deepEqual(
        (defs.bindings ?? []).map((b) => [b.source, b.destination_type, b.destination, b.routing_key]),
        [[exchange, 'queue', queueA, 'orders.#']],
      );
      const p = (defs.policies ?? []).find((e) => e.name === policy);
      assert.deepEqual(p?.definition, { 'max-length': 100 });
      assert.equal(p?.['apply-to'], 'queues');
      await screenshot(page, `definitions-export-${B.id}`);
    });

    test('Export again from the palette: the same bytes; the whole broker leaves out password hashes', async () => {
      const page = s.page;
      await step(s, 'palette-vhost', async () => {
        await runCommand(page, 'Burrow: Export Definitions…');
        await answerPicks(
          page,
          conn.name,
          [
            [/export definitions of…\s*$/, 'One virtual host'],
            [/export definitions of vhost/, side.vhost],
          ],
          /save definitions as/,
        );
        await fileDialog(page, /save definitions as/, fromPalette(), { timeoutMs: 30_000 });
      });
      const again = await step(s, 'written-palette', () => readExport(fromPalette()));
      await step(s, 'opened-palette', () => waitForActiveTab(page, fromPalette()));
      assert.equal(again.text, fs.readFileSync(fromTree(), 'utf8'), 'a second export of the vhost differs');

      await step(s, 'palette-broker', async () => {
        // The whole shared broker's definitions (other suites' objects included, over a megabyte) can
        // take longer than the management client's 10 s on a loaded machine (seen once on 3.10.8 at
        // load 13 on 2 cores): that timeout, and only that, is retried.
        const timedOut = /Export definitions failed: .*did not answer within/;
        for (let attempt = 1; ; attempt++) {
          await runCommand(page, 'Burrow: Export Definitions…');
          const r = await answerPicks(
            page,
            conn.name,
            [
              [/export definitions of…\s*$/, 'Whole broker'],
              [/password hashes/, 'Leave out password hashes'],
            ],
            /save definitions as/,
            60_000,
            timedOut,
          );
          if (r === 'shown') break;
          if (attempt >= 3) throw new Error('the whole-broker export timed out 3 times');
          console.log(`[e2e] the whole-broker export timed out (attempt ${attempt}): retrying`);
          await runCommand(page, 'Notifications: Clear All Notifications');
        }
        await fileDialog(page, /save definitions as/, wholeBroker(), { timeoutMs: 30_000 });
      });
      const whole = await step(s, 'written-broker', () => readExport(wholeBroker()));
      await step(s, 'opened-broker', () => waitForActiveTab(page, wholeBroker()));
      assert.ok(!whole.text.includes('password_hash'), 'a password hash in the whole-broker export');
      assert.ok(
        (whole.defs.users ?? []).some((u) => u.name === 'guest'),
        'the whole-broker export has the users',
      );
      assert.ok((whole.defs.vhosts ?? []).some((v) => v.name === side.vhost));
      assert.ok((whole.defs.queues ?? []).some((q) => q.name === queueA && q.vhost === side.vhost));
      assertKeysSorted(whole.defs);
    });

    test('Import: the edited file chosen in the open dialog creates the new queue after the modal', async () => {
      const page = s.page;
      await step(s, 'close-editors', () => runCommand(page, 'View: Close All Editors'));
      // The exported file with one more queue, as a user would add it.
      const defs = JSON.parse(fs.readFileSync(fromTree(), 'utf8')) as Defs;
      defs.queues = [
        ...(defs.queues ?? []),
        { name: imported, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'classic' } },
      ];
      fs.writeFileSync(fromTree(), formatDefinitions(normalizeDefinitions(defs)));

      await step(s, 'import', async () => {
        await runCommand(page, 'Burrow: Import Definitions from File…');
        await fileDialog(page, /import definitions from/, fromTree(), { timeoutMs: 30_000 });
      });
      // The file was exported from this vhost in this session, so it applies there without asking;
      // if asked (connection, vhost), the answer is the same.
      const dialog = await step(s, 'confirm', async () => {
        await poll(
          'the apply modal (answering a connection / vhost prompt on the way)',
          async () => {
            if (await page.locator('.monaco-dialog-box').isVisible()) return true;
            const qi = quickInput(page);
            if (!(await qi.isVisible())) return undefined;
            const title = await qi
              .locator('.quick-input-title')
              .innerText()
              .catch(() => '');
            if (/choose a connection/i.test(title)) await quickPick(page, conn.name);
            else if (/to vhost/i.test(title)) {
              await qi.locator('.quick-input-box input').fill(side.vhost);
              await quickPick(page, side.vhost);
            }
            return undefined;
          },
          30_000,
          100,
        );
        return dialogButton(page, 'Apply', 30_000);
      });
      assert.match(dialog, /Apply tree\.definitions\.json to .*vhost/);
      assert.match(dialog, /1 to create, 0 to change, 0 to re-create, 0 to delete, 5 unchanged/);
      assert.match(dialog, /Nothing will be deleted/);
      await step(s, 'applied', () => waitForNotification(page, /applied tree\.definitions\.json/, 30_000));
      const q = await side.mgmt<{ durable: boolean; auto_delete: boolean }>(
        'GET',
        `/queues/${encodeURIComponent(side.vhost)}/${encodeURIComponent(imported)}`,
      );
      assert.equal(q.durable, true);
      assert.equal(q.auto_delete, false);
      // Nothing else changed: the vhost has the three queues, the exchange and the policy still.
      assert.deepEqual([...(await side.names('queues'))].sort(), [queueA, queueB, imported]);
      assert.ok((await side.names('exchanges')).has(exchange));
      await side.mgmt('GET', `/policies/${encodeURIComponent(side.vhost)}/${encodeURIComponent(policy)}`);
      await screenshot(page, `definitions-import-${B.id}`);
    });
  });
