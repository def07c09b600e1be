/**
 * The explorer's tree model, part 2: a vhost's topology. The Exchanges and Queues groups (paged
 * from the management API, with a server-side name filter), exchanges, queues, Burrow's own tap
 * queues, bindings and consumers. No 'vscode' import.
 */
import {
  bindingCriteria,
  formatArgValue,
  exchangeDescription,
  exchangeDisplayName,
  exchangeFeatures,
  filterToRegex,
  isSystemExchange,
  queueDescription,
  queueFeatures,
  queueType,
  tapQueueInfo,
  tapQueueLabel,
  type TapQueueInfo,
} from '../core/topology';
import { formatCount } from '../core/format';
import type {
  BindingInfo,
  ConsumerInfo,
  ExchangeInfo,
  ListOptions,
  ManagementClient,
  Page,
  QueueInfo,
} from '../broker/management';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';

/** What makes a paged group the Exchanges or the Queues group. */
interface GroupSpec<T extends { name: string }> {
  /** `kind` is also the contextValue (`queues`, `queues.filtered`…) and the last part of the id. */
  row: { title: string; kind: 'exchanges' | 'queues'; icon: string };
  fetch(m: ManagementClient, vhost: string, opts: ListOptions): Promise<Page<T>>;
  /** Items the tree leaves out (system exchanges when so configured). */
  keep?(item: T): boolean;
  toNode(group: PagedGroupNode<T>, item: T): ExplorerNode;
}

/**
 * A group whose items are fetched page by page from the management API, with an
 * optional server-side name filter. Keeps the pages loaded across refreshes.
 */
abstract class PagedGroupNode<T extends { name: string }> extends ExplorerNode {
  readonly id: string;
  filter = '';
  private pagesWanted = 1;
  private items: T[] = [];
  private total = 0;
  private filtered = 0;
  private pageCount = 0;
  private loadedOnce = false;
  protected readonly title: string;

  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
    private readonly spec: GroupSpec<T>,
  ) {
    super(parent);
    this.id = `${parent.id}/${spec.row.kind}`;
    this.title = spec.row.title;
  }

  private fetch(m: ManagementClient, opts: ListOptions): Promise<Page<T>> {
    return this.spec.fetch(m, this.vhost, opts);
  }

  view(): NodeView {
    const count = this.loadedOnce
      ? this.filter
        ? `${formatCount(this.filtered)} of ${formatCount(this.total)}`
        : formatCount(this.total)
      : '';
    return {
      label: this.title,
      description: [count, this.filter ? `filter: ${this.filter}` : ''].filter(Boolean).join(' · '),
      tooltip: this.filter ? `Filtered on the server by name: ${this.filter}` : `${this.title} in ${this.vhost}`,
      contextValue: this.filter ? `${this.spec.row.kind}.filtered` : this.spec.row.kind,
      icon: { codicon: this.filter ? 'filter-filled' : this.spec.row.icon },
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
    const keep = this.spec.keep ?? (() => true);
    const nodes: ExplorerNode[] = this.items.filter((i) => keep(i)).map((i) => this.spec.toNode(this, i));
    if (this.hasMore) nodes.push(new LoadMoreNode(this, this.items.length, this.filter ? this.filtered : this.total));
    if (nodes.length === 0)
      nodes.push(
        new InfoNode(
          this,
          this.filter ? `No ${this.title.toLowerCase()} match '${this.filter}'` : `No ${this.title.toLowerCase()}`,
        ),
      );
    return nodes;
  }
}

export class LoadMoreNode extends ExplorerNode {
  readonly id: string;
  constructor(
    readonly group: ExplorerNode & { loadMore(): Promise<void> },
    readonly shown: number,
    readonly of: number,
  ) {
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
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    super(parent, ctx, profileId, vhost, {
      row: { title: 'Exchanges', kind: 'exchanges', icon: 'arrow-swap' },
      fetch: (m, v, opts) => m.listExchanges(v, opts),
      keep: (x) => ctx.showSystemExchanges() || !isSystemExchange(x.name),
      toNode: (group, x) => new ExchangeNode(group, ctx, profileId, vhost, x),
    });
  }
}

/** Lists queues; Burrow's own tap queues become TapQueueNodes (core/topology.ts tapQueueInfo). */
export class QueuesGroupNode extends PagedGroupNode<QueueInfo> {
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    super(parent, ctx, profileId, vhost, {
      row: { title: 'Queues', kind: 'queues', icon: 'inbox' },
      fetch: (m, v, opts) => m.listQueues(v, opts),
      toNode: (group, q) => {
        const tap = tapQueueInfo(q);
        return tap
          ? new TapQueueNode(group, ctx, profileId, vhost, q, tap)
          : new QueueNode(group, ctx, profileId, vhost, q);
      },
    });
  }
}

const EXCHANGE_ICONS: Record<string, string> = {
  direct: 'arrow-right',
  fanout: 'broadcast',
  topic: 'symbol-namespace',
  headers: 'symbol-property',
};

/** A row for one named object of a vhost (exchange, queue, tap queue), as the management API listed it. */
abstract class VhostObjectNode<T extends { name: string }> extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
    protected readonly item: T,
    idKind: string,
  ) {
    super(parent);
    this.id = `${parent.id}/${idKind}:${item.name}`;
  }
  /** The object's real name. */
  get name(): string {
    return this.item.name;
  }
}

export class ExchangeNode extends VhostObjectNode<ExchangeInfo> {
  constructor(
    parent: ExplorerNode,
    ctx: ExplorerContext,
    profileId: string,
    vhost: string,
    readonly exchange: ExchangeInfo,
  ) {
    super(parent, ctx, profileId, vhost, exchange, 'x');
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
        ...args.map(([k, v]) => `${k}: ${formatArgValue(v)}`),
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

export class QueueNode extends VhostObjectNode<QueueInfo> {
  constructor(
    parent: ExplorerNode,
    ctx: ExplorerContext,
    profileId: string,
    vhost: string,
    readonly queue: QueueInfo,
  ) {
    super(parent, ctx, profileId, vhost, queue, 'q');
  }
  view(): NodeView {
    const q = this.queue;
    const type = queueType(q);
    return {
      label: q.name,
      description: queueDescription(q),
      tooltip: [`Queue ${q.name} (${type})`, ...queueDetails(q)].join('\n'),
      contextValue: `queue.${type}`,
      icon: { codicon: type === 'quorum' ? 'database' : type === 'stream' ? 'pulse' : 'inbox' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return queueChildren(this);
  }
}

/** Tooltip lines of a queue row after its first line: counts, features, arguments. */
function queueDetails(q: QueueInfo): string[] {
  return [
    `Messages: ${formatCount(q.messages ?? 0)} (ready ${formatCount(q.messages_ready ?? 0)}, unacked ${formatCount(q.messages_unacknowledged ?? 0)})`,
    `Consumers: ${formatCount(q.consumers ?? 0)}`,
    `Features: ${queueFeatures(q).join(' ') || 'transient'}`,
    ...Object.entries(q.arguments ?? {}).map(([k, v]) => `${k}: ${formatArgValue(v)}`),
  ];
}

/** A queue row's children: its bindings and its consumers. */
function queueChildren(node: QueueNode | TapQueueNode): Promise<ExplorerNode[]> {
  return guarded(node.ctx, node.profileId, node, async (m) => {
    const [bindings, consumers] = await Promise.all([
      m.queueBindings(node.vhost, node.name),
      m.queueConsumers(node.vhost, node.name),
    ]);
    const nodes: ExplorerNode[] = [
      ...bindings.map((b) => new BindingNode(node, node.profileId, node.vhost, b, 'in')),
      ...consumers.map((c) => new ConsumerNode(node, c)),
    ];
    return nodes.length ? nodes : [new InfoNode(node, 'No bindings or consumers')];
  });
}

/**
 * One of Burrow's own tap queues (a Tail in tap mode, in this window or another Burrow's): a
 * temporary exclusive queue that gets copies of what the tapped queue or exchange receives. Shown
 * for what it is, with no queue actions (purge, delete, bind, peek, publish…): it belongs to a
 * running tail and goes away when that tail stops. Its bindings and consumer are its children.
 */
export class TapQueueNode extends VhostObjectNode<QueueInfo> {
  constructor(
    parent: ExplorerNode,
    ctx: ExplorerContext,
    profileId: string,
    vhost: string,
    readonly queue: QueueInfo,
    readonly tap: TapQueueInfo,
  ) {
    super(parent, ctx, profileId, vhost, queue, 'tap');
  }
  view(): NodeView {
    const q = this.queue;
    const what =
      this.tap.kind === 'exchange'
        ? `exchange '${exchangeDisplayName(this.tap.target)}' routes to it`
        : `queue '${this.tap.target}' receives`;
    return {
      label: tapQueueLabel(this.tap),
      description: queueDescription(q),
      tooltip: [
        `Queue ${q.name}: a temporary queue of Burrow's Tail (tap mode)`,
        `It gets copies of what ${what}, without taking anything from it. It belongs to the Burrow connection that tails and disappears when that tail stops or its window closes: stop the tail in its panel rather than deleting this queue.`,
        ...queueDetails(q),
      ].join('\n'),
      contextValue: 'tapQueue',
      icon: { codicon: 'eye', color: 'descriptionForeground' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return queueChildren(this);
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
  constructor(
    parent: ExplorerNode,
    readonly consumer: ConsumerInfo,
  ) {
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
      description: [
        `prefetch ${c.prefetch_count}`,
        ack,
        c.exclusive ? 'exclusive' : '',
        c.active === false ? 'inactive' : '',
      ]
        .filter(Boolean)
        .join(' · '),
      tooltip: `Consumer ${c.consumer_tag}\n${ack}, prefetch ${c.prefetch_count}\nChannel: ${from}`,
      contextValue: 'consumer',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
  }
}
