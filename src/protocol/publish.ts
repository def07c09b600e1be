import type { ConnectionMessage, ErrorMessage, PanelTarget, ReadyMessage } from './common';

export type BodyMode = 'text' | 'json' | 'base64';
export type HeaderType = 'string' | 'number' | 'boolean' | 'null' | 'json';

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

export type OutcomeKind = 'confirmed' | 'returned' | 'nacked' | 'error' | 'cancelled';

export interface PublishResult {
  id: number;
  at: number;
  kind: OutcomeKind;
  /** One line: what happened, with the broker's reply code/text when there is one. */
  text: string;
  count: number;
  elapsedMs: number;
}

export type PublishToWebview =
  | { type: 'init'; target: PanelTarget; exchanges: ExchangeOption[]; queues: string[]; defaultDeliveryMode: 1 | 2; history: HistoryEntry[]; templates: PublishTemplate[]; templatesFile?: string }
  | { type: 'suggestions'; exchange: string; keys: string[] }
  | { type: 'loadDraft'; draft: Partial<PublishDraft>; source: string }
  | { type: 'busy'; busy: boolean; total?: number }
  | { type: 'progress'; done: number; total: number; confirmed: number; returned: number; nacked: number; ratePerSec: number }
  | { type: 'result'; result: PublishResult }
  | { type: 'history'; history: HistoryEntry[] }
  | { type: 'templates'; templates: PublishTemplate[]; templatesFile?: string }
  | { type: 'validation'; field: string; message: string }
  | ErrorMessage
  | ConnectionMessage;

export type PublishToHost =
  | ReadyMessage
  | { type: 'publish'; draft: PublishDraft; count: number }
  | { type: 'cancel' }
  | { type: 'suggest'; exchange: string }
  | { type: 'loadFile' }
  | { type: 'saveTemplate'; name: string; draft: PublishDraft }
  | { type: 'deleteTemplate'; name: string }
  | { type: 'refreshTopology' };

export interface PublishState {
  target: PanelTarget;
  draft?: PublishDraft;
  count?: number;
}

export function emptyDraft(exchange = '', routingKey = '', deliveryMode: 1 | 2 = 2): PublishDraft {
  return {
    exchange,
    routingKey,
    mandatory: true,
    properties: {
      contentType: 'application/json',
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
