/**
 * The receiving half of a tail (tail.ts): what has arrived, and handing it to the UI. Deliveries
 * go into a MessageRing (the newest messages, bounded by count and bytes, cheap for the garbage
 * collector) and out to onBatch in batches (never one callback per message) as ranges of seqs;
 * message objects are built only when someone asks. A run of deliveries with equal properties
 * shares one properties object. Also keeps the receive rate, pause/resume, and the gaps a tap
 * could not see. No broker I/O: QueueTail (tail.ts) extends it with the broker side and feeds it.
 */
import { captureProperties, sameProperties, type CapturedMessage, type MessageProperties } from '../core/message';
import { MessageRing } from '../core/messageRing';
import { gapText, type GapMarker } from '../core/tailList';

export interface TailStats {
  /** Messages received since start (or the last clear()). */
  received: number;
  /** Messages pushed out of the ring buffer (no longer available for export). */
  dropped: number;
  /** Receive rate over about the last second. */
  ratePerSec: number;
}

/** New messages: seqs first..last (none when last < first, a stats-only update). */
export interface TailBatch {
  readonly first: number;
  readonly last: number;
  /** The batch's messages, built on demand (call it inside onBatch: the buffer moves on). */
  messages(): CapturedMessage[];
}

export interface TailFeedOptions {
  onBatch: (batch: TailBatch, stats: TailStats) => void;
  /** Default 100 ms. */
  flushIntervalMs?: number;
  /** Default 500. */
  maxBatch?: number;
  /** Default 10 000. */
  bufferSize?: number;
  /** Default DEFAULT_BUFFER_BYTES. */
  bufferBytes?: number;
}

/** The delivery fields a tail keeps (amqplib's message.fields as they are: nothing is copied on the hot path). */
export interface DeliveryFields {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
}

/** Gap markers kept, at most (the oldest go first; they also go when their messages leave the buffer). */
const MAX_GAPS = 1000;
export const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;
const STATS_TICK_MS = 1000;

export class TailFeed {
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly ring: MessageRing;
  /** The last message's amqplib properties and our copy, shared while the next ones are equal. */
  private lastRawProps?: object;
  private lastProps: MessageProperties = {};
  /** `received` at the last clear(). */
  private clearBase = 0;
  /** Highest seq handed to onBatch (or skipped by clear()). */
  private forwarded = 0;
  private _paused = false;
  private flushTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;
  private rateSampleAt = 0;
  private rateSampleCount = 0;
  private rate = 0;
  private lastReportedRate = 0;
  private lastFlushAt = 0;
  private gapList: GapMarker[] = [];
  private gapIds = 0;
  private readonly onBatch: TailFeedOptions['onBatch'];

  constructor(options: TailFeedOptions) {
    this.onBatch = options.onBatch;
    this.flushIntervalMs = Math.max(1, options.flushIntervalMs ?? 100);
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 500));
    this.ring = new MessageRing({
      maxMessages: Math.max(1, Math.floor(options.bufferSize ?? 10_000)),
      maxBytes: Math.max(1, options.bufferBytes ?? DEFAULT_BUFFER_BYTES),
    });
  }

  /** Messages received since start: also the last seq given out (seqs stay unique across clear()). */
  protected get received(): number {
    return this.ring.lastSeq();
  }

  get paused(): boolean {
    return this._paused;
  }

  stats(): TailStats {
    this.sampleRate(Date.now());
    return this.counts();
  }

  /** The stats as of the last rate sample. */
  private counts(): TailStats {
    return { received: this.received - this.clearBase, dropped: this.ring.dropped, ratePerSec: this.rate };
  }

  /** Seq of the oldest buffered message (greater than lastSeq() while the buffer is empty). */
  firstSeq(): number {
    return this.ring.firstSeq();
  }

  /** Seq of the newest message received (delivered to onBatch or not). */
  lastSeq(): number {
    return this.ring.lastSeq();
  }

  /** The buffered message with this seq, if it is still in the buffer (a new object each time). O(1). */
  get(seq: number): CapturedMessage | undefined {
    return this.ring.get(seq);
  }

  /** The buffered messages, oldest first (for export). */
  messages(): CapturedMessage[] {
    return this.ring.range(this.ring.firstSeq(), this.ring.lastSeq());
  }

  /**
   * Gaps a tap could not see (reconnects), oldest first, as long as the messages around them are
   * buffered: a marker whose preceding message left the buffer goes too (except the one right
   * before the buffer's first message).
   */
  gaps(): readonly GapMarker[] {
    const lo = this.ring.firstSeq() - 1;
    if (this.gapList.length > 0 && this.gapList[0]!.afterSeq < lo)
      this.gapList = this.gapList.filter((g) => g.afterSeq >= lo);
    return this.gapList;
  }

  /** Records a gap (after the newest message received so far). */
  protected addGap(lostAt: number, resumedAt: number): void {
    const durationMs = Math.max(0, resumedAt - lostAt);
    this.gapList.push({
      id: ++this.gapIds,
      afterSeq: this.ring.lastSeq(),
      lostAt,
      resumedAt,
      durationMs,
      text: gapText(durationMs),
    });
    if (this.gapList.length > MAX_GAPS) this.gapList = this.gapList.slice(-MAX_GAPS);
  }

  /** Stops handing batches to onBatch; messages keep arriving into the buffer (and are counted). */
  pause(): void {
    this._paused = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Delivers the messages still buffered, in batches. */
  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this.received > this.forwarded) this.scheduleFlush(0);
  }

  /** Empties the ring buffer and resets the counters. Undelivered messages are discarded. */
  clear(): void {
    this.ring.clear();
    this.gapList = [];
    // seq keeps increasing (ids stay unique); counting restarts from here
    this.forwarded = this.received;
    this.clearBase = this.received;
    this.rateSampleCount = this.received;
  }

  /**
   * Stores a delivery (properties: amqplib's object; tag: the delivery tag shown to the user, 0
   * when there is none); a full batch goes out at once.
   */
  protected push(f: DeliveryFields, raw: object, content: Buffer, tag: number): void {
    if (raw !== this.lastRawProps) {
      if (this.lastRawProps === undefined || !sameProperties(raw, this.lastRawProps))
        this.lastProps = captureProperties(raw);
      this.lastRawProps = raw;
    }
    const seq = this.ring.push(f.exchange, f.routingKey, f.redelivered, this.lastProps, content, Date.now(), tag);
    if (!this._paused) {
      if (seq - this.forwarded >= this.maxBatch) this.flush();
      else if (!this.flushTimer) this.scheduleFlush(this.flushIntervalMs);
    }
  }

  /** Starts the rate clock and the once-a-second stats report. */
  protected startStats(): void {
    const now = Date.now();
    this.rateSampleAt = now;
    this.lastFlushAt = now;
    this.statsTimer = setInterval(() => this.statsTick(), STATS_TICK_MS);
    this.statsTimer.unref?.();
  }

  protected stopStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }

  /** Delivers what is pending now (unless paused), e.g. when the tail stops. */
  protected flushNow(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flush();
  }

  private scheduleFlush(delay: number): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delay);
  }

  /** Hands the next (at most maxBatch) undelivered buffered messages to onBatch. */
  private flush(): void {
    if (this._paused) return;
    const first = Math.max(this.forwarded + 1, this.ring.firstSeq());
    if (first > this.received) {
      this.forwarded = this.received;
      return;
    }
    const last = Math.min(this.received, first + this.maxBatch - 1);
    const batch: TailBatch = { first, last, messages: () => this.ring.range(first, last) };
    this.forwarded = last;
    const now = Date.now();
    this.lastFlushAt = now;
    this.sampleRate(now);
    this.lastReportedRate = this.rate;
    try {
      this.onBatch(batch, this.counts());
    } catch {
      /* a failing UI callback must not break the consumer */
    }
    // A backlog (after resume, or a burst) drains without waiting a full interval.
    if (this.forwarded < this.received && !this.flushTimer && !this._paused) this.scheduleFlush(0);
  }

  private sampleRate(now: number): void {
    const dt = now - this.rateSampleAt;
    if (dt >= 1000) {
      this.rate = Math.round(((this.received - this.rateSampleCount) * 1000) / dt);
      this.rateSampleAt = now;
      this.rateSampleCount = this.received;
    }
  }

  /** Once a second: if the rate changed while nothing was flushed (e.g. traffic stopped), report it. */
  private statsTick(): void {
    const now = Date.now();
    this.sampleRate(now);
    if (this._paused || now - this.lastFlushAt < STATS_TICK_MS) return;
    if (this.rate !== this.lastReportedRate && this.forwarded >= this.received) {
      this.lastReportedRate = this.rate;
      this.lastFlushAt = now;
      try {
        this.onBatch({ first: this.received + 1, last: this.received, messages: () => [] }, this.counts());
      } catch {
        /* ignore */
      }
    }
  }
}
