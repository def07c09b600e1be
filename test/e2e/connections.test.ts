// End-to-end: adding a connection with a wrong password, in a real VS Code (code-server), against the
// local broker. Its own session, so the connection list starts from the default (localhost) profile.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/connections.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  startSession,
  openBurrowView,
  waitForRow,
  expandRow,
  rowLocator,
  runCommand,
  answerInput,
  waitForNotification,
  notificationsText,
  waitForRowDescription,
  contextMenu,
  dialogButton,
  treeAccessibleTexts,
  assertSecretNowhere,
  filesUnder,
  sessionLogs,
  setSideBarWidth,
  parkMouse,
  screenshot,
  step,
  poll,
  type Session,
} from './harness';

const PASSWORD = 'wrongpass';
const URI = `amqp://guest:${PASSWORD}@127.0.0.1:5672/%2F`;
const NAME = 'bad-login';

describe('Burrow connections in VS Code', { timeout: 300_000 }, () => {
  let s: Session;

  before(async () => {
    s = await startSession();
  });

  after(async () => {
    await s?.close();
  });

  test('a connection URI with a wrong password: a clear auth error, no crash, the password shown nowhere', async () => {
    const page = s.page;
    await step(s, 'open-burrow-view', async () => {
      await openBurrowView(page);
      await setSideBarWidth(page, 440).catch(() => undefined); // cosmetic only
      await waitForRow(page, 'localhost', 30_000);
    });
    await step(s, 'add-from-uri', async () => {
      await runCommand(page, 'Burrow: Add Connection from URI…');
      await answerInput(page, 'amqp://user:password@host', URI);
      await answerInput(page, 'Display name', NAME);
    });
    const message = await step(s, 'auth-error-notification', () =>
      waitForNotification(page, new RegExp(`${NAME}: AMQP ✗`), 30_000),
    );
    assert.match(message, /ACCESS_REFUSED|\b401\b|login refused/i, `notification: ${message}`);
    // Both halves report the login failure: AMQP (403 ACCESS_REFUSED) and management API (401).
    assert.match(message, /ACCESS_REFUSED/, `AMQP half: ${message}`);
    assert.match(message, /Management ✗.*\b401\b/i, `management half: ${message}`);
    await step(s, 'row-in-error', () => waitForRowDescription(page, NAME, /\berror\b/, 15_000));
    // Expanding the broken connection shows the error in the tree instead of failing silently.
    await step(s, 'expand-broken', async () => {
      await expandRow(page, NAME);
      await poll('an error row under the broken connection', async () => {
        const texts = await treeAccessibleTexts(page);
        return (
          texts.some((t) => /ACCESS_REFUSED|\b401\b|login refused|authentication/i.test(t) && !t.includes(NAME)) ||
          undefined
        );
      });
    });
    // The "testing…" progress toast goes away once the test has finished.
    await step(s, 'progress-done', () =>
      poll(
        'the "testing" progress notification to close',
        async () => !(await notificationsText(page)).some((t) => /testing bad-login/.test(t)),
        15_000,
      ),
    );
    await parkMouse(page);
    await screenshot(page, 'connection-wrong-password');

    await step(s, 'password-not-shown', async () => {
      assert.ok((await notificationsText(page)).length > 0);
      await assertSecretNowhere(s, PASSWORD);
      // Hover tooltip of the connection row (rendered on hover, not in aria-label).
      await rowLocator(page, NAME).hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').first();
      if (await hover.isVisible().catch(() => false))
        assert.ok(!(await hover.innerText()).includes(PASSWORD), 'password in the row tooltip');
      await parkMouse(page);
    });
    await step(s, 'password-not-in-settings-or-logs', async () => {
      const settingsFile = path.join(s.profile.userDataDir, 'User', 'settings.json');
      const settings = fs.readFileSync(settingsFile, 'utf8');
      assert.ok(settings.includes(`"${NAME}"`), `the connection is saved in settings.json:\n${settings}`);
      // The extension's own log (output channel "Burrow"), once it has the test-connection line.
      const burrowLog = await poll(
        'the Burrow log file to record the failed test',
        () => {
          const f = filesUnder(path.join(s.profile.userDataDir, 'logs')).find((x) =>
            x.endsWith(`${path.sep}Burrow.log`),
          );
          return f && /Test connection .*ACCESS_REFUSED/.test(fs.readFileSync(f, 'utf8')) ? f : undefined;
        },
        15_000,
      ).catch((e: Error) => {
        throw new Error(
          `${e.message} (no user-data/logs/**/Burrow.log: is @vscode/spdlog built? run scripts/e2e-setup.sh)`,
        );
      });
      assert.ok(sessionLogs(s).includes(burrowLog));
      await assertSecretNowhere(s, PASSWORD); // settings.json, its local history, every log
    });

    // Nothing crashed: the default connection still works.
    await step(s, 'localhost-still-works', async () => {
      await expandRow(page, 'localhost');
      await waitForRowDescription(page, 'localhost', /\bconnected\b/, 30_000);
      const notes = await notificationsText(page);
      assert.ok(
        !notes.some((n) => /extension host|terminated unexpectedly/i.test(n)),
        `notifications: ${JSON.stringify(notes)}`,
      );
    });

    // Clean up: remove the connection again (its secret goes with it).
    await step(s, 'remove-connection', async () => {
      await contextMenu(page, NAME, 'Remove Connection');
      const text = await dialogButton(page, 'Remove');
      assert.match(text, new RegExp(`Remove the connection '${NAME}'`));
      assert.ok(!text.includes(PASSWORD), 'password in the confirmation dialog');
      await rowLocator(page, NAME).waitFor({ state: 'detached', timeout: 15_000 });
      await poll(
        'the connection to leave settings.json',
        () => !fs.readFileSync(path.join(s.profile.userDataDir, 'User', 'settings.json'), 'utf8').includes(`"${NAME}"`),
      );
    });
  });
});
