/**
 * The explorer's tree model: the root, connections and vhosts (this file), with the shared node
 * types in base.ts, a vhost's topology in topologyNodes.ts and users / permissions in
 * adminNodes.ts; everything is exported from here. No 'vscode' import: the provider maps NodeView
 * to TreeItem, so this model runs (and is benchmarked/tested) in plain Node.
 */
import type { ConnectionProfile } from '../core/profile';
import { profileLabel } from '../core/uri';
import { formatHostList, profileNodes } from '../core/cluster';
import { NodesGroupNode } from './clusterNodes';
import { ExplorerNode, guarded, type ExplorerContext, type IconSpec, type NodeView, type SessionStatus } from './base';
import { ExchangesGroupNode, QueuesGroupNode } from './topologyNodes';
import { PermissionsNode, UsersNode } from './adminNodes';
import { PoliciesGroupNode } from './policyNodes';

export * from './base';
export * from './topologyNodes';
export * from './adminNodes';
export * from './policyNodes';

export class RootNode extends ExplorerNode {
  readonly id = 'root';
  private readonly connections = new Map<string, ConnectionNode>();
  constructor(readonly ctx: ExplorerContext) {
    super(undefined);
  }
  view(): NodeView {
    return { label: 'Burrow', contextValue: 'root', collapsible: 'expanded' };
  }
  override async getChildren(): Promise<ExplorerNode[]> {
    const profiles = this.ctx.profiles();
    const live = new Set(profiles.map((p) => p.id));
    for (const id of this.connections.keys()) if (!live.has(id)) this.connections.delete(id);
    return profiles.map((p) => {
      let node = this.connections.get(p.id);
      if (!node) {
        node = new ConnectionNode(this, this.ctx, p);
        this.connections.set(p.id, node);
      }
      node.profile = p;
      return node;
    });
  }
  connection(profileId: string): ConnectionNode | undefined {
    return this.connections.get(profileId);
  }
}

const STATUS_ICON: Record<SessionStatus, IconSpec> = {
  idle: { codicon: 'plug' },
  connecting: { codicon: 'loading~spin' },
  connected: { codicon: 'vm-running', color: 'testing.iconPassed' },
  reconnecting: { codicon: 'sync~spin', color: 'list.warningForeground' },
  error: { codicon: 'error', color: 'errorForeground' },
};

const BLOCKED_HELP = (reason: string) =>
  `The broker blocks publishing: ${reason} (a resource alarm). Publishes fail at once until it clears; peek, tail and browsing keep working.`;

/** One tooltip line for the vhosts where the broker blocks publishing, or '' when none. */
export function blockedSummary(blocked: ReadonlyMap<string, string> | undefined): string {
  if (!blocked || blocked.size === 0) return '';
  const reasons = [...new Set(blocked.values())].join(', ');
  const vhosts = [...blocked.keys()].map((v) => `'${v}'`).join(', ');
  return `The broker blocks publishing on vhost ${vhosts}: ${reasons} (a resource alarm). Publishes fail at once until it clears; reads keep working.`;
}

export class ConnectionNode extends ExplorerNode {
  readonly id: string;
  private readonly vhostNodes = new Map<string, VhostNode>();
  private usersNode?: UsersNode;
  private nodesNode?: NodesGroupNode;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    public profile: ConnectionProfile,
  ) {
    super(parent);
    this.id = `conn:${profile.id}`;
  }
  view(): NodeView {
    const status = this.ctx.status(this.profile.id);
    const error = this.ctx.lastError(this.profile.id);
    const statusText = status === 'idle' ? '' : status;
    const warning = this.ctx.identity?.warning(this.profile);
    const blocked = blockedSummary(this.ctx.blocked?.(this.profile.id));
    const cluster = (this.profile.hosts?.length ?? 0) > 0;
    const node = cluster && status !== 'idle' ? this.ctx.node?.(this.profile.id) : undefined;
    return {
      label: this.profile.name,
      description: [
        profileLabel(this.profile),
        cluster ? `${(this.profile.hosts?.length ?? 0) + 1} nodes` : '',
        node ? `on ${node}` : '',
        statusText,
        blocked ? 'publishing blocked' : '',
        warning ? '⚠ management URL reaches another broker' : '',
      ]
        .filter(Boolean)
        .join(' · '),
      tooltip: [
        `${this.profile.name} — ${profileLabel(this.profile)}`,
        `Status: ${status}`,
        cluster
          ? `Cluster nodes: ${formatHostList(profileNodes(this.profile))}${this.profile.shuffleHosts ? ' (shuffled)' : ''}`
          : '',
        node ? `Connected to node ${node}` : '',
        blocked,
        warning ? `⚠ ${warning}` : '',
        error ? `Last error: ${error}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      contextValue: status === 'idle' ? 'connection' : 'connection.open',
      icon: STATUS_ICON[status],
      collapsible: 'collapsed',
    };
  }
  /** The row of a vhost of this connection, once the tree has listed it. */
  vhostNode(name: string): VhostNode | undefined {
    return this.vhostNodes.get(name);
  }
  override async getChildren(): Promise<ExplorerNode[]> {
    const notes = this.ctx.identity?.rows(this) ?? { rows: [], stop: false };
    if (notes.stop) return notes.rows;
    const children = await this.listChildren();
    return [...notes.rows, ...children];
  }
  private listChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profile.id, this, async (m) => {
      const vhosts = await m.listVhosts();
      const listed = new Set(vhosts.map((v) => v.name));
      for (const [name, node] of this.vhostNodes)
        if (!listed.has(name)) {
          node.detached = true; // deleted: the live tree stops refreshing its groups
          this.vhostNodes.delete(name);
        }
      const nodes: ExplorerNode[] = vhosts
        .map((v) => v.name)
        .sort((a, b) => a.localeCompare(b))
        .map((name) => {
          let node = this.vhostNodes.get(name);
          if (!node) {
            node = new VhostNode(this, this.ctx, this.profile.id, name);
            this.vhostNodes.set(name, node);
          }
          return node;
        });
      this.nodesNode ??= new NodesGroupNode(this, this.ctx, this.profile.id);
      this.usersNode ??= new UsersNode(this, this.ctx, this.profile.id);
      nodes.push(this.nodesNode, this.usersNode);
      return nodes;
    });
  }
}

export class VhostNode extends ExplorerNode {
  readonly id: string;
  readonly exchanges: ExchangesGroupNode;
  readonly queues: QueuesGroupNode;
  readonly permissions: PermissionsNode;
  readonly policies: PoliciesGroupNode;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
  ) {
    super(parent);
    this.id = `${parent.id}/vhost:${vhost}`;
    this.exchanges = new ExchangesGroupNode(this, ctx, profileId, vhost);
    this.queues = new QueuesGroupNode(this, ctx, profileId, vhost);
    this.permissions = new PermissionsNode(this, ctx, profileId, vhost);
    this.policies = new PoliciesGroupNode(this, ctx, profileId, vhost);
  }
  view(): NodeView {
    const reason = this.ctx.blocked?.(this.profileId).get(this.vhost);
    if (reason === undefined) {
      return {
        label: this.vhost,
        tooltip: `Virtual host ${this.vhost}`,
        contextValue: 'vhost',
        icon: { codicon: 'folder-library' },
        collapsible: 'collapsed',
      };
    }
    return {
      label: this.vhost,
      description: `blocked: ${reason}`,
      tooltip: `Virtual host ${this.vhost}\n${BLOCKED_HELP(reason)}`,
      contextValue: 'vhost',
      icon: { codicon: 'warning', color: 'list.warningForeground' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return Promise.resolve([this.exchanges, this.queues, this.policies, this.permissions]);
  }
}

/** Walks up to the vhost node of any node below one. */
export function vhostOf(node: ExplorerNode | undefined): VhostNode | undefined {
  for (let n = node; n; n = n.parent) if (n instanceof VhostNode) return n;
  return undefined;
}

export function connectionOf(node: ExplorerNode | undefined): ConnectionNode | undefined {
  for (let n = node; n; n = n.parent) if (n instanceof ConnectionNode) return n;
  return undefined;
}
