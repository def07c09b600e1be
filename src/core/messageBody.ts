/**
 * Message bodies for display: pretty JSON, text, or a classic hex dump, decoded from a prefix
 * of the bytes only when the body is large. Pure and browser-safe (Uint8Array and TextDecoder).
 */
import { prettyJson } from './json';

export interface DecodedBody {
  kind: 'json' | 'text' | 'binary';
  text: string;
  truncated: boolean;
  /** Size of the whole body in bytes. */
  size: number;
}

export const DEFAULT_MAX_CHARS = 100_000;
/** Bodies up to this size are decoded whole so JSON can be recognised and pretty-printed. */
const JSON_FULL_PARSE_LIMIT = 4 * 1024 * 1024;
/**
 * C0 controls except \t \n \r, DEL and C1 controls: text holding one of these is shown as a
 * hex dump (decodeBody here, the tail row preview in display.ts).
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/;

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const base = contentType.split(';')[0].trim().toLowerCase();
  return base === 'application/json' || base === 'text/json' || base.endsWith('+json');
}

/** Decodes UTF-8 strictly; undefined if the bytes are not valid UTF-8. `partial` tolerates a sequence cut at the end. */
export function strictUtf8(bytes: Uint8Array, partial: boolean): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: partial });
  } catch {
    return undefined;
  }
}

function cutChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end);
}

/**
 * Decodes a body for display: pretty JSON, text, or a hex dump. Never builds a string much
 * longer than maxChars, whatever the body size (the bytes are sliced before decoding).
 */
export function decodeBody(body: Uint8Array, contentType?: string, opts: { maxChars?: number } = {}): DecodedBody {
  const maxChars = Math.max(1, Math.floor(opts.maxChars ?? DEFAULT_MAX_CHARS));
  const size = body.byteLength;
  const jsonType = isJsonContentType(contentType);

  if (size <= JSON_FULL_PARSE_LIMIT || size <= maxChars) {
    const text = strictUtf8(body, false);
    if (text !== undefined) {
      let json: string | undefined;
      if (mayBeJson(text)) {
        try {
          JSON.parse(text);
          // +1 so that truncation is detected; the printer stops early on huge documents.
          json = prettyJson(text, maxChars + 1);
        } catch {
          json = undefined;
        }
      }
      if (json !== undefined) {
        return { kind: 'json', text: cutChars(json, maxChars), truncated: json.length > maxChars, size };
      }
      if (!CONTROL_CHARS.test(text)) {
        return { kind: 'text', text: cutChars(text, maxChars), truncated: text.length > maxChars, size };
      }
    }
    return hexResult(body, maxChars, size);
  }

  // Large body: look at a prefix only. A UTF-8 sequence yields at most one UTF-16 unit per byte,
  // so maxChars bytes cannot give more than maxChars characters; take a little more to fill the view.
  const prefixBytes = body.subarray(0, Math.min(size, maxChars * 3));
  const text = strictUtf8(prefixBytes, true);
  if (text !== undefined && !CONTROL_CHARS.test(text)) {
    const shown = cutChars(text, maxChars);
    // Too large to parse whole: a JSON content type keeps the json kind, shown unformatted.
    return { kind: jsonType ? 'json' : 'text', text: shown, truncated: true, size };
  }
  return hexResult(body, maxChars, size);
}

/**
 * False when JSON.parse cannot succeed on text because its first non-whitespace character starts
 * no JSON value: a cheap rejection of ordinary text before trying to parse it.
 */
export function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return '{["-0123456789tfn'.includes(c);
  }
  return false;
}

const HEX_LINE_CHARS = 79; // "00000000  xx xx … xx  |................|\n"

function hexResult(body: Uint8Array, maxChars: number, size: number): DecodedBody {
  const maxLines = Math.max(1, Math.floor(maxChars / HEX_LINE_CHARS));
  const bytes = Math.min(size, maxLines * 16);
  return { kind: 'binary', text: hexDump(body.subarray(0, bytes)), truncated: bytes < size, size };
}

export const HEX_DIGITS = '0123456789abcdef';

/** Classic hex dump: offset, 16 bytes in hex (gap after 8), ASCII column with '.' for non-printables. */
export function hexDump(bytes: Uint8Array, startOffset = 0): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const idx = off + i;
      if (idx < bytes.length) {
        const b = bytes[idx];
        hex += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15] + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${(startOffset + off).toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n');
}
