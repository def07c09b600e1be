import * as vscode from 'vscode';
import type { SessionManager, SessionStatus } from './sessions';
import type { ConnectionStore } from './store';

const ICON: Record<SessionStatus, string> = {
  idle: '$(plug)',
  connecting: '$(loading~spin)',
  connected: '$(vm-running)',
  reconnecting: '$(sync~spin)',
  error: '$(error)',
};

/** Shows the state of the connections in use; hidden until one is opened. */
export class ConnectionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('burrow.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly store: ConnectionStore,
    private readonly sessions: SessionManager,
  ) {
    this.item.name = 'Burrow connection';
    this.item.command = 'workbench.view.extension.burrow';
    this.subscription = sessions.onDidChangeStatus(() => this.update());
  }

  update(): void {
    const open = this.store.list().filter((p) => this.sessions.isOpen(p.id) || this.sessions.status(p.id) === 'error');
    if (open.length === 0) {
      this.item.hide();
      return;
    }
    const worst = (['error', 'reconnecting', 'connecting', 'connected', 'idle'] as SessionStatus[]).find((st) =>
      open.some((p) => this.sessions.status(p.id) === st),
    ) as SessionStatus;
    const single = open.length === 1 ? open[0] : undefined;
    const singleNode = single?.hosts?.length ? this.sessions.node(single.id) : undefined;
    const label = single ? `${single.name}${singleNode ? ` @ ${singleNode}` : ''}` : `${open.length} brokers`;
    const blocked = open.filter((p) => this.sessions.blocked(p.id).size > 0);
    this.item.text = `${blocked.length > 0 && worst !== 'error' ? '$(warning)' : ICON[worst]} ${label}${blocked.length > 0 ? ' (blocked)' : ''}`;
    this.item.tooltip = open
      .map((p) => {
        const err = this.sessions.lastError(p.id);
        const b = [...this.sessions.blocked(p.id)].map(
          ([vhost, reason]) => `publishing blocked on '${vhost}': ${reason}`,
        );
        const node = p.hosts?.length ? this.sessions.node(p.id) : undefined;
        return `${p.name}: ${this.sessions.status(p.id)}${node ? ` on node ${node}` : ''}${b.length ? ` — ${b.join('; ')}` : ''}${err ? ` — ${err}` : ''}`;
      })
      .join('\n');
    this.item.backgroundColor =
      worst === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : worst === 'reconnecting' || blocked.length > 0
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
