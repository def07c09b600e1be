/**
 * Presentation of topology objects (plain data from the management API) for the explorer.
 * Structural types only, so this module stays free of network code.
 */
import { formatCount } from './format';

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

/** Short feature tags like the management UI: D, AD, Excl, TTL, DLX, Lim, Pri, SAC… */
export function queueFeatures(q: QueueLike): string[] {
  const tags: string[] = [];
  const args = q.arguments ?? {};
  if (q.durable) tags.push('D');
  if (q.auto_delete) tags.push('AD');
  if (q.exclusive) tags.push('Excl');
  if ('x-message-ttl' in args) tags.push('TTL');
  if ('x-expires' in args) tags.push('Exp');
  if ('x-dead-letter-exchange' in args) tags.push('DLX');
  if ('x-max-length' in args || 'x-max-length-bytes' in args) tags.push('Lim');
  if ('x-max-priority' in args) tags.push('Pri');
  if (args['x-single-active-consumer'] === true) tags.push('SAC');
  return tags;
}

export function exchangeFeatures(x: ExchangeLike): string[] {
  const tags: string[] = [];
  const args = x.arguments ?? {};
  if (x.durable) tags.push('D');
  if (x.auto_delete) tags.push('AD');
  if (x.internal) tags.push('I');
  if ('alternate-exchange' in args) tags.push('AE');
  return tags;
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
  if (q.consumers !== undefined) parts.push(`${formatCount(q.consumers)} ${q.consumers === 1 ? 'consumer' : 'consumers'}`);
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
