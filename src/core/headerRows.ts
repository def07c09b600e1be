/**
 * The header rows of the publish and RPC forms: one row per header, with its AMQP type (a
 * FieldType of fieldTypes.ts) and its value as text. Pure and browser-safe: the webviews use it for
 * the type list, the placeholders and the inline errors; the host uses it to build the headers.
 *
 * Value text per type:
 * - string: as typed; bool: true or false;
 * - int8…int64: a whole number in decimal (int64 keeps all 64 bits);
 * - float, double: a number (NaN and ±Infinity parse, for reading, but are refused before sending:
 *   fieldTypes.ts NON_FINITE_REASON);
 * - decimal: "12.34" (places = digits after the point; the digits are a uint32, as in amqplib);
 * - timestamp: epoch seconds or an ISO date;
 * - bytes: base64, or hex after a `hex:` prefix;
 * - void: nothing;
 * - array, table: JSON in the exact JSON form of fieldTypes.ts (`{ "!": "int64", "value": "…" }`).
 *
 * Rows saved before typed rows existed (history, templates, webview state) had the types string,
 * number, boolean, null and json: migrateHeaderRow turns them into typed rows.
 */
import { base64ToBytes, bytesToBase64 } from './base64';
import {
  FIELD_TYPES,
  decimalText,
  fieldTypeOf,
  fromJsonValue,
  guessNumberType,
  intRange,
  isTypedNumber,
  toJsonValue,
  typedFromJson,
  type FieldTable,
  type FieldType,
  type FieldValue,
} from './fieldTypes';
import { parseJsonWithPosition } from './json';

export interface TypedHeaderRow {
  name: string;
  type: FieldType;
  value: string;
}

/** The types in the order the forms list them. */
export const ROW_TYPES: readonly FieldType[] = [
  'string',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float',
  'double',
  'bool',
  'timestamp',
  'decimal',
  'bytes',
  'void',
  'array',
  'table',
];

/** A short label per type for the dropdown. */
export const ROW_TYPE_LABELS: Readonly<Record<FieldType, string>> = {
  string: 'string',
  bool: 'bool',
  int8: 'int8 (byte)',
  uint8: 'uint8',
  int16: 'int16 (short)',
  uint16: 'uint16',
  int32: 'int32 (int)',
  uint32: 'uint32',
  int64: 'int64 (long)',
  float: 'float (32-bit)',
  double: 'double (64-bit)',
  decimal: 'decimal',
  timestamp: 'timestamp',
  bytes: 'byte array',
  void: 'void (null)',
  array: 'array (JSON)',
  table: 'table (JSON)',
};

/** The value input's placeholder per type. */
export const ROW_PLACEHOLDERS: Readonly<Record<FieldType, string>> = {
  string: 'text',
  bool: 'true or false',
  int8: 'whole number, -128 to 127',
  uint8: 'whole number, 0 to 255',
  int16: 'whole number, -32768 to 32767',
  uint16: 'whole number, 0 to 65535',
  int32: 'whole number, -2147483648 to 2147483647',
  uint32: 'whole number, 0 to 4294967295',
  int64: 'whole number, 64 bits (e.g. 9007199254740993)',
  float: 'number (32-bit), e.g. 1.5',
  double: 'number, e.g. 2.0',
  decimal: 'e.g. 12.34',
  timestamp: 'epoch seconds or ISO date',
  bytes: 'base64, or hex:0a1b…',
  void: '',
  array: 'JSON array, e.g. [1, "a", {"!": "int64", "value": "5"}]',
  table: 'JSON object, e.g. {"k": "v", "n": {"!": "float", "value": 1.5}}',
};

/** The row types of saved drafts from before typed rows. */
export const LEGACY_ROW_TYPES = ['number', 'boolean', 'null', 'json'] as const;
export type LegacyRowType = (typeof LEGACY_ROW_TYPES)[number];

export function isFieldType(t: unknown): t is FieldType {
  return typeof t === 'string' && (FIELD_TYPES as readonly string[]).includes(t);
}

const PLAIN_INTEGER = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The type amqplib gives a plain number, with what it does beyond int64 (a double). */
function plainNumberType(n: number): FieldType {
  const t = guessNumberType(n);
  if (t !== 'int64') return t;
  const [lo, hi] = intRange('int64')!;
  const b = BigInt(n);
  return b < lo || b > hi ? 'double' : 'int64';
}

/**
 * A row of an old draft (type number, boolean, null or json) as a typed row that sends what the
 * old row sent: a number gets the type amqplib guessed for it (a whole number the smallest integer
 * type that holds it, anything else a double; a value with template variables int64), boolean is
 * bool, null is void, json is array or table by its value. Typed rows come back as they are.
 */
export function migrateHeaderRow(row: { name: string; type: string; value: string }): TypedHeaderRow {
  const { name, value } = row;
  if (isFieldType(row.type)) return { name, type: row.type, value };
  switch (row.type as LegacyRowType) {
    case 'number': {
      const t = value.trim();
      if (PLAIN_INTEGER.test(t)) {
        const b = BigInt(t);
        for (const type of ['int8', 'int16', 'int32', 'int64'] as const) {
          const [lo, hi] = intRange(type)!;
          if (b >= lo && b <= hi) return { name, type, value };
        }
        return { name, type: 'double', value };
      }
      if (NUMBER_TEXT.test(t)) {
        const n = Number(t);
        const type = plainNumberType(n);
        return { name, type, value: type === 'double' ? value : BigInt(n).toString() };
      }
      // A template ({{$i}}) or a mistake: a counter is a whole number; a mistake is reported on publish.
      return { name, type: value.includes('{{') ? 'int64' : 'double', value };
    }
    case 'boolean':
      return { name, type: 'bool', value };
    case 'null':
      return { name, type: 'void', value: '' };
    case 'json': {
      const parsed = parseJsonWithPosition(value);
      return { name, type: parsed.ok && Array.isArray(parsed.value) ? 'array' : 'table', value };
    }
    default:
      return { name, type: 'string', value };
  }
}

export type RowValueResult = { ok: true; value: FieldValue } | { ok: false; error: string };

const FLOAT_MAX = 3.4028234663852886e38;

function hexToBytes(hex: string, where: string): Uint8Array {
  const h = hex.replace(/[\s:]+/g, '');
  if (h.length % 2 !== 0) throw new Error(`${where}: hex needs an even number of digits, got ${h.length}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const byte = h.slice(2 * i, 2 * i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(byte)) throw new Error(`${where}: '${byte}' is not a hex byte`);
    out[i] = parseInt(byte, 16);
  }
  return out;
}

/**
 * Makes every plain number in a value explicitly typed with the type amqplib would give it, so
 * that what goes out is exactly what the JSON form says (the bytes on the wire are the same).
 */
export function explicitTypes(v: FieldValue): FieldValue {
  if (typeof v === 'number') {
    const type = plainNumberType(v);
    return type === 'int64' ? { '!': 'int64', value: BigInt(v).toString() } : { '!': type as 'double', value: v };
  }
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || isTypedNumber(v)) return v;
  if (Array.isArray(v)) return v.map(explicitTypes);
  const out: FieldTable = {};
  for (const [k, x] of Object.entries(v)) out[k] = explicitTypes(x);
  return out;
}

function parseOrThrow(type: FieldType, text: string, where: string): FieldValue {
  const t = text.trim();
  switch (type) {
    case 'string':
      return text;
    case 'bool': {
      const l = t.toLowerCase();
      if (l !== 'true' && l !== 'false') throw new Error(`${where}: bool needs true or false, got '${text}'`);
      return l === 'true';
    }
    case 'void':
      return null;
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
      if (!PLAIN_INTEGER.test(t)) throw new Error(`${where}: ${type} needs a whole number, got '${text}'`);
      return typedFromJson(type, t, where);
    case 'float':
    case 'double': {
      if (!NUMBER_TEXT.test(t) && !/^[+-]?(NaN|Infinity)$/.test(t))
        throw new Error(`${where}: ${type} needs a number (or NaN, Infinity, -Infinity), got '${text}'`);
      const n = Number(t);
      if (type === 'float' && Number.isFinite(n) && Math.abs(n) > FLOAT_MAX)
        throw new Error(`${where}: ${t} does not fit float (±3.4e38); use double`);
      return { '!': type, value: n };
    }
    case 'decimal': {
      const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
      if (!m || (m[1] === '' && (m[2] ?? '') === ''))
        throw new Error(
          `${where}: decimal needs a number like 12.34 (no sign: its digits are unsigned), got '${text}'`,
        );
      const frac = m[2] ?? '';
      if (frac.length > 255) throw new Error(`${where}: decimal allows at most 255 digits after the point`);
      const digits = BigInt((m[1] || '0') + frac);
      if (digits > 0xffffffffn)
        throw new Error(`${where}: ${t} does not fit decimal (at most 4294967295 without the point)`);
      return { '!': 'decimal', value: { places: frac.length, digits: Number(digits) } };
    }
    case 'timestamp': {
      if (PLAIN_INTEGER.test(t)) return typedFromJson('timestamp', t, where);
      const ms = t === '' ? NaN : Date.parse(t);
      if (Number.isNaN(ms)) throw new Error(`${where}: timestamp needs epoch seconds or an ISO date, got '${text}'`);
      const seconds = Math.floor(ms / 1000);
      if (seconds < 0) throw new Error(`${where}: ${t} is before 1970; timestamps are unsigned`);
      return { '!': 'timestamp', value: seconds };
    }
    case 'bytes':
      if (/^hex:/i.test(t)) return hexToBytes(t.slice(4), where);
      try {
        return base64ToBytes(t);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message} (bytes are base64, or hex after 'hex:')`);
      }
    case 'array':
    case 'table': {
      const parsed = parseJsonWithPosition(text);
      if (!parsed.ok) throw new Error(`${where}: ${parsed.error}`);
      const v = parsed.value;
      const isArray = Array.isArray(v);
      if (type === 'array' ? !isArray : isArray || typeof v !== 'object' || v === null)
        throw new Error(
          `${where}: ${type} needs a JSON ${type === 'array' ? 'array [ … ]' : 'object { … }'}, got ${isArray ? 'an array' : v === null ? 'null' : typeof v}`,
        );
      return explicitTypes(fromJsonValue(v, where));
    }
    default:
      throw new Error(`${where}: unknown type '${String(type)}'`);
  }
}

/**
 * The field value of a row's text for its type, checked (ranges included); the error starts with
 * `where` (e.g. "Header 2 'retries': 300 does not fit int8 (-128 to 127)").
 */
export function parseRowValue(type: FieldType, text: string, where: string): RowValueResult {
  try {
    return { ok: true, value: parseOrThrow(type, text, where) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** The row text of a value, exact: parsing it back with its type gives the same value. */
export function rowValueText(v: FieldValue): string {
  const u = v as unknown;
  if (u === null || u === undefined) return '';
  if (typeof u === 'bigint') return u.toString();
  if (u instanceof Date) return String(Math.floor(u.getTime() / 1000));
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    const type = plainNumberType(v);
    return type === 'double' ? floatText(v) : BigInt(v).toString();
  }
  if (v instanceof Uint8Array) return bytesToBase64(v);
  if (isTypedNumber(v)) {
    switch (v['!']) {
      case 'decimal':
        return decimalText(v.value.places, v.value.digits);
      case 'float':
      case 'double':
        return floatText(v.value);
      default:
        return String(v.value);
    }
  }
  return JSON.stringify(toJsonValue(v));
}

function floatText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** A row for one header value: the type it came with and its exact text. */
export function rowFromValue(name: string, v: FieldValue): TypedHeaderRow {
  const type = typeof v === 'number' ? plainNumberType(v) : fieldTypeOf(v);
  return { name, type, value: rowValueText(v) };
}

/** One row per header of a message, in order, each with the type it came with. */
export function rowsFromHeaders(headers: Record<string, unknown> | undefined): TypedHeaderRow[] {
  if (!headers) return [];
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => rowFromValue(name, v as FieldValue));
}

/**
 * History entries saved before typed rows: each draft's header rows migrated (migrateHeaderRow);
 * anything that is not a row list is left alone.
 */
export function withTypedRows<E extends { draft: { headers: unknown } }>(entries: readonly E[]): E[] {
  return entries.map((e) => {
    const rows = e.draft?.headers;
    if (!Array.isArray(rows)) return e;
    const headers = rows
      .filter((r): r is { name: string; type: string; value: string } => {
        const o = r as Record<string, unknown> | null;
        return typeof o?.name === 'string' && typeof o.type === 'string' && typeof o.value === 'string';
      })
      .map(migrateHeaderRow);
    return { ...e, draft: { ...e.draft, headers } };
  });
}
