/**
 * The field lines of `.amqp` requests (`name: value`): which requests take them, what values
 * they accept, and a one-line description (completion and hover in the editor layer use it).
 */
import type { RequestKind } from './types';

/**
 * The most messages one peek may take: src/broker/peekResult.ts MAX_PEEK, repeated here because
 * src/core does not import src/broker (test/unit/request-file-diagnostics.test.ts ties them).
 */
export const MAX_PEEK_COUNT = 10_000;
export const MAX_REPEAT = 1_000_000;

export type FieldKind = 'property' | 'option';

export interface FieldSpec {
  name: string;
  /** The requests that take it. */
  kinds: readonly RequestKind[];
  /** Values to offer (completion); undefined: free text. */
  values?: readonly string[];
  description: string;
}

const P: readonly RequestKind[] = ['publish'];
const PC: readonly RequestKind[] = ['publish', 'call'];
const ALL: readonly RequestKind[] = ['publish', 'call', 'peek', 'route'];

export const FIELDS: readonly FieldSpec[] = [
  { name: 'content-type', kinds: PC, description: 'MIME type of the body (default: follows body-type)' },
  { name: 'content-encoding', kinds: P, description: 'e.g. gzip, utf-8' },
  {
    name: 'delivery-mode',
    kinds: P,
    values: ['2', '1', 'persistent', 'transient'],
    description: '2 or persistent (default), 1 or transient',
  },
  { name: 'persistent', kinds: P, values: ['true', 'false'], description: 'true = delivery-mode 2, false = 1' },
  { name: 'priority', kinds: P, description: 'a whole number from 0 to 255' },
  { name: 'correlation-id', kinds: P, description: 'correlates a reply with its request' },
  { name: 'reply-to', kinds: P, description: 'the queue replies go to' },
  { name: 'expiration', kinds: P, description: 'per-message TTL in milliseconds (digits only)' },
  { name: 'message-id', kinds: P, description: 'application message identifier' },
  { name: 'timestamp', kinds: P, values: ['now'], description: "'now', epoch seconds or an ISO date" },
  { name: 'type', kinds: P, description: 'message type name' },
  { name: 'user-id', kinds: P, description: 'must be the connection user, or the broker refuses it' },
  { name: 'app-id', kinds: P, description: 'application identifier' },
  {
    name: 'mandatory',
    kinds: P,
    values: ['true', 'false'],
    description: 'return the message if no queue gets it (default true)',
  },
  {
    name: 'repeat',
    kinds: PC,
    description: `send N times (1 to ${MAX_REPEAT.toLocaleString('en-US')}; {{$i}} counts)`,
  },
  { name: 'timeout', kinds: ['call'], description: 'how long to wait for the reply: 5s, 500ms or 5000 (ms)' },
  {
    name: 'reply-mode',
    kinds: ['call'],
    values: ['direct', 'callback-queue'],
    description: 'direct (amq.rabbitmq.reply-to, default) or a temporary callback-queue',
  },
  { name: 'count', kinds: ['peek'], description: `how many messages to peek (1 to ${MAX_PEEK_COUNT})` },
  { name: 'connection', kinds: ALL, description: 'a Burrow connection name (default: the file @connection)' },
  { name: 'vhost', kinds: ALL, description: 'the virtual host (default: the file @vhost, then /)' },
  {
    name: 'body-type',
    kinds: PC,
    values: ['json', 'text', 'base64'],
    description:
      'json (checked), text or base64 (default: json if content-type says so or the body starts with { or [)',
  },
];

export const FIELD_NAMES: readonly string[] = FIELDS.map((f) => f.name);

export function fieldSpec(name: string): FieldSpec | undefined {
  return FIELDS.find((f) => f.name === name);
}

/** Levenshtein distance, stopping early above `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest name (a typo, a missing dash, `contentType` for `content-type`), if one is close. */
export function suggestName(name: string, names: readonly string[]): string | undefined {
  const n = name.toLowerCase().replace(/[_\s]/g, '-');
  const flat = n.replace(/-/g, '');
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of names) {
    if (c.replace(/-/g, '') === flat) return c;
    const d = distance(n, c, 2);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.min(2, Math.floor(n.length / 4))) ? best : undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `5s`, `1.5s`, `500ms`, `5000` (milliseconds) → milliseconds. */
export function parseDuration(text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(text.trim());
  if (!m) return { ok: false, error: `Expected a duration like 5s, 500ms or 5000 (milliseconds), got '${text}'` };
  const unit = (m[2] ?? 'ms').toLowerCase();
  const ms = Math.round(Number(m[1]) * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1));
  if (ms < 1 || ms > 3_600_000) return { ok: false, error: 'The timeout must be from 1 ms to 1 hour' };
  return { ok: true, value: ms };
}

export function parseWhole(text: string, label: string, min: number, max: number): Parsed<number> {
  const t = text.trim().replace(/_/g, '');
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    return {
      ok: false,
      error: `${label} is a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got '${text}'`,
    };
  return { ok: true, value: n };
}

export function parseBool(text: string, label: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
  return { ok: false, error: `${label} is true or false, got '${text}'` };
}

export function parseDeliveryMode(text: string): Parsed<1 | 2> {
  const t = text.trim().toLowerCase();
  if (t === '2' || t === 'persistent') return { ok: true, value: 2 };
  if (t === '1' || t === 'transient') return { ok: true, value: 1 };
  return { ok: false, error: `delivery-mode is 1, 2, transient or persistent, got '${text}'` };
}

export function parseChoice<T extends string>(text: string, label: string, values: readonly T[]): Parsed<T> {
  const t = text.trim().toLowerCase();
  const v = values.find((x) => x === t);
  return v ? { ok: true, value: v } : { ok: false, error: `${label} is one of ${values.join(', ')}, got '${text}'` };
}
