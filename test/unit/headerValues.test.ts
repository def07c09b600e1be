/**
 * Every reader of header values (display rows, x-death, the filter, export and import, delivery
 * counts) over header values in the representation of src/core/fieldTypes.ts: typed numbers of
 * every width, int64 beyond 2^53, floats vs doubles, decimals, timestamps, bytes, nesting.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryCountOf } from '../../src/core/deliveryLimit';
import { toDisplayMessage, toTailRow } from '../../src/core/display';
import { fieldTypeOf, toJsonValue, type FieldTable } from '../../src/core/fieldTypes';
import { formatXDeath, headerValueText, typedHeaders } from '../../src/core/fieldValues';
import type { CapturedMessage } from '../../src/core/message';
import { fromExportable, parseExported, toExportable, toNdjson } from '../../src/core/messageExport';
import { createFilter, matchesFilter } from '../../src/core/messageFilter';

/** A header table as Burrow's decoder yields it: one value of every type, and nested ones. */
function everyType(): FieldTable {
  return {
    str: 'text',
    yes: true,
    no: false,
    nothing: null,
    i8: { '!': 'int8', value: -5 },
    u8: { '!': 'uint8', value: 200 },
    i16: { '!': 'int16', value: -300 },
    u16: { '!': 'uint16', value: 60000 },
    i32: { '!': 'int32', value: -70000 },
    u32: { '!': 'uint32', value: 4294967295 },
    i64: { '!': 'int64', value: '9007199254740993' }, // 2^53 + 1
    i64small: { '!': 'int64', value: '5' },
    i64min: { '!': 'int64', value: '-9223372036854775808' },
    fl: { '!': 'float', value: 1.5 },
    flThird: { '!': 'float', value: Math.fround(1 / 3) },
    db: { '!': 'double', value: 2 },
    dbNeg0: { '!': 'double', value: -0 },
    dbNaN: { '!': 'double', value: Number.NaN },
    flInf: { '!': 'float', value: -Infinity },
    dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
    ts: { '!': 'timestamp', value: 1_700_000_000 },
    tsHuge: { '!': 'timestamp', value: '18446744073709551615' },
    bin: Buffer.from([1, 2, 255]),
    plainInt: 42, // old exports, hand-written JSON: what amqplib guesses
    plainDouble: 2.5,
    list: [{ '!': 'int8', value: 1 }, 'x', { '!': 'int64', value: '7' }, new Uint8Array([9]), null],
    table: {
      n: { '!': 'int16', value: 5 },
      b: new Uint8Array([1, 2, 3]),
      t: { '!': 'timestamp', value: 5 },
      deeper: { d: { '!': 'decimal', value: { places: 1, digits: 5 } }, f: { '!': 'float', value: 0.5 } },
    },
    'x-death': [
      {
        count: { '!': 'int64', value: '3' },
        reason: 'rejected',
        queue: 'work',
        time: { '!': 'timestamp', value: 1_700_000_000 },
        exchange: 'jobs',
        'routing-keys': ['job.a', 'job.b'],
        'original-expiration': '5000',
      },
    ],
    'x-delivery-count': { '!': 'int64', value: '2' },
  };
}

function msg(headers: FieldTable, over: Partial<CapturedMessage> = {}): CapturedMessage {
  const body = new TextEncoder().encode('{"a":1}');
  return {
    seq: 1,
    exchange: 'orders',
    routingKey: 'order.created',
    redelivered: false,
    properties: { contentType: 'application/json', headers },
    body,
    size: body.byteLength,
    receivedAt: 0,
    ...over,
  };
}

const TYPES: Record<string, string> = {
  str: 'string',
  yes: 'bool',
  no: 'bool',
  nothing: 'void',
  i8: 'int8',
  u8: 'uint8',
  i16: 'int16',
  u16: 'uint16',
  i32: 'int32',
  u32: 'uint32',
  i64: 'int64',
  i64small: 'int64',
  i64min: 'int64',
  fl: 'float',
  flThird: 'float',
  db: 'double',
  dbNeg0: 'double',
  dbNaN: 'double',
  flInf: 'float',
  dec: 'decimal',
  ts: 'timestamp',
  tsHuge: 'timestamp',
  bin: 'bytes',
  plainInt: 'int8',
  plainDouble: 'double',
  list: 'array',
  table: 'table',
  'x-delivery-count': 'int64',
};

const TEXTS: Record<string, string> = {
  str: 'text',
  yes: 'true',
  no: 'false',
  nothing: 'null',
  i8: '-5',
  u8: '200',
  i16: '-300',
  u16: '60000',
  i32: '-70000',
  u32: '4294967295',
  i64: '9007199254740993',
  i64small: '5',
  i64min: '-9223372036854775808',
  fl: '1.5',
  flThird: '0.3333333432674408',
  db: '2',
  dbNeg0: '-0',
  dbNaN: 'NaN',
  flInf: '-Infinity',
  dec: '123.45',
  ts: '2023-11-14T22:13:20.000Z (1700000000)',
  tsHuge: '18446744073709551615',
  bin: '3 bytes: 0102ff',
  plainInt: '42',
  plainDouble: '2.5',
  list: '[1,"x",{"!":"int64","value":"7"},{"!":"bytes","value":"CQ=="},null]',
  table:
    '{"n":{"!":"int16","value":5},"b":{"!":"bytes","value":"AQID"},"t":{"!":"timestamp","value":5},' +
    '"deeper":{"d":{"!":"decimal","value":{"places":1,"digits":5}},"f":{"!":"float","value":0.5}}}',
  'x-delivery-count': '2',
};

describe('display rows carry the exact type and exact text', () => {
  test('typedHeaders: every type', () => {
    const rows = typedHeaders(everyType()).filter((r) => r.name !== 'x-death');
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.name, r.type])), TYPES);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.name, r.value])), TEXTS);
  });

  test('toDisplayMessage: header rows without x-death, x-death rows read from typed values', () => {
    const d = toDisplayMessage(msg(everyType()));
    assert.deepEqual(Object.fromEntries(d.headers.map((r) => [r.name, r.type])), TYPES);
    assert.deepEqual(Object.fromEntries(d.headers.map((r) => [r.name, r.value])), TEXTS);
    assert.equal(d.deaths.length, 1);
    const death = Object.fromEntries(d.deaths[0].map((f) => [f.name, f.value]));
    assert.equal(death.count, '3');
    assert.equal(death.time, '2023-11-14T22:13:20.000Z');
    assert.equal(death['routing keys'], 'job.a, job.b');
    assert.equal(death['original expiration'], '5000 ms');
  });

  test('the webview gets only strings (rendered as text), and never "[object Object]"', () => {
    const d = toDisplayMessage(msg(everyType()));
    const fields = [...d.properties, ...d.headers, ...d.deaths.flat()];
    for (const f of fields) {
      assert.equal(typeof f.name, 'string');
      assert.equal(typeof f.value, 'string', f.name);
      if (f.type !== undefined) assert.equal(typeof f.type, 'string');
    }
    const all = JSON.stringify(d) + JSON.stringify(toTailRow(msg(everyType())));
    assert.doesNotMatch(all, /\[object |undefined/);
  });

  test('headerValueText never shows "[object Object]", also for odd or malformed values', () => {
    const odd: unknown[] = [
      { '!': 'decimal', value: null },
      { '!': 'timestamp', value: 'soon' },
      { '!': 'bytes', value: 5 },
      { '!': 'bytes', value: 'AQID' },
      { '!': 'int8', value: 5, extra: true },
      { '!': 'long', value: 5 },
      5n,
      new Date(0),
      Object.create(null) as object,
      { a: undefined, b: [undefined] },
      { d: new Date(0) },
      { '!': 'int8', value: {} },
      { '!': 'double', value: [1, { x: 2 }] },
      { '!': 'int64', value: { a: 1 } },
      { '!': 'timestamp', value: { a: 1 } },
      [{ '!': 'uint16', value: { a: 1 } }],
    ];
    for (const v of odd) assert.doesNotMatch(headerValueText(v), /\[object |^undefined$/, String(fieldTypeOf(v)));
    assert.equal(headerValueText({ '!': 'bytes', value: 'AQID' }), '3 bytes: 010203');
    assert.equal(headerValueText(5n), '5');
    assert.equal(headerValueText(new Date(0)), '1970-01-01T00:00:00.000Z (0)');
  });

  test('nesting deeper than the JSON form allows is shown as a note, not thrown', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    assert.match(headerValueText(deep), /^\(not shown: .*nested too deeply/);
  });
});

describe('formatXDeath with typed values', () => {
  test('count is an int64 on the wire; time a timestamp; other fields as text', () => {
    const [row] = formatXDeath(everyType());
    assert.equal(row.count, 3);
    assert.equal(row.time, '2023-11-14T22:13:20.000Z');
    assert.equal(row.queue, 'work');
    const [odd] = formatXDeath({
      'x-death': [
        {
          count: { '!': 'int32', value: 7 },
          queue: Buffer.from('q1'),
          reason: { '!': 'int8', value: 1 },
          exchange: '',
          'routing-keys': [{ '!': 'int64', value: '9' }, 'k'],
        },
      ],
    });
    assert.equal(odd.count, 7);
    assert.equal(odd.queue, 'q1');
    assert.equal(odd.reason, '1');
    assert.deepEqual(odd.routingKeys, ['9', 'k']);
    assert.equal(odd.time, undefined);
    assert.doesNotMatch(JSON.stringify(odd), /\[object /);
    const [missing] = formatXDeath({ 'x-death': [{ count: 'many' }] });
    assert.equal(missing.count, 0);
  });
});

describe('filter over typed header values', () => {
  const m = msg(everyType(), { body: new Uint8Array(0), size: 0 });
  test('a number typed the user filters for matches however it is typed', () => {
    const other = msg({ n: { '!': 'int64', value: '5' } }, { body: new Uint8Array(0), size: 0, routingKey: 'rk' });
    assert.ok(matchesFilter(other, '5'));
    assert.ok(!matchesFilter(msg({ n: { '!': 'int64', value: '6' } }, { body: new Uint8Array(0) }), '5'));
    assert.ok(matchesFilter(m, '9007199254740993')); // int64 exactly, not 9007199254740992
    assert.ok(!matchesFilter(m, '9007199254740992'));
    assert.ok(matchesFilter(m, '4294967295'));
    assert.ok(matchesFilter(m, '123.45')); // decimal
    assert.ok(matchesFilter(m, '0.3333333432674408')); // float, as JS shows it
    assert.ok(matchesFilter(m, '2023-11-14')); // timestamp
    assert.ok(matchesFilter(m, '0102ff')); // bytes
    assert.ok(matchesFilter(m, '"value":"7"')); // nested, in the JSON form
    assert.ok(!matchesFilter(m, 'object'));
  });

  test('createFilter runs over every type without throwing', () => {
    const f = createFilter('no such text anywhere');
    assert.equal(f(m), false);
  });
});

describe('export and import keep every type', () => {
  test('toExportable writes the exact JSON form; parseExported reads the same values back', () => {
    const original = msg(everyType());
    const exported = toExportable(original);
    const h = exported.properties.headers as Record<string, unknown>;
    assert.deepEqual(h.i64, { '!': 'int64', value: '9007199254740993' });
    assert.deepEqual(h.i64small, { '!': 'int64', value: '5' }); // not a plain 5 (that would be an int8)
    assert.equal(h.i8, -5); // an int8 is what a plain -5 means
    assert.deepEqual(h.u32, { '!': 'uint32', value: 4294967295 });
    assert.deepEqual(h.fl, { '!': 'float', value: 1.5 }); // float vs double
    assert.equal(h.plainDouble, 2.5);
    assert.deepEqual(h.db, { '!': 'double', value: 2 });
    assert.deepEqual(h.dbNeg0, { '!': 'double', value: '-0' });
    assert.deepEqual(h.bin, { '!': 'bytes', value: 'AQL/' });

    const text = toNdjson([original, original]);
    const back = parseExported(text);
    assert.ok(back.ok, back.ok ? '' : back.error);
    const headers = back.messages[1].properties.headers as FieldTable;
    // Same types and values: the JSON form is exact, so compare it, and the types one by one.
    assert.deepEqual(toJsonValue(headers), toJsonValue(everyType()));
    for (const [name, v] of Object.entries(everyType())) assert.equal(fieldTypeOf(headers[name]), fieldTypeOf(v), name);
    assert.deepEqual(headers.i64, { '!': 'int64', value: '9007199254740993' });
    assert.deepEqual(headers.i64small, { '!': 'int64', value: '5' });
    assert.equal(headers.i8, -5);
    assert.deepEqual(headers.fl, { '!': 'float', value: 1.5 });
    assert.deepEqual(headers.u32, { '!': 'uint32', value: 4294967295 });
    assert.ok(Object.is((headers.dbNeg0 as { value: number }).value, -0));
    assert.deepEqual([...(headers.bin as Uint8Array)], [1, 2, 255]);
    // and what the panels show is the same before and after
    assert.deepEqual(
      toDisplayMessage({ ...original, properties: back.messages[1].properties }).headers,
      toDisplayMessage(original).headers,
    );
    assert.equal(deliveryCountOf(headers), 2);
  });

  test('old export files read as before: plain numbers, bytes, timestamp and decimal tags', () => {
    const r = fromExportable({
      exchange: 'x',
      routingKey: 'k',
      bodyText: '',
      properties: {
        headers: {
          n: 5,
          big: 3000000000,
          f: 1.5,
          b: { '!': 'bytes', value: 'AQID' },
          t: { '!': 'timestamp', value: 1700000000 },
          d: { '!': 'decimal', value: { places: 2, digits: 5 } },
          nested: { list: [{ '!': 'bytes', value: 'CQ==' }, 2] },
        },
      },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.message.properties.headers, {
      n: 5,
      big: 3000000000,
      f: 1.5,
      b: new Uint8Array([1, 2, 3]),
      t: { '!': 'timestamp', value: 1700000000 },
      d: { '!': 'decimal', value: { places: 2, digits: 5 } },
      nested: { list: [new Uint8Array([9]), 2] },
    });
  });

  test('bad typed values are refused with the message and the path named', () => {
    const line = (headers: unknown) =>
      JSON.stringify({ exchange: '', routingKey: 'q', bodyText: '', properties: { headers } });
    const bad = (headers: unknown, re: RegExp) => {
      const r = parseExported(`${line({ ok: 1 })}\n${line(headers)}\n`);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, re);
    };
    bad(
      { retry: { '!': 'int8', value: 300 } },
      /^Message 2: properties\.headers\.retry: 300 does not fit int8 \(-128 to 127\)$/,
    );
    bad(
      { a: { b: [{ '!': 'uint32', value: -1 }] } },
      /^Message 2: properties\.headers\.a\.b\[0\]: -1 does not fit uint32/,
    );
    bad(
      { id: { '!': 'int64', value: 9007199254740992 } },
      /^Message 2: properties\.headers\.id: .*write it as a string/,
    );
    bad({ id: { '!': 'int64', value: '1e3' } }, /properties\.headers\.id: int64 needs a whole number, got "1e3"/);
    bad({ f: { '!': 'float', value: 'x' } }, /properties\.headers\.f: float needs a number/);
    bad({ t: { '!': 'timestamp', value: 1.5 } }, /properties\.headers\.t: timestamp needs a whole number/);
    bad({ d: { '!': 'decimal', value: 5 } }, /properties\.headers\.d: decimal needs/);
    bad({ w: { '!': 'word', value: 5 } }, /properties\.headers\.w: unknown type 'word'/);
    bad({ '!': 'int8', value: 5 }, /^Message 2: 'properties\.headers' must be an object \(a table of headers\)$/);
  });
});
