import {
  panelTarget,
  requestId,
  type CommonToWebview,
  type DisplayMessage,
  type Numbered,
  type PanelTarget,
  type ReadyMessage,
} from './common';
import { checkPickerSearch, type PickerReply, type PickerSearch } from './picker';
import {
  bool,
  int,
  jsonObject,
  lenient,
  literal,
  messages,
  object,
  oneOf,
  optional,
  str,
  type Check,
} from './validate';

/**
 * A compact row for the live list; the full message is fetched when selected. A gap marker
 * (messages missed while reconnecting) is a row too: it has `gap`, a negative id and its text
 * as preview, and cannot be selected.
 */
export interface TailRow {
  id: number;
  at: number;
  exchange: string;
  routingKey: string;
  size: number;
  redelivered: boolean;
  /** First characters of the body as text (or hex for binary). */
  preview: string;
  kind: 'json' | 'text' | 'binary';
  deliveryTag?: number;
  /** consume mode with manual acks: what happened to it */
  settled?: 'acked' | 'requeued' | 'rejected';
  /** Set on gap marker rows only: when the connection was lost, and for how long nothing was seen. */
  gap?: { lostAt: number; durationMs: number };
}

export type TailMode =
  | { mode: 'tap' }
  | { mode: 'tap-exchange'; exchange: string; pattern: string; arguments?: Record<string, unknown> }
  | { mode: 'consume'; prefetch: number; ack: 'auto' | 'manual' };

export type TailStatus = 'idle' | 'starting' | 'running' | 'paused' | 'reconnecting' | 'stopped' | 'error';

export interface TailStats {
  received: number;
  dropped: number;
  ratePerSec: number;
  buffered: number;
  /** Gap markers in the list (reconnects during which a tap missed messages); not counted as messages. */
  gaps?: number;
}

export type TailToWebview =
  | { type: 'init'; target: PanelTarget; bufferSize: number; exchanges: string[] }
  | { type: 'status'; status: TailStatus; detail?: string; mode?: TailMode }
  /**
   * The part of the list the webview shows (see TailToHost 'view'), sent after each batch of new
   * messages and whenever the list or the view changes. `from` is the list index of rows[0].
   */
  | { type: 'window'; total: number; from: number; rows: TailRow[]; stats: TailStats; filtered: boolean }
  /** The selected message in full; `settled` if it was acked, requeued or rejected here. */
  | ({ type: 'detail'; message: DisplayMessage; settled?: NonNullable<TailRow['settled']> } & Numbered)
  | { type: 'settled'; id: number; settled: NonNullable<TailRow['settled']> }
  /** Reply to 'pickerSearch' (same requestId). */
  | PickerReply
  | CommonToWebview;

export type TailToHost =
  | ReadyMessage
  | { type: 'start'; mode: TailMode }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'clear' }
  | { type: 'filter'; text: string }
  /** The rows the list shows: `count` rows from index `from`, or the last `count` rows while following the end. */
  | { type: 'view'; from: number; count: number; follow: boolean }
  /** Answered by 'detail' with the same requestId. */
  | ({ type: 'select'; id: number } & Numbered)
  | { type: 'settle'; id: number; action: 'ack' | 'requeue' | 'reject' }
  | { type: 'export' }
  | { type: 'openBody'; id: number }
  /** Opens the message in the vhost's publish form, every header with the type it came with. */
  | { type: 'editAndPublish'; id: number }
  /** The exchange picker (tap an exchange) searches the server (src/protocol/picker.ts). */
  | PickerSearch;

export interface TailState {
  target: PanelTarget;
  mode?: TailMode;
  filter?: string;
}

const tailMode: Check<TailMode> = oneOf<TailMode>(
  object({ mode: literal('tap') }),
  object({ mode: literal('tap-exchange'), exchange: str, pattern: str, arguments: optional(jsonObject) }),
  object({ mode: literal('consume'), prefetch: int, ack: literal('auto', 'manual') }),
);

export const checkTailToHost = messages<TailToHost>({
  ready: object({}),
  start: object({ mode: tailMode }),
  stop: object({}),
  pause: object({}),
  resume: object({}),
  clear: object({}),
  filter: object({ text: str }),
  view: object({ from: int, count: int, follow: bool }),
  select: object({ id: int, requestId }),
  settle: object({ id: int, action: literal('ack', 'requeue', 'reject') }),
  export: object({}),
  openBody: object({ id: int }),
  editAndPublish: object({ id: int }),
  pickerSearch: checkPickerSearch,
});

export const checkTailState: Check<TailState> = object({
  target: panelTarget,
  mode: lenient(tailMode),
  filter: lenient(str),
});
