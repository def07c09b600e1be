import * as vscode from 'vscode';
import { ConnectionStore } from './connections/store';
import { SessionManager } from './connections/sessions';
import { ConnectionStatusBar } from './connections/statusBar';
import { ExplorerProvider } from './explorer/provider';
import { AutoRefresh } from './explorer/autoRefresh';
import { TopologyEvents } from './explorer/topologyEvents';
import { IdentityChecks } from './explorer/identity';
import { probeConnection } from './broker/probe';
import type { ExplorerContext } from './explorer/nodes';
import { registerConnectionCommands } from './commands/connections';
import { registerTopologyCommands } from './commands/topology';
import { registerAdminCommands } from './commands/admin';
import { registerPolicyCommands } from './commands/policies';
import { registerDefinitionsCommands } from './commands/definitions';
import type { CommandServices } from './commands/context';
import { registerMessagingCommands } from './commands/messaging';
import { registerMessageOpCommands } from './commands/messageOps';
import { PanelManager } from './panels/panelManager';
import { registerRequestFileLanguage } from './requestFiles/language';
import { registerRequestRunner } from './requestFiles/run/commands';
import { registerConnectionsView } from './connectionsView/view';

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
    blocked: (id) => s.blocked(id),
    node: (id) => s.node(id),
    reportOk: (id) => s.reportOk(id),
    reportError: (id, err) => s.reportError(id, err),
    pageSize: () => Math.max(10, Math.min(500, config().get<number>('pageSize', 100))),
    showSystemExchanges: () => config().get<boolean>('showSystemExchanges', true),
    // Does the management URL reach the same broker as AMQP? Checked when a connection is expanded.
    identity: new IdentityChecks(
      async (p) => {
        const password = await store.getPassword(p);
        return password === undefined ? undefined : (await probeConnection(p, password)).identity;
      },
      (id) => {
        const node = explorer.root.connection(id);
        if (node) explorer.refresh(node);
      },
    ),
    changed: (node) => explorer.changed(node),
    reload: (node) => explorer.refresh(node),
  };
  const explorer = new ExplorerProvider(explorerContext);
  const view = vscode.window.createTreeView('burrow.explorer', { treeDataProvider: explorer, showCollapseAll: true });
  const statusBar = new ConnectionStatusBar(store, s);
  const topology = new TopologyEvents();
  const services: CommandServices = { store, sessions: s, explorer, log, topology };
  const panels = new PanelManager({ extensionUri: context.extensionUri, log, sessions: s, store, context, topology });

  const connectionsView = registerConnectionsView({
    explorerContext,
    log,
    autoRefreshSeconds: () => config().get<number>('autoRefreshSeconds', 5),
  });

  context.subscriptions.push(
    log,
    store,
    s,
    explorer,
    view,
    statusBar,
    new AutoRefresh(explorer, view, () => config().get<number>('autoRefreshSeconds', 5), topology),
    store.onDidChange(() => explorer.refresh()),
    onStatusSettled(s, (id) => {
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
    ...registerPolicyCommands(services),
    ...registerDefinitionsCommands(services),
    ...registerMessagingCommands(services, panels),
    ...registerMessageOpCommands(services),
    ...registerRequestFileLanguage({ store, sessions: s, log }),
    ...registerRequestRunner({ extensionUri: context.extensionUri, log, sessions: s, store, context }, services),
    panels,
    ...connectionsView.disposables,
    store.onDidChange(() => connectionsView.refresh()),
    onStatusSettled(s, (id) => connectionsView.refresh(id)),
  );
  log.info('Burrow activated');
}

/** Status changes come in bursts (connecting → connected); re-render each connection once per burst. */
function onStatusSettled(sessions: SessionManager, fire: (profileId: string) => void): vscode.Disposable {
  const timers = new Map<string, NodeJS.Timeout>();
  const sub = sessions.onDidChangeStatus((id) => {
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id);
        fire(id);
      }, 250),
    );
  });
  return new vscode.Disposable(() => {
    sub.dispose();
    for (const t of timers.values()) clearTimeout(t);
  });
}

export async function deactivate(): Promise<void> {
  await sessions?.disposeAsync();
  sessions = undefined;
}
