// End-to-end regression tests for the panel kit, once per test broker in a throw-away vhost:
// a per-vhost panel opened for another target follows it visibly (the publish panel never publishes
// to its old target with its old repeat count), and the RPC panel keeps working after the session
// it was using is closed (Disconnect).
// Run: node --import tsx --test --test-concurrency=1 test/e2e/panels.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import type { FrameLocator } from 'playwright-core';
import {
  startSession,
  runCommand,
  openBurrowView,
  openVhostQueues,
  expandRow,
  waitForRow,
  contextMenu,
  webviewFrame,
  collectErrors,
  setPasswordFromTree,
  step,
  poll,
  type Session,
  answerTargetPrompts,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';

/** `.value` of a custom element (vscode-textfield, vscode-single-select…) inside a webview. */
async function elementValue(f: FrameLocator, selector: string): Promise<string> {
  return f
    .locator(selector)
    .first()
    .evaluate((el) => String((el as HTMLInputElement).value ?? ''));
}

/** A tiny RPC service: answers every request on `queue` with "echo:<body>" to its reply-to. */
async function startEcho(url: string, queue: string): Promise<() => Promise<void>> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.consume(queue, (m) => {
    if (!m) return;
    ch.sendToQueue(m.properties.replyTo as string, Buffer.from(`echo:${m.content.toString()}`), {
      correlationId: m.properties.correlationId as string,
    });
    ch.ack(m);
  });
  return async () => {
    await conn.close().catch(() => undefined);
  };
}

for (const B of BROKERS)
  describe(`Burrow panel kit in VS Code: retarget, session [${B.label}]`, { timeout: 600_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    let stopEcho: (() => Promise<void>) | undefined;
    let errs: ReturnType<typeof collectErrors>;
    const conn = connectionFor(B);
    const qTask = uniqueName('task');
    const qFan = uniqueName('fanq');
    const xFan = uniqueName('fan');
    const qRpc = uniqueName('rpc');

    before(async () => {
      side = await BrokerSide.withVhost(B, 'kit');
      await side.declareQueue(qTask);
      await side.declareQueue(qFan);
      await side.declareQueue(qRpc);
      await side.declareExchange(xFan, 'fanout');
      await side.bind(qFan, xFan, '');
      stopEcho = await startEcho(side.amqpUrl, qRpc);
      s = await startSession({ settings: conn.settings, label: `kit-${B.id}` });
      errs = collectErrors(s.page);
      await step(s, 'kit-open-queues', async () => {
        await openBurrowView(s.page);
        await openVhostQueues(s.page, conn, side.vhost);
        await waitForRow(s.page, qTask, 30_000);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await stopEcho?.();
        await side?.cleanup();
      }
    });

    test('Publish Message… from another exchange never publishes to the old target', async () => {
      await step(s, 'kit-pub-open-queue', () => contextMenu(s.page, qTask, 'Publish Message…'));
      const f = await step(s, 'kit-pub-webview', () => webviewFrame(s.page, 'Publish', 30_000));
      await step(s, 'kit-pub-times-10', async () => {
        await poll(
          'the routing key to be the queue name',
          async () => (await elementValue(f, 'vscode-textfield#routingKey')) === qTask,
          30_000,
        );
        await f.locator('vscode-textfield#count input').fill('10');
        await f.locator('vscode-button#publish', { hasText: 'Publish 10 times' }).waitFor();
      });
      // The same vhost's publish panel, asked for the fanout exchange.
      await step(s, 'kit-pub-open-fanout', async () => {
        await expandRow(s.page, 'Exchanges', 30_000);
        await contextMenu(s.page, xFan, 'Publish Message…');
      });
      const g = await step(s, 'kit-pub-retargeted', async () => {
        const frame = await webviewFrame(s.page, 'Publish', 30_000);
        await frame.locator('#notice', { hasText: `Now publishing to exchange ${xFan}` }).waitFor({ timeout: 30_000 });
        await poll(
          'the exchange box to show the fanout exchange',
          async () => (await frame.locator('vscode-single-select#exchange input.combobox-input').inputValue()) === xFan,
        );
        await poll(
          'the repeat count to be back to 1',
          async () => (await elementValue(frame, 'vscode-textfield#count')) === '1',
        );
        await poll(
          'the routing key to be cleared',
          async () => (await elementValue(frame, 'vscode-textfield#routingKey')) === '',
        );
        await frame.locator('vscode-button#publish', { hasText: /^\s*Publish\s*$/ }).waitFor();
        return frame;
      });
      await step(s, 'kit-pub-publish-once', async () => {
        await g.locator('vscode-button#publish').click();
        const result = g.locator('#results .result').first();
        await result.waitFor({ timeout: 30_000 });
        await poll(
          'a confirmed result',
          async () => (await result.getAttribute('data-kind')) === 'confirmed' || undefined,
          15_000,
        ).catch(async (e: Error) => {
          throw new Error(`${e.message}; result row: ${await result.innerText()}`);
        });
        assert.ok((await result.innerText()).includes(xFan), 'the result names the fanout exchange');
      });
      // Confirmed means routed and stored: the counts are final.
      assert.equal(await side.queueDepth(qFan), 1, 'the fanout exchange got exactly one message');
      assert.equal(await side.queueDepth(qTask), 0, 'the old target got nothing');
      void f;
    });

    test('a draft sent to the publish panel while it is hidden shows up when it is revealed', async () => {
      const text = `{"hidden": "${uniqueName('draft')}"}`;
      await step(s, 'kit-hidden-editor', async () => {
        // An untitled editor in the same group hides the publish panel (its webview goes away).
        await runCommand(s.page, 'File: New Untitled Text File');
        await s.page.locator('.monaco-editor textarea').first().waitFor({ timeout: 15_000 });
        await s.page.keyboard.type(text);
      });
      await step(s, 'kit-hidden-publish-selection', async () => {
        await runCommand(s.page, 'Burrow: Publish Selection as Message Body');
        await answerTargetPrompts(s.page, conn.name, side.vhost);
      });
      await step(s, 'kit-hidden-draft-shown', async () => {
        const f = await webviewFrame(s.page, 'Publish', 30_000);
        await f.locator('.banner', { hasText: 'Loaded the body from' }).waitFor({ timeout: 30_000 });
        await poll(
          'the body to be the editor text',
          async () => (await elementValue(f, 'vscode-textarea#body')) === text,
          15_000,
        );
      });
    });

    test('the RPC panel keeps working after Disconnect closed the session it used (no reopening)', async () => {
      await step(s, 'kit-rpc-open', () => contextMenu(s.page, qRpc, 'RPC Call…'));
      const f = await step(s, 'kit-rpc-webview', () => webviewFrame(s.page, 'RPC', 30_000));
      const callOnce = async (name: string, body: string) =>
        step(s, name, async () => {
          await poll(
            'the routing key to be the RPC queue',
            async () => (await elementValue(f, 'vscode-textfield#routingKey')) === qRpc,
            30_000,
          );
          await f.locator('vscode-textarea#body textarea').fill(body);
          await f.locator('vscode-button#call').click();
          await poll(
            `the reply to ${body}`,
            async () => {
              const text = await f
                .locator('#result pre.body')
                .innerText()
                .catch(() => '');
              const error = await f
                .locator('#error')
                .innerText()
                .catch(() => '');
              if (error) throw new Error(`the panel shows an error: ${error}`);
              return text.trim() === `echo:${body}` || undefined;
            },
            30_000,
          );
        });
      await callOnce('kit-rpc-first-call', 'one');
      await step(s, 'kit-rpc-disconnect', () => contextMenu(s.page, conn.name, 'Disconnect'));
      await callOnce('kit-rpc-after-disconnect', 'two');
    });

    test('the RPC panel shows its broker connection state; after Set Password it works again without reopening', async () => {
      const f = await step(s, 'kit-status-webview', () => webviewFrame(s.page, 'RPC', 30_000));
      await step(s, 'kit-status-wrong-password', () => setPasswordFromTree(s.page, conn.name, 'not-the-password'));
      await step(s, 'kit-status-badge', async () => {
        await f.locator('vscode-textarea#body textarea').fill('three');
        await f.locator('vscode-button#call').click();
        // The call fails (refused login), and the panel shows that the connection is in error.
        await f.locator('#error, #result[data-status="error"]').first().waitFor({ timeout: 30_000 });
        await f.locator('.subtitle #connection', { hasText: 'error' }).waitFor({ timeout: 30_000 });
      });
      await step(s, 'kit-status-right-password', () =>
        setPasswordFromTree(s.page, conn.name, conn.password ?? 'guest'),
      );
      await step(s, 'kit-status-call-again', async () => {
        // The live tree reconnects the session on its next tick; the panel then gets its state again.
        // Type only once that has settled, as a user would after the error badge went away.
        await poll('the connection badge to go', async () => (await f.locator('.subtitle #connection').count()) === 0);
        await poll('the body to read four', async () => {
          await f.locator('vscode-textarea#body textarea').fill('four');
          return (await f.locator('vscode-textarea#body textarea').inputValue()) === 'four';
        });
        await f.locator('vscode-button#call').click();
        await poll(
          'the reply to four',
          async () =>
            (
              await f
                .locator('#result pre.body')
                .innerText()
                .catch(() => '')
            ).trim() === 'echo:four' || undefined,
          30_000,
        );
        await f.locator('#connection').waitFor({ state: 'detached', timeout: 30_000 });
      });
    });

    test('no CSP violations or script errors in the webviews', () => {
      assert.deepEqual(errs.webviewErrors(), [], `all console errors:\n${errs.errors.join('\n')}`);
    });
  });

// Two brokers, one VS Code: a vhost of the same name on each, and an RPC panel for each.
const [B3, B4] = [BROKERS.find((b) => b.id === 'rmq3'), BROKERS.find((b) => b.id === 'rmq4')];
if (B3 && B4)
  describe('Burrow panel titles name the connection when two panels would look alike', { timeout: 600_000 }, () => {
    let s: Session;
    let side3: BrokerSide;
    let side4: BrokerSide;
    // Named profiles for both (with settings, the built-in localhost profile is not added).
    const profile = (b: typeof B3, name: string) => ({
      id: `e2e-title-${b.id}`,
      name,
      host: '127.0.0.1',
      port: b.amqpPort,
      vhost: '/',
      username: 'guest',
      tls: false,
      managementUrl: b.mgmtUrl,
    });
    const c3 = { name: 'broker-3', password: 'guest' };
    const c4 = { name: 'broker-4', password: 'guest' };

    before(async () => {
      side3 = await BrokerSide.withVhost(B3, 'title');
      side4 = new BrokerSide(`amqp://guest:guest@127.0.0.1:${B4.amqpPort}`, B4.mgmtUrl, side3.vhost);
      await side4.mgmt('PUT', `/vhosts/${encodeURIComponent(side3.vhost)}`, {});
      await side4.mgmt('PUT', `/permissions/${encodeURIComponent(side3.vhost)}/guest`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
      s = await startSession({
        settings: { 'burrow.connections': [profile(B3, c3.name), profile(B4, c4.name)] },
        label: 'kit-titles',
      });
      await step(s, 'titles-view', async () => {
        await openBurrowView(s.page);
        for (const c of [c3, c4]) {
          await waitForRow(s.page, c.name, 30_000);
          await setPasswordFromTree(s.page, c.name, c.password);
        }
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        await side4?.mgmt('DELETE', `/vhosts/${encodeURIComponent(side3.vhost)}`).catch(() => undefined);
        await side3?.cleanup();
      }
    });

    test('two RPC panels for the same vhost name on two brokers have distinct tab titles', async () => {
      for (const c of [c3, c4]) {
        await step(s, `titles-open-${c.name}`, async () => {
          await runCommand(s.page, 'Burrow: RPC Call…');
          await answerTargetPrompts(s.page, c.name, side3.vhost);
          await webviewFrame(s.page, 'RPC', 30_000);
        });
      }
      const titles = await step(s, 'titles-tabs', () =>
        poll(
          'two RPC tabs',
          async () => {
            const tabs = (await s.page.locator('.tabs-container .tab .label-name').allInnerTexts())
              .map((t) => t.trim())
              .filter((t) => t.startsWith('RPC:'));
            return tabs.length === 2 ? tabs : undefined;
          },
          30_000,
        ),
      );
      assert.deepEqual(
        [...titles].sort(),
        [`RPC: ${side3.vhost} · ${c3.name}`, `RPC: ${side3.vhost} · ${c4.name}`].sort(),
        JSON.stringify(titles),
      );
    });
  });
