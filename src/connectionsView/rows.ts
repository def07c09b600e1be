/**
 * The Connections view's texts: rows for connections, channels and consumers, their tooltips, the
 * blocked reason and the close confirmation. Pure functions over the management API's objects, so
 * they are unit-tested without a broker or VS Code.
 */
import type { ChannelInfo, ConnectionInfo, ConsumerInfo } from '../broker/management';
import { formatCount, pluralize } from '../core/format';

/** Burrow names its own AMQP connections "Burrow…" (client_properties.connection_name). */
export const BURROW_CONNECTION_PREFIX = 'Burrow';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The client-provided name (connection_name), if the client gave one. */
export function clientProvidedName(c: ConnectionInfo): string | undefined {
  return str(c.user_provided_name) ?? str(c.client_properties?.connection_name);
}

export function peerAddress(c: Pick<ConnectionInfo, 'peer_host' | 'peer_port'>): string {
  if (!c.peer_host) return '';
  const host = c.peer_host.includes(':') ? `[${c.peer_host}]` : c.peer_host;
  return c.peer_port !== undefined ? `${host}:${c.peer_port}` : host;
}

/** The row's label: the client-provided name, else the peer host:port, else the broker's name for it. */
export function connectionLabel(c: ConnectionInfo): string {
  return clientProvidedName(c) ?? (peerAddress(c) || c.name);
}

export function isBurrowConnection(c: ConnectionInfo): boolean {
  return (clientProvidedName(c) ?? '').startsWith(BURROW_CONNECTION_PREFIX);
}

/** "amqplib 0.10.4", from client_properties.product and version; '' when the client said nothing. */
export function clientLibrary(c: ConnectionInfo): string {
  const product = str(c.client_properties?.product);
  const version = str(c.client_properties?.version);
  return [product, version].filter(Boolean).join(' ');
}

/**
 * The state as shown: "running", "flow", "blocked: memory alarm on rabbit@h" (the reason when
 * known: the API does not give it per connection, the caller passes the nodes' alarms).
 */
export function connectionState(c: ConnectionInfo, blockedReason?: string): string {
  const state = c.state ?? 'unknown';
  if ((state === 'blocked' || state === 'blocking') && blockedReason) return `${state}: ${blockedReason}`;
  return state;
}

/** The nodes' resource alarms as one reason ("memory alarm on rabbit@a, disk alarm on rabbit@b"), or undefined. */
export function alarmReason(
  nodes: readonly { name: string; mem_alarm?: boolean; disk_free_alarm?: boolean }[],
): string | undefined {
  const parts: string[] = [];
  for (const n of nodes) {
    if (n.mem_alarm) parts.push(`memory alarm on ${n.name}`);
    if (n.disk_free_alarm) parts.push(`disk alarm on ${n.name}`);
  }
  return parts.length ? parts.join(', ') : undefined;
}

export function connectionDescription(c: ConnectionInfo, blockedReason?: string): string {
  const parts = [
    c.user ?? '',
    c.vhost !== undefined ? `vhost ${c.vhost}` : '',
    clientLibrary(c),
    connectionState(c, blockedReason),
    c.channels !== undefined ? pluralize(c.channels, 'channel') : '',
    c.ssl ? 'TLS' : '',
    isBurrowConnection(c) ? 'Burrow' : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** capabilities: { a: true, b: false } -> "a, b (off)". */
export function capabilitiesSummary(caps: unknown): string {
  if (typeof caps !== 'object' || caps === null) return '';
  return Object.entries(caps as Record<string, unknown>)
    .map(([k, v]) => (v === true ? k : `${k} (${v === false ? 'off' : String(v)})`))
    .join(', ');
}

function propertyText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function connectionTooltip(c: ConnectionInfo, blockedReason?: string): string {
  const lines = [
    `${connectionLabel(c)}${isBurrowConnection(c) ? ' (Burrow’s own connection)' : ''}`,
    `Name: ${c.name}`,
    peerAddress(c) ? `Peer: ${peerAddress(c)}` : '',
    `User: ${c.user ?? '?'} · vhost: ${c.vhost ?? '?'}`,
    c.node ? `Node: ${c.node}` : '',
    `State: ${connectionState(c, blockedReason)}`,
    c.channels !== undefined ? `Channels: ${formatCount(c.channels)}` : '',
    `TLS: ${c.ssl ? 'yes' : 'no'}${c.protocol ? ` · ${c.protocol}` : ''}`,
    c.connected_at ? `Connected at: ${new Date(c.connected_at).toISOString()}` : '',
  ];
  const props = c.client_properties ?? {};
  const keys = Object.keys(props).sort();
  if (keys.length) {
    lines.push('Client properties:');
    for (const k of keys)
      lines.push(`  ${k}: ${k === 'capabilities' ? capabilitiesSummary(props[k]) : propertyText(props[k])}`);
  }
  return lines.filter(Boolean).join('\n');
}

/** "prefetch 3", "prefetch 10 global", "prefetch 3 · 10 global", "no prefetch". */
export function prefetchText(ch: Pick<ChannelInfo, 'prefetch_count' | 'global_prefetch_count'>): string {
  const parts: string[] = [];
  if (ch.prefetch_count) parts.push(`${formatCount(ch.prefetch_count)}`);
  if (ch.global_prefetch_count) parts.push(`${formatCount(ch.global_prefetch_count)} global`);
  return parts.length ? `prefetch ${parts.join(' · ')}` : 'no prefetch';
}

export function channelMode(ch: Pick<ChannelInfo, 'confirm' | 'transactional'>): string {
  return ch.transactional ? 'tx' : ch.confirm ? 'confirm' : '';
}

export function channelLabel(ch: ChannelInfo): string {
  return `Channel ${ch.number}`;
}

export function channelDescription(ch: ChannelInfo): string {
  return [
    prefetchText(ch),
    `${formatCount(ch.messages_unacknowledged ?? 0)} unacked`,
    ch.messages_unconfirmed ? `${formatCount(ch.messages_unconfirmed)} unconfirmed` : '',
    channelMode(ch),
    pluralize(ch.consumer_count ?? 0, 'consumer'),
    ch.state && ch.state !== 'running' ? ch.state : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export function channelTooltip(ch: ChannelInfo): string {
  return [
    `Channel ${ch.number} (${ch.name})`,
    `State: ${ch.state ?? 'unknown'}`,
    `Prefetch: ${formatCount(ch.prefetch_count ?? 0)} per consumer, ${formatCount(ch.global_prefetch_count ?? 0)} per channel (global)`,
    `Unacknowledged: ${formatCount(ch.messages_unacknowledged ?? 0)}`,
    `Unconfirmed: ${formatCount(ch.messages_unconfirmed ?? 0)}`,
    `Mode: ${channelMode(ch) || 'none (no confirms, no transaction)'}`,
    `Consumers: ${formatCount(ch.consumer_count ?? 0)}`,
  ].join('\n');
}

export function consumerLabel(c: ConsumerInfo): string {
  return c.queue.name;
}

export function consumerDescription(c: ConsumerInfo): string {
  return [
    c.consumer_tag,
    c.ack_required ? 'manual ack' : 'auto ack',
    c.prefetch_count ? `prefetch ${formatCount(c.prefetch_count)}` : 'no prefetch',
    c.exclusive ? 'exclusive' : '',
    c.active === false ? (c.activity_status ?? 'inactive') : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export function consumerTooltip(c: ConsumerInfo): string {
  return [
    `Queue: ${c.queue.name} (vhost ${c.queue.vhost})`,
    `Consumer tag: ${c.consumer_tag}`,
    `Ack mode: ${c.ack_required ? 'manual (the client acks)' : 'automatic (no acks)'}`,
    `Prefetch: ${c.prefetch_count ? formatCount(c.prefetch_count) : 'none'}`,
    c.exclusive ? 'Exclusive' : '',
    c.activity_status ? `Activity: ${c.activity_status}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The modal confirmation of Close Connection…: names the connection, client and user, and what happens. */
export function closeConfirmation(c: ConnectionInfo, reason: string): string {
  const client = clientLibrary(c);
  const channels = c.channels ?? 0;
  const who = [
    `Close connection '${connectionLabel(c)}'`,
    client ? ` (${client})` : '',
    ` of user '${c.user ?? '?'}'`,
    c.vhost !== undefined ? ` on vhost '${c.vhost}'` : '',
    '?',
  ].join('');
  const effect =
    channels > 0
      ? `Its ${pluralize(channels, 'channel')} close and their unacknowledged messages are returned to their queues.`
      : 'It has no open channels.';
  const own = isBurrowConnection(c)
    ? ' This is one of Burrow’s own connections: Burrow reconnects when it next needs it, and a peek, tail or publish using it fails.'
    : '';
  return `${who} ${effect} The client is told: "${reason}".${own}`;
}
