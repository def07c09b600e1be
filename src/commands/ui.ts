import * as vscode from 'vscode';
import { describeForUser } from '../broker/errors';
import { PICKER_DEBOUNCE_MS, pickerHint, type PickerMatches } from '../protocol/picker';

/** Thrown when the user dismisses an input; commands end quietly. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export async function ask(options: vscode.InputBoxOptions): Promise<string> {
  const value = await vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
  if (value === undefined) throw new Cancelled();
  return value;
}

export async function pick<T extends vscode.QuickPickItem>(
  items: T[] | Promise<T[]>,
  options: vscode.QuickPickOptions,
): Promise<T> {
  const chosen = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options });
  if (chosen === undefined) throw new Cancelled();
  return chosen;
}

export async function pickMany<T extends vscode.QuickPickItem>(
  items: T[],
  options: vscode.QuickPickOptions,
): Promise<T[]> {
  const chosen = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options, canPickMany: true });
  if (chosen === undefined) throw new Cancelled();
  return chosen;
}

export async function yesNo(title: string, placeHolder: string, defaultYes: boolean): Promise<boolean> {
  const items = defaultYes ? ['Yes', 'No'] : ['No', 'Yes'];
  const choice = await pick(
    items.map((label) => ({ label })),
    { title, placeHolder },
  );
  return choice.label === 'Yes';
}

/** A modal confirmation naming exactly what will be destroyed. */
export async function confirmDanger(message: string, detail: string, action: string): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  return choice === action;
}

/**
 * Wraps a command: errors become one notification with the broker's code and text
 * (and a log line), cancellations end quietly. Never lets a rejection escape.
 */
export function safeCommand<A extends unknown[]>(
  log: vscode.LogOutputChannel,
  name: string,
  fn: (...args: A) => Promise<unknown>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof Cancelled) return;
      const text = describeForUser(err);
      log.error(`${name} failed: ${text}`);
      void vscode.window.showErrorMessage(`Burrow: ${text}`, 'Show Log').then((c) => {
        if (c) log.show(true);
      });
    }
  };
}

/**
 * A quick pick of exchange or queue names searched on the server as the user types (one page of
 * those containing the text, pickerSearch.ts): no cap on how many the vhost has. A typed name
 * that is not listed can be taken as is. `seen` collects the types of the names listed.
 * `leading` items are always shown first (their label is what is returned when chosen).
 */
export async function pickName(
  title: string,
  placeHolder: string,
  search: (text: string) => Promise<PickerMatches>,
  keep: (name: string) => boolean,
  seen: Map<string, string>,
  leading: vscode.QuickPickItem[] = [],
): Promise<string> {
  const qp = vscode.window.createQuickPick();
  qp.title = title;
  qp.placeholder = placeHolder;
  qp.ignoreFocusOut = true;
  let base: vscode.QuickPickItem[] = [];
  let names = new Set<string>();
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const show = () => {
    const v = qp.value;
    qp.items = [...leading, ...(v && !names.has(v) ? [{ label: v, description: '(typed)' }] : []), ...base];
  };
  const load = async (text: string) => {
    const mine = ++seq;
    qp.busy = true;
    try {
      const m = await search(text);
      if (mine !== seq) return;
      const items = m.items.filter((x) => keep(x.name));
      for (const x of items) seen.set(x.name, x.type);
      names = new Set(items.map((x) => x.name));
      base = items.map((x) => ({ label: x.name, ...(x.type ? { description: x.type } : {}) }));
      const hint = pickerHint(m);
      qp.title = hint ? `${title} — ${hint}` : title;
      show();
    } catch (e) {
      if (mine === seq) qp.title = `${title} — ${(e as Error).message}`;
    } finally {
      if (mine === seq) qp.busy = false;
    }
  };
  return new Promise<string>((resolve, reject) => {
    qp.onDidChangeValue((v) => {
      show();
      clearTimeout(timer);
      timer = setTimeout(() => void load(v), PICKER_DEBOUNCE_MS);
    });
    qp.onDidAccept(() => {
      const value = qp.selectedItems[0]?.label ?? qp.value;
      qp.hide();
      if (value) resolve(value);
      else reject(new Cancelled());
    });
    qp.onDidHide(() => {
      clearTimeout(timer);
      qp.dispose();
      reject(new Cancelled());
    });
    qp.show();
    void load('');
  });
}
