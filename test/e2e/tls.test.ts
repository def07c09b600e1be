// End-to-end: connections over TLS to the RabbitMQ 4.x test node (AMQPS 5674, management HTTPS 15674,
// certificate signed by the private CA of test/brokers.ts), in a real VS Code (code-server):
//   - with the CA file: the tree lists the vhost and its queues (management over https), a message
//     published from the publish panel is peeked back, and the broker shows the extension's AMQP
//     connections as TLS connections;
//   - without the CA file: a clear certificate error (tree, Test Connection), with the password shown nowhere.
// One VS Code session with both profiles; objects live in a throw-away vhost of this file.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/tls.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  startSession,
  openBurrowView,
  openVhostQueues,
  setPasswordFromTree,
  waitForRow,
  waitForRowDescription,
  expandRow,
  contextMenu,
  refreshUntilRowDescription,
  webviewFrame,
  waitForNotification,
  notificationsText,
  treeAccessibleTexts,
  assertSecretNowhere,
  sessionLogs,
  setSideBarWidth,
  parkMouse,
  screenshot,
  step,
  poll,
  type Session,
  confirmedResult,
} from './harness';
import { BrokerSide, uniqueName } from './broker';
import { BROKERS } from '../brokers';

const B = BROKERS.find((b) => b.id === 'rmq4' && b.caFile && b.amqpsPort && b.mgmtsPort);
const WITH_CA = 'RabbitMQ 4 over TLS';
const NO_CA = 'TLS without CA';
/** The password given to the profile without CA: it must appear nowhere on screen or in a log. */
const SECRET = 'Tls-e2e-Secret-8841';
/** What any of the certificate-verification failures says (describe.ts), e.g. SELF_SIGNED_CERT_IN_CHAIN. */
const CERT_ERROR =
  /\b(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED)\b/;

describe(
  `Burrow over TLS in VS Code [${B?.label ?? 'RabbitMQ 4.x'}]`,
  { timeout: 300_000, skip: B ? false : 'no 4.x node with TLS in .tools/brokers.json' },
  () => {
    let s: Session;
    let side: BrokerSide;
    const q = uniqueName('tls');
    const body = { over: 'amqps', port: B?.amqpsPort, note: 'published and peeked through TLS' };

    before(async () => {
      const b = B!;
      side = await BrokerSide.withVhost(b, 'tls');
      await side.declareQueue(q);
      const common = {
        host: 'localhost',
        port: b.amqpsPort,
        vhost: '/',
        username: 'guest',
        tls: true,
        managementUrl: `https://localhost:${b.mgmtsPort}`,
      };
      s = await startSession({
        label: 'tls',
        settings: {
          'burrow.connections': [
            { id: 'e2e-tls', name: WITH_CA, ...common, caFile: b.caFile },
            { id: 'e2e-tls-noca', name: NO_CA, ...common },
          ],
        },
      });
      await step(s, 'tls-open-view', async () => {
        await openBurrowView(s.page);
        await setSideBarWidth(s.page, 440).catch(() => undefined); // cosmetic only
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side?.cleanup();
      }
    });

    test('amqps + https with the CA file: the tree lists the vhost and its queue; publish, then peek the message back', async () => {
      await step(s, 'tls-tree', async () => {
        await openVhostQueues(s.page, { name: WITH_CA, password: 'guest' }, side.vhost);
        await waitForRow(s.page, q, 30_000);
      });
      await step(s, 'tls-queue-empty', () => refreshUntilRowDescription(s.page, q, /^0 · /));

      await step(s, 'tls-pub-open', () => contextMenu(s.page, q, 'Publish Message…'));
      const pub = await step(s, 'tls-pub-webview', () => webviewFrame(s.page, 'Publish', 30_000));
      await step(s, 'tls-pub-send', async () => {
        await pub.locator('vscode-textfield#routingKey').waitFor({ timeout: 30_000 });
        await poll(
          'the routing key to be prefilled with the queue name',
          async () =>
            (await pub.locator('vscode-textfield#routingKey').evaluate((el) => (el as HTMLInputElement).value)) === q,
        );
        await pub.locator('vscode-textarea#body textarea').fill(JSON.stringify(body));
        await pub.locator('vscode-button#publish').click();
        await confirmedResult(pub);
      });
      assert.equal(await side.queueDepth(q), 1, 'the broker holds the message published over TLS');

      await step(s, 'tls-peek-open', () => contextMenu(s.page, q, 'Peek Messages…'));
      const peek = await step(s, 'tls-peek-webview', () => webviewFrame(s.page, `Peek: ${q}`, 30_000));
      const shown = await step(s, 'tls-peek-body', async () => {
        await peek.locator('h1', { hasText: q }).waitFor({ timeout: 30_000 });
        await peek.locator('vscode-button#peek').click();
        const pre = peek.locator('.message pre.body').first();
        await pre.waitFor({ timeout: 30_000 });
        return (await pre.innerText()).trim();
      });
      assert.equal(shown, JSON.stringify(body, null, 2), 'the peeked body is the one published');
      assert.equal(await side.queueDepth(q), 1, 'peeking left the message in the queue');
      await step(s, 'tls-count-in-tree', () => refreshUntilRowDescription(s.page, q, /^1 · /));
      await step(s, 'tls-connected', () => waitForRowDescription(s.page, WITH_CA, /\bconnected\b/));

      // The broker's view: every AMQP connection of the extension into our vhost is a TLS connection on the AMQPS port.
      // (The extension names its connections 'Burrow…'; this test's own amqplib connection on 5673 is left out.)
      type Conn = {
        name: string;
        ssl?: boolean;
        port?: number;
        ssl_protocol?: string;
        client_properties?: { connection_name?: string };
      };
      // The management API lists a new connection's details only after its first stats emission (about 5 s).
      let all: Conn[] = [];
      const conns = await poll(
        "the extension's connections in the management API",
        async () => {
          all = await side.mgmt<Conn[]>('GET', `/vhosts/${encodeURIComponent(side.vhost)}/connections`);
          const mine = all.filter((c) => /^Burrow/.test(c.client_properties?.connection_name ?? ''));
          return mine.length > 0 ? mine : undefined;
        },
        20_000,
      ).catch(() => []);
      assert.ok(
        conns.length > 0,
        `the extension holds a connection into the vhost: ${JSON.stringify(all.map((c) => [c.name, c.client_properties?.connection_name]))}`,
      );
      for (const c of conns) {
        assert.equal(c.ssl, true, `connection ${c.name} is TLS: ${JSON.stringify(c)}`);
        assert.equal(c.port, B!.amqpsPort, `connection ${c.name} is on the AMQPS port`);
      }
      console.log(
        `[e2e] TLS connections seen by the broker: ${JSON.stringify(conns.map((c) => [c.name, c.ssl_protocol]))}`,
      );
      await parkMouse(s.page);
      await screenshot(s.page, 'tls-peek-rmq4');
    });

    test('amqps without the CA file: a clear certificate error in the tree and from Test Connection; the password is shown nowhere', async () => {
      const page = s.page;
      await step(s, 'noca-password', async () => {
        await waitForRow(page, NO_CA, 30_000);
        await setPasswordFromTree(page, NO_CA, SECRET);
      });
      // Expanding shows the error under the connection instead of failing silently.
      await step(s, 'noca-expand', async () => {
        await expandRow(page, NO_CA, 30_000);
        await waitForRowDescription(page, NO_CA, /\berror\b/, 30_000);
      });
      const treeError = await step(s, 'noca-tree-error', () =>
        poll(
          'a certificate error row under the connection',
          async () => (await treeAccessibleTexts(page)).find((t) => /certificate/i.test(t) && CERT_ERROR.test(t)),
          30_000,
        ),
      );
      assert.match(treeError, /TLS error/, treeError);
      assert.match(treeError, /set a CA file/, `the tree says what to do: ${treeError}`);

      await step(s, 'noca-test-connection', () => contextMenu(page, NO_CA, 'Test Connection'));
      const message = await step(s, 'noca-notification', () =>
        waitForNotification(page, new RegExp(`${NO_CA}: AMQP ✗`), 30_000),
      );
      assert.match(message, /AMQP ✗[^—]*certificate/i, `AMQP half names the certificate problem: ${message}`);
      assert.match(message, CERT_ERROR, message);
      assert.match(message, /CA file/, `the message says what to do: ${message}`);
      assert.match(
        message,
        /Management ✗.*certificate/i,
        `management half (https) names the certificate problem too: ${message}`,
      );
      await step(s, 'noca-progress-done', () =>
        poll(
          'the "testing" progress notification to close',
          async () => !(await notificationsText(page)).some((t) => /testing TLS without CA/.test(t)),
          30_000,
        ),
      );
      // Test Connection refreshed the row (collapsed again): show its error row next to the notification.
      await step(s, 'noca-expand-again', async () => {
        await expandRow(page, NO_CA, 30_000);
        await poll(
          'the certificate error row again',
          async () => (await treeAccessibleTexts(page)).some((t) => /set a CA file/.test(t)) || undefined,
          30_000,
        );
      });
      await parkMouse(page);
      await screenshot(page, 'tls-no-ca-rmq4');

      await step(s, 'noca-secret-nowhere', async () => {
        assert.ok(
          sessionLogs(s).some((f) => f.endsWith(`${path.sep}Burrow.log`)),
          'the Burrow log exists',
        );
        await assertSecretNowhere(s, SECRET);
      });
      // The good TLS connection is unaffected.
      await step(s, 'noca-other-still-connected', () => waitForRowDescription(page, WITH_CA, /\bconnected\b/));
    });
  },
);
