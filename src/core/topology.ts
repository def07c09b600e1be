/**
 * Presentation of topology objects (plain data from the management API) for the explorer.
 * Structural types only, so this module stays free of network code.
 */
import { formatCount, pluralize } from './format';

export interface QueueLike {
  name: string;
  type?: string;
  durable?: boolean;
  auto_delete?: boolean;
  exclusive?: boolean;
  arguments?: Record<string, unknown>;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  state?: string;
}

export interface ExchangeLike {
  name: string;
  type: string;
  durable?: boolean;
  auto_delete?: boolean;
  internal?: boolean;
  arguments?: Record<string, unknown>;
}

export interface BindingLike {
  source: string;
  destination: string;
  destination_type: string;
  routing_key: string;
  arguments?: Record<string, unknown>;
}

type FeatureTest<T> = (object: T, args: Record<string, unknown>) => boolean;

/** Tags in display order, each with what earns it. */
const QUEUE_FEATURES: [tag: string, has: FeatureTest<QueueLike>][] = [
  ['D', (q) => q.durable === true],
  ['AD', (q) => q.auto_delete === true],
  ['Excl', (q) => q.exclusive === true],
  ['TTL', (_, args) => 'x-message-ttl' in args],
  ['Exp', (_, args) => 'x-expires' in args],
  ['DLX', (_, args) => 'x-dead-letter-exchange' in args],
  ['Lim', (_, args) => 'x-max-length' in args || 'x-max-length-bytes' in args],
  ['Pri', (_, args) => 'x-max-priority' in args],
  ['SAC', (_, args) => args['x-single-active-consumer'] === true],
];

const EXCHANGE_FEATURES: [tag: string, has: FeatureTest<ExchangeLike>][] = [
  ['D', (x) => x.durable === true],
  ['AD', (x) => x.auto_delete === true],
  ['I', (x) => x.internal === true],
  ['AE', (_, args) => 'alternate-exchange' in args],
];

function featureTags<T extends { arguments?: Record<string, unknown> }>(object: T, features: [string, FeatureTest<T>][]): string[] {
  const args = object.arguments ?? {};
  return features.filter(([, has]) => has(object, args)).map(([tag]) => tag);
}

/** Short feature tags like the management UI: D, AD, Excl, TTL, DLX, Lim, Pri, SAC… */
export function queueFeatures(q: QueueLike): string[] {
  return featureTags(q, QUEUE_FEATURES);
}

export function exchangeFeatures(x: ExchangeLike): string[] {
  return featureTags(x, EXCHANGE_FEATURES);
}

export function queueType(q: QueueLike): string {
  return q.type || (q.arguments?.['x-queue-type'] as string | undefined) || 'classic';
}

/** "12 ready · 3 unacked · 2 consumers" — what the tree shows next to a queue name. */
export function queueDescription(q: QueueLike): string {
  const parts: string[] = [];
  const type = queueType(q);
  if (q.messages_ready === undefined && q.messages === undefined) parts.push('no stats');
  else {
    parts.push(`${formatCount(q.messages_ready ?? q.messages ?? 0)} ready`);
    if (q.messages_unacknowledged) parts.push(`${formatCount(q.messages_unacknowledged)} unacked`);
  }
  if (q.consumers !== undefined) parts.push(pluralize(q.consumers, 'consumer'));
  if (type !== 'classic') parts.push(type);
  if (q.state && q.state !== 'running') parts.push(q.state);
  return parts.join(' · ');
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

export function formatArgValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
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
