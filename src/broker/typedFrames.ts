/**
 * Message headers with their AMQP types kept. amqplib 2.x decodes header tables into plain JS
 * values: an int64 becomes a (rounded) number, every integer and float width a plain number. So
 * each connection Burrow opens gets a hook (keepFieldTypes) on its frame reader: amqplib parses
 * every frame as usual, and for a content header frame the hook decodes the same bytes again
 * with core/fieldCodec and replaces `properties.headers` with the typed table (fieldTypes.ts). A
 * copy of the raw property bytes rides along on the properties under RAW_PROPERTIES.
 *
 * The hook is per connection (an own property of amqplib's Connection object, shadowing the
 * prototype's recvFrame), not a patch of amqplib's modules: it does not depend on load order, on
 * the bundle, or on which copy of amqplib a test loaded. If amqplib's internals are not what this
 * expects, or a header cannot be decoded, amqplib's own values stay and `onProblem` hears about
 * it once per connection (with no header content and nothing secret in the text).
 */
import { decodePropertiesHeaders, propertiesHaveHeaders } from '../core/fieldCodec';

/**
 * On message properties decoded through a hooked connection: a copy of the raw property bytes
 * (the content header frame's payload from the 16-bit flags on). A symbol key, so Object.keys,
 * for…in, JSON and postMessage never see it (object spread and util.inspect do).
 */
export const RAW_PROPERTIES: unique symbol = Symbol.for('burrow.rawProperties');

/** The raw property bytes of a message's properties, if its connection was hooked. */
export function rawPropertiesOf(properties: object | undefined): Uint8Array | undefined {
  return properties ? (properties as { [RAW_PROPERTIES]?: Uint8Array })[RAW_PROPERTIES] : undefined;
}

// Symbol.for: a second copy of this module (a test importing it another way) sees the same hook and bytes.
const HOOKED: unique symbol = Symbol.for('burrow.keepFieldTypes');

/** AMQP frame layout: type (1), channel (2), size (4), payload, frame-end (1). */
const FRAME_HEADER_BYTES = 7;
const FRAME_TYPE_HEADER = 2;
/** Content header payload before the property flags: class id (2), weight (2), body size (8). */
const CONTENT_HEADER_PREFIX = 12;
const CLASS_BASIC = 60;

interface HeaderFrame {
  size: number;
  fields: Record<string | symbol, unknown>;
}

interface FrameReader {
  recvFrame(): unknown;
  rest: unknown;
  [HOOKED]?: true;
}

function isHeaderFrame(frame: unknown): frame is HeaderFrame {
  return (
    typeof frame === 'object' &&
    frame !== null &&
    'size' in frame &&
    typeof (frame as { fields?: unknown }).fields === 'object' &&
    (frame as { fields?: unknown }).fields !== null
  );
}

/**
 * A copy of the property bytes of the frame amqplib just parsed: it parsed it from the start of
 * `before` and left `after` = the bytes behind it (a view of the same buffer). Throws if that is
 * not so; undefined for a content class other than basic.
 */
function copyPropertyBytes(before: unknown, after: unknown): Uint8Array | undefined {
  if (!Buffer.isBuffer(before) || !Buffer.isBuffer(after)) throw new Error("amqplib's receive buffer is not a Buffer");
  const consumed = before.length - after.length;
  if (
    consumed < FRAME_HEADER_BYTES + CONTENT_HEADER_PREFIX + 2 + 1 ||
    after.buffer !== before.buffer ||
    after.byteOffset !== before.byteOffset + consumed ||
    before[0] !== FRAME_TYPE_HEADER ||
    before.readUInt32BE(3) + FRAME_HEADER_BYTES + 1 !== consumed
  )
    throw new Error("the content header frame's bytes are not where expected in amqplib's receive buffer");
  if (before.readUInt16BE(FRAME_HEADER_BYTES) !== CLASS_BASIC) return undefined;
  const start = FRAME_HEADER_BYTES + CONTENT_HEADER_PREFIX;
  const len = consumed - 1 - start;
  const copy = allocate(len);
  // Most property sets are small: a loop beats making a Buffer view to copy from (measured).
  if (len <= 256) for (let i = 0; i < len; i++) copy[i] = before[start + i]!;
  else copy.set(before.subarray(start, start + len));
  return copy;
}

/**
 * Room for property copies, handed out in slices: V8 allocates a typed array of more than 64
 * bytes outside its heap, about 0.5 µs each (measured), while a slice of a shared block is a
 * small view. A block stays alive while any message copied into it does (as Node's Buffer pool).
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX = 4 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

function allocate(len: number): Uint8Array {
  if (len > SLAB_MAX) return new Uint8Array(len);
  if (slabUsed + len > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + len);
  slabUsed += (len + 7) & ~7;
  return view;
}

/**
 * Installs the typed-headers hook on an amqplib Connection (a ChannelModel's `.connection`).
 * Returns false (after calling onProblem) if amqplib's internals are not as expected; then
 * nothing is changed. Installing twice is a no-op. onProblem is called at most once per connection.
 */
export function keepFieldTypes(connection: unknown, onProblem: (reason: string) => void): boolean {
  // A throwing callback must not break amqplib's frame loop (that would close the connection).
  const tell = (reason: string) => {
    try {
      onProblem(reason);
    } catch {
      /* ignored */
    }
  };
  const conn = connection as FrameReader | null | undefined;
  if (
    typeof conn !== 'object' ||
    conn === null ||
    typeof conn.recvFrame !== 'function' ||
    !Buffer.isBuffer(conn.rest)
  ) {
    tell("amqplib's connection has no recvFrame() or no receive buffer (an amqplib version Burrow does not know)");
    return false;
  }
  if (conn[HOOKED]) return true;
  const original = conn.recvFrame;
  let reported = false;
  /** The last header frame handled: amqplib's recvFrame calls itself (through this hook) when it needs more input. */
  let last: unknown;
  const hooked = function (this: FrameReader): unknown {
    const before = this.rest;
    const frame = original.call(this);
    if (frame === last || !isHeaderFrame(frame)) return frame;
    // The innermost call parsed it: `before` is the buffer it was parsed from.
    last = frame;
    try {
      const props = copyPropertyBytes(before, this.rest);
      if (props) {
        // A plain assignment: Object.defineProperty (non-enumerable) measured 0.4 µs more per message.
        frame.fields[RAW_PROPERTIES] = props;
        if (propertiesHaveHeaders(props)) frame.fields.headers = decodePropertiesHeaders(props);
      }
    } catch (e) {
      if (!reported) {
        reported = true;
        tell((e as Error).message);
      }
    }
    return frame;
  };
  conn.recvFrame = hooked;
  conn[HOOKED] = true;
  return true;
}
