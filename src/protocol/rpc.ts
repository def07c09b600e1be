import { panelTarget, type CommonToWebview, type DisplayMessage, type PanelTarget, type ReadyMessage } from './common';
import { checkPickerSearch, type PickerReply, type PickerSearch } from './picker';
import { headerRow } from './publish';
import type { HeaderRow } from './publish';
import { array, int, lenient, literal, messages, num, object, str, type Check } from './validate';

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
  | {
      type: 'init';
      target: PanelTarget;
      exchanges: { name: string; type: string }[];
      defaultTimeoutMs: number;
      history: RpcHistoryEntry[];
    }
  | { type: 'result'; result: RpcResultView }
  | { type: 'progress'; done: number; total: number }
  | { type: 'many'; result: RpcManyView }
  | { type: 'history'; history: RpcHistoryEntry[] }
  | { type: 'validation'; message: string }
  /** Reply to 'pickerSearch' (same requestId). */
  | PickerReply
  | CommonToWebview;

export type RpcToHost =
  | ReadyMessage
  | { type: 'call'; draft: RpcDraft; count: number }
  | { type: 'cancel' }
  /** Copy as code: the host asks for the language and puts the snippet on the clipboard. */
  | { type: 'copyAsCode'; draft: RpcDraft }
  /** The exchange picker searches the server (src/protocol/picker.ts). */
  | PickerSearch;

export interface RpcState {
  target: PanelTarget;
  draft?: RpcDraft;
  count?: number;
}

const rpcDraft: Check<RpcDraft> = object({
  exchange: str,
  routingKey: str,
  bodyMode: literal('text', 'json'),
  body: str,
  contentType: str,
  headers: array(headerRow, 1000),
  timeoutMs: num,
  replyMode: literal('direct-reply-to', 'callback-queue'),
});

export const checkRpcToHost = messages<RpcToHost>({
  ready: object({}),
  call: object({ draft: rpcDraft, count: int }),
  cancel: object({}),
  copyAsCode: object({ draft: rpcDraft }),
  pickerSearch: checkPickerSearch,
});

export const checkRpcState: Check<RpcState> = object({
  target: panelTarget,
  draft: lenient(rpcDraft),
  count: lenient(int),
});
