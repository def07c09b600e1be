import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  splitWords,
  topicMatches,
  explainTopicMatch,
  topicPatternWarnings,
  routingKeyWarnings,
  utf8ByteLength,
  TopicTrie,
} from '../../src/core/topic';

// ---------------------------------------------------------------------------
// Independent reference matcher: a transcription of ref_match/2 from
// rabbitmq-server deps/rabbit/test/rabbit_db_topic_exchange_SUITE.erl.
// Exponential, only used on small inputs.
function refMatch(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [w, ...rest] = pattern;
  if (w === '#') {
    if (rest.length === 0) return true;
    for (let n = 0; n <= key.length; n++) if (refMatch(rest, key.slice(n))) return true;
    return false;
  }
  if (key.length === 0) return false;
  if (w === '*' || w === key[0]) return refMatch(rest, key.slice(1));
  return false;
}
const ref = (p: string, k: string) => refMatch(splitWords(p), splitWords(k));

// Deterministic PRNG (mulberry32).
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomWords(rand: () => number, alphabet: string[], maxWords: number): string {
  const n = Math.floor(rand() * (maxWords + 1));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(alphabet[Math.floor(rand() * alphabet.length)]!);
  // [] and [''] both join to '': that is fine, '' has zero words.
  return words.join('.');
}

// ---------------------------------------------------------------------------
// RabbitMQ's own topic routing table: deps/rabbit/test/routing_SUITE.erl, topic1/1
// (formerly unit_access_control_SUITE / rabbit_tests test_topic_matching).
const ROUTING_SUITE_BINDINGS: Array<[pattern: string, queue: string, args: string]> = [
  ['a.b.c', 't1', ''],
  ['a.*.c', 't2', ''],
  ['a.#.b', 't3', ''],
  ['a.b.b.c', 't4', ''],
  ['#', 't5', ''],
  ['#.#', 't6', ''],
  ['#.b', 't7', ''],
  ['*.*', 't8', ''],
  ['a.*', 't9', ''],
  ['*.b.c', 't10', ''],
  ['a.#', 't11', ''],
  ['a.#.#', 't12', ''],
  ['b.b.c', 't13', ''],
  ['a.b.b', 't14', ''],
  ['a.b', 't15', ''],
  ['b.c', 't16', ''],
  ['', 't17', ''],
  ['*.*.*', 't18', ''],
  ['vodka.martini', 't19', ''],
  ['a.b.c', 't20', ''],
  ['*.#', 't21', ''],
  ['#.*.#', 't22', ''],
  ['*.#.#', 't23', ''],
  ['*', 't25', ''],
  ['#.b.#', 't26', ''],
  ['args-test', 't27', 'foo=bar'],
  ['args-test', 't27', 'foo=baz'], // "Note aliasing": same queue, other arguments
];

const ROUTING_SUITE_EXPECT_1: Array<[key: string, queues: string[]]> = [
  ['a.b.c', ['t1', 't2', 't5', 't6', 't10', 't11', 't12', 't18', 't20', 't21', 't22', 't23', 't26']],
  ['a.b', ['t3', 't5', 't6', 't7', 't8', 't9', 't11', 't12', 't15', 't21', 't22', 't23', 't26']],
  ['a.b.b', ['t3', 't5', 't6', 't7', 't11', 't12', 't14', 't18', 't21', 't22', 't23', 't26']],
  ['', ['t5', 't6', 't17']],
  ['b.c.c', ['t5', 't6', 't18', 't21', 't22', 't23', 't26']],
  ['a.a.a.a.a', ['t5', 't6', 't11', 't12', 't21', 't22', 't23']],
  ['vodka.gin', ['t5', 't6', 't8', 't21', 't22', 't23']],
  ['vodka.martini', ['t5', 't6', 't8', 't19', 't21', 't22', 't23']],
  ['b.b.c', ['t5', 't6', 't10', 't13', 't18', 't21', 't22', 't23', 't26']],
  ['nothing.here.at.all', ['t5', 't6', 't21', 't22', 't23']],
  ['oneword', ['t5', 't6', 't21', 't22', 't23', 't25']],
  ['args-test', ['t5', 't6', 't21', 't22', 't23', 't25', 't27']],
];

// After removing bindings number 1, 5, 11, 19, 21 and 27 (1-based).
const ROUTING_SUITE_REMOVED = [1, 5, 11, 19, 21, 27];
const ROUTING_SUITE_EXPECT_2: Array<[key: string, queues: string[]]> = [
  ['a.b.c', ['t2', 't6', 't10', 't12', 't18', 't20', 't22', 't23', 't26']],
  ['a.b', ['t3', 't6', 't7', 't8', 't9', 't12', 't15', 't22', 't23', 't26']],
  ['a.b.b', ['t3', 't6', 't7', 't12', 't14', 't18', 't22', 't23', 't26']],
  ['', ['t6', 't17']],
  ['b.c.c', ['t6', 't18', 't22', 't23', 't26']],
  ['a.a.a.a.a', ['t6', 't12', 't22', 't23']],
  ['vodka.gin', ['t6', 't8', 't22', 't23']],
  ['vodka.martini', ['t6', 't8', 't22', 't23']],
  ['b.b.c', ['t6', 't10', 't13', 't18', 't22', 't23', 't26']],
  ['nothing.here.at.all', ['t6', 't22', 't23']],
  ['oneword', ['t6', 't22', 't23', 't25']],
  ['args-test', ['t6', 't22', 't23', 't25', 't27']],
];

// Cases from deps/rabbit/test/rabbit_db_topic_exchange_SUITE.erl: [bindings, [key, expected queues]].
const T26 = 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z';
const DB_SUITE: Array<{ name: string; bindings: Array<[string, string]>; expect: Array<[string, string[]]> }> = [
  {
    name: 'topic_match_basic',
    bindings: [['foo.bar', 'q-foo'], ['foo.baz', 'q-bar'], ['other.key', 'q-baz']],
    expect: [['foo.bar', ['q-foo']], ['foo.baz', ['q-bar']], ['other.key', ['q-baz']], ['no.match', []]],
  },
  {
    name: 'topic_match_wildcards',
    bindings: [['foo.*', 'q-star'], ['foo.#', 'q-hash'], ['foo.bar', 'q-exact'], ['foo.*.baz', 'q-deep'], ['#', 'q-all']],
    expect: [
      ['foo.bar', ['q-all', 'q-exact', 'q-hash', 'q-star']],
      ['foo.bar.baz', ['q-all', 'q-deep', 'q-hash']],
      ['foo.bar.baz.qux', ['q-all', 'q-hash']],
      ['foo.qux', ['q-all', 'q-hash', 'q-star']],
      ['bar.foo', ['q-all']],
    ],
  },
  {
    name: 'topic_match_hash_middle',
    bindings: [['#.c', 'q1'], ['#.b.c', 'q2'], ['a.#.d', 'q3'], ['#.*.#', 'q4']],
    expect: [
      ['a.b.c', ['q1', 'q2', 'q4']],
      ['c', ['q1', 'q4']],
      ['x.y.b.c', ['q1', 'q2', 'q4']],
      ['a.d', ['q3', 'q4']],
      ['a.b.c.d', ['q3', 'q4']],
      ['x', ['q4']],
      ['x.c', ['q1', 'q4']],
    ],
  },
  {
    name: 'topic_match_empty_routing_key',
    bindings: [['#', 'q-hash'], ['foo.bar', 'q-exact']],
    expect: [['', ['q-hash']], ['foo.bar', ['q-exact', 'q-hash']]],
  },
  {
    name: 'topic_match_deep_hierarchy',
    bindings: [['#', 'q-all'], [`${T26}.#`, 'q-prefix'], [`${T26}.*`, 'q-prefix-star']],
    expect: [[T26, ['q-all', 'q-prefix']], [`${T26}.1`, ['q-all', 'q-prefix', 'q-prefix-star']]],
  },
  {
    name: 'topic_match_all_wildcards',
    bindings: [['*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.#', 'q-wild']],
    expect: [[T26, ['q-wild']]],
  },
  {
    name: 'topic_match_alternating_wildcards',
    bindings: [['a.*.c.*.e.*.g.*.i.*.k.*.m.*.o.*.q.*.s.*.u.*.w.*.y.*.#', 'q-alt']],
    expect: [[T26, ['q-alt']]],
  },
  {
    name: 'topic_match_many_hashes',
    bindings: [[Array(15).fill('#').join('.'), 'q-many-hashes']],
    expect: [[Array(31).fill('a').join('.'), ['q-many-hashes']]],
  },
  {
    name: 'topic_match_overlapping_filters',
    bindings: [
      ['a.b', 'q1'], ['a.b.#', 'q2'], ['a.b.c', 'q3'], ['a.b.*', 'q4'],
      ['a.b.d', 'q5'], ['a.*.*', 'q6'], ['a.*.#', 'q7'], ['*.b.c', 'q8'],
    ],
    expect: [['a.b.c', ['q2', 'q3', 'q4', 'q6', 'q7', 'q8']], ['a.b', ['q1', 'q2', 'q7']]],
  },
  {
    name: 'topic_match_empty_segments',
    bindings: [['.#', 'q-hash'], ['.*', 'q-star'], ['.*.a.b.c', 'q-deep']],
    expect: [['.0.a.b.c', ['q-hash', 'q-deep']]],
  },
  {
    name: 'topic_match_unicode',
    bindings: [
      ['传感器.温度.摄氏', 'q-cjk'],
      ['🏠.🌡️.📊', 'q-emoji'],
      ['датчик.температура.цельсий', 'q-cyrillic'],
      ['sensor.données.état', 'q-mixed'],
      ['传感器.*.摄氏', 'q-wild'],
      ['датчик.#', 'q-hash'],
      ['#', 'q-all'],
    ],
    expect: [
      ['传感器.温度.摄氏', ['q-cjk', 'q-wild', 'q-all']],
      ['🏠.🌡️.📊', ['q-emoji', 'q-all']],
      ['датчик.температура.цельсий', ['q-cyrillic', 'q-hash', 'q-all']],
      ['sensor.données.état', ['q-mixed', 'q-all']],
      ['传感器.压力.摄氏', ['q-wild', 'q-all']],
      ['датчик.давление', ['q-hash', 'q-all']],
    ],
  },
];

// RabbitMQ tutorial 5 (topics): Q1 *.orange.*, Q2 *.*.rabbit and lazy.#.
const TUTORIAL_BINDINGS: Array<[string, string]> = [['*.orange.*', 'Q1'], ['*.*.rabbit', 'Q2'], ['lazy.#', 'Q2']];
const TUTORIAL_EXPECT: Array<[string, string[]]> = [
  ['quick.orange.rabbit', ['Q1', 'Q2']],
  ['lazy.orange.elephant', ['Q1', 'Q2']],
  ['quick.orange.fox', ['Q1']],
  ['lazy.brown.fox', ['Q2']],
  ['lazy.pink.rabbit', ['Q2']], // delivered once although two bindings match
  ['quick.brown.fox', []],
  ['orange', []],
  ['quick.orange.new.rabbit', []],
  ['lazy.orange.new.rabbit', ['Q2']],
  ['quick.orange.male.rabbit', []],
  ['lazy', ['Q2']],
];

// [pattern, key, matches] — edge cases.
const EDGE_CASES: Array<[string, string, boolean]> = [
  ['', '', true],
  ['#', '', true],
  ['*', '', false],
  ['', 'a', false],
  ['a', '', false],
  ['#.#', '', true],
  ['#.*', '', false],
  ['*.*', '.', true], // "." is two empty words
  ['*', '.', false],
  ['#', '.', true],
  ['', '.', false],
  ['.', '.', true],
  ['.', '', false],
  ['*.*.*', 'a..b', true], // three words, the middle one empty
  ['a.*.b', 'a..b', true],
  ['a..b', 'a..b', true],
  ['a.b', 'a..b', false],
  ['a.#.b', 'a..b', true],
  ['a.*', 'a.', true], // "a." is ['a', '']
  ['a', 'a.', false],
  ['a.#', 'a.', true],
  ['*', '*', true],
  ['a*', 'ab', false], // '*' is a wildcard only as a whole word
  ['a*', 'a*', true],
  ['a#', 'a', false],
  ['a#', 'a#', true],
  ['##', 'a', false],
  ['##', '##', true],
  ['**', 'a', false],
  ['#', '#', true],
  ['a.#', 'a', true],
  ['a.#', 'ab', false],
  ['#.a', 'a', true],
  ['#.a', 'b.a', true],
  ['#.a', 'a.b', false],
  ['#.a.#', 'x.a.y', true],
  ['#.a.#', 'x.b.y', false],
  ['#.#.a', 'a', true],
  ['a.#.#.b', 'a.b', true],
  ['a.#.#.b', 'a.x.y.z.b', true],
  ['Foo', 'foo', false], // case-sensitive
  ['foo', 'foo ', false], // byte-exact, no trimming
  ['\u00e9', 'e\u0301', false], // precomposed vs combining: different bytes
  ['stock.*.nyse', 'stock.usd.nyse', true],
  ['stock.*.nyse', 'stock.nyse', false],
  ['*.critical', 'kern.critical', true],
  ['kern.*', 'kern.critical', true],
  ['kern.*', 'kern', false],
  ['kern.*', 'kern.critical.x', false],
];

function queuesFor(bindings: Array<[string, string]>, key: string): string[] {
  return [...new Set(bindings.filter(([p]) => topicMatches(p, key)).map(([, q]) => q))].sort();
}

describe('splitWords', () => {
  test('splits on dots, keeps empty words, empty string has none', () => {
    assert.deepEqual(splitWords(''), []);
    assert.deepEqual(splitWords('a'), ['a']);
    assert.deepEqual(splitWords('a.b.c'), ['a', 'b', 'c']);
    assert.deepEqual(splitWords('a..b'), ['a', '', 'b']);
    assert.deepEqual(splitWords('.'), ['', '']);
    assert.deepEqual(splitWords('a.'), ['a', '']);
    assert.deepEqual(splitWords('.a'), ['', 'a']);
    assert.deepEqual(splitWords('..'), ['', '', '']);
  });
});

describe('topicMatches: RabbitMQ routing_SUITE topic table', () => {
  const bindings = ROUTING_SUITE_BINDINGS.map(([p, q]) => [p, q] as [string, string]);
  for (const [key, expected] of ROUTING_SUITE_EXPECT_1) {
    test(`key ${JSON.stringify(key)}`, () => {
      assert.deepEqual(queuesFor(bindings, key), [...expected].sort());
    });
  }
  const remaining = ROUTING_SUITE_BINDINGS.filter((_, i) => !ROUTING_SUITE_REMOVED.includes(i + 1)).map(
    ([p, q]) => [p, q] as [string, string],
  );
  for (const [key, expected] of ROUTING_SUITE_EXPECT_2) {
    test(`after removals, key ${JSON.stringify(key)}`, () => {
      assert.deepEqual(queuesFor(remaining, key), [...expected].sort());
    });
  }
});

describe('topicMatches: rabbit_db_topic_exchange_SUITE cases', () => {
  for (const suite of DB_SUITE) {
    for (const [key, expected] of suite.expect) {
      test(`${suite.name}: ${JSON.stringify(key.length > 40 ? key.slice(0, 40) + '…' : key)}`, () => {
        assert.deepEqual(queuesFor(suite.bindings, key), [...expected].sort());
      });
    }
  }
});

describe('topicMatches: tutorial 5 examples', () => {
  for (const [key, expected] of TUTORIAL_EXPECT) {
    test(key, () => assert.deepEqual(queuesFor(TUTORIAL_BINDINGS, key), [...expected].sort()));
  }
});

describe('topicMatches: edge cases', () => {
  for (const [pattern, key, expected] of EDGE_CASES) {
    test(`${JSON.stringify(pattern)} vs ${JSON.stringify(key)} -> ${expected}`, () => {
      assert.equal(topicMatches(pattern, key), expected);
      assert.equal(ref(pattern, key), expected, 'reference matcher agrees');
      assert.equal(explainTopicMatch(pattern, key).matches, expected);
      const trie = new TopicTrie<string>();
      trie.add(pattern, 'q');
      assert.equal(trie.match(key).has('q'), expected);
    });
  }
});

describe('many # words (how fast: bench/rowWorstCase.ts)', () => {
  const pattern = '#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.x';
  const longMiss = Array(60).fill('a').join('.');
  const longHit = `${longMiss}.x`;
  test('topicMatches', () => {
    assert.equal(topicMatches(pattern, longMiss), false);
    assert.equal(topicMatches(pattern, longHit), true);
    assert.equal(topicMatches(Array(15).fill('#').join('.'), Array(31).fill('a').join('.')), true);
    assert.equal(topicMatches(Array(100).fill('#').join('.') + '.b', Array(200).fill('a').join('.')), false);
  });
  test('explainTopicMatch', () => {
    const miss = explainTopicMatch(pattern, longMiss);
    assert.equal(miss.matches, false);
    const hit = explainTopicMatch(pattern, longHit);
    assert.equal(hit.matches, true);
    assert.equal(hit.steps.length, 16);
    assert.deepEqual(hit.steps.flatMap((s) => s.took), splitWords(longHit));
    assert.equal(explainTopicMatch(Array(100).fill('#').join('.') + '.b', Array(200).fill('a').join('.')).matches, false);
  });
  test('TopicTrie', () => {
    const trie = new TopicTrie<string>();
    trie.add(pattern, 'x');
    trie.add(Array(15).fill('#').join('.'), 'all');
    trie.add('#.#.#.#.#.#.#.#.#.#.y', 'y');
    assert.deepEqual([...trie.match(longHit)].sort(), ['all', 'x']);
    assert.deepEqual([...trie.match(longMiss)], ['all']);
  });
});

describe('explainTopicMatch', () => {
  test('matching: one step per pattern word, # takes as few words as possible', () => {
    const e = explainTopicMatch('*.#.critical', 'kern.critical');
    assert.equal(e.matches, true);
    assert.equal(e.reason, undefined);
    assert.deepEqual(e.steps, [
      { patternWord: '*', took: ['kern'] },
      { patternWord: '#', took: [] },
      { patternWord: 'critical', took: ['critical'] },
    ]);
  });
  test('matching with # taking several words', () => {
    const e = explainTopicMatch('a.#.z', 'a.b.c.z');
    assert.deepEqual(e.steps, [
      { patternWord: 'a', took: ['a'] },
      { patternWord: '#', took: ['b', 'c'] },
      { patternWord: 'z', took: ['z'] },
    ]);
  });
  test('# backtracks when the minimal choice fails', () => {
    const e = explainTopicMatch('#.a.b', 'a.a.b');
    assert.equal(e.matches, true);
    assert.deepEqual(e.steps, [
      { patternWord: '#', took: ['a'] },
      { patternWord: 'a', took: ['a'] },
      { patternWord: 'b', took: ['b'] },
    ]);
  });
  test('empty pattern and empty key', () => {
    assert.deepEqual(explainTopicMatch('', ''), { matches: true, steps: [] });
    assert.deepEqual(explainTopicMatch('#', ''), { matches: true, steps: [{ patternWord: '#', took: [] }] });
  });
  test('literal mismatch', () => {
    const e = explainTopicMatch('a.b.c', 'a.x.c');
    assert.equal(e.matches, false);
    assert.deepEqual(e.steps, [{ patternWord: 'a', took: ['a'] }]);
    assert.match(e.reason!, /pattern word 2 "b" does not match routing-key word 2 "x"/);
  });
  test('key too long', () => {
    const e = explainTopicMatch('a.*', 'a.b.c');
    assert.equal(e.matches, false);
    assert.equal(e.steps.length, 2);
    assert.match(e.reason!, /ends after word 2 .* 1 more word: "c"/);
  });
  test('key too short', () => {
    const e = explainTopicMatch('a.*', 'a');
    assert.match(e.reason!, /'\*' needs exactly one word, but the routing key has no words left/);
    const e2 = explainTopicMatch('a.b', 'a');
    assert.match(e2.reason!, /pattern word 2 "b" needs a word/);
    const e3 = explainTopicMatch('*', '');
    assert.deepEqual(e3.steps, []);
    assert.match(e3.reason!, /no words left/);
  });
  test('after a #: reports the closest miss', () => {
    const e = explainTopicMatch('#.x', 'a.b');
    assert.equal(e.matches, false);
    assert.match(e.reason!, /"x" does not match routing-key word 2 "b" \(whatever '#' takes before it\)/);
  });
  test('empty pattern against a non-empty key', () => {
    assert.match(explainTopicMatch('', 'a').reason!, /empty pattern only matches the empty routing key/);
  });
});

describe('warnings', () => {
  test('more than two # words', () => {
    assert.deepEqual(topicPatternWarnings('#.#'), []);
    assert.deepEqual(topicPatternWarnings('#.a.#'), []);
    assert.deepEqual(topicPatternWarnings('##.##.##'), []); // not wildcards
    assert.deepEqual(topicPatternWarnings('a#b'), []);
    const w = topicPatternWarnings('#.#.#');
    assert.equal(w.length, 1);
    assert.match(w[0]!, /3 '#' wildcards/);
    assert.match(w[0]!, /refused by RabbitMQ 4\.3\.5\+, can stall routing on older brokers/);
    assert.equal(topicPatternWarnings('a.#.b.#.c.#').length, 1);
    assert.equal(topicPatternWarnings('#.*.#.*.#').length, 1);
  });
  test('over 255 bytes', () => {
    assert.deepEqual(topicPatternWarnings('a'.repeat(255)), []);
    assert.match(topicPatternWarnings('a'.repeat(256))[0]!, /over 255 bytes/);
    // 128 '#' words joined = 255 bytes: only the '#' warning (unit_topic_binding_validation_SUITE)
    const hashes = Array(128).fill('#').join('.');
    assert.equal(utf8ByteLength(hashes), 255);
    assert.equal(topicPatternWarnings(hashes).length, 1);
    assert.equal(topicPatternWarnings(hashes + '.#').length, 2);
    // multi-byte characters count as bytes
    assert.deepEqual(routingKeyWarnings('é'.repeat(127)), []); // 254 bytes
    assert.match(routingKeyWarnings('é'.repeat(128))[0]!, /over 255 bytes \(256 bytes/);
    assert.deepEqual(routingKeyWarnings('a'.repeat(255)), []);
    assert.equal(routingKeyWarnings('a'.repeat(256)).length, 1);
    assert.deepEqual(routingKeyWarnings('#.#.#'), []); // keys are not patterns
  });
  test('utf8ByteLength', () => {
    for (const s of ['', 'abc', 'é', '€', '🏠', '传感器.温度', '🏠.🌡️.📊', '\ud800']) {
      assert.equal(utf8ByteLength(s), new TextEncoder().encode(s).length, s);
    }
  });
});

describe('TopicTrie', () => {
  function routingSuiteTrie(): TopicTrie<string> {
    const trie = new TopicTrie<string>();
    // value identifies the binding (queue + args), like RabbitMQ's binding record
    for (const [p, q, args] of ROUTING_SUITE_BINDINGS) trie.add(p, `${q}|${args}`);
    return trie;
  }
  const queues = (set: Set<string>) => [...new Set([...set].map((v) => v.split('|')[0]!))].sort();

  test('routing_SUITE table, before and after removing bindings', () => {
    const trie = routingSuiteTrie();
    assert.equal(trie.size, 27);
    for (const [key, expected] of ROUTING_SUITE_EXPECT_1) {
      assert.deepEqual(queues(trie.match(key)), [...expected].sort(), key);
    }
    for (const n of ROUTING_SUITE_REMOVED) {
      const [p, q, args] = ROUTING_SUITE_BINDINGS[n - 1]!;
      assert.equal(trie.remove(p, `${q}|${args}`), true);
    }
    assert.equal(trie.size, 21);
    for (const [key, expected] of ROUTING_SUITE_EXPECT_2) {
      assert.deepEqual(queues(trie.match(key)), [...expected].sort(), key);
    }
  });

  test('rabbit_db_topic_exchange_SUITE and tutorial cases', () => {
    for (const suite of [...DB_SUITE, { name: 'tutorial', bindings: TUTORIAL_BINDINGS, expect: TUTORIAL_EXPECT }]) {
      const trie = new TopicTrie<string>();
      for (const [p, q] of suite.bindings) trie.add(p, q);
      for (const [key, expected] of suite.expect) {
        assert.deepEqual([...trie.match(key)].sort(), [...expected].sort(), `${suite.name}: ${key}`);
      }
    }
  });

  test('deduplicates values and reports matching patterns', () => {
    const trie = new TopicTrie<string>();
    trie.add('lazy.#', 'Q2');
    trie.add('*.*.rabbit', 'Q2');
    trie.add('#', 'all');
    assert.deepEqual([...trie.match('lazy.pink.rabbit')].sort(), ['Q2', 'all']);
    const entries = trie.matchEntries('lazy.pink.rabbit').map((e) => `${e.pattern}->${e.value}`).sort();
    assert.deepEqual(entries, ['#->all', '*.*.rabbit->Q2', 'lazy.#->Q2']);
  });

  test('a key word that is literally * or # also follows the literal edge', () => {
    const trie = new TopicTrie<string>();
    trie.add('*', 'star');
    trie.add('#', 'hash');
    trie.add('a', 'a');
    assert.deepEqual([...trie.match('*')].sort(), ['hash', 'star']);
    assert.deepEqual([...trie.match('#')].sort(), ['hash', 'star']);
    assert.deepEqual(trie.matchEntries('*').length, 2);
  });

  test('add is idempotent, remove prunes and reports', () => {
    const trie = new TopicTrie<number>();
    assert.equal(trie.add('a.b.c', 1), true);
    assert.equal(trie.add('a.b.c', 1), false);
    assert.equal(trie.add('a.b', 2), true);
    assert.equal(trie.size, 2);
    assert.equal(trie.has('a.b.c', 1), true);
    assert.equal(trie.remove('a.b.c', 3), false);
    assert.equal(trie.remove('x.y', 1), false);
    assert.equal(trie.remove('a.b.c', 1), true);
    assert.equal(trie.remove('a.b.c', 1), false);
    assert.equal(trie.has('a.b.c', 1), false);
    assert.deepEqual([...trie.match('a.b')], [2]);
    assert.deepEqual([...trie.match('a.b.c')], []);
    assert.equal(trie.size, 1);
    trie.add('', 0);
    assert.deepEqual([...trie.match('')], [0]);
    trie.clear();
    assert.equal(trie.size, 0);
    assert.deepEqual([...trie.match('a.b')], []);
  });

  test('empty trie and empty key', () => {
    const trie = new TopicTrie<string>();
    assert.equal(trie.match('').size, 0);
    trie.add('*', 'star');
    assert.equal(trie.match('').size, 0);
  });
});

describe('property: topicMatches, reference, explain and TopicTrie agree', () => {
  const alphabet = ['a', 'b', '', '*', '#'];

  test('topicMatches vs reference and explain on 20,000 random pairs', () => {
    const rand = rng(0xb0770);
    for (let n = 0; n < 20_000; n++) {
      const p = randomWords(rand, alphabet, 6);
      const k = randomWords(rand, alphabet, 6);
      const expected = ref(p, k);
      assert.equal(topicMatches(p, k), expected, `${JSON.stringify(p)} vs ${JSON.stringify(k)}`);
      const e = explainTopicMatch(p, k);
      assert.equal(e.matches, expected, `explain ${JSON.stringify(p)} vs ${JSON.stringify(k)}`);
      if (e.matches) {
        const pw = splitWords(p);
        assert.deepEqual(e.steps.map((s) => s.patternWord), pw);
        assert.deepEqual(e.steps.flatMap((s) => s.took), splitWords(k));
        for (const s of e.steps) {
          if (s.patternWord === '#') continue;
          assert.equal(s.took.length, 1);
          if (s.patternWord !== '*') assert.equal(s.took[0], s.patternWord);
        }
      } else {
        assert.equal(typeof e.reason, 'string');
      }
    }
  });

  test('TopicTrie.match vs topicMatches over 200 random tries x 50 keys', () => {
    const rand = rng(42);
    for (let t = 0; t < 200; t++) {
      const trie = new TopicTrie<number>();
      const patterns: string[] = [];
      const count = 1 + Math.floor(rand() * 30);
      for (let i = 0; i < count; i++) {
        patterns.push(randomWords(rand, alphabet, 5));
        trie.add(patterns[i]!, i);
      }
      // remove a few, to exercise pruning
      const removed = new Set<number>();
      for (let i = 0; i < count; i++) {
        if (rand() < 0.2) {
          trie.remove(patterns[i]!, i);
          removed.add(i);
        }
      }
      for (let q = 0; q < 50; q++) {
        const key = randomWords(rand, alphabet, 6);
        const expected = patterns
          .map((p, i) => [p, i] as const)
          .filter(([p, i]) => !removed.has(i) && topicMatches(p, key))
          .map(([, i]) => i)
          .sort((x, y) => x - y);
        const actual = [...trie.match(key)].sort((x, y) => x - y);
        assert.deepEqual(actual, expected, `key ${JSON.stringify(key)} patterns ${JSON.stringify(patterns)}`);
      }
    }
  });
});
