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
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import * as http from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page, type FrameLocator, type Locator } from 'playwright-core';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const E2E_DIR = path.join(REPO_ROOT, '.e2e');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
export const FAILURE_DIR = path.join(E2E_DIR, 'failures');
const CODE_SERVER_VERSION = '4.100.3';
const TOOLS_DIR = path.join(REPO_ROOT, '.tools', 'code-server');
const CODE_SERVER_ENTRY = path.join(TOOLS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = '/usr/bin/chromium';

/** Id of the Burrow view container (contributes.viewsContainers.activitybar[].id) as VS Code renders it. */
export const BURROW_CONTAINER_ID = 'workbench.view.extension.burrow';

export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  // The workspace lives under .e2e/ inside the repo: keep the git extension from offering the parent repo.
  'git.openRepositoryInParentFolders': 'never',
};

// Waiting: the shared helpers (test/wait.ts); no fixed sleeps anywhere in the harness.
export { poll, waitForEvent } from '../wait';
import { poll } from '../wait';

// ------------------------------------------------------------------------------------------------
// Packaging, profile, install
// ------------------------------------------------------------------------------------------------

let packaged: Promise<string> | undefined;

/** Path of the vsix under test: $BURROW_VSIX, or `npm run package` in the repo root (once per process). */
export function packageExtension(): Promise<string> {
  const fromEnv = process.env.BURROW_VSIX;
  if (fromEnv) {
    const p = path.resolve(fromEnv);
    if (!fs.existsSync(p)) return Promise.reject(new Error(`BURROW_VSIX=${fromEnv} does not exist`));
    return Promise.resolve(p);
  }
  packaged ??= (async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      await execFileP(npm, ['run', 'package'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm run package failed: ${err.message}\n${(err.stdout ?? '').slice(-4000)}\n${(err.stderr ?? '').slice(-4000)}`);
    }
    const vsix = path.join(REPO_ROOT, 'burrow.vsix');
    if (!fs.existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
    return vsix;
  })();
  return packaged;
}

export interface Profile {
  /** The session's own temp dir under .e2e/ */
  dir: string;
  userDataDir: string;
  extensionsDir: string;
  /** Workspace folder opened in VS Code. */
  workspace: string;
  /** code-server's config file (kept inside the session so ~/.config is not touched). */
  configFile: string;
  logFile: string;
}

/** A fresh user-data-dir + extensions-dir + workspace under .e2e/, with User/settings.json written. */
export function createProfile(extraSettings: Record<string, unknown> = {}, workspaceFiles: Record<string, string> = {}): Profile {
  fs.mkdirSync(E2E_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(E2E_DIR, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-`));
  const profile: Profile = {
    dir,
    userDataDir: path.join(dir, 'user-data'),
    extensionsDir: path.join(dir, 'extensions'),
    workspace: path.join(dir, 'workspace'),
    configFile: path.join(dir, 'code-server.yaml'),
    logFile: path.join(dir, 'code-server.log'),
  };
  fs.mkdirSync(path.join(profile.userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(profile.extensionsDir, { recursive: true });
  fs.mkdirSync(profile.workspace, { recursive: true });
  fs.writeFileSync(profile.configFile, 'auth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(profile.userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...extraSettings }, null, 2) + '\n',
  );
  for (const [rel, content] of Object.entries(workspaceFiles)) {
    const f = path.join(profile.workspace, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
  }
  return profile;
}

function codeServerEnv(profile: Profile): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A VSCODE_IPC_HOOK_CLI inherited from a surrounding VS Code turns code-server into a CLI client.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.XDG_CONFIG_HOME = path.join(profile.dir, 'xdg-config');
  env.XDG_DATA_HOME = path.join(profile.dir, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(profile.dir, 'xdg-cache');
  return env;
}

function assertCodeServerInstalled(): void {
  const marker = path.join(TOOLS_DIR, `.ready-${CODE_SERVER_VERSION}`);
  if (!fs.existsSync(marker) || !fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not set up in .tools/ — run scripts/e2e-setup.sh first`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found — run scripts/e2e-setup.sh first`);
}

/** `code-server --install-extension VSIX` into the profile's extensions dir. */
export async function installExtension(profile: Profile, vsix: string): Promise<void> {
  assertCodeServerInstalled();
  const args = [
    CODE_SERVER_ENTRY,
    '--config', profile.configFile,
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--install-extension', vsix,
    '--force',
  ];
  try {
    const { stdout } = await execFileP(process.execPath, args, { env: codeServerEnv(profile), timeout: 120_000 });
    if (!/successfully installed/i.test(stdout)) throw new Error(`unexpected output: ${stdout}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`installing ${vsix} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

// ------------------------------------------------------------------------------------------------
// code-server process
// ------------------------------------------------------------------------------------------------

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface CodeServer {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** URL that opens the profile's workspace folder. */
  workbenchUrl: string;
  proc: ChildProcess;
  /** Kills the whole process tree (SIGTERM, then SIGKILL); idempotent. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();
process.on('exit', () => {
  // Last resort if a test crashed before teardown: never leave code-server (or its extension host) behind.
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts code-server on a free loopback port with the profile and waits until it answers HTTP. */
export async function startCodeServer(profile: Profile): Promise<CodeServer> {
  assertCodeServerInstalled();
  const port = await freePort();
  const log = fs.openSync(profile.logFile, 'a');
  const proc = spawn(
    process.execPath,
    [
      CODE_SERVER_ENTRY,
      '--config', profile.configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir', profile.userDataDir,
      '--extensions-dir', profile.extensionsDir,
      profile.workspace,
    ],
    // detached: own process group, so stop() can kill code-server, its server child, the extension host and ptys at once.
    { cwd: profile.workspace, env: codeServerEnv(profile), detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const pgid = proc.pid!;
  liveGroups.add(pgid);
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = `code-server exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (groupAlive(pgid)) {
        try {
          process.kill(-pgid, 'SIGTERM');
        } catch {
          /* gone */
        }
        try {
          await poll('code-server process group to exit', () => !groupAlive(pgid), 5000, 50);
        } catch {
          try {
            process.kill(-pgid, 'SIGKILL');
          } catch {
            /* gone */
          }
          await poll('code-server process group to die after SIGKILL', () => !groupAlive(pgid), 5000, 50).catch(() => undefined);
        }
      }
      if (exited === undefined) await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 2000))]);
      liveGroups.delete(pgid);
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await poll(`code-server to answer on ${url}/healthz`, async () => {
      if (exited) throw new Error(`${exited}; log:\n${tail(profile.logFile)}`);
      return (await httpStatus(`${url}/healthz`)) === 200;
    }, 60_000, 100);
  } catch (e) {
    await stop();
    if (exited) throw new Error(`${exited} before answering HTTP. Log tail:\n${tail(profile.logFile)}`);
    throw e;
  }
  return {
    port,
    url,
    workbenchUrl: `${url}/?folder=${encodeURIComponent(profile.workspace)}`,
    proc,
    stop,
  };
}

function tail(file: string, chars = 3000): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-chars);
  } catch {
    return '(no log)';
  }
}

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
export async function openWorkbench(browser: Browser, server: CodeServer): Promise<{ context: BrowserContext; page: Page }> {
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
      fs.rmSync(profile.dir, { recursive: true, force: true });
    } else {
      console.log(`[e2e] kept session dir ${path.relative(REPO_ROOT, profile.dir)} (logs: user-data/logs, code-server.log)`);
    }
  };
  try {
    await installExtension(profile, vsix);
    server = await startCodeServer(profile);
    browser = await launchBrowser();
    const { page } = await openWorkbench(browser, server);
    return { profile, server, browser, page, label: opts.label, markFailed: () => { failed = true; }, close };
  } catch (e) {
    failed = true;
    await close();
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------
// Workbench helpers
// ------------------------------------------------------------------------------------------------

function exact(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** The Burrow view container in the side bar. */
export function burrowContainer(page: Page): Locator {
  return page.locator(`[id="${BURROW_CONTAINER_ID}"]`);
}

/** The activity bar entry whose aria-label contains `label`. */
export function activityBarItem(page: Page, label = 'Burrow'): Locator {
  return page.locator('.part.activitybar li.action-item').filter({
    has: page.locator(`[aria-label*="${label}"]`),
  }).or(page.locator(`.part.activitybar li.action-item[aria-label*="${label}"]`)).first();
}

/** Clicks the Burrow activity bar item (unless the view is already showing) and waits for the view. */
export async function openBurrowView(page: Page, timeoutMs = 30_000): Promise<void> {
  const item = activityBarItem(page, 'Burrow');
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  const container = burrowContainer(page);
  if (!(await container.isVisible())) {
    // Clicking a checked item would close the side bar, so only click when the container is not visible.
    await item.click();
  }
  await container.waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Rows of the Burrow tree (the pane titled `paneTitle` if given, else the whole Burrow container). */
export function treeRowLocator(page: Page, paneTitle?: string): Locator {
  let scope = burrowContainer(page);
  if (paneTitle) {
    scope = scope.locator('.pane').filter({ has: page.locator('.pane-header .title', { hasText: paneTitle }) });
  }
  // Sticky-scroll copies of parent rows (shown at the top while scrolled) are not rows of their own.
  return scope.locator('.monaco-list-row:not(.monaco-tree-sticky-row)');
}

export interface TreeRow {
  label: string;
  description: string;
  /** 1-based depth (aria-level). */
  level: number;
  /** true/false for collapsible rows, undefined for leaves. */
  expanded: boolean | undefined;
}

/** Structured tree rows (label, description, level, expanded), in display order. */
export async function treeItems(page: Page, paneTitle?: string): Promise<TreeRow[]> {
  // No named inner functions in browser-side callbacks: tsx/esbuild would wrap them in __name(), which is
  // undefined in the page ("ReferenceError: __name is not defined").
  return treeRowLocator(page, paneTitle).evaluateAll((els) =>
    els.map((el) => {
      const name = (el.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim();
      const exp = el.getAttribute('aria-expanded');
      return {
        label: name || (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
        description: (el.querySelector('.label-description')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        level: Number(el.getAttribute('aria-level') ?? '0'),
        expanded: exp === null ? undefined : exp === 'true',
      };
    }),
  );
}

/** Texts of the tree rows ("label" or "label description"), in display order. */
export async function treeRows(page: Page, paneTitle?: string): Promise<string[]> {
  return (await treeItems(page, paneTitle)).map((r) => (r.description ? `${r.label} ${r.description}` : r.label));
}

/** The row whose label (`.label-name`, or the row text) equals `label` exactly, or matches a RegExp. */
export function rowLocator(page: Page, label: string | RegExp, paneTitle?: string): Locator {
  const re = typeof label === 'string' ? exact(label) : label;
  const rows = treeRowLocator(page, paneTitle);
  return rows.filter({ has: page.locator('.label-name', { hasText: re }) })
    .or(rows.filter({ hasText: re }))
    .first();
}

/**
 * Waits until a tree row whose label matches appears; returns its locator. In the Burrow tree (no
 * `paneTitle`) it scrolls to the row when it is out of view (see revealRow).
 */
export async function waitForRow(page: Page, label: string | RegExp, timeoutMs = 15_000, paneTitle?: string): Promise<Locator> {
  if (paneTitle === undefined) return revealRow(page, label, timeoutMs);
  const row = rowLocator(page, label, paneTitle);
  try {
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const rows = await treeRows(page, paneTitle).catch(() => [] as string[]);
    throw new Error(`no tree row ${String(label)} within ${timeoutMs} ms; rows: ${JSON.stringify(rows)}`);
  }
  return row;
}

/** Waits until the row labelled `label` has a description matching `re` (e.g. a connection status); returns it. */
export async function waitForRowDescription(
  page: Page,
  label: string,
  re: RegExp,
  timeoutMs = 15_000,
  paneTitle?: string,
): Promise<string> {
  let last: TreeRow | undefined;
  try {
    return await poll(`row ${label} with a description matching ${String(re)}`, async () => {
      last = (await treeItems(page, paneTitle)).find((r) => r.label === label);
      // Out of view in the Burrow tree (not rendered): scroll to it.
      if (!last && paneTitle === undefined) await revealRow(page, label, 3_000).catch(() => undefined);
      return last && re.test(last.description) ? last.description : undefined;
    }, timeoutMs, 200);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last ?? null)}`);
  }
}

/** Expands the row labelled `label` (no-op if expanded) and waits until it reports aria-expanded=true. */
export async function expandRow(page: Page, label: string | RegExp, timeoutMs = 15_000, paneTitle?: string): Promise<Locator> {
  const row = await waitForRow(page, label, timeoutMs, paneTitle);
  if ((await row.getAttribute('aria-expanded')) !== 'true') {
    const twistie = row.locator('.monaco-tl-twistie');
    if (await twistie.isVisible()) await twistie.click();
    else await row.click();
  }
  await poll(`row ${String(label)} to be expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true', timeoutMs);
  return row;
}

function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000): Promise<void> {
  const qi = quickInput(page);
  await page.locator('.monaco-workbench').focus().catch(() => undefined);
  await page.keyboard.press('F1');
  if (!(await qi.isVisible())) {
    await page.keyboard.press('Control+Shift+P');
  }
  await qi.waitFor({ state: 'visible', timeout: timeoutMs });
  const input = qi.locator('.quick-input-box input');
  await input.fill(`>${title}`);
  // Wait until the list shows an entry with this exact title, then pick it (highlighted first match).
  const entry = qi.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: exact(title) }),
  }).first();
  try {
    await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await qi.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    await page.keyboard.press('Escape');
    throw new Error(`command "${title}" not found in the command palette; shown: ${JSON.stringify(shown.slice(0, 10))}`);
  }
  await entry.click();
  await qi.waitFor({ state: 'hidden', timeout: timeoutMs }).catch(() => undefined); // may stay open for a follow-up prompt
}

/** Waits for a quick input / input box, types `text` and accepts with Enter. */
export async function quickInputType(page: Page, text: string, timeoutMs = 15_000): Promise<void> {
  const qi = quickInput(page);
  await qi.waitFor({ state: 'visible', timeout: timeoutMs });
  const input = qi.locator('.quick-input-box input');
  await input.fill(text);
  await input.press('Enter');
}

/** Picks the quick pick entry whose label matches, from a visible quick pick. */
export async function quickPick(page: Page, label: string | RegExp, timeoutMs = 15_000): Promise<void> {
  const qi = quickInput(page);
  await qi.waitFor({ state: 'visible', timeout: timeoutMs });
  const re = typeof label === 'string' ? exact(label) : label;
  const entry = qi.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: re }) }).first();
  await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  await entry.click();
}

/** Messages of the visible notification toasts. */
export async function notificationsText(page: Page): Promise<string[]> {
  const texts = await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  return texts.map((t) => t.trim()).filter(Boolean);
}

/** Waits for a notification toast whose message matches. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const re = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text;
  return poll(`a notification matching ${String(re)}`, async () => (await notificationsText(page)).find((t) => re.test(t)), timeoutMs);
}

/** Saves a screenshot to .e2e/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Visible text of the workbench (document.body.innerText), whitespace-trimmed. */
export async function workbenchText(page: Page): Promise<string> {
  const text = await page.evaluate(() => document.body.innerText);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
}

/** Dumps the visible workbench text and a screenshot to .e2e/failures/<name>.{txt,png}; returns a short summary. */
export async function dumpFailure(page: Page, name: string): Promise<string> {
  fs.mkdirSync(FAILURE_DIR, { recursive: true });
  const base = path.join(FAILURE_DIR, name.replace(/[^\w.-]+/g, '-'));
  let text = '(could not read page text)';
  try {
    text = await workbenchText(page);
    fs.writeFileSync(`${base}.txt`, text + '\n');
  } catch {
    /* page gone */
  }
  await page.screenshot({ path: `${base}.png` }).catch(() => undefined);
  return `screenshot: ${path.relative(REPO_ROOT, base)}.png\nvisible text:\n${text.slice(0, 3000)}`;
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
    const err = new Error(`step "${name}" failed: ${msg}\n${dump}\nsession dir: ${path.relative(REPO_ROOT, session.profile.dir)}`);
    if (e instanceof Error && e.stack) err.stack = `${err.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
    throw err;
  }
}

/**
 * The content frame of a webview whose title contains `titleContains`.
 * Webviews are nested iframes: `iframe.webview` (host) > `iframe#active-frame` (content, title = panel title).
 */
export async function webviewFrame(page: Page, titleContains: string, timeoutMs = 15_000): Promise<FrameLocator> {
  const sel = `iframe#active-frame[title*="${titleContains.replace(/"/g, '\\"')}"]`;
  const hostName = await poll(`a webview titled *${titleContains}*`, async () => {
    const hosts = page.locator('iframe.webview');
    const n = await hosts.count();
    for (let i = 0; i < n; i++) {
      const host = hosts.nth(i);
      if (!(await host.isVisible())) continue;
      if ((await host.contentFrame().locator(sel).count()) > 0) return (await host.getAttribute('name')) ?? undefined;
    }
    return undefined;
  }, timeoutMs, 200);
  // The host iframe's name is the webview's unique id, so this locator stays valid when other webviews open.
  return page.frameLocator(`iframe.webview[name="${hostName}"]`).frameLocator(sel);
}

// ------------------------------------------------------------------------------------------------
// Context menus, inline actions, dialogs, layout
// ------------------------------------------------------------------------------------------------

/** Right-clicks the tree row labelled `label` and picks `item` from its context menu (`.monaco-menu`). */
export async function contextMenu(page: Page, label: string | RegExp, item: string, timeoutMs = 15_000): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await contextMenuOnce(page, label, item, timeoutMs);
    // The tree re-renders a connection 250 ms after a burst of status changes (e.g. the publishing
    // connection opening after a first publish). A menu opened on the row just before runs its
    // command without a tree element, and the command then asks for a connection: close that
    // picker and open the menu again on the fresh row.
    const picker = page.locator('.quick-input-widget .quick-input-title', { hasText: /choose a connection/i });
    const asked = await picker.waitFor({ state: 'visible', timeout: 500 }).then(
      () => true,
      () => false,
    );
    if (!asked) return;
    if (attempt >= 3) throw new Error(`"${item}" on row ${String(label)} kept running without its tree element (the tree re-rendered under the menu)`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(400);
  }
}

async function contextMenuOnce(page: Page, label: string | RegExp, item: string, timeoutMs: number): Promise<void> {
  const row = await waitForRow(page, label, timeoutMs);
  await row.click({ button: 'right' });
  const menu = page.locator('.monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout: timeoutMs });
  const entry = menu.locator('.action-item .action-label', { hasText: exact(item) }).first();
  try {
    await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await menu.locator('.action-label').allInnerTexts().catch(() => [] as string[]);
    await page.keyboard.press('Escape');
    throw new Error(`no context menu item "${item}" on row ${String(label)}; shown: ${JSON.stringify(shown.filter(Boolean))}`);
  }
  // A click straight after the menu opened is sometimes ignored by VS Code's menu: hover the entry first
  // and wait until the menu has focused it, then click.
  const menuItem = menu.locator('.action-item').filter({ has: page.locator('.action-label', { hasText: exact(item) }) }).first();
  await poll(`context menu item "${item}" to take focus`, async () => {
    await entry.hover();
    return /\bfocused\b/.test((await menuItem.getAttribute('class', { timeout: 2_000 })) ?? '');
  }, timeoutMs, 100);
  await entry.click();
  try {
    await menu.waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch {
    throw new Error(`the context menu stayed open after clicking "${item}" on row ${String(label)}`);
  }
}

/** Hovers the tree row labelled `label` and clicks its inline action whose title (aria-label) is `title`. */
export async function inlineAction(page: Page, label: string | RegExp, title: string, timeoutMs = 15_000): Promise<void> {
  const row = await waitForRow(page, label, timeoutMs);
  await row.hover();
  const action = row.locator(`.actions .action-label[aria-label="${title.replace(/"/g, '\\"')}"]`).first();
  await action.waitFor({ state: 'visible', timeout: timeoutMs });
  await action.click();
}

/** Clicks the button labelled `button` in the visible modal dialog (e.g. a confirmation); returns the dialog text. */
export async function dialogButton(page: Page, button: string, timeoutMs = 15_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = (await dialog.innerText()).trim();
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: exact(button) }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
  return text;
}

/** Drags the side bar's sash so the side bar is about `width` px wide (for readable screenshots). */
export async function setSideBarWidth(page: Page, width: number): Promise<number> {
  const sidebar = page.locator('.part.sidebar');
  await sidebar.waitFor({ state: 'visible' });
  const box = await sidebar.boundingBox();
  if (!box) throw new Error('side bar has no bounding box');
  const y = box.y + box.height / 2;
  const edge = box.x + box.width;
  await page.mouse.move(edge - 1, y);
  await page.mouse.down();
  await page.mouse.move(edge + 20, y, { steps: 2 });
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  return poll(`the side bar to be about ${width} px wide`, async () => {
    const b = await sidebar.boundingBox();
    return b && Math.abs(b.width - width) <= 30 ? b.width : undefined;
  }, 5_000);
}

/** Moves the mouse to a neutral spot (status bar), so no hover or tooltip covers a screenshot. */
export async function parkMouse(page: Page): Promise<void> {
  const vp = page.viewportSize() ?? { width: 1400, height: 900 };
  await page.mouse.move(vp.width - 200, vp.height - 5, { steps: 4 });
  // A tree tooltip shown while the mouse rested on a row (e.g. under a closed context menu) can linger.
  const hover = page.locator('.workbench-hover-container, .monaco-hover:not(.hidden)').filter({ visible: true });
  const gone = async () => (await hover.count()) === 0;
  if (await gone()) return;
  await page.mouse.move(vp.width / 2, vp.height - 5, { steps: 4 });
  await page.mouse.move(vp.width - 200, vp.height - 5, { steps: 4 });
  if (!(await poll('hovers to close', gone, 3_000).catch(() => false))) {
    await page.keyboard.press('Escape');
    await poll('hovers to close after Escape', gone, 2_000).catch(() => undefined); // cosmetic only
  }
}

/** Every visible text a user could read: page text plus texts inside all webview frames. */
export async function allVisibleText(page: Page): Promise<string> {
  const parts = [await page.evaluate(() => document.body.innerText)];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    parts.push(await frame.evaluate(() => document.body?.innerText ?? '').catch(() => ''));
  }
  return parts.join('\n');
}

/** aria-labels (tree tooltips), titles and descriptions of all tree rows, for "is X shown anywhere" checks. */
export async function treeAccessibleTexts(page: Page): Promise<string[]> {
  return treeRowLocator(page).evaluateAll((els) =>
    els.flatMap((el) => [
      el.getAttribute('aria-label') ?? '',
      (el as HTMLElement).title ?? '',
      ...Array.from(el.querySelectorAll('[title], [aria-label]')).flatMap((c) => [c.getAttribute('title') ?? '', c.getAttribute('aria-label') ?? '']),
      (el as HTMLElement).innerText,
    ]).filter(Boolean),
  );
}

/**
 * Answers the input box whose prompt/title contains `promptContains` (waits for that prompt, so a
 * follow-up box is not confused with the previous one), types `text` and accepts with Enter.
 */
export async function answerInput(page: Page, promptContains: string | RegExp, text: string, timeoutMs = 15_000): Promise<void> {
  const qi = quickInput(page);
  const re = typeof promptContains === 'string' ? new RegExp(promptContains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : promptContains;
  await poll(`an input box asking ${String(re)}`, async () => {
    if (!(await qi.isVisible())) return undefined;
    const shown = [
      await qi.locator('.quick-input-message').innerText().catch(() => ''),
      await qi.locator('.quick-input-title').innerText().catch(() => ''),
      (await qi.locator('.quick-input-box input').getAttribute('aria-label').catch(() => '')) ?? '',
      (await qi.locator('.quick-input-box input').getAttribute('placeholder').catch(() => '')) ?? '',
    ].join('\n');
    return re.test(shown);
  }, timeoutMs);
  const input = qi.locator('.quick-input-box input');
  await input.fill(text);
  await input.press('Enter');
}

/**
 * Runs "Burrow: Refresh" until the row labelled `label` has a description matching `re` (the management
 * API's queue stats lag behind the broker by up to ~5 s); returns the description.
 */
export async function refreshUntilRowDescription(page: Page, label: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await waitForRowDescription(page, label, re, 2_500);
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error(String(last));
    await runCommand(page, 'Burrow: Refresh');
  }
}

/** Collects console errors and uncaught exceptions of the page and all its frames (webviews included). */
export function collectErrors(page: Page): { errors: string[]; webviewErrors(): string[] } {
  const errors: string[] = [];
  page.on('console', (m) => {
    // Messages logged inside webview frames come without a location URL (measured with code-server 4.100.3).
    if (m.type() === 'error') errors.push(`${m.location().url || '(webview?)'}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return {
    errors,
    webviewErrors: () =>
      errors.filter(
        (e) =>
          /^\(webview\?\)|webview\/browser\/pre\/|vscode-cdn|vscode-resource|Content Security Policy|Refused to/i.test(e) &&
          !/\[Extension Host\]/.test(e),
      ),
  };
}

/**
 * Waits for the tree row labelled `label` to be rendered wholly inside the Burrow tree's viewport,
 * scrolling the tree (mouse wheel) while it is not: the tree renders only the rows in view, and a
 * broker shared with other suites may list many vhosts above ours. Scrolls to the top, then down
 * through the list to its end, and again (the data may still be loading); nudges a row cut by the
 * viewport's edge into full view.
 */
export async function revealRow(page: Page, label: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
  const row = rowLocator(page, label);
  const list = burrowContainer(page).locator('.monaco-list').first();
  let phase: 'up' | 'down' = 'up';
  let lastIndexes = '';
  try {
    await poll(`tree row ${String(label)} (scrolling the tree to it)`, async () => {
      const visible = await row.isVisible();
      const box = await list.boundingBox();
      if (!box) return visible || undefined;
      let delta: number;
      if (visible) {
        const r = await row.boundingBox();
        if (!r) return undefined;
        if (r.y >= box.y - 1 && r.y + r.height <= box.y + box.height + 1) return true;
        delta = r.y < box.y ? -(box.y - r.y + 30) : r.y + r.height - (box.y + box.height) + 30;
      } else {
        // data-index: the row's position in the whole (virtual) list.
        const indexes = await treeRowLocator(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
        if (indexes.length === 0) return undefined;
        const key = indexes.join(',');
        if (phase === 'up' && Math.min(...indexes) === 0) phase = 'down';
        else if (phase === 'down' && key === lastIndexes) phase = 'up'; // the end: nothing moved
        lastIndexes = key;
        delta = phase === 'up' ? -2000 : 300;
      }
      await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 200));
      await page.mouse.wheel(0, delta);
      return undefined;
    }, timeoutMs, 150);
  } catch {
    const rows = await treeRows(page).catch(() => [] as string[]);
    throw new Error(`no tree row ${String(label)} within ${timeoutMs} ms; rows: ${JSON.stringify(rows)}`);
  }
  return row;
}

/** Enters the password of the connection row labelled `connection` through its "Set Password…" menu item. */
export async function setPasswordFromTree(page: Page, connection: string, password: string, username = 'guest'): Promise<void> {
  await contextMenu(page, connection, 'Set Password…', 30_000);
  await answerInput(page, `Password for ${username} on ${connection}`, password);
  await quickInput(page).waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * Makes the connection usable (its password, when it needs one), then expands it, its vhost `vhost`
 * and that vhost's Queues group. Assumes the Burrow view is open.
 */
export async function openVhostQueues(
  page: Page,
  conn: { name: string; password?: string },
  vhost: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitForRow(page, conn.name, timeoutMs);
  if (conn.password !== undefined) await setPasswordFromTree(page, conn.name, conn.password);
  await expandRow(page, conn.name, timeoutMs);
  await waitForRowDescription(page, conn.name, /\bconnected\b/, timeoutMs);
  await expandRow(page, vhost, timeoutMs);
  // The Queues group right under our vhost (other vhosts stay collapsed, so it is the only one shown).
  await expandRow(page, 'Queues', timeoutMs);
}
