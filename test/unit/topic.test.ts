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

import {
  ref,
  rng,
  randomWords,
  ROUTING_SUITE_BINDINGS,
  ROUTING_SUITE_EXPECT_1,
  ROUTING_SUITE_REMOVED,
  ROUTING_SUITE_EXPECT_2,
  DB_SUITE,
  TUTORIAL_BINDINGS,
  TUTORIAL_EXPECT,
  EDGE_CASES,
} from './fixtures/topicCases';

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
    assert.deepEqual(
      hit.steps.flatMap((s) => s.took),
      splitWords(longHit),
    );
    assert.equal(
      explainTopicMatch(Array(100).fill('#').join('.') + '.b', Array(200).fill('a').join('.')).matches,
      false,
    );
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
    const entries = trie
      .matchEntries('lazy.pink.rabbit')
      .map((e) => `${e.pattern}->${e.value}`)
      .sort();
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
        assert.deepEqual(
          e.steps.map((s) => s.patternWord),
          pw,
        );
        assert.deepEqual(
          e.steps.flatMap((s) => s.took),
          splitWords(k),
        );
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
