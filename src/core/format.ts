/**
 * Small, locale-independent presentation helpers (tree descriptions, tooltips,
 * status bar). Non-finite input renders as an em dash.
 */

const DASH = '—';

/** 1234 -> "1,234"; up to 99,999 exact, then 123.4k, 1.2M, 3.4B, 5.6T. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  const sign = n < 0 ? '-' : '';
  const abs = Math.round(Math.abs(n));
  if (abs < 100_000) return sign + groupThousands(abs);
  return sign + compact(abs, [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'B'],
    [1e12, 'T'],
  ]);
}

/**
 * A per-second rate: "0/s", "<0.01/s", "0.25/s", "12.3/s", "1,234/s", "123.4k/s".
 */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return `${DASH}/s`;
  if (perSecond === 0) return '0/s';
  const sign = perSecond < 0 ? '-' : '';
  const abs = Math.abs(perSecond);
  if (abs < 0.01) return `${sign}<0.01/s`;
  if (abs < 1 && Number(abs.toFixed(2)) < 1) return `${sign}${abs.toFixed(2)}/s`;
  if (abs < 100 && Number(abs.toFixed(1)) < 100) return `${sign}${abs.toFixed(1)}/s`;
  return `${formatCount(perSecond)}/s`;
}

/** Bytes in binary units: "0 B", "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  if (Math.round(value) < 1024) return `${sign}${Math.round(value)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = -1;
  while (unit < units.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit++;
  }
  if (unit < 0) {
    // Rounded to 1024 B: show as 1.0 KiB.
    value /= 1024;
    unit = 0;
  }
  return `${sign}${value.toFixed(1)} ${units[unit]}`;
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
