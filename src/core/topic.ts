/**
 * Topic exchange matching, as RabbitMQ does it (rabbit_exchange_type_topic /
 * rabbit_db_topic_exchange):
 *
 * - keys and patterns are split on '.'; the empty string has zero words, every
 *   other string has (number of dots + 1) words, empty words included
 *   ("a..b" is ['a', '', 'b'], "." is ['', '']);
 * - '*' matches exactly one word, '#' zero or more words; both are wildcards
 *   only as whole words ('a*', '##' are literals);
 * - words compare exactly (case-sensitive, code unit for code unit).
 *
 * All matching here is polynomial: many '#' words cannot make it blow up.
 */
import { pluralize } from './format';

/** More '#' words than this are refused by RabbitMQ 4.3.5+ (MAX_HASH_WILDCARDS). */
export const MAX_HASH_WILDCARDS = 2;
/** Routing and binding keys are AMQP 0-9-1 shortstr: at most 255 bytes of UTF-8. */
export const MAX_KEY_BYTES = 255;

/** Splits a routing key or binding pattern into words ("" -> [], "a..b" -> ['a', '', 'b']). */
export function splitWords(s: string): string[] {
  return s === '' ? [] : s.split('.');
}

/** True when a message published with `routingKey` is routed by a topic binding with `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = splitWords(pattern);
  const k = splitWords(routingKey);
  // reach[j]: pattern prefix consumed so far can end exactly after j key words.
  let reach = new Uint8Array(k.length + 1);
  reach[0] = 1;
  for (const word of p) {
    const next = new Uint8Array(k.length + 1);
    let any = false;
    if (word === '#') {
      let on = 0;
      for (let j = 0; j <= k.length; j++) {
        if (reach[j]) on = 1;
        if (on) {
          next[j] = 1;
          any = true;
        }
      }
    } else {
      for (let j = 0; j < k.length; j++) {
        if (reach[j] && (word === '*' || word === k[j])) {
          next[j + 1] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    reach = next;
  }
  return reach[k.length] === 1;
}

export interface TopicMatchStep {
  /** The pattern word ('*', '#' or a literal). */
  patternWord: string;
  /** The routing-key words it consumed ('*' and literals: one; '#': zero or more). */
  took: string[];
}

export interface TopicMatchExplanation {
  matches: boolean;
  /**
   * Matching: one step per pattern word. Not matching: the steps of the longest
   * alignment found before matching failed (see `reason`).
   */
  steps: TopicMatchStep[];
  /** Why it does not match (absent when it matches). */
  reason?: string;
}

/**
 * Explains how `pattern` lines up with `routingKey`. For a match the alignment
 * has every '#' take as few words as possible; for a mismatch it reports the
 * furthest point any alignment reached and why it could not go on.
 */
export function explainTopicMatch(pattern: string, routingKey: string): TopicMatchExplanation {
  const p = splitWords(pattern);
  const k = splitWords(routingKey);
  const width = k.length + 1;
  const failed = new Uint8Array((p.length + 1) * width);
  const steps: TopicMatchStep[] = [];
  let best = { i: -1, j: -1, steps: [] as TopicMatchStep[] };

  const better = (i: number, j: number): boolean => {
    if (i !== best.i) return i > best.i;
    // Same pattern word: prefer a state with a concrete key word to compare
    // against (a mismatch says more than "ran out of words"), then the later one.
    const jHasWord = j < k.length;
    const bestHasWord = best.j < k.length;
    if (jHasWord !== bestHasWord) return jHasWord;
    return j > best.j;
  };

  // Depth-first search over (pattern word i, key word j), iterative so long
  // patterns cannot overflow the stack; failed states are memoized.
  const search = (i0: number, j0: number): boolean => {
    type Frame = { i: number; j: number; next: number; end: number };
    const stack: Frame[] = [];
    const enter = (i: number, j: number): boolean | undefined => {
      if (failed[i * width + j]) return false;
      if (better(i, j)) best = { i, j, steps: steps.map((s) => ({ patternWord: s.patternWord, took: [...s.took] })) };
      if (i === p.length) {
        if (j === k.length) return true;
        failed[i * width + j] = 1;
        return false;
      }
      const w = p[i]!;
      if (w === '#') {
        stack.push({ i, j, next: j, end: k.length });
        return undefined;
      }
      if (j < k.length && (w === '*' || w === k[j])) {
        stack.push({ i, j, next: j + 1, end: j + 1 });
        return undefined;
      }
      failed[i * width + j] = 1;
      return false;
    };

    const first = enter(i0, j0);
    if (first !== undefined) return first;
    // Invariant: steps[f] is the candidate currently tried by stack frame f.
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next > top.end) {
        failed[top.i * width + top.j] = 1;
        stack.pop();
        steps.length = stack.length;
        continue;
      }
      const nj = top.next++;
      steps.length = stack.length - 1;
      steps.push({ patternWord: p[top.i]!, took: k.slice(top.j, nj) });
      if (enter(top.i + 1, nj) === true) return true;
    }
    return false;
  };

  if (search(0, 0)) return { matches: true, steps };

  return { matches: false, steps: best.steps, reason: failureReason(p, k, best.i, best.j, best.steps) };
}

function failureReason(p: string[], k: string[], i: number, j: number, steps: TopicMatchStep[]): string {
  const q = (s: string) => JSON.stringify(s);
  const remaining = k.slice(j);
  if (i === p.length) {
    if (p.length === 0) {
      return `the empty pattern only matches the empty routing key, and this key has ${pluralize(k.length, 'word')}`;
    }
    return `the pattern ends after word ${i} but the routing key has ${pluralize(remaining.length, 'more word')}: ${remaining.map(q).join(', ')}`;
  }
  const w = p[i]!;
  const after =
    steps.length > 0 && steps[steps.length - 1]!.patternWord === '#' ? ` (whatever '#' takes before it)` : '';
  if (j === k.length) {
    const what = w === '*' ? `'*' needs exactly one word` : `pattern word ${i + 1} ${q(w)} needs a word`;
    return `${what}, but the routing key has no words left${after}`;
  }
  return `pattern word ${i + 1} ${q(w)} does not match routing-key word ${j + 1} ${q(k[j]!)}${after}`;
}

/** UTF-8 length of a string, without Buffer or TextEncoder allocation. */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate (sent as U+FFFD, 3 bytes)
  }
  return n;
}

/** Problems with a topic binding pattern that RabbitMQ refuses or handles badly. */
export function topicPatternWarnings(pattern: string): string[] {
  const warnings: string[] = [];
  const hashes = splitWords(pattern).filter((w) => w === '#').length;
  if (hashes > MAX_HASH_WILDCARDS) {
    warnings.push(
      `uses ${hashes} '#' wildcards: more than ${MAX_HASH_WILDCARDS} are refused by RabbitMQ 4.3.5+, can stall routing on older brokers`,
    );
  }
  const bytes = utf8ByteLength(pattern);
  if (bytes > MAX_KEY_BYTES) warnings.push(`over 255 bytes (${bytes} bytes of UTF-8): AMQP 0-9-1 cannot send it`);
  return warnings;
}

/** Problems with a routing key. */
export function routingKeyWarnings(key: string): string[] {
  const bytes = utf8ByteLength(key);
  return bytes > MAX_KEY_BYTES ? [`over 255 bytes (${bytes} bytes of UTF-8): AMQP 0-9-1 cannot send it`] : [];
}

// ---------------------------------------------------------------------------

interface TrieNode<T> {
  id: number;
  parent: TrieNode<T> | undefined;
  word: string;
  children: Map<string, TrieNode<T>>;
  values: Set<T>;
  /** The pattern that ends at this node (patterns map 1:1 to nodes). */
  pattern: string;
}

/**
 * A trie of topic binding patterns, walked like RabbitMQ's topic exchange:
 * at each node try the literal word, then '*', then '#' (consuming 0..n words).
 * Visited (node, word index) pairs are remembered, so each routing key costs at
 * most nodes x (words + 1) steps whatever the number of '#'.
 */
export class TopicTrie<T> {
  private nextId = 0;
  private readonly root: TrieNode<T> = this.newNode(undefined, '', '');
  private count = 0;

  /** Number of (pattern, value) pairs stored. */
  get size(): number {
    return this.count;
  }

  /** Adds a binding; adding the same (pattern, value) twice is a no-op. Returns true if it was new. */
  add(pattern: string, value: T): boolean {
    let node = this.root;
    for (const w of splitWords(pattern)) {
      let child = node.children.get(w);
      if (!child) {
        child = this.newNode(node, w, '');
        node.children.set(w, child);
      }
      node = child;
    }
    node.pattern = pattern;
    if (node.values.has(value)) return false;
    node.values.add(value);
    this.count++;
    return true;
  }

  /** Removes a binding, pruning emptied nodes. Returns true if it was present. */
  remove(pattern: string, value: T): boolean {
    const node = this.find(pattern);
    if (!node || !node.values.delete(value)) return false;
    this.count--;
    let n: TrieNode<T> = node;
    while (n.parent && n.values.size === 0 && n.children.size === 0) {
      n.parent.children.delete(n.word);
      n = n.parent;
    }
    return true;
  }

  has(pattern: string, value: T): boolean {
    return this.find(pattern)?.values.has(value) ?? false;
  }

  clear(): void {
    this.root.children.clear();
    this.root.values.clear();
    this.count = 0;
  }

  /** The values of every pattern that matches `routingKey` (each once). */
  match(routingKey: string): Set<T> {
    const out = new Set<T>();
    this.walk(routingKey, (node) => {
      for (const v of node.values) out.add(v);
    });
    return out;
  }

  /** Like {@link match} but with the pattern that matched (one entry per matching pattern and value). */
  matchEntries(routingKey: string): Array<{ pattern: string; value: T }> {
    const out: Array<{ pattern: string; value: T }> = [];
    this.walk(routingKey, (node) => {
      for (const value of node.values) out.push({ pattern: node.pattern, value });
    });
    return out;
  }

  private walk(routingKey: string, visit: (node: TrieNode<T>) => void): void {
    const words = splitWords(routingKey);
    const width = words.length + 1;
    const seen = new Set<number>();
    const stack: Array<[TrieNode<T>, number]> = [[this.root, 0]];
    const push = (node: TrieNode<T> | undefined, j: number) => {
      if (!node) return;
      const key = node.id * width + j;
      if (seen.has(key)) return;
      seen.add(key);
      stack.push([node, j]);
    };
    seen.add(this.root.id * width);
    while (stack.length > 0) {
      const [node, j] = stack.pop()!;
      const hash = node.children.get('#');
      if (j === words.length) {
        if (node.values.size > 0) visit(node);
        push(hash, j);
        continue;
      }
      push(node.children.get(words[j]!), j + 1);
      push(node.children.get('*'), j + 1);
      if (hash) for (let m = j; m <= words.length; m++) push(hash, m);
    }
  }

  private find(pattern: string): TrieNode<T> | undefined {
    let node: TrieNode<T> | undefined = this.root;
    for (const w of splitWords(pattern)) {
      node = node.children.get(w);
      if (!node) return undefined;
    }
    return node;
  }

  private newNode(parent: TrieNode<T> | undefined, word: string, pattern: string): TrieNode<T> {
    return { id: this.nextId++, parent, word, children: new Map(), values: new Set(), pattern };
  }
}
