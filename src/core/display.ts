/**
 * Prepares captured messages for the webviews: the host decodes (and truncates) bodies,
 * so a 50 MB body never crosses into the webview and nothing there has to parse bytes.
 */
import type { DisplayField, DisplayMessage } from '../protocol/common';
import type { TailRow } from '../protocol/tail';
import { formatXDeath, typedHeaders } from './fieldValues';
import { formatTimestamp } from './format';
import { oneLineJson } from './json';
import type { CapturedMessage } from './message';
import { CONTROL_CHARS, decodeBody, mayBeJson } from './messageBody';

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
 * This runs for every row of the tail list's visible window after each batch (TailList.window:
 * some 60 rows every 100 ms; about 10 µs a row for a 150-byte JSON body), so bodies of up to
 * PREVIEW_BYTES take a dedicated path: the same rules as decodeBody (strict UTF-8,
 * JSON only if it parses, control characters → hex), but the JSON preview is laid out straight
 * onto one line (oneLineJson) instead of pretty-printing and collapsing the whitespace, and stops
 * after PREVIEW_CHARS. The result is what `decodeBody(...).text.replace(/\s+/g, ' ')` starts with,
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
    preview =
      decoded.kind === 'binary' ? hexPreview(m.body) : decoded.text.replace(/\s+/g, ' ').slice(0, PREVIEW_CHARS);
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
const WHITESPACE_RUNS = /\s+/g;

/** Preview and kind of a whole (small) body, as decodeBody would classify it. */
function smallPreview(body: Uint8Array): [string, TailRow['kind']] {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return [hexPreview(body), 'binary'];
  }
  if (mayBeJson(text)) {
    try {
      JSON.parse(text);
      return [oneLineJson(text, PREVIEW_CHARS), 'json'];
    } catch {
      // not JSON: text or binary
    }
  }
  if (CONTROL_CHARS.test(text)) return [hexPreview(body), 'binary'];
  return [collapse(text), 'text'];
}

function collapse(text: string): string {
  return text.replace(WHITESPACE_RUNS, ' ').slice(0, PREVIEW_CHARS);
}

function hexPreview(bytes: Uint8Array): string {
  let out = '';
  const n = Math.min(bytes.length, 32);
  for (let i = 0; i < n; i++) out += bytes[i].toString(16).padStart(2, '0') + (i % 2 ? ' ' : '');
  return `${out.trim()}${bytes.length > n ? ' …' : ''}`;
}
