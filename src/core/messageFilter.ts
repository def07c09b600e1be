/**
 * The message filter of the peek and tail panels: a case-insensitive substring match.
 */
import { headerValueText } from './fieldValues';
import type { CapturedMessage } from './message';

export const FILTER_BODY_BYTES = 64 * 1024;

const lenientUtf8 = new TextDecoder('utf-8');

/** A predicate for one filter text (lower-cases the needle once). Empty text matches everything. */
export function createFilter(text: string): (msg: CapturedMessage) => boolean {
  const needle = text.toLowerCase();
  if (needle === '') return () => true;
  return (msg) => {
    if (msg.routingKey.toLowerCase().includes(needle)) return true;
    if (msg.exchange.toLowerCase().includes(needle)) return true;
    const headers = msg.properties.headers;
    if (headers) {
      for (const name in headers) {
        if (name.toLowerCase().includes(needle)) return true;
        const v = headers[name];
        const s = typeof v === 'string' ? v : headerValueText(v);
        if (s.toLowerCase().includes(needle)) return true;
      }
    }
    const body = msg.body.byteLength > FILTER_BODY_BYTES ? msg.body.subarray(0, FILTER_BODY_BYTES) : msg.body;
    return lenientUtf8.decode(body).toLowerCase().includes(needle);
  };
}

/** Case-insensitive substring match over routing key, exchange, header names/values and the first 64 KB of the body. */
export function matchesFilter(msg: CapturedMessage, text: string): boolean {
  return createFilter(text)(msg);
}

export function filterMessages(messages: readonly CapturedMessage[], text: string): CapturedMessage[] {
  const f = createFilter(text);
  return messages.filter(f);
}
