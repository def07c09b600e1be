import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatTimestamp, pluralize } from '../../src/core/format';

describe('formatCount', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [1234, '1,234'],
    [12_345, '12,345'],
    [99_999, '99,999'],
    [100_000, '100k'],
    [123_456, '123.5k'],
    [123_400, '123.4k'],
    [999_949, '999.9k'],
    [999_950, '1M'], // rounding carries into the next unit
    [1_000_000, '1M'],
    [1_234_567, '1.2M'],
    [12_345_678, '12.3M'],
    [999_999_999, '1B'],
    [3_400_000_000, '3.4B'],
    [5_600_000_000_000, '5.6T'],
    [-1234, '-1,234'],
    [-1_500_000, '-1.5M'],
    [12.6, '13'],
    [-0, '0'],
    [NaN, '—'],
    [Infinity, '—'],
  ];
  for (const [n, expected] of cases) test(`${n} -> ${expected}`, () => assert.equal(formatCount(n), expected));
});

describe('formatTimestamp', () => {
  test('seconds since the epoch as an ISO date', () =>
    assert.equal(formatTimestamp(1_700_000_000), '2023-11-14T22:13:20.000Z'));
  test('not a date: the number', () => assert.equal(formatTimestamp(1e20), '100000000000000000000'));
});

describe('pluralize', () => {
  const cases: Array<[number, string, string | undefined, string]> = [
    [0, 'queue', undefined, '0 queues'],
    [1, 'queue', undefined, '1 queue'],
    [2, 'queue', undefined, '2 queues'],
    [-1, 'message', undefined, '-1 message'],
    [1234, 'message', undefined, '1,234 messages'],
    [250_000, 'message', undefined, '250k messages'],
    [3, 'binding', undefined, '3 bindings'],
    [2, 'entry', undefined, '2 entries'],
    [2, 'key', undefined, '2 keys'],
    [2, 'box', undefined, '2 boxes'],
    [2, 'match', undefined, '2 matches'],
    [2, 'class', undefined, '2 classes'],
    [2, 'vhost', undefined, '2 vhosts'],
    [2, 'child', 'children', '2 children'],
    [1, 'child', 'children', '1 child'],
  ];
  for (const [n, word, plural, expected] of cases) {
    test(expected, () => assert.equal(pluralize(n, word, plural), expected));
  }
});
