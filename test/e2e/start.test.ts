// `npm start` the way a newcomer runs it: on a free port (BURROW_PORT), wait for the printed URL, open
// it in headless Chromium, see Burrow connected with the demo topology in the tree, then Ctrl+C
// (SIGINT to the command's process group, as a terminal sends it) and check that everything is gone:
// the port is closed, no process of that code-server is left, the temp profile is deleted and the demo
// topology and its RPC server's connection are removed from the broker. On the way it opens the
// workspace's requests.amqp (npm start's copy of demo/requests.amqp) and runs its Call: the reply 55.
// Needs the brokers and .tools/ (scripts/e2e.sh); `npm start` packages the extension itself.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import type { Browser, Page } from 'playwright-core';
import {
  REPO_ROOT,
  freePort,
  launchBrowser,
  openWorkbench,
  openBurrowView,
  expandRow,
  waitForRow,
  waitForRowDescription,
  refreshUntilRowDescription,
  dumpFailure,
  runCommand,
  quickInput,
  codeLens,
  webviewFrame,
  poll,
  waitForEvent,
  within,
} from './harness';
import { mgmt } from './broker';
import { DEMO_EXCHANGES as ALL_DEMO_EXCHANGES, DEMO_QUEUES as ALL_DEMO_QUEUES } from '../../scripts/demoServer';

const DEMO_EXCHANGES = ALL_DEMO_EXCHANGES.map((x) => x.name);
const DEMO_QUEUES = ALL_DEMO_QUEUES.map((q) => q.name);

/** Pids of live processes whose command line or environment mentions `needle` (code-server and all its children carry the profile dir). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (fs.readFileSync(`/proc/${entry}/${file}`).includes(needle)) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        /* gone, or not ours */
      }
    }
  }
  return pids;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function namesIn(kind: 'queues' | 'exchanges'): Promise<Set<string>> {
  return new Set((await mgmt<{ name: string }[]>('GET', `/${kind}/%2F?columns=name`)).map((x) => x.name));
}

async function demoConnections(): Promise<number> {
  const conns = await mgmt<{ vhost: string; client_properties?: { connection_name?: string } }[]>(
    'GET',
    '/connections?columns=vhost,client_properties',
  );
  return conns.filter((c) => c.vhost === '/' && c.client_properties?.connection_name === 'Burrow demo').length;
}

describe('npm start', { timeout: 600_000 }, () => {
  test('npm start shows Burrow connected with the demo topology; Ctrl+C stops code-server and cleans up', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const queuesBefore = await namesIn('queues');
    const exchangesBefore = await namesIn('exchanges');
    const out = { text: '' };
    // detached: a process group of its own, like a command started in a terminal.
    const child: ChildProcess = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, BURROW_PORT: String(port) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out.text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out.text += d.toString()));
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? String(code))),
    );
    const running = () => child.exitCode === null && child.signalCode === null;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* the group is gone */
      }
    };
    let browser: Browser | undefined;
    let page: Page | undefined;
    let profileDir: string | undefined;
    try {
      const url = await waitForEvent<string>(
        'npm start to print the URL',
        (done) => {
          const check = () => {
            const m = /Burrow in VS Code: (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/.exec(out.text);
            if (m) done(m[1]!);
          };
          child.stdout!.on('data', check);
          void exited.then(() => done(''));
          return () => child.stdout!.off('data', check);
        },
        480_000,
      );
      assert.ok(url, `npm start exited before printing the URL:\n${out.text.slice(-4000)}`);
      console.log(`[npm start] URL printed after ${Date.now() - t0} ms`);
      assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), `the URL uses BURROW_PORT: ${url}`);
      profileDir = /Temp profile: (\S+)/.exec(out.text)?.[1];
      assert.ok(
        profileDir && fs.existsSync(profileDir),
        `the temp profile is printed and exists:\n${out.text.slice(-2000)}`,
      );

      browser = await launchBrowser();
      ({ page } = await openWorkbench(browser, { workbenchUrl: url }));
      await openBurrowView(page);
      await expandRow(page, 'localhost', 30_000);
      await waitForRowDescription(page, 'localhost', /\bconnected\b/, 30_000);
      await expandRow(page, '/', 30_000);
      await expandRow(page, 'Exchanges', 30_000);
      for (const x of DEMO_EXCHANGES) await waitForRow(page, x, 30_000);
      await expandRow(page, 'Queues', 30_000);
      for (const q of DEMO_QUEUES) await waitForRow(page, q, 30_000);
      // The demo's RPC server consumes from rpc_queue (the tree refreshes every 5 s in npm start's profile).
      await refreshUntilRowDescription(page, 'rpc_queue', / 1c\b/, 30_000);
      // The newcomer's request file is in the workspace: its Call gets the demo's reply.
      assert.equal(
        fs.readFileSync(path.join(profileDir, 'workspace', 'requests.amqp'), 'utf8'),
        fs.readFileSync(path.join(REPO_ROOT, 'demo', 'requests.amqp'), 'utf8'),
      );
      await runCommand(page, 'Go to File...');
      const qi = quickInput(page);
      await qi.locator('.quick-input-box input').fill('requests.amqp');
      await qi.locator('.quick-input-list .monaco-list-row', { hasText: 'requests.amqp' }).first().click();
      await (await codeLens(page, 'Fibonacci of 10', /^\s*Call\s*$/)).click();
      const results = await webviewFrame(page, 'Burrow Results', 30_000);
      const reply = results.locator('.result-entry[data-status="reply"]').first();
      await reply.waitFor({ timeout: 30_000 });
      assert.equal((await reply.locator('.message.reply pre.body').innerText()).trim(), '55');
    } catch (e) {
      if (page) console.log(await dumpFailure(page, 'npm-start'));
      console.log(`npm start output:\n${out.text.slice(-4000)}`);
      throw e;
    } finally {
      await browser?.close().catch(() => undefined);
      // Ctrl+C in a terminal: SIGINT to the whole foreground process group.
      if (running()) killGroup('SIGINT');
    }
    const stoppedAt = Date.now();

    try {
      const how = await within('npm start to exit after SIGINT', exited, 60_000);
      console.log(`[npm start] exited (${how}) ${Date.now() - stoppedAt} ms after SIGINT`);
      assert.match(out.text, /\[start\] stopped/, `start.ts cleaned up:\n${out.text.slice(-3000)}`);
      // start.ts exits 0 after cleaning up; npm itself may end by the SIGINT it got from the "terminal".
      assert.ok(['0', '130', 'SIGINT'].includes(how), `npm start ended with ${how}:\n${out.text.slice(-3000)}`);
      // start.ts waited for code-server's process group before it said "stopped": nothing is left.
      assert.equal(await portOpen(port), false, `port ${port} still open`);
      assert.deepEqual(processesMentioning(profileDir!), [], 'code-server processes left behind');
      assert.equal(fs.existsSync(profileDir!), false, 'the temp profile is deleted');
      const queuesAfter = await namesIn('queues');
      const exchangesAfter = await namesIn('exchanges');
      for (const q of DEMO_QUEUES) if (!queuesBefore.has(q)) assert.ok(!queuesAfter.has(q), `demo queue ${q} removed`);
      for (const x of DEMO_EXCHANGES)
        if (!exchangesBefore.has(x)) assert.ok(!exchangesAfter.has(x), `demo exchange ${x} removed`);
      // The management API lists a closed connection for a moment longer.
      await poll('the demo RPC server connection to be gone', async () => (await demoConnections()) === 0, 15_000);
    } catch (e) {
      console.log(`npm start output:\n${out.text.slice(-4000)}`);
      throw e;
    } finally {
      if (running()) killGroup('SIGKILL');
      if (profileDir) {
        for (const pid of processesMentioning(profileDir)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        fs.rmSync(profileDir, { recursive: true, force: true });
      }
      // What a failed clean-up left on the shared broker (only what was not there before).
      for (const q of DEMO_QUEUES)
        if (!queuesBefore.has(q)) await mgmt('DELETE', `/queues/%2F/${encodeURIComponent(q)}`).catch(() => undefined);
      for (const x of DEMO_EXCHANGES)
        if (!exchangesBefore.has(x))
          await mgmt('DELETE', `/exchanges/%2F/${encodeURIComponent(x)}`).catch(() => undefined);
    }
  });
});
