/**
 * Worst-case input rows (pure CPU, no broker): the time limits the unit tests used to assert,
 * measured here against a baseline taken in the same run.
 * - decoding a 50 MB body for display looks at a prefix only: against one TextDecoder pass over
 *   the whole body (the least a viewer that decoded it whole would pay);
 * - topic matching with many '#' words stays polynomial: against the same calls with a literal
 *   pattern of the same length (the polynomial walk measured 45-65× that on a shared 2-core
 *   machine; one more factor of the key length would be thousands, and a backtracking matcher
 *   would not finish).
 */
import { base64ToBytes, bytesToBase64 } from '../src/core/base64';
import { decodeBody } from '../src/core/messageBody';
import { TopicTrie, explainTopicMatch, topicMatches } from '../src/core/topic';
import { fmt, median, now, type BenchRow } from './harness';

/** Median time (ms) per call of each side over alternating rounds (baseline first). */
function alternate(rounds: number, baseline: () => void, ours: () => void): { base: number; mine: number } {
  baseline();
  ours();
  const base: number[] = [];
  const mine: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = now();
    baseline();
    base.push(now() - t);
    t = now();
    ours();
    mine.push(now() - t);
  }
  return { base: median(base), mine: median(mine) };
}

export const decodeRow: BenchRow = {
  figure: 'show a 50 MB body (JSON-typed, text, binary)',
  target: '≥ 10× faster',
  brokerless: true,
  baselineName: 'TextDecoder over each whole body',
  async run(ctx) {
    const size = (ctx.smoke ? 5 : 50) * 1024 * 1024;
    const text = new Uint8Array(size).fill(0x61); // 'a'
    const json = text.slice();
    json[0] = 0x7b; // '{': looks like JSON, too large to parse whole
    const binary = new Uint8Array(size); // zeros
    const bodies: [Uint8Array, string | undefined][] = [
      [json, 'application/json'],
      [text, undefined],
      [binary, undefined],
    ];
    const kinds = bodies.map(([b, ct]) => decodeBody(b, ct).kind).join(', ');
    if (kinds !== 'json, text, binary') throw new Error(`decodeBody gave ${kinds}`);
    const decoder = new TextDecoder();
    const rounds = ctx.smoke ? 2 : 9;
    const { base, mine } = alternate(
      rounds,
      () => bodies.forEach(([b]) => decoder.decode(b)),
      () => bodies.forEach(([b, ct]) => decodeBody(b, ct)),
    );
    return {
      ours: fmt.ms(mine),
      baseline: fmt.ms(base),
      ratio: `${(base / mine).toFixed(0)}× faster`,
      pass: base / mine >= 10,
      method: `decodeBody (100,000 characters shown) on three ${fmt.mb(size)} bodies (JSON-typed, plain text, zeros) vs TextDecoder.decode of each whole body; median of ${rounds} alternating rounds of all three`,
    };
  },
};

export const topicWorstRow: BenchRow = {
  figure: "topic match with 15 '#' words against a 61-word key",
  target: '≤ 200× the literal pattern',
  brokerless: true,
  baselineName: 'a literal pattern of the same key',
  async run(ctx) {
    const hashes = '#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.x';
    const miss = Array(60).fill('a').join('.');
    const hit = `${miss}.x`;
    const literal = hit;
    const calls = (pattern: string, trie: TopicTrie<string>) => () => {
      for (let i = 0; i < 10; i++) {
        topicMatches(pattern, miss);
        topicMatches(pattern, hit);
        explainTopicMatch(pattern, miss);
        explainTopicMatch(pattern, hit);
        trie.match(miss);
        trie.match(hit);
      }
    };
    const trieOf = (pattern: string) => {
      const t = new TopicTrie<string>();
      t.add(pattern, 'q');
      return t;
    };
    if (topicMatches(hashes, miss) || !topicMatches(hashes, hit) || !trieOf(hashes).match(hit).has('q'))
      throw new Error('wrong topic match');
    const rounds = ctx.smoke ? 5 : 200;
    const { base, mine } = alternate(rounds, calls(literal, trieOf(literal)), calls(hashes, trieOf(hashes)));
    const ratio = mine / base;
    return {
      ours: fmt.ms(mine / 10),
      baseline: fmt.ms(base / 10),
      ratio: `${ratio.toFixed(1)}×`,
      pass: ratio <= 200,
      method: `topicMatches, explainTopicMatch and TopicTrie.match, each on a 60-word miss and a 61-word hit; ours with ${JSON.stringify(hashes)}, baseline with the literal 61-word pattern; median time per set of six calls over ${rounds} alternating rounds of ten sets`,
    };
  },
};

/**
 * base64 of a 50 MB body both ways (export and import of a message, a binary body in the publish
 * form): bytesToBase64 / base64ToBytes against raw Buffer calls in the same run. Before they went
 * through Buffer, the portable loop took about 75× Buffer's time (2.3 s against 31 ms for 15 MB).
 */
export const base64Row: BenchRow = {
  figure: 'base64 a 50 MB body and back',
  target: '≤ 2× raw Buffer',
  brokerless: true,
  baselineName: 'Buffer toString/from base64',
  async run(ctx) {
    const size = (ctx.smoke ? 5 : 50) * 1024 * 1024;
    const bytes = new Uint8Array(size).map((_, i) => (i * 131) & 255);
    const rounds = ctx.smoke ? 2 : 7;
    const { base, mine } = alternate(
      rounds,
      () => {
        const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
        if (Buffer.from(b64, 'base64').length !== size) throw new Error('Buffer round trip lost bytes');
      },
      () => {
        if (base64ToBytes(bytesToBase64(bytes)).length !== size) throw new Error('base64 round trip lost bytes');
      },
    );
    return {
      ours: fmt.ms(mine),
      baseline: fmt.ms(base),
      ratio: `${(mine / base).toFixed(2)}×`,
      pass: mine / base <= 2,
      method: `bytesToBase64 then base64ToBytes of a ${fmt.mb(size)} body vs Buffer.toString('base64') then Buffer.from(…, 'base64'); median of ${rounds} alternating rounds`,
    };
  },
};
