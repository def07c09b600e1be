/**
 * AMQP field values: the values of a message's header table (and of x-death), as amqplib
 * decodes them: their AMQP types and display text, readable x-death rows, and header tables
 * built from the publish form's rows.
 *
 * Named "field values" after the AMQP 0-9-1 field-table values they are, so that it is not taken
 * for headersExchange.ts, which decides whether a headers exchange routes a message.
 */
import { HEX_DIGITS } from './messageBody';
import { formatTimestamp, pluralize } from './format';
import type { FieldTable, FieldType } from './fieldTypes';
import { migrateHeaderRow, parseRowValue, type LegacyRowType } from './headerRows';

export type HeaderType =
  'string' | 'int' | 'float' | 'bool' | 'void' | 'array' | 'table' | 'timestamp' | 'bytes' | 'decimal';

export interface TypedHeader {
  name: string;
  type: HeaderType;
  /** Display text: strings verbatim, tables/arrays as compact JSON, timestamps as ISO dates. */
  value: string;
}

/** An amqplib typed value such as `{ '!': 'timestamp', value: 5 }` with this tag. */
export function isTyped(v: unknown, tag: string): v is { '!': string; value: unknown } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    (v as Record<string, unknown>)['!'] === tag &&
    'value' in v
  );
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

const MAX_BYTES_SHOWN = 64;

function bytesDisplay(b: Uint8Array): string {
  let hex = '';
  const n = Math.min(b.length, MAX_BYTES_SHOWN);
  for (let i = 0; i < n; i++) hex += HEX_DIGITS[b[i] >> 4] + HEX_DIGITS[b[i] & 15];
  return `${pluralize(b.length, 'byte')}: ${hex}${b.length > n ? '…' : ''}`;
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
    const str = (x: unknown) =>
      x === undefined || x === null
        ? ''
        : typeof x === 'string'
          ? x
          : x instanceof Uint8Array
            ? new TextDecoder().decode(x)
            : String(x);
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
    headers[trimmedName] = r.value;
  }
  return { ok: true, headers };
}
