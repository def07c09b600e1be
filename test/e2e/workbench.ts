// Workbench helpers for the e2e tests: the command palette, input boxes and quick picks, notifications,
// dialogs, webview frames, layout, screenshots and error collection. Tree helpers: tree.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { poll } from '../wait';
import { FAILURE_DIR, REPO_ROOT, SCREENSHOT_DIR } from './profile';

/** A RegExp matching `text` exactly (surrounding blanks allowed). */
export function exact(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** The quick input widget (command palette, input boxes, quick picks). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000): Promise<void> {
  const qi = quickInput(page);
  const input = qi.locator('.quick-input-box input');
  // The palette can close again right after it opened (a webview or the tree taking focus as it redraws;
  // seen once in CI as an input that never became visible), so opening and typing are retried a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await page
        .locator('.monaco-workbench')
        .focus()
        .catch(() => undefined);
      await page.keyboard.press('F1');
      if (!(await qi.isVisible())) {
        await page.keyboard.press('Control+Shift+P');
      }
      await qi.waitFor({ state: 'visible', timeout: attempt < 3 ? 5_000 : timeoutMs });
      await input.fill(`>${title}`, { timeout: attempt < 3 ? 5_000 : timeoutMs });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape').catch(() => undefined);
      await page.waitForTimeout(300);
    }
  }
  // Wait until the list shows an entry with this exact title, then pick it (highlighted first match).
  const entry = qi
    .locator('.quick-input-list .monaco-list-row', {
      has: page.locator('.label-name', { hasText: exact(title) }),
    })
    .first();
  try {
    await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await qi
      .locator('.quick-input-list .monaco-list-row')
      .allInnerTexts()
      .catch(() => []);
    await page.keyboard.press('Escape');
    throw new Error(
      `command "${title}" not found in the command palette; shown: ${JSON.stringify(shown.slice(0, 10))}`,
    );
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
  const entry = qi
    .locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: re }) })
    .first();
  await entry.waitFor({ state: 'visible', timeout: timeoutMs });
  await entry.click();
}

/**
 * Waits for the input box whose prompt, title, label or placeholder contains `promptContains` (so a
 * follow-up box is not confused with the previous one) and returns its text field.
 */
export async function waitForInputBox(
  page: Page,
  promptContains: string | RegExp,
  timeoutMs = 15_000,
): Promise<Locator> {
  const qi = quickInput(page);
  const re =
    typeof promptContains === 'string'
      ? new RegExp(promptContains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      : promptContains;
  const input = qi.locator('.quick-input-box input');
  await poll(
    `an input box asking ${String(re)}`,
    async () => {
      if (!(await qi.isVisible())) return undefined;
      const shown = [
        await qi
          .locator('.quick-input-message')
          .innerText()
          .catch(() => ''),
        await qi
          .locator('.quick-input-title')
          .innerText()
          .catch(() => ''),
        (await input.getAttribute('aria-label').catch(() => '')) ?? '',
        (await input.getAttribute('placeholder').catch(() => '')) ?? '',
      ].join('\n');
      return re.test(shown);
    },
    timeoutMs,
  );
  return input;
}

/**
 * Answers the input box whose prompt/title contains `promptContains` (waitForInputBox), types
 * `text` and accepts with Enter.
 */
export async function answerInput(
  page: Page,
  promptContains: string | RegExp,
  text: string,
  timeoutMs = 15_000,
): Promise<void> {
  const input = await waitForInputBox(page, promptContains, timeoutMs);
  await input.fill(text);
  await input.press('Enter');
}

/** Messages of the visible notification toasts. */
export async function notificationsText(page: Page): Promise<string[]> {
  const texts = await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  return texts.map((t) => t.trim()).filter(Boolean);
}

/** Waits for a notification toast whose message matches. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const re = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text;
  return poll(
    `a notification matching ${String(re)}`,
    async () => (await notificationsText(page)).find((t) => re.test(t)),
    timeoutMs,
  );
}

/** Clicks the button labelled `button` in the visible modal dialog (e.g. a confirmation); returns the dialog text. */
export async function dialogButton(page: Page, button: string, timeoutMs = 15_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = (await dialog.innerText()).trim();
  await dialog
    .locator('.dialog-buttons .monaco-button', { hasText: exact(button) })
    .first()
    .click();
  await dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
  return text;
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
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');
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
 * The content frame of a webview whose title contains `titleContains`.
 * Webviews are nested iframes: `iframe.webview` (host) > `iframe#active-frame` (content, title = panel title).
 */
export async function webviewFrame(page: Page, titleContains: string, timeoutMs = 15_000): Promise<FrameLocator> {
  const sel = `iframe#active-frame[title*="${titleContains.replace(/"/g, '\\"')}"]`;
  const hostName = await poll(
    `a webview titled *${titleContains}*`,
    async () => {
      const hosts = page.locator('iframe.webview');
      const n = await hosts.count();
      for (let i = 0; i < n; i++) {
        const host = hosts.nth(i);
        if (!(await host.isVisible())) continue;
        if ((await host.contentFrame().locator(sel).count()) > 0) return (await host.getAttribute('name')) ?? undefined;
      }
      return undefined;
    },
    timeoutMs,
    200,
  );
  // The host iframe's name is the webview's unique id, so this locator stays valid when other webviews open.
  return page.frameLocator(`iframe.webview[name="${hostName}"]`).frameLocator(sel);
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
  return poll(
    `the side bar to be about ${width} px wide`,
    async () => {
      const b = await sidebar.boundingBox();
      return b && Math.abs(b.width - width) <= 30 ? b.width : undefined;
    },
    5_000,
  );
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
          /^\(webview\?\)|webview\/browser\/pre\/|vscode-cdn|vscode-resource|Content Security Policy|Refused to/i.test(
            e,
          ) && !/\[Extension Host\]/.test(e),
      ),
  };
}

/**
 * Answers the prompts a palette command shows for its target: the connection (only when there are
 * several) and the virtual host (always, from the palette). Returns once the vhost was picked.
 */
export async function answerTargetPrompts(page: Page, connection: string, vhost: string): Promise<void> {
  const qi = page.locator('.quick-input-widget');
  let connectionAnswered = false;
  await poll(
    'the connection / virtual host prompt',
    async () => {
      if (!(await qi.isVisible())) return undefined;
      const title = await qi
        .locator('.quick-input-title')
        .innerText()
        .catch(() => '');
      if (/choose a virtual host/i.test(title)) {
        // Type the name first: the list may hold many vhosts of other suites and renders only those in view.
        await qi.locator('.quick-input-box input').fill(vhost);
        await quickPick(page, vhost);
        return true;
      }
      if (/choose a connection/i.test(title) && !connectionAnswered) {
        await quickPick(page, connection);
        connectionAnswered = true;
      }
      return undefined;
    },
    30_000,
    100,
  );
}

/**
 * Waits until the publish panel's newest result row says "confirmed" (its data-kind or its badge
 * text) and returns the row. Depends on nothing else of the row's wording, which may change.
 */
export async function confirmedResult(f: FrameLocator): Promise<Locator> {
  const result = f.locator('#results .result').first();
  await result.waitFor({ timeout: 30_000 });
  await poll(
    'a "confirmed" result',
    async () => {
      if ((await result.getAttribute('data-kind')) === 'confirmed') return true;
      const badge = await result
        .locator('.badge')
        .first()
        .innerText()
        .catch(() => '');
      return /^\s*confirmed\s*$/i.test(badge) || undefined;
    },
    15_000,
  ).catch(async (e: Error) => {
    throw new Error(`${e.message}; result row: ${await result.innerText()}`);
  });
  return result;
}

/**
 * The CodeLens link `label` of the request whose `###` line (or any line of it right under the lens)
 * contains `lineText`: the lens row nearest above that line.
 */
export async function codeLens(page: Page, lineText: string, label: RegExp): Promise<Locator> {
  return poll(
    `the CodeLens ${label} above '${lineText}'`,
    async () => {
      const line = page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
      const lineBox = await line.boundingBox().catch(() => null);
      if (!lineBox) return undefined;
      const rows = page.locator('.monaco-editor .codelens-decoration');
      let best: { row: Locator; dy: number } | undefined;
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        const box = await row.boundingBox().catch(() => null);
        if (!box) continue;
        const dy = lineBox.y - box.y;
        if (dy > 0 && (!best || dy < best.dy)) best = { row, dy };
      }
      if (!best) return undefined;
      const link = best.row.locator('a', { hasText: label }).first();
      return (await link.count()) > 0 ? link : undefined;
    },
    30_000,
  );
}

/**
 * Answers a save or open dialog. code-server shows VS Code's simple file dialog (a quick input whose
 * title is the dialog's title and whose text is a path on the server): waits for the one titled
 * `titleContains`, types the absolute `filePath` over the proposed one and accepts with Enter. A
 * save dialog over an existing file then asks to replace it: `replace` answers that modal.
 */
export async function fileDialog(
  page: Page,
  titleContains: string | RegExp,
  filePath: string,
  opts: { replace?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const input = await waitForInputBox(page, titleContains, timeoutMs);
  // The dialog lists its start folder, then writes its proposed path into the field: a path typed
  // before that is overwritten (the likely cause of a run whose typed file was never written). Its
  // list always has ".." (the start folder is never the root): a listed row means the start is done.
  await quickInput(page)
    .locator('.quick-input-list .monaco-list-row')
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs });
  // It completes names and changes directory as the value changes: type the whole path, then wait
  // until the field holds exactly it before accepting.
  await input.fill(filePath);
  await poll(`the file dialog to hold ${filePath}`, async () => (await input.inputValue()) === filePath, 5_000);
  await input.press('Enter');
  if (opts.replace) await dialogButton(page, 'Replace', timeoutMs);
  await quickInput(page).waitFor({ state: 'hidden', timeout: timeoutMs });
}
