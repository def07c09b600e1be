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

/** A one-line summary for the tail list (only the first bytes are decoded). */
export function toTailRow(m: CapturedMessage): TailRow {
  const head = m.body.byteLength > PREVIEW_CHARS * 4 ? m.body.subarray(0, PREVIEW_CHARS * 4) : m.body;
  const decoded = decodeBody(head, m.properties.contentType, { maxChars: PREVIEW_CHARS * 4 });
  // Binary previews are hex dumps: keep the hex column of the first line only.
  const preview = decoded.kind === 'binary' ? hexPreview(m.body) : decoded.text.replace(/\s+/g, ' ').slice(0, PREVIEW_CHARS);
  const row: TailRow = {
    id: m.seq,
    at: m.receivedAt,
    exchange: m.exchange,
    routingKey: m.routingKey,
    size: m.size,
    redelivered: m.redelivered,
    preview,
    // A cut-off JSON document is not valid JSON: report the kind of the whole body where cheap.
    kind: decoded.kind === 'text' && head !== m.body && /^\s*[[{]/.test(decoded.text) ? 'json' : decoded.kind,
  };
  if (m.deliveryTag !== undefined) row.deliveryTag = m.deliveryTag;
  return row;
}

function hexPreview(bytes: Uint8Array): string {
  let out = '';
  const n = Math.min(bytes.length, 32);
  for (let i = 0; i < n; i++) out += bytes[i].toString(16).padStart(2, '0') + (i % 2 ? ' ' : '');
  return `${out.trim()}${bytes.length > n ? ' …' : ''}`;
}
