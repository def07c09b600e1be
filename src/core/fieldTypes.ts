/**
 * AMQP 0-9-1 field values with their types kept: the one representation Burrow uses for header
 * and argument values everywhere (decoding, display, export, the forms, publishing).
 *
 * In memory (host and webview), a field value is one of:
 * - a JS string (longstr `S`), boolean (`t`), null (void `V`);
 * - a Uint8Array (byte array `x`; a Buffer on the host, since amqplib only encodes Buffers);
 * - an array of field values (`A`); a plain object of field values (table `F`);
 * - a typed number `{ '!': tag, value }`, tag one of int8 `b`, uint8 `B`, int16 `s`, uint16 `u`,
 *   int32 `I`, uint32 `i`, float `f`, double `d` (value: number); int64 `l` (value: a decimal
 *   string, so that all 64 bits survive JSON and postMessage); timestamp `T` (value: seconds, a
 *   number, or a decimal string beyond 2^53); decimal `D` (value: { places, digits }).
 * - a plain JS number: untyped (old exports, hand-written JSON). It is sent the way amqplib
 *   guesses (guessNumberType): a whole number as the smallest of int8/int16/int32/int64 that
 *   holds it, anything else as a double.
 *
 * This is amqplib's own `{ '!': type, value }` notation, so a value goes to amqplib's encoder
 * as it is (bytes must be Buffers there) and comes out with the same tag and bytes.
 * Burrow's decoder (fieldCodec.ts) always yields typed numbers, never plain ones.
 *
 * The JSON form (export files, the forms' JSON rows, the webview) is the same except that byte
 * arrays are `{ "!": "bytes", "value": "<base64>" }`, and typed numbers whose type is what
 * amqplib would guess for the plain number are written plain (`5` is an int8 5).
 */
import { base64ToBytes, bytesToBase64 } from './base64';

export const FIELD_TYPES = [
  'string',
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float',
  'double',
  'decimal',
  'timestamp',
  'bytes',
  'void',
  'array',
  'table',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The AMQP tag letter of each type, as RabbitMQ writes it. */
export const FIELD_TAGS: Readonly<Record<FieldType, string>> = {
  string: 'S',
  bool: 't',
  int8: 'b',
  uint8: 'B',
  int16: 's',
  uint16: 'u',
  int32: 'I',
  uint32: 'i',
  int64: 'l',
  float: 'f',
  double: 'd',
  decimal: 'D',
  timestamp: 'T',
  bytes: 'x',
  void: 'V',
  array: 'A',
  table: 'F',
};

/** The number types that `{ '!': tag, value: number }` carries. */
export const NUMBER_TYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float', 'double'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

export type TypedNumber =
  | { '!': NumberType; value: number }
  | { '!': 'int64'; value: string }
  | { '!': 'timestamp'; value: number | string }
  | { '!': 'decimal'; value: { places: number; digits: number } };

export type FieldValue = string | boolean | null | number | Uint8Array | FieldValue[] | FieldTable | TypedNumber;
export interface FieldTable {
  [name: string]: FieldValue;
}

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-9223372036854775808n, 9223372036854775807n],
  timestamp: [0n, 18446744073709551615n],
};

/** The inclusive range of an integer type (int8…int64, timestamp), or undefined for others. */
export function intRange(type: FieldType): readonly [bigint, bigint] | undefined {
  return INT_RANGES[type];
}

const TYPED_TAGS: ReadonlySet<string> = new Set([...NUMBER_TYPES, 'int64', 'timestamp', 'decimal']);

/** A typed number `{ '!': tag, value }` (exactly those two keys, a known tag). */
export function isTypedNumber(v: unknown): v is TypedNumber {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return false;
  const o = v as Record<string, unknown>;
  return typeof o['!'] === 'string' && TYPED_TAGS.has(o['!']) && 'value' in o && Object.keys(o).length === 2;
}

/**
 * RabbitMQ refuses NaN and infinite floating-point values in headers and arguments by closing the
 * whole connection (541 INTERNAL_ERROR; measured on 3.10.8 and 4.0.5 with typed doubles and
 * floats), so they are refused before anything is sent.
 */
export const NON_FINITE_REASON =
  'RabbitMQ does not accept NaN or infinite numbers in headers or arguments: it closes the whole connection (541 INTERNAL_ERROR)';

/** The path of the first NaN or ±Infinity (plain, float or double) inside a field value, if any. */
export function nonFinitePath(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array || depth > 1000) return undefined;
  if (isTypedNumber(v)) return typeof v.value === 'number' && !Number.isFinite(v.value) ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = nonFinitePath(v[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = nonFinitePath(x, `${path}.${k}`, depth + 1);
    if (p) return p;
  }
  return undefined;
}

const TWO_63 = 2 ** 63;

/**
 * The type a plain JS number is sent as: what amqplib's encoder guesses for it (codec.js
 * encodeFieldValue): a whole number as the smallest of int8/int16/int32/int64 that holds it, a
 * fraction or a whole number of 2^63 or more as a double.
 *
 * amqplib itself cannot encode some plain numbers (it takes them for an int64 and throws): NaN,
 * -Infinity, fractions of magnitude 2^50 or more and whole numbers below -2^63. They are 'double'
 * here, so whoever hands such a number to amqplib must type it `{ '!': 'double', value }` first.
 */
export function guessNumberType(n: number): 'int8' | 'int16' | 'int32' | 'int64' | 'double' {
  if (!Number.isInteger(n)) return 'double'; // also NaN and ±Infinity
  if (n >= -128 && n < 128) return 'int8';
  if (n >= -0x8000 && n < 0x8000) return 'int16';
  if (n >= -0x80000000 && n < 0x80000000) return 'int32';
  if (n >= -TWO_63 && n < TWO_63) return 'int64';
  return 'double';
}

/** The AMQP type a value is (or will be) sent as. */
export function fieldTypeOf(v: unknown): FieldType {
  if (v === null || v === undefined) return 'void';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return guessNumberType(v);
    case 'bigint':
      return 'int64';
    default:
      break;
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'timestamp';
  if (isTypedNumber(v)) return v['!'];
  const o = v as Record<string, unknown>;
  if (o['!'] === 'bytes' && typeof o.value === 'string') return 'bytes';
  return 'table';
}

/**
 * The numeric value of an integer or floating value (typed or plain), e.g. for x-delivery-count
 * or x-death counts; undefined for non-numbers. int64 beyond 2^53 comes back rounded.
 */
export function fieldNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isTypedNumber(v) && v['!'] !== 'decimal') {
    const n = typeof v.value === 'string' ? Number(v.value) : v.value;
    return typeof n === 'number' && !Number.isNaN(n) ? n : undefined;
  }
  return undefined;
}

/** Decimal text of an AMQP decimal: { places: 2, digits: 1234 } is "12.34". */
export function decimalText(places: number, digits: number): string {
  if (places <= 0) return String(digits);
  const s = String(Math.abs(digits)).padStart(places + 1, '0');
  return `${digits < 0 ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
}

/**
 * Floats and doubles in JSON: finite numbers, or the strings "NaN", "Infinity", "-Infinity" and
 * "-0" (JSON.stringify writes -0 as 0, which would lose the sign bit a float or double carries).
 */
function floatJson(n: number): number | string {
  if (Object.is(n, -0)) return '-0';
  return Number.isFinite(n) ? n : String(n);
}

/**
 * The JSON form of a field value (see the file comment): JSON-safe, exact, and as plain as it can
 * be while exact (typed numbers whose type amqplib would guess anyway are written plain).
 */
export function toJsonValue(v: FieldValue | undefined, depth = 0): unknown {
  if (depth > 64) throw new Error('field values nested too deeply (more than 64 levels)');
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return { '!': 'int64', value: (v as bigint).toString() };
  if (typeof v === 'number') {
    // A plain number stays plain (it is sent as guessNumberType says), except where JSON has no
    // plain form: -0 is an int8 0 for amqplib, NaN and ±Infinity are doubles.
    if (Number.isFinite(v)) return v === 0 ? 0 : v;
    return { '!': 'double', value: String(v) };
  }
  if (typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return { '!': 'bytes', value: bytesToBase64(v) };
  if (v instanceof Date) return { '!': 'timestamp', value: Math.floor(v.getTime() / 1000) };
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, depth + 1));
  if (isTypedNumber(v)) {
    const tag = v['!'];
    if (tag === 'decimal') {
      // A table from the wire may look like one ({ "!": "decimal", "value": null }): written as it is.
      const d = v.value as unknown;
      if (typeof d !== 'object' || d === null) return { '!': 'decimal', value: d };
      const { places, digits } = d as { places?: unknown; digits?: unknown };
      return { '!': 'decimal', value: { places, digits } };
    }
    if (tag === 'int64' || tag === 'timestamp') {
      const x = v.value as unknown;
      if (typeof x === 'string' || typeof x === 'number') return { '!': tag, value: x };
      return { '!': tag, value: typeof x === 'bigint' ? x.toString() : toJsonValue(x as FieldValue, depth + 1) };
    }
    const n = v.value as unknown;
    // Not a number: a table from the wire that looks typed, or a hand-made value ('5'); kept as it is.
    if (typeof n !== 'number') return { '!': tag, value: toJsonValue(n as FieldValue, depth + 1) };
    if (
      (tag === 'double' && Number.isFinite(n) && !Number.isInteger(n)) ||
      (tag !== 'double' && guessNumberType(n) === tag)
    )
      return n;
    return { '!': tag, value: floatJson(n) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) setEntry(out, k, toJsonValue(x, depth + 1));
  return out;
}

/**
 * out[k] = x, also for a key named "__proto__" (a table may have one: `out['__proto__'] = x`
 * would set the prototype, or do nothing, instead of adding the entry).
 */
export function setEntry<T>(out: Record<string, T>, k: string, x: T): void {
  if (k === '__proto__')
    Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
  else out[k] = x;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Reads an integer given as a JSON number or a decimal string, within the type's range. */
function readInteger(value: unknown, type: FieldType, path: string): bigint {
  let b: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) b = BigInt(value);
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) b = BigInt(value.trim());
  else throw new Error(`${path}: ${type} needs a whole number, got ${describe(value)}`);
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new Error(`${path}: ${describe(value)} is beyond 2^53 and not exact as a JSON number; write it as a string`);
  const [lo, hi] = INT_RANGES[type];
  if (b < lo || b > hi) throw new Error(`${path}: ${b} does not fit ${type} (${lo} to ${hi})`);
  return b;
}

function readFloat(value: unknown, type: FieldType, path: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') n = Number(value);
  else if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) n = Number(value);
  else throw new Error(`${path}: ${type} needs a number, got ${describe(value)}`);
  // A 32-bit float holds magnitudes up to about 3.4e38; beyond, it would silently become Infinity.
  if (type === 'float' && Number.isFinite(n) && !Number.isFinite(Math.fround(n)))
    throw new Error(`${path}: ${describe(value)} does not fit float (at most ±3.4028234663852886e38; use double)`);
  return n;
}

/** A typed number or bytes from its type name and JSON value, checked; throws an Error naming the path. */
export function typedFromJson(type: FieldType, value: unknown, path: string): FieldValue {
  switch (type) {
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return { '!': type, value: Number(readInteger(value, type, path)) };
    case 'int64':
      return { '!': 'int64', value: readInteger(value, type, path).toString() };
    case 'timestamp': {
      const b = readInteger(value, type, path);
      return { '!': 'timestamp', value: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString() };
    }
    case 'float':
    case 'double':
      return { '!': type, value: readFloat(value, type, path) };
    case 'decimal': {
      const d = value as { places?: unknown; digits?: unknown };
      if (
        typeof d !== 'object' ||
        d === null ||
        !Number.isInteger(d.places) ||
        (d.places as number) < 0 ||
        (d.places as number) > 255 ||
        !Number.isInteger(d.digits) ||
        (d.digits as number) < 0 ||
        (d.digits as number) > 0xffffffff
      )
        throw new Error(`${path}: decimal needs { "places": 0..255, "digits": 0..4294967295 }, got ${describe(value)}`);
      return { '!': 'decimal', value: { places: d.places as number, digits: d.digits as number } };
    }
    case 'bytes':
      if (typeof value !== 'string') throw new Error(`${path}: bytes needs a base64 string, got ${describe(value)}`);
      try {
        return base64ToBytes(value);
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
    default:
      throw new Error(`${path}: '${type}' is not written as { "!": type, "value": … }`);
  }
}

/**
 * Reads the JSON form back into a field value (see the file comment), checking every typed
 * value's range; throws an Error naming the path (e.g. "headers.retry") of the first problem.
 */
export function fromJsonValue(v: unknown, path: string, depth = 0): FieldValue {
  if (depth > 64) throw new Error(`${path}: nested too deeply (more than 64 levels)`);
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v !== 'object') throw new Error(`${path}: unsupported value ${describe(v)}`);
  if (Array.isArray(v)) return v.map((x, i) => fromJsonValue(x, `${path}[${i}]`, depth + 1));
  const o = v as Record<string, unknown>;
  if (typeof o['!'] === 'string' && 'value' in o && Object.keys(o).length === 2) {
    const tag = o['!'];
    if (!(FIELD_TYPES as readonly string[]).includes(tag) || (!TYPED_TAGS.has(tag) && tag !== 'bytes'))
      throw new Error(
        `${path}: unknown type '${tag}' (one of ${[...NUMBER_TYPES, 'int64', 'timestamp', 'decimal', 'bytes'].join(', ')})`,
      );
    return typedFromJson(tag as FieldType, o.value, path);
  }
  if ('!' in o)
    throw new Error(`${path}: a table with a key '!' cannot be sent (amqplib reads it as a type); rename the key`);
  const out: FieldTable = {};
  for (const [k, x] of Object.entries(o)) setEntry(out, k, fromJsonValue(x, `${path}.${k}`, depth + 1));
  return out;
}
