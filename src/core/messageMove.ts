/**
 * Moving and copying messages between queues: the pure part (planning, accounting, texts).
 * The network part is src/broker/moveMessages.ts.
 *
 * Every message goes through these states (a ledger entry per message, by its position in the run):
 *   taken      delivered to Burrow's consumer, unacknowledged: it is still the source's;
 *   sent       published to the target, no confirm yet: it may or may not be in the target;
 *   confirmed  the broker confirmed the publish: it is in the target;
 *   acked      move only: basic.ack sent for it on the source's channel;
 *   settled    move: a round trip on the source's channel came back after the ack, so the
 *              broker has processed the ack (a channel's frames are handled in order) and the
 *              message has left the source; copy: confirmed (the source keeps it anyway).
 * A message is acknowledged on the source only once confirmed, so none can be lost: when the
 * connection fails, every message that is not settled goes back to the source (the broker returns
 * a channel's unacknowledged messages), and the ones that may also be in the target (sent,
 * confirmed or acked, not settled) are reported as possible duplicates.
 */

export type MoveMode = 'move' | 'copy';

/** Where messages go: an exchange and routing key (a queue is the default exchange '' with the queue's name). */
export interface MoveTarget {
  exchange: string;
  routingKey: string;
}

export function queueTarget(queue: string): MoveTarget {
  return { exchange: '', routingKey: queue };
}

export function describeTarget(t: MoveTarget): string {
  return t.exchange === ''
    ? `queue '${t.routingKey}'`
    : `exchange '${t.exchange}'${t.routingKey === '' ? ' (empty routing key)' : ` with routing key '${t.routingKey}'`}`;
}

export type LedgerState = 'taken' | 'sent' | 'confirmed' | 'acked' | 'settled' | 'failed' | 'skipped';

export interface MoveCounts {
  /** Messages taken from the source. */
  taken: number;
  /** Move: left the source and are in the target. Copy: in the target (the source keeps them). */
  done: number;
  /**
   * Messages that may now be both in the source and in the target: published (confirmed or not)
   * but their ack on the source was not known to be processed when the connection failed. They
   * are back in the source; each may also be in the target.
   */
  possibleDuplicates: number;
  /**
   * Of those, certainly duplicates: confirmed in the target and never acknowledged on the source,
   * so back in the source for sure. The others either were sent without a confirm (in the source
   * for sure, maybe in the target) or acknowledged without proof that the ack arrived (in the
   * target for sure, maybe in the source).
   */
  certainDuplicates: number;
  /** Messages taken but never published, or whose publish the broker refused, or skipped: back in the source. */
  returned: number;
  /** Of those, skipped on purpose (a replay's filter did not match them). */
  skipped: number;
  /** Messages acknowledged on the source without a confirm from the target. Always 0 (pinned by tests). */
  lost: number;
  /**
   * The exact number of messages now both in the source and in the target, when it is known: 0
   * after a run with nothing in flight; after a fault, counted from the queues' depths
   * (reconcileDuplicates). Undefined: only the bounds above are known (see duplicatesNote).
   */
  duplicates?: number;
  /** Why `duplicates` is not known after a fault (for people). */
  duplicatesNote?: string;
}

/** The per-message accounting of one run. */
export class MoveLedger {
  private readonly states: LedgerState[] = [];
  private readonly counts: Record<LedgerState, number> = {
    taken: 0,
    sent: 0,
    confirmed: 0,
    acked: 0,
    settled: 0,
    failed: 0,
    skipped: 0,
  };
  /** Acks sent before their message was confirmed (a bug if ever non-zero). */
  private ackedUnconfirmed = 0;

  constructor(readonly mode: MoveMode) {}

  /** A new message taken from the source; returns its index. */
  take(): number {
    this.states.push('taken');
    this.counts.taken++;
    return this.states.length - 1;
  }

  private set(i: number, to: LedgerState): void {
    const from = this.states[i];
    if (from === undefined) throw new Error(`no message ${i}`);
    this.counts[from]--;
    this.counts[to]++;
    this.states[i] = to;
  }

  state(i: number): LedgerState {
    return this.states[i];
  }

  sent(i: number): void {
    if (this.states[i] === 'taken') this.set(i, 'sent');
  }

  /** The target's broker confirmed message i. In a copy this settles it. */
  confirmed(i: number): void {
    if (this.states[i] !== 'sent') return;
    this.set(i, this.mode === 'copy' ? 'settled' : 'confirmed');
  }

  /** The target's broker refused message i (nack, returned as unroutable): it stays in the source. */
  failed(i: number): void {
    if (this.states[i] === 'sent' || this.states[i] === 'taken') this.set(i, 'failed');
  }

  /** Message i is left in the source on purpose (not published). */
  skipped(i: number): void {
    if (this.states[i] === 'taken') this.set(i, 'skipped');
  }

  /** Move: basic.ack sent for message i. */
  acked(i: number): void {
    if (this.states[i] !== 'confirmed') {
      this.ackedUnconfirmed++;
      return;
    }
    this.set(i, 'acked');
  }

  /** Move: a round trip on the source's channel came back: every ack sent before it is processed. */
  settleAcked(indices: Iterable<number>): void {
    for (const i of indices) if (this.states[i] === 'acked') this.set(i, 'settled');
  }

  /** Every message's state, by index. */
  forEach(fn: (state: LedgerState, i: number) => void): void {
    this.states.forEach(fn);
  }

  /** Indices in a state, ascending. */
  indicesIn(state: LedgerState): number[] {
    const out: number[] = [];
    this.states.forEach((s, i) => {
      if (s === state) out.push(i);
    });
    return out;
  }

  get size(): number {
    return this.states.length;
  }

  /**
   * The counts as they stand. With `faulted` (the connection or channel failed), the messages
   * that were published but not settled count as possible duplicates; otherwise (a normal end or
   * a cancel, after every outstanding confirm arrived) there are none in flight.
   */
  result(): MoveCounts {
    const c = this.counts;
    const inFlight = c.sent + c.confirmed + c.acked;
    return {
      taken: c.taken + c.sent + c.confirmed + c.acked + c.settled + c.failed + c.skipped,
      done: c.settled,
      possibleDuplicates: inFlight,
      certainDuplicates: c.confirmed,
      returned: c.taken + c.failed + c.skipped,
      skipped: c.skipped,
      lost: this.ackedUnconfirmed,
      ...(inFlight === 0 ? { duplicates: 0 } : {}),
    };
  }
}

/**
 * Exact duplicates after a fault, for a move whose targets each deliver to one known queue.
 *
 * The ledger knows, per message, whether it is surely in the target (confirmed, acked, settled)
 * and surely back in the source (everything not acked or settled); two groups are open:
 *   sent, not confirmed   back in the source for sure; in the target or not (the publish may
 *                         have reached the broker before the connection died);
 *   acked, not settled    in the target for sure; back in the source or not (the ack may have
 *                         been processed before the connection died).
 * Once the broker has given the dead channel's messages back, the queues' depths (queue.declare
 * passive: exact, not the management API's 5 s statistics) say how many of each group went which
 * way, if nothing else changed those queues meanwhile:
 *   source after  = source before − settled − (acked whose ack was processed)
 *   target after  = target before + surely in it + (sent ones that arrived)
 * Duplicates = confirmed (not acked) + acked ones still in the source + sent ones that arrived.
 * The answer is refused (undefined, with the reason) when a queue has consumers (they change the
 * depths), when a target's queue is unknown (an exchange routing to several queues or none), or
 * when a depth is outside what the run alone can explain (another publisher or consumer).
 */
export interface DuplicateCounting {
  /** The queues the run's messages go to, each message to exactly one of them. */
  queues: string[];
  /** The one queue a target delivers every message to; undefined when that is not known. */
  queueOf(to: MoveTarget): string | undefined;
}

/** A queue's state from queue.declare (passive): ready messages and consumers. */
export interface QueueReading {
  messages: number;
  consumers: number;
}

export interface ReconcileInput {
  source: { name: string; before: QueueReading; after: QueueReading };
  /** Per counted queue: its readings, the run's messages surely in it and those that may be. */
  targets: { name: string; before: QueueReading; after: QueueReading; sure: number; open: number }[];
  /** Messages published to a target whose queue is not known (no exact count then). */
  unknownTarget: number;
  /** The ledger at the end: settled, acked (not settled) and confirmed (not acked) messages. */
  settled: number;
  acked: number;
  confirmed: number;
}

export type Reconciled =
  { exact: true; duplicates: number; ackedStillInSource: number; sentArrived: number } | { exact: false; why: string };

export function reconcileDuplicates(r: ReconcileInput): Reconciled {
  if (r.unknownTarget > 0)
    return {
      exact: false,
      why: `${plural(r.unknownTarget, 'message')} went to a target that is not one known queue`,
    };
  if (r.targets.some((t) => t.name === r.source.name)) return { exact: false, why: `the source is also a target` };
  for (const q of [r.source, ...r.targets])
    if (q.before.consumers > 0 || q.after.consumers > 0)
      return { exact: false, why: `queue '${q.name}' has consumers, which change its depth` };
  const floor = r.source.before.messages - r.settled - r.acked;
  const ackedStillInSource = r.source.after.messages - floor;
  if (ackedStillInSource < 0 || ackedStillInSource > r.acked)
    return {
      exact: false,
      why: `the source holds ${plural(r.source.after.messages, 'message')}, which the run alone cannot explain (${floor}–${floor + r.acked}): something else published to it or consumed from it`,
    };
  let sentArrived = 0;
  for (const t of r.targets) {
    const arrived = t.after.messages - t.before.messages - t.sure;
    if (arrived < 0 || arrived > t.open)
      return {
        exact: false,
        why: `queue '${t.name}' holds ${plural(t.after.messages, 'message')}, which the run alone cannot explain (${t.before.messages + t.sure}–${t.before.messages + t.sure + t.open}): something else published to it or consumed from it`,
      };
    sentArrived += arrived;
  }
  return { exact: true, duplicates: r.confirmed + ackedStillInSource + sentArrived, ackedStillInSource, sentArrived };
}

/** How many messages a run handles at most at once (unacknowledged on the source's channel). Move: per batch. */
export const DEFAULT_MOVE_BATCH = 500;
/** A copy keeps every copied message unacknowledged until it ends (see moveMessages.ts): at most this many. */
export const MAX_COPY = 100_000;

/**
 * The size of the next batch to take. Move: `batch` (or what is left). Copy from a queue with a
 * delivery limit: steps of 1, 2, 4, … (as peek takes them), so that few messages are taken past
 * the point where the counts seen say to stop; without a limit, `batch`.
 */
export function nextBatchSize(opts: {
  mode: MoveMode;
  remaining: number;
  batch: number;
  step: number;
  limited: boolean;
}): number {
  const size = opts.mode === 'copy' && opts.limited ? Math.min(opts.batch, 2 ** opts.step) : opts.batch;
  return Math.max(0, Math.min(opts.remaining, size));
}

/** Messages per second over `elapsedMs` (0 before any time passed). */
export function ratePerSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export type MoveEnd = 'done' | 'cancelled' | 'fault' | 'refused' | 'stopped';

/** One line for the notification and the log: what happened to the messages. */
export function describeMoveResult(
  mode: MoveMode,
  counts: MoveCounts,
  end: MoveEnd,
  source: string,
  target: MoveTarget | string,
  elapsedMs: number,
  reason?: string,
  verbText?: string,
): string {
  const verb = verbText ?? (mode === 'move' ? 'Moved' : 'Copied');
  const parts = [
    `${verb} ${plural(counts.done, 'message')} from queue '${source}' to ${typeof target === 'string' ? target : describeTarget(target)}` +
      (elapsedMs > 0 && counts.done > 0 ? ` (${Math.round(ratePerSecond(counts.done, elapsedMs))} msg/s)` : ''),
  ];
  if (end === 'cancelled') parts.push('cancelled');
  if (counts.duplicates !== undefined && counts.possibleDuplicates > 0)
    parts.push(
      `${plural(counts.duplicates, 'duplicate')} (the connection failed while ${plural(counts.possibleDuplicates, 'message was', 'messages were')} in flight; counted afterwards from the queues' depths: ${counts.duplicates === 0 ? 'none is' : counts.duplicates === 1 ? 'it is' : 'each is'} now both in the source and in the target)`,
    );
  else if (counts.possibleDuplicates > 0)
    parts.push(
      `${plural(counts.possibleDuplicates, 'possible duplicate')} (the connection failed while they were in flight: each may now be both in the source and in the target; ${counts.certainDuplicates} certainly are${counts.duplicatesNote ? `; not counted exactly: ${counts.duplicatesNote}` : ''})`,
    );
  if (counts.returned > 0)
    parts.push(
      `${plural(counts.returned, 'message')} left in the source` +
        (counts.skipped > 0 ? ` (${counts.skipped.toLocaleString('en-US')} not matching the filter)` : ''),
    );
  parts.push(`lost: ${counts.lost}`);
  let text = parts.join('; ') + '.';
  if (reason) text += ` ${reason}`;
  return text;
}

/** The count a user typed: a positive whole number or "all" (undefined: not valid). */
export function parseMoveCount(text: string): number | 'all' | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[_,\s]/g, '');
  if (t === 'all' || t === '') return 'all';
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number.parseInt(t, 10);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Why a queue cannot be the source of a move or copy (undefined: it can). A copy from a stream is
 * a different run (read from an offset: src/broker/streamCopy.ts), not moveMessages.
 */
export function sourceRefusal(mode: MoveMode, queueType: string | undefined): string | undefined {
  if (queueType === 'stream' && mode === 'move')
    return 'Messages cannot be moved out of a stream: a stream never removes a message when it is read (they leave only by retention). Copy them instead (Copy Messages…).';
  return undefined;
}
