/**
 * Turns the publish form (a PublishDraft) into bytes and AMQP properties, with errors that
 * name the field; validates templates loaded from a file users can edit and commit.
 */
import type { PublishDraft, PublishTemplate } from '../protocol/publish';
import { bodyContentType, emptyDraft } from '../protocol/publish';
import { base64ToBytes } from './base64';
import { buildHeaders } from './fieldValues';
import { LEGACY_ROW_TYPES, isFieldType, migrateHeaderRow } from './headerRows';
import { parseJsonWithPosition } from './json';
import type { MessageProperties } from './message';
import { routingKeyWarnings } from './topic';

export interface PublishRequestData {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  body: Uint8Array;
  properties: MessageProperties;
}

export type DraftResult = { ok: true; request: PublishRequestData } | { ok: false; field: string; error: string };

const fail = (field: string, error: string): DraftResult => ({ ok: false, field, error });

export function draftToRequest(draft: PublishDraft, nowMs: number = Date.now()): DraftResult {
  const keyProblems = routingKeyWarnings(draft.routingKey);
  if (keyProblems.length) return fail('routingKey', keyProblems.join('; '));

  let body: Uint8Array;
  switch (draft.bodyMode) {
    case 'json': {
      const parsed = parseJsonWithPosition(draft.body);
      if (!parsed.ok)
        return fail('body', `Invalid JSON at line ${parsed.line}, column ${parsed.column}: ${parsed.message}`);
      body = new TextEncoder().encode(draft.body);
      break;
    }
    case 'base64':
      try {
        body = base64ToBytes(draft.body.replace(/\s+/g, ''));
      } catch (err) {
        return fail('body', (err as Error).message);
      }
      break;
    default:
      body = new TextEncoder().encode(draft.body);
  }

  const p = draft.properties;
  const properties: MessageProperties = { deliveryMode: p.deliveryMode === 1 ? 1 : 2 };
  const text = (v: string) => (v.trim() === '' ? undefined : v.trim());
  // Follows the body type unless the user typed one.
  properties.contentType = text(p.contentType) ?? bodyContentType(draft.bodyMode);
  properties.contentEncoding = text(p.contentEncoding);
  properties.correlationId = text(p.correlationId);
  properties.replyTo = text(p.replyTo);
  properties.messageId = text(p.messageId);
  properties.type = text(p.type);
  properties.userId = text(p.userId);
  properties.appId = text(p.appId);
  if (p.priority.trim() !== '') {
    const n = Number(p.priority);
    if (!Number.isInteger(n) || n < 0 || n > 255) return fail('priority', 'Priority is a whole number from 0 to 255');
    properties.priority = n;
  }
  if (p.expiration.trim() !== '') {
    if (!/^\d+$/.test(p.expiration.trim()))
      return fail('expiration', 'Expiration is a whole number of milliseconds (e.g. 60000)');
    properties.expiration = p.expiration.trim();
  }
  const ts = p.timestamp.trim();
  if (ts === 'now') properties.timestamp = Math.floor(nowMs / 1000);
  else if (ts !== '') {
    const seconds = /^\d+$/.test(ts) ? Number(ts) : Math.floor(Date.parse(ts) / 1000);
    if (!Number.isFinite(seconds)) return fail('timestamp', "Timestamp must be 'now', epoch seconds or an ISO date");
    properties.timestamp = seconds;
  }
  const headers = buildHeaders(draft.headers);
  if (!headers.ok) return fail('headers', headers.error);
  if (Object.keys(headers.headers).length) properties.headers = headers.headers;
  for (const k of Object.keys(properties) as (keyof MessageProperties)[])
    if (properties[k] === undefined) delete properties[k];
  return {
    ok: true,
    request: { exchange: draft.exchange, routingKey: draft.routingKey, mandatory: draft.mandatory, body, properties },
  };
}

const HEADER_TYPES: ReadonlySet<string> = new Set(LEGACY_ROW_TYPES);

/** Accepts a draft from an untrusted source (templates file, webview state), filling gaps with defaults. */
export function normalizeDraft(raw: unknown): PublishDraft | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const base = emptyDraft();
  const str = (v: unknown, d: string) => (typeof v === 'string' ? v : d);
  const props = (typeof r.properties === 'object' && r.properties !== null ? r.properties : {}) as Record<
    string,
    unknown
  >;
  const draft: PublishDraft = {
    exchange: str(r.exchange, ''),
    routingKey: str(r.routingKey, ''),
    mandatory: r.mandatory !== false,
    properties: { ...base.properties },
    headers: [],
    bodyMode: r.bodyMode === 'text' || r.bodyMode === 'base64' || r.bodyMode === 'json' ? r.bodyMode : 'text',
    body: str(r.body, ''),
  };
  for (const key of Object.keys(base.properties) as (keyof PublishDraft['properties'])[]) {
    if (key === 'deliveryMode') draft.properties.deliveryMode = props.deliveryMode === 1 ? 1 : 2;
    else if (props[key] !== undefined) draft.properties[key] = String(props[key]);
  }
  if (Array.isArray(r.headers)) {
    for (const h of r.headers as unknown[]) {
      if (typeof h !== 'object' || h === null) continue;
      const row = h as Record<string, unknown>;
      if (typeof row.name !== 'string') continue;
      const value = row.value === undefined ? '' : String(row.value);
      // Typed rows as they are; rows of older templates (number, boolean, null, json) migrated.
      const type = isFieldType(row.type) || HEADER_TYPES.has(row.type as string) ? (row.type as string) : 'string';
      draft.headers.push(migrateHeaderRow({ name: row.name, type, value }));
    }
  }
  return draft;
}

export const TEMPLATES_FILE = '.burrow/templates.json';

/** Parses the workspace templates file; reports problems instead of throwing. */
export function parseTemplatesFile(text: string): { templates: PublishTemplate[]; problems: string[] } {
  const problems: string[] = [];
  const parsed = parseJsonWithPosition(text);
  if (!parsed.ok) return { templates: [], problems: [`${TEMPLATES_FILE} is not valid JSON: ${parsed.error}`] };
  const raw = parsed.value;
  const list = Array.isArray(raw) ? raw : (raw as { templates?: unknown })?.templates;
  if (!Array.isArray(list))
    return { templates: [], problems: [`${TEMPLATES_FILE} should contain {"templates": [...]}`] };
  const templates: PublishTemplate[] = [];
  list.forEach((entry: unknown, i) => {
    const e = entry as { name?: unknown; draft?: unknown } | null;
    const draft = normalizeDraft(e?.draft);
    if (!e || typeof e.name !== 'string' || !e.name.trim() || !draft)
      problems.push(`template #${i + 1} has no name or no draft`);
    else templates.push({ name: e.name.trim(), draft });
  });
  return { templates, problems };
}

export function serializeTemplates(templates: PublishTemplate[]): string {
  const sorted = [...templates].sort((a, b) => a.name.localeCompare(b.name));
  return `${JSON.stringify({ version: 1, templates: sorted }, null, 2)}\n`;
}
