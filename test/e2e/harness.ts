// End-to-end harness: the packaged extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
// set up by scripts/e2e-setup.sh into .tools/) driven by Debian's Chromium through playwright-core.
//
// Typical use (see e2e.test.ts):
//   const s = await startSession({ settings: { ... } });
//   try { await openBurrowView(s.page); await expandRow(s.page, 'localhost'); } finally { await s.close(); }
//
// Env:
//   BURROW_VSIX=path      use this vsix instead of running `npm run package`
//   BURROW_E2E_KEEP=1     keep the session's temp dir (.e2e/run-*) even when the test passed
//   BURROW_E2E_HEADED=1   show the browser (needs a display)
//
// The parts: profile.ts (package, profile, install: shared with `npm start`), codeServer.ts (the
// code-server process), workbench.ts and tree.ts (page helpers); this file adds the browser and the
// session that ties them together, and re-exports the lot, so tests import from './harness' only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  CHROMIUM,
  REPO_ROOT,
  createProfile,
  installExtension,
  packageExtension,
  removeProfile,
  type Profile,
} from './profile';
import { startCodeServer, type CodeServer } from './codeServer';
import { allVisibleText, dumpFailure, notificationsText } from './workbench';
import { openBurrowView, openVhostQueues, treeAccessibleTexts, waitForRow } from './tree';
import { BrokerSide, connectionFor } from './broker';
import type { TestBroker } from '../brokers';

export * from './profile';
export * from './codeServer';
export * from './workbench';
export * from './tree';
export { poll, waitForEvent, within } from '../wait';

// ------------------------------------------------------------------------------------------------
// Browser
// ------------------------------------------------------------------------------------------------

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.BURROW_E2E_HEADED !== '1',
    args: CHROMIUM_ARGS,
  });
}

/** Opens the workbench in a new 1400x900 page and waits for `.monaco-workbench`. */
export async function openWorkbench(
  browser: Browser,
  server: Pick<CodeServer, 'workbenchUrl'>,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.workbenchUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { state: 'visible', timeout: 60_000 });
  // The activity bar is rendered once the workbench layout is done.
  await page.waitForSelector('.part.activitybar .action-item', { state: 'visible', timeout: 60_000 });
  return { context, page };
}

// ------------------------------------------------------------------------------------------------
// Session = profile + install + code-server + browser, with one close()
// ------------------------------------------------------------------------------------------------

export interface SessionOptions {
  /** Extra user settings, merged over BASE_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Files to create in the workspace folder (relative path -> content). */
  workspaceFiles?: Record<string, string>;
  /** vsix to install (default: packageExtension()). */
  vsix?: string;
  /** Prefix of this session's failure dumps (e.g. the broker id, when a file runs once per broker). */
  label?: string;
}

export interface Session {
  profile: Profile;
  server: CodeServer;
  browser: Browser;
  page: Page;
  /** See SessionOptions.label. */
  label?: string;
  /** Mark the session failed: close() then keeps the .e2e/run-* dir for inspection. */
  markFailed(): void;
  /** Closes the browser, kills code-server's process tree, removes the temp dir (unless failed/BURROW_E2E_KEEP). */
  close(): Promise<void>;
}

export async function startSession(opts: SessionOptions = {}): Promise<Session> {
  const vsix = opts.vsix ?? (await packageExtension());
  const profile = createProfile(opts.settings, opts.workspaceFiles);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let failed = false;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!failed && process.env.BURROW_E2E_KEEP !== '1') {
      removeProfile(profile);
    } else {
      console.log(
        `[e2e] kept session dir ${path.relative(REPO_ROOT, profile.dir)} (logs: user-data/logs, code-server.log)`,
      );
    }
  };
  try {
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    browser = await launchBrowser();
    const { page } = await openWorkbench(browser, server);
    return {
      profile,
      server,
      browser,
      page,
      label: opts.label,
      markFailed: () => {
        failed = true;
      },
      close,
    };
  } catch (e) {
    failed = true;
    await close();
    throw e;
  }
}

/**
 * Runs one named step; on failure dumps the workbench (text + screenshot), marks the session failed
 * (so its logs are kept) and rethrows with the dump attached.
 */
export async function step<T>(session: Session, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    session.markFailed();
    const dump = await dumpFailure(session.page, session.label ? `${session.label}-${name}` : name);
    const msg = e instanceof Error ? e.message : String(e);
    const err = new Error(
      `step "${name}" failed: ${msg}\n${dump}\nsession dir: ${path.relative(REPO_ROOT, session.profile.dir)}`,
    );
    if (e instanceof Error && e.stack) err.stack = `${err.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
    throw err;
  }
}

/** A session on a throw-away vhost's Queues group (queuesSession); close() ends it and deletes the vhost. */
export interface QueuesSession {
  s: Session;
  side: BrokerSide;
  close(): Promise<void>;
}

/**
 * The setup most suites share: a throw-away vhost on broker `B` (named after `prefix`) with `queue`
 * declared, `prepare` run on it, then a session (label `label`, default the broker's id) with the
 * Burrow view open on the vhost's Queues group and `queue`'s row shown (step "open-queues"). If any
 * of it fails, what was made is undone before the error is thrown (a failed before() leaves the
 * suite nothing to clean up with). close(): the session, then the vhost, also when the first fails.
 */
export async function queuesSession(
  B: TestBroker,
  opts: {
    prefix: string;
    queue: string;
    label?: string;
    prepare?: (side: BrokerSide) => Promise<void>;
    /** Right after the session starts (e.g. collectErrors on its page). */
    onStart?: (s: Session) => void;
    /** Once the Burrow view is open, before the vhost's Queues group is (e.g. a sidebar width). */
    onViewOpen?: (page: Page) => Promise<void>;
    /** What `prepare` made outside the vhost (a user…), undone by close() before the vhost. */
    cleanup?: (side: BrokerSide) => Promise<void>;
  },
): Promise<QueuesSession> {
  const side = await BrokerSide.withVhost(B, opts.prefix);
  let s: Session | undefined;
  const close = async () => {
    try {
      await s?.close();
    } finally {
      try {
        await opts.cleanup?.(side);
      } finally {
        await side.cleanup();
      }
    }
  };
  try {
    await side.declareQueue(opts.queue);
    await opts.prepare?.(side);
    const conn = connectionFor(B);
    const session = (s = await startSession({ settings: conn.settings, label: opts.label ?? B.id }));
    opts.onStart?.(session);
    await step(session, 'open-queues', async () => {
      await openBurrowView(session.page);
      await opts.onViewOpen?.(session.page);
      await openVhostQueues(session.page, conn, side.vhost);
      await waitForRow(session.page, opts.queue, 30_000);
    });
    return { s: session, side, close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------
// Secrets: shown nowhere
// ------------------------------------------------------------------------------------------------

/** All files under dir (recursively). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/** The session's log files: VS Code's (user-data/logs/**, Burrow.log among them) and code-server's. */
export function sessionLogs(session: Session): string[] {
  return [...filesUnder(path.join(session.profile.userDataDir, 'logs')), session.profile.logFile];
}

/**
 * Asserts that `secret` (a password) appears nowhere a user or a log reader could see it: the page
 * text (webviews included), notifications, tree labels and tooltips, settings.json and its local
 * history, and every log file of the session.
 */
export async function assertSecretNowhere(session: Session, secret: string): Promise<void> {
  const { page, profile } = session;
  if (!secret) throw new Error('assertSecretNowhere: empty secret');
  if ((await allVisibleText(page)).includes(secret)) throw new Error('password in the visible page text');
  for (const n of await notificationsText(page))
    if (n.includes(secret)) throw new Error(`password in a notification: ${n}`);
  for (const t of await treeAccessibleTexts(page))
    if (t.includes(secret)) throw new Error(`password in a tree label/tooltip: ${t}`);
  const files = [
    path.join(profile.userDataDir, 'User', 'settings.json'),
    ...filesUnder(path.join(profile.userDataDir, 'User', 'History')), // settings.json's local history
    ...sessionLogs(session),
  ];
  for (const f of files) {
    if (fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes(secret))
      throw new Error(`password in ${path.relative(profile.dir, f)}`);
  }
}
