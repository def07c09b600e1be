import type { ConnectionMessage, DisplayMessage, ErrorMessage, PanelTarget, ReadyMessage } from './common';

export type StreamOffset = 'first' | 'last' | 'next' | { timestamp: number } | { offset: number };

export type PeekToWebview =
  | { type: 'init'; target: PanelTarget; count: number }
  | { type: 'busy'; busy: boolean }
  | {
      type: 'result';
      messages: DisplayMessage[];
      note: string;
      tookMs: number;
      depthBefore?: number;
      depthAfter?: number;
      at: number;
      /** "delivery limit 20 (RabbitMQ 4's default for quorum queues)"; absent for queues without one. */
      limit?: string;
      /** Why some messages were not taken ("3 messages not shown: …"). */
      withheld?: string;
      /** Messages the peek took too close to the delivery limit. */
      warnings?: string[];
      /** The peek stopped because of what earlier peeks left behind: the panel offers to look anyway. */
      offerIgnoreMemory?: boolean;
    }
  /** Asked before a peek takes anything (e.g. the queue has consumers); 'Peek anyway' re-sends the peek with confirmConsumers. */
  | { type: 'confirm'; kind: 'consumers'; message: string }
  | { type: 'info'; message: string }
  | ErrorMessage
  | ConnectionMessage;

export type PeekToHost =
  | ReadyMessage
  | {
      type: 'peek';
      count: number;
      offset?: StreamOffset;
      /** The user has seen the warning that the queue has consumers and wants to peek anyway. */
      confirmConsumers?: boolean;
      /** Take the first message even though an earlier peek left high delivery counts. */
      ignoreMemory?: boolean;
    }
  | { type: 'openBody'; id: number }
  | { type: 'copy'; ids: number[] }
  | { type: 'save' };

/** What the webview persists with setState (and the serializer restores from). */
export interface PeekState {
  target: PanelTarget;
  count: number;
}
