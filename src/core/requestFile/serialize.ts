/**
 * "Save as .amqp": a PublishDraft (publish history, templates) as `.amqp` text that parses and
 * resolves back to an equal draft (test/unit/request-file-serialize.test.ts checks it with
 * fast-check). What the format cannot say exactly:
 * - `{{…}}` is always a variable: text with `{{name}}` is saved as it is and resolves only where
 *   the variable is defined (per-message `{{$…}}` values round-trip);
 * - a body keeps its lines, but not leading or trailing blank lines, `\r`, or lines starting with
 *   `###` (they would start a new request): such bodies get a comment saying so;
 * - property values are single lines, trimmed (the form trims them too).
 */
import type { PublishDraft } from '../../protocol/publish';

/** A name on the request line: bare when it reads back the same, else a JSON string. */
export function quoteName(name: string): string {
  const bare =
    name !== '' &&
    name !== '(default)' &&
    !/[\s"]/.test(name) &&
    // A bare word runs over {{…}}: a name with {{ is quoted for clarity.
    !name.includes('{{');
  return bare ? name : JSON.stringify(name);
}

const PROPERTY_FIELDS: readonly [keyof PublishDraft['properties'], string][] = [
  ['contentType', 'content-type'],
  ['contentEncoding', 'content-encoding'],
  ['priority', 'priority'],
  ['correlationId', 'correlation-id'],
  ['replyTo', 'reply-to'],
  ['expiration', 'expiration'],
  ['messageId', 'message-id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['userId', 'user-id'],
  ['appId', 'app-id'],
];

/** The header line's name part: bare, or a JSON string if it has `=`, quotes or outer spaces. */
function headerName(name: string): string {
  return name === name.trim() && !/[="]/.test(name) && name !== '' ? name : JSON.stringify(name);
}

/** A string header's value: as it is, or a JSON string where the line would change it. */
function stringValue(value: string): string {
  const needs =
    value !== value.trim() ||
    /[\r\n]/.test(value) ||
    (value.length >= 2 && value.startsWith('"') && value.endsWith('"'));
  return needs || value === '' ? JSON.stringify(value) : value;
}

/** The body mode the parser infers for this content type and body. */
function inferredMode(contentType: string, body: string): PublishDraft['bodyMode'] {
  if (body === '') return 'text';
  return /json/i.test(contentType) || /^\s*[[{]/.test(body) ? 'json' : 'text';
}

export function serializeDraft(draft: PublishDraft, name?: string): string {
  const out: string[] = [];
  out.push(`### ${(name ?? '').replace(/[\r\n]+/g, ' ').trim() || 'Saved request'}`.trimEnd());
  const key = draft.routingKey === '' ? '' : ` ${quoteName(draft.routingKey)}`;
  out.push(`PUBLISH ${quoteName(draft.exchange)}${key}`);
  const p = draft.properties;
  for (const [prop, field] of PROPERTY_FIELDS) {
    const v = String(p[prop] ?? '')
      .replace(/[\r\n]+/g, ' ')
      .trim();
    if (v !== '') out.push(`${field}: ${v}`);
  }
  out.push(`delivery-mode: ${p.deliveryMode === 1 ? 1 : 2}`);
  if (!draft.mandatory) out.push('mandatory: false');
  for (const h of draft.headers) {
    const value = h.type === 'string' ? stringValue(h.value) : h.value.replace(/[\r\n]+/g, ' ');
    out.push(
      h.type === 'void' ? `header ${headerName(h.name)}:void` : `header ${headerName(h.name)}:${h.type} = ${value}`,
    );
  }
  let body = draft.body.replace(/\r\n?/g, '\n');
  const lossy: string[] = [];
  if (body !== body.replace(/^(\s*\n)+/, '').replace(/(\n\s*)+$/, '')) lossy.push('leading or trailing blank lines');
  if (/^###/m.test(body)) lossy.push('lines starting with ### (they start a new request here)');
  if (/\r/.test(draft.body)) lossy.push('\\r line ends');
  body = body.replace(/^(\s*\n)+/, '').replace(/(\n\s*)+$/, '');
  if (draft.bodyMode !== inferredMode(p.contentType, body)) out.push(`body-type: ${draft.bodyMode}`);
  if (/^\s*<\s+\S/.test(body)) lossy.push('a first line that reads as a file body (< path)');
  if (lossy.length) out.splice(1, 0, `# Note: the saved body differs from the original: ${lossy.join('; ')}`);
  if (body !== '') out.push('', body);
  return `${out.join('\n')}\n`;
}
