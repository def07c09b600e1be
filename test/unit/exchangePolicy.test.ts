import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  appliesToExchanges,
  effectiveExchangePolicy,
  matchExchangePolicy,
  policyPatternMatches,
} from '../../src/core/exchangePolicy';

describe('exchange policies', () => {
  test('apply-to: exchanges and all apply, the queue kinds never do', () => {
    for (const a of ['exchanges', 'all', undefined]) assert.equal(appliesToExchanges(a), true, String(a));
    for (const a of ['queues', 'classic_queues', 'quorum_queues', 'streams'])
      assert.equal(appliesToExchanges(a), false, a);
  });

  test('the pattern is a regular expression searched anywhere in the name, on its UTF-8 bytes', () => {
    assert.equal(policyPatternMatches('orders', 'eu.orders.in'), true);
    assert.equal(policyPatternMatches('^orders$', 'orders.in'), false);
    assert.equal(policyPatternMatches('.*', ''), true);
    // PCRE without the unicode option sees bytes: 'é' is two of them
    assert.equal(policyPatternMatches('^.$', 'é'), false);
    assert.equal(policyPatternMatches('^..$', 'é'), true);
    assert.equal(policyPatternMatches('^é$', 'é'), true);
    assert.equal(policyPatternMatches('(?<!x', 'a'), undefined); // unreadable
  });

  test('the highest priority wins; a tie that disagrees is uncertain, one that agrees is not', () => {
    const p = (name: string, priority: number, ae: string, pattern = '.*') => ({
      name,
      pattern,
      'apply-to': 'exchanges',
      priority,
      definition: { 'alternate-exchange': ae },
    });
    assert.equal(matchExchangePolicy('x', [p('a', 1, 'A'), p('b', 2, 'B')]).name, 'b');
    const tie = matchExchangePolicy('x', [p('a', 2, 'A'), p('b', 2, 'B')]);
    assert.match(tie.uncertain!, /'a', 'b' match exchange 'x' with the same priority 2/);
    assert.equal(matchExchangePolicy('x', [p('a', 2, 'A'), p('b', 2, 'A')]).uncertain, undefined);
    assert.deepEqual(matchExchangePolicy('x', [p('a', 2, 'A', '^y$')]), {});
    // an unreadable pattern that could win makes it uncertain
    assert.match(matchExchangePolicy('x', [p('a', 1, 'A'), p('b', 3, 'B', '(?<!x')]).uncertain!, /not readable/);
    assert.equal(matchExchangePolicy('x', [p('a', 5, 'A'), p('b', 3, 'B', '(?<!x')]).uncertain, undefined);
  });

  test("the exchange listing's policy name settles it", () => {
    const ps = [
      { name: 'a', pattern: '.*', priority: 2, definition: { 'alternate-exchange': 'A' } },
      { name: 'b', pattern: '.*', priority: 2, definition: { 'alternate-exchange': 'B' } },
    ];
    assert.deepEqual(effectiveExchangePolicy('x', ps, 'b'), { name: 'b', definition: { 'alternate-exchange': 'B' } });
    assert.deepEqual(effectiveExchangePolicy('x', ps, null), {});
    assert.match(
      effectiveExchangePolicy('x', ps, 'gone').uncertain!,
      /whose definition is not among the policies read/,
    );
  });
});
