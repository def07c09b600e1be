// End-to-end: policies, in a real VS Code (code-server), once per test broker, in a throw-away vhost:
// Create Policy… from the Policies group (name, pattern, apply-to, priority, JSON definition, then the
// preview listing the matching queue); a broker refusal (an unknown key) names the reason and re-opens
// the inputs with everything typed; the new policy row, the queue's tooltip naming the policy and
// its definition once the broker applied it, and Delete Policy (confirmation) removing it again.
// Run: node --import tsx --test --test-concurrency=1 test/e2e/policies.test.ts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  waitForRow,
  expandRow,
  contextMenu,
  answerInput,
  waitForInputBox,
  quickPick,
  quickInput,
  waitForNotification,
  dialogButton,
  rowLocator,
  treeItems,
  parkMouse,
  screenshot,
  step,
  poll,
  queuesSession,
  type QueuesSession,
  type Session,
} from './harness';
import { uniqueName, type BrokerSide } from './broker';
import { BROKERS } from '../brokers';

/** The value of the input box once it asks `prompt` (waitForInputBox). */
async function inputValue(page: Page, prompt: string): Promise<string> {
  return (await waitForInputBox(page, prompt)).inputValue();
}

for (const B of BROKERS)
  describe(`Burrow policies in VS Code [${B.label}]`, { timeout: 300_000 }, () => {
    let s: Session;
    let side: BrokerSide;
    let session: QueuesSession | undefined;
    const queue = uniqueName('pol');
    const policy = uniqueName('cap');

    before(async () => {
      session = await queuesSession(B, { prefix: 'policies', queue });
      ({ s, side } = session);
    });

    after(async () => {
      await session?.close();
    });

    test('create a policy (a refusal first, then with a preview), see it in the tree and in the queue tooltip, delete it', async () => {
      const page = s.page;
      await step(s, 'policies-expand', async () => {
        await expandRow(page, 'Policies', 30_000);
        await waitForRow(page, 'No policies', 30_000);
      });
      const bad = '{"max-length": 42, "no-such-key": 1}';
      const preview = async () => {
        // The preview: the queue is listed as matched, and the policy would apply to it.
        const qi = quickInput(page);
        await qi.locator('.quick-input-list').getByText(queue).first().waitFor({ timeout: 30_000 });
        const text = await qi.innerText();
        assert.match(text, /matches 1 queue, 0 exchanges/);
        assert.match(text, /this policy would apply/);
        await screenshot(page, `policies-preview-${B.id}`);
        await quickPick(page, /Save policy/);
      };
      await step(s, 'create-refused', async () => {
        await contextMenu(page, 'Policies', 'Create Policy…');
        await answerInput(page, 'Name', policy);
        await answerInput(page, 'Pattern', `^${queue}$`);
        await quickPick(page, 'all');
        await answerInput(page, 'Priority', '3');
        await answerInput(page, 'Definition', bad);
        await preview();
        const refusal = await waitForNotification(page, /the broker refused policy/, 30_000);
        assert.match(refusal, /not recognised|no-such-key/);
        assert.match(refusal, /400/);
      });
      await step(s, 'create-retry', async () => {
        // Everything typed is offered again; only the definition changes.
        assert.equal(await inputValue(page, 'Name'), policy);
        await answerInput(page, 'Name', policy);
        assert.equal(await inputValue(page, 'Pattern'), `^${queue}$`);
        await answerInput(page, 'Pattern', `^${queue}$`);
        await quickPick(page, 'all');
        assert.equal(await inputValue(page, 'Priority'), '3');
        await answerInput(page, 'Priority', '3');
        assert.equal(await inputValue(page, 'Definition'), bad);
        await answerInput(page, 'Definition', '{"max-length": 42}');
        await preview();
      });
      await step(s, 'saved', async () => {
        await waitForNotification(page, new RegExp(`saved policy '${policy}'`), 30_000);
        await waitForRow(page, policy, 30_000);
      });
      const stored = await side.mgmt<{ pattern: string; priority: number; definition: Record<string, unknown> }>(
        'GET',
        `/policies/${encodeURIComponent(side.vhost)}/${encodeURIComponent(policy)}`,
      );
      assert.deepEqual(
        { pattern: stored.pattern, priority: stored.priority, definition: stored.definition },
        { pattern: `^${queue}$`, priority: 3, definition: { 'max-length': 42 } },
      );
      const tooltip = await step(s, 'queue-tooltip', () =>
        poll(
          'the queue tooltip to name the policy',
          async () => {
            await parkMouse(page);
            await rowLocator(page, queue).hover();
            const hover = page
              .locator('.workbench-hover-container, .monaco-hover:not(.hidden)')
              .filter({ visible: true });
            const t = await hover
              .first()
              .innerText({ timeout: 3_000 })
              .catch(() => '');
            return t.includes(`Policy: ${policy}`) && t.includes('max-length: 42') ? t : undefined;
          },
          45_000,
          500,
        ),
      );
      assert.match(tooltip, new RegExp(`Policy: ${policy}`));
      await screenshot(page, `policies-tooltip-${B.id}`);
      await parkMouse(page);
      await step(s, 'delete', async () => {
        await contextMenu(page, policy, 'Delete Policy');
        const dialog = await dialogButton(page, 'Delete');
        assert.match(dialog, new RegExp(`Delete policy '${policy}'`));
        await waitForNotification(page, new RegExp(`deleted policy '${policy}'`), 30_000);
        await poll(
          'the policy row to go',
          async () => !(await treeItems(page)).some((r) => r.label === policy),
          30_000,
        );
      });
      const left = await side.mgmt<{ name: string }[]>('GET', `/policies/${encodeURIComponent(side.vhost)}`);
      assert.deepEqual(
        left.map((p) => p.name),
        [],
      );
    });
  });
