/**
 * Presentation of topology objects (plain data from the management API) for the explorer.
 * Structural types only, so this module stays free of network code.
 */
import { formatCount, pluralize } from './format';
import { isTypedNumber, toJsonValue, type FieldValue } from './fieldTypes';
import { headerValueText } from './fieldValues';

/** What queues and exchanges have in common as the management API lists them. */
interface DeclaredLike {
  name: string;
  durable?: boolean;
  auto_delete?: boolean;
  arguments?: Record<string, unknown>;
}

export interface QueueLike extends DeclaredLike {
  type?: string;
  exclusive?: boolean;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  state?: string;
}

export interface ExchangeLike extends DeclaredLike {
  type: string;
  internal?: boolean;
}

export interface BindingLike {
  source: string;
  destination: string;
  destination_type: string;
  routing_key: string;
  arguments?: Record<string, unknown>;
}

/** The tags whose condition holds, in order. */
function tagsWhere(conditions: [boolean | undefined, string][]): string[] {
  return conditions.filter(([on]) => on).map(([, tag]) => tag);
}

/** Short feature tags like the management UI: D, AD, Excl, TTL, DLX, Lim, Pri, SAC… */
export function queueFeatures(q: QueueLike): string[] {
  const args = q.arguments ?? {};
  return tagsWhere([
    [q.durable, 'D'],
    [q.auto_delete, 'AD'],
    [q.exclusive, 'Excl'],
    ['x-message-ttl' in args, 'TTL'],
    ['x-expires' in args, 'Exp'],
    ['x-dead-letter-exchange' in args, 'DLX'],
    ['x-max-length' in args || 'x-max-length-bytes' in args, 'Lim'],
    ['x-max-priority' in args, 'Pri'],
    [args['x-single-active-consumer'] === true, 'SAC'],
  ]);
}

export function exchangeFeatures(x: ExchangeLike): string[] {
  return tagsWhere([
    [x.durable, 'D'],
    [x.auto_delete, 'AD'],
    [x.internal, 'I'],
    ['alternate-exchange' in (x.arguments ?? {}), 'AE'],
  ]);
}

export function queueType(q: QueueLike): string {
  return q.type || (q.arguments?.['x-queue-type'] as string | undefined) || 'classic';
}

/**
 * "12 · 3 · 2c" (ready · unacked · consumers) — what the tree shows next to a queue name. Compact
 * so a narrow sidebar still shows every figure; {@link queueFigures} spells them out for the tooltip.
 */
export function queueDescription(q: QueueLike): string {
  const parts: string[] = [];
  if (q.messages_ready === undefined && q.messages === undefined) parts.push('no stats');
  else {
    parts.push(formatCount(q.messages_ready ?? q.messages ?? 0));
    parts.push(formatCount(q.messages_unacknowledged ?? 0));
  }
  if (q.consumers !== undefined) parts.push(`${formatCount(q.consumers)}c`);
  if (q.state && q.state !== 'running') parts.push(q.state);
  return parts.join(' · ');
}

/** The tooltip's figures: "12 ready · 3 unacked · 2 consumers · quorum" (every figure, spelled out). */
export function queueFigures(q: QueueLike): string {
  const parts: string[] = [];
  const type = queueType(q);
  if (q.messages_ready === undefined && q.messages === undefined) parts.push('no stats');
  else {
    parts.push(`${formatCount(q.messages_ready ?? q.messages ?? 0)} ready`);
    parts.push(`${formatCount(q.messages_unacknowledged ?? 0)} unacked`);
  }
  if (q.consumers !== undefined) parts.push(pluralize(q.consumers, 'consumer'));
  if (type !== 'classic') parts.push(type);
  if (q.state && q.state !== 'running') parts.push(q.state);
  return parts.join(' · ');
}

/**
 * A paged group's count from the API's page totals: "3", or with a filter "50 of 10,000 · filter: hot"
 * (filtered_count of total_count). '' before the first page came back.
 */
export function groupCountText(counts: { total: number; filtered: number } | undefined, filter: string): string {
  if (!counts) return filter ? `filter: ${filter}` : '';
  if (!filter) return formatCount(counts.total);
  return `${formatCount(counts.filtered)} of ${formatCount(counts.total)} · filter: ${filter}`;
}

export function exchangeDescription(x: ExchangeLike): string {
  const flags = exchangeFeatures(x).filter((t) => t !== 'D');
  return [x.type, ...flags].join(' · ');
}

export function exchangeDisplayName(name: string): string {
  return name === '' ? '(AMQP default)' : name;
}

/** Binding's match criteria as one line: the routing key, or the header arguments for headers exchanges. */
export function bindingCriteria(b: BindingLike): string {
  const args = b.arguments ?? {};
  const keys = Object.keys(args);
  if (keys.length === 0) return b.routing_key === '' ? '(empty key)' : b.routing_key;
  const argText = keys.map((k) => `${k}=${formatArgValue(args[k])}`).join(', ');
  return b.routing_key ? `${b.routing_key} {${argText}}` : `{${argText}}`;
}

/**
 * One argument value as text: strings as they are, typed numbers as the binding form writes them
 * (`5 (double)`, `9007199254740993 (int64)`), tables and arrays in the exact JSON form.
 */
export function formatArgValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (isTypedNumber(v)) return `${headerValueText(v)} (${v['!']})`;
  try {
    return JSON.stringify(toJsonValue(v as FieldValue));
  } catch {
    return JSON.stringify(v) ?? String(v);
  }
}

export interface PermissionsLike {
  configure: string;
  write: string;
  read: string;
}

/** A user's three permission regexes on one line: "configure .* · write ^app\. · read ∅" (∅: none). */
export function permissionsSummary(p: PermissionsLike): string {
  return `configure ${p.configure || '∅'} · write ${p.write || '∅'} · read ${p.read || '∅'}`;
}

export function isSystemExchange(name: string): boolean {
  return name === '' || name.startsWith('amq.');
}

/** Turns what the user typed in a filter box into a server-side regex for the management API. */
export function filterToRegex(filter: string): string {
  const trimmed = filter.trim();
  const m = /^\/(.*)\/$/.exec(trimmed);
  if (m) return m[1];
  // Plain text: substring match, glob-style '*' and '?' allowed.
  return trimmed
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c))
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Burrow's own tap queues (Tail in tap mode)
// ---------------------------------------------------------------------------------------------

/**
 * Names of the temporary queues a tap declares start with this (not `amq.`, which RabbitMQ
 * reserves for server-named queues), so they are recognisable in the management UI and in
 * `rabbitmqctl list_queues` too.
 */
export const TAP_QUEUE_PREFIX = 'burrow.tap.';
/** Queue argument that marks a tap queue; its value is the tapped queue or exchange's name. */
export const TAP_OF_ARGUMENT = 'x-burrow-tap-of';
/** Queue argument saying what the tap copies: 'queue' (a queue's bindings) or 'exchange' (an exchange, with a pattern). */
export const TAP_KIND_ARGUMENT = 'x-burrow-tap-kind';

export type TapKind = 'queue' | 'exchange';

/** RabbitMQ's limit on queue names, in UTF-8 bytes. */
const MAX_QUEUE_NAME_BYTES = 255;

/**
 * The name of a tap queue: `burrow.tap.<tapped name>.<unique>`, the tapped name cut (at a whole
 * character) so the whole stays within RabbitMQ's 255 bytes. `unique` is random text of the caller's.
 */
export function tapQueueName(target: string, unique: string): string {
  const room = MAX_QUEUE_NAME_BYTES - utf8Length(TAP_QUEUE_PREFIX) - 1 - utf8Length(unique);
  let cut = '';
  let used = 0;
  for (const ch of target) {
    const n = utf8Length(ch);
    if (used + n > room) break;
    cut += ch;
    used += n;
  }
  return `${TAP_QUEUE_PREFIX}${cut}.${unique}`;
}

/** The arguments that mark a tap queue (merged into its declaration). */
export function tapQueueArguments(kind: TapKind, target: string): Record<string, string> {
  return { [TAP_OF_ARGUMENT]: target, [TAP_KIND_ARGUMENT]: kind };
}

/**
 * Name and marker arguments for a new tap queue on a queue's bindings or on an exchange. The name
 * ends in 12 random hex digits: every tap (and every re-declaration after a reconnect) is new.
 */
export function newTapQueue(tapped: { queue: string } | { exchange: string }): {
  name: string;
  arguments: Record<string, string>;
} {
  const [kind, target]: [TapKind, string] = 'queue' in tapped ? ['queue', tapped.queue] : ['exchange', tapped.exchange];
  const unique = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return { name: tapQueueName(target, unique), arguments: tapQueueArguments(kind, target) };
}

export interface TapQueueInfo {
  kind: TapKind;
  /** The tapped queue or exchange. */
  target: string;
}

/**
 * Is this queue one of Burrow's taps (this window's or another Burrow's)? Both marks are needed:
 * the name prefix and the marker argument. Other clients' server-named queues (`amq.gen-…`),
 * and a queue someone merely named `burrow.tap.…`, are ordinary queues.
 */
export function tapQueueInfo(q: Pick<QueueLike, 'name' | 'arguments'>): TapQueueInfo | undefined {
  if (!q.name.startsWith(TAP_QUEUE_PREFIX)) return undefined;
  const target = q.arguments?.[TAP_OF_ARGUMENT];
  if (typeof target !== 'string') return undefined;
  return { kind: q.arguments?.[TAP_KIND_ARGUMENT] === 'exchange' ? 'exchange' : 'queue', target };
}

/** How the tree labels a tap queue: "Burrow tap (temporary) for orders" / "… for exchange logs". */
export function tapQueueLabel(tap: TapQueueInfo): string {
  return `Burrow tap (temporary) for ${tap.kind === 'exchange' ? `exchange ${exchangeDisplayName(tap.target)}` : tap.target}`;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Escapes text for a Markdown tooltip (names may hold *, _, [, <…). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** The rates a queue row may carry (message_stats, when the management API has them). */
interface QueueRates {
  message_stats?: { publish_details?: { rate: number }; deliver_get_details?: { rate: number } };
}

/**
 * A queue row's tooltip as Markdown: the title, then every figure the compact description
 * abbreviates (ready, unacked, total, consumers, rates), then the plain-text detail lines.
 */
export function queueTooltipMarkdown(q: QueueLike & QueueRates, title: string, details: readonly string[]): string {
  const rate = (r: { rate: number } | undefined) => (r ? `${r.rate.toFixed(1)}/s` : '—');
  const rows: [string, string][] = [
    ['Ready', formatCount(q.messages_ready ?? 0)],
    ['Unacked', formatCount(q.messages_unacknowledged ?? 0)],
    ['Total', formatCount(q.messages ?? (q.messages_ready ?? 0) + (q.messages_unacknowledged ?? 0))],
    ['Consumers', formatCount(q.consumers ?? 0)],
    ['Publish', rate(q.message_stats?.publish_details)],
    ['Deliver / get', rate(q.message_stats?.deliver_get_details)],
  ];
  return [
    `**${escapeMarkdown(title)}**`,
    '',
    '| | |',
    '|---|--:|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...details.map((d) => `${escapeMarkdown(d)}  `),
  ].join('\n');
}
