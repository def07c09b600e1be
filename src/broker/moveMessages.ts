/**
 * Moving and copying messages from a queue to another queue or to an exchange, without loss.
 *
 * Two channels: a consumer channel on the vhost's 'read' connection (manual acks) and a confirm
 * channel on its 'publish' connection. The run goes in batches:
 *   1. a consumer with a prefetch of the batch size takes up to that many messages from the head
 *      (each is published to the target, exactly as received — properties and typed headers, see
 *      typedFrames.ts — as soon as it arrives) and is cancelled once the batch is in (or the queue
 *      ran dry), so the broker sends no more than the batch;
 *   2. the batch's publisher confirms are awaited;
 *   3. move: each confirmed message is acknowledged on the source, then a round trip on the
 *      consumer channel (queue.declare passive) proves the acks were processed (a channel's
 *      frames are handled in order); copy: nothing is acknowledged, the messages stay with the
 *      consumer channel until the run ends, and closing that channel puts them all back in place.
 * A message is never acknowledged before its confirm, so none is lost. When a connection fails
 * the run stops at once, and the accounting (core/messageMove.ts MoveLedger) says which messages
 * may now be in both queues: they are reported as possible duplicates.
 *
 * A copy cannot give a message back one by one (basic.nack with requeue puts it back at the head
 * of a classic queue, where the copy's consumer would take it again, and at the back of a quorum
 * queue): it holds every copied message until the end (at most MAX_COPY), and each copy counts as
 * one delivery of each message on a quorum queue. So a copy from a quorum queue with a delivery
 * limit takes messages in steps (1, 2, 4, …) like peek and stops before the counts it has seen
 * would leave a message with no return to spare (src/core/deliveryLimit.ts). A move acknowledges
 * what it takes; only messages given back after a fault or a refused publish get a delivery more.
 *
 * Streams: messages cannot be moved out of a stream (reading never removes them); a copy from a
 * stream reads it from an offset instead (streamCopy.ts), so moveMessages refuses streams.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { consumeUntil } from './consumeUntil';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { toPublishOptions } from './publish';
import { captureMessage, captureProperties, type CapturedMessage } from '../core/message';
import {
  DEFAULT_DELIVERY_LIMIT_4X,
  deliveryCountOf,
  mayTakeNext,
  riskOfReturn,
  withheldText,
} from '../core/deliveryLimit';
import {
  DEFAULT_MOVE_BATCH,
  MAX_COPY,
  MoveLedger,
  describeMoveResult,
  describeTarget,
  nextBatchSize,
  ratePerSecond,
  reconcileDuplicates,
  sourceRefusal,
  type DuplicateCounting,
  type MoveCounts,
  type MoveEnd,
  type QueueReading,
  type MoveMode,
  type MoveTarget,
} from '../core/messageMove';

export interface MoveOptions {
  mode: MoveMode;
  /** How many messages; 'all' = the source's ready messages when the run starts. */
  count: number | 'all';
  /** The source's type ('classic', 'quorum', 'stream'); undefined is handled like a quorum queue. */
  queueType?: string;
  /**
   * The source's effective delivery limit (peek.ts queueDeliveryLimit): a number, null for none,
   * undefined when unknown (a non-classic queue is then treated as having RabbitMQ 4's default).
   */
  deliveryLimit?: number | null;
  /** Messages per batch (unacknowledged at once on the source). Default DEFAULT_MOVE_BATCH. */
  batch?: number;
  signal?: AbortSignal;
  /** About every 100 ms and once at the end. */
  onProgress?: (p: MoveProgress) => void;
  /** With publishes outstanding, the longest wait for a confirm before the connection is taken for dead. Default 30 s. */
  confirmTimeoutMs?: number;
  /** Tests: called once `n` messages were taken (e.g. to inject a fault). */
  onTaken?: (n: number) => void;
  /**
   * Where each message goes (a dead-letter replay: its original exchange and routing key); undefined
   * leaves the message in the source (skipped: held until the run ends, then given back in place,
   * like a copy's). Without it every message goes to the run's target.
   */
  route?: (m: CapturedMessage) => MoveTarget | undefined;
  /** A header added to every published message (e.g. x-burrow-replayed); the rest is kept as received. */
  tagHeader?: { name: string; value: unknown };
  /** How the summary names the target (default: describeTarget(target)); e.g. "their original exchanges". */
  targetLabel?: string;
  /** How the summary names what was done (default "Moved" / "Copied"), e.g. "Replayed". */
  verb?: string;
  /**
   * Move: where each target delivers, for an exact count of the duplicates after a fault
   * (core/messageMove.ts reconcileDuplicates). Default for a queue target: that queue; for an
   * exchange target or a route: none (the duplicates are then given as bounds).
   */
  countIn?: DuplicateCounting;
  /** After a fault, how long to wait for the broker to give the messages back before counting. Default 10 s. */
  reconcileTimeoutMs?: number;
}

export interface MoveProgress {
  counts: MoveCounts;
  /** The number of messages the run means to handle (the source's depth for 'all'). */
  total: number;
  elapsedMs: number;
  ratePerSecond: number;
}

export interface MoveResult {
  mode: MoveMode;
  end: MoveEnd;
  counts: MoveCounts;
  total: number;
  elapsedMs: number;
  /** Why the run stopped early (fault, refused publish, delivery limit), for people. */
  reason?: string;
  /** The fault, when end is 'fault'. */
  error?: BrokerError;
  /**
   * Messages taken with a delivery count that leaves them no return to spare (or none at all):
   * a copy gives them back, and the broker may then drop them (or dead-letter them).
   */
  atRisk: number;
  /** One line for people (describeMoveResult). */
  summary: string;
}

const IDLE_MS = 300;
const PROGRESS_MS = 100;
const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;

const consumerTag = (step: number) => `burrow-move-${String(step).padStart(5, '0')}`;

interface Taken {
  idx: number;
  msg: amqp.ConsumeMessage;
}

/**
 * Moves (or copies) messages from queue `source` to `target`. Rejects with a BrokerError only
 * before any message was taken (missing queue or exchange, stream source, copy too large);
 * after that it resolves with the counts, whatever happened (end 'fault' with the error).
 */
export async function moveMessages(
  mgr: AmqpConnectionManager,
  vhost: string,
  source: string,
  target: MoveTarget,
  opts: MoveOptions,
): Promise<MoveResult> {
  const refusal = sourceRefusal(opts.mode, opts.queueType);
  if (refusal) throw new BrokerError(refusal, 'amqp', 'MOVE_REFUSED');
  if (opts.queueType === 'stream')
    throw new BrokerError(
      `'${source}' is a stream: it is read from an offset, not taken from the head (copyFromStream in streamCopy.ts copies from it)`,
      'amqp',
      'MOVE_REFUSED',
    );
  if (!opts.route && target.exchange === '' && target.routingKey === source)
    throw new BrokerError(`The source and the target are the same queue ('${source}')`, 'amqp', 'MOVE_REFUSED');
  const classic = opts.queueType === 'classic';
  const limit: number | null = classic
    ? null
    : opts.deliveryLimit !== undefined
      ? opts.deliveryLimit
      : DEFAULT_DELIVERY_LIMIT_4X;
  const batchMax = Math.max(1, Math.floor(opts.batch ?? DEFAULT_MOVE_BATCH));
  const confirmTimeoutMs = opts.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;

  // Check both ends before taking anything (a missing target would otherwise surface as a channel error mid-run).
  const sourceBefore = await mgr.withChannel(vhost, async (ch) => {
    const ok = await ch.checkQueue(source);
    return { messages: ok.messageCount, consumers: ok.consumerCount };
  });
  const depth = sourceBefore.messages;
  if (opts.route) {
    // Targets vary per message: the caller checks them (a missing exchange ends the run as a fault).
  } else if (target.exchange === '')
    await mgr
      .withChannel(vhost, (ch) => ch.checkQueue(target.routingKey))
      .catch((err: unknown) => {
        throw toBrokerError(err, { what: `Check target ${describeTarget(target)}` });
      });
  else
    await mgr
      .withChannel(vhost, (ch) => ch.checkExchange(target.exchange))
      .catch((err: unknown) => {
        throw toBrokerError(err, { what: `Check target ${describeTarget(target)}` });
      });
  // At most the ready messages when the run starts (a queue that keeps filling would otherwise never end).
  const total = opts.count === 'all' ? depth : Math.min(depth, Math.max(0, Math.floor(opts.count)));
  /** The run gives messages back at its end (a copy's, a replay's skipped ones): the delivery limit matters. */
  const holds = opts.mode === 'copy' || opts.route !== undefined;
  if (holds && total > MAX_COPY)
    throw new BrokerError(
      `A ${opts.mode === 'copy' ? 'copy' : 'filtered run'} holds the messages it gives back until it ends: at most ${MAX_COPY.toLocaleString('en-US')} at once (asked for ${total.toLocaleString('en-US')})`,
      'amqp',
      'MOVE_REFUSED',
    );
  if (holds && limit !== null && !mayTakeNext(limit, undefined))
    throw new BrokerError(
      `Queue '${source}' has a delivery limit of ${limit}: a ${opts.mode === 'copy' ? 'copy' : 'filtered run'} gives messages back, which counts as a delivery, and with this limit that would leave messages with no return to spare (or make the broker drop them)`,
      'amqp',
      'MOVE_REFUSED',
    );

  // Exact duplicates after a fault (move only): the counted queues' depths before anything is taken.
  const counting: DuplicateCounting | undefined =
    opts.mode !== 'move'
      ? undefined
      : (opts.countIn ??
        (!opts.route && target.exchange === ''
          ? { queues: [target.routingKey], queueOf: (to) => (to.exchange === '' ? to.routingKey : undefined) }
          : undefined));
  const countedBefore = counting
    ? await readQueues(mgr, vhost, counting.queues, 10_000).catch(() => undefined)
    : undefined;
  const countedIndex = new Map((counting?.queues ?? []).map((q, i) => [q, i]));
  /** Per message index: the counted queue it was published to (-1: not one of them). */
  const queueOfIdx: number[] = [];

  const ledger = new MoveLedger(opts.mode);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
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
          new BrokerError(
            `The channel consuming from '${source}' closed (connection lost?)`,
            'amqp',
            'CONNECTION_LOST',
          ),
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
  /** Races a promise against the run's fault. */
  const guard = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return Promise.race([p, faulted]);
  };

  // ----- publishing ------------------------------------------------------------------------------
  /** What was published and not yet confirmed: enough to tell which message a basic.return is. */
  const inFlight = new Map<number, { content: Buffer; exchange: string; routingKey: string; messageId?: string }>();
  /** Returned as unroutable: never acknowledged on the source. */
  const returnedIdx = new Set<number>();
  /**
   * A return that matches several messages in flight (same body, exchange and routing key, e.g.
   * to a headers exchange): which one was unroutable is unknown, so none of them is acknowledged;
   * they stay in the source and count as possible duplicates.
   */
  const ambiguousIdx = new Set<number>();
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
    // The broker returns an unroutable message before its confirm: find it among those in flight.
    // Matching on the body alone once pinned a return on an earlier twin, and the unroutable
    // message's own confirm then acked it off the source (lost).
    const f = m.fields as unknown as { replyText?: string; exchange?: string; routingKey?: string };
    const open = [...inFlight].filter(([idx]) => !returnedIdx.has(idx) && !ambiguousIdx.has(idx));
    const sameBody = open.filter(([, x]) => x.content.equals(m.content));
    let candidates = sameBody.filter(
      ([, x]) => x.exchange === (f.exchange ?? '') && x.routingKey === (f.routingKey ?? ''),
    );
    if (candidates.length === 0) candidates = sameBody; // never let a return go unmatched
    const id = (m.properties as { messageId?: string }).messageId;
    if (candidates.length > 1 && id !== undefined) {
      const byId = candidates.filter(([, x]) => x.messageId === id);
      if (byId.length > 0) candidates = byId;
    }
    if (candidates.length === 1) returnedIdx.add(candidates[0][0]);
    else for (const [idx] of candidates) ambiguousIdx.add(idx);
    const to = opts.route ? { exchange: f.exchange ?? '', routingKey: f.routingKey ?? '' } : target;
    refused ??= `${describeTarget(to)} could not route a message (${f.replyText ?? 'NO_ROUTE'}): it stays in the source, and the run stopped.`;
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

  const publishOne = (idx: number, m: amqp.ConsumeMessage, to: MoveTarget) => {
    let options: amqp.Options.Publish;
    try {
      const properties = captureProperties(m.properties);
      if (opts.tagHeader)
        properties.headers = { ...(properties.headers ?? {}), [opts.tagHeader.name]: opts.tagHeader.value };
      options = toPublishOptions(properties, true);
    } catch (err) {
      ledger.failed(idx);
      refused ??= `A message cannot be published again: ${err instanceof Error ? err.message : String(err)}. It stays in the source, and the run stopped.`;
      return;
    }
    if (counting) {
      // CC and BCC headers route a message to more queues than its target's.
      const h = m.properties.headers as Record<string, unknown> | undefined;
      queueOfIdx[idx] =
        h && ('CC' in h || 'BCC' in h) ? -1 : (countedIndex.get(counting.queueOf(to) ?? '\u0000') ?? -1);
    }
    inFlight.set(idx, {
      content: m.content,
      exchange: to.exchange,
      routingKey: to.routingKey,
      messageId: (m.properties as { messageId?: string }).messageId,
    });
    ledger.sent(idx);
    lastConfirm = performance.now();
    try {
      pub.publish(to.exchange, to.routingKey, m.content, options, (err) => {
        if (!inFlight.delete(idx)) return;
        lastConfirm = performance.now();
        // A confirm that arrives after a fault is still true: the message is in the target.
        if ((err === null || err === undefined) && !returnedIdx.has(idx) && !ambiguousIdx.has(idx))
          ledger.confirmed(idx);
        else if (fault)
          return; // after a fault the ledger keeps the others as they were (in flight)
        else if (err instanceof Error && err.message === 'message nacked') {
          ledger.failed(idx);
          refused ??= `The broker refused (nacked) a message published to ${describeTarget(to)}: it stays in the source, and the run stopped.`;
        } else if ((err === null || err === undefined) && ambiguousIdx.has(idx)) {
          // Not acknowledged: it stays in the source and may also be in the target (still 'sent':
          // a possible duplicate).
        } else if (err === null || err === undefined) ledger.failed(idx); // returned as unroutable
        // else: channel closed; the close handler reports the fault
        checkSettled();
        report();
      });
    } catch (err) {
      inFlight.delete(idx);
      if (!fault && !pubClosed) {
        ledger.failed(idx);
        refused ??= `Publishing failed: ${err instanceof Error ? err.message : String(err)}. The message stays in the source, and the run stopped.`;
      }
    }
  };
  const waitSettled = () =>
    guard(
      new Promise<void>((resolve) => {
        settleWaiter = resolve;
        checkSettled();
      }),
    );

  // ----- taking ----------------------------------------------------------------------------------
  let atRisk = 0;
  let seenMax: number | undefined;
  let stopReason: string | undefined;
  let end: MoveEnd = 'done';
  const aborted = () => opts.signal?.aborted === true;

  /** One batch: a consumer taking up to `size` messages (published as they come), cancelled afterwards. */
  const takeBatch = async (size: number, step: number): Promise<Taken[]> => {
    const got: Taken[] = [];
    const tag = consumerTag(step);
    await guard(mgr.deadline(src, src.prefetch(size), `Move from '${source}': basic.qos`));
    await guard(
      consumeUntil(src, source, {
        size,
        idleMs: IDLE_MS,
        consumerTag: tag,
        ...(opts.signal ? { signal: opts.signal } : {}),
        cancelledError: () =>
          new BrokerError(
            `The broker cancelled Burrow's consumer on '${source}' (was the queue deleted?)`,
            'amqp',
            'CONSUMER_CANCELLED',
          ),
        onMessage: (m) => {
          // Deliveries after the batch was full (before cancel-ok) cannot happen with the
          // prefetch; any that come anyway are still taken and published.
          const idx = ledger.take();
          got.push({ idx, msg: m });
          const c = deliveryCountOf(m.properties.headers as Record<string, unknown> | undefined);
          seenMax = Math.max(seenMax ?? 0, c);
          if (limit !== null && riskOfReturn(limit, c) !== 'ok') atRisk++;
          if (!refused) {
            if (opts.route) {
              const to = opts.route(captureMessage(m, idx + 1, Date.now()));
              if (to) publishOne(idx, m, to);
              else ledger.skipped(idx);
            } else publishOne(idx, m, target);
          }
          opts.onTaken?.(ledger.size);
          report();
          // A refused publish ends the batch at once.
          return refused ? size : got.length;
        },
      }),
    );
    // The messages stay with the channel, unacknowledged; cancel-ok also proves it answers.
    await guard(mgr.deadline(src, src.cancel(tag), `Move from '${source}': basic.cancel`));
    return got;
  };

  try {
    let step = 0;
    while (ledger.size < total && !refused) {
      if (aborted()) {
        end = 'cancelled';
        break;
      }
      if (holds && limit !== null && !mayTakeNext(limit, seenMax)) {
        const left = total - ledger.size;
        stopReason = withheldText(left, limit, seenMax ?? 0, false).replace(
          'not shown',
          opts.mode === 'copy' ? 'not copied' : 'not looked at',
        );
        end = 'stopped';
        break;
      }
      const size = nextBatchSize({
        mode: holds ? 'copy' : opts.mode,
        remaining: total - ledger.size,
        batch: batchMax,
        step,
        limited: limit !== null,
      });
      const got = await takeBatch(size, step);
      step++;
      await waitSettled();
      if (opts.mode === 'move') {
        const acked: number[] = [];
        for (const t of got)
          if (ledger.state(t.idx) === 'confirmed') {
            src.ack(t.msg);
            ledger.acked(t.idx);
            acked.push(t.idx);
          }
        if (acked.length > 0) {
          // Frames on a channel are processed in order: once this answers, the acks were.
          await guard(mgr.deadline(src, src.checkQueue(source), `Move from '${source}': queue.declare`));
          ledger.settleAcked(acked);
        }
      }
      report();
      if (got.length < size) break; // the queue ran dry (or the run was cancelled mid-batch)
    }
    if (aborted() && end === 'done' && ledger.size < total) end = 'cancelled';
    if (refused) {
      end = 'stopped';
      stopReason = refused;
    }
  } catch (err) {
    if (!fault) setFault(toBrokerError(err));
    end = 'fault';
  } finally {
    clearInterval(watchdog);
  }
  if (fault) end = 'fault';
  const counts = ledger.result();
  // Copy (and a move's refused messages): closing the channel gives back what it still holds, in place.
  if (!srcClosed) {
    if (fault) void mgr.closeChannel(src);
    else await mgr.closeChannel(src);
  }
  if (!pubClosed) {
    if (fault) void mgr.closeChannel(pub);
    else await mgr.closeChannel(pub);
  }
  if (counts.duplicates === undefined && opts.mode === 'move') {
    // Messages were in flight when the run ended: count the duplicates from the queues' depths.
    const why = !counting
      ? 'the target is not a single queue'
      : !countedBefore
        ? "the target queues' depths could not be read before the run"
        : undefined;
    if (why) counts.duplicatesNote = why;
    else if (counting && countedBefore) {
      const r = await reconcileAfter(
        mgr,
        vhost,
        source,
        sourceBefore,
        counting.queues,
        countedBefore,
        ledger,
        queueOfIdx,
        opts.reconcileTimeoutMs ?? 10_000,
      );
      if (r.exact) counts.duplicates = r.duplicates;
      else counts.duplicatesNote = r.why;
    }
  }
  report(true);
  const ms = elapsed();
  const reason =
    end === 'fault'
      ? `The run stopped: ${fault?.message ?? 'connection lost'}.`
      : (stopReason ??
        (atRisk > 0
          ? `${atRisk} message${atRisk === 1 ? ' was' : 's were'} taken with a delivery count close to the queue's limit of ${limit}.`
          : undefined));
  return {
    mode: opts.mode,
    end,
    counts,
    total,
    elapsedMs: ms,
    ...(reason ? { reason } : {}),
    ...(end === 'fault' && fault ? { error: fault } : {}),
    atRisk,
    summary: describeMoveResult(opts.mode, counts, end, source, opts.targetLabel ?? target, ms, reason, opts.verb),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The queues' ready messages and consumers (queue.declare passive: exact, unlike the management API's statistics). */
async function readQueues(
  mgr: AmqpConnectionManager,
  vhost: string,
  names: string[],
  timeoutMs: number,
): Promise<QueueReading[]> {
  let timer: NodeJS.Timeout | undefined;
  const read = mgr.withChannel(vhost, async (ch) => {
    const out: QueueReading[] = [];
    for (const n of names) {
      const ok = await ch.checkQueue(n);
      out.push({ messages: ok.messageCount, consumers: ok.consumerCount });
    }
    return out;
  });
  read.catch(() => undefined);
  try {
    return await Promise.race([
      read,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BrokerError(`Reading queue depths took over ${timeoutMs} ms`, 'amqp', 'TIMEOUT')),
          Math.max(1, timeoutMs),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * After a run that ended with messages in flight: waits until the broker gave back the dead
 * channel's messages (the source holds at least what surely went back, and two readings 300 ms
 * apart agree), then counts the duplicates (core/messageMove.ts reconcileDuplicates).
 */
async function reconcileAfter(
  mgr: AmqpConnectionManager,
  vhost: string,
  source: string,
  sourceBefore: QueueReading,
  queues: string[],
  before: QueueReading[],
  ledger: MoveLedger,
  queueOfIdx: number[],
  timeoutMs: number,
): Promise<ReturnType<typeof reconcileDuplicates>> {
  let settled = 0;
  let acked = 0;
  let confirmed = 0;
  let unknownTarget = 0;
  const sure = queues.map(() => 0);
  const open = queues.map(() => 0);
  ledger.forEach((state, i) => {
    if (state === 'settled') settled++;
    else if (state === 'acked') acked++;
    else if (state === 'confirmed') confirmed++;
    if (state !== 'settled' && state !== 'acked' && state !== 'confirmed' && state !== 'sent') return;
    const q = queueOfIdx[i] ?? -1;
    if (q < 0) unknownTarget++;
    else if (state === 'sent') open[q]++;
    else sure[q]++;
  });
  const busy = [source, ...queues].find((_, i) => (i === 0 ? sourceBefore : before[i - 1]).consumers > 0);
  if (busy !== undefined) return { exact: false, why: `queue '${busy}' has consumers, which change its depth` };
  const floor = sourceBefore.messages - settled - acked;
  const names = [source, ...queues];
  const deadline = performance.now() + timeoutMs;
  let prev: QueueReading[] | undefined;
  let why = `the broker had not given the messages back within ${Math.round(timeoutMs / 1000)} s`;
  while (performance.now() < deadline) {
    let now: QueueReading[];
    try {
      now = await readQueues(mgr, vhost, names, deadline - performance.now());
    } catch (err) {
      why = `the queues' depths could not be read (${err instanceof Error ? err.message : String(err)})`;
      prev = undefined;
      await sleep(300);
      continue;
    }
    const same =
      prev !== undefined && prev.every((r, i) => r.messages === now[i].messages && r.consumers === now[i].consumers);
    if (same && now[0].messages >= floor && now[0].consumers === 0)
      return reconcileDuplicates({
        source: { name: source, before: sourceBefore, after: now[0] },
        targets: queues.map((name, i) => ({
          name,
          before: before[i],
          after: now[i + 1],
          sure: sure[i],
          open: open[i],
        })),
        unknownTarget,
        settled,
        acked,
        confirmed,
      });
    prev = now;
    await sleep(300);
  }
  return { exact: false, why };
}
