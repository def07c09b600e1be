/**
 * Copy as code: what every generator shares. Header values as a typed tree (Node), the type each
 * client library puts on the wire for each AMQP type (sentType: the README's limits table and the
 * integration test read it), the body as text or base64, and safe string literals.
 *
 * Nothing here ever sees a password: snippets read RABBITMQ_PASSWORD from the environment.
 */
import { base64ToBytes, bytesToBase64 } from '../base64';
import { type FieldType, decimalText, guessNumberType, isTypedNumber } from '../fieldTypes';
import { PROPERTY_NAMES, type MessageProperties } from '../message';
import type { CodeLanguage } from './types';

export const PASSWORD_ENV = 'RABBITMQ_PASSWORD';
export const USER_ENV = 'RABBITMQ_USER';
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** A header value with its AMQP type made explicit. Integers and timestamps as bigint. */
export type Node =
  | { t: 'string'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'void' }
  | { t: 'bytes'; v: Uint8Array }
  | { t: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'timestamp'; v: bigint }
  | { t: 'float' | 'double'; v: number }
  | { t: 'decimal'; places: number; digits: number }
  | { t: 'array'; items: Node[] }
  | { t: 'table'; entries: [string, Node][] };

/**
 * A header value (fieldTypes.ts FieldValue, or its JSON form for bytes) as a Node. Throws an Error
 * naming the path for what no library can send: a table with a field named '!' (amqplib, and
 * Burrow's publish, would take it for a typed value).
 */
export function toNode(v: unknown, depth = 0, path = 'headers'): Node {
  if (depth > 64) throw new Error(`${path}: nested too deeply (more than 64 levels)`);
  if (v === null || v === undefined) return { t: 'void' };
  if (typeof v === 'string') return { t: 'string', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'bigint') return { t: 'int64', v };
  if (typeof v === 'number') {
    const t = guessNumberType(v);
    return t === 'double' ? { t, v } : { t, v: BigInt(v) };
  }
  if (v instanceof Uint8Array) return { t: 'bytes', v };
  if (Array.isArray(v)) return { t: 'array', items: v.map((x, i) => toNode(x, depth + 1, `${path}[${i}]`)) };
  if (isTypedNumber(v)) {
    const t = v['!'];
    if (t === 'decimal') return { t, places: v.value.places, digits: v.value.digits };
    if (t === 'float' || t === 'double') return { t, v: Number(v.value) };
    return { t, v: BigInt(v.value as number | string) };
  }
  const o = v as Record<string, unknown>;
  if (o['!'] === 'bytes' && typeof o.value === 'string' && Object.keys(o).length === 2)
    return { t: 'bytes', v: base64ToBytes(o.value) };
  if (Object.hasOwn(o, '!'))
    throw new Error(`${path}: a table with a field named '!' cannot be sent (it would be taken for a typed value)`);
  return { t: 'table', entries: Object.entries(o).map(([k, x]) => [k, toNode(x, depth + 1, `${path}.${k}`)]) };
}

const INT31 = 0x7fffffff;
/** Latest second a Python datetime holds (9999-12-31T23:59:59Z). */
const PY_MAX_SECONDS = 253402300799n;
const INT64_MAX = 9223372036854775807n;

/** A float as a decimal { places, digits } if it is one with a signed 31-bit unscaled value. */
export function floatAsDecimal(n: number): { places: number; digits: number } | undefined {
  if (!Number.isFinite(n) || Object.is(n, -0)) return undefined;
  const s = String(n);
  if (s.includes('e')) return undefined;
  const [int, frac = ''] = s.split('.');
  const digits = Number(`${int}${frac}`);
  if (Math.abs(digits) > INT31) return undefined;
  return { places: frac.length, digits };
}

/**
 * The AMQP type a library's snippet sends for a header value, and why when it is not the
 * value's own type (the README's table). Arrays and tables are themselves; their items are
 * checked one by one.
 */
export function sentType(language: CodeLanguage, n: Node): { type: FieldType; note?: string } {
  const same = { type: n.t };
  switch (language) {
    case 'node-amqplib':
      return same;
    case 'python-pika':
      switch (n.t) {
        case 'int8':
        case 'uint8':
        case 'int16':
        case 'uint16':
          return { type: 'int32', note: `pika has no ${n.t}: sent as an int32` };
        case 'uint32':
          return { type: 'int64', note: 'pika has no uint32: sent as an int64' };
        case 'float':
        case 'double':
          return floatAsDecimal(n.v)
            ? { type: 'decimal', note: `pika cannot send a ${n.t}: sent as a decimal` }
            : { type: 'string', note: `pika cannot send a ${n.t}: sent as a string` };
        case 'decimal':
          if (n.digits > INT31) return { type: 'string', note: 'pika sends decimals up to 2^31-1: sent as a string' };
          if (n.places > 0 && n.digits % 10 === 0)
            return { type: 'decimal', note: 'pika drops trailing zeros of a decimal (same value, fewer places)' };
          return same;
        case 'timestamp':
          return n.v > PY_MAX_SECONDS ? { type: 'int64', note: 'beyond a Python datetime: sent as an int64' } : same;
        default:
          return same;
      }
    case 'java':
      switch (n.t) {
        case 'uint8':
          return { type: 'int16', note: 'amqp-client has no uint8: sent as a Short (int16)' };
        case 'uint16':
          return { type: 'int32', note: 'amqp-client has no uint16: sent as an Integer (int32)' };
        case 'uint32':
          return { type: 'int64', note: 'amqp-client has no uint32: sent as a Long (int64)' };
        case 'decimal':
          return n.digits > INT31
            ? { type: 'string', note: 'BigDecimal is sent up to 2^31-1: sent as a string' }
            : same;
        case 'timestamp':
          return n.v > INT64_MAX / 1000n ? { type: 'int64', note: 'beyond a java.util.Date: sent as a Long' } : same;
        default:
          return same;
      }
    case 'go':
      switch (n.t) {
        case 'uint8':
          return { type: 'int16', note: 'amqp091-go sends a byte as int8: sent as an int16' };
        case 'uint16':
          return { type: 'int32', note: 'amqp091-go has no uint16: sent as an int32' };
        case 'uint32':
          return { type: 'int64', note: 'amqp091-go has no uint32: sent as an int64' };
        case 'timestamp':
          return n.v > INT64_MAX ? { type: 'int64', note: 'beyond a time.Time: sent as an int64' } : same;
        default:
          return same;
      }
    case 'dotnet':
      switch (n.t) {
        case 'decimal':
          return n.digits > INT31 || n.places > 28
            ? { type: 'string', note: 'a .NET decimal is sent up to 2^31-1 and 28 places: sent as a string' }
            : same;
        case 'timestamp':
          return n.v > INT64_MAX ? { type: 'int64', note: 'beyond an AmqpTimestamp: sent as a long' } : same;
        default:
          return same;
      }
  }
}

/** Text of a decimal { places, digits }: 12345 with 2 places is "123.45". */
export const decimalString = decimalText;

/** The body as UTF-8 text, or undefined when it is not valid UTF-8 (then: base64). */
export function bodyText(body: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
}

export function bodyBase64(body: Uint8Array): string {
  return bytesToBase64(body);
}

/** The text in pieces of at most one line each (the '\n' kept at the end of each piece). */
export function linePieces(text: string): string[] {
  const pieces = text.split(/(?<=\n)/);
  return pieces.length === 0 ? [''] : pieces;
}

/**
 * Characters written as escapes in every language's literals, whatever the language allows:
 * controls, line and paragraph separators, the BOM and bidirectional controls ("trojan source").
 */
export function mustEscape(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0xfeff ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

/** `\uXXXX` (BMP) for a code point, 4 hex digits. */
export function u4(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** The properties that are set, in the AMQP order. */
export function setProperties(p: MessageProperties): [(typeof PROPERTY_NAMES)[number], string | number][] {
  const out: [(typeof PROPERTY_NAMES)[number], string | number][] = [];
  for (const k of PROPERTY_NAMES) {
    const v = p[k];
    // expiration is a string on the wire (a shortstr), whatever the caller handed over.
    if (v !== undefined && v !== null) out.push([k, k === 'expiration' ? String(v) : v]);
  }
  return out;
}

/** The headers as Nodes (entries of the top-level table), or undefined when there are none. */
export function headerEntries(p: MessageProperties): [string, Node][] | undefined {
  if (p.headers === undefined || p.headers === null) return undefined;
  const n = toNode(p.headers);
  if (n.t !== 'table') throw new Error('headers must be a table');
  return n.entries;
}
