/**
 * Looking at messages without consuming them.
 *
 * Classic / quorum queues: a consumer (manual acks) on a dedicated channel with a prefetch of
 * exactly the number wanted, so the broker pushes the head of the queue in one go (amqplib sends
 * one basic.get at a time per channel, so 100 gets cost 100 round trips). Nothing is acked; the
 * consumer is cancelled and the channel closed, which makes the broker requeue every delivered
 * message at its original position, marked redelivered.
 *
 * Why not nack(requeue): measured on RabbitMQ 3.10.8, a quorum queue puts nacked-and-requeued
 * messages at the BACK of the queue (peeking 3 of 10 twice gave 1,2,3 then 4,5,6 and left the
 * queue as 4..10,1,2,3), whereas messages returned by a channel close keep their place (on
 * classic queues both keep the order).
 *
 * The requeue on close is asynchronous on quorum queues: measured on 3.10.8, a queue.declare
 * straight after close-ok showed fewer ready messages than before in 5 of 200 peeks (it would
 * also make an immediate second peek come back empty). So, unless the caller says the queue is
 * classic (whose requeue is done before close-ok), and when the queue had no other consumers,
 * peekMessages waits (at most RESTORE_WAIT_MS) until the depth is back before it returns; with
 * other consumers the depth can't be expected back, so it doesn't wait.
 *
 * Streams: a consumer with an `x-stream-offset`, cancelled once enough messages arrived (or after
 * a short idle time). Reading a stream never removes anything.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { captureMessage, type CapturedMessage } from '../core/message';

export interface PeekResult {
  messages: CapturedMessage[];
  /** Ready messages in the queue before peeking (from queue.declare passive). */
  queueDepthBefore?: number;
  note: string;
}

export const PEEK_NOTE = 'Peeked messages are requeued and come back marked redelivered';
export const MAX_PEEK = 10_000;
/**
 * How long to wait for the next delivery before deciding the queue had fewer messages than its
 * depth said (other consumers may take some meanwhile).
 */
const PEEK_IDLE_MS = 300;
/** How long to wait for the broker to put peeked messages back (see the header comment). */
export const RESTORE_WAIT_MS = 2000;

function checkCount(count: number): number {
  const n = Math.floor(count);
  if (!Number.isFinite(n) || n < 1) throw new BrokerError(`Peek count must be at least 1 (got ${count})`, 'amqp', 'INVALID_ARGUMENT');
  return Math.min(n, MAX_PEEK);
}

/**
 * Fetches up to `count` messages from the head of a queue and requeues them all.
 * Missing queue → BrokerError code 404 (the connection stays open).
 * With queueType 'stream' this reads the stream from its first message instead (see peekStream).
 */
export async function peekMessages(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  count: number,
  opts: { queueType?: string } = {},
): Promise<PeekResult> {
  if (opts.queueType === 'stream') return peekStream(mgr, vhost, queue, count, 'first');
  const wanted = checkCount(count);
  const peek = await mgr.withChannel(vhost, async (ch) => {
    const ok = await ch.checkQueue(queue);
    const target = Math.min(wanted, ok.messageCount);
    const raw = target > 0 ? await consumeHead(ch, queue, target) : [];
    const messages: CapturedMessage[] = [];
    const now = Date.now();
    for (let i = 0; i < raw.length; i++) messages.push(captureMessage(raw[i], i + 1, now));
    let note = PEEK_NOTE;
    if (opts.queueType === 'quorum') note += '; on a quorum queue each peek also counts towards its delivery limit, if one is set';
    return { messages, queueDepthBefore: ok.messageCount, note, otherConsumers: ok.consumerCount };
  });
  const { otherConsumers, ...result } = peek;
  // withChannel has closed the channel: the broker requeues. A classic queue does so before
  // close-ok (100 of 100 back on the first check), so only other or unknown types wait; with
  // other consumers the depth isn't expected back.
  if (result.messages.length > 0 && otherConsumers === 0 && opts.queueType !== 'classic') {
    const depth = result.queueDepthBefore;
    // The peek itself succeeded: a failing check (queue deleted meanwhile) only ends the wait.
    const back = await mgr.withChannel(vhost, (ch) => waitForDepth(ch, queue, depth, RESTORE_WAIT_MS)).catch(() => true);
    if (!back) result.note += `; the broker had not put all of them back after ${RESTORE_WAIT_MS / 1000} s`;
  }
  return result;
}

/**
 * Takes up to `target` messages from the head with a manual-ack consumer and a prefetch of
 * `target`. Nothing is acked or nacked: the caller's withChannel closes the channel (and waits
 * for close-ok), which cancels the consumer, and the broker requeues every message in place.
 */
function consumeHead(ch: amqp.Channel, queue: string, target: number): Promise<amqp.ConsumeMessage[]> {
  const raw: amqp.ConsumeMessage[] = [];
  return ch.prefetch(target).then(
    () =>
      new Promise((resolve, reject) => {
        let idle: NodeJS.Timeout | undefined;
        let finished = false;
        const done = () => {
          finished = true;
          if (idle) clearTimeout(idle);
          resolve(raw);
        };
        const armIdle = () => {
          if (finished) return;
          if (idle) clearTimeout(idle);
          idle = setTimeout(done, PEEK_IDLE_MS);
        };
        ch.consume(
          queue,
          (m) => {
            if (m === null) return done(); // consumer cancelled by the broker (queue deleted)
            if (raw.length < target) raw.push(m);
            if (raw.length >= target) done();
            else armIdle();
          },
          { noAck: false, exclusive: false },
        ).then(armIdle, reject);
      }),
  );
}

/** Polls the ready count until it reaches `depth`; false when `timeoutMs` passed first. */
async function waitForDepth(ch: amqp.Channel, queue: string, depth: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    if ((await ch.checkQueue(queue)).messageCount >= depth) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pause));
  }
}

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
  if (!Number.isSafeInteger(n) || n < 0) throw new BrokerError(`Invalid stream offset ${n}: expected a whole number ≥ 0`, 'amqp', 'INVALID_ARGUMENT');
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
      const onClose = () => finish(channelError ?? new BrokerError('The channel closed while reading the stream', 'amqp', 'CHANNEL_CLOSED'));
      ch.on('close', onClose);
      ch.consume(
        queue,
        (m) => {
          if (m === null) return finish(new BrokerError(`The broker cancelled the consumer on '${queue}' (was the queue deleted?)`, 'amqp', 'CONSUMER_CANCELLED'));
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
