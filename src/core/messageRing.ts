/**
 * The tail's buffer of the newest messages, bounded by count and by bytes.
 *
 * It is built for a stream of tens of thousands of messages per second that must stay cheap
 * for the garbage collector. A buffer of one object graph per message (message, properties,
 * body view) keeps every one of them alive through several young-generation collections, and
 * each collection copies them: about 1 µs per message with 10,000 buffered (bench/). Here:
 * - small bodies are copied into 1 MiB chunks of bytes (one allocation per MiB, recycled);
 * - the per-message fields live in parallel arrays (typed arrays for numbers);
 * - a run of messages with the same properties shares one properties object (the caller
 *   passes the same object);
 * so the only per-message heap objects kept are the exchange and routing key strings.
 *
 * Message objects are built on demand (get), with a copy of the body, so a message handed out
 * never changes when its bytes are later reused.
 *
 * Bounds: at most maxMessages messages and about maxBytes bytes of bodies; the oldest go
 * first. The newest message is always kept, however large.
 */
import type { CapturedMessage, MessageProperties } from './message';

export interface MessageRingOptions {
  maxMessages: number;
  maxBytes: number;
  /** Size of a chunk of small bodies (tests use small ones). Default 1 MiB. */
  chunkBytes?: number;
}

interface Chunk {
  id: number;
  bytes: Uint8Array;
  used: number;
  /** Newest seq with its body in this chunk. */
  lastSeq: number;
}

const EMPTY_BODY = new Uint8Array(0);

export class MessageRing {
  readonly maxMessages: number;
  readonly maxBytes: number;
  private readonly chunkBytes: number;
  /** Bodies larger than this are kept as they came (by reference) rather than copied. */
  private readonly bigLimit: number;
  private readonly maxChunks: number;

  // Message `seq` lives at index (seq - 1) % maxMessages.
  private readonly exchanges: (string | undefined)[];
  private readonly routingKeys: (string | undefined)[];
  private readonly props: (MessageProperties | undefined)[];
  private readonly bigBodies: (Uint8Array | undefined)[];
  /** Chunk id of the body (-1: a big body, or none). */
  private readonly chunkIds: Float64Array;
  private readonly offsets: Float64Array;
  private readonly lengths: Float64Array;
  private readonly times: Float64Array;
  /** 0: none. */
  private readonly tags: Float64Array;
  private readonly redelivered: Uint8Array;

  /** Live chunks, oldest first; chunks[k].id === chunks[0].id + k. */
  private chunks: Chunk[] = [];
  private nextChunkId = 0;
  /** A released chunk's bytes, reused for the next chunk. */
  private spare?: Uint8Array;
  /** Seqs of buffered big bodies, oldest first (from bigHead on), and their total size. */
  private bigSeqs: number[] = [];
  private bigSizes: number[] = [];
  private bigHead = 0;
  private bigTotal = 0;

  private last = 0;
  /** `last` at the latest clear(). */
  private clearBase = 0;
  /** Oldest seq not yet pushed out to stay within maxBytes. */
  private firstByBytes = 1;

  constructor(options: MessageRingOptions) {
    this.maxMessages = Math.max(1, Math.floor(options.maxMessages));
    this.chunkBytes = Math.max(64, Math.floor(options.chunkBytes ?? 1 << 20));
    this.maxBytes = Math.max(this.chunkBytes, Math.floor(options.maxBytes));
    this.maxChunks = Math.max(1, Math.floor(this.maxBytes / this.chunkBytes));
    this.bigLimit = this.chunkBytes >> 2;
    const n = this.maxMessages;
    this.exchanges = new Array<string | undefined>(n).fill(undefined);
    this.routingKeys = new Array<string | undefined>(n).fill(undefined);
    this.props = new Array<MessageProperties | undefined>(n).fill(undefined);
    this.bigBodies = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.chunkIds = new Float64Array(n);
    this.offsets = new Float64Array(n);
    this.lengths = new Float64Array(n);
    this.times = new Float64Array(n);
    this.tags = new Float64Array(n);
    this.redelivered = new Uint8Array(n);
  }

  /** Seq of the oldest buffered message (greater than lastSeq() while the buffer is empty). */
  firstSeq(): number {
    return Math.max(1, this.clearBase + 1, this.last - this.maxMessages + 1, this.firstByBytes);
  }

  /** Seq of the newest message (seqs keep counting across clear()). */
  lastSeq(): number {
    return this.last;
  }

  /** Messages pushed out (by count or by bytes) since the latest clear(). */
  get dropped(): number {
    return Math.max(0, this.firstSeq() - 1 - this.clearBase);
  }

  /** Bytes held for bodies: chunks in use plus big bodies. */
  get heldBytes(): number {
    return this.chunks.length * this.chunkBytes + this.bigTotal;
  }

  /**
   * Appends a message and returns its seq. The body is copied (or, if large, kept by reference);
   * `properties` is stored as given: pass the same object for messages with equal properties.
   */
  push(
    exchange: string,
    routingKey: string,
    redelivered: boolean,
    properties: MessageProperties,
    body: Uint8Array,
    receivedAt: number,
    deliveryTag = 0,
  ): number {
    const seq = ++this.last;
    const i = (seq - 1) % this.maxMessages;
    this.exchanges[i] = exchange;
    this.routingKeys[i] = routingKey;
    this.props[i] = properties;
    this.redelivered[i] = redelivered ? 1 : 0;
    this.times[i] = receivedAt;
    this.tags[i] = deliveryTag;
    const len = body.byteLength;
    this.lengths[i] = len;
    if (len > this.bigLimit) {
      this.bigBodies[i] = body;
      this.chunkIds[i] = -1;
      this.bigSeqs.push(seq);
      this.bigSizes.push(len);
      this.bigTotal += len;
    } else {
      this.bigBodies[i] = undefined;
      if (len === 0) {
        this.chunkIds[i] = -1;
      } else {
        let chunk = this.chunks[this.chunks.length - 1];
        if (chunk === undefined || chunk.used + len > this.chunkBytes) chunk = this.newChunk();
        chunk.bytes.set(body, chunk.used);
        this.chunkIds[i] = chunk.id;
        this.offsets[i] = chunk.used;
        chunk.used += len;
        chunk.lastSeq = seq;
      }
    }
    this.release();
    return seq;
  }

  /** The buffered message with this seq (a new object, with its own copy of the body). O(1). */
  get(seq: number): CapturedMessage | undefined {
    if (!Number.isInteger(seq) || seq < this.firstSeq() || seq > this.last) return undefined;
    const i = (seq - 1) % this.maxMessages;
    const body = this.body(i);
    const msg: CapturedMessage = {
      seq,
      exchange: this.exchanges[i]!,
      routingKey: this.routingKeys[i]!,
      redelivered: this.redelivered[i] === 1,
      properties: this.props[i]!,
      body,
      size: body.byteLength,
      receivedAt: this.times[i]!,
    };
    const tag = this.tags[i]!;
    if (tag !== 0) msg.deliveryTag = tag;
    return msg;
  }

  /** Buffered messages with seqs first..last, oldest first. */
  range(first: number, last: number): CapturedMessage[] {
    const out: CapturedMessage[] = [];
    const end = Math.min(last, this.last);
    for (let seq = Math.max(first, this.firstSeq()); seq <= end; seq++) {
      const m = this.get(seq);
      if (m) out.push(m);
    }
    return out;
  }

  /** Drops every message (seqs keep counting) and the memory they held. */
  clear(): void {
    this.clearBase = this.last;
    this.exchanges.fill(undefined);
    this.routingKeys.fill(undefined);
    this.props.fill(undefined);
    this.bigBodies.fill(undefined);
    this.chunks = [];
    this.spare = undefined;
    this.bigSeqs = [];
    this.bigSizes = [];
    this.bigHead = 0;
    this.bigTotal = 0;
  }

  private body(i: number): Uint8Array {
    const big = this.bigBodies[i];
    if (big !== undefined) return new Uint8Array(big);
    const id = this.chunkIds[i]!;
    if (id < 0) return EMPTY_BODY.slice();
    const chunk = this.chunks[id - this.chunks[0]!.id]!;
    const off = this.offsets[i]!;
    return chunk.bytes.slice(off, off + this.lengths[i]!);
  }

  private newChunk(): Chunk {
    // Full: the oldest chunk's messages leave the buffer.
    if (this.chunks.length >= this.maxChunks) this.dropOldestChunk();
    const bytes = this.spare ?? new Uint8Array(this.chunkBytes);
    this.spare = undefined;
    const chunk: Chunk = { id: this.nextChunkId++, bytes, used: 0, lastSeq: 0 };
    this.chunks.push(chunk);
    return chunk;
  }

  private dropOldestChunk(): void {
    const c = this.chunks.shift()!;
    if (c.lastSeq + 1 > this.firstByBytes) this.firstByBytes = c.lastSeq + 1;
    this.spare = c.bytes;
  }

  /** Frees what the oldest messages held once they have left, and keeps big bodies within maxBytes. */
  private release(): void {
    // Big bodies over budget: the oldest messages go (never the newest).
    while (
      this.bigTotal + this.chunks.length * this.chunkBytes > this.maxBytes &&
      this.bigHead < this.bigSeqs.length &&
      this.bigSeqs[this.bigHead]! < this.last
    ) {
      const s = this.bigSeqs[this.bigHead]!;
      if (s + 1 > this.firstByBytes) this.firstByBytes = s + 1;
      this.releaseBig();
    }
    const first = this.firstSeq();
    while (this.bigHead < this.bigSeqs.length && this.bigSeqs[this.bigHead]! < first) this.releaseBig();
    if (this.bigHead > 1024 && this.bigHead > this.bigSeqs.length >> 1) {
      this.bigSeqs = this.bigSeqs.slice(this.bigHead);
      this.bigSizes = this.bigSizes.slice(this.bigHead);
      this.bigHead = 0;
    }
    // Chunks holding only messages that have left.
    while (this.chunks.length > 1 && this.chunks[0]!.lastSeq < first) this.spare = this.chunks.shift()!.bytes;
  }

  private releaseBig(): void {
    const s = this.bigSeqs[this.bigHead]!;
    this.bigTotal -= this.bigSizes[this.bigHead]!;
    this.bigHead++;
    const i = (s - 1) % this.maxMessages;
    // The slot may already hold a newer message.
    if (this.chunkIds[i] === -1 && this.bigBodies[i] !== undefined && s > this.last - this.maxMessages)
      this.bigBodies[i] = undefined;
  }
}
