/**
 * Messages exported as JSON (one object, an array, or NDJSON: one per line) and read back for
 * re-publishing. Headers are written in the exact JSON form of fieldTypes.ts (toJsonValue: every
 * typed number keeps its type, int64 as a decimal string, byte arrays as
 * `{ "!": "bytes", "value": "<base64>" }`) and read back with fromJsonValue, range-checked. Older
 * exports (plain numbers, bytes, timestamp and decimal tags) read as they always did. The body
 * travels as base64 (plus the text, when it is UTF-8, for reading).
 */
import { base64ToBytes, bytesToBase64 } from './base64';
import { fromJsonValue, toJsonValue, type FieldTable } from './fieldTypes';
import { parseJsonWithPosition } from './json';
import {
  NUMERIC_PROPERTIES,
  PROPERTY_NAMES,
  type CapturedMessage,
  type MessageProperties,
  type PublishableMessage,
} from './message';
import { strictUtf8 } from './messageBody';

export interface ExportedMessage {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  /** JSON-safe: headers in the JSON form of fieldTypes.ts (toJsonValue). */
  properties: Record<string, unknown>;
  bodyBase64: string;
  /** The body as text, when it is valid UTF-8 (for reading; bodyBase64 is authoritative). */
  bodyText?: string;
}

/** A JSON-safe copy of a message that fromExportable() can read back (and the publish panel can send again). */
export function toExportable(msg: CapturedMessage | (PublishableMessage & { redelivered?: boolean })): ExportedMessage {
  const properties: Record<string, unknown> = {};
  for (const name of PROPERTY_NAMES) {
    const v = msg.properties[name];
    if (v !== undefined && v !== null) properties[name] = v;
  }
  if (msg.properties.headers) properties.headers = toJsonValue(msg.properties.headers as FieldTable);
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

export type FromExportableResult =
  { ok: true; message: PublishableMessage & { redelivered: boolean } } | { ok: false; error: string };

/** Validates and reads back an exported message (also accepts a hand-written one with bodyText only). */
export function fromExportable(obj: unknown): FromExportableResult {
  const fail = (error: string): FromExportableResult => ({ ok: false, error });
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail('Expected a message object');
  const o = obj as Record<string, unknown>;
  const exchange = o.exchange ?? '';
  if (typeof exchange !== 'string') return fail("'exchange' must be a string");
  const routingKey = o.routingKey ?? '';
  if (typeof routingKey !== 'string') return fail("'routingKey' must be a string");
  if (routingKey.length > 255 || new TextEncoder().encode(routingKey).length > 255)
    return fail("'routingKey' is longer than 255 bytes");
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
  if (typeof rawProps !== 'object' || rawProps === null || Array.isArray(rawProps))
    return fail("'properties' must be an object");
  const known = new Set<string>([...PROPERTY_NAMES, 'headers']);
  for (const [k, v] of Object.entries(rawProps as Record<string, unknown>)) {
    if (!known.has(k)) return fail(`Unknown property '${k}' (expected one of ${[...known].join(', ')})`);
    if (v === undefined || v === null) continue;
    if (k === 'headers') {
      if (typeof v !== 'object' || Array.isArray(v) || '!' in v)
        return fail("'properties.headers' must be an object (a table of headers)");
      try {
        properties.headers = fromJsonValue(v, 'properties.headers') as FieldTable;
      } catch (e) {
        return fail((e as Error).message);
      }
      continue;
    }
    if (NUMERIC_PROPERTIES.has(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`'properties.${k}' must be a number`);
      if (k === 'deliveryMode' && v !== 1 && v !== 2)
        return fail("'properties.deliveryMode' must be 1 (transient) or 2 (persistent)");
      if (k === 'priority' && (!Number.isInteger(v) || v < 0 || v > 255))
        return fail("'properties.priority' must be an integer from 0 to 255");
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
export function parseExported(
  text: string,
): { ok: true; messages: (PublishableMessage & { redelivered: boolean })[] } | { ok: false; error: string } {
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
