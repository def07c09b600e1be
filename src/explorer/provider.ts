import * as vscode from 'vscode';
import { RootNode, type ExplorerContext, type ExplorerNode, type NodeView } from './nodes';

const COLLAPSIBLE: Record<NodeView['collapsible'], vscode.TreeItemCollapsibleState> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
};

/** Adapts a vscode-free tree model (the explorer's, the Connections view's) to a TreeDataProvider. */
export class ModelTreeProvider<R extends ExplorerNode>
  implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable
{
  private readonly emitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** What each row showed when VS Code last asked for it: the live tree re-renders only rows that differ. */
  private readonly shown = new WeakMap<ExplorerNode, string>();
  /** Rows fired by changed() that VS Code has not drawn again yet. */
  private readonly unseen = new WeakSet<ExplorerNode>();

  constructor(readonly root: R) {}

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    const v = node.view();
    this.shown.set(node, fingerprint(v));
    this.unseen.delete(node);
    const item = new vscode.TreeItem(v.label, COLLAPSIBLE[v.collapsible]);
    // No TreeItem.id on purpose: VS Code rejects a refresh that races with a pending
    // getChildren ("Element with id … is already registered"). Without ids it keys rows by
    // label path, which keeps expansion state just as well for this tree.
    item.description = v.description;
    // The tooltip is sent only when the row is hovered (resolveTreeItem): it is about half of what
    // a row weighs, and every refresh of a group (a Load more, a tick that changes the rows) sends
    // all of its rows again.
    item.contextValue = v.contextValue;
    if (v.icon)
      item.iconPath = new vscode.ThemeIcon(
        v.icon.codicon,
        v.icon.color ? new vscode.ThemeColor(v.icon.color) : undefined,
      );
    if (v.command) item.command = { command: v.command.command, title: v.command.title, arguments: [node] };
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    const v = node.view();
    item.tooltip = v.tooltipMarkdown !== undefined ? new vscode.MarkdownString(v.tooltipMarkdown) : v.tooltip;
    return item;
  }

  getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    return (node ?? this.root).getChildren();
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent === this.root ? undefined : node.parent;
  }

  /** Re-renders a node (and re-fetches its children if expanded); the whole tree without argument. */
  refresh(node?: ExplorerNode): void {
    this.emitter.fire(node === this.root ? undefined : node);
  }

  /**
   * Re-renders a row only if what it shows changed since VS Code last drew it; true if it did.
   * VS Code drops a refresh of a row it no longer tracks (its parent was refreshed while the
   * parent's children were still on their way): a row fired before and still not drawn again has
   * its parent refreshed instead, which registers the rows anew.
   */
  changed(node: ExplorerNode): boolean {
    const before = this.shown.get(node);
    if (before === undefined || before === fingerprint(node.view())) return false;
    if (this.unseen.has(node) && node.parent) {
      this.unseen.delete(node);
      this.refresh(node.parent);
      return true;
    }
    this.unseen.add(node);
    this.refresh(node);
    return true;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** The explorer's provider: the Brokers view. */
export class ExplorerProvider extends ModelTreeProvider<RootNode> {
  constructor(ctx: ExplorerContext) {
    super(new RootNode(ctx));
  }
}

const fingerprints = new WeakMap<NodeView, string>();
/** What a row shows, as a string (memoized per view object: rows keep theirs while their item is unchanged). */
function fingerprint(v: NodeView): string {
  let f = fingerprints.get(v);
  if (f === undefined) {
    f = JSON.stringify(v);
    fingerprints.set(v, f);
  }
  return f;
}
