/**
 * A received (peeked, tailed, exported) message as a publish form draft, so that publishing it
 * unchanged sends the same message: each header a row with the type it came with and its exact
 * text (headerRows.ts), every property as text, the body as JSON, text or base64.
 */
import { bytesToBase64 } from './base64';
import { rowsFromHeaders } from './headerRows';
import type { PublishableMessage } from './message';
import { strictUtf8 } from './messageBody';
import { parseJsonWithPosition } from './json';
import { emptyDraft, type PublishDraft } from '../protocol/publish';

export function draftFromMessage(msg: PublishableMessage): PublishDraft {
  const p = msg.properties;
  const draft = emptyDraft(msg.exchange, msg.routingKey, p.deliveryMode === 1 ? 1 : 2);
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  draft.properties = {
    ...draft.properties,
    contentType: text(p.contentType),
    contentEncoding: text(p.contentEncoding),
    priority: text(p.priority),
    correlationId: text(p.correlationId),
    replyTo: text(p.replyTo),
    expiration: text(p.expiration),
    messageId: text(p.messageId),
    timestamp: text(p.timestamp),
    type: text(p.type),
    userId: text(p.userId),
    appId: text(p.appId),
  };
  draft.headers = rowsFromHeaders(p.headers);
  const body = strictUtf8(msg.body, false);
  if (body === undefined) {
    draft.bodyMode = 'base64';
    draft.body = bytesToBase64(msg.body);
  } else {
    // JSON only when it is JSON: the JSON mode sends the text as it is, so nothing changes.
    draft.bodyMode = body.trim() !== '' && parseJsonWithPosition(body).ok ? 'json' : 'text';
    draft.body = body;
  }
  return draft;
}
