import * as vscode from 'vscode';
import type { ExplorerProvider } from './provider';

/** Refreshes the tree every N seconds when the setting asks for it; VS Code only re-fetches expanded nodes. */
export class AutoRefresh implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly explorer: ExplorerProvider,
    private readonly seconds: () => number,
  ) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('burrow.explorer.autoRefreshSeconds')) this.schedule();
    });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seconds = this.seconds();
    if (seconds > 0) this.timer = setInterval(() => this.explorer.refresh(), Math.max(2, seconds) * 1000);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscription.dispose();
  }
}
