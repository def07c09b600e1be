/**
 * Parsing what users type for AMQP arguments (queue arguments, binding arguments, headers),
 * keeping value types: 5 is a number, "5" a string, true a boolean, null a void; `name:type=value`
 * gives any AMQP type (fieldTypes.ts), and JSON is read in the exact JSON form of fieldTypes.ts.
 */
import { fieldNumber, fromJsonValue, type FieldTable, type FieldType } from './fieldTypes';
import { isFieldType, parseRowValue } from './headerRows';
import { parseJsonWithPosition } from './json';

export type ArgumentsResult = { ok: true; value: FieldTable } | { ok: false; error: string };

/**
 * Accepts either a JSON object (`{"x-match": "all", "n": {"!": "int64", "value": "5"}}`, the exact
 * JSON form of fieldTypes.ts) or comma/newline separated pairs:
 * - `key=value`: values that look like numbers, true/false or null are typed (a number as amqplib
 *   guesses: the smallest integer type, or a double); quote them ("3") to keep a string;
 * - `key:type=value`: any AMQP type with the value text of the forms' header rows (headerRows.ts),
 *   e.g. `retries:int64=5, ratio:float=1.5, when:timestamp=2024-01-01T00:00:00Z,
 *   raw:bytes=hex:00ff, list:array=[1,"a"]`; `key:void` (no value) is a void.
 *   A key whose text after the last ':' is not a type name is taken whole (`a:b=1` is key `a:b`).
 */
export function parseArgumentsInput(text: string): ArgumentsResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: {} };
  if (trimmed.startsWith('{')) {
    const parsed = parseJsonWithPosition(trimmed);
    if (!parsed.ok) return { ok: false, error: `Invalid JSON: ${parsed.error}` };
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || '!' in value)
      return { ok: false, error: 'Arguments must be a JSON object of name: value' };
    try {
      return { ok: true, value: fromJsonValue(value, 'arguments') as FieldTable };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }
  const value: FieldTable = {};
  for (const raw of splitPairs(trimmed)) {
    const pair = raw.trim();
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const left = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const { key, type } = splitTypedKey(left);
    const typed = type !== undefined;
    if (eq <= 0 && !(typed && type === 'void')) return { ok: false, error: `Expected key=value, got '${pair}'` };
    if (!key) return { ok: false, error: `Empty key in '${pair}'` };
    if (key in value) return { ok: false, error: `Key '${key}' given twice` };
    const valueText = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!typed) {
      value[key] = typeScalar(valueText) as FieldTable[string];
      continue;
    }
    // A quoted string keeps its spaces and may hold commas.
    const unquoted =
      type === 'string' && valueText.length >= 2 && valueText.startsWith('"') && valueText.endsWith('"')
        ? (typeScalar(valueText) as string)
        : valueText;
    const r = parseRowValue(type, unquoted, `Argument '${key}'`);
    if (!r.ok) return { ok: false, error: r.error };
    value[key] = r.value;
  }
  return { ok: true, value };
}

/**
 * `key:type` → the key and the AMQP type; a key whose text after the last ':' is not a type name
 * is taken whole (`a:b` is key `a:b`, no type). Also used by `.amqp` request files' header lines.
 */
export function splitTypedKey(left: string): { key: string; type?: FieldType } {
  const colon = left.lastIndexOf(':');
  const type = colon >= 0 ? left.slice(colon + 1).trim() : '';
  return isFieldType(type) ? { key: left.slice(0, colon).trim(), type } : { key: left.trim() };
}

/** Splits on commas and newlines that are not inside double quotes or JSON brackets. */
function splitPairs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && (c === '{' || c === '[')) depth++;
    if (!quoted && (c === '}' || c === ']') && depth > 0) depth--;
    if (!quoted && depth === 0 && (c === ',' || c === '\n')) {
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
  const p = fieldNumber(spec.arguments['x-max-priority']);
  if (p !== undefined && (p < 1 || p > 255)) problems.push('Maximum priority must be between 1 and 255');
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
