/**
 * The explorer's tree model: the cluster a connection is on. A "Nodes" row per connection lists
 * the cluster's nodes (running or down, alarms, partitions) under the cluster's name. No 'vscode'
 * import.
 */
import type { ClusterNodeInfo, ManagementClient } from '../broker/management';
import { clusterNodeView } from '../core/clusterView';
import { ExplorerNode, guarded, type ExplorerContext, type NodeView } from './base';

export class NodesGroupNode extends ExplorerNode {
  readonly id: string;
  /** The last listing, for the row's description (e.g. "3 nodes, 1 down"). */
  private last?: { cluster?: string; nodes: ClusterNodeInfo[] };
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
  ) {
    super(parent);
    this.id = `${parent.id}/nodes`;
  }
  view(): NodeView {
    const nodes = this.last?.nodes;
    const down = nodes?.filter((n) => n.running === false).length ?? 0;
    return {
      label: 'Nodes',
      description: nodes
        ? [this.last?.cluster, `${nodes.length} node${nodes.length === 1 ? '' : 's'}`, down ? `⚠ ${down} down` : '']
            .filter(Boolean)
            .join(' · ')
        : undefined,
      tooltip: `The cluster's nodes: running or down, alarms, partitions${this.last?.cluster ? ` (cluster ${this.last.cluster})` : ''}`,
      contextValue: 'clusterNodes',
      icon: { codicon: 'server-environment' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m: ManagementClient) => {
      const [nodes, cluster] = await Promise.all([m.listNodes(), m.clusterName().catch(() => undefined)]);
      this.last = { cluster, nodes };
      // The row was drawn before its first listing: draw it again with the summary ("⚠ 1 down").
      this.ctx.changed?.(this);
      return [...nodes]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((n) => new ClusterNodeRow(this, this.profileId, n));
    });
  }
  /** The live tree's tick: lists the nodes again and re-renders the group when a node's state changed. */
  override async poll(): Promise<void> {
    if (!this.last) return;
    const m = await this.ctx.management(this.profileId);
    let nodes: ClusterNodeInfo[];
    try {
      nodes = await m.listNodes();
    } catch (err) {
      this.ctx.reportError(this.profileId, err);
      throw err;
    }
    this.ctx.reportOk(this.profileId);
    const state = (list: ClusterNodeInfo[]) =>
      JSON.stringify([...list].sort((a, b) => a.name.localeCompare(b.name)).map((n) => clusterNodeView(n)));
    if (state(nodes) === state(this.last.nodes)) return;
    this.last = { ...this.last, nodes };
    this.ctx.reload?.(this);
  }
}

export class ClusterNodeRow extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly profileId: string,
    readonly node: ClusterNodeInfo,
  ) {
    super(parent);
    this.id = `${parent.id}/${node.name}`;
  }
  view(): NodeView {
    const v = clusterNodeView(this.node);
    const alarm = this.node.mem_alarm || this.node.disk_free_alarm || (this.node.partitions?.length ?? 0) > 0;
    return {
      label: this.node.name,
      description: v.description,
      tooltip: v.tooltip,
      contextValue: v.down ? 'clusterNode.down' : 'clusterNode',
      icon: v.down
        ? { codicon: 'error', color: 'errorForeground' }
        : alarm
          ? { codicon: 'warning', color: 'list.warningForeground' }
          : { codicon: 'vm-running' },
      collapsible: 'none',
    };
  }
}
