/**
 * Burrow's presentation helpers for numbers and times (tree descriptions, tooltips, messages,
 * header values), locale-independent. Non-finite counts render as an em dash.
 */

const DASH = '—';

/** 1234 -> "1,234"; up to 99,999 exact, then 123.4k, 1.2M, 3.4B, 5.6T. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  const sign = n < 0 ? '-' : '';
  const abs = Math.round(Math.abs(n));
  if (abs < 100_000) return sign + groupThousands(abs);
  return (
    sign +
    compact(abs, [
      [1e3, 'k'],
      [1e6, 'M'],
      [1e9, 'B'],
      [1e12, 'T'],
    ])
  );
}

/** AMQP timestamp (seconds since the epoch) as an ISO date; the number itself if it is no date. */
export function formatTimestamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}

/**
 * "1 queue", "0 queues", "2 messages", "3 bindings", "1,234 entries".
 * Pass `plural` for irregular words.
 */
export function pluralize(n: number, word: string, plural?: string): string {
  const one = Math.abs(n) === 1;
  return `${formatCount(n)} ${one ? word : (plural ?? pluralOf(word))}`;
}

// ---------------------------------------------------------------------------

function groupThousands(n: number): string {
  const digits = String(n);
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

function compact(abs: number, units: Array<[number, string]>): string {
  for (let u = 0; u < units.length; u++) {
    const [size, suffix] = units[u]!;
    const scaled = Math.round((abs / size) * 10) / 10;
    if (scaled < 1000 || u === units.length - 1) {
      return `${trimZero(scaled.toFixed(1))}${suffix}`;
    }
  }
  return String(abs); // unreachable
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

function pluralOf(word: string): string {
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}
