/**
 * "Load file…" in the publish form: which body type a file's bytes load as.
 * - JSON (shown as text, checked as JSON): a `.json` file that is valid UTF-8, or any file whose
 *   text is a JSON object or array. A UTF-8 byte order mark is dropped (JSON must not start with
 *   one); the note says so.
 * - Text: other valid UTF-8 without NUL bytes (a byte order mark is kept, so the bytes sent are the
 *   file's bytes). An empty file is an empty text body.
 * - Binary (base64): anything else (NUL bytes, invalid UTF-8), byte for byte.
 */
import type { BodyMode } from '../protocol/publish';
import { bytesToBase64 } from './base64';

export interface FileBody {
  bodyMode: BodyMode;
  body: string;
  /** Why, for the form's "loaded from" line: "JSON", "text", "binary: not UTF-8 text". */
  note: string;
}

const BOM = '\uFEFF';

export function bodyFromFile(fileName: string, bytes: Uint8Array): FileBody {
  const binary = (why: string): FileBody => ({
    bodyMode: 'base64',
    body: bytesToBase64(bytes),
    note: `binary: ${why}`,
  });
  if (bytes.includes(0)) return binary('contains NUL bytes');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return binary('not UTF-8 text');
  }
  const hasBom = text.startsWith(BOM);
  const content = hasBom ? text.slice(1) : text;
  const isJsonFile = /\.json$/i.test(fileName);
  const start = content.trimStart()[0];
  if (content.trim() !== '' && (isJsonFile || start === '{' || start === '[')) {
    let parses = true;
    try {
      JSON.parse(content);
    } catch {
      parses = false;
    }
    // A .json file loads as JSON even when it does not parse: the form then points at the error.
    if (parses || isJsonFile)
      return { bodyMode: 'json', body: content, note: hasBom ? 'JSON, byte order mark dropped' : 'JSON' };
  }
  return { bodyMode: 'text', body: text, note: 'text' };
}
