// The webview bundles (dist/webview/*.js) rendering hostile content in a real browser.
//
// Each panel's bundle is loaded in headless Chromium in a page built like BasePanel's (same CSP:
// scripts only by nonce, no inline handlers), with a fake acquireVsCodeApi. The test then posts the
// host -> webview messages a hostile broker could fill: message bodies, header names and values,
// queue, exchange and routing-key names, error texts. It checks that:
//   - no element, attribute or script from the content exists anywhere in the DOM (shadow roots too);
//   - nothing tried to run or load (no CSP violation, no dialog, no console error, no page error);
//   - every hostile text is shown literally (as text, or as the value of a form field).
// No broker and no VS Code: only the bundles (built here with `node scripts/build.mjs`) and Chromium.
//
// The per-panel messages are in PANELS just below: adapt them there when the protocol changes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, launchBrowser, poll } from './harness';

// ------------------------------------------------------------------------------------------------
// Hostile content
// ------------------------------------------------------------------------------------------------

/** Each payload marks what it would inject with data-pwn, and calls window.__pwned if it ever runs. */
const H = {
  img: `<img src=x onerror="window.__pwned('img')" data-pwn="img">`,
  script: `<script data-pwn="script">window.__pwned('script')</script>`,
  textarea: `</textarea></pre></td><img src=x onerror="window.__pwned('textarea')" data-pwn="textarea">`,
  svg: `<svg onload="window.__pwned('svg')" data-pwn="svg"><a href="javascript:window.__pwned('href')">x</a></svg>`,
  attr: `" onfocus="window.__pwned('attr')" autofocus data-pwn="attr" x="`,
  rtl: `invoice\u202Efdp.exe\u202C (RTL override)`,
  control: `nul:\u0000 bell:\u0007 esc:\u001b[31mred\u001b[0m del:\u007f bs:\b cr:\r end`,
  template: '${alert(1)} {{constructor.constructor("alert(1)")()}} %s %n',
};
const ALL = Object.values(H).join(' | ');
/** A 1 MB body with a payload in the middle: what the publish form gets when a 1 MB file is loaded as the body. */
const BIG = 'A'.repeat(512 * 1024) + H.img + 'B'.repeat(512 * 1024);
/**
 * The longest body text the host sends to the message views (DEFAULT_MAX_CHARS in src/core: it cuts
 * a 1 MB body to its first 100,000 characters and sets truncated), with a payload in the middle.
 */
const CAPPED = 'C'.repeat(50_000) + H.img + 'D'.repeat(50_000 - H.img.length);
const END = (panel: string) => `end of hostile fixture for ${panel} ${H.img}`;

const target = (extra: Record<string, unknown> = {}) => ({
  profileId: 'p1',
  profileName: `conn ${H.script}`,
  vhost: `vh ${H.rtl}`,
  ...extra,
});

const field = (name: string, value: string, type = 'string') => ({ name, value, type });

/** A DisplayMessage (src/protocol/common.ts) full of hostile text. */
function message(id: number, body = ALL, truncated = false) {
  return {
    id,
    exchange: `ex ${H.svg}`,
    routingKey: `rk ${H.textarea}`,
    redelivered: true,
    size: truncated ? 1024 * 1024 : body.length,
    receivedAt: 1_700_000_000_000,
    properties: [field('content_type', `text/html ${H.attr}`), field('message_id', `id ${H.control}`)],
    headers: [field(`hdr ${H.img}`, `val ${H.script}`), field(`x-rtl ${H.rtl}`, `${H.template}`, 'json')],
    deaths: [[field('queue', `dlq ${H.img}`), field('reason', `rejected ${H.textarea}`)]],
    body: { kind: 'text' as const, text: body, truncated },
  };
}

type Step = { post: unknown } | { click: string };

interface PanelFixture {
  /** dist/webview/<script>.js */
  script: string;
  /** What getState() returns at load (the panel's persisted state), if anything. */
  state?: unknown;
  /** Host -> webview messages and clicks, in order. The last one must make END(script) visible. */
  steps: Step[];
  /** Texts that must be shown literally (as text or as a form field's value). */
  shown: string[];
}

const PANELS: PanelFixture[] = [
  {
    script: 'peek',
    steps: [
      { post: { type: 'init', target: target({ queue: `q ${H.img}`, queueType: 'classic' }), count: 2 } },
      {
        post: {
          type: 'result',
          messages: [message(1), message(2, CAPPED, true)],
          note: `note ${H.svg}`,
          tookMs: 3,
          at: 1_700_000_000_000,
          limit: `limit ${H.rtl}`,
          withheld: `withheld ${H.textarea}`,
          warnings: [`warning ${H.script}`],
        },
      },
      { post: { type: 'confirm', kind: 'consumers', message: `confirm ${H.attr}` } },
      { post: { type: 'info', message: `info ${H.control}` } },
      { post: { type: 'error', message: END('peek') } },
    ],
    shown: [
      `q ${H.img}`,
      ALL,
      CAPPED,
      `hdr ${H.img}`,
      `val ${H.script}`,
      `x-rtl ${H.rtl}`,
      `dlq ${H.img}`,
      `rk ${H.textarea}`,
      `ex ${H.svg}`,
      `withheld ${H.textarea}`,
      `warning ${H.script}`,
      `confirm ${H.attr}`,
      `info ${H.control}`,
      END('peek'),
    ],
  },
  {
    script: 'publish',
    steps: [
      {
        post: {
          type: 'init',
          target: target({ exchange: `x ${H.img}` }),
          exchanges: [
            { name: `x ${H.img}`, type: 'topic' },
            { name: `y ${H.script}`, type: 'direct' },
          ],
          queues: [`q ${H.textarea}`],
          defaultDeliveryMode: 2,
          history: [
            {
              at: 1_700_000_000_000,
              draft: { exchange: `hx ${H.svg}`, routingKey: `hrk ${H.rtl}` },
              outcome: `outcome ${H.attr}`,
            },
          ],
          templates: [{ name: `tpl ${H.textarea}`, draft: {} }],
          templatesFile: `/tmp/${H.img}.json`,
        },
      },
      { post: { type: 'suggestions', exchange: `x ${H.img}`, keys: [`key ${H.script}`] } },
      {
        post: {
          type: 'loadDraft',
          source: `file ${H.svg}`,
          draft: {
            exchange: `x ${H.img}`,
            routingKey: `rk ${H.textarea}`,
            headers: [
              { name: `hdr ${H.img}`, type: 'string', value: `val ${H.script}` },
              { name: `x-ctl ${H.control}`, type: 'json', value: H.template },
            ],
            bodyMode: 'text',
            body: BIG,
          },
        },
      },
      {
        post: {
          type: 'result',
          result: { id: 1, at: 1_700_000_000_000, kind: 'error', text: `result ${H.img}`, count: 1, elapsedMs: 1 },
        },
      },
      { post: { type: 'validation', field: 'body', message: `validation ${H.textarea}` } },
      { post: { type: 'blocked', reason: `blocked ${H.rtl}` } },
      { post: { type: 'error', message: END('publish') } },
    ],
    shown: [
      `x ${H.img}`,
      `rk ${H.textarea}`,
      `hdr ${H.img}`,
      `val ${H.script}`,
      `x-ctl ${H.control}`,
      H.template,
      BIG,
      `result ${H.img}`,
      `validation ${H.textarea}`,
      `blocked ${H.rtl}`,
      END('publish'),
    ],
  },
  {
    script: 'tail',
    steps: [
      {
        post: { type: 'init', target: target({ queue: `q ${H.img}` }), bufferSize: 100, exchanges: [`x ${H.script}`] },
      },
      { post: { type: 'status', status: 'running', detail: `detail ${H.svg}`, mode: { mode: 'tap' } } },
      {
        post: {
          type: 'window',
          total: 1,
          from: 0,
          filtered: false,
          stats: { received: 1, dropped: 0, ratePerSec: 0, buffered: 1 },
          rows: [
            {
              id: 1,
              at: 1_700_000_000_000,
              exchange: `ex ${H.svg}`,
              routingKey: `rk ${H.textarea}`,
              size: 10,
              redelivered: false,
              preview: `preview ${H.img}`,
              kind: 'text',
            },
          ],
        },
      },
      { click: '.row[data-id="1"]' },
      { post: { type: 'detail', message: message(1, CAPPED, true) } },
      { post: { type: 'info', message: `info ${H.control}` } },
      { post: { type: 'error', message: END('tail') } },
    ],
    shown: [
      `q ${H.img}`,
      `rk ${H.textarea}`,
      `preview ${H.img}`,
      CAPPED,
      `hdr ${H.img}`,
      `val ${H.script}`,
      `dlq ${H.img}`,
      `info ${H.control}`,
      END('tail'),
    ],
  },
  {
    script: 'routing',
    state: {
      target: target({ exchange: `x ${H.img}` }),
      tab: 'live',
      live: { exchange: `x ${H.img}`, routingKey: `rk ${H.textarea}`, headers: '' },
    },
    steps: [
      {
        post: {
          type: 'init',
          target: target({ exchange: `x ${H.img}` }),
          exchanges: [
            { name: `x ${H.img}`, type: 'topic' },
            { name: `y ${H.script}`, type: 'headers' },
          ],
        },
      },
      {
        post: {
          type: 'route',
          view: {
            exchange: `x ${H.img}`,
            routingKey: `rk ${H.textarea}`,
            queues: [`q ${H.svg}`, `q2 ${H.rtl}`],
            mayReceive: [{ destination: `q3 ${H.script}`, kind: 'queue', reasons: [`maybe ${H.attr}`] }],
            unroutable: false,
            mayBeUnroutable: false,
            incomplete: true,
            steps: [`step ${H.script}`],
            errors: [`routing error ${H.attr}`],
            warnings: [`warning ${H.control}`],
            bindings: [
              {
                source: `x ${H.img}`,
                destination: `q ${H.svg}`,
                destinationType: 'queue',
                criteria: `crit ${H.template}`,
                matched: true,
                outcome: 'yes',
                reason: `reason ${H.textarea}`,
              },
            ],
            topologyAt: 1_700_000_000_000,
            counts: { exchanges: 2, bindings: 1, queues: 2 },
          },
        },
      },
      { post: { type: 'error', message: END('routing') } },
    ],
    shown: [
      `rk ${H.textarea}`,
      `q ${H.svg}`,
      `q2 ${H.rtl}`,
      `routing error ${H.attr}`,
      `warning ${H.control}`,
      `reason ${H.textarea}`,
      `q3 ${H.script}`,
      `maybe ${H.attr}`,
      END('routing'),
    ],
  },
  {
    script: 'rpc',
    steps: [
      {
        post: {
          type: 'init',
          target: target({ queue: `q ${H.img}` }),
          exchanges: [{ name: `x ${H.script}`, type: 'direct' }],
          defaultTimeoutMs: 5000,
          history: [
            {
              at: 1_700_000_000_000,
              draft: {
                exchange: '',
                routingKey: `hrk ${H.svg}`,
                bodyMode: 'text',
                body: H.img,
                contentType: '',
                headers: [],
                timeoutMs: 5000,
                replyMode: 'direct-reply-to',
              },
              outcome: `outcome ${H.attr}`,
            },
          ],
        },
      },
      {
        post: {
          type: 'result',
          result: {
            id: 1,
            at: 1_700_000_000_000,
            status: 'reply',
            text: `reply text ${H.textarea}`,
            rttMs: 3,
            correlationId: `corr ${H.rtl}`,
            reply: message(1, CAPPED, true),
            strays: [{ correlationId: `stray ${H.script}`, preview: `stray preview ${H.img}`, at: 1_700_000_000_000 }],
          },
        },
      },
      { post: { type: 'error', message: END('rpc') } },
    ],
    shown: [`q ${H.img}`, `reply text ${H.textarea}`, CAPPED, `hdr ${H.img}`, `val ${H.script}`, END('rpc')],
  },
  {
    script: 'details',
    steps: [
      { post: { type: 'init', target: target({ queue: `q ${H.img}` }), intervalSeconds: 5 } },
      {
        post: {
          type: 'view',
          view: {
            kind: 'queue',
            name: `q ${H.img}`,
            facts: [{ name: 'Node', value: `node ${H.svg}` }],
            arguments: [{ name: `arg ${H.script}`, value: `argv ${H.textarea}` }],
            policy: {
              policy: `pol ${H.attr}`,
              operatorPolicy: `op ${H.rtl}`,
              definition: [{ name: `def ${H.img}`, value: `defv ${H.control}` }],
              note: `note ${H.template}`,
            },
            bindings: [
              { source: `x ${H.svg}`, destination: `q ${H.img}`, destinationType: 'queue', criteria: `crit ${H.attr}` },
            ],
            consumers: [
              {
                tag: `tag ${H.script}`,
                who: `who ${H.textarea}`,
                library: `lib ${H.img}`,
                ack: 'manual',
                prefetch: '1 per consumer',
                unacked: '1',
                rate: '1.0/s',
              },
            ],
            charts: [
              {
                title: `Queue depth ${H.img}`,
                unit: 'messages',
                x: [1_700_000_000, 1_700_000_005],
                series: [{ label: `Total ${H.svg}`, color: 'blue', values: [1, 2], idle: false, current: 2 }],
              },
            ],
            readAt: 1_700_000_000_000,
          },
        },
      },
      { post: { type: 'error', message: END('details') } },
    ],
    shown: [
      `node ${H.svg}`,
      `arg ${H.script}`,
      `argv ${H.textarea}`,
      `pol ${H.attr}`,
      `def ${H.img}`,
      `note ${H.template}`,
      `crit ${H.attr}`,
      `tag ${H.script}`,
      `who ${H.textarea}`,
      `lib ${H.img}`,
      END('details'),
    ],
  },
  {
    script: 'overview',
    steps: [
      { post: { type: 'init', target: target(), intervalSeconds: 5 } },
      {
        post: {
          type: 'view',
          view: {
            clusterName: `cluster ${H.img}`,
            versions: [{ name: 'RabbitMQ', value: `ver ${H.script}` }],
            nodes: [
              {
                name: `rabbit@${H.svg}`,
                running: true,
                type: 'disc',
                uptime: '1m',
                memory: `mem ${H.attr}`,
                disk: '1 GiB free',
                fileDescriptors: '1',
                sockets: '0',
                processes: '1',
                alarms: [`alarm ${H.textarea}`],
              },
            ],
            listeners: [{ node: `n ${H.rtl}`, protocol: `amqp ${H.img}`, address: '::', port: '5672' }],
            featureFlags: [{ name: `ff ${H.script}`, state: `st ${H.img}`, stability: 'stable' }],
            totals: [{ name: 'Queues', value: '1' }],
            chart: {
              title: 'Message rates',
              unit: 'msg/s',
              x: [],
              series: [{ label: 'Publish', color: 'blue', values: [], idle: true }],
            },
            readAt: 1_700_000_000_000,
          },
        },
      },
      { post: { type: 'error', message: END('overview') } },
    ],
    shown: [
      `cluster ${H.img}`,
      `ver ${H.script}`,
      `rabbit@${H.svg}`,
      `mem ${H.attr}`,
      `amqp ${H.img}`,
      `ff ${H.script}`,
      `st ${H.img}`,
      END('overview'),
    ],
  },
];

// ------------------------------------------------------------------------------------------------
// A page like BasePanel's, served from a local HTTP server
// ------------------------------------------------------------------------------------------------

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

function panelHtml(origin: string, script: string, nonce: string, state: unknown): string {
  // The same policy as src/panels/basePanel.ts, with this server's origin as the webview's cspSource.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src-elem ${origin} 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    `font-src ${origin}`,
    `img-src ${origin} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
${fs.existsSync(path.join(REPO_ROOT, 'dist', 'webview', `${script}.css`)) ? `<link rel="stylesheet" href="${origin}/dist/webview/${script}.css">\n` : ''}<link rel="stylesheet" href="${origin}/media/panel.css">
<title>renderer test: ${script}</title>
<script type="application/json" id="state">${JSON.stringify(state ?? null).replace(/</g, '\\u003c')}</script>
<script nonce="${nonce}">
  // What VS Code provides in a webview, recorded for the test.
  window.__posted = [];
  window.__pwnedCalls = [];
  window.__cspViolations = [];
  window.__pwned = (what) => window.__pwnedCalls.push(what);
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
  let state = JSON.parse(document.getElementById('state').textContent);
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => state ?? undefined,
    setState: (s) => { state = s; },
  });
</script>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${nonce}" src="${origin}/dist/webview/${script}.js"></script>
</body>
</html>`;
}

function startServer(states: Map<string, unknown>): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = `http://${req.headers.host}`;
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const panel = /^\/panel\/(\w+)\.html$/.exec(url.pathname);
    if (panel) {
      const nonce = randomBytes(16).toString('base64');
      const html = panelHtml(origin, panel[1]!, nonce, states.get(panel[1]!));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const file = path.join(REPO_ROOT, path.normalize(url.pathname));
    const allowed = [path.join(REPO_ROOT, 'dist', 'webview') + path.sep, path.join(REPO_ROOT, 'media') + path.sep];
    if (!allowed.some((dir) => file.startsWith(dir)) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
      .end(fs.readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

// ------------------------------------------------------------------------------------------------
// What the page holds, shadow roots included
// ------------------------------------------------------------------------------------------------

interface Scan {
  injected: string[];
  handlers: string[];
  scripts: number;
  /** Indexes of the `shown` texts found neither in the page text nor in any form field's value. */
  missing: number[];
}

/**
 * Walks the DOM and every open shadow root, in the page (the texts are megabytes: they are not
 * copied out). No named inner functions: tsx would wrap them in __name, unknown in the page.
 */
function scanPage(page: Page, shown: string[]): Promise<Scan> {
  return page.evaluate((expected) => {
    const out = { injected: [] as string[], handlers: [] as string[], scripts: 0, missing: [] as number[] };
    const values: string[] = [];
    const stack: (Document | ShadowRoot)[] = [document];
    while (stack.length) {
      const nodeRoot = stack.pop()!;
      for (const el of Array.from(nodeRoot.querySelectorAll('*'))) {
        const tag = el.tagName.toLowerCase();
        if (
          el.hasAttribute('data-pwn') ||
          ['img', 'iframe', 'object', 'embed'].includes(tag) ||
          (tag === 'svg' && el.querySelector('a'))
        ) {
          out.injected.push(el.outerHTML.slice(0, 200));
        }
        if (tag === 'script') out.scripts++;
        for (const a of Array.from(el.attributes)) {
          if (/^on/i.test(a.name) || /^\s*javascript:/i.test(a.value))
            out.handlers.push(`${tag} ${a.name}=${a.value.slice(0, 80)}`);
        }
        const v = (el as unknown as { value?: unknown }).value;
        if (typeof v === 'string' && v) values.push(v);
        if (el.shadowRoot) stack.push(el.shadowRoot);
      }
    }
    const text = document.getElementById('app')?.textContent ?? '';
    expected.forEach((t, i) => {
      if (!text.includes(t) && !values.some((v) => v.includes(t))) out.missing.push(i);
    });
    return out;
  }, shown);
}

// ------------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------------

describe('webview renderer with hostile content (headless Chromium, BasePanel CSP)', { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>>;
  const states = new Map<string, unknown>(PANELS.map((p) => [p.script, p.state]));

  before(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
    server = await startServer(states);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const panel of PANELS) {
    test(`${panel.script}: hostile bodies, headers, names and errors are shown as text; nothing runs or loads`, async () => {
      assert.ok(
        fs.existsSync(path.join(REPO_ROOT, 'dist', 'webview', `${panel.script}.js`)),
        `dist/webview/${panel.script}.js was not built`,
      );
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('dialog', (d) => {
        problems.push(`dialog ${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          problems.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // Anything the page loads besides the bundle and the style sheets is injected content.
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (
          !/^\/(panel\/\w+\.html|dist\/webview\/\w+\.(js|css)(\.map)?|media\/panel\.css)$/.test(u.pathname) &&
          u.protocol !== 'data:'
        )
          problems.push(`request: ${r.url()}`);
      });
      try {
        await page.goto(`${server.origin}/panel/${panel.script}.html`);
        await poll(`the ${panel.script} webview to say ready`, () =>
          page.evaluate(() =>
            (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
          ),
        ).catch((e: Error) => {
          throw new Error(`${e.message}; ${problems.join('; ')}`);
        });
        const started = Date.now();
        for (const s of panel.steps) {
          if ('post' in s) await page.evaluate((m) => window.postMessage(m, '*'), s.post);
          else await page.locator(s.click).first().click();
        }
        await poll(
          `the ${panel.script} webview to show the last fixture`,
          () =>
            page.evaluate(
              (end) => document.getElementById('app')?.textContent?.includes(end) ?? false,
              END(panel.script),
            ),
          30_000,
        );
        const renderMs = Date.now() - started;

        const scan = await scanPage(page, panel.shown);
        assert.deepEqual(scan.injected, [], 'elements injected by the content');
        assert.deepEqual(scan.handlers, [], 'event-handler or javascript: attributes');
        assert.equal(scan.scripts, 3, "only the page's own scripts (state, API, bundle)");
        const calls = await page.evaluate(() => (window as unknown as { __pwnedCalls: string[] }).__pwnedCalls);
        assert.deepEqual(calls, [], 'injected code ran');
        const violations = await page.evaluate(
          () => (window as unknown as { __cspViolations: string[] }).__cspViolations,
        );
        assert.deepEqual(violations, [], 'something tried to run or load against the CSP');
        assert.deepEqual(problems, [], 'dialogs, console errors, page errors or unexpected requests');
        const short = (t: string) => (t.length > 200 ? `${t.slice(0, 100)}…(${t.length} chars)` : t);
        assert.deepEqual(
          scan.missing.map((i) => short(panel.shown[i]!)),
          [],
          'texts not shown literally',
        );
        console.log(`[renderer] ${panel.script}: ${panel.steps.length} steps rendered in ${renderMs} ms`);
      } finally {
        await context.close();
      }
    });
  }
});
