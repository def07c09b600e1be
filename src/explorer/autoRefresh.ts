import * as vscode from 'vscode';
import { RefreshScheduler } from '../core/refreshScheduler';
import { RootNode, type ExplorerNode } from './nodes';
import type { ModelTreeProvider } from './provider';
import type { TopologyChange, TopologyEvents } from './topologyEvents';

/** Management statistics lag the broker by up to this (collect_statistics_interval, 5 s by default). */
const STATS_LAG_MS = 5_500;

/**
 * The live tree (the explorer's, and the Connections view's without `events`): every `burrow.explorer.autoRefreshSeconds` (default 5; 0 = off) it refreshes the
 * nodes that are expanded AND visible (their ancestors expanded, the view shown), each through its
 * poll(), which re-renders only rows whose data changed. Paused while the view is hidden; backs off
 * on errors (core/refreshScheduler.ts). Burrow's own operations (TopologyEvents) refresh the
 * affected groups at once, and once more when the broker's statistics have caught up.
 */
export class AutoRefresh implements vscode.Disposable {
  private readonly expanded = new Set<ExplorerNode>();
  private readonly scheduler: RefreshScheduler<ExplorerNode>;
  private readonly subscriptions: vscode.Disposable[];
  private readonly followUps = new Set<NodeJS.Timeout>();

  constructor(
    private readonly explorer: ModelTreeProvider<ExplorerNode>,
    private readonly view: vscode.TreeView<ExplorerNode>,
    private readonly seconds: () => number,
    events?: TopologyEvents,
  ) {
    this.scheduler = new RefreshScheduler<ExplorerNode>(
      {
        intervalMs: () => {
          const s = this.seconds();
          return s > 0 ? Math.max(2, s) * 1000 : 0;
        },
        visible: () => this.view.visible,
        targets: () => this.targets(),
        refresh: (node) => node.poll?.() ?? Promise.resolve(),
      },
      { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    );
    this.subscriptions = [
      view.onDidExpandElement((e) => this.expanded.add(e.element)),
      view.onDidCollapseElement((e) => this.expanded.delete(e.element)),
      view.onDidChangeVisibility((e) => (e.visible ? this.scheduler.resume() : this.scheduler.update())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('burrow.explorer.autoRefreshSeconds')) this.scheduler.update();
      }),
    ];
    if (events) this.subscriptions.push(events.onDidChange((c) => this.changedByBurrow(c)));
    this.scheduler.update();
  }

  /** Expanded nodes whose ancestors are all expanded and still listed. */
  private targets(): ExplorerNode[] {
    const out: ExplorerNode[] = [];
    for (const node of this.expanded) {
      if (!node.poll) continue;
      let shown = !node.detached;
      for (let n = node.parent; shown && n && n !== this.explorer.root; n = n.parent)
        shown = !n.detached && this.expanded.has(n);
      if (shown) out.push(node);
      else if (node.detached) this.expanded.delete(node);
    }
    return out;
  }

  /** After publish, purge, declare, bind…: the affected groups now (if shown) and after the stats lag. */
  private changedByBurrow(change: TopologyChange): void {
    const root = this.explorer.root;
    const vhost = root instanceof RootNode ? root.connection(change.profileId)?.vhostNode(change.vhost) : undefined;
    if (!vhost) return;
    const groups: (ExplorerNode & { markStale(): void })[] = [];
    if (change.queues !== undefined) groups.push(vhost.queues);
    if (change.exchanges !== undefined) groups.push(vhost.exchanges);
    const run = () => {
      // A listing, not the row tick of big vhosts: the operation may have added or removed objects.
      for (const g of groups) g.markStale();
      void this.scheduler.refreshNow(groups.filter((g) => this.expanded.has(g)));
    };
    run();
    const t = setTimeout(() => {
      this.followUps.delete(t);
      run();
    }, STATS_LAG_MS);
    this.followUps.add(t);
  }

  /** For tests and diagnostics: the nodes a tick would refresh now. */
  get shownTargets(): readonly ExplorerNode[] {
    return this.targets();
  }

  dispose(): void {
    this.scheduler.dispose();
    for (const t of this.followUps) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
  }
}
