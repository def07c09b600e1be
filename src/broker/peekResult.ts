/** What a peek returns (peek.ts, peekStream.ts), and how many messages one may take. */
import { BrokerError } from './errors';
import type { CapturedMessage } from '../core/message';
import type { TakenRisk } from '../core/deliveryLimit';

export const MAX_PEEK = 10_000;

export interface PeekResult {
  messages: CapturedMessage[];
  /** Ready messages in the queue before peeking (from queue.declare passive). */
  queueDepthBefore?: number;
  /** Consumers on the queue when the peek started (from queue.declare passive). */
  consumers?: number;
  note: string;
  /** The delivery limit the peek worked with (null: none; undefined: not a limited peek). */
  deliveryLimit?: number | null;
  /** Messages the peek did not take to protect them from the delivery limit. */
  withheld?: { count: number; reason: string };
  /**
   * Messages that were taken with a count too close to the limit. Possible only for messages a
   * step took before their counts could be known: the first step when this Burrow knows nothing
   * about the queue, or messages returned more often (by consumers, other tools) than every
   * message before them. 'no-spare': back in the queue with no return to spare; 'dropped': it
   * was already at the limit, and its return made the broker drop (or dead-letter) it.
   */
  atRisk?: { seq: number; deliveryCount: number; risk: Exclude<TakenRisk, 'ok'> }[];
}

export function checkCount(count: number): number {
  const n = Math.floor(count);
  if (!Number.isFinite(n) || n < 1)
    throw new BrokerError(`Peek count must be at least 1 (got ${count})`, 'amqp', 'INVALID_ARGUMENT');
  return Math.min(n, MAX_PEEK);
}
