/**
 * AMQP 0-9-1 field tables and arrays, decoded and encoded with every type kept (the
 * representation of fieldTypes.ts). amqplib's own decoder turns int64 into a rounded JS number
 * and every integer or float width into a plain number, so Burrow decodes message headers itself
 * (src/broker/typedFrames.ts hooks this into each connection).
 *
 * The tags are RabbitMQ's (rabbit_binary_parser, the amqp-0-9-1 errata): t b B s u I i l f d D S
 * x T F A V. The encoder writes the same bytes as amqplib's encoder (lib/codec.js) for the same
 * value, except that a Uint8Array is a byte array here (amqplib writes only Buffers as one).
 *
 * Pure and browser-safe: Uint8Array, DataView, TextEncoder/TextDecoder; no Buffer.
 */
import type { FieldTable, FieldValue } from './fieldTypes';

/** Non-fatal (malformed UTF-8 becomes U+FFFD, as Buffer#toString does) and keeping a leading BOM. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const ENCODER = new TextEncoder();

/** Deeper nesting than this is refused (a hostile message could otherwise exhaust the stack). */
const MAX_DEPTH = 1000;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

class Reader {
  readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  /** Throws unless n more bytes are there before `end`. */
  need(n: number, end: number, what: string): void {
    if (this.pos + n > end)
      throw new Error(
        `field table truncated: ${what} needs ${n} byte${n === 1 ? '' : 's'} at byte ${this.pos}, ${Math.max(0, end - this.pos)} left`,
      );
  }

  utf8(len: number): string {
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    const b = this.bytes;
    // Short ASCII (most header names and many values) without TextDecoder's call overhead.
    if (len <= 32) {
      let s = '';
      for (let i = start; i < end; i++) {
        const c = b[i]!;
        if (c >= 0x80) return UTF8.decode(b.subarray(start, end));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return UTF8.decode(b.subarray(start, end));
  }

  /** A uint32 length prefix, checked against `end`. */
  length(end: number, what: string): number {
    this.need(4, end, `${what} length`);
    const len = this.view.getUint32(this.pos);
    this.pos += 4;
    this.need(len, end, what);
    return len;
  }

  table(end: number, depth: number): FieldTable {
    if (depth > MAX_DEPTH) throw new Error(`field table nested too deeply (more than ${MAX_DEPTH} levels)`);
    const out: FieldTable = {};
    while (this.pos < end) {
      const len = this.bytes[this.pos]!;
      this.pos++;
      this.need(len, end, 'field name');
      const key = this.utf8(len);
      const value = this.value(end, depth);
      // A key "__proto__" stays an own property instead of replacing the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  array(end: number, depth: number): FieldValue[] {
    if (depth > MAX_DEPTH) throw new Error(`field array nested too deeply (more than ${MAX_DEPTH} levels)`);
    const out: FieldValue[] = [];
    while (this.pos < end) out.push(this.value(end, depth));
    return out;
  }

  value(end: number, depth: number): FieldValue {
    this.need(1, end, 'field type tag');
    const tag = this.bytes[this.pos]!;
    const at = this.pos;
    this.pos++;
    const v = this.view;
    const p = this.pos;
    switch (tag) {
      case 0x53: {
        // S longstr
        const len = this.length(end, 'string');
        return this.utf8(len);
      }
      case 0x74: // t bool
        this.need(1, end, 'bool');
        this.pos = p + 1;
        return this.bytes[p] !== 0;
      case 0x62: // b int8
        this.need(1, end, 'int8');
        this.pos = p + 1;
        return { '!': 'int8', value: v.getInt8(p) };
      case 0x42: // B uint8
        this.need(1, end, 'uint8');
        this.pos = p + 1;
        return { '!': 'uint8', value: v.getUint8(p) };
      case 0x73: // s int16
        this.need(2, end, 'int16');
        this.pos = p + 2;
        return { '!': 'int16', value: v.getInt16(p) };
      case 0x75: // u uint16
        this.need(2, end, 'uint16');
        this.pos = p + 2;
        return { '!': 'uint16', value: v.getUint16(p) };
      case 0x49: // I int32
        this.need(4, end, 'int32');
        this.pos = p + 4;
        return { '!': 'int32', value: v.getInt32(p) };
      case 0x69: // i uint32
        this.need(4, end, 'uint32');
        this.pos = p + 4;
        return { '!': 'uint32', value: v.getUint32(p) };
      case 0x6c: // l int64
        this.need(8, end, 'int64');
        this.pos = p + 8;
        return { '!': 'int64', value: v.getBigInt64(p).toString() };
      case 0x66: // f float
        this.need(4, end, 'float');
        this.pos = p + 4;
        return { '!': 'float', value: v.getFloat32(p) };
      case 0x64: // d double
        this.need(8, end, 'double');
        this.pos = p + 8;
        return { '!': 'double', value: v.getFloat64(p) };
      case 0x44: // D decimal: places (octet), digits (uint32)
        this.need(5, end, 'decimal');
        this.pos = p + 5;
        return { '!': 'decimal', value: { places: v.getUint8(p), digits: v.getUint32(p + 1) } };
      case 0x54: {
        // T timestamp (uint64 seconds)
        this.need(8, end, 'timestamp');
        this.pos = p + 8;
        const t = v.getBigUint64(p);
        return { '!': 'timestamp', value: t <= MAX_SAFE ? Number(t) : t.toString() };
      }
      case 0x78: {
        // x byte array: a copy, never a view of the (socket) buffer
        const len = this.length(end, 'byte array');
        // (Not bytes.slice: on a Node Buffer, slice is a view.)
        const copy = new Uint8Array(len);
        copy.set(this.bytes.subarray(this.pos, this.pos + len));
        this.pos += len;
        return copy;
      }
      case 0x56: // V void
        return null;
      case 0x46: {
        // F table
        const len = this.length(end, 'table');
        return this.table(this.pos + len, depth + 1);
      }
      case 0x41: {
        // A array
        const len = this.length(end, 'array');
        return this.array(this.pos + len, depth + 1);
      }
      default:
        throw new Error(`unknown field type tag ${tagName(tag)} at byte ${at}`);
    }
  }
}

function tagName(tag: number): string {
  return tag >= 0x21 && tag < 0x7f ? `'${String.fromCharCode(tag)}'` : `0x${tag.toString(16).padStart(2, '0')}`;
}

/**
 * Decodes an encoded field table: its uint32 length, then the name/value pairs (what
 * encodeFieldTable writes). Throws an Error on an unknown tag, truncated data or trailing bytes.
 */
export function decodeFieldTable(bytes: Uint8Array): FieldTable {
  const r = new Reader(bytes, 0);
  const len = r.length(bytes.length, 'table');
  if (4 + len !== bytes.length)
    throw new Error(`field table is ${len} bytes long, followed by ${bytes.length - 4 - len} more`);
  return r.table(bytes.length, 0);
}

/** Decodes an encoded field array: its uint32 length, then the values. Throws like decodeFieldTable. */
export function decodeFieldArray(bytes: Uint8Array): FieldValue[] {
  const r = new Reader(bytes, 0);
  const len = r.length(bytes.length, 'array');
  if (4 + len !== bytes.length)
    throw new Error(`field array is ${len} bytes long, followed by ${bytes.length - 4 - len} more`);
  return r.array(bytes.length, 0);
}

/** basic.properties flags before and including headers. */
const FLAG_CONTENT_TYPE = 0x8000;
const FLAG_CONTENT_ENCODING = 0x4000;
const FLAG_HEADERS = 0x2000;

/** True if the encoded basic properties (starting with their 16-bit flags) carry headers. */
export function propertiesHaveHeaders(propertyBytes: Uint8Array): boolean {
  return propertyBytes.length >= 2 && (propertyBytes[0]! & (FLAG_HEADERS >> 8)) !== 0;
}

/**
 * The typed headers table of encoded basic properties (a content header frame's payload after
 * class id, weight and body size: the 16-bit flags, then the properties present), or undefined
 * when the headers flag is off. Throws an Error on malformed data.
 */
export function decodePropertiesHeaders(propertyBytes: Uint8Array): FieldTable | undefined {
  const r = new Reader(propertyBytes, 0);
  const end = propertyBytes.length;
  r.need(2, end, 'property flags');
  const flags = r.view.getUint16(0);
  if ((flags & FLAG_HEADERS) === 0) return undefined;
  r.pos = 2;
  for (const flag of [FLAG_CONTENT_TYPE, FLAG_CONTENT_ENCODING]) {
    if ((flags & flag) === 0) continue;
    r.need(1, end, 'short string length');
    const len = propertyBytes[r.pos]!;
    r.pos += 1;
    r.need(len, end, 'short string');
    r.pos += len;
  }
  const len = r.length(end, 'headers table');
  return r.table(r.pos + len, 0);
}

// ---------------------------------------------------------------------------------------------
// Encoding (amqplib's rules, byte for byte)
// ---------------------------------------------------------------------------------------------

class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(n: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = n;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  /** Reserves a uint32 length and returns a function that fills it in with what was written since. */
  lengthSlot(): () => void {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return () => this.view.setUint32(at, this.pos - at - 4);
  }
}

/** amqplib's integer writers refuse values out of range (Buffer#writeInt8 etc.); DataView would wrap. */
function checkRange(n: number, lo: number, hi: number, type: string): number {
  if (n < lo || n > hi) throw new RangeError(`${type} value out of range (${lo} to ${hi}): ${n}`);
  return n;
}

function toBigInt(val: unknown, type: string): bigint {
  try {
    return BigInt(val as string | number | bigint);
  } catch {
    throw new RangeError(`${type} needs a whole number, got ${String(val)}`);
  }
}

/**
 * The type amqplib's encoder gives a plain JS number: a double for a fraction below 2^50, any
 * number from 2^63 up (RabbitMQ has no unsigned 64-bit type) and, where amqplib would throw
 * (NaN, -Infinity, below -2^63), also a double; otherwise the smallest signed integer type.
 */
function plainNumberType(n: number): string {
  if (n >= 0x8000000000000000 || !Number.isInteger(n) || n < -0x8000000000000000) return 'double';
  if (n >= -128 && n < 128) return 'int8';
  if (n >= -0x8000 && n < 0x8000) return 'int16';
  if (n >= -0x80000000 && n < 0x80000000) return 'int32';
  return 'int64';
}

function writeTable(w: Writer, table: object, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`field table nested too deeply (more than ${MAX_DEPTH} levels)`);
  const done = w.lengthSlot();
  const t = table as Record<string, unknown>;
  // for…in, as amqplib does.
  for (const key in t) {
    const value = t[key];
    if (value === undefined) continue;
    const name = ENCODER.encode(key);
    if (name.length > 255) throw new RangeError(`field name longer than 255 bytes: ${key.slice(0, 40)}…`);
    w.u8(name.length);
    w.raw(name);
    writeValue(w, value, depth);
  }
  done();
}

function writeArray(w: Writer, values: readonly unknown[], depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`field array nested too deeply (more than ${MAX_DEPTH} levels)`);
  const done = w.lengthSlot();
  for (const v of values) writeValue(w, v, depth);
  done();
}

function writeValue(w: Writer, value: unknown, depth: number): void {
  let type: string = typeof value;
  let val: unknown = value;
  // amqplib's trapdoor: { '!': type, value }.
  if (value && type === 'object' && Object.hasOwn(value as object, '!')) {
    val = (value as { value: unknown }).value;
    type = String((value as { '!': unknown })['!']);
  }
  if (type === 'number') type = plainNumberType(val as number);
  switch (type) {
    case 'string': {
      const b = ENCODER.encode(val as string);
      w.u8(0x53);
      w.ensure(4);
      w.view.setUint32(w.pos, b.length);
      w.pos += 4;
      w.raw(b);
      return;
    }
    case 'undefined': // in an array (tables skip undefined); amqplib would throw
    case 'object':
      if (val === null || val === undefined) w.u8(0x56);
      else if (Array.isArray(val)) {
        w.u8(0x41);
        writeArray(w, val, depth + 1);
      } else if (val instanceof Uint8Array) {
        w.u8(0x78);
        w.ensure(4);
        w.view.setUint32(w.pos, val.length);
        w.pos += 4;
        w.raw(val);
      } else {
        w.u8(0x46);
        writeTable(w, val, depth + 1);
      }
      return;
    case 'boolean':
      w.u8(0x74);
      w.u8(val ? 1 : 0);
      return;
    case 'bigint':
      type = 'int64';
      break;
    default:
      break;
  }
  // Numbers as Buffer#write… coerces them (not for decimal, int64 and timestamp, which take other values).
  const n = type === 'decimal' || type === 'long' || type === 'int64' || type === 'timestamp' ? 0 : Number(val);
  w.ensure(9);
  const p = w.pos + 1;
  switch (type) {
    case 'double':
    case 'float64':
      w.bytes[w.pos] = 0x64;
      w.view.setFloat64(p, n);
      w.pos = p + 8;
      return;
    case 'float':
      w.bytes[w.pos] = 0x66;
      w.view.setFloat32(p, n);
      w.pos = p + 4;
      return;
    case 'byte':
    case 'int8':
      w.bytes[w.pos] = 0x62;
      w.view.setInt8(p, checkRange(n, -128, 127, 'int8'));
      w.pos = p + 1;
      return;
    case 'unsignedbyte':
    case 'uint8':
      w.bytes[w.pos] = 0x42;
      w.view.setUint8(p, checkRange(n, 0, 255, 'uint8'));
      w.pos = p + 1;
      return;
    case 'short':
    case 'int16':
      w.bytes[w.pos] = 0x73;
      w.view.setInt16(p, checkRange(n, -0x8000, 0x7fff, 'int16'));
      w.pos = p + 2;
      return;
    case 'unsignedshort':
    case 'uint16':
      w.bytes[w.pos] = 0x75;
      w.view.setUint16(p, checkRange(n, 0, 0xffff, 'uint16'));
      w.pos = p + 2;
      return;
    case 'int':
    case 'int32':
      w.bytes[w.pos] = 0x49;
      w.view.setInt32(p, checkRange(n, -0x80000000, 0x7fffffff, 'int32'));
      w.pos = p + 4;
      return;
    case 'unsignedint':
    case 'uint32':
      w.bytes[w.pos] = 0x69;
      w.view.setUint32(p, checkRange(n, 0, 0xffffffff, 'uint32'));
      w.pos = p + 4;
      return;
    case 'long':
    case 'int64': {
      const b = toBigInt(val, 'int64');
      if (b < -0x8000000000000000n || b > 0x7fffffffffffffffn)
        throw new RangeError(`int64 value out of range (-2^63 to 2^63-1): ${b}`);
      w.bytes[w.pos] = 0x6c;
      w.view.setBigInt64(p, b);
      w.pos = p + 8;
      return;
    }
    case 'timestamp': {
      const b = toBigInt(val, 'timestamp');
      if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError(`timestamp value out of range (0 to 2^64-1): ${b}`);
      w.bytes[w.pos] = 0x54;
      w.view.setBigUint64(p, b);
      w.pos = p + 8;
      return;
    }
    case 'decimal': {
      const d = val as { places?: unknown; digits?: unknown } | null | undefined;
      if (
        d == null ||
        !Object.hasOwn(d, 'places') ||
        !Object.hasOwn(d, 'digits') ||
        !((d.places as number) >= 0 && (d.places as number) < 256)
      )
        throw new TypeError(`Decimal value must be {'places': 0..255, 'digits': uint32}, got ${JSON.stringify(val)}`);
      w.bytes[w.pos] = 0x44;
      w.view.setUint8(p, d.places as number);
      w.view.setUint32(p + 1, checkRange(Number(d.digits), 0, 0xffffffff, 'decimal digits'));
      w.pos = p + 5;
      return;
    }
    default:
      throw new TypeError(`Unknown type to encode: ${type}`);
  }
}

/**
 * Encodes a field table as amqplib does (uint32 length, then name/value pairs; values that are
 * undefined are left out), typed numbers with their own tag, plain numbers as amqplib guesses.
 * Throws a RangeError or TypeError where amqplib's encoder would (a value out of its type's range,
 * an unknown type).
 */
export function encodeFieldTable(table: FieldTable): Uint8Array {
  const w = new Writer();
  writeTable(w, table, 0);
  return w.bytes.slice(0, w.pos);
}

/** Encodes a field array (uint32 length, then the values) as amqplib does. */
export function encodeFieldArray(values: readonly FieldValue[]): Uint8Array {
  const w = new Writer();
  writeArray(w, values, 0);
  return w.bytes.slice(0, w.pos);
}
