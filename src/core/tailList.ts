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
import { toExportable } from './messageExport';
import type { TailRow, TailStats, TailToWebview } from '../protocol/tail';
import { toTailRow } from './display';

/**
 * A gap in what a tail saw: the connection was lost and the tap was set up again, so messages
 * published meanwhile never reached it. It sits in the list after message `afterSeq` (the newest
 * one received before the loss), scrolls with the messages and is exported with them; it is not
 * a message (not counted as one, never filtered out).
 */
export interface GapMarker {
  /** 1, 2, 3… per tail. */
  id: number;
  /** The marker sits after this seq (0 or the seq before the buffer's first: at the top). */
  afterSeq: number;
  /** When the connection was lost (ms since the epoch). */
  lostAt: number;
  /** When the tap queue was declared and bound again. */
  resumedAt: number;
  /** resumedAt - lostAt. */
  durationMs: number;
  /** "reconnected: messages published during the 7.5 s gap were not seen" */
  text: string;
}

/** Seconds with one decimal (at least 0.1 s: a gap is never shown as "0 s"). */
export function formatGapSeconds(ms: number): string {
  return `${Math.max(0.1, Math.round(ms / 100) / 10).toFixed(1)} s`;
}

/** The line a gap marker shows. */
export function gapText(durationMs: number): string {
  return `reconnected: messages published during the ${formatGapSeconds(durationMs)} gap were not seen`;
}

/** The NDJSON export's line for a gap: `{"gap": {...}}` (parseExported skips it). */
export function gapExport(g: GapMarker): {
  gap: { lostAt: string; resumedAt: string; durationMs: number; text: string };
} {
  return {
    gap: {
      lostAt: new Date(g.lostAt).toISOString(),
      resumedAt: new Date(g.resumedAt).toISOString(),
      durationMs: g.durationMs,
      text: g.text,
    },
  };
}

/** A list entry: a buffered message or a gap marker. */
export type TailEntry = { message: CapturedMessage } | { gap: GapMarker };

/** The export: one line per message, and a `{"gap": {...}}` line where the tail missed messages. */
export function entriesToNdjson(entries: readonly TailEntry[]): string {
  let out = '';
  for (const e of entries) out += JSON.stringify('gap' in e ? gapExport(e.gap) : toExportable(e.message)) + '\n';
  return out;
}

/** The list row of a gap marker: a negative id (never a message's seq), the text as preview. */
export function gapRow(g: GapMarker): TailRow {
  return {
    id: -g.id,
    at: g.resumedAt,
    exchange: '',
    routingKey: '',
    size: 0,
    redelivered: false,
    preview: g.text,
    kind: 'text',
    gap: { lostAt: g.lostAt, durationMs: g.durationMs },
  };
}

/** Read access to a tail's ring buffer (QueueTail implements it). */
export interface TailBuffer {
  /** Seq of the oldest buffered message (greater than lastSeq() while the buffer is empty). */
  firstSeq(): number;
  /** Seq of the newest buffered message. */
  lastSeq(): number;
  /** The message with this seq, while it is buffered. */
  get(seq: number): CapturedMessage | undefined;
  /** Gap markers, by afterSeq ascending (those before the buffer's first message may be included). */
  gaps?(): readonly GapMarker[];
}

/** What the webview shows: `count` rows from index `from`, or the last `count` rows when following. */
export interface ListView {
  from: number;
  count: number;
  follow: boolean;
}

export interface ListWindow {
  /** Number of list rows: listed messages plus gap markers. */
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

  /** Rows in the list: listed messages plus gap markers. */
  get length(): number {
    return this.messageCount() + this.visibleGaps().length;
  }

  /** Gap markers in the list (counted apart from messages). */
  get gapCount(): number {
    return this.visibleGaps().length;
  }

  /** The listed messages, oldest first. */
  messages(): CapturedMessage[] {
    const out: CapturedMessage[] = [];
    const total = this.messageCount();
    for (let k = 0; k < total; k++) {
      const m = this.buffer.get(this.seqAt(k));
      if (m) out.push(m);
    }
    return out;
  }

  /** The list in order, messages and gap markers (for export). */
  entries(): TailEntry[] {
    const out: TailEntry[] = [];
    this.walk(0, this.length, (e) => out.push(e));
    return out;
  }

  /** The export of the list: NDJSON, gap markers included in order. */
  toNdjson(): string {
    return entriesToNdjson(this.entries());
  }

  /** The rows the webview shows for this view (clamped to the list). */
  window(view: ListView): ListWindow {
    const total = this.length;
    const count = Math.max(0, Math.min(MAX_WINDOW_ROWS, Math.floor(view.count) || 0));
    const last = Math.max(0, total - count);
    const from = view.follow ? last : Math.max(0, Math.min(last, Math.floor(view.from) || 0));
    const end = Math.min(total, from + count);
    const rows: TailRow[] = [];
    this.walk(from, end, (e) => {
      if ('gap' in e) {
        rows.push(gapRow(e.gap));
        return;
      }
      const m = e.message;
      const row = toTailRow(m);
      const s = this.settled.get(m.seq);
      if (s) row.settled = s;
      rows.push(row);
    });
    return { total, from, rows };
  }

  /** The webview's 'window' message for this view: what the panel posts after each batch. */
  windowMessage(view: ListView, stats: TailStats): Extract<TailToWebview, { type: 'window' }> {
    const w = this.window(view);
    return { type: 'window', total: w.total, from: w.from, rows: w.rows, stats, filtered: this.filtered };
  }

  /** Listed messages (gap markers not counted). */
  private messageCount(): number {
    if (this.filter) {
      this.trim();
      return this.matches.length - this.start;
    }
    return Math.max(0, this.end() - this.buffer.firstSeq() + 1);
  }

  /** Newest listed seq (the list ends at the last batch handed over). */
  private end(): number {
    return Math.min(this.shownUpTo, this.buffer.lastSeq());
  }

  /** Gap markers in the list: those after a buffered (or the just-dropped) message, up to the end of the list. */
  private visibleGaps(): readonly GapMarker[] {
    const all = this.buffer.gaps?.() ?? [];
    if (all.length === 0) return all;
    const lo = this.buffer.firstSeq() - 1;
    const hi = this.end();
    return all.filter((g) => g.afterSeq >= lo && g.afterSeq <= hi);
  }

  /** Listed messages with seq ≤ seq. */
  private countUpTo(seq: number): number {
    if (!this.filter) return Math.max(0, Math.min(seq, this.end()) - this.buffer.firstSeq() + 1);
    this.trim();
    const m = this.matches;
    let lo = this.start;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (m[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }

  /** Calls fn for list rows from..end-1 in order: gap marker j sits at index countUpTo(afterSeq) + j. */
  private walk(from: number, end: number, fn: (e: TailEntry) => void): void {
    const gaps = this.visibleGaps();
    const at = gaps.map((g, j) => this.countUpTo(g.afterSeq) + j);
    let j = 0;
    while (j < gaps.length && at[j]! < from) j++;
    for (let i = from; i < end; i++) {
      if (j < gaps.length && at[j] === i) {
        fn({ gap: gaps[j]! });
        j++;
        continue;
      }
      const m = this.buffer.get(this.seqAt(i - j));
      if (m) fn({ message: m });
    }
  }

  /** Seq of the k-th listed message (0 ≤ k < messageCount()). */
  private seqAt(k: number): number {
    return this.filter ? this.matches[this.start + k]! : this.buffer.firstSeq() + k;
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
