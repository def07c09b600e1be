/**
 * How RabbitMQ's headers exchange compares a binding argument with a message header, with their
 * AMQP types, per broker version (rabbit_exchange_type_headers.erl and mc_amqpl.erl, v3.10.8 and
 * v4.0.5; every rule below measured on both brokers, test/integration/routing-exact.test.ts).
 *
 * The broker decodes a field into an Erlang term, {Type, Value}: integers of every width and
 * timestamps are Erlang integers, float and double are Erlang floats (a float is its 32-bit value,
 * 1.1 becomes 1.100000023841858), strings (S) and byte arrays (x) are binaries, a decimal is the
 * tuple {Places, Digits}, a table is the list [{Key, Type, Value}] in its order, an array
 * [{Type, Value}], void the atom undefined.
 *
 * - At the top level only the values are compared, never the type tags:
 *   - before 3.13 (3.10.8 measured) with `==`: numbers compare arithmetically, so int8 5, int64 5,
 *     double 5.0, float 5.0 and timestamp 5 are all equal, and 0.0 equals -0.0;
 *   - from 3.13 (4.0.5 measured) with `=:=`, after a header timestamp was turned into
 *     milliseconds (its value × 1000): integers of any width are equal, an integer never equals a
 *     float (5 is not 5.0), a header timestamp 5 equals a binding integer (or timestamp) 5000;
 *     whether 0.0 equals -0.0 depends on the Erlang/OTP release (27, measured, tells them apart);
 *   - a string and a byte array with the same bytes are equal; a float 1.1 is not a double 1.1;
 *   - decimals are equal only with the same places and digits (1.15 with places 1 is not 1.150
 *     with places 2 — nor places 1 digits 150);
 *   - an empty table equals an empty array (both are the empty list).
 * - Inside tables and arrays the type tags are compared too: int8 1 is not int64 1, a string is
 *   not a byte array, a float 5.0 is not a double 5.0, a timestamp is not an integer; tables
 *   compare key by key in their stored order.
 *
 * Binding arguments read from the management API lose types (see {@link lossyEqual}): every
 * reading the JSON allows is compared, and the answer is sure only when all readings agree.
 */
import { guessNumberType } from './fieldTypes';

export type Semantics = 'legacy' | 'strict';

/** The comparison a RabbitMQ version uses: 'legacy' before 3.13, 'strict' from 3.13; undefined if unknown. */
export function semanticsOf(version: string | undefined): Semantics | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 3 || (major === 3 && minor >= 13) ? 'strict' : 'legacy';
}

type IntType = 'byte' | 'unsignedbyte' | 'short' | 'unsignedshort' | 'signedint' | 'unsignedint' | 'long' | 'timestamp';

/** A field value as the broker holds it. */
export type Erl =
  | { t: IntType; v: bigint }
  | { t: 'float' | 'double'; v: number }
  | { t: 'decimal'; v: readonly [number, number] }
  | { t: 'longstr' | 'binary'; v: Uint8Array }
  | { t: 'bool'; v: boolean }
  | { t: 'void' }
  | { t: 'array'; v: Erl[] }
  | { t: 'table'; v: Array<[string, Erl]> };

const INT_RANGES: ReadonlyArray<[IntType, bigint, bigint]> = [
  ['byte', -128n, 127n],
  ['unsignedbyte', 0n, 255n],
  ['short', -32768n, 32767n],
  ['unsignedshort', 0n, 65535n],
  ['signedint', -2147483648n, 2147483647n],
  ['unsignedint', 0n, 4294967295n],
  ['long', -9223372036854775808n, 9223372036854775807n],
  ['timestamp', 0n, 18446744073709551615n],
];

const TAGS: Readonly<Record<string, IntType | 'float' | 'double' | 'decimal' | 'void'>> = {
  int8: 'byte',
  byte: 'byte',
  uint8: 'unsignedbyte',
  unsignedbyte: 'unsignedbyte',
  int16: 'short',
  short: 'short',
  uint16: 'unsignedshort',
  unsignedshort: 'unsignedshort',
  int32: 'signedint',
  int: 'signedint',
  uint32: 'unsignedint',
  unsignedint: 'unsignedint',
  int64: 'long',
  long: 'long',
  timestamp: 'timestamp',
  float: 'float',
  double: 'double',
  float64: 'double',
  decimal: 'decimal',
  void: 'void',
};

const utf8 = (s: string) => new TextEncoder().encode(s);

function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return BigInt(v.trim());
  return undefined;
}

/**
 * The broker's term for a field value in Burrow's representation (fieldTypes.ts; amqplib's tag
 * names too). A plain number is what amqplib sends for it (guessNumberType).
 */
export function toErl(v: unknown, depth = 0): Erl {
  if (depth > 64) return { t: 'void' };
  if (v === null || v === undefined) return { t: 'void' };
  if (typeof v === 'string') return { t: 'longstr', v: utf8(v) };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'bigint') return { t: 'long', v };
  if (typeof v === 'number') {
    const g = guessNumberType(v);
    return g === 'double' ? { t: 'double', v } : { t: TAGS[g] as IntType, v: BigInt(v) };
  }
  if (v instanceof Uint8Array) return { t: 'binary', v };
  if (Array.isArray(v)) return { t: 'array', v: v.map((x) => toErl(x, depth + 1)) };
  if (v instanceof Date) return { t: 'timestamp', v: BigInt(Math.floor(v.getTime() / 1000)) };
  const o = v as Record<string, unknown>;
  const tag = typeof o['!'] === 'string' ? TAGS[o['!']] : undefined;
  if (tag && Object.prototype.hasOwnProperty.call(o, '!')) {
    const x = o.value;
    if (tag === 'void') return { t: 'void' };
    if (tag === 'float' && typeof x === 'number') return { t: 'float', v: Math.fround(x) };
    if (tag === 'double' && typeof x === 'number') return { t: 'double', v: x };
    if (tag === 'decimal' && typeof x === 'object' && x !== null) {
      const d = x as { places?: unknown; digits?: unknown };
      return { t: 'decimal', v: [Number(d.places), Number(d.digits)] };
    }
    const b = toBig(x);
    if (b !== undefined && tag !== 'float' && tag !== 'double' && tag !== 'decimal') return { t: tag, v: b };
  }
  const entries: Array<[string, Erl]> = [];
  for (const k of Object.keys(o)) if (o[k] !== undefined) entries.push([k, toErl(o[k], depth + 1)]);
  return { t: 'table', v: entries };
}

const isInt = (e: Erl): e is { t: IntType; v: bigint } => typeof (e as { v?: unknown }).v === 'bigint';
const isFloat = (e: Erl): e is { t: 'float' | 'double'; v: number } => e.t === 'float' || e.t === 'double';
const isList = (e: Erl): e is Extract<Erl, { t: 'array' | 'table' }> => e.t === 'array' || e.t === 'table';

/** 'zero': equal under `==`, and under `=:=` only on Erlang/OTP releases before 27 (0.0 and -0.0). */
export type Eq = boolean | 'zero';

function andEq(a: Eq, b: Eq): Eq {
  if (a === false || b === false) return false;
  return a === 'zero' || b === 'zero' ? 'zero' : true;
}

/** Erlang `==` (legacy) or `=:=` (strict) on two values; type tags are compared only inside lists. */
function valueEq(a: Erl, b: Erl, sem: Semantics): Eq {
  if (isInt(a) || isFloat(a) || isInt(b) || isFloat(b)) {
    const an = (a as { v: unknown }).v;
    const bn = (b as { v: unknown }).v;
    if ((typeof an !== 'number' && typeof an !== 'bigint') || (typeof bn !== 'number' && typeof bn !== 'bigint'))
      return false;
    if (sem === 'strict' && typeof an !== typeof bn) return false;
    // eslint-disable-next-line eqeqeq -- exact bigint/number comparison is what Erlang's == does
    if (!(an == bn)) return false;
    if (sem === 'strict' && an === 0 && bn === 0 && Object.is(an, -0) !== Object.is(bn, -0)) return 'zero';
    return true;
  }
  if ((a.t === 'longstr' || a.t === 'binary') && (b.t === 'longstr' || b.t === 'binary')) return bytesEqual(a.v, b.v);
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  if (a.t === 'void' && b.t === 'void') return true;
  if (a.t === 'decimal' && b.t === 'decimal') return a.v[0] === b.v[0] && a.v[1] === b.v[1];
  if (isList(a) && isList(b)) {
    if (a.v.length === 0 && b.v.length === 0) return true; // the empty list: table or array
    if (a.t !== b.t || a.v.length !== b.v.length) return false;
    let r: Eq = true;
    if (a.t === 'array') {
      const bv = (b as { v: Erl[] }).v;
      for (let i = 0; i < a.v.length && r !== false; i++) r = andEq(r, typedEq(a.v[i]!, bv[i]!, sem));
    } else {
      const bv = (b as { v: Array<[string, Erl]> }).v;
      for (let i = 0; i < a.v.length && r !== false; i++) {
        const [ak, ax] = a.v[i]!;
        const [bk, bx] = bv[i]!;
        r = ak !== bk ? false : andEq(r, typedEq(ax, bx, sem));
      }
    }
    return r;
  }
  return false;
}

/** Inside a table or array: the type tags must agree, then the values. */
function typedEq(a: Erl, b: Erl, sem: Semantics): Eq {
  return a.t === b.t && valueEq(a, b, sem);
}

/**
 * Whether a binding argument equals a header, the broker's way. `nested`: inside a table or
 * array (types compared; header timestamps are not scaled there). A void binding argument at the
 * top level is a presence check (true).
 */
export function erlEqual(binding: Erl, header: Erl, sem: Semantics, nested: boolean): Eq {
  if (nested) return typedEq(binding, header, sem);
  if (binding.t === 'void') return true;
  // 3.13+: the message's top-level timestamps are routed in milliseconds (mc_amqpl routing_value).
  const h: Erl = sem === 'strict' && header.t === 'timestamp' ? { t: 'timestamp', v: header.v * 1000n } : header;
  return valueEq(binding, h, sem);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Readings of a management API value

/** The prefix the management API puts before the base64 of binary values that are not UTF-8. */
export const NOT_UTF8_PREFIX = 'Not UTF-8, base64 is: ';

/** Every integer term that holds `x` (the API shows every width, and timestamps, as a plain integer). */
export function intReadings(x: bigint): Erl[] {
  return INT_RANGES.filter(([, lo, hi]) => x >= lo && x <= hi).map(([t]) => ({ t, v: x }));
}

/**
 * Every term a number the API wrote with a decimal point or an exponent can be: a double, a
 * float (if it is a 32-bit value), or a decimal: the API writes a decimal as "<places>.<digits>"
 * read as a float (places 1, digits 15 is 1.15; places 1, digits 150 is 1.15 too).
 */
export function floatReadings(v: number): Erl[] {
  const out: Erl[] = [{ t: 'double', v }];
  if (Math.fround(v) === v) out.push({ t: 'float', v });
  if (v >= 0 && v < 256) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(String(v));
    if (m) {
      const places = Number(m[1]);
      const frac = m[2] ?? '0';
      if (frac === '0' || !frac.startsWith('0')) {
        for (let d = BigInt(frac); d <= 4294967295n; d *= 10n) {
          out.push({ t: 'decimal', v: [places, Number(d)] });
          if (d === 0n) break;
        }
      }
    }
  }
  return out;
}

export function base64Bytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Set (non-enumerable) on a binding's arguments object whose numbers were read from the API's
 * raw text (management.ts): there a whole number written with a decimal point ("5.0") is
 * `{ '!': 'double', value: 5 }` and a plain integer was written without one. Without the mark a
 * plain whole number may also have been a float, a double or a decimal.
 */
const NUMBERS_READ: unique symbol = Symbol.for('burrow.bindingNumbersRead') as never;

export function markNumbersRead<T extends object>(args: T): T {
  Object.defineProperty(args, NUMBERS_READ, { value: true, enumerable: false });
  return args;
}

export function numbersRead(args: unknown): boolean {
  return typeof args === 'object' && args !== null && (args as Record<symbol, unknown>)[NUMBERS_READ] === true;
}
