/**
 * The typed comparison of headers bindings (headerEquality.ts), per broker version: every row is
 * what RabbitMQ 3.10.8 and 4.0.5 did in a measured run (binding over AMQP with typed arguments,
 * message with a typed header), and what the management API's JSON of such a binding allows.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { explainHeadersMatch, matchHeaders } from '../../src/core/headersExchange';
import { floatReadings, markNumbersRead, semanticsOf } from '../../src/core/headerEquality';

const T = (t: string, value: unknown) => ({ '!': t, value });
const B = (s: string) => new TextEncoder().encode(s);

// [binding value, header value, matches on 3.10.8, matches on 4.0.5] (all measured)
const MEASURED: Array<[string, unknown, unknown, boolean, boolean]> = [
  ['int8 5 = int64 5', T('int8', 5), T('int64', '5'), true, true],
  ['int64 5 = uint32 5', T('int64', '5'), T('uint32', 5), true, true],
  ['int8 5 vs double 5.0', T('int8', 5), T('double', 5), true, false],
  ['double 5.0 vs int16 5', T('double', 5), T('int16', 5), true, false],
  ['double 5.0 = float 5.0', T('double', 5), T('float', 5), true, true],
  ['timestamp 5 = int8 5', T('timestamp', 5), 5, true, true],
  ['timestamp 5 vs timestamp 5 (4.x: the header is in ms)', T('timestamp', 5), T('timestamp', 5), true, false],
  ['int64 5000 vs header timestamp 5', T('int64', '5000'), T('timestamp', 5), false, true],
  ['int64 5000 vs header timestamp 5000', T('int64', '5000'), T('timestamp', 5000), true, false],
  ['float 1.1 vs double 1.1', T('float', 1.1), T('double', 1.1), false, false],
  ['float 1.1 = float 1.1', T('float', 1.1), T('float', 1.1), true, true],
  ['float 1.1 = double fround(1.1)', T('float', 1.1), T('double', Math.fround(1.1)), true, true],
  ['float 1.5 = double 1.5', T('float', 1.5), T('double', 1.5), true, true],
  [
    'decimal 1/15 = decimal 1/15',
    T('decimal', { places: 1, digits: 15 }),
    T('decimal', { places: 1, digits: 15 }),
    true,
    true,
  ],
  [
    'decimal 1/15 vs decimal 1/150',
    T('decimal', { places: 1, digits: 15 }),
    T('decimal', { places: 1, digits: 150 }),
    false,
    false,
  ],
  ['string = bytes (top level)', 'ab', B('ab'), true, true],
  ['bool true vs string "true"', true, 'true', false, false],
  ['{a: int8 1} vs {a: int64 1}', { a: T('int8', 1) }, { a: T('int64', '1') }, false, false],
  ['{a: int8 1} = {a: int8 1}', { a: T('int8', 1) }, { a: 1 }, true, true],
  ['{a: "x"} vs {a: bytes x}', { a: 'x' }, { a: B('x') }, false, false],
  ['{a: timestamp 5} vs {a: int64 5}', { a: T('timestamp', 5) }, { a: T('int64', '5') }, false, false],
  [
    '{a: timestamp 5} = {a: timestamp 5} (not scaled inside)',
    { a: T('timestamp', 5) },
    { a: T('timestamp', 5) },
    true,
    true,
  ],
  ['{a: double 5} vs {a: float 5}', { a: T('double', 5) }, { a: T('float', 5) }, false, false],
  ['[int8 1] vs [int64 1]', [T('int8', 1)], [T('int64', '1')], false, false],
  ['["x"] vs [bytes x]', ['x'], [B('x')], false, false],
  ['double 0 = int8 0 on 3.10', T('double', 0), 0, true, false],
  ['double 2^53 vs int64 2^53+1', T('double', 2 ** 53), T('int64', '9007199254740993'), false, false],
  ['double 2^53 vs int64 2^53', T('double', 2 ** 53), T('int64', '9007199254740992'), true, false],
  ['int64 2^53+1 = int64 2^53+1', T('int64', '9007199254740993'), T('int64', '9007199254740993'), true, true],
];

const outcome = (b: unknown, h: unknown, brokerVersion?: string, lossyArguments = false) =>
  matchHeaders({ k: b }, { k: h }, { brokerVersion, lossyArguments }).outcome;

describe('typed comparison, exact binding arguments (as measured on both brokers)', () => {
  for (const [name, b, h, v3, v4] of MEASURED) {
    test(name, () => {
      assert.equal(outcome(b, h, '3.10.8'), v3 ? 'yes' : 'no', '3.10.8');
      assert.equal(outcome(b, h, '4.0.5'), v4 ? 'yes' : 'no', '4.0.5');
      assert.equal(outcome(b, h, '3.13.0'), v4 ? 'yes' : 'no', '3.13 compares like 4.x');
      assert.equal(outcome(b, h), v3 === v4 ? (v3 ? 'yes' : 'no') : 'maybe', 'version unknown');
    });
  }

  test('0.0 vs -0.0: equal before 3.13; from 3.13 it depends on Erlang/OTP, so a maybe', () => {
    assert.equal(outcome(T('double', -0), T('double', 0), '3.10.8'), 'yes');
    const r = matchHeaders({ k: T('double', -0) }, { k: T('double', 0) }, { brokerVersion: '4.0.5' });
    assert.equal(r.outcome, 'maybe');
    assert.match(r.reasons.join(), /OTP 27/);
    assert.equal(outcome({ a: T('double', -0) }, { a: T('double', 0) }, '3.10.8'), 'yes');
    assert.equal(outcome({ a: T('double', -0) }, { a: T('double', 0) }, '4.0.5'), 'maybe');
  });

  test('the version reason is given when the version decides', () => {
    const r = matchHeaders({ k: T('double', 5) }, { k: 5 }, {});
    assert.equal(r.outcome, 'maybe');
    assert.match(r.reasons.join(), /version is not known/);
  });

  test('explain: the same number with another type says why it differs', () => {
    const e = explainHeadersMatch({ k: T('double', 5) }, { k: 5 }, { brokerVersion: '4.0.5' });
    assert.equal(e.outcome, 'no');
    assert.equal(e.args[0]!.result, 'mismatch');
    assert.match(e.args[0]!.note!, /from RabbitMQ 3\.13 an integer never equals a float/);
    assert.equal(explainHeadersMatch({ k: T('double', 5) }, { k: 5 }, { brokerVersion: '3.10.8' }).outcome, 'yes');
  });

  test('semanticsOf', () => {
    assert.equal(semanticsOf('3.10.8'), 'legacy');
    assert.equal(semanticsOf('3.12.14'), 'legacy');
    assert.equal(semanticsOf('3.13.0'), 'strict');
    assert.equal(semanticsOf('4.0.5'), 'strict');
    assert.equal(semanticsOf('4.1.0-rc.1'), 'strict');
    assert.equal(semanticsOf(''), undefined);
    assert.equal(semanticsOf(undefined), undefined);
  });
});

// What the management API showed for bindings made over AMQP (measured, identical on both).
describe('typed comparison, binding arguments from the management API', () => {
  const api = (b: unknown, h: unknown, v: string) =>
    matchHeaders(markNumbersRead({ k: b }), { k: h }, { brokerVersion: v, lossyArguments: true });

  test('"5.0" (read as { "!": "double" }) against an integer: never on 4.x, a maybe on 3.10', () => {
    // the measured confident wrong answer: a double 5.0 binding, an integer header, 4.0.5 said no
    assert.equal(api(T('double', 5), T('int8', 5), '4.0.5').outcome, 'no');
    // 3.10 matches a double or float 5.0, but "5.0" is also how a decimal (places 5, digits 0) shows
    assert.equal(api(T('double', 5), T('int8', 5), '3.10.8').outcome, 'maybe');
    assert.equal(api(T('double', 5), T('double', 5), '4.0.5').outcome, 'maybe');
    assert.equal(api(T('double', 300), T('int16', 300), '3.10.8').outcome, 'yes'); // places <= 255
    assert.equal(api(T('double', 5), T('int8', 6), '3.10.8').outcome, 'no');
  });

  test('"5" (an integer of some width, or a timestamp) at the top level is exact', () => {
    assert.equal(api(5, T('int64', '5'), '4.0.5').outcome, 'yes');
    assert.equal(api(5, T('double', 5), '4.0.5').outcome, 'no');
    assert.equal(api(5, T('double', 5), '3.10.8').outcome, 'yes');
    assert.equal(api(5000, T('timestamp', 5), '4.0.5').outcome, 'yes');
    assert.equal(api(5, T('timestamp', 5), '4.0.5').outcome, 'no');
    assert.equal(api(5, T('timestamp', 5), '3.10.8').outcome, 'yes');
  });

  test('a float 1.1 shows as 1.100000023841858: a float or a double, never a double 1.1', () => {
    assert.equal(api(1.100000023841858, T('double', 1.1), '4.0.5').outcome, 'no');
    assert.equal(api(1.100000023841858, T('float', 1.1), '4.0.5').outcome, 'yes');
    assert.equal(api(1.1, T('float', 1.1), '3.10.8').outcome, 'no');
    const r = api(1.1, T('double', 1.1), '3.10.8'); // a double 1.1, or a decimal places 1 digits 1
    assert.equal(r.outcome, 'maybe');
    assert.match(r.reasons.join(), /decimal and float binding arguments are not exact/);
  });

  test('nested: {"a":1} made through the API is a long; amqplib publishes {a: 1} as an int8', () => {
    const r = api({ a: 1 }, { a: 1 }, '4.0.5');
    assert.equal(r.outcome, 'maybe');
    assert.match(r.reasons.join(), /integer widths/);
    assert.equal(api({ a: 1 }, { a: 2 }, '4.0.5').outcome, 'no');
    assert.equal(api({ a: 1 }, { a: T('double', 1) }, '4.0.5').outcome, 'no'); // an integer is never a double inside
    assert.equal(api({ a: T('double', 1) }, { a: 1 }, '3.10.8').outcome, 'no');
    assert.equal(api({ a: 'x' }, { a: 'x' }, '3.10.8').outcome, 'maybe'); // string or byte array
    assert.equal(api({ a: true }, { a: true }, '3.10.8').outcome, 'yes');
    assert.equal(api([true, false], [true, false], '3.10.8').outcome, 'yes');
  });

  test('without the raw text a plain 5 may have been 5.0', () => {
    const plain = (b: unknown, h: unknown, v: string) =>
      matchHeaders({ k: b }, { k: h }, { brokerVersion: v, lossyArguments: true });
    assert.equal(plain(5, 5, '4.0.5').outcome, 'maybe');
    assert.match(plain(5, 5, '4.0.5').reasons.join(), /number text was not read/);
    assert.equal(plain(5, 6, '4.0.5').outcome, 'no');
    assert.equal(plain(300, 300, '3.10.8').outcome, 'yes'); // no decimal shows as 300, and 3.10 compares numbers
  });

  test('floatReadings: a decimal shows as "<places>.<digits>"', () => {
    const decs = (v: number) =>
      floatReadings(v)
        .filter((e) => e.t === 'decimal')
        .map((e) => (e as { v: readonly [number, number] }).v.join('/'));
    assert.deepEqual(decs(1.15).slice(0, 3), ['1/15', '1/150', '1/1500']);
    assert.deepEqual(decs(1.05), []); // "1.05" would need digits 05
    assert.deepEqual(decs(5), ['5/0']);
    assert.deepEqual(decs(256.5), []); // places are at most 255
    assert.deepEqual(decs(1.100000023841858), []); // digits beyond 2^32
  });
});
