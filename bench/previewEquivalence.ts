/**
 * Checks that toTailRow's fast path (bodies up to 640 bytes: JSON.parse, then oneLineJson's
 * one-line layout) gives the same preview and kind as the general definition
 * `decodeBody(body, ct, { maxChars: 640 }).text.replace(/\s+/g, ' ').slice(0, 160)` (what it
 * computed for every body of that size before),
 * on random valid, mutated (mostly invalid) and binary bodies.
 *
 *   node --import tsx bench/previewEquivalence.ts [cases]
 *
 * The one accepted difference: the general definition pretty-prints at most 640 characters,
 * so deeply indented JSON used to give a preview shorter than 160 characters; the fast path
 * shows the full 160 (the old preview is then a prefix of the new one).
 */
import { toTailRow } from '../src/core/display';
import type { CapturedMessage } from '../src/core/message';
import { decodeBody } from '../src/core/messageBody';

function reference(body: Uint8Array): { preview: string; kind: string } {
  const d = decodeBody(body, undefined, { maxChars: 640 });
  if (d.kind === 'binary') {
    let out = '';
    const n = Math.min(body.length, 32);
    for (let i = 0; i < n; i++) out += body[i]!.toString(16).padStart(2, '0') + (i % 2 ? ' ' : '');
    return { preview: `${out.trim()}${body.length > n ? ' …' : ''}`, kind: 'binary' };
  }
  return { preview: d.text.replace(/\s+/g, ' ').slice(0, 160), kind: d.kind };
}

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
const ATOMS = [
  '1',
  '-0',
  '0.5',
  '-2.5e10',
  '1E+2',
  '1e-7',
  'true',
  'false',
  'null',
  '12345678901234567890',
  '1.0',
  '"s"',
  '""',
  '"a  b"',
  '"\\u00e9\\n\\t\\"\\\\\\/"',
  '"\u00a0x\u3000\u3000y"',
  '"é ü 😀"',
  '"\\ud800"',
  JSON.stringify(' '.repeat(40) + 'x'),
];
const WS = ['', '', ' ', '\n  ', '\t', ' \r\n '];
const JUNK = [
  '',
  ' ',
  ',',
  ':',
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  '0',
  '-',
  '.',
  'e',
  '+',
  't',
  'x',
  '\u0001',
  '\n',
  '01',
  'tru',
  '\\u12',
  '\\x',
];

function value(depth: number, maxDepth: number): string {
  const k = rnd();
  if (depth >= maxDepth || k < 0.35) return pick(ATOMS);
  const n = depth > 3 ? 1 : Math.floor(rnd() * 4);
  if (k < 0.65)
    return (
      '[' +
      pick(WS) +
      Array.from({ length: n }, () => value(depth + 1, maxDepth)).join(pick(WS) + ',' + pick(WS)) +
      pick(WS) +
      ']'
    );
  return (
    '{' +
    pick(WS) +
    Array.from(
      { length: n },
      () => pick(['"k"', '"a b"', '""', '"\\u0041"']) + pick(WS) + ':' + pick(WS) + value(depth + 1, maxDepth),
    ).join(',' + pick(WS)) +
    pick(WS) +
    '}'
  );
}

function mutate(s: string): string {
  for (let t = Math.floor(rnd() * 4); t >= 0; t--) {
    const p = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    s =
      op < 0.4
        ? s.slice(0, p) + pick(JUNK) + s.slice(p)
        : op < 0.8
          ? s.slice(0, p) + s.slice(p + 1)
          : s.slice(0, p) + pick(JUNK) + s.slice(p + 1);
  }
  return s;
}

const cases = Number(process.argv[2] ?? 200_000);
const enc = new TextEncoder();
const msg = (body: Uint8Array): CapturedMessage => ({
  seq: 1,
  exchange: '',
  routingKey: 'k',
  redelivered: false,
  properties: {},
  body,
  size: body.byteLength,
  receivedAt: 0,
});
let same = 0;
let longer = 0;
let differ = 0;
let skipped = 0;
for (let i = 0; i < cases; i++) {
  const k = rnd();
  let body: Uint8Array;
  if (k < 0.05) body = Uint8Array.from({ length: Math.floor(rnd() * 700) }, () => Math.floor(rnd() * 256));
  else {
    let text = (rnd() < 0.1 ? pick(WS) : '') + value(0, 1 + Math.floor(rnd() * 25)) + (rnd() < 0.1 ? pick(WS) : '');
    if (rnd() < 0.4) text = mutate(text);
    if (rnd() < 0.05) text = pick(ATOMS) + '  plain   text\n' + text;
    body = enc.encode(text);
  }
  // Larger bodies take the unchanged general path (decodeBody on the first 640 bytes).
  if (body.byteLength > 640) {
    skipped++;
    continue;
  }
  const want = reference(body);
  const got = toTailRow(msg(body));
  if (got.preview === want.preview && got.kind === want.kind) same++;
  else if (
    got.kind === 'json' &&
    want.kind === 'json' &&
    want.preview.length < 160 &&
    got.preview.startsWith(want.preview.replace(/ $/, ''))
  )
    longer++;
  else {
    differ++;
    if (differ <= 5)
      console.log(
        'DIFFERENT',
        JSON.stringify(new TextDecoder().decode(body)).slice(0, 200),
        '\n  reference',
        JSON.stringify(want),
        '\n  toTailRow',
        JSON.stringify({ preview: got.preview, kind: got.kind }),
      );
  }
}
console.log(
  `${cases} bodies (${skipped} over 640 bytes skipped): ${same} identical, ${longer} deeply indented JSON with a longer (full 160-char) preview, ${differ} different`,
);
process.exit(differ === 0 ? 0 : 1);
