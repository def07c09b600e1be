// End-to-end: the routing-key tester and the RPC panel in a real VS Code (code-server), once per test
// broker, with the demo topology and its Fibonacci RPC server running in a throw-away vhost of the test's
// own (started from this test process with startDemo, stopped in after(), which deletes what the demo
// created; then the vhost goes). One VS Code session per broker; both panels are opened from the
// command palette.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/tools.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator, Locator } from 'playwright-core';
import {
  startSession,
  openBurrowView,
  waitForRowDescription,
  connectionReady,
  runCommand,
  webviewFrame,
  parkMouse,
  collectErrors,
  screenshot,
  step,
  poll,
  type Session,
  answerTargetPrompts,
} from './harness';
import { BrokerSide, connectionFor, uniqueName } from './broker';
import { BROKERS } from '../brokers';
import { startDemo, DEMO_QUEUES, DEMO_EXCHANGES, type DemoHandle } from '../../scripts/demoServer';

/** Rows of the offline results table: [data-match, key, explanation]. */
async function offlineRows(f: FrameLocator): Promise<{ match: string; key: string; why: string }[]> {
  return f.locator('#offline-results tr.result').evaluateAll((els) =>
    els.map((el) => {
      const tds = el.querySelectorAll('td');
      return {
        match: el.getAttribute('data-match') ?? '',
        key: (tds[1]?.textContent ?? '').trim(),
        why: (tds[2]?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      };
    }),
  );
}

/** Sets pattern + keys in the offline tab and waits until the table shows exactly those keys. */
async function checkOffline(
  f: FrameLocator,
  pattern: string,
  keys: string[],
): Promise<{ match: string; key: string; why: string }[]> {
  await f.locator('vscode-textfield#pattern input').fill(pattern);
  await f.locator('vscode-textarea#keys textarea').fill(keys.join('\n'));
  return poll(`the offline results for ${pattern} vs ${keys.join(', ')}`, async () => {
    const rows = await offlineRows(f);
    const pat = await f.locator('vscode-textfield#pattern').evaluate((el) => (el as HTMLInputElement).value);
    return pat === pattern && rows.length === keys.length && rows.every((r, i) => r.key === keys[i]) ? rows : undefined;
  });
}

/** Picks `label` in a combobox vscode-single-select the way a user does: type to filter, click the option. */
async function chooseOption(select: Locator, label: string): Promise<void> {
  const input = select.locator('input.combobox-input');
  await input.click();
  await input.fill(label);
  const option = select
    .locator('li.option', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) })
    .first();
  await option.waitFor({ state: 'visible' });
  await option.click();
  await poll(`the select to show ${label}`, async () => (await input.inputValue()) === label);
}

/** Badges under "Would be delivered to". */
async function liveBadges(f: FrameLocator): Promise<string[]> {
  return f.locator('#live-queues .badge').evaluateAll((els) => els.map((el) => (el.textContent ?? '').trim()));
}

for (const B of BROKERS)
  describe(`Burrow tools in VS Code: routing-key tester and RPC [${B.label}]`, { timeout: 600_000 }, () => {
    let s: Session;
    let side: BrokerSide | undefined;
    let demo: DemoHandle | undefined;
    let errs: ReturnType<typeof collectErrors>;
    const conn = connectionFor(B);
    const qIdle = uniqueName('rpc-idle'); // a queue nobody consumes from
    // Screenshots of the 3.x run keep their names (README pictures); the others carry the broker id.
    const shot = (name: string) => screenshot(s.page, B.id === 'rmq3' ? name : `${name}-${B.id}`);
    const queueDepth = (q: string) => side!.queueDepth(q);

    before(async () => {
      side = await BrokerSide.withVhost(B, 'tools');
      demo = await startDemo({ url: side.amqpBase, vhost: side.vhost });
      await side.declareQueue(qIdle);
      s = await startSession({ settings: conn.settings, label: B.id });
      errs = collectErrors(s.page);
      // The command palette lists Burrow's commands only once the extension is registered: wait for its view.
      await step(s, 'burrow-view', async () => {
        await openBurrowView(s.page);
        await connectionReady(s.page, conn);
      });
    });

    after(async () => {
      try {
        await s?.close();
      } finally {
        try {
          await demo?.stop();
          // Nothing left behind by the demo: what it created is gone (checked before the vhost goes).
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

    test('routing tester, offline tab: topic patterns against typed keys, with the * / # explanation', async () => {
      await step(s, 'routing-open', async () => {
        await runCommand(s.page, 'Burrow: Routing-Key Tester…');
        await answerTargetPrompts(s.page, conn.name, side!.vhost);
      });
      const f = await step(s, 'routing-webview', () => webviewFrame(s.page, 'Routing', 30_000));
      await step(s, 'routing-offline-tab', async () => {
        await f.locator('h1', { hasText: 'Routing-key tester' }).waitFor({ timeout: 30_000 });
        await f.locator('.subtitle', { hasText: `${conn.name} · vhost ${side!.vhost}` }).waitFor({ timeout: 30_000 });
        await f.locator('vscode-radio[value="offline"][checked]').waitFor();
      });
      // The panel read the topology through the management API: the tree then shows the connection as
      // connected (it used to keep spinning on "connecting" when only this panel had used the session).
      await step(s, 'routing-connected', () => waitForRowDescription(s.page, conn.name, /\bconnected\b/, 30_000));

      const star = await step(s, 'routing-offline-star', () => checkOffline(f, '*.info', ['kern.info', 'a.b.info']));
      assert.deepEqual(
        star.map((r) => [r.key, r.match]),
        [
          ['kern.info', 'yes'],
          ['a.b.info', 'no'],
        ],
        JSON.stringify(star),
      );
      // The explanation says how the pattern's words lined up with the key's.
      assert.match(star[0].why, /\* took 'kern'/, star[0].why);
      assert.match(star[0].why, /'info' matched 'info'/, star[0].why);
      assert.ok(star[1].why.length > 0, 'a non-match says why');
      const badges = await f.locator('#offline-results tr.result .badge').allInnerTexts();
      assert.deepEqual(
        badges.map((b) => b.trim()),
        ['match', 'no match'],
      );

      const hash = await step(s, 'routing-offline-hash', () =>
        checkOffline(f, '#.ne', ['a.b.ne', 'kern.info', 'a.b.info']),
      );
      assert.deepEqual(
        hash.map((r) => [r.key, r.match]),
        [
          ['a.b.ne', 'yes'],
          ['kern.info', 'no'],
          ['a.b.info', 'no'],
        ],
        JSON.stringify(hash),
      );
      assert.match(hash[0].why, /# took 'a' 'b'/, hash[0].why);
      assert.match(hash[0].why, /'ne' matched 'ne'/, hash[0].why);

      // Back to the first pattern for the screenshot (three keys: two rules shown).
      const three = await step(s, 'routing-offline-shot', () =>
        checkOffline(f, '*.info', ['kern.info', 'a.b.info', 'info']),
      );
      assert.deepEqual(
        three.map((r) => r.match),
        ['yes', 'no', 'no'],
      );
      await parkMouse(s.page);
      await shot('routing-offline');
    });

    test('routing tester, live tab: topic_logs routes kern.info to the *.info and kern.* queues; nothing.here is unroutable', async () => {
      const f = await step(s, 'live-webview', () => webviewFrame(s.page, 'Routing', 30_000));
      await step(s, 'live-tab', async () => {
        await f.locator('vscode-radio[value="live"]').click();
        await f.locator('vscode-single-select#exchange').waitFor({ timeout: 30_000 });
        // The select shows the tab's default exchange (its value is set while its options are rendered).
        await poll(
          'the exchange select to show amq.topic',
          async () =>
            (await f.locator('vscode-single-select#exchange input.combobox-input').inputValue()) === 'amq.topic',
        );
      });
      await step(s, 'live-exchange', () => chooseOption(f.locator('vscode-single-select#exchange'), 'topic_logs'));
      await step(s, 'live-key-kern-info', async () => {
        await f.locator('vscode-textfield#live-key input').fill('kern.info');
        await f.locator('h2', { hasText: 'Bindings of topic_logs' }).waitFor({ timeout: 15_000 });
        await poll('kern.info to reach topic_logs.any_info and topic_logs.kern', async () => {
          const b = await liveBadges(f);
          return (
            JSON.stringify([...b].sort()) === JSON.stringify(['topic_logs.any_info', 'topic_logs.kern']) || undefined
          );
        }).catch(async (e: Error) => {
          throw new Error(`${e.message}; shown: ${JSON.stringify(await liveBadges(f))}`);
        });
      });
      // The bindings table marks exactly the two matching bindings.
      const bindingRows = await f
        .locator('table.fields tr')
        .evaluateAll((els) =>
          els.map((el) =>
            Array.from(el.querySelectorAll('td')).map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim()),
          ),
        );
      const matched = bindingRows
        .filter((r) => r[0] === 'match')
        .map((r) => r[1])
        .sort();
      assert.deepEqual(matched, ['*.info', 'kern.*'], JSON.stringify(bindingRows));
      await parkMouse(s.page);
      await shot('routing-live');

      await step(s, 'live-key-nothing-here', async () => {
        await f.locator('vscode-textfield#live-key input').fill('nothing.here');
        // Wait for the result of this key (the binding reasons quote the key's words), then check it.
        await f.locator('table.fields', { hasText: 'routing-key word 1 "nothing"' }).waitFor({ timeout: 15_000 });
        await f.locator('#live-queues .badge.err', { hasText: /^\s*unroutable\s*$/ }).waitFor();
      });
      assert.deepEqual(await liveBadges(f), ['unroutable']);
      await parkMouse(s.page);
      await shot('routing-unroutable');

      // Read lazily (only what topic_logs reaches) and cached until Reload topology.
      const read = await f.locator('#topology-read').textContent();
      assert.match(
        (read ?? '').replace(/\s+/g, ' '),
        /topology read at \d\d:\d\d:\d\d: 1 exchange, \d+ bindings, \d+ queues reachable from topic_logs/,
      );
      const qNew = uniqueName('routing-new');
      await side!.declareQueue(qNew);
      await side!.bind(qNew, 'topic_logs', 'nothing.#');
      await step(s, 'live-cached', async () => {
        await f.locator('vscode-textfield#live-key input').fill('nothing.else');
        await f.locator('table.fields', { hasText: '"else"' }).waitFor({ timeout: 15_000 });
        await f.locator('#live-queues .badge.err', { hasText: /^\s*unroutable\s*$/ }).waitFor();
      });
      await step(s, 'live-reload', async () => {
        await f.locator('vscode-button', { hasText: 'Reload topology' }).click();
        await poll('the new binding after Reload topology', async () => {
          const b = await liveBadges(f);
          return JSON.stringify(b) === JSON.stringify([qNew]) || undefined;
        }).catch(async (e: Error) => {
          throw new Error(`${e.message}; shown: ${JSON.stringify(await liveBadges(f))}`);
        });
      });
    });

    test('RPC panel: body 10 to rpc_queue (demo Fibonacci server) answers 55 with a round-trip time', async () => {
      await step(s, 'rpc-open', async () => {
        await runCommand(s.page, 'Burrow: RPC Call…');
        await answerTargetPrompts(s.page, conn.name, side!.vhost);
      });
      const f = await step(s, 'rpc-webview', () => webviewFrame(s.page, 'RPC', 30_000));
      await step(s, 'rpc-defaults', async () => {
        await f.locator('h1', { hasText: 'RPC' }).waitFor({ timeout: 30_000 });
        await f.locator('vscode-single-select#exchange').waitFor({ timeout: 30_000 });
        await poll(
          'the default exchange to be shown',
          async () =>
            (await f.locator('vscode-single-select#exchange input.combobox-input').inputValue()) === '(AMQP default)',
        );
        assert.equal(
          await f.locator('vscode-textfield#routingKey').evaluate((el) => (el as HTMLInputElement).value),
          'rpc_queue',
        );
        assert.equal(await f.locator('vscode-textarea#body').evaluate((el) => (el as HTMLInputElement).value), '10');
      });
      await step(s, 'rpc-call', () => f.locator('vscode-button#call').click());
      const text = await step(s, 'rpc-reply', async () => {
        const result = f.locator('#result[data-status="reply"]');
        await result.waitFor({ timeout: 30_000 }).catch(async (e: Error) => {
          throw new Error(`${e.message.split('\n')[0]}; panel: ${(await f.locator('body').innerText()).slice(0, 800)}`);
        });
        await result.locator('pre.body').waitFor();
        return f.locator('#result-text').innerText();
      });
      assert.match(text.trim(), /^Reply in \d+(\.\d+)? ms$/);
      assert.equal((await f.locator('#result pre.body').innerText()).trim(), '55');
      await parkMouse(s.page);
      await shot('rpc-fib');

      // Call it 20 times: the stats line (min / median / p95).
      await step(s, 'rpc-many', async () => {
        await f.locator('vscode-textfield#count input').fill('20');
        await f.locator('vscode-button#call', { hasText: 'Call 20 times' }).click();
        await f.locator('#many').waitFor({ timeout: 30_000 });
      });
      const many = (await f.locator('#many').innerText()).trim();
      assert.match(
        many,
        /^20 of 20 answered, 0 failed\. Latency min [\d.]+ ms, median [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms\.$/,
        many,
      );
      await parkMouse(s.page);
      await shot('rpc-many');
    });

    test('RPC panel: a queue with no consumer gives a clear "no consumer" result and sends nothing', async () => {
      const f = await step(s, 'idle-webview', () => webviewFrame(s.page, 'RPC', 30_000));
      await step(s, 'idle-call', async () => {
        await f.locator('vscode-textfield#count input').fill('1');
        await f.locator('vscode-textfield#routingKey input').fill(qIdle);
        await f.locator('vscode-button#call', { hasText: /^\s*Call\s*$/ }).click();
      });
      const text = await step(s, 'idle-result', async () => {
        await f.locator('#result[data-status="no-consumer"]').waitFor({ timeout: 30_000 });
        return (await f.locator('#result-text').innerText()).trim();
      });
      assert.match(text, new RegExp(`Queue '${qIdle}' has no consumer`), text);
      assert.match(text, /not sent/, text);
      assert.equal(await queueDepth(qIdle), 0, 'nothing was published to the idle queue');
      await parkMouse(s.page);
      await shot('rpc-no-consumer');
    });

    test('no CSP violations or script errors in the webviews', () => {
      assert.deepEqual(errs.webviewErrors(), [], `all console errors:\n${errs.errors.join('\n')}`);
      if (errs.errors.length)
        console.log(
          `[e2e] console errors seen (not from webviews):\n${errs.errors.map((e) => e.slice(0, 300)).join('\n')}`,
        );
    });
  });
