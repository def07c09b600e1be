/**
 * The explorer's tree model, part 2: a vhost's topology. The Exchanges and Queues groups (paged
 * from the management API, with a server-side name filter), exchanges, queues, Burrow's own tap
 * queues, bindings and consumers. No 'vscode' import.
 */
import { placementBadge, placementLines, queuePlacement } from '../core/clusterView';
import {
  bindingCriteria,
  formatArgValue,
  exchangeDescription,
  exchangeDisplayName,
  exchangeFeatures,
  isSystemExchange,
  queueDescription,
  queueFigures,
  queueTooltipMarkdown,
  queueFeatures,
  queueType,
  tapQueueInfo,
  tapQueueLabel,
  type TapQueueInfo,
} from '../core/topology';
import {
  consumerChannelName,
  consumerConnectionName,
  consumerDescription,
  consumerFacts,
  consumerLabel,
  consumerTooltip,
  consumerTooltipMarkdown,
  deliveryShares,
  sortConsumerFacts,
  type ConsumerFacts,
} from '../core/consumers';
import type { BindingInfo, ConsumerInfo, ExchangeInfo, ManagementClient, QueueInfo } from '../broker/management';
import { channelsByName, connectionsByName, type ChannelStats, type ConnectionClient } from '../broker/consumerStats';
import { argumentVsPolicyLines, policyLines } from '../core/policies';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';
import { PagedGroupNode } from './pagedGroup';
import { readVhostPolicies, type VhostPolicies } from '../broker/managementPolicies';
import { exchangeEffective } from '../core/exchangePolicy';

export { LoadMoreNode, PagedGroupNode } from './pagedGroup';

export class ExchangesGroupNode extends PagedGroupNode<ExchangeInfo> {
  /**
   * The vhost's policies and operator policies, read with every page fetch (the listing names an
   * exchange's policy only, not its operator policy nor the definition: see exchangeEffective).
   */
  readonly policies: { current?: VhostPolicies };
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    const policies: { current?: VhostPolicies } = {};
    super(parent, ctx, profileId, vhost, {
      row: { title: 'Exchanges', kind: 'exchanges', icon: 'arrow-swap' },
      fetch: async (m, v, opts) => {
        const [page, read] = await Promise.all([
          m.listExchanges(v, opts),
          readVhostPolicies(m, v, policies.current?.brokerMajor),
        ]);
        policies.current = read;
        return page;
      },
      keep: (x) => ctx.showSystemExchanges() || !isSystemExchange(x.name),
      toNode: (group, x) => new ExchangeNode(group, ctx, profileId, vhost, x, () => policies.current),
    });
    this.policies = policies;
  }
}

/** Lists queues; Burrow's own tap queues become TapQueueNodes (core/topology.ts tapQueueInfo). */
export class QueuesGroupNode extends PagedGroupNode<QueueInfo> {
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string, vhost: string) {
    super(parent, ctx, profileId, vhost, {
      row: { title: 'Queues', kind: 'queues', icon: 'inbox' },
      fetch: (m, v, opts) => m.listQueues(v, opts),
      fetchOne: (m, v, name) => m.getQueueRow(v, name),
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

/**
 * A row for one named object of a vhost (exchange, queue, tap queue), as the management API listed
 * it; the group updates it in place on refresh (setItem). Its children (bindings, consumers) are
 * fetched by getChildren, or by the live tree's poll, which re-renders them only when they changed.
 */
abstract class VhostObjectNode<T extends { name: string }> extends ExplorerNode {
  readonly id: string;
  private shownChildren = '';
  private ready: ExplorerNode[] | undefined;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
    protected item: T,
    idKind: string,
  ) {
    super(parent);
    this.id = `${parent.id}/${idKind}:${item.name}`;
  }
  /** The object's real name. */
  get name(): string {
    return this.item.name;
  }
  setItem(item: T): void {
    this.item = item;
  }
  private viewMemo: { item: T; view: NodeView } | undefined;
  /**
   * The row's view, computed again only when its item was replaced (a fetch): a group's refresh
   * (Load more, a tick) asks VS Code to draw every row again, and most rows have not changed.
   */
  protected memoView(compute: (item: T) => NodeView): NodeView {
    if (this.viewMemo?.item !== this.item) this.viewMemo = { item: this.item, view: compute(this.item) };
    return this.viewMemo.view;
  }
  /** Fetches the children; throws on a broker failure. */
  protected abstract loadChildren(m: ManagementClient): Promise<ExplorerNode[]>;

  override getChildren(): Promise<ExplorerNode[]> {
    const ready = this.ready;
    this.ready = undefined;
    if (ready) return Promise.resolve(ready);
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const nodes = await this.loadChildren(m);
      this.shownChildren = childrenKey(nodes);
      return nodes;
    });
  }

  override async poll(): Promise<void> {
    const m = await this.ctx.management(this.profileId);
    let nodes: ExplorerNode[];
    try {
      nodes = await this.loadChildren(m);
    } catch (err) {
      this.ctx.reportError(this.profileId, err);
      throw err;
    }
    this.ctx.reportOk(this.profileId);
    const key = childrenKey(nodes);
    if (key === this.shownChildren) return;
    this.shownChildren = key;
    this.ready = nodes;
    this.ctx.reload?.(this);
  }
}

/**
 * "Policy: p (operator: o)" and the effective definition (policy and operator policy merged as the
 * broker does), and what is not known. Before the policies are read: the listing's policy name.
 */
export function exchangePolicyLines(x: ExchangeInfo, read: VhostPolicies | undefined): string[] {
  if (!read) return policyLines(x.policy, x.operator_policy, undefined);
  const reported = typeof x.policy === 'string' && x.policy !== '' && x.policy !== 'none' ? x.policy : null;
  const e = exchangeEffective(x.name, reported, read.policies, read.operatorPolicies, read.brokerMajor);
  const lines = policyLines(e.policy, e.operatorPolicy, e.definition);
  // Unreadable lists are worth a line only where a policy applies (else every row would say it).
  const notes = lines.length ? e.notes : e.notes.filter((n) => n.includes(`'${x.name}'`));
  return [...lines, ...notes.map((n) => `(${n})`)];
}

function childrenKey(nodes: ExplorerNode[]): string {
  return JSON.stringify(nodes.map((n) => n.view()));
}

export class ExchangeNode extends VhostObjectNode<ExchangeInfo> {
  constructor(
    parent: ExplorerNode,
    ctx: ExplorerContext,
    profileId: string,
    vhost: string,
    exchange: ExchangeInfo,
    /** The vhost's policies as last read (undefined: not read yet). */
    private readonly policies: () => VhostPolicies | undefined = () => undefined,
  ) {
    super(parent, ctx, profileId, vhost, exchange, 'x');
  }
  get exchange(): ExchangeInfo {
    return this.item;
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
        ...exchangePolicyLines(x, this.policies()),
      ].join('\n'),
      contextValue: x.name === '' ? 'exchange.default' : x.name.startsWith('amq.') ? 'exchange.system' : 'exchange',
      icon: { codicon: EXCHANGE_ICONS[x.type] ?? 'symbol-event' },
      collapsible: x.name === '' ? 'none' : 'collapsed',
    };
  }
  protected async loadChildren(m: ManagementClient): Promise<ExplorerNode[]> {
    const [outgoing, incoming] = await Promise.all([
      m.exchangeBindingsAsSource(this.vhost, this.name),
      m.exchangeBindingsAsDestination(this.vhost, this.name),
    ]);
    const nodes: ExplorerNode[] = [
      ...outgoing.map((b) => new BindingNode(this, this.profileId, this.vhost, b, 'out')),
      ...incoming.map((b) => new BindingNode(this, this.profileId, this.vhost, b, 'in')),
    ];
    return nodes.length ? nodes : [new InfoNode(this, 'No bindings')];
  }
}

export class QueueNode extends VhostObjectNode<QueueInfo> {
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string, vhost: string, queue: QueueInfo) {
    super(parent, ctx, profileId, vhost, queue, 'q');
  }
  get queue(): QueueInfo {
    return this.item;
  }
  view(): NodeView {
    return this.memoView((q) => this.computeView(q));
  }
  private computeView(q: QueueInfo): NodeView {
    const type = queueType(q);
    return {
      label: q.name,
      description: [queueDescription(q), placementBadge(queuePlacement(q))].filter(Boolean).join(' · '),
      tooltip: [`Queue ${q.name} (${type})`, ...queueDetails(q)].join('\n'),
      tooltipMarkdown: queueTooltipMarkdown(q, `Queue ${q.name} (${type})`, queueDetails(q)),
      contextValue: `queue.${type}`,
      icon: { codicon: type === 'quorum' ? 'database' : type === 'stream' ? 'pulse' : 'inbox' },
      collapsible: 'collapsed',
    };
  }
  protected loadChildren(m: ManagementClient): Promise<ExplorerNode[]> {
    return queueChildren(this, m);
  }
}

/** Tooltip lines of a queue row after its first line: counts, features, arguments. */
function queueDetails(q: QueueInfo): string[] {
  return [
    queueFigures(q),
    ...placementLines(queuePlacement(q)),
    `Features: ${queueFeatures(q).join(' ') || 'transient'}`,
    ...Object.entries(q.arguments ?? {}).map(([k, v]) => `${k}: ${formatArgValue(v)}`),
    ...queuePolicyLines(q),
  ];
}

/** "Policy: p (operator: o)", the effective definition, and keys both the arguments and the policy set. */
function queuePolicyLines(q: QueueInfo): string[] {
  const definition = Array.isArray(q.effective_policy_definition) ? undefined : q.effective_policy_definition;
  const lines = policyLines(q.policy, q.operator_policy, definition);
  if (!lines.length) return lines;
  const target = { kind: 'queue' as const, name: q.name, queueType: queueType(q) };
  return [...lines, ...argumentVsPolicyLines(target, q.arguments, definition)];
}

/** A queue row's children: its bindings and its consumers (with their channels and connections). */
async function queueChildren(node: QueueNode | TapQueueNode, m: ManagementClient): Promise<ExplorerNode[]> {
  const [bindings, consumers] = await Promise.all([
    m.queueBindings(node.vhost, node.name),
    m.queueConsumers(node.vhost, node.name),
  ]);
  const nodes: ExplorerNode[] = [
    ...bindings.map((b) => new BindingNode(node, node.profileId, node.vhost, b, 'in')),
    ...(await consumerNodes(node, m, consumers)),
  ];
  return nodes.length ? nodes : [new InfoNode(node, 'No bindings or consumers')];
}

/**
 * The consumer rows of a queue, sorted stably, each with its channel's and connection's figures
 * (src/broker/consumerStats.ts bounds the requests). If those cannot be read, the rows show what
 * consumer_details says.
 */
async function consumerNodes(
  node: QueueNode | TapQueueNode,
  m: ManagementClient,
  consumers: ConsumerInfo[],
): Promise<ConsumerNode[]> {
  if (!consumers.length) return [];
  const channelNames = consumers.map(consumerChannelName).filter((n): n is string => !!n);
  const connectionNames = consumers.map(consumerConnectionName).filter((n): n is string => !!n);
  const [channels, connections] = await Promise.all([
    channelsByName(m, node.vhost, channelNames).catch(() => new Map<string, ChannelStats>()),
    connectionsByName(m, node.vhost, connectionNames).catch(() => new Map<string, ConnectionClient>()),
  ]);
  const rows = consumers.map((c) => {
    const ch = channels.get(consumerChannelName(c) ?? '');
    const conn = connections.get(consumerConnectionName(c) ?? ch?.connection_details?.name ?? '');
    return { consumer: c, facts: consumerFacts(c, ch, conn) };
  });
  const sorted = sortConsumerFacts(rows);
  const shares = sorted.length > 1 ? deliveryShares(sorted.map((r) => r.facts)) : [];
  return sorted.map((r, i) => new ConsumerNode(node, r.consumer, r.facts, shares[i]));
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
    queue: QueueInfo,
    readonly tap: TapQueueInfo,
  ) {
    super(parent, ctx, profileId, vhost, queue, 'tap');
  }
  get queue(): QueueInfo {
    return this.item;
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
  protected loadChildren(m: ManagementClient): Promise<ExplorerNode[]> {
    return queueChildren(this, m);
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

/**
 * A consumer of a queue: labelled by its connection's client-provided name (or peer) and channel,
 * described compactly (library · unacked/prefetch · rate · share of deliveries); every figure is
 * in the tooltip (src/core/consumers.ts).
 */
export class ConsumerNode extends ExplorerNode {
  readonly id: string;
  readonly facts: ConsumerFacts;
  constructor(
    parent: ExplorerNode,
    readonly consumer: ConsumerInfo,
    facts?: ConsumerFacts,
    /** This consumer's share of the deliveries across the queue's consumers, 0..1. */
    readonly share?: number,
  ) {
    super(parent);
    this.id = `${parent.id}/c:${consumer.channel_details?.name ?? ''}:${consumer.consumer_tag}`;
    this.facts = facts ?? consumerFacts(consumer);
  }
  get name(): string {
    return this.consumer.consumer_tag;
  }
  view(): NodeView {
    const f = this.facts;
    return {
      label: consumerLabel(f),
      description: consumerDescription(f, this.share),
      tooltip: consumerTooltip(f, this.share),
      tooltipMarkdown: consumerTooltipMarkdown(f, this.share),
      contextValue: 'consumer',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
  }
}
