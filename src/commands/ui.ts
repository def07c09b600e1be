import * as vscode from 'vscode';
import { describeForUser } from '../broker/errors';

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
