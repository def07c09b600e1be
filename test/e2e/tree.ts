// The Burrow view in the e2e tests: its tree rows (found, scrolled to, expanded), their context menus
// and inline actions, and making a connection usable (password) before its vhosts are opened.
import type { Locator, Page } from 'playwright-core';
import { poll } from '../wait';
import { answerInput, exact, quickInput, runCommand } from './workbench';

/** Id of the Burrow view container (contributes.viewsContainers.activitybar[].id) as VS Code renders it. */
export const BURROW_CONTAINER_ID = 'workbench.view.extension.burrow';

/** The Burrow view container in the side bar. */
export function burrowContainer(page: Page): Locator {
  return page.locator(`[id="${BURROW_CONTAINER_ID}"]`);
}

/** The activity bar entry whose aria-label contains `label`. */
export function activityBarItem(page: Page, label = 'Burrow'): Locator {
  return page
    .locator('.part.activitybar li.action-item')
    .filter({
      has: page.locator(`[aria-label*="${label}"]`),
    })
    .or(page.locator(`.part.activitybar li.action-item[aria-label*="${label}"]`))
    .first();
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
  return rows
    .filter({ has: page.locator('.label-name', { hasText: re }) })
    .or(rows.filter({ hasText: re }))
    .first();
}

/**
 * Waits until a tree row whose label matches appears; returns its locator. In the Burrow tree (no
 * `paneTitle`) it scrolls to the row when it is out of view (see revealRow).
 */
export async function waitForRow(
  page: Page,
  label: string | RegExp,
  timeoutMs = 15_000,
  paneTitle?: string,
): Promise<Locator> {
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
    await poll(
      `tree row ${String(label)} (scrolling the tree to it)`,
      async () => {
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
          const indexes = await treeRowLocator(page).evaluateAll((els) =>
            els.map((e) => Number(e.getAttribute('data-index'))),
          );
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
      },
      timeoutMs,
      150,
    );
  } catch {
    const rows = await treeRows(page).catch(() => [] as string[]);
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
    return await poll(
      `row ${label} with a description matching ${String(re)}`,
      async () => {
        last = (await treeItems(page, paneTitle)).find((r) => r.label === label);
        // Out of view in the Burrow tree (not rendered): scroll to it.
        if (!last && paneTitle === undefined) await revealRow(page, label, 3_000).catch(() => undefined);
        return last && re.test(last.description) ? last.description : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last ?? null)}`);
  }
}

/** Expands the row labelled `label` (no-op if expanded) and waits until it reports aria-expanded=true. */
export async function expandRow(
  page: Page,
  label: string | RegExp,
  timeoutMs = 15_000,
  paneTitle?: string,
): Promise<Locator> {
  const row = await waitForRow(page, label, timeoutMs, paneTitle);
  // Clicked again every 3 s until expanded: the tree re-renders its rows when another vhost or
  // object appears (the brokers are shared), and a click can land on the row that took its place.
  let clickedAt = -Infinity;
  await poll(
    `row ${String(label)} to be expanded`,
    async () => {
      if ((await row.getAttribute('aria-expanded')) === 'true') return true;
      if (Date.now() - clickedAt >= 3_000) {
        clickedAt = Date.now();
        const twistie = row.locator('.monaco-tl-twistie');
        if (await twistie.isVisible()) await twistie.click();
        else await row.click();
      }
      return false;
    },
    timeoutMs,
  );
  return row;
}

/**
 * Runs "Burrow: Refresh" until the row labelled `label` has a description matching `re` (the management
 * API's queue stats lag behind the broker by up to ~5 s); returns the description.
 */
export async function refreshUntilRowDescription(
  page: Page,
  label: string,
  re: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  let refresh = false;
  return poll(
    `row ${label} with a description matching ${String(re)} (refreshing the tree)`,
    async () => {
      if (refresh) await runCommand(page, 'Burrow: Refresh');
      refresh = true;
      return waitForRowDescription(page, label, re, 2_500); // throws "…last seen: …", reported if the deadline passes
    },
    timeoutMs,
    0,
  );
}

/** aria-labels (tree tooltips), titles and descriptions of all tree rows, for "is X shown anywhere" checks. */
export async function treeAccessibleTexts(page: Page): Promise<string[]> {
  return treeRowLocator(page).evaluateAll((els) =>
    els
      .flatMap((el) => [
        el.getAttribute('aria-label') ?? '',
        (el as HTMLElement).title ?? '',
        ...Array.from(el.querySelectorAll('[title], [aria-label]')).flatMap((c) => [
          c.getAttribute('title') ?? '',
          c.getAttribute('aria-label') ?? '',
        ]),
        (el as HTMLElement).innerText,
      ])
      .filter(Boolean),
  );
}

// Context menus and inline actions

/** Right-clicks the tree row labelled `label` and picks `item` from its context menu (`.monaco-menu`). */
export async function contextMenu(page: Page, label: string | RegExp, item: string, timeoutMs = 15_000): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await contextMenuOnce(page, label, item, timeoutMs);
    // The tree re-renders a connection 250 ms after a burst of status changes (e.g. the publishing
    // connection opening after a first publish), and the live tree redraws a group once VS Code took
    // its rows. A menu opened on a row just before runs its command without a tree element, and the
    // command then asks for a connection (or, with one connection, a vhost): close that picker and
    // open the menu again on the fresh row.
    const picker = page.locator('.quick-input-widget .quick-input-title', {
      hasText: /choose a (connection|virtual host)/i,
    });
    // A command that needs its row (Move Messages…, Delete Queue…) says so instead: "Choose a queue
    // in the Burrow tree." Close that notification and open the menu again too.
    const refused = page
      .locator('.notifications-toasts .notification-toast', { hasText: /in the Burrow tree/ })
      .first();
    const which = await Promise.race([
      picker.waitFor({ state: 'visible', timeout: 800 }).then(
        () => 'asked' as const,
        () => undefined,
      ),
      refused.waitFor({ state: 'visible', timeout: 800 }).then(
        () => 'refused' as const,
        () => undefined,
      ),
    ]);
    const outcome =
      which ??
      ((await picker.isVisible().catch(() => false))
        ? 'asked'
        : (await refused.isVisible().catch(() => false))
          ? 'refused'
          : undefined);
    if (!outcome) return;
    if (attempt >= 3)
      throw new Error(
        `"${item}" on row ${String(label)} kept running without its tree element (the tree re-rendered under the menu)`,
      );
    console.log(
      `[e2e] "${item}" on row ${String(label)} ran without its tree element (${outcome}); opening the menu again`,
    );
    if (outcome === 'asked') await page.keyboard.press('Escape');
    else
      await refused
        .locator('.codicon-notifications-clear')
        .first()
        .click({ timeout: 2_000 })
        .catch(() => undefined);
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
    const shown = await menu
      .locator('.action-label')
      .allInnerTexts()
      .catch(() => [] as string[]);
    await page.keyboard.press('Escape');
    throw new Error(
      `no context menu item "${item}" on row ${String(label)}; shown: ${JSON.stringify(shown.filter(Boolean))}`,
    );
  }
  // A click straight after the menu opened is sometimes ignored by VS Code's menu: hover the entry first
  // and wait until the menu has focused it, then click.
  const menuItem = menu
    .locator('.action-item')
    .filter({ has: page.locator('.action-label', { hasText: exact(item) }) })
    .first();
  await poll(
    `context menu item "${item}" to take focus`,
    async () => {
      await entry.hover();
      return /\bfocused\b/.test((await menuItem.getAttribute('class', { timeout: 2_000 })) ?? '');
    },
    timeoutMs,
    100,
  );
  await entry.click();
  try {
    await menu.waitFor({ state: 'hidden', timeout: Math.min(5_000, timeoutMs) });
  } catch {
    // A click the menu ignored (seen on a loaded machine): the entry still has the focus, and Enter
    // runs the focused entry.
    if (/\bfocused\b/.test((await menuItem.getAttribute('class', { timeout: 2_000 }).catch(() => '')) ?? '')) {
      console.log(`[e2e] the context menu ignored a click on "${item}": pressing Enter on it`);
      await page.keyboard.press('Enter');
    }
    try {
      await menu.waitFor({ state: 'hidden', timeout: timeoutMs });
    } catch {
      throw new Error(`the context menu stayed open after clicking "${item}" on row ${String(label)}`);
    }
  }
}

/** Hovers the tree row labelled `label` and clicks its inline action whose title (aria-label) is `title`. */
export async function inlineAction(
  page: Page,
  label: string | RegExp,
  title: string,
  timeoutMs = 15_000,
): Promise<void> {
  const row = await waitForRow(page, label, timeoutMs);
  await row.hover();
  const action = row.locator(`.actions .action-label[aria-label="${title.replace(/"/g, '\\"')}"]`).first();
  await action.waitFor({ state: 'visible', timeout: timeoutMs });
  await action.click();
}

// Connections

/** Enters the password of the connection row labelled `connection` through its "Set Password…" menu item. */
export async function setPasswordFromTree(
  page: Page,
  connection: string,
  password: string,
  username = 'guest',
): Promise<void> {
  await contextMenu(page, connection, 'Set Password…', 30_000);
  await answerInput(page, `Password for ${username} on ${connection}`, password);
  await quickInput(page).waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * Waits for the connection row `conn.name` and makes the connection usable: enters its password
 * through "Set Password…" when it needs one (a profile from settings), nothing for the built-in one.
 * Assumes the Burrow view is open.
 */
export async function connectionReady(
  page: Page,
  conn: { name: string; password?: string },
  timeoutMs = 30_000,
): Promise<void> {
  await waitForRow(page, conn.name, timeoutMs);
  if (conn.password !== undefined) await setPasswordFromTree(page, conn.name, conn.password);
}

/**
 * Makes the connection usable (connectionReady), then expands it, its vhost `vhost`
 * and that vhost's Queues group. Assumes the Burrow view is open.
 */
export async function openVhostQueues(
  page: Page,
  conn: { name: string; password?: string },
  vhost: string,
  timeoutMs = 30_000,
): Promise<void> {
  await connectionReady(page, conn, timeoutMs);
  await expandRow(page, conn.name, timeoutMs);
  await waitForRowDescription(page, conn.name, /\bconnected\b/, timeoutMs);
  await expandRow(page, vhost, timeoutMs);
  // The Queues group right under our vhost (other vhosts stay collapsed, so it is the only one shown).
  await expandRow(page, 'Queues', timeoutMs);
}
