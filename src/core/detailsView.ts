/**
 * What the Details panel (a queue or an exchange) and the Overview panel show, read defensively from
 * the management API's replies (unknown JSON: a bad or missing field gives a shorter row, never an
 * exception). Pure: unit-tested; the broker layer fetches, the panels post these to their webviews.
 */
import { queuePlacement } from './clusterView';
import { consumerFacts, consumerLibrary, consumerWho, prefetchText, type ConsumerFacts } from './consumers';
import { effectiveExchangePolicy, exchangeEffective, type PolicyLike } from './exchangePolicy';

const capitalize = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
import { formatCount } from './format';
import { bindingCriteria, formatArgValue } from './topology';
import { buildChart, EXCHANGE_RATES, OVERVIEW_RATES, QUEUE_DEPTH, QUEUE_RATES, type ChartData } from './statsSamples';

export interface Row {
  name: string;
  value: string;
}

export interface BindingRow {
  source: string;
  destination: string;
  destinationType: string;
  criteria: string;
}

export interface ConsumerRow {
  tag: string;
  who: string;
  library: string;
  ack: string;
  prefetch: string;
  unacked: string;
  rate: string;
}

export interface PolicyView {
  /** The policy and operator policy the broker applied (queues), or the one it applied / computed (exchanges). */
  policy?: string;
  operatorPolicy?: string;
  /** The effective definition, one row per key. */
  definition: Row[];
  /** Where the definition comes from, or why it is uncertain. */
  note?: string;
}

export interface DetailsView {
  kind: 'queue' | 'exchange';
  name: string;
  facts: Row[];
  arguments: Row[];
  policy: PolicyView;
  bindings: BindingRow[];
  /** Queues only. */
  consumers?: ConsumerRow[];
  charts: ChartData[];
  /** When it was read (ms since the epoch). */
  readAt: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const yesNo = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : '—');
const count = (v: unknown): string => (num(v) === undefined ? '—' : formatCount(num(v) as number));

/** An arguments (or definition) table as rows, keys sorted. */
export function argumentRows(args: unknown): Row[] {
  const o = obj(args) ?? {};
  return Object.keys(o)
    .sort()
    .map((k) => ({ name: k, value: formatArgValue(o[k]) }));
}

export function bindingRows(bindings: unknown): BindingRow[] {
  return list(bindings).map((raw) => {
    const b = obj(raw) ?? {};
    const source = str(b.source) ?? '';
    const destination = str(b.destination) ?? '';
    const type = str(b.destination_type);
    return {
      source,
      destination,
      destinationType: type ?? '',
      criteria: bindingCriteria({
        source,
        destination,
        destination_type: type === 'exchange' ? 'exchange' : 'queue',
        routing_key: str(b.routing_key) ?? '',
        arguments: obj(b.arguments) ?? {},
      }),
    };
  });
}

function rate(r: number | undefined): string {
  return r === undefined ? '—' : `${r >= 100 ? Math.round(r) : r.toFixed(1)}/s`;
}

export function consumerRow(f: ConsumerFacts): ConsumerRow {
  return {
    tag: f.tag,
    who: f.channelNumber !== undefined ? `${consumerWho(f)} (ch ${f.channelNumber})` : consumerWho(f),
    library: consumerLibrary(f) ?? '—',
    ack: f.manualAck === undefined ? '—' : f.manualAck ? 'manual' : 'auto',
    prefetch: prefetchText(f),
    unacked: f.unacked === undefined ? '—' : formatCount(f.unacked),
    rate: rate(f.deliverRate ?? f.ackRate),
  };
}

/**
 * A queue's details from GET /api/queues/{vhost}/{name} with sample windows; `channels` and
 * `connections` (by name) add each consumer's figures when they could be read.
 */
/**
 * Where the queue lives: 'Node' for a classic queue; 'Leader' and 'Members' (offline ones marked)
 * for quorum queues and streams, from 3.10.8's or 4.x's fields (core/clusterView.ts).
 */
function placementFacts(q: Record<string, unknown>): Row[] {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const p = queuePlacement({
    type: str(q.type),
    node: str(q.node),
    leader: str(q.leader),
    members: strings(q.members),
    online: strings(q.online),
    state: str(q.state),
  });
  if (!p) return [{ name: 'Node', value: '—' }];
  if (p.kind === 'single') return [{ name: 'Node', value: `${p.node}${p.down.length ? ' (down)' : ''}` }];
  const online = p.members.filter((m) => m.online).length;
  return [
    { name: 'Leader', value: p.leader ?? '—' },
    {
      name: 'Members',
      value: `${p.members.map((m) => `${m.name}${m.online ? '' : ' (offline)'}`).join(', ')} (${online} of ${p.members.length} online)`,
    },
  ];
}

export function queueDetails(
  raw: unknown,
  bindings: unknown,
  channels: ReadonlyMap<string, unknown> = new Map(),
  connections: ReadonlyMap<string, unknown> = new Map(),
  readAt = Date.now(),
): DetailsView {
  const q = obj(raw) ?? {};
  const consumers = list(q.consumer_details).map((c) => {
    const cd = obj(obj(c)?.channel_details) ?? {};
    const ch = channels.get(str(cd.name) ?? '');
    const conn = connections.get(str(cd.connection_name) ?? str(obj(obj(ch)?.connection_details)?.name) ?? '');
    return consumerRow(consumerFacts(c, ch, conn));
  });
  const policy = str(q.policy) || undefined;
  const operatorPolicy = str(q.operator_policy) || undefined;
  const definition = argumentRows(q.effective_policy_definition);
  return {
    kind: 'queue',
    name: str(q.name) ?? '',
    facts: [
      { name: 'Type', value: str(q.type) ?? 'classic' },
      { name: 'State', value: str(q.state) ?? '—' },
      ...placementFacts(q),
      { name: 'Durable', value: yesNo(q.durable) },
      { name: 'Auto-delete', value: yesNo(q.auto_delete) },
      { name: 'Exclusive', value: yesNo(q.exclusive) },
      { name: 'Messages', value: count(q.messages) },
      { name: 'Ready', value: count(q.messages_ready) },
      { name: 'Unacked', value: count(q.messages_unacknowledged) },
      { name: 'Consumers', value: count(q.consumers) },
      { name: 'Memory', value: num(q.memory) === undefined ? '—' : formatBytes(num(q.memory) as number) },
    ],
    arguments: argumentRows(q.arguments),
    policy: {
      ...(policy ? { policy } : {}),
      ...(operatorPolicy ? { operatorPolicy } : {}),
      definition,
      ...(policy || operatorPolicy || definition.length ? {} : { note: 'No policy applies.' }),
    },
    bindings: bindingRows(bindings),
    consumers,
    charts: [buildChart(q, 'Queue depth', QUEUE_DEPTH), buildChart(q, 'Message rates', QUEUE_RATES)],
    readAt,
  };
}

/**
 * An exchange's details from GET /api/exchanges/{vhost}/{name} with sample windows. Exchanges have
 * no effective_policy_definition: it is computed from the vhost's policies (`policies`, undefined
 * when they could not be read) and the `policy` the broker reports, and, given `operator`, merged
 * with the operator policy the broker applies (the listing does not name it).
 */
export function exchangeDetails(
  raw: unknown,
  bindings: { asSource: unknown; asDestination: unknown },
  policies: readonly PolicyLike[] | undefined,
  readAt = Date.now(),
  /** The vhost's operator policies (undefined: not readable) and the broker's major version. */
  operator?: { operatorPolicies: readonly PolicyLike[] | undefined; brokerMajor: number },
): DetailsView {
  const x = obj(raw) ?? {};
  const name = str(x.name) ?? '';
  const reported = typeof x.policy === 'string' && x.policy !== '' ? x.policy : policies ? null : undefined;
  let policy: PolicyView;
  if (operator) {
    // Policy and operator policy merged as the broker does (exchangeEffective).
    const e = exchangeEffective(name, reported, policies, operator.operatorPolicies, operator.brokerMajor);
    const none = !e.policy && !e.operatorPolicy;
    policy = {
      ...(e.policy ? { policy: e.policy } : {}),
      ...(e.operatorPolicy ? { operatorPolicy: e.operatorPolicy } : {}),
      definition: argumentRows(e.definition),
      ...(e.notes.length ? { note: capitalize(e.notes.join('; ')) + '.' } : none ? { note: 'No policy applies.' } : {}),
    };
  } else if (!policies) {
    policy = {
      ...(typeof reported === 'string' ? { policy: reported } : {}),
      definition: [],
      note: 'The vhost’s policies could not be read, so the definition is not shown.',
    };
  } else {
    const r = effectiveExchangePolicy(name, policies, reported);
    policy = {
      ...(r.name ? { policy: r.name } : {}),
      definition: argumentRows(r.definition),
      ...(r.uncertain ? { note: r.uncertain } : r.name ? {} : { note: 'No policy applies.' }),
    };
  }
  return {
    kind: 'exchange',
    name,
    facts: [
      { name: 'Type', value: str(x.type) ?? '—' },
      { name: 'Durable', value: yesNo(x.durable) },
      { name: 'Auto-delete', value: yesNo(x.auto_delete) },
      { name: 'Internal', value: yesNo(x.internal) },
    ],
    arguments: argumentRows(x.arguments),
    policy,
    bindings: [...bindingRows(bindings.asSource), ...bindingRows(bindings.asDestination)],
    charts: [buildChart(x, 'Message rates', EXCHANGE_RATES)],
    readAt,
  };
}

// ----- Overview ---------------------------------------------------------------------------------

export interface NodeRow {
  name: string;
  running: boolean;
  type: string;
  uptime: string;
  memory: string;
  disk: string;
  fileDescriptors: string;
  sockets: string;
  processes: string;
  alarms: string[];
}

export interface ListenerRow {
  node: string;
  protocol: string;
  address: string;
  port: string;
}

export interface FeatureFlagRow {
  name: string;
  state: string;
  stability: string;
}

export interface OverviewView {
  clusterName: string;
  versions: Row[];
  nodes: NodeRow[];
  listeners: ListenerRow[];
  /** Undefined when the broker does not list them (an error text in featureFlagsNote). */
  featureFlags?: FeatureFlagRow[];
  featureFlagsNote?: string;
  totals: Row[];
  chart: ChartData;
  readAt: number;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${n < 0 ? '-' : ''}${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** 93784000 ms → "1d 2h 3m". */
export function formatUptime(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const m = Math.floor(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const parts = d ? [`${d}d`, `${h}h`, `${m % 60}m`] : h ? [`${h}h`, `${m % 60}m`] : [`${m % 60}m`];
  return parts.join(' ');
}

function usedOf(used: unknown, total: unknown, fmt: (n: number) => string): string {
  const u = num(used);
  const t = num(total);
  if (u === undefined) return '—';
  // 4.0 no longer counts sockets: sockets_total is 0 there.
  if (t === undefined || t <= 0) return fmt(u);
  return `${fmt(u)} / ${fmt(t)} (${Math.round((u / t) * 100)}%)`;
}

export function nodeRow(raw: unknown): NodeRow {
  const n = obj(raw) ?? {};
  const alarms: string[] = [];
  if (n.mem_alarm === true) alarms.push('memory');
  if (n.disk_free_alarm === true) alarms.push('disk');
  const diskFree = num(n.disk_free);
  const diskLimit = num(n.disk_free_limit);
  return {
    name: str(n.name) ?? '—',
    running: n.running === true,
    type: str(n.type) ?? '—',
    uptime: num(n.uptime) === undefined ? '—' : formatUptime(num(n.uptime) as number),
    memory: usedOf(n.mem_used, n.mem_limit, formatBytes),
    disk:
      diskFree === undefined
        ? '—'
        : `${formatBytes(diskFree)} free${diskLimit !== undefined ? ` (limit ${formatBytes(diskLimit)})` : ''}`,
    fileDescriptors: usedOf(n.fd_used, n.fd_total, formatCount),
    sockets: usedOf(n.sockets_used, n.sockets_total, formatCount),
    processes: usedOf(n.proc_used, n.proc_total, formatCount),
    alarms,
  };
}

/** GET /api/overview `listeners`: protocol and port per node (socket options, with file paths, are left out). */
export function listenerRows(raw: unknown): ListenerRow[] {
  return list(obj(raw)?.listeners).map((l) => {
    const o = obj(l) ?? {};
    return {
      node: str(o.node) ?? '—',
      protocol: str(o.protocol) ?? '—',
      address: str(o.ip_address) ?? '—',
      port: num(o.port) === undefined ? '—' : String(num(o.port)),
    };
  });
}

export function featureFlagRows(raw: unknown): FeatureFlagRow[] {
  return list(raw)
    .map((f) => {
      const o = obj(f) ?? {};
      return { name: str(o.name) ?? '—', state: str(o.state) ?? '—', stability: str(o.stability) ?? '—' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The Overview of a connection: GET /api/overview (with sample windows), /api/nodes and
 * /api/feature-flags (`featureFlags` is the error text when that could not be read).
 */
export function overviewView(
  overview: unknown,
  nodes: unknown,
  featureFlags: unknown | { error: string },
  readAt = Date.now(),
): OverviewView {
  const o = obj(overview) ?? {};
  const totals = obj(o.object_totals) ?? {};
  const queued = obj(o.queue_totals) ?? {};
  const flagError = obj(featureFlags) && typeof obj(featureFlags)?.error === 'string';
  const product = str(o.product_name);
  return {
    clusterName: str(o.cluster_name) ?? '—',
    versions: [
      { name: 'RabbitMQ', value: str(o.rabbitmq_version) ?? '—' },
      ...(product && product !== 'RabbitMQ'
        ? [{ name: 'Product', value: `${product} ${str(o.product_version) ?? ''}` }]
        : []),
      { name: 'Erlang', value: str(o.erlang_version) ?? '—' },
      { name: 'Management', value: str(o.management_version) ?? '—' },
      { name: 'Node connected to', value: str(o.node) ?? '—' },
      { name: 'Rates mode', value: str(o.rates_mode) ?? '—' },
    ],
    nodes: list(nodes).map(nodeRow),
    listeners: listenerRows(o),
    ...(flagError
      ? { featureFlagsNote: str(obj(featureFlags)?.error) }
      : { featureFlags: featureFlagRows(featureFlags) }),
    totals: [
      { name: 'Connections', value: count(totals.connections) },
      { name: 'Channels', value: count(totals.channels) },
      { name: 'Exchanges', value: count(totals.exchanges) },
      { name: 'Queues', value: count(totals.queues) },
      { name: 'Consumers', value: count(totals.consumers) },
      { name: 'Messages', value: count(queued.messages ?? 0) },
      { name: 'Ready', value: count(queued.messages_ready ?? 0) },
      { name: 'Unacked', value: count(queued.messages_unacknowledged ?? 0) },
    ],
    chart: buildChart(o, 'Message rates (all vhosts)', OVERVIEW_RATES),
    readAt,
  };
}
