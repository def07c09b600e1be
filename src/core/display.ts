/**
 * Prepares captured messages for the webviews: the host decodes (and truncates) bodies,
 * so a 50 MB body never crosses into the webview and nothing there has to parse bytes.
 */
import type { DisplayField, DisplayMessage } from '../protocol/common';
import type { TailRow } from '../protocol/tail';
import { decodeBody, formatTimestamp, formatXDeath, typedHeaders, type CapturedMessage } from './message';

const PROPERTY_LABELS: [keyof CapturedMessage['properties'], string][] = [
  ['contentType', 'content_type'],
  ['contentEncoding', 'content_encoding'],
  ['deliveryMode', 'delivery_mode'],
  ['priority', 'priority'],
  ['correlationId', 'correlation_id'],
  ['replyTo', 'reply_to'],
  ['expiration', 'expiration'],
  ['messageId', 'message_id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['userId', 'user_id'],
  ['appId', 'app_id'],
];

export function propertyFields(m: CapturedMessage): DisplayField[] {
  const fields: DisplayField[] = [];
  for (const [key, label] of PROPERTY_LABELS) {
    const v = m.properties[key];
    if (v === undefined || v === null) continue;
    let value = String(v);
    if (key === 'deliveryMode') value = v === 2 ? '2 (persistent)' : `${String(v)} (transient)`;
    if (key === 'timestamp' && typeof v === 'number') value = `${formatTimestamp(v)} (${v})`;
    if (key === 'expiration') value = `${String(v)} ms`;
    fields.push({ name: label, value });
  }
  return fields;
}

export function toDisplayMessage(m: CapturedMessage, maxChars?: number): DisplayMessage {
  const headers = m.properties.headers;
  const body = decodeBody(m.body, m.properties.contentType, maxChars === undefined ? {} : { maxChars });
  const display: DisplayMessage = {
    id: m.seq,
    exchange: m.exchange,
    routingKey: m.routingKey,
    redelivered: m.redelivered,
    size: m.size,
    receivedAt: m.receivedAt,
    properties: propertyFields(m),
    headers: typedHeaders(headers).filter((h) => h.name !== 'x-death'),
    deaths: formatXDeath(headers).map((row) => row.fields),
    body: { kind: body.kind, text: body.text, truncated: body.truncated },
  };
  if (m.deliveryTag !== undefined) display.deliveryTag = m.deliveryTag;
  return display;
}

const PREVIEW_CHARS = 160;
/** Bytes of a body the tail row looks at (a UTF-8 character takes at most 4). */
const PREVIEW_BYTES = PREVIEW_CHARS * 4;

/**
 * A one-line summary for the tail list (only the first bytes are decoded).
 *
 * This runs once per message on the tail's hot path (tens of thousands per second), so bodies
 * of up to PREVIEW_BYTES take a dedicated path: the same rules as decodeBody (strict UTF-8,
 * JSON only if it parses, control characters → hex), but the JSON preview is printed straight
 * onto one line instead of pretty-printing and collapsing the whitespace, and stops after
 * PREVIEW_CHARS. The result is what `decodeBody(...).text.replace(/\s+/g, ' ')` starts with,
 * except that a deeply indented document is no longer cut short (pretty-printing only 640
 * characters used to leave fewer than 160 once the indentation was collapsed).
 * bench/previewEquivalence.ts checks the equivalence on random bodies.
 */
export function toTailRow(m: CapturedMessage): TailRow {
  let preview: string;
  let kind: TailRow['kind'];
  if (m.body.byteLength <= PREVIEW_BYTES) {
    [preview, kind] = smallPreview(m.body);
  } else {
    const head = m.body.subarray(0, PREVIEW_BYTES);
    const decoded = decodeBody(head, m.properties.contentType, { maxChars: PREVIEW_BYTES });
    // Binary previews are hex dumps: keep the hex column of the first line only.
    preview = decoded.kind === 'binary' ? hexPreview(m.body) : decoded.text.replace(/\s+/g, ' ').slice(0, PREVIEW_CHARS);
    // A cut-off JSON document is not valid JSON: report the kind of the whole body where cheap.
    kind = decoded.kind === 'text' && /^\s*[[{]/.test(decoded.text) ? 'json' : decoded.kind;
  }
  const row: TailRow = {
    id: m.seq,
    at: m.receivedAt,
    exchange: m.exchange,
    routingKey: m.routingKey,
    size: m.size,
    redelivered: m.redelivered,
    preview,
    kind,
  };
  if (m.deliveryTag !== undefined) row.deliveryTag = m.deliveryTag;
  return row;
}

// Non-streaming decodes keep no state between calls, so one decoder serves every row.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Same set as decodeBody's: C0 controls except \t \n \r, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/;
const WHITESPACE_RUNS = /\s+/g;

/** Preview and kind of a whole (small) body, as decodeBody would classify it. */
function smallPreview(body: Uint8Array): [string, TailRow['kind']] {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return [hexPreview(body), 'binary'];
  }
  const first = firstNonSpace(text);
  if (first >= 0 && '{["-0123456789tfn'.includes(text[first]!)) {
    const json = oneLineJson(text, first);
    if (json !== undefined) return [json, 'json'];
  }
  if (CONTROL_CHARS.test(text)) return [hexPreview(body), 'binary'];
  return [collapse(text), 'text'];
}

function collapse(text: string): string {
  return text.replace(WHITESPACE_RUNS, ' ').slice(0, PREVIEW_CHARS);
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
  }
  return -1;
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

// States of the one-line JSON printer.
const VALUE = 0;
const KEY = 1;
const COLON = 2;
const COMMA_OR_CLOSE = 3;
const END = 4;

/**
 * Validates JSON text exactly as JSON.parse would accept it (without building any value) and
 * lays it out as prettyJson would, with every line break + indentation as one space
 * ("{ "a": 1, "b": [ 2 ] }"), keeping the first PREVIEW_CHARS. Undefined if not valid JSON.
 * Works on the text, so numbers and escapes stay as sent. Structural whitespace comes out as
 * single spaces; whitespace runs inside strings are collapsed per string (a string's content is
 * never next to structural whitespace, so that is exactly what /\s+/g → ' ' does on the whole).
 */
function oneLineJson(text: string, start: number): string | undefined {
  let out = '';
  const n = text.length;
  const stack: number[] = [];
  let state = VALUE;
  let i = start;
  for (;;) {
    while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (state === END) return undefined;
    if (state === COLON) {
      if (c !== 58 /* : */) return undefined;
      if (out.length < PREVIEW_CHARS) out += ': ';
      i++;
      state = VALUE;
      continue;
    }
    if (state === COMMA_OR_CLOSE) {
      const top = stack[stack.length - 1]!;
      if (c === 44 /* , */) {
        if (out.length < PREVIEW_CHARS) out += ', ';
        i++;
        state = top === 123 ? KEY : VALUE;
      } else if (c === top + 2 /* } or ] */) {
        if (out.length < PREVIEW_CHARS) out += c === 125 ? ' }' : ' ]';
        i++;
        stack.pop();
        state = stack.length === 0 ? END : COMMA_OR_CLOSE;
      } else return undefined;
      continue;
    }
    // VALUE or KEY
    if (c === 34 /* " */) {
      const end = scanString(text, i);
      if (end < 0) return undefined;
      if (out.length < PREVIEW_CHARS) {
        const token = text.slice(i, end);
        out += stringHasSpaceRun ? token.replace(WHITESPACE_RUNS, ' ') : token;
      }
      i = end;
      state = state === KEY ? COLON : stack.length === 0 ? END : COMMA_OR_CLOSE;
      continue;
    }
    if (state === KEY) return undefined;
    if (c === 123 /* { */ || c === 91 /* [ */) {
      let j = i + 1;
      while (j < n && isJsonSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === c + 2 /* } or ] */) {
        if (out.length < PREVIEW_CHARS) out += c === 123 ? '{}' : '[]';
        i = j + 1;
        state = stack.length === 0 ? END : COMMA_OR_CLOSE;
      } else {
        if (out.length < PREVIEW_CHARS) out += c === 123 ? '{ ' : '[ ';
        stack.push(c);
        i++;
        state = c === 123 ? KEY : VALUE;
      }
      continue;
    }
    const end = c === 116 /* t */ ? literalEnd(text, i, 'true') : c === 102 /* f */ ? literalEnd(text, i, 'false') : c === 110 /* n */ ? literalEnd(text, i, 'null') : scanNumber(text, i);
    if (end < 0) return undefined;
    if (out.length < PREVIEW_CHARS) out += text.slice(i, end);
    i = end;
    state = stack.length === 0 ? END : COMMA_OR_CLOSE;
  }
  if (state !== END) return undefined;
  return out.length > PREVIEW_CHARS ? out.slice(0, PREVIEW_CHARS) : out;
}

/** Set by scanString: the string has a whitespace run /\s+/ would change (two spaces, or a non-ASCII space). */
let stringHasSpaceRun = false;

/** End (after the closing quote) of the JSON string starting at i, or -1 if invalid. Sets stringHasSpaceRun. */
function scanString(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  let prevSpace = false;
  stringHasSpaceRun = false;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d === 34) return j + 1;
    if (d < 32) return -1;
    if (d === 92 /* \ */) {
      prevSpace = false;
      const e = text.charCodeAt(j + 1);
      if (e === 117 /* u */) {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(text.charCodeAt(k))) return -1;
        j += 6;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        j += 2;
      } else return -1;
    } else {
      if (d === 32) {
        if (prevSpace) stringHasSpaceRun = true;
        prevSpace = true;
      } else if (d > 127 && isUnicodeSpace(d)) {
        stringHasSpaceRun = true;
      } else prevSpace = false;
      j++;
    }
  }
  return -1;
}

/** End of the JSON number starting at i, or -1 if there is none. */
function scanNumber(text: string, i: number): number {
  let j = i;
  if (text.charCodeAt(j) === 45 /* - */) j++;
  const d0 = text.charCodeAt(j);
  if (d0 === 48 /* 0 */) j++;
  else if (d0 >= 49 && d0 <= 57) {
    j++;
    while (isDigit(text.charCodeAt(j))) j++;
  } else return -1;
  if (text.charCodeAt(j) === 46 /* . */) {
    j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 101 /* e */ || e === 69 /* E */) {
    j++;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  return j;
}

function literalEnd(text: string, i: number, word: string): number {
  return text.startsWith(word, i) ? i + word.length : -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Characters above U+007F that /\s/ matches. */
function isUnicodeSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function hexPreview(bytes: Uint8Array): string {
  let out = '';
  const n = Math.min(bytes.length, 32);
  for (let i = 0; i < n; i++) out += bytes[i].toString(16).padStart(2, '0') + (i % 2 ? ' ' : '');
  return `${out.trim()}${bytes.length > n ? ' …' : ''}`;
}
