/**
 * The Connections view (VS Code layer): the tree of ConnectionsRootNode (model.ts), its title
 * commands (Refresh, Filter…, Clear Filter), Load more, Close Connection…, and the live refresh of
 * what is expanded and visible (the explorer's AutoRefresh, same setting).
 */
import * as vscode from 'vscode';
import { AutoRefresh } from '../explorer/autoRefresh';
import { LoadMoreNode, type ExplorerContext, type ExplorerNode } from '../explorer/nodes';
import { ModelTreeProvider } from '../explorer/provider';
import { ask, confirmDanger, safeCommand } from '../commands/ui';
import { attempt } from '../commands/context';
import { ConnectionRow, ConnectionsRootNode, ProfileConnectionsNode } from './model';
import { closeConfirmation, connectionLabel } from './rows';

export const CONNECTIONS_VIEW_ID = 'burrow.connections';
const FILTERED_CONTEXT_KEY = 'burrow.connectionsFiltered';
export const DEFAULT_CLOSE_REASON = 'Closed from Burrow';

class ConnectionsProvider extends ModelTreeProvider<ConnectionsRootNode> {
  override getTreeItem(node: ExplorerNode): vscode.TreeItem {
    const item = super.getTreeItem(node);
    // The explorer's Load more command refreshes the explorer: this view has its own.
    if (node instanceof LoadMoreNode)
      item.command = { command: 'burrow.connections.loadMore', title: 'Load more', arguments: [node] };
    return item;
  }
}

export interface ConnectionsViewDeps {
  /** The explorer's context; changed/reload are replaced by this view's. */
  explorerContext: ExplorerContext;
  log: vscode.LogOutputChannel;
  autoRefreshSeconds(): number;
}

export interface ConnectionsView {
  disposables: vscode.Disposable[];
  /** Re-renders a profile's row (its session's status changed), or the whole view (the profiles changed). */
  refresh(profileId?: string): void;
}

export function registerConnectionsView(deps: ConnectionsViewDeps): ConnectionsView {
  const ctx: ExplorerContext = {
    ...deps.explorerContext,
    identity: undefined,
    changed: (node) => provider.changed(node),
    reload: (node) => provider.refresh(node),
  };
  const provider = new ConnectionsProvider(new ConnectionsRootNode(ctx));
  const root = provider.root;
  const view = vscode.window.createTreeView(CONNECTIONS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });

  const setFilter = (value: string) => {
    root.setFilter(value);
    view.description = root.filter ? `filter: ${root.filter}` : undefined;
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT_KEY, root.filter !== '');
    provider.refresh();
  };

  const command = (id: string, fn: (...args: never[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, safeCommand(deps.log, id, fn as (...args: unknown[]) => Promise<unknown>));

  const refresh = (profileId?: string) => {
    if (profileId === undefined) return provider.refresh();
    const node = root.profile(profileId);
    if (node) provider.refresh(node);
  };
  const disposables = [
    provider,
    view,
    new AutoRefresh(provider, view, deps.autoRefreshSeconds),
    command('burrow.connections.refresh', async (node?: ExplorerNode) => provider.refresh(node)),
    command('burrow.connections.filter', async () => {
      const value = await ask({
        title: 'Filter connections by name',
        prompt:
          'Text to find in connection names (* and ? allowed), or /regex/. Filtering happens on the broker. Empty clears.',
        value: root.filter,
      });
      setFilter(value);
    }),
    command('burrow.connections.clearFilter', async () => setFilter('')),
    command('burrow.connections.loadMore', async (node?: LoadMoreNode) => {
      if (!(node instanceof LoadMoreNode) || !(node.group instanceof ProfileConnectionsNode)) return;
      const group = node.group;
      await vscode.window.withProgress({ location: { viewId: CONNECTIONS_VIEW_ID } }, () => group.loadMore());
      provider.refresh(group);
    }),
    command('burrow.connections.close', async (node?: ExplorerNode) => {
      if (!(node instanceof ConnectionRow)) return;
      const c = node.item;
      const reason =
        (
          await ask({
            title: `Close connection ${connectionLabel(c)}`,
            prompt: 'Reason the client is given (connection.close reply text)',
            value: DEFAULT_CLOSE_REASON,
          })
        ).trim() || DEFAULT_CLOSE_REASON;
      const ok = await confirmDanger(
        `Close connection '${connectionLabel(c)}'?`,
        closeConfirmation(c, reason),
        'Close Connection',
      );
      if (!ok) return;
      const m = await ctx.management(node.profileId);
      await attempt(`Close connection '${connectionLabel(c)}'`, () => m.closeConnection(c.name, reason));
      deps.log.info(`Closed connection ${c.name} (${c.user ?? '?'}): ${reason}`);
      void vscode.window.showInformationMessage(`Burrow: closed connection '${connectionLabel(c)}'.`);
      provider.refresh(node.group);
    }),
  ];
  return { disposables, refresh };
}
