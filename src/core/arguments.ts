/**
 * Parsing what users type for AMQP arguments (queue arguments, binding arguments, headers),
 * keeping value types: 5 is a number, "5" a string, true a boolean, null a void.
 */
import { parseJsonWithPosition } from './json';

export type ArgumentsResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/**
 * Accepts either a JSON object (`{"x-match": "all", "format": "pdf"}`) or comma/newline separated
 * `key=value` pairs (`x-match=all, format=pdf, size=3`). In pairs, values that look like numbers,
 * true/false or null are typed; quote them ("3") to keep a string.
 */
export function parseArgumentsInput(text: string): ArgumentsResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: {} };
  if (trimmed.startsWith('{')) {
    const parsed = parseJsonWithPosition(trimmed);
    if (!parsed.ok) return { ok: false, error: `Invalid JSON: ${parsed.error}` };
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { ok: false, error: 'Arguments must be a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  }
  const value: Record<string, unknown> = {};
  for (const raw of splitPairs(trimmed)) {
    const pair = raw.trim();
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return { ok: false, error: `Expected key=value, got '${pair}'` };
    const key = pair.slice(0, eq).trim();
    if (!key) return { ok: false, error: `Empty key in '${pair}'` };
    if (key in value) return { ok: false, error: `Key '${key}' given twice` };
    value[key] = typeScalar(pair.slice(eq + 1).trim());
  }
  return { ok: true, value };
}

/** Splits on commas and newlines that are not inside double quotes. */
function splitPairs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && (c === ',' || c === '\n')) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

export function typeScalar(text: string): unknown {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text.slice(1, -1);
    }
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return Number(text);
  return text;
}

export type QueueType = 'classic' | 'quorum' | 'stream';

export interface QueueDeclareSpec {
  name: string;
  type: QueueType;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
}

export interface QueueArgumentInfo {
  key: string;
  label: string;
  kind: 'number' | 'string' | 'boolean' | 'enum';
  values?: string[];
  types: QueueType[];
  hint: string;
}

/** The queue arguments the declare wizard offers (the management UI's list). */
export const QUEUE_ARGUMENTS: QueueArgumentInfo[] = [
  {
    key: 'x-message-ttl',
    label: 'Message TTL',
    kind: 'number',
    types: ['classic', 'quorum'],
    hint: 'milliseconds a message may stay in the queue',
  },
  {
    key: 'x-expires',
    label: 'Auto expire',
    kind: 'number',
    types: ['classic', 'quorum'],
    hint: 'milliseconds of disuse before the queue is deleted',
  },
  {
    key: 'x-max-length',
    label: 'Max length',
    kind: 'number',
    types: ['classic', 'quorum'],
    hint: 'maximum number of ready messages',
  },
  {
    key: 'x-max-length-bytes',
    label: 'Max length bytes',
    kind: 'number',
    types: ['classic', 'quorum', 'stream'],
    hint: 'maximum total body size',
  },
  {
    key: 'x-overflow',
    label: 'Overflow behaviour',
    kind: 'enum',
    values: ['drop-head', 'reject-publish', 'reject-publish-dlx'],
    types: ['classic', 'quorum'],
    hint: 'what happens when full',
  },
  {
    key: 'x-dead-letter-exchange',
    label: 'Dead letter exchange',
    kind: 'string',
    types: ['classic', 'quorum'],
    hint: 'exchange for rejected or expired messages',
  },
  {
    key: 'x-dead-letter-routing-key',
    label: 'Dead letter routing key',
    kind: 'string',
    types: ['classic', 'quorum'],
    hint: 'routing key for dead-lettered messages',
  },
  {
    key: 'x-single-active-consumer',
    label: 'Single active consumer',
    kind: 'boolean',
    types: ['classic', 'quorum'],
    hint: 'only one consumer receives at a time',
  },
  {
    key: 'x-max-priority',
    label: 'Maximum priority',
    kind: 'number',
    types: ['classic'],
    hint: '1–255 (10 or less recommended)',
  },
  {
    key: 'x-queue-mode',
    label: 'Lazy mode',
    kind: 'enum',
    values: ['default', 'lazy'],
    types: ['classic'],
    hint: 'keep messages on disk',
  },
  {
    key: 'x-delivery-limit',
    label: 'Delivery limit',
    kind: 'number',
    types: ['quorum'],
    hint: 'redeliveries before dead-lettering',
  },
  { key: 'x-max-age', label: 'Max age', kind: 'string', types: ['stream'], hint: 'e.g. 7D, 12h, 30m' },
  {
    key: 'x-stream-max-segment-size-bytes',
    label: 'Max segment size',
    kind: 'number',
    types: ['stream'],
    hint: 'bytes per segment file',
  },
];

export function parseArgumentValue(
  info: QueueArgumentInfo,
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  switch (info.kind) {
    case 'number': {
      if (!/^\d+$/.test(t)) return { ok: false, error: `${info.label} must be a whole number (${info.hint})` };
      return { ok: true, value: Number(t) };
    }
    case 'boolean':
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      return { ok: false, error: `${info.label} must be true or false` };
    case 'enum':
      if (info.values?.includes(t)) return { ok: true, value: t };
      return { ok: false, error: `${info.label} must be one of ${info.values?.join(', ')}` };
    default:
      return { ok: true, value: t };
  }
}

/** Exchange and queue names are AMQP 0-9-1 shortstr: at most 255 bytes of UTF-8. */
export const MAX_NAME_BYTES = 255;

/**
 * Why an exchange or queue name cannot be used, or undefined. Over 255 bytes the management API
 * still accepts an exchange, but AMQP clients can never name it.
 */
export function nameLengthProblem(kind: 'Exchange' | 'Queue', name: string): string | undefined {
  const bytes = new TextEncoder().encode(name).length;
  return bytes > MAX_NAME_BYTES
    ? `${kind} names are limited to ${MAX_NAME_BYTES} bytes of UTF-8 (this one has ${bytes})`
    : undefined;
}

/** What RabbitMQ would refuse (with 406 PRECONDITION_FAILED) or what makes no sense, before we ask it. */
export function validateQueueDeclare(spec: QueueDeclareSpec): string[] {
  const problems: string[] = [];
  const tooLong = nameLengthProblem('Queue', spec.name);
  if (tooLong) problems.push(tooLong);
  if (spec.name.startsWith('amq.')) problems.push("Names starting with 'amq.' are reserved by the broker");
  if (spec.type !== 'classic') {
    if (!spec.durable) problems.push(`${spec.type} queues must be durable`);
    if (spec.exclusive) problems.push(`${spec.type} queues cannot be exclusive`);
    if (spec.autoDelete) problems.push(`${spec.type} queues cannot be auto-delete`);
    if (spec.name === '') problems.push(`${spec.type} queues need a name (server-named queues are classic only)`);
  }
  const p = spec.arguments['x-max-priority'];
  if (typeof p === 'number' && (p < 1 || p > 255)) problems.push('Maximum priority must be between 1 and 255');
  for (const key of Object.keys(spec.arguments)) {
    const info = QUEUE_ARGUMENTS.find((a) => a.key === key);
    if (info && !info.types.includes(spec.type)) problems.push(`${key} does not apply to ${spec.type} queues`);
  }
  return problems;
}

/** The arguments amqplib's assertQueue needs, with x-queue-type set for non-classic queues. */
export function queueDeclareArguments(spec: QueueDeclareSpec): Record<string, unknown> {
  return spec.type === 'classic' ? { ...spec.arguments } : { ...spec.arguments, 'x-queue-type': spec.type };
}
