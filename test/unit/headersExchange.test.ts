import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { headersMatch, explainHeadersMatch, valuesEqual, xMatchMode } from '../../src/core/headersExchange';

type Table = Record<string, unknown>;

// [description, binding arguments, message headers, expected]
const CASES: Array<[string, Table, Table, boolean]> = [
  // x-match=all (default)
  [
    'all: every argument equal',
    { 'x-match': 'all', format: 'pdf', type: 'report' },
    { format: 'pdf', type: 'report' },
    true,
  ],
  ['all: extra headers are fine', { 'x-match': 'all', format: 'pdf' }, { format: 'pdf', type: 'log', size: 3 }, true],
  [
    'all: one value differs',
    { 'x-match': 'all', format: 'pdf', type: 'report' },
    { format: 'pdf', type: 'log' },
    false,
  ],
  ['all: one header missing', { 'x-match': 'all', format: 'pdf', type: 'report' }, { format: 'pdf' }, false],
  ['all: no headers at all', { 'x-match': 'all', format: 'pdf' }, {}, false],
  ['x-match absent defaults to all', { format: 'pdf', type: 'report' }, { format: 'pdf' }, false],
  ['x-match absent defaults to all (match)', { format: 'pdf' }, { format: 'pdf' }, true],
  ['all with no arguments matches everything', { 'x-match': 'all' }, {}, true],
  ['no arguments at all matches everything', {}, { a: 1 }, true],
  ['all with only x- arguments matches everything', { 'x-match': 'all', 'x-foo': 'bar' }, {}, true],
  // x-match=any
  [
    'any: one of two matches',
    { 'x-match': 'any', format: 'pdf', type: 'report' },
    { format: 'zip', type: 'report' },
    true,
  ],
  ['any: none matches', { 'x-match': 'any', format: 'pdf', type: 'report' }, { format: 'zip', type: 'log' }, false],
  ['any: all missing', { 'x-match': 'any', format: 'pdf' }, { other: 'pdf' }, false],
  ['any with no arguments matches nothing', { 'x-match': 'any' }, { a: 1 }, false],
  ['any with no arguments, no headers', { 'x-match': 'any' }, {}, false],
  ['any with only x- arguments matches nothing', { 'x-match': 'any', 'x-foo': 'bar' }, { 'x-foo': 'bar' }, false],
  // x- arguments
  [
    'all: x- argument ignored even if header differs',
    { 'x-match': 'all', 'x-tenant': 'a', k: 'v' },
    { 'x-tenant': 'b', k: 'v' },
    true,
  ],
  ['all: x- header in message compared only if bound', { k: 'v' }, { 'x-k': 'zzz', k: 'v' }, true],
  [
    'all-with-x: x- argument compared',
    { 'x-match': 'all-with-x', 'x-tenant': 'a', k: 'v' },
    { 'x-tenant': 'b', k: 'v' },
    false,
  ],
  [
    'all-with-x: x- argument equal',
    { 'x-match': 'all-with-x', 'x-tenant': 'a', k: 'v' },
    { 'x-tenant': 'a', k: 'v' },
    true,
  ],
  ['all-with-x: x- header missing', { 'x-match': 'all-with-x', 'x-tenant': 'a' }, {}, false],
  ['all-with-x: x-match itself never compared', { 'x-match': 'all-with-x' }, {}, true],
  [
    'all-with-x: x-match not compared against a header named x-match',
    { 'x-match': 'all-with-x', k: 1 },
    { 'x-match': 'any', k: 1 },
    true,
  ],
  [
    'any-with-x: only the x- argument matches',
    { 'x-match': 'any-with-x', 'x-tenant': 'a', k: 'v' },
    { 'x-tenant': 'a', k: 'w' },
    true,
  ],
  [
    'any: x- argument alone does not count',
    { 'x-match': 'any', 'x-tenant': 'a', k: 'v' },
    { 'x-tenant': 'a', k: 'w' },
    false,
  ],
  ['any-with-x: nothing matches', { 'x-match': 'any-with-x', 'x-tenant': 'a' }, { 'x-tenant': 'b' }, false],
  ['any-with-x with only x-match matches nothing', { 'x-match': 'any-with-x' }, { 'x-match': 'any-with-x' }, false],
  ['key "x" (no dash) is not an x- argument', { x: 1 }, {}, false],
  ['key "X-Foo" is not an x- argument (case-sensitive)', { 'X-Foo': 1 }, {}, false],
  // presence (AMQP void)
  ['null binding value: header present with any value', { k: null }, { k: 'anything' }, true],
  ['null binding value: header present with void value', { k: null }, { k: null }, true],
  ['null binding value: header absent', { k: null }, { other: 1 }, false],
  ['null binding value: header undefined counts as absent', { k: null }, { k: undefined }, false],
  ['any: null binding value present', { 'x-match': 'any', k: null, j: 'x' }, { k: 0 }, true],
  ['all: null and value', { k: null, j: 'x' }, { k: false, j: 'x' }, true],
  ['value "x" does not match void header', { k: 'x' }, { k: null }, false],
  ['amqplib typed void in binding is a presence check', { k: { '!': 'void' } }, { k: 3 }, true],
  // kinds
  ['"1" is not 1', { k: '1' }, { k: 1 }, false],
  ['1 is not "1"', { k: 1 }, { k: '1' }, false],
  ['true is not "true"', { k: true }, { k: 'true' }, false],
  ['true is not 1', { k: true }, { k: 1 }, false],
  ['false is not 0', { k: false }, { k: 0 }, false],
  ['false equals false', { k: false }, { k: false }, true],
  ['"" is not void', { k: '' }, { k: null }, false],
  ['"" equals ""', { k: '' }, { k: '' }, true],
  ['strings are case-sensitive', { k: 'PDF' }, { k: 'pdf' }, false],
  ['strings are byte-exact', { k: 'pdf ' }, { k: 'pdf' }, false],
  // numbers
  ['integers equal', { k: 42 }, { k: 42 }, true],
  ['1 equals 1.0', { k: 1 }, { k: 1.0 }, true],
  ['1.5 equals 1.5', { k: 1.5 }, { k: 1.5 }, true],
  ['1 is not 2', { k: 1 }, { k: 2 }, false],
  ['0 equals -0', { k: 0 }, { k: -0 }, true],
  ['amqplib typed long equals plain number', { k: { '!': 'long', value: 5 } }, { k: 5 }, true],
  // depends on the version (an unknown version is a maybe, so not a sure match): see 'typed comparison'
  [
    'typed double 5 vs typed int 5, version unknown',
    { k: { '!': 'double', value: 5 } },
    { k: { '!': 'int', value: 5 } },
    false,
  ],
  [
    'timestamp vs the same timestamp, version unknown',
    { k: { '!': 'timestamp', value: 1700000000 } },
    { k: { '!': 'timestamp', value: 1700000000 } },
    false,
  ],
  ['bigint equals number', { k: 10n }, { k: 10 }, true],
  [
    'decimal compares by places and digits',
    { k: { '!': 'decimal', value: { places: 2, digits: 150 } } },
    { k: { '!': 'decimal', value: { places: 2, digits: 150 } } },
    true,
  ],
  [
    'decimal with other places differs',
    { k: { '!': 'decimal', value: { places: 1, digits: 15 } } },
    { k: { '!': 'decimal', value: { places: 2, digits: 150 } } },
    false,
  ],
  // bytes
  ['byte array equals the same UTF-8 string', { k: 'abc' }, { k: new Uint8Array([97, 98, 99]) }, true],
  ['Buffer equals string', { k: Buffer.from('é') }, { k: 'é' }, true],
  ['different bytes', { k: new Uint8Array([1, 2]) }, { k: new Uint8Array([1, 3]) }, false],
  // nested
  ['arrays equal', { k: [1, 'a', true] }, { k: [1, 'a', true] }, true],
  ['arrays differ in order', { k: [1, 2] }, { k: [2, 1] }, false],
  ['arrays differ in length', { k: [1, 2] }, { k: [1, 2, 3] }, false],
  // measured on 3.10.8 and 4.0.5: at the top level an empty table is an empty array
  ['top level: empty array equals empty table', { k: [] }, { k: {} }, true],
  ['top level: empty table equals empty array', { k: {} }, { k: [] }, true],
  ['nested: empty array is not an empty table', { k: [[]] }, { k: [{}] }, false],
  ['array is not a non-empty table', { k: ['a'] }, { k: { a: 'a' } }, false],
  ['typed int64 (a decimal string) equals the number', { k: 5 }, { k: { '!': 'int64', value: '5' } }, true],
  ['nested tables equal', { k: { a: 1, b: { c: 'd' } } }, { k: { a: 1, b: { c: 'd' } } }, true],
  ['nested tables differ', { k: { a: 1 } }, { k: { a: 2 } }, false],
  ['nested tables: extra field', { k: { a: 1 } }, { k: { a: 1, b: 2 } }, false],
  [
    'nested tables: key order matters (RabbitMQ compares field lists)',
    { k: { a: 1, b: 2 } },
    { k: { b: 2, a: 1 } },
    false,
  ],
  ['nested "1" vs 1', { k: { a: '1' } }, { k: { a: 1 } }, false],
  ['array of tables', { k: [{ a: [1] }] }, { k: [{ a: [1] }] }, true],
  // invalid / odd x-match
  ['unknown x-match routes as all (match)', { 'x-match': 'ANY', a: 1, b: 2 }, { a: 1, b: 2 }, true],
  ['unknown x-match routes as all (no match)', { 'x-match': 'ANY', a: 1, b: 2 }, { a: 1 }, false],
  ['non-string x-match routes as all', { 'x-match': 1, a: 1 }, { a: 1 }, true],
  ['undefined binding values are ignored', { a: undefined, b: 1 }, { b: 1 }, true],
  ['any: undefined binding values are ignored', { 'x-match': 'any', a: undefined }, { a: 1 }, false],
];

describe('headersMatch', () => {
  for (const [name, args, headers, expected] of CASES) {
    test(name, () => {
      assert.equal(headersMatch(args, headers), expected);
      assert.equal(explainHeadersMatch(args, headers).matches, expected, 'explain agrees');
    });
  }

  test('does not read prototype properties as headers', () => {
    assert.equal(headersMatch({ toString: null }, {}), false);
    assert.equal(headersMatch({ constructor: null }, {}), false);
  });

  test('property: explain agrees with match on random tables', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    const keys = ['a', 'b', 'x-a', 'x-match'];
    const values: unknown[] = [null, 1, 1.5, '1', 'a', true, false, [1], { a: 1 }, undefined];
    const modes = ['all', 'any', 'all-with-x', 'any-with-x', 'bogus', undefined];
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    for (let n = 0; n < 3000; n++) {
      const args: Table = {};
      const headers: Table = {};
      for (const k of keys) {
        if (rand() < 0.5) args[k] = pick(values);
        if (rand() < 0.5) headers[k] = pick(values);
      }
      const mode = pick(modes);
      if (mode === undefined) delete args['x-match'];
      else args['x-match'] = mode;
      assert.equal(
        explainHeadersMatch(args, headers).matches,
        headersMatch(args, headers),
        JSON.stringify({ args, headers }),
      );
    }
  });
});

describe('xMatchMode', () => {
  test('modes', () => {
    assert.equal(xMatchMode({}), 'all');
    assert.equal(xMatchMode({ 'x-match': 'any' }), 'any');
    assert.equal(xMatchMode({ 'x-match': 'all-with-x' }), 'all-with-x');
    assert.equal(xMatchMode({ 'x-match': 'any-with-x' }), 'any-with-x');
    assert.equal(xMatchMode({ 'x-match': 'Any' }), 'all');
    assert.equal(xMatchMode({ 'x-match': { '!': 'longstr', value: 'any' } }), 'all');
  });
});

describe('explainHeadersMatch', () => {
  test('per-argument results', () => {
    const e = explainHeadersMatch(
      { 'x-match': 'all', format: 'pdf', type: 'report', region: null, 'x-tenant': 't1', size: 1 },
      { format: 'pdf', type: 'log', region: 'eu', 'x-tenant': 't2' },
    );
    assert.equal(e.matches, false);
    assert.equal(e.mode, 'all');
    assert.equal(e.modeWarning, undefined);
    const byKey = Object.fromEntries(e.args.map((a) => [a.key, a]));
    assert.equal(byKey['x-match']!.result, 'ignored');
    assert.match(byKey['x-match']!.note!, /match mode/);
    assert.equal(byKey['format']!.result, 'match');
    assert.equal(byKey['type']!.result, 'mismatch');
    assert.equal(byKey['type']!.actual, 'log');
    assert.equal(byKey['type']!.note, 'different values');
    assert.equal(byKey['region']!.result, 'present');
    assert.equal(byKey['x-tenant']!.result, 'ignored');
    assert.match(byKey['x-tenant']!.note!, /all-with-x/);
    assert.equal(byKey['size']!.result, 'missing');
    assert.equal(byKey['size']!.present, false);
    assert.equal('actual' in byKey['size']!, false);
    assert.match(e.reason, /failed: type, size/);
  });

  test('kind mismatch note', () => {
    const e = explainHeadersMatch({ k: '1' }, { k: 1 });
    assert.match(e.args[0]!.note!, /binding has a string, message has a number/);
    const t = explainHeadersMatch({ k: { a: 1, b: 2 } }, { k: { b: 2, a: 1 } });
    assert.match(t.args[0]!.note!, /in order/);
  });

  test('reasons', () => {
    assert.match(explainHeadersMatch({ 'x-match': 'any' }, {}).reason, /no arguments to compare matches no message/);
    assert.match(explainHeadersMatch({}, {}).reason, /x-match=all with no arguments to compare matches every message/);
    assert.match(explainHeadersMatch({ 'x-match': 'any', a: 1, b: 2 }, { a: 1 }).reason, /1 of 2 arguments matched/);
    assert.match(explainHeadersMatch({ 'x-match': 'any', a: 1 }, {}).reason, /none of the 1 argument matched/);
    assert.match(explainHeadersMatch({ a: 1 }, { a: 1 }).reason, /all 1 argument matched/);
  });

  test('invalid x-match warns', () => {
    const e = explainHeadersMatch({ 'x-match': 'ALL', a: 1 }, { a: 1 });
    assert.equal(e.mode, 'all');
    assert.match(e.modeWarning!, /"ALL" is not all, any, all-with-x or any-with-x/);
    assert.equal(explainHeadersMatch({ 'x-match': 'all' }, {}).modeWarning, undefined);
  });

  test('with-x note and mode', () => {
    const e = explainHeadersMatch({ 'x-match': 'any-with-x', 'x-a': 1 }, { 'x-a': 1 });
    assert.equal(e.mode, 'any-with-x');
    assert.equal(e.args.find((a) => a.key === 'x-a')!.result, 'match');
  });
});

describe('valuesEqual', () => {
  test('symmetric on a sample', () => {
    const samples: unknown[] = [
      null,
      0,
      1,
      1.5,
      '1',
      '',
      'a',
      true,
      false,
      [],
      [1],
      {},
      { a: 1 },
      new Uint8Array([97]),
      5n,
      { '!': 'int', value: 1 },
    ];
    for (const a of samples)
      for (const b of samples) assert.equal(valuesEqual(a, b), valuesEqual(b, a), `${String(a)} / ${String(b)}`);
  });
});
