import { panelTarget, type CommonToWebview, type DisplayMessage, type PanelTarget, type ReadyMessage } from './common';
import { array, bool, int, lenient, literal, messages, num, object, oneOf, optional, type Check } from './validate';

export type StreamOffset = 'first' | 'last' | 'next' | { timestamp: number } | { offset: number };

export type PeekToWebview =
  | { type: 'init'; target: PanelTarget; count: number }
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
  | CommonToWebview;

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
  | { type: 'save' }
  /** Opens the message in the vhost's publish form, every header with the type it came with. */
  | { type: 'editAndPublish'; id: number }
  /** Deletes exactly this peeked message (after a confirmation on the host side). */
  | { type: 'deleteMessage'; id: number }
  /** Copy as code: a consumer of this queue (manual acks, prefetch = the count), in the language asked for. */
  | { type: 'copyAsCode'; count: number };

const streamOffset: Check<StreamOffset> = oneOf<StreamOffset>(
  literal('first', 'last', 'next'),
  object({ timestamp: num }),
  object({ offset: int }),
);

export const checkPeekToHost = messages<PeekToHost>({
  ready: object({}),
  peek: object({
    count: int,
    offset: optional(streamOffset),
    confirmConsumers: optional(bool),
    ignoreMemory: optional(bool),
  }),
  openBody: object({ id: int }),
  copy: object({ ids: array(int) }),
  save: object({}),
  editAndPublish: object({ id: int }),
  deleteMessage: object({ id: int }),
  copyAsCode: object({ count: int }),
});

/** What the webview persists with setState (and the serializer restores from). */
export interface PeekState {
  target: PanelTarget;
  count: number;
}

export const checkPeekState: Check<PeekState> = (v, p) => {
  const s = object({ target: panelTarget, count: lenient(int) })(v, p);
  return { target: s.target, count: s.count ?? 10 };
};
