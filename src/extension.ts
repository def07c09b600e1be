import * as vscode from 'vscode';
import { ConnectionStore } from './connections/store';
import { SessionManager } from './connections/sessions';
import { ConnectionStatusBar } from './connections/statusBar';
import { ExplorerProvider } from './explorer/provider';
import { AutoRefresh } from './explorer/autoRefresh';
import type { ExplorerContext } from './explorer/nodes';
import { registerConnectionCommands } from './commands/connections';
import { registerTopologyCommands } from './commands/topology';
import { registerAdminCommands } from './commands/admin';
import type { CommandServices } from './commands/context';

let sessions: SessionManager | undefined;

/** Composition root: builds the services and hands them to the views and commands. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Burrow', { log: true });
  const store = new ConnectionStore(context.secrets, log);
  sessions = new SessionManager(store, log);
  const s = sessions;
  const config = () => vscode.workspace.getConfiguration('burrow.explorer');

  const explorerContext: ExplorerContext = {
    profiles: () => store.list(),
    management: async (id) => (await s.get(id)).management,
    status: (id) => s.status(id),
    lastError: (id) => s.lastError(id),
    reportOk: (id) => s.reportOk(id),
    reportError: (id, err) => s.reportError(id, err),
    pageSize: () => Math.max(10, Math.min(500, config().get<number>('pageSize', 100))),
    showSystemExchanges: () => config().get<boolean>('showSystemExchanges', true),
  };
  const explorer = new ExplorerProvider(explorerContext);
  const view = vscode.window.createTreeView('burrow.explorer', { treeDataProvider: explorer, showCollapseAll: true });
  const statusBar = new ConnectionStatusBar(store, s);
  const services: CommandServices = { store, sessions: s, explorer, log };

  context.subscriptions.push(
    log,
    store,
    s,
    explorer,
    view,
    statusBar,
    new AutoRefresh(explorer, () => config().get<number>('autoRefreshSeconds', 0)),
    store.onDidChange(() => explorer.refresh()),
    s.onDidChangeStatus((id) => {
      const node = explorer.root.connection(id);
      if (node) explorer.refresh(node);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('burrow.explorer')) explorer.refresh();
    }),
    vscode.commands.registerCommand('burrow.showLog', () => log.show()),
    ...registerConnectionCommands(services),
    ...registerTopologyCommands(services),
    ...registerAdminCommands(services),
  );
  log.info('Burrow activated');
}

export async function deactivate(): Promise<void> {
  await sessions?.disposeAsync();
  sessions = undefined;
}
