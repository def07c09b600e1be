/**
 * Copying messages out of a stream queue to a queue or an exchange (the pure part is
 * core/streamCopy.ts).
 *
 * A stream is not taken from the head like a queue (moveMessages.ts): it is read from an offset
 * and reading removes nothing. So a copy from a stream holds nothing and gives nothing back, has
 * no size limit, and cannot leave a duplicate in the source or lose a message of it. The run:
 *   1. finds the stream's last offset when it starts (a consumer at 'last' reads the last chunk):
 *      the copy never goes past it, so a stream that keeps growing does not keep it running;
 *   2. a consumer (prefetch = the batch, x-stream-offset = the chosen start, manual acks) reads
 *      the messages in order; each is published to the target as it arrives, exactly as it was
 *      written (properties and typed headers, see typedFrames.ts; the x-stream-offset header the
 *      broker adds on delivery is dropped), with publisher confirms;
 *   3. each message is acknowledged on the stream once its confirm came back: on a stream an ack
 *      only gives the consumer credit, so at most `batch` messages are ever in flight.
 * When a connection fails the run stops at once: the confirmed messages are in the target, the ones
 * in flight may or may not be (reported as possible duplicates for a re-run from `resumeOffset`).
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { toPublishOptions } from './publish';
import { streamOffsetArgument, type StreamOffset } from './peekStream';
import type { MoveProgress, MoveResult } from './moveMessages';
import { captureProperties } from '../core/message';
import {
  DEFAULT_MOVE_BATCH,
  MoveLedger,
  describeTarget,
  ratePerSecond,
  type MoveEnd,
  type MoveTarget,
} from '../core/messageMove';
import {
  describeStreamCopyResult,
  planStreamCopy,
  resumeOffset,
  streamOffsetOf,
  withoutStreamOffset,
  type StreamCopyStart,
} from '../core/streamCopy';

export interface StreamCopyOptions {
  start: StreamCopyStart;
  /** How many messages; 'all' = every message up to the stream's last offset when the run starts. */
  count: number | 'all';
  /** Messages in flight at most (the consumer's prefetch). Default DEFAULT_MOVE_BATCH. */
  batch?: number;
  signal?: AbortSignal;
  /** About every 100 ms and once at the end. */
  onProgress?: (p: MoveProgress) => void;
  /** With publishes outstanding, the longest wait for a confirm before the connection is taken for dead. Default 30 s. */
  confirmTimeoutMs?: number;
  /** With nothing in flight, how long without a delivery before the run ends (messages removed by retention meanwhile, a time past the end). Default 3 s. */
  idleMs?: number;
  /** Tests: called once `n` messages were taken (e.g. to inject a fault). */
  onTaken?: (n: number) => void;
}

export interface StreamCopyResult extends MoveResult {
  /** The offsets of the first and last message read. */
  firstOffset?: number;
  lastOffset?: number;
  /** Where a re-run would start to copy what did not certainly reach the target. */
  resumeOffset?: number;
  /** The stream's last offset when the run started (undefined: it was empty). */
  endOffset?: number;
}

const PROGRESS_MS = 100;
const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
const DEFAULT_IDLE_MS = 3000;

/**
 * The stream's last offset now (undefined: the stream is empty), read with a consumer at 'last'
 * (which starts at the last chunk written): the highest x-stream-offset delivered within a moment.
 */
export async function streamLastOffset(
  mgr: AmqpConnectionManager,
  vhost: string,
  stream: string,
): Promise<number | undefined> {
  return mgr.withChannel(vhost, async (ch) => {
    await ch.prefetch(1000);
    let max: number | undefined;
    let tag: string | undefined;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      let idle: NodeJS.Timeout | undefined;
      let firstAt: number | undefined;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        if (idle) clearTimeout(idle);
        if (err !== undefined) reject(err);
        else resolve();
      };
      // No delivery within 1.5 s: empty. After the first: 200 ms of quiet, or 2 s in all.
      const arm = (ms: number) => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => finish(), ms);
      };
      ch.consume(
        stream,
        (m) => {
          if (m === null)
            return finish(
              new BrokerError(
                `The broker cancelled the consumer on '${stream}' (was it deleted?)`,
                'amqp',
                'CONSUMER_CANCELLED',
              ),
            );
          ch.ack(m);
          if (done) return;
          const off = streamOffsetOf(m.properties.headers as Record<string, unknown> | undefined);
          if (off !== undefined) max = Math.max(max ?? off, off);
          const now = performance.now();
          firstAt ??= now;
          if (now - firstAt > 2000) finish();
          else arm(200);
        },
        { noAck: false, arguments: { 'x-stream-offset': 'last' } },
      ).then(
        (ok) => {
          tag = ok.consumerTag;
          if (firstAt === undefined) arm(1500);
        },
        (err: unknown) => finish(err),
      );
    });
    if (tag !== undefined) await ch.cancel(tag);
    return max;
  });
}

function toStreamOffset(from: ReturnType<typeof planStreamCopy>['from']): StreamOffset {
  if (from === 'first') return 'first';
  return from;
}

/**
 * Copies messages from stream `stream` to `target`. Rejects with a BrokerError only before any
 * message was read (missing stream or target, the stream as its own target, an invalid start);
 * after that it resolves with the counts, whatever happened (end 'fault' with the error).
 */
export async function copyFromStream(
  mgr: AmqpConnectionManager,
  vhost: string,
  stream: string,
  target: MoveTarget,
  opts: StreamCopyOptions,
): Promise<StreamCopyResult> {
  if (target.exchange === '' && target.routingKey === stream)
    throw new BrokerError(`The source and the target are the same stream ('${stream}')`, 'amqp', 'MOVE_REFUSED');
  const batch = Math.max(1, Math.floor(opts.batch ?? DEFAULT_MOVE_BATCH));
  const confirmTimeoutMs = opts.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;

  await mgr
    .withChannel(vhost, (ch) => ch.checkQueue(stream))
    .catch((err: unknown) => {
      throw toBrokerError(err, { what: `Check stream '${stream}'` });
    });
  await mgr
    .withChannel(vhost, (ch) =>
      target.exchange === '' ? ch.checkQueue(target.routingKey) : ch.checkExchange(target.exchange),
    )
    .catch((err: unknown) => {
      throw toBrokerError(err, { what: `Check target ${describeTarget(target)}` });
    });
  const endOffset = await streamLastOffset(mgr, vhost, stream);
  const plan = planStreamCopy(opts.start, opts.count, endOffset);
  const offsetArg = streamOffsetArgument(toStreamOffset(plan.from)); // throws on an invalid start

  const ledger = new MoveLedger('copy');
  /** The stream offset of each message taken, by its index in the run. */
  const offsets: number[] = [];
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let total = plan.limit ?? 0;
  const progress = (): MoveProgress => {
    const counts = ledger.result();
    const ms = elapsed();
    return { counts, total, elapsedMs: ms, ratePerSecond: ratePerSecond(counts.done, ms) };
  };
  let lastReport = 0;
  const report = (force = false) => {
    if (!opts.onProgress) return;
    const now = performance.now();
    if (!force && now - lastReport < PROGRESS_MS) return;
    lastReport = now;
    opts.onProgress(progress());
  };
  const finishResult = (end: MoveEnd, reason?: string, error?: BrokerError): StreamCopyResult => {
    const counts = ledger.result();
    const ms = elapsed();
    const resume = resumeOffset(offsets, (i) => ledger.state(i) === 'settled');
    const first = offsets.length > 0 ? offsets[0] : undefined;
    const last = offsets.length > 0 ? offsets[offsets.length - 1] : undefined;
    report(true);
    return {
      mode: 'copy',
      end,
      counts,
      total: Math.max(total, counts.taken),
      elapsedMs: ms,
      ...(reason ? { reason } : {}),
      ...(error ? { error } : {}),
      atRisk: 0,
      summary: describeStreamCopyResult(counts, end, stream, target, ms, { first, last, resume }, reason),
      ...(first !== undefined ? { firstOffset: first } : {}),
      ...(last !== undefined ? { lastOffset: last } : {}),
      ...(resume !== undefined ? { resumeOffset: resume } : {}),
      ...(endOffset !== undefined ? { endOffset } : {}),
    };
  };
  if (plan.nothing) return finishResult('done', plan.nothing);
  const lastOffset = plan.lastOffset as number;

  const src = await mgr.openChannel(vhost);
  let pub: amqp.ConfirmChannel;
  try {
    pub = await mgr.openChannel(vhost, { confirm: true });
  } catch (err) {
    void mgr.closeChannel(src);
    throw err;
  }

  // ----- faults: either channel closing, or no confirm for confirmTimeoutMs -----------------------
  let fault: BrokerError | undefined;
  let wakeFault: (() => void) | undefined;
  const faulted = new Promise<never>((_, reject) => {
    wakeFault = () => reject(fault);
  });
  faulted.catch(() => undefined);
  const setFault = (err: BrokerError) => {
    if (fault) return;
    fault = err;
    wakeFault?.();
  };
  let srcClosed = false;
  let pubClosed = false;
  let srcError: unknown;
  let pubError: unknown;
  src.on('error', (e: unknown) => (srcError = e));
  pub.on('error', (e: unknown) => (pubError = e));
  src.on('close', () => {
    srcClosed = true;
    setFault(
      toBrokerError(
        srcError ??
          new BrokerError(`The channel reading '${stream}' closed (connection lost?)`, 'amqp', 'CONNECTION_LOST'),
      ),
    );
  });
  pub.on('close', () => {
    pubClosed = true;
    setFault(
      toBrokerError(
        pubError ??
          new BrokerError(
            `The channel publishing to ${describeTarget(target)} closed (connection lost?)`,
            'amqp',
            'CONNECTION_LOST',
          ),
      ),
    );
  });
  const guard = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return Promise.race([p, faulted]);
  };

  // ----- publishing ------------------------------------------------------------------------------
  const inFlight = new Map<number, { msg: amqp.ConsumeMessage; messageId?: string }>();
  /** Returned as unroutable (or possibly, when a return matched several messages): not counted as copied. */
  const returnedIdx = new Set<number>();
  let refused: string | undefined;
  let lastConfirm = performance.now();
  let settleWaiter: (() => void) | undefined;
  const checkSettled = () => {
    if (inFlight.size === 0 && settleWaiter) {
      const w = settleWaiter;
      settleWaiter = undefined;
      w();
    }
  };
  pub.on('return', (m: amqp.Message) => {
    // An unroutable message comes back before its confirm: find it among those in flight (the same
    // body, and message id when several match). Every candidate counts as not copied.
    const f = m.fields as unknown as { replyText?: string };
    let candidates = [...inFlight].filter(([idx, x]) => !returnedIdx.has(idx) && x.msg.content.equals(m.content));
    const id = (m.properties as { messageId?: string }).messageId;
    if (candidates.length > 1) {
      const byId = candidates.filter(([, x]) => x.messageId === id);
      if (byId.length > 0) candidates = byId;
    }
    for (const [idx] of candidates) returnedIdx.add(idx);
    refused ??= `${describeTarget(target)} could not route a message (${f.replyText ?? 'NO_ROUTE'}): the run stopped.`;
  });
  const watchdog = setInterval(() => {
    if (inFlight.size > 0 && performance.now() - lastConfirm > confirmTimeoutMs && !fault) {
      mgr.tearDown(pub, `no publisher confirm within ${confirmTimeoutMs / 1000} s`);
      setFault(
        new BrokerError(
          `No publisher confirm within ${confirmTimeoutMs / 1000} s (connection lost or stalled?)`,
          'amqp',
          'CONFIRM_TIMEOUT',
        ),
      );
    }
  }, 1000);

  const publishOne = (idx: number, m: amqp.ConsumeMessage) => {
    let options: amqp.Options.Publish;
    try {
      options = toPublishOptions(withoutStreamOffset(captureProperties(m.properties)), true);
    } catch (err) {
      ledger.failed(idx);
      refused ??= `A message cannot be published again: ${err instanceof Error ? err.message : String(err)}. The run stopped.`;
      return;
    }
    const messageId = (m.properties as { messageId?: string }).messageId;
    inFlight.set(idx, { msg: m, ...(messageId !== undefined ? { messageId } : {}) });
    ledger.sent(idx);
    lastConfirm = performance.now();
    try {
      pub.publish(target.exchange, target.routingKey, m.content, options, (err) => {
        if (!inFlight.delete(idx)) return;
        lastConfirm = performance.now();
        // A confirm that arrives after a fault is still true: the message is in the target.
        if ((err === null || err === undefined) && !returnedIdx.has(idx)) ledger.confirmed(idx);
        else if (fault)
          return; // the others stay in flight (possible duplicates)
        else if (err instanceof Error && err.message === 'message nacked') {
          ledger.failed(idx);
          refused ??= `The broker refused (nacked) a message published to ${describeTarget(target)}: the run stopped.`;
        } else if (err === null || err === undefined) ledger.failed(idx); // returned as unroutable
        // On a stream an ack is only credit for the consumer: the next message may come.
        if (!srcClosed && !fault) src.ack(m);
        checkSettled();
        report();
      });
    } catch (err) {
      inFlight.delete(idx);
      if (!fault && !pubClosed) {
        ledger.failed(idx);
        refused ??= `Publishing failed: ${err instanceof Error ? err.message : String(err)}. The run stopped.`;
      }
    }
  };

  // ----- reading ---------------------------------------------------------------------------------
  const aborted = () => opts.signal?.aborted === true;
  let reachedEnd = false;
  let idledOut = false;
  let consumerTag: string | undefined;
  let end: MoveEnd = 'done';
  let reason: string | undefined;
  try {
    await guard(mgr.deadline(src, src.prefetch(batch), `Copy from '${stream}': basic.qos`));
    await guard(
      new Promise<void>((resolve, reject) => {
        let finished = false;
        let lastDelivery = performance.now();
        let idle: NodeJS.Timeout | undefined;
        const finish = (err?: unknown) => {
          if (finished) return;
          finished = true;
          if (idle) clearTimeout(idle);
          opts.signal?.removeEventListener('abort', onAbort);
          if (err !== undefined) reject(err);
          else resolve();
        };
        const onAbort = () => finish();
        if (aborted()) return finish();
        opts.signal?.addEventListener('abort', onAbort);
        const armIdle = () => {
          if (finished) return;
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => {
            if (inFlight.size === 0 && performance.now() - lastDelivery >= idleMs) {
              idledOut = true;
              finish();
            } else armIdle();
          }, idleMs);
        };
        src
          .consume(
            stream,
            (m) => {
              if (m === null)
                return finish(
                  new BrokerError(
                    `The broker cancelled Burrow's consumer on '${stream}' (was the stream deleted?)`,
                    'amqp',
                    'CONSUMER_CANCELLED',
                  ),
                );
              if (finished) return; // read after the end: not taken (the stream keeps it anyway)
              lastDelivery = performance.now();
              const off =
                streamOffsetOf(m.properties.headers as Record<string, unknown> | undefined) ??
                (offsets.length > 0 ? offsets[offsets.length - 1] + 1 : 0);
              if (off > lastOffset) {
                reachedEnd = true;
                return finish();
              }
              const idx = ledger.take();
              offsets.push(off);
              if (idx === 0) total = Math.min(plan.limit ?? Number.POSITIVE_INFINITY, lastOffset - off + 1);
              if (!refused) publishOne(idx, m);
              opts.onTaken?.(ledger.size);
              report();
              if (off >= lastOffset || (plan.limit !== undefined && ledger.size >= plan.limit)) {
                reachedEnd = true;
                finish();
              } else if (refused) finish();
            },
            { noAck: false, arguments: { 'x-stream-offset': offsetArg } },
          )
          .then(
            (ok) => {
              consumerTag = ok.consumerTag;
              armIdle();
            },
            (err: unknown) => finish(err),
          );
      }),
    );
    if (consumerTag !== undefined)
      await guard(mgr.deadline(src, src.cancel(consumerTag), `Copy from '${stream}': basic.cancel`));
    await guard(
      new Promise<void>((resolve) => {
        settleWaiter = resolve;
        checkSettled();
      }),
    );
    if (refused) {
      end = 'stopped';
      reason = refused;
    } else if (aborted() && !reachedEnd) end = 'cancelled';
    else if (idledOut && !reachedEnd && ledger.size < total)
      reason = `No more messages came for ${idleMs / 1000} s before the stream's last offset (${lastOffset}) was reached (removed by retention meanwhile?).`;
  } catch (err) {
    if (!fault) setFault(toBrokerError(err));
  } finally {
    clearInterval(watchdog);
  }
  if (fault) {
    end = 'fault';
    reason = `The run stopped: ${fault.message}.`;
  }
  for (const [ch, closed] of [
    [src, srcClosed],
    [pub, pubClosed],
  ] as const)
    if (!closed) {
      if (fault) void mgr.closeChannel(ch);
      else await mgr.closeChannel(ch);
    }
  return finishResult(end, reason, end === 'fault' ? fault : undefined);
}
