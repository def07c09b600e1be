import type { DisplayMessage, ErrorMessage, PanelTarget, ReadyMessage } from './common';
import type { HeaderRow } from './publish';

export interface RpcDraft {
  exchange: string;
  routingKey: string;
  bodyMode: 'text' | 'json';
  body: string;
  contentType: string;
  headers: HeaderRow[];
  timeoutMs: number;
  replyMode: 'direct-reply-to' | 'callback-queue';
}

export interface RpcResultView {
  id: number;
  at: number;
  status: 'reply' | 'timeout' | 'unroutable' | 'no-consumer' | 'cancelled' | 'error';
  /** One line: what happened. */
  text: string;
  rttMs?: number;
  correlationId?: string;
  reply?: DisplayMessage;
  strays: { correlationId: string; preview: string; at: number }[];
}

export interface RpcManyView {
  n: number;
  ok: number;
  failed: number;
  min: number;
  median: number;
  p95: number;
  max: number;
  text: string;
}

export interface RpcHistoryEntry {
  at: number;
  draft: RpcDraft;
  outcome: string;
}

export type RpcToWebview =
  | { type: 'init'; target: PanelTarget; exchanges: { name: string; type: string }[]; defaultTimeoutMs: number; history: RpcHistoryEntry[] }
  | { type: 'busy'; busy: boolean }
  | { type: 'result'; result: RpcResultView }
  | { type: 'progress'; done: number; total: number }
  | { type: 'many'; result: RpcManyView }
  | { type: 'history'; history: RpcHistoryEntry[] }
  | { type: 'validation'; message: string }
  | ErrorMessage;

export type RpcToHost = ReadyMessage | { type: 'call'; draft: RpcDraft; count: number } | { type: 'cancel' };

export interface RpcState {
  target: PanelTarget;
  draft?: RpcDraft;
  count?: number;
}
