/**
 * src/core/fieldTypes.ts: the one representation of typed AMQP field values and its JSON form.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decimalText,
  fieldNumber,
  fieldTypeOf,
  fromJsonValue,
  guessNumberType,
  intRange,
  isTypedNumber,
  toJsonValue,
  type FieldTable,
  type FieldValue,
} from '../../src/core/fieldTypes';

/** What a JSON file or a postMessage does to a value. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const roundTrip = (v: FieldValue): FieldValue => fromJsonValue(viaJson(toJsonValue(v)), 'v');

/**
 * A comparable form: the AMQP type and the exact value of every leaf (a plain number and the
 * typed number of the type it is sent as are the same value), bytes as bytes.
 */
function canon(v: unknown): unknown {
  const type = fieldTypeOf(v);
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(canon);
  const value = typeof v === 'number' ? v : isTypedNumber(v) ? v.value : undefined;
  switch (type) {
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'timestamp':
      return `${type} ${BigInt(value as number | string)}`;
    case 'float':
    case 'double':
      return `${type} ${Object.is(value, -0) ? '-0' : String(value)}`;
    case 'decimal': {
      const d = value as { places: number; digits: number };
      return `decimal ${d.places}/${d.digits}`;
    }
    case 'table':
      return Object.entries(v as FieldTable).map(([k, x]) => [k, canon(x)]);
    default:
      return v;
  }
}

const intOf = (type: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32') => {
  const [lo, hi] = intRange(type)!;
  return fc.integer({ min: Number(lo), max: Number(hi) }).map((value) => ({ '!': type, value }) as FieldValue);
};

const leaf: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 20 }),
  fc.double(), // plain: untyped, sent as guessNumberType says (NaN, ±Infinity and -0 included)
  fc.integer(),
  intOf('int8'),
  intOf('uint8'),
  intOf('int16'),
  intOf('uint16'),
  intOf('int32'),
  intOf('uint32'),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((b) => ({ '!': 'int64', value: b.toString() }) as FieldValue),
  fc
    .bigInt({ min: 0n, max: 2n ** 64n - 1n })
    .map(
      (b) =>
        ({ '!': 'timestamp', value: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString() }) as FieldValue,
    ),
  fc.float().map((value) => ({ '!': 'float', value }) as FieldValue),
  fc.double().map((value) => ({ '!': 'double', value }) as FieldValue),
  fc
    .record({ places: fc.integer({ min: 0, max: 255 }), digits: fc.integer({ min: 0, max: 0xffffffff }) })
    .map((value) => ({ '!': 'decimal', value }) as FieldValue),
);

// Keys: anything but '!' (a table with that key cannot be sent: amqplib would read it as a type).
const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'value', 'constructor')).filter((k) => k !== '!');

const tree = fc.letrec<{ value: FieldValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => {
      const t: FieldTable = {};
      for (const [k, x] of entries)
        Object.defineProperty(t, k, { value: x, enumerable: true, writable: true, configurable: true });
      return t;
    }),
  ),
})).value;

describe('guessNumberType (what amqplib encodes a plain number as)', () => {
  test('whole numbers: the smallest signed type that holds them, up to int64', () => {
    assert.equal(guessNumberType(0), 'int8');
    assert.equal(guessNumberType(-0), 'int8');
    assert.equal(guessNumberType(127), 'int8');
    assert.equal(guessNumberType(-128), 'int8');
    assert.equal(guessNumberType(128), 'int16');
    assert.equal(guessNumberType(-129), 'int16');
    assert.equal(guessNumberType(32767), 'int16');
    assert.equal(guessNumberType(32768), 'int32');
    assert.equal(guessNumberType(-32769), 'int32');
    assert.equal(guessNumberType(2 ** 31 - 1), 'int32');
    assert.equal(guessNumberType(2 ** 31), 'int64');
    assert.equal(guessNumberType(-(2 ** 31) - 1), 'int64');
    assert.equal(guessNumberType(2 ** 53 + 2), 'int64');
    assert.equal(guessNumberType(-(2 ** 63)), 'int64');
  });

  test('fractions, non-finite numbers and whole numbers beyond int64 are doubles', () => {
    assert.equal(guessNumberType(1.5), 'double');
    assert.equal(guessNumberType(-0.1), 'double');
    assert.equal(guessNumberType(Number.NaN), 'double');
    assert.equal(guessNumberType(Infinity), 'double');
    assert.equal(guessNumberType(-Infinity), 'double');
    // amqplib: n >= 0x8000000000000000 is a double (an int64 cannot hold it)
    assert.equal(guessNumberType(2 ** 63), 'double');
    assert.equal(guessNumberType(1e300), 'double');
    assert.equal(guessNumberType(-1e300), 'double');
  });
});

describe('fieldTypeOf', () => {
  test('every kind of value', () => {
    const cases: [unknown, string][] = [
      ['s', 'string'],
      [true, 'bool'],
      [null, 'void'],
      [undefined, 'void'],
      [5, 'int8'],
      [300, 'int16'],
      [2.5, 'double'],
      [5n, 'int64'],
      [new Uint8Array([1]), 'bytes'],
      [Buffer.from([1]), 'bytes'],
      [{ '!': 'bytes', value: 'AQ==' }, 'bytes'],
      [[1, 2], 'array'],
      [{ a: 1 }, 'table'],
      [{}, 'table'],
      [new Date(0), 'timestamp'],
      [{ '!': 'int8', value: 5 }, 'int8'],
      [{ '!': 'uint8', value: 5 }, 'uint8'],
      [{ '!': 'int16', value: 5 }, 'int16'],
      [{ '!': 'uint16', value: 5 }, 'uint16'],
      [{ '!': 'int32', value: 5 }, 'int32'],
      [{ '!': 'uint32', value: 5 }, 'uint32'],
      [{ '!': 'int64', value: '5' }, 'int64'],
      [{ '!': 'float', value: 2 }, 'float'],
      [{ '!': 'double', value: 2 }, 'double'],
      [{ '!': 'timestamp', value: 5 }, 'timestamp'],
      [{ '!': 'decimal', value: { places: 1, digits: 5 } }, 'decimal'],
      // not typed numbers: tables
      [{ '!': 'long', value: 5 }, 'table'],
      [{ '!': 'int8', value: 5, extra: 1 }, 'table'],
      [{ '!': 'int8' }, 'table'],
    ];
    for (const [v, t] of cases)
      assert.equal(
        fieldTypeOf(v),
        t,
        JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)),
      );
  });

  test('isTypedNumber wants exactly the two keys and a known tag', () => {
    assert.equal(isTypedNumber({ '!': 'int64', value: '1' }), true);
    assert.equal(isTypedNumber({ '!': 'int64', value: '1', x: 1 }), false);
    assert.equal(isTypedNumber({ '!': 'bytes', value: 'AA==' }), false);
    assert.equal(isTypedNumber(new Uint8Array(2)), false);
    assert.equal(isTypedNumber([1]), false);
  });
});

describe('fieldNumber', () => {
  test('plain and typed numbers, int64 strings; undefined for everything else', () => {
    assert.equal(fieldNumber(3), 3);
    assert.equal(fieldNumber(2.5), 2.5);
    assert.equal(fieldNumber(7n), 7);
    assert.equal(fieldNumber({ '!': 'int8', value: -5 }), -5);
    assert.equal(fieldNumber({ '!': 'uint32', value: 4294967295 }), 4294967295);
    assert.equal(fieldNumber({ '!': 'int64', value: '19' }), 19);
    assert.equal(fieldNumber({ '!': 'int64', value: '9007199254740993' }), 9007199254740992); // rounded
    assert.equal(fieldNumber({ '!': 'float', value: 1.5 }), 1.5);
    assert.equal(fieldNumber({ '!': 'double', value: -0.25 }), -0.25);
    assert.equal(fieldNumber({ '!': 'timestamp', value: 1_700_000_000 }), 1_700_000_000);
    assert.equal(fieldNumber({ '!': 'timestamp', value: '18446744073709551615' }), 2 ** 64);
    assert.equal(fieldNumber({ '!': 'decimal', value: { places: 1, digits: 5 } }), undefined);
    assert.equal(fieldNumber({ '!': 'int64', value: 'abc' }), undefined);
    assert.equal(fieldNumber('5'), undefined);
    assert.equal(fieldNumber(null), undefined);
    assert.equal(fieldNumber(undefined), undefined);
    assert.equal(fieldNumber({ a: 1 }), undefined);
    assert.equal(fieldNumber(new Uint8Array([5])), undefined);
  });

  test('decimalText', () => {
    assert.equal(decimalText(2, 12345), '123.45');
    assert.equal(decimalText(0, 7), '7');
    assert.equal(decimalText(3, 5), '0.005');
    assert.equal(decimalText(2, -5), '-0.05');
  });
});

describe('toJsonValue / fromJsonValue', () => {
  test('typed numbers are written plain only where the plain number means the same type', () => {
    assert.equal(toJsonValue({ '!': 'int8', value: 5 }), 5);
    assert.deepEqual(toJsonValue({ '!': 'int64', value: '5' }), { '!': 'int64', value: '5' });
    assert.deepEqual(toJsonValue({ '!': 'uint8', value: 5 }), { '!': 'uint8', value: 5 });
    assert.equal(toJsonValue({ '!': 'int16', value: 300 }), 300);
    assert.deepEqual(toJsonValue({ '!': 'int32', value: 300 }), { '!': 'int32', value: 300 });
    assert.equal(toJsonValue({ '!': 'double', value: 2.5 }), 2.5);
    assert.deepEqual(toJsonValue({ '!': 'double', value: 2 }), { '!': 'double', value: 2 });
    assert.deepEqual(toJsonValue({ '!': 'float', value: 2.5 }), { '!': 'float', value: 2.5 });
    assert.deepEqual(toJsonValue(new Uint8Array([1, 2, 3])), { '!': 'bytes', value: 'AQID' });
    assert.deepEqual(toJsonValue({ '!': 'decimal', value: { places: 2, digits: 5 } }), {
      '!': 'decimal',
      value: { places: 2, digits: 5 },
    });
  });

  test('values JSON cannot write plainly: NaN, ±Infinity, -0', () => {
    assert.deepEqual(toJsonValue({ '!': 'double', value: Number.NaN }), { '!': 'double', value: 'NaN' });
    assert.deepEqual(toJsonValue({ '!': 'float', value: -Infinity }), { '!': 'float', value: '-Infinity' });
    assert.deepEqual(toJsonValue({ '!': 'double', value: -0 }), { '!': 'double', value: '-0' });
    assert.deepEqual(toJsonValue(Number.NaN), { '!': 'double', value: 'NaN' });
    assert.equal(Object.is(toJsonValue(-0), 0), true); // a plain -0 is an int8 0 for amqplib
    const back = roundTrip({ '!': 'double', value: -0 }) as { value: number };
    assert.equal(Object.is(back.value, -0), true);
  });

  test('int64 beyond 2^53 and the largest timestamps survive JSON exactly', () => {
    for (const v of [
      { '!': 'int64', value: '9007199254740993' },
      { '!': 'int64', value: '-9223372036854775808' },
      { '!': 'int64', value: '9223372036854775807' },
      { '!': 'timestamp', value: '18446744073709551615' },
    ] as FieldValue[])
      assert.deepEqual(roundTrip(v), v);
  });

  test('a table that only looks like a typed value is written without throwing, and refused on reading', () => {
    const odd = { '!': 'decimal', value: null } as unknown as FieldValue;
    assert.deepEqual(toJsonValue(odd), { '!': 'decimal', value: null });
    assert.throws(() => fromJsonValue(toJsonValue({ h: odd }), 'headers'), /^Error: headers\.h: decimal needs/);
    assert.deepEqual(toJsonValue({ '!': 'int64', value: 'abc' } as FieldValue), { '!': 'int64', value: 'abc' });
    // whatever the value, the result is JSON (no throw on a bigint, no "[object Object]")
    for (const v of [
      { '!': 'int64', value: 5n },
      { '!': 'int8', value: {} },
      { '!': 'timestamp', value: new Uint8Array([1]) },
      { '!': 'double', value: [1, 2n] },
    ] as unknown as FieldValue[]) {
      const text = JSON.stringify(toJsonValue(v));
      assert.doesNotMatch(text, /\[object /);
    }
    assert.deepEqual(toJsonValue({ '!': 'int64', value: 5n } as unknown as FieldValue), { '!': 'int64', value: '5' });
  });

  test('a header named __proto__ is an entry, not a prototype', () => {
    const json = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as unknown;
    const t = fromJsonValue(json, 'headers') as FieldTable;
    assert.deepEqual(Object.keys(t), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(t), Object.prototype);
    assert.deepEqual(viaJson(toJsonValue(t)), json);
  });

  test('property: arbitrary typed trees survive toJsonValue → JSON → fromJsonValue', () => {
    fc.assert(
      fc.property(tree, (v) => {
        const json = toJsonValue(v);
        assert.deepEqual(viaJson(json), json, 'the JSON form is JSON-safe');
        const back = fromJsonValue(viaJson(json), 'v');
        assert.deepEqual(canon(back), canon(v));
        // and the JSON form is stable: writing the value read back gives the same JSON
        assert.deepEqual(toJsonValue(back), json);
      }),
      { numRuns: 2000 },
    );
  });

  test('old exports read the same: plain numbers, bytes, timestamps, decimals', () => {
    assert.deepEqual(
      fromJsonValue(
        {
          n: 5,
          f: 1.5,
          big: 3000000000,
          b: { '!': 'bytes', value: 'AQID' },
          t: { '!': 'timestamp', value: 1700000000 },
          d: { '!': 'decimal', value: { places: 2, digits: 12345 } },
          list: [1, 'x', null, true],
        },
        'headers',
      ),
      {
        n: 5,
        f: 1.5,
        big: 3000000000,
        b: new Uint8Array([1, 2, 3]),
        t: { '!': 'timestamp', value: 1700000000 },
        d: { '!': 'decimal', value: { places: 2, digits: 12345 } },
        list: [1, 'x', null, true],
      },
    );
  });

  test('typed values given as strings are read and range-checked', () => {
    assert.deepEqual(fromJsonValue({ '!': 'int8', value: '-5' }, 'h'), { '!': 'int8', value: -5 });
    assert.deepEqual(fromJsonValue({ '!': 'int64', value: 5 }, 'h'), { '!': 'int64', value: '5' });
    assert.deepEqual(fromJsonValue({ '!': 'double', value: 'Infinity' }, 'h'), { '!': 'double', value: Infinity });
    assert.deepEqual(fromJsonValue({ '!': 'float', value: '1.5' }, 'h'), { '!': 'float', value: 1.5 });
    assert.deepEqual(fromJsonValue({ '!': 'timestamp', value: '9007199254740993' }, 'h'), {
      '!': 'timestamp',
      value: '9007199254740993',
    });
  });

  test('errors name the path and say what is wrong', () => {
    const bad = (v: unknown, re: RegExp) => assert.throws(() => fromJsonValue(v, 'headers'), re);
    bad({ a: { '!': 'int8', value: 128 } }, /^Error: headers\.a: 128 does not fit int8 \(-128 to 127\)$/);
    bad({ a: [1, { '!': 'uint8', value: -1 }] }, /^Error: headers\.a\[1\]: -1 does not fit uint8/);
    bad({ a: { b: { '!': 'uint16', value: 65536 } } }, /headers\.a\.b: 65536 does not fit uint16/);
    bad({ a: { '!': 'int32', value: 2147483648 } }, /headers\.a: 2147483648 does not fit int32/);
    bad({ a: { '!': 'uint32', value: 4294967296 } }, /headers\.a: 4294967296 does not fit uint32/);
    bad({ a: { '!': 'int64', value: '9223372036854775808' } }, /headers\.a: 9223372036854775808 does not fit int64/);
    bad({ a: { '!': 'int64', value: 2 ** 53 + 2 } }, /headers\.a: .*beyond 2\^53.*write it as a string/);
    bad({ a: { '!': 'timestamp', value: -1 } }, /headers\.a: -1 does not fit timestamp/);
    bad({ a: { '!': 'int8', value: 1.5 } }, /headers\.a: int8 needs a whole number, got 1\.5/);
    bad({ a: { '!': 'int16', value: 'x' } }, /headers\.a: int16 needs a whole number, got "x"/);
    bad({ a: { '!': 'double', value: 'abc' } }, /headers\.a: double needs a number, got "abc"/);
    bad({ a: { '!': 'float', value: 1e39 } }, /headers\.a: 1e\+39 does not fit float/);
    bad({ a: { '!': 'decimal', value: { places: 256, digits: 1 } } }, /headers\.a: decimal needs/);
    bad({ a: { '!': 'decimal', value: { places: 2, digits: -1 } } }, /headers\.a: decimal needs/);
    bad({ a: { '!': 'bytes', value: 5 } }, /headers\.a: bytes needs a base64 string/);
    bad({ a: { '!': 'bytes', value: '*' } }, /headers\.a: Invalid base64/);
    bad({ a: { '!': 'long', value: 5 } }, /headers\.a: unknown type 'long'/);
    bad({ a: { '!': 'int8', value: 5, x: 1 } }, /headers\.a: a table with a key '!' cannot be sent/);
  });
});
