/**
 * Searching a queue for messages, with the tail filter's match (core/messageFilter.ts: routing key,
 * exchange, header names and values, the first 64 KB of the body; case-insensitive).
 *
 * Classic and quorum queues: the scan is a copy with no target (moveMessages, mode 'copy', every
 * message skipped): it takes messages from the head in batches, holds them all (nothing is
 * acknowledged) and gives them back in place when it ends, so it has the guarantees of a peek and
 * a copy: nothing lost or reordered, and on a quorum queue with a delivery limit it takes messages
 * in steps and stops before one would run out of returns (and says so). Each scan counts as one
 * delivery of every message it looked at on a quorum queue. Matches are reported as they are found.
 *
 * Streams: read from an offset (peekStream), which removes nothing; at most MAX_PEEK messages.
 */
import type { AmqpConnectionManager } from './amqp';
import { moveMessages } from './moveMessages';
import { peekStream, type StreamOffset } from './peekStream';
import { MAX_PEEK } from './peekResult';
import { createFilter } from '../core/messageFilter';
import type { CapturedMessage } from '../core/message';
import type { MoveEnd } from '../core/messageMove';

export interface SearchOptions {
  /** How many messages to look at, at most. */
  max: number;
  queueType?: string;
  deliveryLimit?: number | null;
  /** Streams: where to start (default 'first'). */
  offset?: StreamOffset;
  signal?: AbortSignal;
  /** Each match as it is found; `position` is 1-based from the head (or from the offset). */
  onMatch?: (m: CapturedMessage, position: number) => void;
  onProgress?: (scanned: number, total: number) => void;
}

export interface SearchResult {
  scanned: number;
  matches: number;
  end: MoveEnd;
  /** Why the scan stopped early (delivery limit, fault), for people. */
  reason?: string;
}

export async function searchQueue(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  text: string,
  opts: SearchOptions,
): Promise<SearchResult> {
  const match = createFilter(text);
  let matches = 0;
  if (opts.queueType === 'stream') {
    const r = await peekStream(mgr, vhost, queue, Math.min(opts.max, MAX_PEEK), opts.offset ?? 'first');
    r.messages.forEach((m, i) => {
      if (!match(m)) return;
      matches++;
      opts.onMatch?.(m, i + 1);
    });
    opts.onProgress?.(r.messages.length, r.messages.length);
    return { scanned: r.messages.length, matches, end: 'done' };
  }
  const r = await moveMessages(
    mgr,
    vhost,
    queue,
    { exchange: '', routingKey: '' },
    {
      mode: 'copy',
      count: opts.max,
      queueType: opts.queueType,
      deliveryLimit: opts.deliveryLimit,
      ...(opts.signal ? { signal: opts.signal } : {}),
      route: (m) => {
        if (match(m)) {
          matches++;
          // The body is a view of amqplib's buffer: keep a copy for the caller.
          opts.onMatch?.({ ...m, body: m.body.slice() }, m.seq);
        }
        return undefined;
      },
      onProgress: (p) => opts.onProgress?.(p.counts.taken, p.total),
    },
  );
  return {
    scanned: r.counts.taken,
    matches,
    end: r.end,
    ...(r.end === 'fault' || r.end === 'stopped' ? { reason: r.reason } : {}),
  };
}
