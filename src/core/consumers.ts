/**
 * A queue's consumers as they are: who (connection name or peer, client library), how (prefetch,
 * ack mode) and how much (unacked on the channel, delivery rate, share of the deliveries). Pure:
 * the explorer hands it what the management API returned (a queue's consumer_details, the vhost's
 * channels, the connections' client properties) as unknown JSON; bad or missing fields give a
 * shorter row, never an exception.
 */
import { formatCount } from './format';
import { escapeMarkdown } from './topology';

/** What a consumer row shows, read defensively from the management API's objects. */
export interface ConsumerFacts {
  tag: string;
  /** Manual ack (ack_required) or auto ack; undefined when the API did not say. */
  manualAck?: boolean;
  exclusive: boolean;
  active?: boolean;
  /** The consumer's own prefetch (basic.qos global=false before basic.consume); 0 = none. */
  consumerPrefetch?: number;
  channelName?: string;
  channelNumber?: number;
  /** The channel-wide prefetch (basic.qos global=true), shared by the channel's consumers; 0 = none. */
  channelPrefetch?: number;
  /** Unacknowledged messages on the consumer's channel (all its consumers together). */
  unacked?: number;
  /** Consumers on the channel (unacked and deliveries are the channel's, shared between them). */
  channelConsumers?: number;
  /** Messages delivered on the channel so far (message_stats.deliver_get). */
  delivered?: number;
  deliverRate?: number;
  ackRate?: number;
  /** The connection's client-provided name (connection_name), else undefined. */
  connectionName?: string;
  /** The connection's peer as host:port. */
  peer?: string;
  /** Client library and version from the connection's client properties ("amqplib 0.10.3"). */
  product?: string;
  version?: string;
  user?: string;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function rate(v: unknown): number | undefined {
  return num(obj(v)?.rate);
}
/** client_properties values may come as strings or, from some clients, as byte arrays / objects. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** The channel name a consumer (a consumer_details entry) is on, for looking its channel up. */
export function consumerChannelName(consumer: unknown): string | undefined {
  return str(obj(obj(consumer)?.channel_details)?.name);
}

/** The connection name (the broker's, "host:port -> host:port") a consumer's channel belongs to. */
export function consumerConnectionName(consumer: unknown): string | undefined {
  return str(obj(obj(consumer)?.channel_details)?.connection_name);
}

/**
 * Reads one consumer from a queue's consumer_details entry, its channel (a /channels listing
 * entry) and its connection (a /connections entry), any of which may be missing or malformed.
 */
export function consumerFacts(consumer: unknown, channel?: unknown, connection?: unknown): ConsumerFacts {
  const c = obj(consumer) ?? {};
  const cd = obj(c.channel_details) ?? {};
  const ch = obj(channel) ?? {};
  const stats = obj(ch.message_stats) ?? {};
  const conn = obj(connection) ?? {};
  const props = obj(conn.client_properties) ?? {};
  const chConn = obj(ch.connection_details) ?? {};
  const host = str(cd.peer_host) ?? str(conn.peer_host) ?? str(chConn.peer_host);
  const port = num(cd.peer_port) ?? num(conn.peer_port) ?? num(chConn.peer_port);
  return {
    tag: str(c.consumer_tag) ?? '(no tag)',
    manualAck: typeof c.ack_required === 'boolean' ? c.ack_required : undefined,
    exclusive: c.exclusive === true,
    active: typeof c.active === 'boolean' ? c.active : undefined,
    consumerPrefetch: num(c.prefetch_count),
    channelName: str(cd.name) ?? str(ch.name),
    channelNumber: num(cd.number) ?? num(ch.number),
    channelPrefetch: num(ch.global_prefetch_count),
    unacked: num(ch.messages_unacknowledged),
    channelConsumers: num(ch.consumer_count),
    delivered: num(stats.deliver_get),
    deliverRate: rate(stats.deliver_get_details),
    ackRate: rate(stats.ack_details),
    connectionName: text(props.connection_name) ?? str(conn.user_provided_name),
    peer: host ? (port !== undefined ? `${host}:${port}` : host) : undefined,
    product: text(props.product),
    version: text(props.version),
    user: str(cd.user) ?? str(conn.user),
  };
}

/** Who consumes: the client-provided connection name, else the peer, else the channel's name. */
export function consumerWho(f: ConsumerFacts): string {
  return f.connectionName ?? f.peer ?? f.channelName ?? 'unknown connection';
}

/** "amqplib 0.10.3", "amqplib", or undefined. */
export function consumerLibrary(f: ConsumerFacts): string | undefined {
  if (!f.product) return undefined;
  return f.version ? `${f.product} ${f.version}` : f.product;
}

/** The prefetch limit that bounds this consumer's unacked messages, and where it comes from. */
export function effectivePrefetch(f: ConsumerFacts): { limit: number; from: 'consumer' | 'channel' } | undefined {
  const own = f.consumerPrefetch ?? 0;
  const shared = f.channelPrefetch ?? 0;
  if (own > 0 && (shared <= 0 || own <= shared)) return { limit: own, from: 'consumer' };
  if (shared > 0) return { limit: shared, from: 'channel' };
  return undefined;
}

/** "1 per consumer", "10 channel-wide (shared by its consumers)", "1 per consumer, 10 channel-wide", "none (unlimited)". */
export function prefetchText(f: ConsumerFacts): string {
  const own = f.consumerPrefetch ?? 0;
  const shared = f.channelPrefetch ?? 0;
  const parts: string[] = [];
  if (own > 0) parts.push(`${formatCount(own)} per consumer`);
  if (shared > 0) parts.push(`${formatCount(shared)} channel-wide (shared by the channel's consumers)`);
  if (parts.length) return parts.join(', ');
  if (f.consumerPrefetch === undefined && f.channelPrefetch === undefined) return 'unknown';
  return f.manualAck === false ? 'none (auto ack: not limited)' : 'none (unlimited)';
}

function rateOf(f: ConsumerFacts): { value: number; what: 'deliver' | 'ack' } | undefined {
  if (f.deliverRate !== undefined) return { value: f.deliverRate, what: 'deliver' };
  if (f.ackRate !== undefined) return { value: f.ackRate, what: 'ack' };
  return undefined;
}

function formatRate(r: number): string {
  return `${r >= 100 ? Math.round(r) : r.toFixed(1)}/s`;
}

/**
 * Each consumer's share of the messages delivered on the queue's consumers' channels (deliver_get
 * of each distinct channel; consumers sharing a channel share its figure). undefined where the
 * channel's stats are missing, or for all when nothing was delivered yet.
 */
export function deliveryShares(facts: readonly ConsumerFacts[]): (number | undefined)[] {
  const seen = new Map<string, number>();
  facts.forEach((f, i) => {
    if (f.delivered === undefined) return;
    seen.set(f.channelName ?? `#${i}`, f.delivered);
  });
  let total = 0;
  for (const v of seen.values()) total += Math.max(0, v);
  if (!(total > 0)) return facts.map(() => undefined);
  return facts.map((f) => (f.delivered === undefined ? undefined : Math.max(0, f.delivered) / total));
}

/** "███░░░ 52%" (width cells). */
export function shareBar(share: number, width = 6): string {
  const s = Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
  const full = Math.round(s * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)} ${Math.round(s * 100)}%`;
}

/** The compact row text: "amqplib · unacked 1/1 · 2.0/s · ███░░░ 52%". */
export function consumerDescription(f: ConsumerFacts, share?: number): string {
  const parts: string[] = [];
  if (f.product) parts.push(f.product);
  const p = effectivePrefetch(f);
  if (f.unacked !== undefined) parts.push(`unacked ${formatCount(f.unacked)}${p ? `/${formatCount(p.limit)}` : ''}`);
  else if (p) parts.push(`prefetch ${formatCount(p.limit)}`);
  if (f.manualAck === false) parts.push('auto ack');
  const r = rateOf(f);
  if (r) parts.push(formatRate(r.value));
  if (share !== undefined) parts.push(shareBar(share));
  if (f.exclusive) parts.push('exclusive');
  if (f.active === false) parts.push('inactive');
  return parts.join(' · ');
}

/** The row label: who consumes, and on which channel. */
export function consumerLabel(f: ConsumerFacts): string {
  return f.channelNumber !== undefined ? `${consumerWho(f)} (ch ${f.channelNumber})` : consumerWho(f);
}

function detailRows(f: ConsumerFacts, share?: number): [string, string][] {
  const shared = (f.channelConsumers ?? 1) > 1 ? ` (channel's ${f.channelConsumers} consumers together)` : '';
  const r = rateOf(f);
  const rows: [string, string][] = [
    ['Connection', consumerWho(f)],
    ['Peer', f.peer ?? '—'],
    ['Client', consumerLibrary(f) ?? '—'],
    ['User', f.user ?? '—'],
    ['Channel', f.channelNumber !== undefined ? String(f.channelNumber) : (f.channelName ?? '—')],
    ['Ack mode', f.manualAck === undefined ? '—' : f.manualAck ? 'manual' : 'auto'],
    ['Prefetch', prefetchText(f)],
    ['Unacked', f.unacked !== undefined ? `${formatCount(f.unacked)}${shared}` : '— (no channel stats yet)'],
    ['Delivered', f.delivered !== undefined ? `${formatCount(f.delivered)}${shared}` : '—'],
    ['Rate', r ? `${formatRate(r.value)} (${r.what})` : '—'],
  ];
  if (share !== undefined) rows.push(['Share of deliveries', shareBar(share)]);
  return rows;
}

/** Plain-text tooltip: every figure, one per line. */
export function consumerTooltip(f: ConsumerFacts, share?: number): string {
  const state = [f.exclusive ? 'exclusive' : '', f.active === false ? 'inactive' : ''].filter(Boolean).join(', ');
  return [`Consumer ${f.tag}${state ? ` (${state})` : ''}`, ...detailRows(f, share).map(([k, v]) => `${k}: ${v}`)].join(
    '\n',
  );
}

/** Markdown tooltip: a table of every figure. */
export function consumerTooltipMarkdown(f: ConsumerFacts, share?: number): string {
  const state = [f.exclusive ? 'exclusive' : '', f.active === false ? 'inactive' : ''].filter(Boolean).join(', ');
  const cell = escapeMarkdown;
  return [
    `**Consumer ${cell(f.tag)}**${state ? ` (${state})` : ''}`,
    '',
    '| | |',
    '|---|---|',
    ...detailRows(f, share).map(([k, v]) => `| ${k} | ${cell(v)} |`),
  ].join('\n');
}

/** Stable order of a queue's consumers: by who, then channel number, then tag. */
export function sortConsumerFacts<T extends { facts: ConsumerFacts }>(rows: readonly T[]): T[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const fa = a.r.facts;
      const fb = b.r.facts;
      return (
        consumerWho(fa).localeCompare(consumerWho(fb)) ||
        (fa.channelNumber ?? 0) - (fb.channelNumber ?? 0) ||
        fa.tag.localeCompare(fb.tag) ||
        a.i - b.i
      );
    })
    .map((x) => x.r);
}
