import type { ConnectionMessage, DisplayMessage, ErrorMessage, PanelTarget, ReadyMessage } from './common';

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
  | { type: 'detail'; message: DisplayMessage; settled?: NonNullable<TailRow['settled']> }
  | { type: 'settled'; id: number; settled: NonNullable<TailRow['settled']> }
  | { type: 'info'; message: string }
  | ErrorMessage
  | ConnectionMessage;

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
  | { type: 'select'; id: number }
  | { type: 'settle'; id: number; action: 'ack' | 'requeue' | 'reject' }
  | { type: 'export' }
  | { type: 'openBody'; id: number };

export interface TailState {
  target: PanelTarget;
  mode?: TailMode;
  filter?: string;
}
