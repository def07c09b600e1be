/**
 * "Save as .amqp": a publish draft as the text of a request (serializeDraft), with the connection
 * and vhost it came from. Pure: unit-tested with a round trip through the parser.
 */
import type { PublishDraft } from '../../protocol/publish';
import { serializeDraft } from '../../core/requestFile/serialize';

/** The request text of a draft, named (or named after its target), run where it came from. */
export function draftAsRequest(
  draft: PublishDraft,
  name: string,
  where: { connection?: string; vhost?: string } = {},
): string {
  return withWhere(serializeDraft(draft, name.trim() || requestName(draft)), where);
}

/**
 * The connection and vhost the draft came from, as the request's own `connection:` and `vhost:`
 * lines (right after the request line), so the saved request runs where the form published.
 */
export function withWhere(text: string, where: { connection?: string; vhost?: string }): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('PUBLISH '));
  const extra = [
    ...(where.connection ? [`connection: ${where.connection}`] : []),
    ...(where.vhost ? [`vhost: ${where.vhost}`] : []),
  ];
  if (at < 0 || extra.length === 0) return text;
  lines.splice(at + 1, 0, ...extra);
  return lines.join('\n');
}

/** A request name from a draft: "Publish to logs kern.info". */
export function requestName(draft: PublishDraft): string {
  const to = draft.exchange === '' ? draft.routingKey || '(default exchange)' : `${draft.exchange} ${draft.routingKey}`;
  return `Publish to ${to}`.trim();
}
