/**
 * base64 for the extension host and the webview. On the host (Node) both directions go through
 * Buffer, which is about 50-70× faster than the loop below (a 15 MB body took 2.3 s in the loop);
 * the webview has no Buffer and uses the loop, which gives the same results and the same errors.
 */

/** The part of Node's Buffer used here; looked up at run time so the webview bundle never needs it. */
interface NodeBufferLike extends Uint8Array {
  toString(encoding?: string): string;
}
interface NodeBufferCtor {
  from(data: ArrayBufferLike, byteOffset: number, length: number): NodeBufferLike;
  from(data: string, encoding: 'base64'): NodeBufferLike;
}
const NodeBuffer: NodeBufferCtor | undefined = (globalThis as { Buffer?: NodeBufferCtor }).Buffer;

/** True where Buffer is available (the extension host, tests): both directions use it. */
export const base64UsesBuffer = NodeBuffer !== undefined;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return bytesToBase64Loop(bytes);
}

/** The portable encoder (exported for tests and the bench; use bytesToBase64). */
export function bytesToBase64Loop(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 16_384;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (end - i === 1) {
      const n = bytes[i] << 16;
      s += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
    } else if (end - i === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/**
 * Decodes standard base64 (also base64url characters). Whitespace and line breaks are ignored;
 * padding is optional. Throws an Error naming the offending character and its position.
 */
export function base64ToBytes(text: string): Uint8Array {
  if (NodeBuffer) {
    const fast =
      viaBuffer(NodeBuffer, text) ??
      (/[ \t\r\n]/.test(text) ? viaBuffer(NodeBuffer, text.replace(/[ \t\r\n]+/g, '')) : undefined);
    if (fast) return fast;
  }
  return base64ToBytesLoop(text);
}

/**
 * Buffer's decoder, or undefined when the loop must decide. Buffer skips characters it does not
 * know and stops at a misplaced '='; every such character makes its output shorter than
 * floor(data characters × 3/4), because a data length of 4k+1 is sent to the loop. A shorter
 * output goes to the loop, which throws the precise error. No scan of the text besides Buffer's.
 */
function viaBuffer(B: NodeBufferCtor, s: string): Uint8Array | undefined {
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const data = s.length - padding;
  if (data % 4 === 1 || (padding > 0 && s.length % 4 !== 0)) return undefined;
  const buf = B.from(s, 'base64');
  if (buf.length !== Math.floor((data * 3) / 4)) return undefined;
  // Small Buffers share a pool: copy those, so that .buffer holds this body only.
  return buf.byteOffset === 0 && buf.buffer.byteLength === buf.length
    ? new Uint8Array(buf.buffer, 0, buf.length)
    : new Uint8Array(buf);
}

/** The portable decoder (exported for tests and the bench; use base64ToBytes). */
export function base64ToBytesLoop(text: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((text.length * 3) / 4));
  let o = 0;
  let acc = 0; // up to 4 sextets
  let count = 0; // sextets in acc
  let total = 0; // sextets seen
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 61 /* = */) {
      padding++;
      if (padding > 2) throw new Error(`Invalid base64: too much '=' padding at position ${i}`);
      continue;
    }
    let v = c < 128 ? B64_LOOKUP[c] : -1;
    if (c === 45 /* - */) v = 62;
    else if (c === 95 /* _ */) v = 63;
    if (v < 0) throw new Error(`Invalid base64: unexpected character '${text[i]}' at position ${i}`);
    if (padding > 0) throw new Error(`Invalid base64: data after '=' padding at position ${i}`);
    acc = (acc << 6) | v;
    count++;
    total++;
    if (count === 4) {
      out[o++] = (acc >> 16) & 255;
      out[o++] = (acc >> 8) & 255;
      out[o++] = acc & 255;
      acc = 0;
      count = 0;
    }
  }
  if (count === 1) throw new Error('Invalid base64: the length is not valid (a character is missing or one too many)');
  if (padding > 0 && (total + padding) % 4 !== 0) throw new Error("Invalid base64: wrong amount of '=' padding");
  if (count === 2) {
    out[o++] = (acc >> 4) & 255;
  } else if (count === 3) {
    out[o++] = (acc >> 10) & 255;
    out[o++] = (acc >> 2) & 255;
  }
  return out.slice(0, o);
}
