/**
 * The tail panel's list, kept on the host: which buffered messages are listed (all, or those
 * matching the filter), and the rows of the part the webview shows.
 *
 * The webview never holds the whole list. It tells the host which slice it shows (a window of
 * a few dozen rows, or "follow the end"), and each batch of new messages costs one post of that
 * window. A row (body preview and all) is built only for messages that are on screen, so a
 * tail of 40,000 messages per second builds a few thousand rows per second, not 40,000.
 */
import type { CapturedMessage } from './message';
import type { TailRow, TailStats, TailToWebview } from '../protocol/tail';
import { toTailRow } from './display';

/** Read access to a tail's ring buffer (QueueTail implements it). */
export interface TailBuffer {
  /** Seq of the oldest buffered message (greater than lastSeq() while the buffer is empty). */
  firstSeq(): number;
  /** Seq of the newest buffered message. */
  lastSeq(): number;
  /** The message with this seq, while it is buffered. */
  get(seq: number): CapturedMessage | undefined;
}

/** What the webview shows: `count` rows from index `from`, or the last `count` rows when following. */
export interface ListView {
  from: number;
  count: number;
  follow: boolean;
}

export interface ListWindow {
  /** Number of listed messages. */
  total: number;
  /** Index (in the list) of rows[0]. */
  from: number;
  rows: TailRow[];
}

export type Settled = NonNullable<TailRow['settled']>;

/**
 * How the panel's QueueTail batches: by time only. Each batch costs one window post, so a
 * size limit (which QueueTail otherwise uses to keep posts of whole rows small) would only
 * make a busy tail post more often than the list can usefully repaint (10 times a second).
 */
export function listBatching(bufferSize: number): { flushIntervalMs: number; maxBatch: number } {
  return { flushIntervalMs: 100, maxBatch: Math.max(1, bufferSize) };
}

/** Largest window the host builds, whatever the webview asks for. */
export const MAX_WINDOW_ROWS = 500;

const EMPTY: TailBuffer = { firstSeq: () => 1, lastSeq: () => 0, get: () => undefined };

export class TailList {
  private buffer: TailBuffer = EMPTY;
  private filter?: (m: CapturedMessage) => boolean;
  /** Newest seq handed to add(): the list ends there (a paused tail keeps buffering beyond it). */
  private shownUpTo = 0;
  /** With a filter: seqs of the matching messages, ascending; entries before `start` have left the buffer. */
  private matches: number[] = [];
  private start = 0;
  private readonly settled = new Map<number, Settled>();

  /** Lists a (new) tail's buffer, from its current content. */
  attach(buffer: TailBuffer): void {
    this.buffer = buffer;
    this.settled.clear();
    this.shownUpTo = buffer.lastSeq();
    this.rebuild();
  }

  /** Sets (or, with undefined, removes) the filter; the list is rebuilt from the buffer. */
  setFilter(filter: ((m: CapturedMessage) => boolean) | undefined): void {
    this.filter = filter;
    this.rebuild();
  }

  get filtered(): boolean {
    return this.filter !== undefined;
  }

  /** New messages: seqs first..last of the buffer (a batch from QueueTail's onBatch). */
  add(first: number, last: number): void {
    if (last < first) return;
    const filter = this.filter;
    if (filter) {
      for (let seq = Math.max(first, this.buffer.firstSeq()); seq <= last; seq++) {
        const m = this.buffer.get(seq);
        if (m && filter(m)) this.matches.push(seq);
      }
    }
    this.shownUpTo = last;
  }

  /** After the buffer was emptied (QueueTail.clear()). */
  clear(): void {
    this.matches = [];
    this.start = 0;
    this.settled.clear();
    this.shownUpTo = this.buffer.lastSeq();
  }

  markSettled(seq: number, how: Settled): void {
    this.settled.set(seq, how);
    if (this.settled.size > 1024) {
      const first = this.buffer.firstSeq();
      for (const s of this.settled.keys()) if (s < first) this.settled.delete(s);
    }
  }

  settledOf(seq: number): Settled | undefined {
    return this.settled.get(seq);
  }

  /** Messages in the buffer now, listed or not (the count and byte bounds both drop the oldest). */
  get buffered(): number {
    return Math.max(0, this.buffer.lastSeq() - this.buffer.firstSeq() + 1);
  }

  get length(): number {
    if (this.filter) {
      this.trim();
      return this.matches.length - this.start;
    }
    return Math.max(0, Math.min(this.shownUpTo, this.buffer.lastSeq()) - this.buffer.firstSeq() + 1);
  }

  /** The listed messages, oldest first (for export). */
  messages(): CapturedMessage[] {
    const out: CapturedMessage[] = [];
    const total = this.length;
    for (let i = 0; i < total; i++) {
      const m = this.buffer.get(this.seqAt(i));
      if (m) out.push(m);
    }
    return out;
  }

  /** The rows the webview shows for this view (clamped to the list). */
  window(view: ListView): ListWindow {
    const total = this.length;
    const count = Math.max(0, Math.min(MAX_WINDOW_ROWS, Math.floor(view.count) || 0));
    const last = Math.max(0, total - count);
    const from = view.follow ? last : Math.max(0, Math.min(last, Math.floor(view.from) || 0));
    const end = Math.min(total, from + count);
    const rows: TailRow[] = [];
    for (let i = from; i < end; i++) {
      const m = this.buffer.get(this.seqAt(i));
      if (!m) continue;
      const row = toTailRow(m);
      const s = this.settled.get(m.seq);
      if (s) row.settled = s;
      rows.push(row);
    }
    return { total, from, rows };
  }

  /** The webview's 'window' message for this view: what the panel posts after each batch. */
  windowMessage(view: ListView, stats: TailStats): Extract<TailToWebview, { type: 'window' }> {
    const w = this.window(view);
    return { type: 'window', total: w.total, from: w.from, rows: w.rows, stats, filtered: this.filtered };
  }

  /** Seq of the message at this index (0 ≤ index < length). */
  private seqAt(index: number): number {
    return this.filter ? this.matches[this.start + index]! : this.buffer.firstSeq() + index;
  }

  /** Drops matches that have left the buffer (and those past the end of the list). */
  private trim(): void {
    const first = this.buffer.firstSeq();
    const m = this.matches;
    let s = this.start;
    while (s < m.length && m[s]! < first) s++;
    if (s > 4096 && s > m.length >> 1) {
      this.matches = m.slice(s);
      s = 0;
    }
    this.start = s;
  }

  private rebuild(): void {
    this.matches = [];
    this.start = 0;
    const filter = this.filter;
    if (!filter) return;
    const end = Math.min(this.shownUpTo, this.buffer.lastSeq());
    for (let seq = this.buffer.firstSeq(); seq <= end; seq++) {
      const m = this.buffer.get(seq);
      if (m && filter(m)) this.matches.push(seq);
    }
  }
}
