/**
 * Binding listings of the management API read with their number literals kept.
 *
 * The API writes an Erlang float (an AMQP float or double, and a decimal) with a decimal point or
 * an exponent ("5.0", "9.007199254740992e15") and an integer (every width, and timestamps)
 * without (measured on 3.10.8 and 4.0.5). JSON.parse makes both 5, and rounds integers beyond
 * 2^53; the headers exchange of 3.13+ tells 5 from 5.0 (headerEquality.ts). So the arguments of
 * each binding are read again from the response text: a whole number written as a float becomes
 * `{ '!': 'double', value }`, an integer beyond 2^53 `{ '!': 'int64', value: '<digits>' }`, and
 * the arguments object is marked (markNumbersRead) so that the routing tester knows a plain
 * whole number there is an integer. Anything unexpected leaves the plain JSON.parse result,
 * unmarked, which the tester treats as not exact.
 */
import { createScanner, type JSONScanner } from 'jsonc-parser';
import { markNumbersRead } from '../core/headerEquality';
import { setEntry } from '../core/fieldTypes';
import { JSON_TOKEN } from '../core/json';

const { OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, NULL, TRUE, FALSE, STRING, NUMBER } = JSON_TOKEN;

interface WithArguments {
  arguments?: unknown;
}

/** A bindings listing (a JSON array of bindings) with the arguments' numbers as written. */
export function parseBindingsText<T extends WithArguments>(text: string): T[] {
  const list = JSON.parse(text) as T[];
  if (!Array.isArray(list)) return list;
  if (!list.every((b) => typeof b?.arguments === 'object' && b.arguments !== null)) return list;
  if (!list.some((b) => hasNumber(b.arguments))) {
    for (const b of list) markNumbersRead(b.arguments as object);
    return list;
  }
  // The n-th top-level "arguments" key is the n-th binding's (its other fields are strings).
  const key = /"arguments"\s*:/g;
  const scanner = createScanner(text, true);
  const typed: object[] = [];
  for (const b of list) {
    const m = key.exec(text);
    if (!m) return list;
    scanner.setPosition(m.index + m[0].length);
    scanner.scan();
    let value: unknown;
    try {
      value = readValue(scanner, 0);
    } catch {
      return list;
    }
    key.lastIndex = scanner.getPosition();
    if (!sameNumbers(value, b.arguments)) return list;
    typed.push(value as object);
  }
  list.forEach((b, i) => (b.arguments = markNumbersRead(typed[i]!)));
  return list;
}

function hasNumber(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v).some(hasNumber);
}

function readValue(s: JSONScanner, depth: number): unknown {
  if (depth > 100) throw new Error('too deep');
  switch (s.getToken()) {
    case STRING:
      return s.getTokenValue();
    case TRUE:
      return true;
    case FALSE:
      return false;
    case NULL:
      return null;
    case NUMBER:
      return numberOf(s.getTokenValue());
    case OPEN_BRACKET: {
      const out: unknown[] = [];
      s.scan();
      while (s.getToken() !== CLOSE_BRACKET) {
        out.push(readValue(s, depth + 1));
        s.scan();
        if (s.getToken() === COMMA) s.scan();
      }
      return out;
    }
    case OPEN_BRACE: {
      const out: Record<string, unknown> = {};
      s.scan();
      while (s.getToken() !== CLOSE_BRACE) {
        if (s.getToken() !== STRING) throw new Error('key expected');
        const k = s.getTokenValue();
        s.scan(); // colon
        s.scan();
        setEntry(out, k, readValue(s, depth + 1));
        s.scan();
        if (s.getToken() === COMMA) s.scan();
      }
      return out;
    }
    default:
      throw new Error('unexpected token');
  }
}

function numberOf(text: string): unknown {
  const n = Number(text);
  if (/[.eE]/.test(text)) return Number.isInteger(n) ? { '!': 'double', value: n } : n;
  if (!Number.isSafeInteger(n)) return { '!': 'int64', value: BigInt(text).toString() };
  return n;
}

/** The re-read value is the JSON.parse one, numbers compared by value (a guard against a misread). */
function sameNumbers(a: unknown, b: unknown): boolean {
  if (typeof b === 'number') {
    const o = a as { '!'?: unknown; value?: unknown };
    if (typeof a === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
    return typeof a === 'object' && a !== null && Number(o.value) === b;
  }
  if (typeof b !== 'object' || b === null) return a === b;
  if (typeof a !== 'object' || a === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  return bk.every(
    (k, i) => ak[i] === k && sameNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
