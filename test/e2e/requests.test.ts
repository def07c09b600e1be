// End-to-end: the committed demo/requests.amqp, run from its CodeLenses in a real VS Code (code-server),
// once per test broker, against the demo topology and its Fibonacci RPC server in a throw-away vhost of
// the test's own (startDemo from this test process, stopped in after(); then the vhost goes). The file
// is the committed one with only its `@connection` and `@vhost` lines changed, so this proves that a
// newcomer's file publishes to topic_logs, calls rpc_queue and peeks task_queue without a form:
// Send (confirmed, the message and its typed int32 header on the wire), Send ×10 (numbered 1..10),
// Call (the reply 55 and a round-trip time), Peek (both messages listed, the queue left as it was) and
// Copy as code (a pika program on the clipboard that reads RABBITMQ_PASSWORD and holds no password).
// Run: node --import tsx --test --test-concurrency=1 test/e2e/requests.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as amqp from 'amqplib';
import type { FrameLocator, Locator } from 'playwright-core';
import {
  startSession,
  openBurrowView,
  connectionReady,
  runCommand,
  quickInput,
  quickPick,
  webviewFrame,
  waitForNotification,
  notificationsText,
  allVisibleText,
  parkMouse,
  collectErrors,
  screenshot,
  step,
  poll,
  REPO_ROOT,
  codeLens,
  type Session,
} from './harness';
import { BrokerSide, connectionFor } from './broker';
import { BROKERS } from '../brokers';
import { startDemo, DEMO_QUEUES, DEMO_EXCHANGES, type DemoHandle } from '../../scripts/demoServer';
import { keepFieldTypes } from '../../src/broker/typedFrames';

const DEMO_FILE = path.join(REPO_ROOT, 'demo', 'requests.amqp');

/** demo/requests.amqp with its file-level connection and vhost replaced (and nothing else changed). */
function adaptedDemoFile(connection: string, vhost: string): string {
  const text = fs.readFileSync(DEMO_FILE, 'utf8');
  const conn = /^@connection = .*$/m;
  const vh = /^@vhost = .*$/m;
  assert.match(text, conn, 'demo/requests.amqp names its connection with an @connection line');
  assert.match(text, vh, 'demo/requests.amqp names its vhost with an @vhost line');
  return text.replace(conn, `@connection = ${connection}`).replace(vh, `@vhost = ${vhost}`);
}

/** The newest result of the request named `request` in Burrow Results, once its status is `status`. */
async function newestResult(f: FrameLocator, request: string, status: string): Promise<Locator> {
  await f.locator('h1', { hasText: request }).waitFor({ timeout: 30_000 });
  const entry = f.locator('.result-entry').first();
  await poll(
    `the newest result of '${request}' to be ${status}`,
    async () => (await entry.getAttribute('data-status').catch(() => null)) === status || undefined,
    30_000,
  ).catch(async (e: Error) => {
    throw new Error(`${e.message}; results view: ${(await f.locator('body').innerText()).slice(0, 1200)}`);
  });
  return entry;
}

/** A consumer connection of the test's own, keeping header types (int32 stays int32). */
async function typedConsumer(url: string): Promise<amqp.ChannelModel> {
  const conn = await amqp.connect(url);
  const problems: string[] = [];
  assert.equal(
    keepFieldTypes(conn.connection, (r) => problems.push(r)),
    true,
    problems.join('; '),
  );
  return conn;
}

/** Takes (acks) up to `n` messages from `queue`, in order. */
async function take(ch: amqp.Channel, queue: string, n: number): Promise<amqp.GetMessage[]> {
  const out: amqp.GetMessage[] = [];
  for (let i = 0; i < n; i++) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) break;
    out.push(m);
  }
  return out;
}

const REQ = {
  critical: 'Critical kernel log',
  numbered: 'Ten info logs, numbered',
  fib: 'Fibonacci of 10',
  waiting: 'What is waiting in the work queue',
};

for (const B of BROKERS)
  describe(`.amqp request file demo/requests.amqp run from its CodeLenses [${B.label}]`, { timeout: 600_000 }, () => {
    let s: Session;
    let side: BrokerSide | undefined;
    let demo: DemoHandle | undefined;
    let consumer: amqp.ChannelModel | undefined;
    let ch: amqp.Channel;
    let errs: ReturnType<typeof collectErrors>;
    let results: FrameLocator;
    const conn = connectionFor(B);

    before(async () => {
      side = await BrokerSide.withVhost(B, 'requests');
      demo = await startDemo({ url: side.amqpBase, vhost: side.vhost });
      consumer = await typedConsumer(side.amqpUrl);
      ch = await consumer.createChannel();
      s = await startSession({
        settings: conn.settings,
        workspaceFiles: { 'requests.amqp': adaptedDemoFile(conn.name, side.vhost) },
        label: `requests-${B.id}`,
      });
      errs = collectErrors(s.page);
      const page = s.page;
      // Allow Copy as code's clipboard write, and reading it back.
      await page
        .context()
        .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
      await step(s, 'burrow-view', async () => {
        await openBurrowView(page);
        await connectionReady(page, conn);
      });
      await step(s, 'open-file', async () => {
        await runCommand(page, 'Go to File...');
        const qi = quickInput(page);
        await qi.locator('.quick-input-box input').fill('requests.amqp');
        await qi.locator('.quick-input-list .monaco-list-row', { hasText: 'requests.amqp' }).first().click();
        await poll('the file to open', async () => (await allVisibleText(page)).includes('task_queue'), 30_000);
        await codeLens(page, REQ.critical, /^\s*Send\s*$/);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        try {
          await consumer?.close().catch(() => undefined);
          await demo?.stop();
          if (side && demo) {
            const queues = await side.names('queues');
            const exchanges = await side.names('exchanges');
            const leftQ = DEMO_QUEUES.map((q) => q.name).filter((q) => queues.has(q));
            const leftX = DEMO_EXCHANGES.map((x) => x.name).filter((x) => exchanges.has(x));
            assert.deepEqual([...leftQ, ...leftX], [], `demo objects left behind in vhost ${side.vhost}`);
          }
        } finally {
          await side?.cleanup();
        }
      }
    });

    test('Send: confirmed, and on the wire in topic_logs.kern with the JSON body and x-retries as int32 3', async () => {
      await step(s, 'send', async () => (await codeLens(s.page, REQ.critical, /^\s*Send\s*$/)).click());
      results = await step(s, 'results-view', () => webviewFrame(s.page, 'Burrow Results', 30_000));
      const entry = await step(s, 'send-confirmed', () => newestResult(results, REQ.critical, 'confirmed'));
      assert.match(await entry.locator('.result-text').innerText(), /Confirmed by the broker/);
      const [m, more] = await take(ch, 'topic_logs.kern', 2);
      assert.ok(m, 'a message in topic_logs.kern');
      assert.equal(more, undefined, 'exactly one message');
      assert.equal(m.fields.exchange, 'topic_logs');
      assert.equal(m.fields.routingKey, 'kern.critical');
      assert.equal(m.properties.contentType, 'application/json');
      const body = JSON.parse(m.content.toString('utf8')) as Record<string, unknown>;
      assert.equal(body.msg, 'disk full');
      assert.equal(body.host, 'db-1');
      assert.match(String(body.at), /^\d{4}-\d\d-\d\dT/, 'the {{$isoTimestamp}} was filled in');
      const headers = m.properties.headers as Record<string, unknown>;
      assert.deepEqual(headers['x-retries'], { '!': 'int32', value: 3 });
      assert.match(String(headers.trace), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // kern.critical matches kern.* only: nothing in the *.info queue.
      assert.equal(await side!.queueDepth('topic_logs.any_info'), 0);
    });

    test('Send ×10: 10 confirmed, numbered 1..10 on the wire', async () => {
      await step(s, 'send-10', async () => (await codeLens(s.page, REQ.numbered, /Send ×10/)).click());
      const entry = await step(s, 'send-10-confirmed', () => newestResult(results, REQ.numbered, 'confirmed'));
      const text = await entry.innerText();
      assert.match(text, /Published 10 of 10: 10 confirmed/, text);
      // Its progress toast (N > 1 shows one, with Cancel) closes once the batch is done.
      await step(s, 'send-10-progress-closed', () =>
        poll(
          'the "publishing 10 messages" toast to close',
          async () => !(await notificationsText(s.page)).some((t) => /publishing 10 messages/.test(t)) || undefined,
          15_000,
        ),
      );
      const msgs = await take(ch, 'topic_logs.kern', 11);
      assert.deepEqual(
        msgs.map((m) => (JSON.parse(m.content.toString('utf8')) as { n: number }).n),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.ok(msgs.every((m) => m.fields.routingKey === 'kern.info'));
      // kern.info also matches *.info: the other demo queue got the ten too.
      assert.equal((await take(ch, 'topic_logs.any_info', 11)).length, 10);
    });

    test('Call: rpc_queue answers 55, with a round-trip time', async () => {
      await step(s, 'call', async () => (await codeLens(s.page, REQ.fib, /^\s*Call\s*$/)).click());
      const entry = await step(s, 'call-reply', () => newestResult(results, REQ.fib, 'reply'));
      assert.match((await entry.locator('.result-text').innerText()).trim(), /^Reply in \d+(\.\d+)? ms$/);
      assert.match(await entry.locator('h2', { hasText: 'Reply' }).innerText(), /^Reply in \d+(\.\d+)? ms$/);
      assert.equal((await entry.locator('.message.reply pre.body').innerText()).trim(), '55');
      // The README picture: the file with its CodeLenses, the results view beside it (no side bar, no toasts).
      await runCommand(s.page, 'View: Close Primary Side Bar');
      await runCommand(s.page, 'Notifications: Clear All Notifications');
      await parkMouse(s.page);
      await screenshot(s.page, B.id === 'rmq3' ? 'amqp-requests' : `amqp-requests-${B.id}`);
    });

    test('Peek: both messages of task_queue listed, and still in the queue afterwards', async () => {
      await side!.publish('', 'task_queue', ['first task.', 'second task..']);
      assert.equal(await side!.queueDepth('task_queue'), 2);
      await step(s, 'peek', async () => (await codeLens(s.page, REQ.waiting, /^\s*Peek\s*$/)).click());
      const entry = await step(s, 'peek-ok', () => newestResult(results, REQ.waiting, 'ok'));
      assert.match(await entry.locator('.result-text').innerText(), /^2 messages · queue depth now 2$/);
      const bodies = await entry.locator('.message.peeked pre.body').allInnerTexts();
      assert.deepEqual(
        bodies.map((b) => b.trim()),
        ['first task.', 'second task..'],
      );
      assert.equal(await side!.queueDepth('task_queue'), 2, 'the peek left both messages in the queue');
    });

    test('Copy as code: a pika program with the exchange, key and RABBITMQ_PASSWORD, without the password', async () => {
      const page = s.page;
      await step(s, 'copy-as-code', async () => {
        await (await codeLens(page, REQ.critical, /Copy as code/)).click();
        await quickPick(page, 'Python (pika)');
        await waitForNotification(page, /Copied .* as Python \(pika\)/, 15_000);
      });
      const code = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(code, /import pika/);
      assert.match(code, /exchange='topic_logs'/);
      assert.match(code, /routing_key='kern\.critical'/);
      assert.match(code, /'x-retries'/);
      assert.match(code, /os\.environ\['RABBITMQ_PASSWORD'\]/);
      // The password (guest, as the user name) is nowhere but as the user name's default.
      const withGuest = code.split('\n').filter((l) => l.includes('guest'));
      assert.equal(withGuest.length, 1, withGuest.join('\n'));
      assert.match(withGuest[0], /^\s*os\.environ\.get\('\w+', 'guest'\),\s*$/);
    });

    test('no CSP violations or script errors in the webviews', () => {
      assert.deepEqual(errs.webviewErrors(), [], `all console errors:\n${errs.errors.join('\n')}`);
    });
  });
