/**
 * The explorer's tree model. No 'vscode' import: the provider maps NodeView to TreeItem,
 * so this model runs (and is benchmarked/tested) in plain Node.
 */
import type { ConnectionProfile } from '../core/profile';
import { profileLabel } from '../core/uri';
import {
  bindingCriteria,
  exchangeDescription,
  exchangeDisplayName,
  exchangeFeatures,
  filterToRegex,
  isSystemExchange,
  queueDescription,
  queueFeatures,
  queueType,
} from '../core/topology';
import { formatCount } from '../core/format';
import type { BindingInfo, ConsumerInfo, ExchangeInfo, ListOptions, ManagementClient, Page, QueueInfo, UserInfo, PermissionInfo } from '../broker/management';
import { describeForUser } from '../broker/errors';
import type { ConnectionWarnings } from './identity';

export type SessionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export interface IconSpec {
  codicon: string;
  color?: string;
}

export interface NodeView {
  label: string;
  description?: string;
  tooltip?: string;
  contextValue: string;
  icon?: IconSpec;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /** Command run when the row is clicked. */
  command?: { command: string; title: string };
}

/** What the tree model needs from the outside world. */
export interface ExplorerContext {
  profiles(): ConnectionProfile[];
  management(profileId: string): Promise<ManagementClient>;
  status(profileId: string): SessionStatus;
  lastError(profileId: string): string | undefined;
  /** vhost -> the broker's reason while it blocks publishing there (connection.blocked). Optional. */
  blocked?(profileId: string): ReadonlyMap<string, string>;
  reportOk(profileId: string): void;
  reportError(profileId: string, err: unknown): void;
  pageSize(): number;
  showSystemExchanges(): boolean;
  /** Optional: does the management URL reach the same broker as AMQP? (explorer/identity.ts) */
  identity?: ConnectionWarnings;
}

export abstract class ExplorerNode {
  abstract readonly id: string;
  abstract view(): NodeView;
  getChildren(): Promise<ExplorerNode[]> {
    return Promise.resolve([]);
  }
  constructor(readonly parent: ExplorerNode | undefined) {}
}

/** A broker call that failed, shown in place of the children it was meant to produce. */
export class ErrorNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly message: string) {
    super(parent);
    this.id = `${parent.id}/!error`;
  }
  view(): NodeView {
    return {
      label: this.message,
      tooltip: this.message,
      contextValue: 'error',
      icon: { codicon: 'error', color: 'errorForeground' },
      collapsible: 'none',
    };
  }
}

export class InfoNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly message: string, key = 'info') {
    super(parent);
    this.id = `${parent.id}/!${key}`;
  }
  view(): NodeView {
    return { label: this.message, contextValue: 'info', icon: { codicon: 'info' }, collapsible: 'none' };
  }
}

/** Runs a management call for a node; failures become an error node and update the connection status. */
async function guarded(
  ctx: ExplorerContext,
  profileId: string,
  parent: ExplorerNode,
  load: (m: ManagementClient) => Promise<ExplorerNode[]>,
): Promise<ExplorerNode[]> {
  try {
    const m = await ctx.management(profileId);
    const children = await load(m);
    ctx.reportOk(profileId);
    return children;
  } catch (err) {
    ctx.reportError(profileId, err);
    return [new ErrorNode(parent, describeForUser(err))];
  }
}

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
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, public profile: ConnectionProfile) {
    super(parent);
    this.id = `conn:${profile.id}`;
  }
  view(): NodeView {
    const status = this.ctx.status(this.profile.id);
    const error = this.ctx.lastError(this.profile.id);
    const statusText = status === 'idle' ? '' : status;
    const warning = this.ctx.identity?.warning(this.profile);
    const blocked = blockedSummary(this.ctx.blocked?.(this.profile.id));
    return {
      label: this.profile.name,
      description: [profileLabel(this.profile), statusText, blocked ? 'publishing blocked' : '', warning ? '⚠ management URL reaches another broker' : ''].filter(Boolean).join(' · '),
      tooltip: [`${this.profile.name} — ${profileLabel(this.profile)}`, `Status: ${status}`, blocked, warning ? `⚠ ${warning}` : '', error ? `Last error: ${error}` : '']
        .filter(Boolean)
        .join('\n'),
      contextValue: status === 'idle' ? 'connection' : 'connection.open',
      icon: STATUS_ICON[status],
      collapsible: 'collapsed',
    };
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
      this.usersNode ??= new UsersNode(this, this.ctx, this.profile.id);
      nodes.push(this.usersNode);
      return nodes;
    });
  }
}

export class VhostNode extends ExplorerNode {
  readonly id: string;
  readonly exchanges: ExchangesGroupNode;
  readonly queues: QueuesGroupNode;
  readonly permissions: PermissionsNode;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string) {
    super(parent);
    this.id = `${parent.id}/vhost:${vhost}`;
    this.exchanges = new ExchangesGroupNode(this, ctx, profileId, vhost);
    this.queues = new QueuesGroupNode(this, ctx, profileId, vhost);
    this.permissions = new PermissionsNode(this, ctx, profileId, vhost);
  }
  view(): NodeView {
    const reason = this.ctx.blocked?.(this.profileId).get(this.vhost);
    if (reason === undefined) {
      return { label: this.vhost, tooltip: `Virtual host ${this.vhost}`, contextValue: 'vhost', icon: { codicon: 'folder-library' }, collapsible: 'collapsed' };
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
    return Promise.resolve([this.exchanges, this.queues, this.permissions]);
  }
}

/**
 * A group whose items are fetched page by page from the management API, with an
 * optional server-side name filter. Keeps the pages loaded across refreshes.
 */
abstract class PagedGroupNode<T extends { name: string }> extends ExplorerNode {
  filter = '';
  private pagesWanted = 1;
  private items: T[] = [];
  private total = 0;
  private filtered = 0;
  private pageCount = 0;
  private loadedOnce = false;
  protected abstract readonly title: string;
  protected abstract readonly kind: string;
  protected abstract readonly iconName: string;

  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string) {
    super(parent);
  }

  protected abstract fetch(m: ManagementClient, opts: ListOptions): Promise<Page<T>>;
  protected abstract toNode(item: T): ExplorerNode;
  protected keep(_item: T): boolean {
    return true;
  }

  view(): NodeView {
    const count = this.loadedOnce ? (this.filter ? `${formatCount(this.filtered)} of ${formatCount(this.total)}` : formatCount(this.total)) : '';
    return {
      label: this.title,
      description: [count, this.filter ? `filter: ${this.filter}` : ''].filter(Boolean).join(' · '),
      tooltip: this.filter ? `Filtered on the server by name: ${this.filter}` : `${this.title} in ${this.vhost}`,
      contextValue: this.filter ? `${this.kind}.filtered` : this.kind,
      icon: { codicon: this.filter ? 'filter-filled' : this.iconName },
      collapsible: 'collapsed',
    };
  }

  private options(page: number): ListOptions {
    const opts: ListOptions = { page, pageSize: this.ctx.pageSize() };
    if (this.filter) {
      opts.name = filterToRegex(this.filter);
      opts.useRegex = true;
    }
    return opts;
  }

  /** Re-fetches every page the user had loaded. */
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const items: T[] = [];
      let last: Page<T> | undefined;
      for (let page = 1; page <= this.pagesWanted; page++) {
        last = await this.fetch(m, this.options(page));
        items.push(...last.items);
        if (page >= last.pageCount) break;
      }
      this.apply(items, last);
      return this.render();
    });
  }

  /** Fetches the next page and appends it. */
  async loadMore(): Promise<void> {
    const m = await this.ctx.management(this.profileId);
    const next = await this.fetch(m, this.options(this.pagesWanted + 1));
    this.pagesWanted++;
    this.apply([...this.items, ...next.items], next);
  }

  setFilter(filter: string): void {
    this.filter = filter.trim();
    this.pagesWanted = 1;
  }

  private apply(items: T[], last: Page<T> | undefined): void {
    this.items = items;
    this.loadedOnce = true;
    this.total = last?.totalCount ?? items.length;
    this.filtered = last?.filteredCount ?? items.length;
    this.pageCount = last?.pageCount ?? 1;
  }

  get hasMore(): boolean {
    return this.pagesWanted < this.pageCount;
  }

  private render(): ExplorerNode[] {
    const nodes: ExplorerNode[] = this.items.filter((i) => this.keep(i)).map((i) => this.toNode(i));
    if (this.hasMore) nodes.push(new LoadMoreNode(this, this.items.length, this.filter ? this.filtered : this.total));
    if (nodes.length === 0) nodes.push(new InfoNode(this, this.filter ? `No ${this.title.toLowerCase()} match '${this.filter}'` : `No ${this.title.toLowerCase()}`));
    return nodes;
  }
}

export class LoadMoreNode extends ExplorerNode {
  readonly id: string;
  constructor(readonly group: ExplorerNode & { loadMore(): Promise<void> }, readonly shown: number, readonly of: number) {
    super(group);
    this.id = `${group.id}/!more`;
  }
  view(): NodeView {
    return {
      label: 'Load more…',
      description: `${formatCount(this.shown)} of ${formatCount(this.of)} shown`,
      contextValue: 'loadMore',
      icon: { codicon: 'ellipsis' },
      collapsible: 'none',
      command: { command: 'burrow.loadMore', title: 'Load more' },
    };
  }
}

export class ExchangesGroupNode extends PagedGroupNode<ExchangeInfo> {
  readonly id: string;
  protected readonly title = 'Exchanges';
  protected readonly kind = 'exchanges';
  protected readonly iconName = 'arrow-swap';
  constructor(parent: VhostNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    super(parent, ctx, profileId, vhost);
    this.id = `${parent.id}/exchanges`;
  }
  protected fetch(m: ManagementClient, opts: ListOptions): Promise<Page<ExchangeInfo>> {
    return m.listExchanges(this.vhost, opts);
  }
  protected override keep(x: ExchangeInfo): boolean {
    return this.ctx.showSystemExchanges() || !isSystemExchange(x.name);
  }
  protected toNode(x: ExchangeInfo): ExplorerNode {
    return new ExchangeNode(this, this.ctx, this.profileId, this.vhost, x);
  }
}

export class QueuesGroupNode extends PagedGroupNode<QueueInfo> {
  readonly id: string;
  protected readonly title = 'Queues';
  protected readonly kind = 'queues';
  protected readonly iconName = 'inbox';
  constructor(parent: VhostNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    super(parent, ctx, profileId, vhost);
    this.id = `${parent.id}/queues`;
  }
  protected fetch(m: ManagementClient, opts: ListOptions): Promise<Page<QueueInfo>> {
    return m.listQueues(this.vhost, opts);
  }
  protected toNode(q: QueueInfo): ExplorerNode {
    return new QueueNode(this, this.ctx, this.profileId, this.vhost, q);
  }
}

const EXCHANGE_ICONS: Record<string, string> = {
  direct: 'arrow-right',
  fanout: 'broadcast',
  topic: 'symbol-namespace',
  headers: 'symbol-property',
};

export class ExchangeNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string, readonly exchange: ExchangeInfo) {
    super(parent);
    this.id = `${parent.id}/x:${exchange.name}`;
  }
  get name(): string {
    return this.exchange.name;
  }
  view(): NodeView {
    const x = this.exchange;
    const args = Object.entries(x.arguments ?? {});
    return {
      label: exchangeDisplayName(x.name),
      description: exchangeDescription(x),
      tooltip: [
        `Exchange ${exchangeDisplayName(x.name)} (${x.type})`,
        `Features: ${exchangeFeatures(x).join(' ') || 'transient'}`,
        ...args.map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
      ].join('\n'),
      contextValue: x.name === '' ? 'exchange.default' : x.name.startsWith('amq.') ? 'exchange.system' : 'exchange',
      icon: { codicon: EXCHANGE_ICONS[x.type] ?? 'symbol-event' },
      collapsible: x.name === '' ? 'none' : 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const [outgoing, incoming] = await Promise.all([
        m.exchangeBindingsAsSource(this.vhost, this.name),
        m.exchangeBindingsAsDestination(this.vhost, this.name),
      ]);
      const nodes: ExplorerNode[] = [
        ...outgoing.map((b) => new BindingNode(this, this.profileId, this.vhost, b, 'out')),
        ...incoming.map((b) => new BindingNode(this, this.profileId, this.vhost, b, 'in')),
      ];
      return nodes.length ? nodes : [new InfoNode(this, 'No bindings')];
    });
  }
}

export class QueueNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string, readonly queue: QueueInfo) {
    super(parent);
    this.id = `${parent.id}/q:${queue.name}`;
  }
  get name(): string {
    return this.queue.name;
  }
  view(): NodeView {
    const q = this.queue;
    const type = queueType(q);
    const args = Object.entries(q.arguments ?? {});
    return {
      label: q.name,
      description: queueDescription(q),
      tooltip: [
        `Queue ${q.name} (${type})`,
        `Messages: ${formatCount(q.messages ?? 0)} (ready ${formatCount(q.messages_ready ?? 0)}, unacked ${formatCount(q.messages_unacknowledged ?? 0)})`,
        `Consumers: ${formatCount(q.consumers ?? 0)}`,
        `Features: ${queueFeatures(q).join(' ') || 'transient'}`,
        ...args.map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
      ].join('\n'),
      contextValue: `queue.${type}`,
      icon: { codicon: type === 'quorum' ? 'database' : type === 'stream' ? 'pulse' : 'inbox' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const [bindings, consumers] = await Promise.all([m.queueBindings(this.vhost, this.name), m.queueConsumers(this.vhost, this.name)]);
      const nodes: ExplorerNode[] = [
        ...bindings.map((b) => new BindingNode(this, this.profileId, this.vhost, b, 'in')),
        ...consumers.map((c) => new ConsumerNode(this, c)),
      ];
      return nodes.length ? nodes : [new InfoNode(this, 'No bindings or consumers')];
    });
  }
}

export class BindingNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly profileId: string,
    readonly vhost: string,
    readonly binding: BindingInfo,
    /** 'out': parent is the source; 'in': parent is the destination. */
    readonly direction: 'in' | 'out',
  ) {
    super(parent);
    this.id = `${parent.id}/b:${direction}:${binding.source}>${binding.destination_type}:${binding.destination}#${binding.properties_key}`;
  }
  view(): NodeView {
    const b = this.binding;
    const source = exchangeDisplayName(b.source);
    const dest = `${b.destination_type === 'exchange' ? 'exchange ' : ''}${b.destination}`;
    const criteria = bindingCriteria(b);
    return {
      label: this.direction === 'out' ? `→ ${dest}` : `← ${source}`,
      description: criteria,
      tooltip: `${source} → ${b.destination_type} ${b.destination}\n${Object.keys(b.arguments ?? {}).length ? 'arguments' : 'routing key'}: ${criteria}`,
      contextValue: b.source === '' ? 'binding.default' : 'binding',
      icon: { codicon: 'link' },
      collapsible: 'none',
    };
  }
}

export class ConsumerNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly consumer: ConsumerInfo) {
    super(parent);
    this.id = `${parent.id}/c:${consumer.channel_details?.name ?? ''}:${consumer.consumer_tag}`;
  }
  get name(): string {
    return this.consumer.consumer_tag;
  }
  view(): NodeView {
    const c = this.consumer;
    const ack = c.ack_required ? 'manual ack' : 'auto ack';
    const from = c.channel_details?.connection_name ?? c.channel_details?.name ?? '';
    return {
      label: c.consumer_tag,
      description: [`prefetch ${c.prefetch_count}`, ack, c.exclusive ? 'exclusive' : '', c.active === false ? 'inactive' : ''].filter(Boolean).join(' · '),
      tooltip: `Consumer ${c.consumer_tag}\n${ack}, prefetch ${c.prefetch_count}\nChannel: ${from}`,
      contextValue: 'consumer',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
  }
}

export class UsersNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string) {
    super(parent);
    this.id = `${parent.id}/users`;
  }
  view(): NodeView {
    return { label: 'Users', tooltip: 'Users and their tags (administrator, monitoring, …)', contextValue: 'users', icon: { codicon: 'organization' }, collapsible: 'collapsed' };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const users = await m.listUsers();
      return users.sort((a, b) => a.name.localeCompare(b.name)).map((u) => new UserNode(this, this.profileId, u));
    });
  }
}

export class UserNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly profileId: string, readonly user: UserInfo) {
    super(parent);
    this.id = `${parent.id}/u:${user.name}`;
  }
  get name(): string {
    return this.user.name;
  }
  view(): NodeView {
    const tags = this.user.tags.join(', ');
    return {
      label: this.user.name,
      description: tags || 'no tags',
      tooltip: `User ${this.user.name}\nTags: ${tags || 'none'}`,
      contextValue: 'user',
      icon: { codicon: this.user.tags.includes('administrator') ? 'shield' : 'account' },
      collapsible: 'none',
    };
  }
}

export class PermissionsNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string) {
    super(parent);
    this.id = `${parent.id}/permissions`;
  }
  view(): NodeView {
    return { label: 'Permissions', tooltip: `Who may configure / write / read in ${this.vhost}`, contextValue: 'permissions', icon: { codicon: 'key' }, collapsible: 'collapsed' };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const perms = await m.vhostPermissions(this.vhost);
      if (perms.length === 0) return [new InfoNode(this, 'No user has access to this vhost')];
      return perms.sort((a, b) => a.user.localeCompare(b.user)).map((p) => new PermissionNode(this, this.profileId, p));
    });
  }
}

export class PermissionNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly profileId: string, readonly permission: PermissionInfo) {
    super(parent);
    this.id = `${parent.id}/p:${permission.user}`;
  }
  view(): NodeView {
    const p = this.permission;
    return {
      label: p.user,
      description: `configure ${p.configure || '∅'} · write ${p.write || '∅'} · read ${p.read || '∅'}`,
      tooltip: `${p.user} in vhost ${p.vhost}\nconfigure: ${p.configure}\nwrite: ${p.write}\nread: ${p.read}`,
      contextValue: 'permission',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
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
