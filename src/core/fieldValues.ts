/**
 * AMQP field values: the values of a message's header table (and of x-death), in the
 * representation of fieldTypes.ts (typed numbers `{ '!': 'int64', value: '5' }`, byte arrays,
 * tables, arrays; plain JS numbers mean what amqplib guesses): their exact AMQP types and display
 * text, readable x-death rows, and header tables built from the publish form's rows.
 *
 * Named "field values" after the AMQP 0-9-1 field-table values they are, so that it is not taken
 * for headersExchange.ts, which decides whether a headers exchange routes a message.
 */
import { base64ToBytes } from './base64';
import {
  NON_FINITE_REASON,
  decimalText,
  fieldNumber,
  fieldTypeOf,
  isTypedNumber,
  nonFinitePath,
  toJsonValue,
} from './fieldTypes';
import { HEX_DIGITS } from './messageBody';
import { formatTimestamp, pluralize } from './format';
import type { FieldTable, FieldType, FieldValue } from './fieldTypes';
import { migrateHeaderRow, parseRowValue, type LegacyRowType } from './headerRows';

/** The AMQP type of a header value as shown: the exact field type (int8…int64, float, double, …). */
export type HeaderType = FieldType;

export interface TypedHeader {
  name: string;
  type: HeaderType;
  /**
   * Display text: strings verbatim, integers exactly (int64 too), floats as JS writes them,
   * decimals as decimal text, timestamps as ISO dates with their seconds, byte arrays as hex,
   * tables and arrays as compact JSON in the JSON form of fieldTypes.ts (typed numbers kept).
   */
  value: string;
}

/** AMQP field type of a header value (fieldTypeOf: typed numbers give their exact type). */
export function headerType(v: unknown): HeaderType {
  return fieldTypeOf(v);
}

/** The value of a typed number, or the plain value itself. */
function numberValue(v: unknown): unknown {
  return isTypedNumber(v) ? v.value : v;
}

/** Seconds of a timestamp (typed, Date or a plain number); a decimal string beyond 2^53 stays a string. */
function timestampSeconds(v: unknown): number | string | undefined {
  if (v instanceof Date) return v.getTime() / 1000;
  const s = numberValue(v);
  if (typeof s === 'string' && /^\d+$/.test(s)) return Number.isSafeInteger(Number(s)) ? Number(s) : s;
  if (typeof s === 'number' && Number.isFinite(s)) return s;
  return undefined;
}

function timestampText(v: unknown): string {
  const s = timestampSeconds(v);
  if (s === undefined) return jsonText(v);
  // Beyond 2^53 seconds no date exists (JS dates end at 8.64e12 s): the exact seconds only.
  return typeof s === 'string' ? s : `${formatTimestamp(s)} (${s})`;
}

const MAX_BYTES_SHOWN = 64;

function bytesDisplay(b: Uint8Array): string {
  let hex = '';
  const n = Math.min(b.length, MAX_BYTES_SHOWN);
  for (let i = 0; i < n; i++) hex += HEX_DIGITS[b[i] >> 4] + HEX_DIGITS[b[i] & 15];
  return `${pluralize(b.length, 'byte')}: ${hex}${b.length > n ? '…' : ''}`;
}

function bytesText(v: unknown): string {
  if (v instanceof Uint8Array) return bytesDisplay(v);
  try {
    return bytesDisplay(base64ToBytes(String((v as { value: unknown }).value))); // the JSON form { '!': 'bytes' }
  } catch {
    return jsonText(v);
  }
}

/** An integer exactly: int64 values are decimal strings, bigints are written out. */
function integerText(v: unknown): string {
  const n = numberValue(v);
  if (typeof n === 'number' || typeof n === 'bigint') return n.toString();
  return typeof n === 'string' ? n : jsonText(v); // not a number: a table that looks typed
}

/** A float or double as JS writes it (NaN, Infinity, and -0 with its sign). */
function floatText(v: unknown): string {
  const n = numberValue(v);
  if (typeof n === 'number') return Object.is(n, -0) ? '-0' : String(n);
  return typeof n === 'string' ? n : jsonText(v); // not a number: a table that looks typed
}

/** Compact JSON in the JSON form of fieldTypes.ts (typed numbers and byte arrays as { "!": … }). */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(toJsonValue(v as FieldValue)) ?? String(v);
  } catch (e) {
    return `(not shown: ${(e as Error).message})`;
  }
}

/** Display text of one header value (no type). */
export function headerValueText(v: unknown): string {
  const t = fieldTypeOf(v);
  switch (t) {
    case 'string':
      return v as string;
    case 'void':
      return 'null';
    case 'bool':
      return String(v);
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
      return integerText(v);
    case 'float':
    case 'double':
      return floatText(v);
    case 'decimal': {
      const d = numberValue(v) as { places?: unknown; digits?: unknown } | null;
      return typeof d?.places === 'number' && typeof d.digits === 'number'
        ? decimalText(d.places, d.digits)
        : jsonText(v);
    }
    case 'timestamp':
      return timestampText(v);
    case 'bytes':
      return bytesText(v);
    case 'array':
    case 'table':
      return jsonText(v);
  }
}

/** One row per header, in the order received, with the exact AMQP type for display. */
export function typedHeaders(headers: Record<string, unknown> | undefined): TypedHeader[] {
  if (!headers) return [];
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => ({ name, type: fieldTypeOf(v), value: headerValueText(v) }));
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
    const str = (x: unknown) =>
      x === undefined || x === null
        ? ''
        : typeof x === 'string'
          ? x
          : x instanceof Uint8Array
            ? new TextDecoder().decode(x)
            : headerValueText(x);
    // RabbitMQ writes count as an int64 ({ '!': 'int64', value: '3' }) and time as a timestamp.
    const seconds = fieldNumber(e.time instanceof Date ? e.time.getTime() / 1000 : e.time);
    const rks = Array.isArray(e['routing-keys']) ? (e['routing-keys'] as unknown[]).map(str) : [];
    const row: XDeathRow = {
      queue: str(e.queue),
      exchange: str(e.exchange),
      reason: str(e.reason),
      count: fieldNumber(e.count) ?? 0,
      routingKeys: rks,
      fields: [],
    };
    if (seconds !== undefined) row.time = formatTimestamp(seconds);
    if (e['original-expiration'] !== undefined && e['original-expiration'] !== null)
      row.originalExpiration = str(e['original-expiration']);
    row.fields.push(
      { name: 'queue', value: row.queue },
      { name: 'exchange', value: row.exchange === '' ? '(AMQP default)' : row.exchange },
      { name: 'reason', value: row.reason },
      { name: 'count', value: String(row.count) },
    );
    if (row.time !== undefined) row.fields.push({ name: 'time', value: row.time });
    row.fields.push({ name: 'routing keys', value: rks.join(', ') });
    if (row.originalExpiration !== undefined)
      row.fields.push({ name: 'original expiration', value: `${row.originalExpiration} ms` });
    rows.push(row);
  }
  return rows;
}

/** A header row of the publish or RPC form: a FieldType (or a type of old saved drafts, migrated). */
export interface HeaderInput {
  name: string;
  type: FieldType | LegacyRowType;
  value: string;
}

export type BuildHeadersResult = { ok: true; headers: FieldTable } | { ok: false; error: string; index?: number };

/**
 * Turns header form rows into a headers table of typed field values (fieldTypes.ts), each checked
 * for its type (headerRows.ts). Rows with an empty name and empty value are skipped. Errors name
 * the row and say what is wrong, e.g. "Header 2 'retries': 300 does not fit int8 (-128 to 127)".
 */
export function buildHeaders(inputs: readonly HeaderInput[]): BuildHeadersResult {
  const headers: FieldTable = {};
  const seen = new Set<string>();
  for (let idx = 0; idx < inputs.length; idx++) {
    const { name, type, value } = migrateHeaderRow(inputs[idx]);
    const trimmedName = name.trim();
    if (trimmedName === '' && value.trim() === '') continue;
    const where = `Header ${idx + 1}${trimmedName ? ` '${trimmedName}'` : ''}`;
    if (trimmedName === '') return { ok: false, error: `${where}: the name is empty`, index: idx };
    if (trimmedName.length > 255)
      return { ok: false, error: `${where}: the name is longer than 255 characters`, index: idx };
    if (seen.has(trimmedName))
      return { ok: false, error: `Header '${trimmedName}' appears more than once`, index: idx };
    seen.add(trimmedName);
    const r = parseRowValue(type, value, where);
    if (!r.ok) return { ok: false, error: r.error, index: idx };
    const nonFinite = nonFinitePath(r.value, trimmedName);
    if (nonFinite)
      return { ok: false, error: `${where}: ${nonFinite} is NaN or infinite; ${NON_FINITE_REASON}`, index: idx };
    headers[trimmedName] = r.value;
  }
  return { ok: true, headers };
}
