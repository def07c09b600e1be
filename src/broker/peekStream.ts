/**
 * Reading a stream queue without changing it: a consumer with an `x-stream-offset`, cancelled once
 * enough messages arrived (or after a short idle time). Reading a stream never removes anything,
 * so none of peek.ts's delivery-limit care is needed here.
 */
import type { AmqpConnectionManager } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { captureMessage, type CapturedMessage } from '../core/message';
import { checkCount, type PeekResult } from './peekResult';

/** Where to start reading a stream: a named position, an absolute offset, or a point in time (Date or epoch milliseconds). */
export type StreamOffset = 'first' | 'last' | 'next' | number | { offset: number } | { timestamp: Date | number };

/** The x-stream-offset consumer argument for an offset. */
export function streamOffsetArgument(offset: StreamOffset): unknown {
  if (offset === 'first' || offset === 'last' || offset === 'next') return offset;
  if (typeof offset === 'number') return checkOffset(offset);
  if ('offset' in offset) return checkOffset(offset.offset);
  const ms = offset.timestamp instanceof Date ? offset.timestamp.getTime() : offset.timestamp;
  if (!Number.isFinite(ms)) throw new BrokerError('Invalid stream timestamp', 'amqp', 'INVALID_ARGUMENT');
  return { '!': 'timestamp', value: Math.floor(ms / 1000) };
}

function checkOffset(n: number): unknown {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new BrokerError(`Invalid stream offset ${n}: expected a whole number ≥ 0`, 'amqp', 'INVALID_ARGUMENT');
  return { '!': 'long', value: n };
}

export interface PeekStreamOptions {
  /** Stop when no message arrived for this long. Default 1500 ms. */
  idleMs?: number;
  /** Overall limit. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Reads up to `count` messages of a stream queue from `offset` with a short-lived consumer.
 * Note that 'last' starts at the last chunk written (which may hold several messages) and
 * 'next' only sees messages published while the consumer is active.
 */
export async function peekStream(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  count: number,
  offset: StreamOffset,
  opts: PeekStreamOptions = {},
): Promise<PeekResult> {
  const wanted = checkCount(count);
  const idleMs = opts.idleMs ?? 1500;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const offsetArg = streamOffsetArgument(offset);
  return mgr.withChannel(vhost, async (ch) => {
    // Streams need a prefetch. It covers every wanted message, so nothing needs acking (on a
    // stream acks are only credit). A non-stream queue refuses x-stream-offset (406), and
    // would requeue unacked messages on close anyway: a wrong queueType never consumes.
    await ch.prefetch(wanted);
    const messages: CapturedMessage[] = [];
    let consumerTag: string | undefined;
    let channelError: unknown;
    ch.on('error', (err: unknown) => {
      channelError = err;
    });
    await new Promise<void>((resolve, reject) => {
      let done = false;
      let idle: NodeJS.Timeout | undefined;
      const overall = setTimeout(() => finish(), timeoutMs);
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(overall);
        if (idle) clearTimeout(idle);
        ch.removeListener('close', onClose);
        if (err !== undefined) reject(err);
        else resolve();
      };
      const armIdle = () => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => finish(), idleMs);
      };
      const onClose = () =>
        finish(
          channelError ?? new BrokerError('The channel closed while reading the stream', 'amqp', 'CHANNEL_CLOSED'),
        );
      ch.on('close', onClose);
      ch.consume(
        queue,
        (m) => {
          if (m === null)
            return finish(
              new BrokerError(
                `The broker cancelled the consumer on '${queue}' (was the queue deleted?)`,
                'amqp',
                'CONSUMER_CANCELLED',
              ),
            );
          if (done) return;
          if (messages.length < wanted) messages.push(captureMessage(m, messages.length + 1, Date.now()));
          if (messages.length >= wanted) finish();
          else armIdle();
        },
        { noAck: false, arguments: { 'x-stream-offset': offsetArg } },
      ).then(
        (ok) => {
          consumerTag = ok.consumerTag;
          if (!done) armIdle();
        },
        (err: unknown) => finish(err),
      );
    });
    if (consumerTag !== undefined) {
      try {
        await ch.cancel(consumerTag);
      } catch (err) {
        throw toBrokerError(channelError ?? err);
      }
    }
    const where = typeof offset === 'string' ? `from '${offset}'` : 'from the requested offset';
    return {
      messages,
      note: `Read ${messages.length} message${messages.length === 1 ? '' : 's'} ${where}; reading a stream does not remove or change anything`,
    };
  });
}
