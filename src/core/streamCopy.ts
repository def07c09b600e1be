/**
 * Copying messages out of a stream: the pure part (where to start, where to stop, what to report).
 * The network part is src/broker/streamCopy.ts.
 *
 * A stream is read from an offset and reading removes nothing, so a copy from a stream can neither
 * lose a message of the source nor leave a duplicate in it: the only question is which messages
 * reached the target. Every message is published with publisher confirms; when the connection
 * fails, the confirmed ones are in the target and the ones in flight (published, no confirm) may
 * or may not be: copying again from the resume offset would then duplicate those in the target.
 */
import type { MessageProperties } from './message';
import type { MoveCounts, MoveEnd, MoveTarget } from './messageMove';
import { describeTarget, ratePerSecond } from './messageMove';

/** The header RabbitMQ adds to every message delivered from a stream (its offset); not part of the message. */
export const STREAM_OFFSET_HEADER = 'x-stream-offset';

/** Where a copy from a stream starts. */
export type StreamCopyStart =
  | { kind: 'first' }
  /** The last `count` messages written before the run started. */
  | { kind: 'last'; count: number }
  /** An absolute offset (the broker starts at the stream's first offset if this one was truncated away). */
  | { kind: 'offset'; offset: number }
  /** The first chunk written at or after this time (epoch milliseconds; the broker's granularity is the chunk). */
  | { kind: 'timestamp'; ms: number };

/**
 * The properties to publish a message delivered from a stream with: as received, without the
 * x-stream-offset header the broker added on delivery (no header table when that was its only
 * entry; amqplib sends an empty one anyway).
 */
export function withoutStreamOffset(p: MessageProperties): MessageProperties {
  if (!p.headers || !(STREAM_OFFSET_HEADER in p.headers)) return p;
  const { [STREAM_OFFSET_HEADER]: _dropped, ...rest } = p.headers;
  const out: MessageProperties = { ...p };
  if (Object.keys(rest).length === 0) delete out.headers;
  else out.headers = rest;
  return out;
}

/** The offset of a delivered stream message (its x-stream-offset header), undefined when missing. */
export function streamOffsetOf(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.[STREAM_OFFSET_HEADER];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'value' in v) {
    const n = Number((v as { value: unknown }).value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

export interface StreamCopyPlan {
  /** Where the consumer starts: a named position, an absolute offset, or a time. */
  from: 'first' | { offset: number } | { timestamp: number };
  /** The most messages to copy (undefined: every message up to lastOffset). */
  limit?: number;
  /** The last offset to copy: the stream's last offset when the run starts (undefined: the stream is empty). */
  lastOffset?: number;
  /** Nothing to copy (empty stream, an offset past the end): why, for people. */
  nothing?: string;
}

/**
 * What to read: from `start`, at most `count` messages ('all': every message written before the
 * run started), never past `lastOffset` (the stream's last offset when the run starts, undefined
 * for an empty stream), so a stream that keeps growing does not keep the copy running.
 */
export function planStreamCopy(
  start: StreamCopyStart,
  count: number | 'all',
  lastOffset: number | undefined,
): StreamCopyPlan {
  const limit = count === 'all' ? undefined : Math.max(0, Math.floor(count));
  if (lastOffset === undefined) return { from: 'first', limit, nothing: 'The stream is empty.' };
  if (limit === 0) return { from: 'first', limit, lastOffset, nothing: 'Nothing to copy (a count of 0).' };
  switch (start.kind) {
    case 'first':
      return { from: 'first', limit, lastOffset };
    case 'last': {
      const n = Math.max(1, Math.floor(start.count));
      const take = limit === undefined ? n : Math.min(n, limit);
      return { from: { offset: Math.max(0, lastOffset - n + 1) }, limit: take, lastOffset };
    }
    case 'offset':
      if (start.offset > lastOffset)
        return {
          from: { offset: start.offset },
          limit,
          lastOffset,
          nothing: `Offset ${start.offset.toLocaleString('en-US')} is past the stream's last offset (${lastOffset.toLocaleString('en-US')}).`,
        };
      return { from: { offset: start.offset }, limit, lastOffset };
    case 'timestamp':
      return { from: { timestamp: start.ms }, limit, lastOffset };
  }
}

/**
 * The first offset a re-run should start from to copy what did not certainly reach the target:
 * the offset of the first message (in the order read) that was not confirmed, or the one after
 * the last message read when every one was (undefined when nothing was read).
 */
export function resumeOffset(offsets: readonly number[], confirmed: (idx: number) => boolean): number | undefined {
  if (offsets.length === 0) return undefined;
  for (let i = 0; i < offsets.length; i++) if (!confirmed(i)) return offsets[i];
  return offsets[offsets.length - 1] + 1;
}

/** How a start reads for people. */
export function describeStreamStart(start: StreamCopyStart): string {
  switch (start.kind) {
    case 'first':
      return 'from the first message';
    case 'last':
      return `the last ${start.count.toLocaleString('en-US')}`;
    case 'offset':
      return `from offset ${start.offset.toLocaleString('en-US')}`;
    case 'timestamp':
      return `from ${new Date(start.ms).toISOString()}`;
  }
}

/**
 * A start typed by a user: "first", "last 100", an offset ("offset 1234" or just "1234"), or a time
 * ("2026-12-04T10:00:00Z", anything Date.parse reads). undefined: not understood.
 */
export function parseStreamStart(text: string): StreamCopyStart | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'first' || lower === '') return { kind: 'first' };
  const last = /^last\s+([\d_,]+)$/.exec(lower);
  if (last) {
    const n = Number(last[1].replace(/[_,]/g, ''));
    return Number.isSafeInteger(n) && n > 0 ? { kind: 'last', count: n } : undefined;
  }
  const off = /^(?:offset\s+)?([\d_,]+)$/.exec(lower);
  if (off) {
    const n = Number(off[1].replace(/[_,]/g, ''));
    return Number.isSafeInteger(n) && n >= 0 ? { kind: 'offset', offset: n } : undefined;
  }
  if (!/\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? { kind: 'timestamp', ms } : undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One line for the notification and the log: what reached the target, and where a re-run would start. */
export function describeStreamCopyResult(
  counts: MoveCounts,
  end: MoveEnd,
  stream: string,
  target: MoveTarget,
  elapsedMs: number,
  offsets: { first?: number; last?: number; resume?: number },
  reason?: string,
): string {
  const range =
    offsets.first !== undefined && offsets.last !== undefined && counts.taken > 0
      ? offsets.first === offsets.last
        ? `offset ${offsets.first}`
        : `offsets ${offsets.first}–${offsets.last}`
      : undefined;
  const info = [
    range,
    elapsedMs > 0 && counts.done > 0 ? `${Math.round(ratePerSecond(counts.done, elapsedMs))} msg/s` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const parts = [
    `Copied ${plural(counts.done, 'message')} from stream '${stream}' to ${describeTarget(target)}` +
      (info ? ` (${info})` : ''),
  ];
  if (end === 'cancelled') parts.push('cancelled');
  if (counts.possibleDuplicates > 0)
    parts.push(
      `${plural(counts.possibleDuplicates, 'message')} in flight when the connection failed (published without a confirm: each may or may not be in the target; copying again from offset ${offsets.resume ?? '?'} would duplicate those that are)`,
    );
  if (counts.returned > 0) parts.push(`${plural(counts.returned, 'message')} read but not copied`);
  if (end !== 'done' && offsets.resume !== undefined && counts.possibleDuplicates === 0)
    parts.push(`to go on, copy from offset ${offsets.resume}`);
  parts.push('the stream is unchanged');
  let text = parts.join('; ') + '.';
  if (reason) text += ` ${reason}`;
  return text;
}
