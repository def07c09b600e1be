/**
 * Messages as Burrow shows, filters, exports and re-publishes them.
 *
 * Pure and browser-safe (the webview bundle imports it too): Uint8Array, TextDecoder and
 * TextEncoder only, no Buffer, no Node APIs.
 *
 * Header values are what amqplib decodes: strings, numbers, booleans, null (void), arrays,
 * tables (plain objects), byte arrays (Buffer, a Uint8Array) and typed values
 * `{ '!': 'timestamp', value: seconds }` / `{ '!': 'decimal', value: { places, digits } }`.
 */

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

export interface MessageProperties {
  contentType?: string;
  contentEncoding?: string;
  /** 1 = transient, 2 = persistent. */
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  /** Per-message TTL in milliseconds, as a string (AMQP shortstr). */
  expiration?: string;
  messageId?: string;
  /** Seconds since the epoch (AMQP timestamps are in seconds). */
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
  headers?: Record<string, unknown>;
}

export interface CapturedMessage {
  /** Monotonic per capture (peek result, tail): stable id for selection. */
  seq: number;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  properties: MessageProperties;
  body: Uint8Array;
  size: number;
  /** Date.now() when received. */
  receivedAt: number;
  /** Only for deliveries that still need an ack (consume mode with manual acks). */
  deliveryTag?: number;
}

/** What is needed to publish a message again. */
export interface PublishableMessage {
  exchange: string;
  routingKey: string;
  properties: MessageProperties;
  body: Uint8Array;
}

export const PROPERTY_NAMES = [
  'contentType',
  'contentEncoding',
  'deliveryMode',
  'priority',
  'correlationId',
  'replyTo',
  'expiration',
  'messageId',
  'timestamp',
  'type',
  'userId',
  'appId',
] as const;

const NUMERIC_PROPERTIES = new Set<string>(['deliveryMode', 'priority', 'timestamp']);

/** The set properties of an amqplib message (amqplib lists every property, mostly undefined). */
export function captureProperties(props: object): MessageProperties {
  const p = props as Record<string, unknown>;
  const properties: MessageProperties = {};
  // Unrolled on purpose: this runs once per delivery on the tail's hot path.
  if (p.contentType !== undefined) properties.contentType = p.contentType as string;
  if (p.contentEncoding !== undefined) properties.contentEncoding = p.contentEncoding as string;
  if (p.deliveryMode !== undefined) properties.deliveryMode = p.deliveryMode as number;
  if (p.priority !== undefined) properties.priority = p.priority as number;
  if (p.correlationId !== undefined) properties.correlationId = p.correlationId as string;
  if (p.replyTo !== undefined) properties.replyTo = p.replyTo as string;
  if (p.expiration !== undefined) properties.expiration = p.expiration as string;
  if (p.messageId !== undefined) properties.messageId = p.messageId as string;
  if (p.timestamp !== undefined) properties.timestamp = p.timestamp as number;
  if (p.type !== undefined) properties.type = p.type as string;
  if (p.userId !== undefined) properties.userId = p.userId as string;
  if (p.appId !== undefined) properties.appId = p.appId as string;
  if (p.headers !== undefined && p.headers !== null) properties.headers = p.headers as Record<string, unknown>;
  return properties;
}

/**
 * True if two amqplib property sets are equal: the same scalar properties, and no headers (or
 * empty ones) in either: then the tail shares one captured properties object between them.
 * Unrolled on purpose (once per delivery; a loop over the property names measured about 400 ns,
 * this about 75 ns); like captureProperties it must name every entry of PROPERTY_NAMES
 * (test/unit/message.test.ts checks both).
 */
export function sameProperties(a: object, b: object): boolean {
  const p = a as MessageProperties;
  const q = b as MessageProperties;
  return (
    p.contentType === q.contentType &&
    p.contentEncoding === q.contentEncoding &&
    p.deliveryMode === q.deliveryMode &&
    p.priority === q.priority &&
    p.correlationId === q.correlationId &&
    p.replyTo === q.replyTo &&
    p.expiration === q.expiration &&
    p.messageId === q.messageId &&
    p.timestamp === q.timestamp &&
    p.type === q.type &&
    p.userId === q.userId &&
    p.appId === q.appId &&
    emptyHeaders(p.headers) &&
    emptyHeaders(q.headers)
  );
}

function emptyHeaders(h: unknown): boolean {
  return h === undefined || h === null || (typeof h === 'object' && Object.keys(h).length === 0);
}

/**
 * Builds a CapturedMessage from an amqplib message (structurally typed, so this file does not
 * import amqplib). The body is a Uint8Array VIEW of the received Buffer: no copy.
 */
export function captureMessage(
  m: {
    content: Uint8Array;
    fields: { exchange: string; routingKey: string; redelivered: boolean; deliveryTag?: number };
    properties: object;
  },
  seq: number,
  receivedAt: number,
  deliveryTag?: number,
): CapturedMessage {
  const c = m.content;
  const body = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  const properties = captureProperties(m.properties);
  const msg: CapturedMessage = {
    seq,
    exchange: m.fields.exchange,
    routingKey: m.fields.routingKey,
    redelivered: m.fields.redelivered,
    properties,
    body,
    size: body.byteLength,
    receivedAt,
  };
  if (deliveryTag !== undefined) msg.deliveryTag = deliveryTag;
  return msg;
}

// ---------------------------------------------------------------------------------------
// Body decoding
// ---------------------------------------------------------------------------------------

export interface DecodedBody {
  kind: 'json' | 'text' | 'binary';
  text: string;
  truncated: boolean;
  /** Size of the whole body in bytes. */
  size: number;
}

export const DEFAULT_MAX_CHARS = 100_000;
/** Bodies up to this size are decoded whole so JSON can be recognised and pretty-printed. */
const JSON_FULL_PARSE_LIMIT = 4 * 1024 * 1024;
// C0 controls except \t \n \r, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/;

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const base = contentType.split(';')[0].trim().toLowerCase();
  return base === 'application/json' || base === 'text/json' || base.endsWith('+json');
}

/** Decodes UTF-8 strictly; undefined if the bytes are not valid UTF-8. `partial` tolerates a sequence cut at the end. */
function strictUtf8(bytes: Uint8Array, partial: boolean): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: partial });
  } catch {
    return undefined;
  }
}

function cutChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end);
}

/**
 * Decodes a body for display: pretty JSON, text, or a hex dump. Never builds a string much
 * longer than maxChars, whatever the body size (the bytes are sliced before decoding).
 */
export function decodeBody(body: Uint8Array, contentType?: string, opts: { maxChars?: number } = {}): DecodedBody {
  const maxChars = Math.max(1, Math.floor(opts.maxChars ?? DEFAULT_MAX_CHARS));
  const size = body.byteLength;
  const jsonType = isJsonContentType(contentType);

  if (size <= JSON_FULL_PARSE_LIMIT || size <= maxChars) {
    const text = strictUtf8(body, false);
    if (text !== undefined) {
      let json: string | undefined;
      const first = firstNonWhitespace(text);
      // Only try JSON.parse when it can succeed (cheap rejection of ordinary text).
      if (first !== undefined && '{["-0123456789tfn'.includes(first)) {
        try {
          JSON.parse(text);
          // +1 so that truncation is detected; the printer stops early on huge documents.
          json = prettyJson(text, maxChars + 1);
        } catch {
          json = undefined;
        }
      }
      if (json !== undefined) {
        return { kind: 'json', text: cutChars(json, maxChars), truncated: json.length > maxChars, size };
      }
      if (!CONTROL_CHARS.test(text)) {
        return { kind: 'text', text: cutChars(text, maxChars), truncated: text.length > maxChars, size };
      }
    }
    return hexResult(body, maxChars, size);
  }

  // Large body: look at a prefix only. A UTF-8 sequence yields at most one UTF-16 unit per byte,
  // so maxChars bytes cannot give more than maxChars characters; take a little more to fill the view.
  const prefixBytes = body.subarray(0, Math.min(size, maxChars * 3));
  const text = strictUtf8(prefixBytes, true);
  if (text !== undefined && !CONTROL_CHARS.test(text)) {
    const shown = cutChars(text, maxChars);
    // Too large to parse whole: a JSON content type keeps the json kind, shown unformatted.
    return { kind: jsonType ? 'json' : 'text', text: shown, truncated: true, size };
  }
  return hexResult(body, maxChars, size);
}

function firstNonWhitespace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return c;
  }
  return undefined;
}

const HEX_LINE_CHARS = 79; // "00000000  xx xx … xx  |................|\n"

function hexResult(body: Uint8Array, maxChars: number, size: number): DecodedBody {
  const maxLines = Math.max(1, Math.floor(maxChars / HEX_LINE_CHARS));
  const bytes = Math.min(size, maxLines * 16);
  return { kind: 'binary', text: hexDump(body.subarray(0, bytes)), truncated: bytes < size, size };
}

const HEX = '0123456789abcdef';

/** Classic hex dump: offset, 16 bytes in hex (gap after 8), ASCII column with '.' for non-printables. */
export function hexDump(bytes: Uint8Array, startOffset = 0): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const idx = off + i;
      if (idx < bytes.length) {
        const b = bytes[idx];
        hex += HEX[b >> 4] + HEX[b & 15] + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${(startOffset + off).toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n');
}

/**
 * Re-indents valid JSON text with 2 spaces without going through JS values, so number
 * literals (12345678901234567890, 1.0), string escapes and duplicate keys stay exactly as
 * sent. For ordinary documents the output equals JSON.stringify(JSON.parse(text), null, 2).
 * The input must be valid JSON. With maxChars, stops soon after the output reaches that length
 * (the result is then longer than maxChars, never much longer).
 */
export function prettyJson(text: string, maxChars = Infinity): string {
  const out: string[] = [];
  let outLen = 0;
  let indent = 0;
  const indents: string[] = [];
  const nl = () => indents[indent] ?? (indents[indent] = '\n' + '  '.repeat(indent));
  const push = (s: string) => {
    out.push(s);
    outLen += s.length;
  };
  let i = 0;
  const n = text.length;
  let chunkStart = -1; // start of a literal run (number, true, false, null) being copied
  const flushLiteral = (end: number) => {
    if (chunkStart >= 0) {
      push(text.slice(chunkStart, end));
      chunkStart = -1;
    }
  };
  while (i < n) {
    if (outLen > maxChars) return out.join('');
    const c = text[i];
    if (c === '"') {
      flushLiteral(i);
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \ */) j += 2;
        else if (d === 34 /* " */) break;
        else j++;
      }
      push(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      flushLiteral(i);
      i++;
      continue;
    }
    if (c === '{' || c === '[') {
      flushLiteral(i);
      // Empty container stays on one line.
      let j = i + 1;
      while (j < n && (text[j] === ' ' || text[j] === '\n' || text[j] === '\r' || text[j] === '\t')) j++;
      const close = c === '{' ? '}' : ']';
      if (text[j] === close) {
        push(c + close);
        i = j + 1;
        continue;
      }
      indent++;
      push(c + nl());
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      flushLiteral(i);
      indent--;
      push(nl() + c);
      i++;
      continue;
    }
    if (c === ',') {
      flushLiteral(i);
      push(',' + nl());
      i++;
      continue;
    }
    if (c === ':') {
      flushLiteral(i);
      push(': ');
      i++;
      continue;
    }
    if (chunkStart < 0) chunkStart = i;
    i++;
  }
  flushLiteral(n);
  return out.join('');
}

// ---------------------------------------------------------------------------------------
// JSON errors with positions
// ---------------------------------------------------------------------------------------

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; error: string; line: number; column: number; offset: number };

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function offsetOfLineColumn(text: string, line: number, column: number): number {
  let l = 1;
  let i = 0;
  while (l < line && i < text.length) {
    if (text.charCodeAt(i) === 10) l++;
    i++;
  }
  return Math.min(text.length, i + column - 1);
}

/**
 * JSON.parse with a clear error: V8's message without its echo of the input, plus the line and
 * column (from "at position N" / "(line X column Y)" in V8's message, or located by a small
 * scanner when V8 does not say, e.g. "Unexpected token 'h', "hello" is not valid JSON").
 */
export function parseJsonWithPosition(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    let offset: number | undefined;
    const lc = /\(?line (\d+) column (\d+)\)?/.exec(raw);
    const pos = /at position (\d+)/.exec(raw);
    if (lc) offset = offsetOfLineColumn(text, Number(lc[1]), Number(lc[2]));
    else if (pos) offset = Number(pos[1]);
    else if (/Unexpected end of JSON input/.test(raw)) offset = text.length;
    else offset = locateJsonError(text);
    let message = raw
      .replace(/,\s*"[\s\S]*" is not valid JSON$/, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/\s+in JSON at position \d+/, '')
      .replace(/\s+at position \d+/, '')
      .trim();
    if (message === '') message = 'Invalid JSON';
    const { line, column } = lineColumn(text, offset);
    return { ok: false, error: `${message} at line ${line}, column ${column}`, line, column, offset };
  }
}

/** Offset of the first syntax error in text (text.length if it ends too early). Assumes text is invalid. */
export function locateJsonError(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  class Stop {
    constructor(readonly at: number) {}
  }
  const fail = (at = i): never => {
    throw new Stop(at);
  };
  const str = () => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) fail(n);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i + 2);
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else fail(i + 1);
      } else i++;
    }
    fail(n);
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0] === '') fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    if (i >= n) fail(n);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (i >= n) fail(n);
        if (text[i] !== '"') fail();
        str();
        ws();
        if (i >= n) fail(n);
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (i >= n) fail(n);
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (i >= n) fail(n);
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
      if (lit.startsWith(text.slice(i, i + lit.length)) && i + lit.length > n) fail(n);
    }
    fail();
  };
  try {
    value(0);
    ws();
    return i < n ? i : n;
  } catch (e) {
    if (e instanceof Stop) return e.at;
    return 0;
  }
}

// ---------------------------------------------------------------------------------------
// Headers: AMQP types for display, x-death, building headers from form input
// ---------------------------------------------------------------------------------------

export type HeaderType = 'string' | 'int' | 'float' | 'bool' | 'void' | 'array' | 'table' | 'timestamp' | 'bytes' | 'decimal';

export interface TypedHeader {
  name: string;
  type: HeaderType;
  /** Display text: strings verbatim, tables/arrays as compact JSON, timestamps as ISO dates. */
  value: string;
}

function isTyped(v: unknown, tag: string): v is { '!': string; value: unknown } {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && (v as Record<string, unknown>)['!'] === tag && 'value' in v;
}

/** AMQP field type of a header value as amqplib decodes it. */
export function headerType(v: unknown): HeaderType {
  if (v === null || v === undefined) return 'void';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    default:
      break;
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'timestamp';
  if (isTyped(v, 'timestamp')) return 'timestamp';
  if (isTyped(v, 'decimal')) return 'decimal';
  if (isTyped(v, 'bytes')) return 'bytes';
  return 'table';
}

function timestampSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date) return v.getTime() / 1000;
  if (isTyped(v, 'timestamp') && typeof v.value === 'number') return v.value;
  return undefined;
}

export function formatTimestamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}

const MAX_BYTES_SHOWN = 64;

function bytesDisplay(b: Uint8Array): string {
  let hex = '';
  const n = Math.min(b.length, MAX_BYTES_SHOWN);
  for (let i = 0; i < n; i++) hex += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return `${b.length} byte${b.length === 1 ? '' : 's'}: ${hex}${b.length > n ? '…' : ''}`;
}

/** Replaces byte arrays, timestamps and decimals by readable JSON-safe values (for display and filtering). */
function displayable(v: unknown, depth = 0): unknown {
  if (depth > 64) return '…';
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return `<${bytesDisplay(v)}>`;
  if (v instanceof Date) return v.toISOString();
  if (isTyped(v, 'timestamp')) return typeof v.value === 'number' ? formatTimestamp(v.value) : String(v.value);
  if (isTyped(v, 'decimal')) return decimalText(v.value);
  if (isTyped(v, 'bytes') && typeof v.value === 'string') return `<base64 ${v.value}>`;
  if (Array.isArray(v)) return v.map((x) => displayable(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = displayable(x, depth + 1);
  return out;
}

function decimalText(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const { places, digits } = v as { places?: unknown; digits?: unknown };
    if (typeof places === 'number' && typeof digits === 'number') {
      if (places <= 0) return String(digits);
      const s = String(Math.abs(digits)).padStart(places + 1, '0');
      return `${digits < 0 ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
    }
  }
  return JSON.stringify(v);
}

/** Display text of one header value (no type). */
export function headerValueText(v: unknown): string {
  const t = headerType(v);
  switch (t) {
    case 'string':
      return v as string;
    case 'void':
      return 'null';
    case 'int':
    case 'float':
    case 'bool':
      return String(v);
    case 'bytes':
      return v instanceof Uint8Array ? bytesDisplay(v) : String(displayable(v));
    case 'timestamp': {
      const s = timestampSeconds(v);
      return s === undefined ? String(v) : `${formatTimestamp(s)} (${s})`;
    }
    case 'decimal':
      return decimalText((v as { value: unknown }).value);
    default:
      return JSON.stringify(displayable(v));
  }
}

/** One row per header, in the order received, with the AMQP type for display. */
export function typedHeaders(headers: Record<string, unknown> | undefined): TypedHeader[] {
  if (!headers) return [];
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => ({ name, type: headerType(v), value: headerValueText(v) }));
}

export interface XDeathRow {
  queue: string;
  exchange: string;
  reason: string;
  count: number;
  /** ISO date of the (latest) death, when given. */
  time?: string;
  routingKeys: string[];
  originalExpiration?: string;
  /** The same as name/value pairs, ready for a table. */
  fields: { name: string; value: string }[];
}

/** Readable rows for an x-death header (newest first, as RabbitMQ orders them). [] if absent or malformed. */
export function formatXDeath(headers: Record<string, unknown> | undefined): XDeathRow[] {
  const raw = headers?.['x-death'];
  if (!Array.isArray(raw)) return [];
  const rows: XDeathRow[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const e = entry as Record<string, unknown>;
    const str = (x: unknown) => (x === undefined || x === null ? '' : typeof x === 'string' ? x : x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x));
    const seconds = timestampSeconds(e.time);
    const rks = Array.isArray(e['routing-keys']) ? (e['routing-keys'] as unknown[]).map(str) : [];
    const row: XDeathRow = {
      queue: str(e.queue),
      exchange: str(e.exchange),
      reason: str(e.reason),
      count: typeof e.count === 'number' ? e.count : Number(e.count ?? 0) || 0,
      routingKeys: rks,
      fields: [],
    };
    if (seconds !== undefined) row.time = formatTimestamp(seconds);
    if (e['original-expiration'] !== undefined && e['original-expiration'] !== null) row.originalExpiration = str(e['original-expiration']);
    row.fields.push(
      { name: 'queue', value: row.queue },
      { name: 'exchange', value: row.exchange === '' ? '(AMQP default)' : row.exchange },
      { name: 'reason', value: row.reason },
      { name: 'count', value: String(row.count) },
    );
    if (row.time !== undefined) row.fields.push({ name: 'time', value: row.time });
    row.fields.push({ name: 'routing keys', value: rks.join(', ') });
    if (row.originalExpiration !== undefined) row.fields.push({ name: 'original expiration', value: `${row.originalExpiration} ms` });
    rows.push(row);
  }
  return rows;
}

export interface HeaderInput {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'null' | 'json';
  value: string;
}

export type BuildHeadersResult = { ok: true; headers: Record<string, unknown> } | { ok: false; error: string; index?: number };

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Turns header form rows into a headers table. Rows with an empty name and empty value are skipped. */
export function buildHeaders(inputs: readonly HeaderInput[]): BuildHeadersResult {
  const headers: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let idx = 0; idx < inputs.length; idx++) {
    const { name, type, value } = inputs[idx];
    const trimmedName = name.trim();
    if (trimmedName === '' && value.trim() === '') continue;
    const where = `Header ${idx + 1}${trimmedName ? ` '${trimmedName}'` : ''}`;
    if (trimmedName === '') return { ok: false, error: `${where}: the name is empty`, index: idx };
    if (trimmedName.length > 255) return { ok: false, error: `${where}: the name is longer than 255 characters`, index: idx };
    if (seen.has(trimmedName)) return { ok: false, error: `Header '${trimmedName}' appears more than once`, index: idx };
    seen.add(trimmedName);
    switch (type) {
      case 'string':
        headers[trimmedName] = value;
        break;
      case 'number': {
        const t = value.trim();
        if (!NUMBER_RE.test(t)) return { ok: false, error: `${where}: '${value}' is not a number`, index: idx };
        const n = Number(t);
        if (!Number.isFinite(n)) return { ok: false, error: `${where}: '${value}' is out of range`, index: idx };
        if (Number.isInteger(n) && !Number.isSafeInteger(n) && /^[+-]?\d+$/.test(t)) {
          return { ok: false, error: `${where}: ${t} is too large to be sent exactly (integers are limited to ±${Number.MAX_SAFE_INTEGER})`, index: idx };
        }
        headers[trimmedName] = n;
        break;
      }
      case 'boolean': {
        const t = value.trim().toLowerCase();
        if (t !== 'true' && t !== 'false') return { ok: false, error: `${where}: expected true or false, got '${value}'`, index: idx };
        headers[trimmedName] = t === 'true';
        break;
      }
      case 'null':
        headers[trimmedName] = null;
        break;
      case 'json': {
        const r = parseJsonWithPosition(value);
        if (!r.ok) return { ok: false, error: `${where}: ${r.error}`, index: idx };
        if (typeof r.value !== 'object' || r.value === null) {
          return { ok: false, error: `${where}: JSON headers must be an object or an array (use the string, number, boolean or null type for single values)`, index: idx };
        }
        headers[trimmedName] = r.value;
        break;
      }
      default:
        return { ok: false, error: `${where}: unknown type '${String(type)}'`, index: idx };
    }
  }
  return { ok: true, headers };
}

// ---------------------------------------------------------------------------------------
// Export / import
// ---------------------------------------------------------------------------------------

export interface ExportedMessage {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  /** JSON-safe: header byte arrays become { "!": "bytes", "value": "<base64>" }. */
  properties: Record<string, unknown>;
  bodyBase64: string;
  /** The body as text, when it is valid UTF-8 (for reading; bodyBase64 is authoritative). */
  bodyText?: string;
}

function exportHeaderValue(v: unknown, depth = 0): unknown {
  if (depth > 64) throw new Error('headers nested too deeply');
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return { '!': 'bytes', value: bytesToBase64(v) };
  if (v instanceof Date) return { '!': 'timestamp', value: Math.floor(v.getTime() / 1000) };
  if (Array.isArray(v)) return v.map((x) => exportHeaderValue(x, depth + 1));
  if (isTyped(v, 'timestamp') || isTyped(v, 'decimal')) return { '!': v['!'], value: v.value };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== undefined) out[k] = exportHeaderValue(x, depth + 1);
  }
  return out;
}

function importHeaderValue(v: unknown, path: string, depth = 0): unknown {
  if (depth > 64) throw new Error(`${path}: nested too deeply`);
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x, i) => importHeaderValue(x, `${path}[${i}]`, depth + 1));
  const o = v as Record<string, unknown>;
  if (typeof o['!'] === 'string' && 'value' in o && Object.keys(o).length === 2) {
    const tag = o['!'];
    if (tag === 'bytes') {
      if (typeof o.value !== 'string') throw new Error(`${path}: bytes value must be a base64 string`);
      return base64ToBytes(o.value);
    }
    if (tag === 'timestamp') {
      if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw new Error(`${path}: timestamp value must be a number of seconds`);
      return { '!': 'timestamp', value: o.value };
    }
    if (tag === 'decimal') return { '!': 'decimal', value: o.value };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = importHeaderValue(x, `${path}.${k}`, depth + 1);
  return out;
}

/** A JSON-safe copy of a message that fromExportable() can read back (and the publish panel can send again). */
export function toExportable(msg: CapturedMessage | PublishableMessage & { redelivered?: boolean }): ExportedMessage {
  const properties: Record<string, unknown> = {};
  for (const name of PROPERTY_NAMES) {
    const v = msg.properties[name];
    if (v !== undefined && v !== null) properties[name] = v;
  }
  if (msg.properties.headers) properties.headers = exportHeaderValue(msg.properties.headers);
  const out: ExportedMessage = {
    exchange: msg.exchange,
    routingKey: msg.routingKey,
    redelivered: msg.redelivered ?? false,
    properties,
    bodyBase64: bytesToBase64(msg.body),
  };
  const text = strictUtf8(msg.body, false);
  if (text !== undefined) out.bodyText = text;
  return out;
}

export type FromExportableResult = { ok: true; message: PublishableMessage & { redelivered: boolean } } | { ok: false; error: string };

/** Validates and reads back an exported message (also accepts a hand-written one with bodyText only). */
export function fromExportable(obj: unknown): FromExportableResult {
  const fail = (error: string): FromExportableResult => ({ ok: false, error });
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail('Expected a message object');
  const o = obj as Record<string, unknown>;
  const exchange = o.exchange ?? '';
  if (typeof exchange !== 'string') return fail("'exchange' must be a string");
  const routingKey = o.routingKey ?? '';
  if (typeof routingKey !== 'string') return fail("'routingKey' must be a string");
  if (routingKey.length > 255 || new TextEncoder().encode(routingKey).length > 255) return fail("'routingKey' is longer than 255 bytes");
  if (o.redelivered !== undefined && typeof o.redelivered !== 'boolean') return fail("'redelivered' must be a boolean");

  let body: Uint8Array;
  if (o.bodyBase64 !== undefined) {
    if (typeof o.bodyBase64 !== 'string') return fail("'bodyBase64' must be a string");
    try {
      body = base64ToBytes(o.bodyBase64);
    } catch (e) {
      return fail(`'bodyBase64': ${(e as Error).message}`);
    }
  } else if (o.bodyText !== undefined) {
    if (typeof o.bodyText !== 'string') return fail("'bodyText' must be a string");
    body = new TextEncoder().encode(o.bodyText);
  } else {
    return fail("The message has no body ('bodyBase64' or 'bodyText')");
  }

  const properties: MessageProperties = {};
  const rawProps = o.properties ?? {};
  if (typeof rawProps !== 'object' || rawProps === null || Array.isArray(rawProps)) return fail("'properties' must be an object");
  const known = new Set<string>([...PROPERTY_NAMES, 'headers']);
  for (const [k, v] of Object.entries(rawProps as Record<string, unknown>)) {
    if (!known.has(k)) return fail(`Unknown property '${k}' (expected one of ${[...known].join(', ')})`);
    if (v === undefined || v === null) continue;
    if (k === 'headers') {
      if (typeof v !== 'object' || Array.isArray(v)) return fail("'properties.headers' must be an object");
      try {
        properties.headers = importHeaderValue(v, 'properties.headers') as Record<string, unknown>;
      } catch (e) {
        return fail((e as Error).message);
      }
      continue;
    }
    if (NUMERIC_PROPERTIES.has(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`'properties.${k}' must be a number`);
      if (k === 'deliveryMode' && v !== 1 && v !== 2) return fail("'properties.deliveryMode' must be 1 (transient) or 2 (persistent)");
      if (k === 'priority' && (!Number.isInteger(v) || v < 0 || v > 255)) return fail("'properties.priority' must be an integer from 0 to 255");
      (properties as Record<string, unknown>)[k] = v;
      continue;
    }
    if (k === 'expiration' && typeof v === 'number') {
      properties.expiration = String(v);
      continue;
    }
    if (typeof v !== 'string') return fail(`'properties.${k}' must be a string`);
    (properties as Record<string, unknown>)[k] = v;
  }
  return { ok: true, message: { exchange, routingKey, redelivered: o.redelivered === true, properties, body } };
}

/** One exported message per line. */
export function toNdjson(messages: readonly CapturedMessage[]): string {
  let out = '';
  for (const m of messages) out += JSON.stringify(toExportable(m)) + '\n';
  return out;
}

/** `{"gap": {...}}`: the tail export's marker for messages missed while reconnecting. */
function isGapLine(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.gap === 'object' && o.gap !== null && o.bodyBase64 === undefined && o.bodyText === undefined;
}

/**
 * Reads exported messages back (skipping a tail export's gap markers): a JSON array, a single message object, or NDJSON (one per line).
 * Errors name the message (1-based) or line.
 */
export function parseExported(text: string): { ok: true; messages: (PublishableMessage & { redelivered: boolean })[] } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'The file is empty' };
  const collect = (items: unknown[], label: string) => {
    const messages: (PublishableMessage & { redelivered: boolean })[] = [];
    for (let i = 0; i < items.length; i++) {
      if (isGapLine(items[i])) continue; // a tail export's gap marker, not a message
      const r = fromExportable(items[i]);
      if (!r.ok) return { ok: false as const, error: `${label} ${i + 1}: ${r.error}` };
      messages.push(r.message);
    }
    return { ok: true as const, messages };
  };
  const whole = parseJsonWithPosition(trimmed);
  if (whole.ok) return collect(Array.isArray(whole.value) ? whole.value : [whole.value], 'Message');
  if (trimmed.startsWith('[')) return { ok: false, error: whole.error };
  const lines = text.split('\n');
  const items: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const r = parseJsonWithPosition(lines[i]);
    if (!r.ok) return { ok: false, error: `Line ${i + 1}: ${r.error}` };
    items.push(r.value);
  }
  return collect(items, 'Message');
}

// ---------------------------------------------------------------------------------------
// Filtering
// ---------------------------------------------------------------------------------------

export const FILTER_BODY_BYTES = 64 * 1024;

const lenientUtf8 = new TextDecoder('utf-8');

/** A predicate for one filter text (lower-cases the needle once). Empty text matches everything. */
export function createFilter(text: string): (msg: CapturedMessage) => boolean {
  const needle = text.toLowerCase();
  if (needle === '') return () => true;
  return (msg) => {
    if (msg.routingKey.toLowerCase().includes(needle)) return true;
    if (msg.exchange.toLowerCase().includes(needle)) return true;
    const headers = msg.properties.headers;
    if (headers) {
      for (const name in headers) {
        if (name.toLowerCase().includes(needle)) return true;
        const v = headers[name];
        const s = typeof v === 'string' ? v : headerValueText(v);
        if (s.toLowerCase().includes(needle)) return true;
      }
    }
    const body = msg.body.byteLength > FILTER_BODY_BYTES ? msg.body.subarray(0, FILTER_BODY_BYTES) : msg.body;
    return lenientUtf8.decode(body).toLowerCase().includes(needle);
  };
}

/** Case-insensitive substring match over routing key, exchange, header names/values and the first 64 KB of the body. */
export function matchesFilter(msg: CapturedMessage, text: string): boolean {
  return createFilter(text)(msg);
}

export function filterMessages(messages: readonly CapturedMessage[], text: string): CapturedMessage[] {
  const f = createFilter(text);
  return messages.filter(f);
}

// ---------------------------------------------------------------------------------------
// base64 (no Buffer, no atob: works the same in Node and in the webview)
// ---------------------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 16_384;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (end - i === 1) {
      const n = bytes[i] << 16;
      s += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
    } else if (end - i === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/**
 * Decodes standard base64 (also base64url characters). Whitespace and line breaks are ignored;
 * padding is optional. Throws an Error naming the offending character and its position.
 */
export function base64ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((text.length * 3) / 4));
  let o = 0;
  let acc = 0; // up to 4 sextets
  let count = 0; // sextets in acc
  let total = 0; // sextets seen
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 61 /* = */) {
      padding++;
      if (padding > 2) throw new Error(`Invalid base64: too much '=' padding at position ${i}`);
      continue;
    }
    let v = c < 128 ? B64_LOOKUP[c] : -1;
    if (c === 45 /* - */) v = 62;
    else if (c === 95 /* _ */) v = 63;
    if (v < 0) throw new Error(`Invalid base64: unexpected character '${text[i]}' at position ${i}`);
    if (padding > 0) throw new Error(`Invalid base64: data after '=' padding at position ${i}`);
    acc = (acc << 6) | v;
    count++;
    total++;
    if (count === 4) {
      out[o++] = (acc >> 16) & 255;
      out[o++] = (acc >> 8) & 255;
      out[o++] = acc & 255;
      acc = 0;
      count = 0;
    }
  }
  if (count === 1) throw new Error('Invalid base64: the length is not valid (a character is missing or one too many)');
  if (padding > 0 && (total + padding) % 4 !== 0) throw new Error("Invalid base64: wrong amount of '=' padding");
  if (count === 2) {
    out[o++] = (acc >> 4) & 255;
  } else if (count === 3) {
    out[o++] = (acc >> 10) & 255;
    out[o++] = (acc >> 2) & 255;
  }
  return out.slice(0, o);
}
