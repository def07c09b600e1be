import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatRate, formatBytes, pluralize } from '../../src/core/format';

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

describe('formatRate', () => {
  const cases: Array<[number, string]> = [
    [0, '0/s'],
    [0.004, '<0.01/s'],
    [0.01, '0.01/s'],
    [0.25, '0.25/s'],
    [0.5, '0.50/s'],
    [0.999, '1.0/s'],
    [1, '1.0/s'],
    [12.34, '12.3/s'],
    [99.94, '99.9/s'],
    [99.96, '100/s'],
    [1234.4, '1,234/s'],
    [34_000, '34,000/s'],
    [123_456, '123.5k/s'],
    [-2.5, '-2.5/s'],
    [-0.004, '-<0.01/s'],
    [NaN, '—/s'],
  ];
  for (const [n, expected] of cases) test(`${n} -> ${expected}`, () => assert.equal(formatRate(n), expected));
});

describe('formatBytes', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1, '1 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1023.6, '1.0 KiB'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10.0 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [12 * 1024 * 1024, '12.0 MiB'],
    [11.5 * 1024 * 1024, '11.5 MiB'],
    [3.2 * 1024 ** 3, '3.2 GiB'],
    [2 * 1024 ** 4, '2.0 TiB'],
    [5 * 1024 ** 5, '5.0 PiB'],
    [3 * 1024 ** 6, '3072.0 PiB'],
    [-2048, '-2.0 KiB'],
    [NaN, '—'],
  ];
  for (const [n, expected] of cases) test(`${n} -> ${expected}`, () => assert.equal(formatBytes(n), expected));
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
