import {
  panelTarget,
  requestId,
  type CommonToWebview,
  type Numbered,
  type PanelTarget,
  type ReadyMessage,
} from './common';
import { checkPickerSearch, type PickerReply, type PickerSearch } from './picker';
import { array, bool, int, lenient, literal, messages, object, str, type Check } from './validate';
import { FIELD_TYPES, type FieldType } from '../core/fieldTypes';
import { LEGACY_ROW_TYPES, migrateHeaderRow } from '../core/headerRows';

export type BodyMode = 'text' | 'json' | 'base64';
/** A header row's AMQP type (src/core/fieldTypes.ts). */
export type HeaderType = FieldType;

/** A header of the publish or RPC form: its AMQP type and its value as text (src/core/headerRows.ts). */
export interface HeaderRow {
  name: string;
  type: HeaderType;
  value: string;
}

/** Everything the form holds; also the shape of history entries and templates. */
export interface PublishDraft {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  properties: {
    contentType: string;
    contentEncoding: string;
    /** 2 = persistent, 1 = transient */
    deliveryMode: 1 | 2;
    priority: string;
    correlationId: string;
    replyTo: string;
    expiration: string;
    messageId: string;
    /** 'now' (set at publish time), '' (none) or an ISO date / epoch seconds */
    timestamp: string;
    type: string;
    userId: string;
    appId: string;
  };
  headers: HeaderRow[];
  bodyMode: BodyMode;
  body: string;
}

export interface ExchangeOption {
  name: string;
  type: string;
}

export interface PublishTemplate {
  name: string;
  draft: PublishDraft;
}

export interface HistoryEntry {
  at: number;
  draft: PublishDraft;
  outcome: string;
}

export type OutcomeKind = 'confirmed' | 'returned' | 'nacked' | 'unknown' | 'error' | 'cancelled';

/** The outcomes of a bulk publish, as the panel shows them. */
export interface PublishCountsView {
  confirmed: number;
  returned: number;
  nacked: number;
  /** Sent, but the connection was lost (or the broker blocked publishing) before the confirm. */
  unknown: number;
  notSent: number;
}

export interface PublishResult {
  id: number;
  at: number;
  kind: OutcomeKind;
  /** One line: what happened, with the broker's reply code/text when there is one. */
  text: string;
  count: number;
  elapsedMs: number;
  /** Bulk publish: each outcome counted. */
  counts?: PublishCountsView;
  /** Messages whose outcome is unknown, offered for re-sending ({ type: 'resendUnknown', resultId: id }). */
  resendable?: number;
}

export type PublishToWebview =
  | {
      type: 'init';
      target: PanelTarget;
      exchanges: ExchangeOption[];
      defaultDeliveryMode: 1 | 2;
      history: HistoryEntry[];
      templates: PublishTemplate[];
      templatesFile?: string;
    }
  /** Reply to 'suggest' (same requestId). */
  | ({ type: 'suggestions'; exchange: string; keys: string[] } & Numbered)
  | { type: 'loadDraft'; draft: Partial<PublishDraft>; source: string }
  | {
      type: 'progress';
      done: number;
      total: number;
      confirmed: number;
      returned: number;
      nacked: number;
      ratePerSec: number;
    }
  | { type: 'result'; result: PublishResult }
  | { type: 'history'; history: HistoryEntry[] }
  | { type: 'templates'; templates: PublishTemplate[]; templatesFile?: string }
  | { type: 'validation'; field: string; message: string }
  /** The broker blocks publishing on this vhost (connection.blocked); reason undefined = not blocked. */
  | { type: 'blocked'; reason?: string }
  /** Reply to 'pickerSearch' (same requestId). */
  | PickerReply
  | CommonToWebview;

export type PublishToHost =
  | ReadyMessage
  | { type: 'publish'; draft: PublishDraft; count: number }
  | { type: 'cancel' }
  /** Re-send the messages of a result whose outcome is unknown (the host asks before sending duplicates). */
  | { type: 'resendUnknown'; resultId: number }
  | ({ type: 'suggest'; exchange: string } & Numbered)
  | { type: 'loadFile' }
  | { type: 'saveTemplate'; name: string; draft: PublishDraft }
  | { type: 'deleteTemplate'; name: string }
  | { type: 'refreshTopology' }
  /** Copy as code: the host asks for the language and puts the snippet on the clipboard. */
  | { type: 'copyAsCode'; draft: PublishDraft }
  /** Save as .amqp (history entry or template): a new untitled request file, or added to a chosen one. */
  | { type: 'saveAsAmqp'; name: string; draft: PublishDraft }
  /** The exchange picker searches the server (src/protocol/picker.ts). */
  | PickerSearch;

export interface PublishState {
  target: PanelTarget;
  draft?: PublishDraft;
  count?: number;
}

const anyRow = object({ name: str, type: literal(...FIELD_TYPES, ...LEGACY_ROW_TYPES), value: str });

/** A header row; rows of drafts saved before typed rows (number, boolean, null, json) are migrated. */
export const headerRow: Check<HeaderRow> = (v, p = '') => migrateHeaderRow(anyRow(v, p));

export const publishDraft: Check<PublishDraft> = object({
  exchange: str,
  routingKey: str,
  mandatory: bool,
  properties: object({
    contentType: str,
    contentEncoding: str,
    deliveryMode: literal(1, 2),
    priority: str,
    correlationId: str,
    replyTo: str,
    expiration: str,
    messageId: str,
    timestamp: str,
    type: str,
    userId: str,
    appId: str,
  }),
  headers: array(headerRow, 1000),
  bodyMode: literal('text', 'json', 'base64'),
  body: str,
});

export const checkPublishToHost = messages<PublishToHost>({
  ready: object({}),
  publish: object({ draft: publishDraft, count: int }),
  cancel: object({}),
  resendUnknown: object({ resultId: int }),
  suggest: object({ exchange: str, requestId }),
  loadFile: object({}),
  saveTemplate: object({ name: str, draft: publishDraft }),
  deleteTemplate: object({ name: str }),
  refreshTopology: object({}),
  copyAsCode: object({ draft: publishDraft }),
  saveAsAmqp: object({ name: str, draft: publishDraft }),
  pickerSearch: checkPickerSearch,
});

/** Restored state: the target must be sound; a draft or count that is not is dropped. */
export const checkPublishState: Check<PublishState> = object({
  target: panelTarget,
  draft: lenient(publishDraft),
  count: lenient(int),
});

/**
 * The content type a body of this type goes out with when the user left the field empty:
 * JSON → application/json, text → text/plain, binary (base64) → application/octet-stream.
 */
export function bodyContentType(mode: BodyMode): string {
  return mode === 'json' ? 'application/json' : mode === 'text' ? 'text/plain' : 'application/octet-stream';
}

/** A new draft leaves the content type empty: it follows the body type (bodyContentType). */
export function emptyDraft(exchange = '', routingKey = '', deliveryMode: 1 | 2 = 2): PublishDraft {
  return {
    exchange,
    routingKey,
    mandatory: true,
    properties: {
      contentType: '',
      contentEncoding: '',
      deliveryMode,
      priority: '',
      correlationId: '',
      replyTo: '',
      expiration: '',
      messageId: '',
      timestamp: '',
      type: '',
      userId: '',
      appId: '',
    },
    headers: [],
    bodyMode: 'json',
    body: '{\n  "hello": "world"\n}',
  };
}

/** Explains what "unknown" means, next to the count and the re-send offer. */
export const UNKNOWN_EXPLANATION =
  'Unknown: the connection was lost (or the broker blocked publishing) before the broker confirmed them. Each may or may not be in the queue; re-sending them can create duplicates.';

export interface ManySummaryInput extends PublishCountsView {
  cancelled: boolean;
  elapsedMs: number;
}

/**
 * The kind and one-line text of a bulk publish result. `error` is the fault that ended it early
 * (connection lost, broker blocked…), already described for the user.
 */
export function summarisePublishMany(
  r: ManySummaryInput,
  total: number,
  error?: string,
): { kind: OutcomeKind; text: string } {
  const n = (x: number) => x.toLocaleString('en-US');
  const sent = r.confirmed + r.returned + r.nacked + r.unknown;
  const parts = [`${n(r.confirmed)} confirmed`];
  if (r.returned) parts.push(`${n(r.returned)} returned as unroutable`);
  if (r.nacked) parts.push(`${n(r.nacked)} nacked by the broker`);
  if (r.unknown) parts.push(`${n(r.unknown)} unknown (may or may not be in the queue)`);
  if (r.notSent) parts.push(`${n(r.notSent)} not sent`);
  const rate = Math.round(((r.confirmed + r.returned) * 1000) / Math.max(1, r.elapsedMs));
  const kind: OutcomeKind = r.unknown
    ? 'unknown'
    : error
      ? 'error'
      : r.cancelled
        ? 'cancelled'
        : r.nacked
          ? 'nacked'
          : r.returned
            ? 'returned'
            : 'confirmed';
  const lead = error
    ? `Stopped after ${n(sent)} of ${n(total)}: ${error} —`
    : r.cancelled
      ? `Cancelled after ${n(sent)} of ${n(total)}:`
      : `Published ${n(sent)} of ${n(total)}:`;
  return { kind, text: `${lead} ${parts.join(', ')} in ${r.elapsedMs} ms (${n(rate)} msg/s)` };
}
