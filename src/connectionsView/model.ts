/**
 * The Connections view's tree model: Burrow's connection profiles → the broker's client
 * connections (paged by the API; a name filter also matches client-provided names) → their channels → the channels' consumers.
 * No 'vscode' import: ModelTreeProvider (explorer/provider.ts) maps NodeView to TreeItem. The
 * context is the explorer's (sessions, paging, re-rendering), so a profile's session opens, and
 * may ask for a password, only when the user expands the profile.
 */
import {
  CONNECTION_COLUMNS,
  type ChannelInfo,
  type ConnectionInfo,
  type ConsumerInfo,
  type ListOptions,
  type ManagementClient,
  type Page,
} from '../broker/management';
import type { ConnectionProfile } from '../core/profile';
import { profileLabel } from '../core/uri';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from '../explorer/base';
import { PagedGroupNode, type GroupRow } from '../explorer/pagedGroup';
import {
  alarmReason,
  channelDescription,
  channelLabel,
  channelTooltip,
  clientProvidedName,
  connectionDescription,
  connectionLabel,
  connectionTooltip,
  consumerDescription,
  consumerLabel,
  consumerTooltip,
  isBurrowConnection,
} from './rows';

export class ConnectionsRootNode extends ExplorerNode {
  readonly id = 'connections-root';
  /** The view's name filter, applied to every profile (server-side regex). */
  filter = '';
  private readonly profiles = new Map<string, ProfileConnectionsNode>();
  constructor(readonly ctx: ExplorerContext) {
    super(undefined);
  }
  view(): NodeView {
    return { label: 'Connections', contextValue: 'connectionsRoot', collapsible: 'expanded' };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    const profiles = this.ctx.profiles();
    const live = new Set(profiles.map((p) => p.id));
    for (const [id, node] of this.profiles)
      if (!live.has(id)) {
        node.detached = true;
        this.profiles.delete(id);
      }
    return Promise.resolve(
      profiles.map((p) => {
        let node = this.profiles.get(p.id);
        if (!node) {
          node = new ProfileConnectionsNode(this, this.ctx, p);
          if (this.filter) node.setFilter(this.filter);
          this.profiles.set(p.id, node);
        }
        node.profile = p;
        return node;
      }),
    );
  }
  profile(profileId: string): ProfileConnectionsNode | undefined {
    return this.profiles.get(profileId);
  }
  setFilter(filter: string): void {
    this.filter = filter.trim();
    for (const node of this.profiles.values()) node.setFilter(this.filter);
  }
}

/**
 * A page of the connections whose broker name (peer addresses), client-provided name or user match
 * the filter. The API's name= filter only sees the broker's name ("127.0.0.1:41694 -> …"), not the
 * name a client gave, so with a filter the listing is fetched whole (one request) and paged here.
 */
async function filteredPage(m: ManagementClient, opts: ListOptions): Promise<Page<ConnectionInfo>> {
  const all = await m.listConnections({ columns: [...CONNECTION_COLUMNS] });
  return pageOfMatches(all.items, opts.name ?? '', opts.page ?? 1, opts.pageSize ?? all.items.length);
}

/** The client-side filter and paging (exported for tests); the regex is case-insensitive. */
export function pageOfMatches(
  all: ConnectionInfo[],
  regex: string,
  page: number,
  pageSize: number,
): Page<ConnectionInfo> {
  let re: RegExp;
  try {
    re = new RegExp(regex, 'i');
  } catch (e) {
    throw new Error(`Invalid filter /${regex}/: ${(e as Error).message}`);
  }
  const matches = all.filter((c) => re.test(c.name) || re.test(clientProvidedName(c) ?? '') || re.test(c.user ?? ''));
  const size = Math.max(1, pageSize);
  return {
    items: matches.slice((page - 1) * size, page * size),
    page,
    pageSize: size,
    pageCount: Math.ceil(matches.length / size),
    filteredCount: matches.length,
    totalCount: all.length,
  };
}

interface NodeAlarms {
  name: string;
  mem_alarm?: boolean;
  disk_free_alarm?: boolean;
}

/** One profile: its broker's connections, a page at a time (Load more), with the view's filter. */
export class ProfileConnectionsNode extends PagedGroupNode<ConnectionInfo> {
  /** Why connections are blocked (the nodes' alarms), fetched only when one is blocked or blocking. */
  blockedReason: string | undefined;
  constructor(
    parent: ConnectionsRootNode,
    ctx: ExplorerContext,
    public profile: ConnectionProfile,
  ) {
    super(parent, ctx, profile.id, '', {
      row: { title: 'Connections', kind: 'connections', icon: 'plug', key: `profile:${profile.id}` },
      fetch: async (m, _vhost, opts) => {
        const page = opts.name ? await filteredPage(m, opts) : await m.listConnections(opts);
        this.blockedReason = page.items.some((c) => c.state === 'blocked' || c.state === 'blocking')
          ? alarmReason(
              await m.request<NodeAlarms[]>('GET', '/nodes', undefined, {
                query: { columns: 'name,mem_alarm,disk_free_alarm' },
              }),
            )
          : undefined;
        return page;
      },
      toNode: (group, item) => new ConnectionRow(group as ProfileConnectionsNode, item),
    });
  }

  override view(): NodeView {
    const base = super.view();
    const status = this.ctx.status(this.profile.id);
    const idle = status === 'idle';
    return {
      ...base,
      label: this.profile.name,
      description: [idle ? 'not connected · expand to connect' : base.description, status === 'error' ? 'error' : '']
        .filter(Boolean)
        .join(' · '),
      tooltip: [
        `${this.profile.name} — ${profileLabel(this.profile)}`,
        idle ? 'Not connected: expanding this row connects (and may ask for the password).' : `Status: ${status}`,
        this.filter ? `Filtered on the server by name: ${this.filter}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      contextValue: this.filter ? 'connectionsProfile.filtered' : 'connectionsProfile',
      icon: { codicon: this.filter ? 'filter-filled' : 'server' },
    };
  }

  /** The live refresh leaves a profile whose session is closed alone (it would open it, maybe prompt). */
  override async poll(): Promise<void> {
    if (this.ctx.status(this.profile.id) === 'idle') return;
    await super.poll();
  }
}

/** Re-fetches a row's children for the live refresh; re-renders the row if their list changed, else the rows that did. */
abstract class PolledParent<C extends ExplorerNode & { key: string }> extends ExplorerNode {
  protected kids = new Map<string, C>();
  private structure = '';
  abstract readonly profileId: string;
  abstract readonly ctx: ExplorerContext;
  protected abstract fetch(m: ManagementClient): Promise<ExplorerNode[]>;

  /** Reuses the child with the same key (updated in place) so expansion and polling follow it. */
  protected reconcile<T>(items: T[], key: (t: T) => string, make: (t: T) => C, update: (c: C, t: T) => void): C[] {
    const next = new Map<string, C>();
    for (const item of items) {
      const k = key(item);
      let child = this.kids.get(k);
      if (child) update(child, item);
      else child = make(item);
      next.set(k, child);
    }
    for (const [k, child] of this.kids) if (!next.has(k)) child.detached = true;
    this.kids = next;
    this.structure = [...next.keys()].join('\n');
    return [...next.values()];
  }

  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, (m) => this.fetch(m));
  }

  override async poll(): Promise<void> {
    if (this.ctx.status(this.profileId) === 'idle') return;
    const before = this.structure;
    const m = await this.ctx.management(this.profileId);
    try {
      await this.fetch(m);
    } catch (err) {
      this.ctx.reportError(this.profileId, err);
      throw err;
    }
    if (this.structure !== before) this.ctx.reload?.(this);
    else for (const child of this.kids.values()) this.ctx.changed?.(child);
  }
}

export class ConnectionRow extends PolledParent<ChannelRow> implements GroupRow<ConnectionInfo> {
  readonly id: string;
  readonly key: string;
  constructor(
    readonly group: ProfileConnectionsNode,
    public item: ConnectionInfo,
  ) {
    super(group);
    this.id = `${group.id}/conn:${item.name}`;
    this.key = item.name;
  }
  get ctx(): ExplorerContext {
    return this.group.ctx;
  }
  get profileId(): string {
    return this.group.profileId;
  }
  setItem(item: ConnectionInfo): void {
    this.item = item;
  }
  view(): NodeView {
    const c = this.item;
    const blocked = c.state === 'blocked' || c.state === 'blocking';
    return {
      label: connectionLabel(c),
      description: connectionDescription(c, this.group.blockedReason),
      tooltip: connectionTooltip(c, this.group.blockedReason),
      contextValue: isBurrowConnection(c) ? 'clientConnection.burrow' : 'clientConnection',
      icon: blocked
        ? { codicon: 'warning', color: 'list.warningForeground' }
        : c.state === 'flow'
          ? { codicon: 'debug-pause', color: 'list.warningForeground' }
          : { codicon: isBurrowConnection(c) ? 'plug' : 'arrow-swap' },
      collapsible: (c.channels ?? 1) > 0 ? 'collapsed' : 'none',
    };
  }
  protected async fetch(m: ManagementClient): Promise<ExplorerNode[]> {
    const channels = (await m.connectionChannels(this.item.name)).sort((a, b) => a.number - b.number);
    const rows = this.reconcile(
      channels,
      (ch) => ch.name,
      (ch) => new ChannelRow(this, ch),
      (row, ch) => (row.item = ch),
    );
    return rows.length ? rows : [new InfoNode(this, 'No channels (or not in the statistics yet)')];
  }
}

export class ChannelRow extends PolledParent<ConsumerRow> {
  readonly id: string;
  readonly key: string;
  constructor(
    readonly connection: ConnectionRow,
    public item: ChannelInfo,
  ) {
    super(connection);
    this.id = `${connection.id}/ch:${item.number}`;
    this.key = item.name;
  }
  get ctx(): ExplorerContext {
    return this.connection.ctx;
  }
  get profileId(): string {
    return this.connection.profileId;
  }
  view(): NodeView {
    return {
      label: channelLabel(this.item),
      description: channelDescription(this.item),
      tooltip: channelTooltip(this.item),
      contextValue: 'clientChannel',
      icon: { codicon: 'git-commit' },
      collapsible: (this.item.consumer_count ?? 0) > 0 ? 'collapsed' : 'none',
    };
  }
  protected async fetch(m: ManagementClient): Promise<ExplorerNode[]> {
    const ch = await m.channel(this.item.name);
    const { consumer_details: consumers = [], ...rest } = ch;
    this.item = { ...this.item, ...rest };
    const rows = this.reconcile(
      consumers,
      (c) => `${c.queue.vhost}\n${c.queue.name}\n${c.consumer_tag}`,
      (c) => new ConsumerRow(this, c),
      (row, c) => (row.item = c),
    );
    return rows.length ? rows : [new InfoNode(this, 'No consumers')];
  }
}

export class ConsumerRow extends ExplorerNode {
  readonly id: string;
  readonly key: string;
  constructor(
    parent: ChannelRow,
    public item: ConsumerInfo,
  ) {
    super(parent);
    this.key = `${item.queue.vhost}\n${item.queue.name}\n${item.consumer_tag}`;
    this.id = `${parent.id}/consumer:${this.key}`;
  }
  view(): NodeView {
    return {
      label: consumerLabel(this.item),
      description: consumerDescription(this.item),
      tooltip: consumerTooltip(this.item),
      contextValue: 'clientConsumer',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
  }
}
