import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ROW_PLACEHOLDERS,
  ROW_TYPES,
  explicitTypes,
  migrateHeaderRow,
  parseRowValue,
  rowFromValue,
  rowsFromHeaders,
  withTypedRows,
} from '../../src/core/headerRows';
import { FIELD_TYPES, type FieldTable, type FieldType, type FieldValue } from '../../src/core/fieldTypes';
import { buildHeaders } from '../../src/core/fieldValues';
import { draftToRequest, normalizeDraft, parseTemplatesFile } from '../../src/core/publishDraft';
import { draftFromMessage } from '../../src/core/messageDraft';
import { requestAt } from '../../src/core/templateVars';
import { checkPublishState, emptyDraft, headerRow } from '../../src/protocol/publish';
import { checkRpcState } from '../../src/protocol/rpc';

const ok = (type: FieldType, text: string): FieldValue => {
  const r = parseRowValue(type, text, 'Header 1');
  assert.ok(r.ok, `${type} ${text}: ${r.ok ? '' : r.error}`);
  return r.ok ? r.value : null;
};
const bad = (type: FieldType, text: string): string => {
  const r = parseRowValue(type, text, "Header 2 'x'");
  assert.equal(r.ok, false, `${type} '${text}' should fail`);
  return r.ok ? '' : r.error;
};

test('the forms list every AMQP type once, each with a placeholder entry', () => {
  assert.deepEqual([...ROW_TYPES].sort(), [...FIELD_TYPES].sort());
  for (const t of FIELD_TYPES) assert.equal(typeof ROW_PLACEHOLDERS[t], 'string');
});

test('integers: decimal text, every width, int64 with all 64 bits; range errors say the range', () => {
  assert.deepEqual(ok('int8', ' -128 '), { '!': 'int8', value: -128 });
  assert.deepEqual(ok('uint8', '255'), { '!': 'uint8', value: 255 });
  assert.deepEqual(ok('int16', '-32768'), { '!': 'int16', value: -32768 });
  assert.deepEqual(ok('uint16', '65535'), { '!': 'uint16', value: 65535 });
  assert.deepEqual(ok('int32', '2147483647'), { '!': 'int32', value: 2147483647 });
  assert.deepEqual(ok('uint32', '4294967295'), { '!': 'uint32', value: 4294967295 });
  assert.deepEqual(ok('int64', '9007199254740993'), { '!': 'int64', value: '9007199254740993' });
  assert.deepEqual(ok('int64', '-9223372036854775808'), { '!': 'int64', value: '-9223372036854775808' });
  assert.equal(bad('int8', '300'), "Header 2 'x': 300 does not fit int8 (-128 to 127)");
  assert.equal(bad('uint8', '-1'), "Header 2 'x': -1 does not fit uint8 (0 to 255)");
  assert.match(bad('uint32', '4294967296'), /does not fit uint32 \(0 to 4294967295\)/);
  assert.match(bad('int64', '9223372036854775808'), /does not fit int64/);
  assert.match(bad('int32', '1.5'), /int32 needs a whole number, got '1.5'/);
  assert.match(bad('int16', ''), /int16 needs a whole number/);
  assert.match(bad('int8', '0x10'), /needs a whole number/);
});

test('float and double: number text, NaN and Infinity; float refuses what only a double holds', () => {
  assert.deepEqual(ok('float', '1.1'), { '!': 'float', value: 1.1 });
  assert.deepEqual(ok('double', '-2.5e-3'), { '!': 'double', value: -0.0025 });
  assert.deepEqual(ok('double', '2'), { '!': 'double', value: 2 });
  const nan = ok('double', 'NaN') as { value: number };
  assert.ok(Number.isNaN(nan.value));
  assert.deepEqual(ok('float', '-Infinity'), { '!': 'float', value: -Infinity });
  assert.ok(Object.is((ok('double', '-0') as { value: number }).value, -0));
  assert.match(bad('float', '1e39'), /does not fit float/);
  assert.match(bad('double', 'abc'), /double needs a number/);
  assert.match(bad('double', ''), /double needs a number/);
});

test('decimal "12.34" is places and digits; digits are a uint32; no sign', () => {
  assert.deepEqual(ok('decimal', '12.34'), { '!': 'decimal', value: { places: 2, digits: 1234 } });
  assert.deepEqual(ok('decimal', '12.30'), { '!': 'decimal', value: { places: 2, digits: 1230 } });
  assert.deepEqual(ok('decimal', '7'), { '!': 'decimal', value: { places: 0, digits: 7 } });
  assert.deepEqual(ok('decimal', '.5'), { '!': 'decimal', value: { places: 1, digits: 5 } });
  assert.deepEqual(ok('decimal', '42949672.95'), { '!': 'decimal', value: { places: 2, digits: 4294967295 } });
  assert.match(bad('decimal', '42949672.96'), /does not fit decimal/);
  assert.match(bad('decimal', '-1.5'), /no sign/);
  assert.match(bad('decimal', 'abc'), /decimal needs a number like 12.34/);
});

test('timestamp: epoch seconds (beyond 2^53 as text) or an ISO date', () => {
  assert.deepEqual(ok('timestamp', '1700000000'), { '!': 'timestamp', value: 1700000000 });
  assert.deepEqual(ok('timestamp', '2023-11-14T22:13:20Z'), { '!': 'timestamp', value: 1700000000 });
  assert.deepEqual(ok('timestamp', '18446744073709551615'), { '!': 'timestamp', value: '18446744073709551615' });
  assert.match(bad('timestamp', 'yesterday'), /epoch seconds or an ISO date/);
  assert.match(bad('timestamp', '-5'), /does not fit timestamp/);
  assert.match(bad('timestamp', '1960-01-01T00:00:00Z'), /before 1970/);
});

test('bytes: base64 or hex:, exact bytes; errors say which', () => {
  assert.deepEqual([...(ok('bytes', 'AP8B') as Uint8Array)], [0, 255, 1]);
  assert.deepEqual([...(ok('bytes', 'hex:00 ff 01') as Uint8Array)], [0, 255, 1]);
  assert.deepEqual([...(ok('bytes', '') as Uint8Array)], []);
  assert.match(bad('bytes', 'not base64!'), /Invalid base64.*hex/);
  assert.match(bad('bytes', 'hex:0g'), /'0g' is not a hex byte/);
  assert.match(bad('bytes', 'hex:abc'), /even number/);
});

test('string, bool, void', () => {
  assert.equal(ok('string', ' 12 '), ' 12 ');
  assert.equal(ok('bool', 'TRUE'), true);
  assert.equal(ok('bool', 'false'), false);
  assert.match(bad('bool', 'yes'), /true or false/);
  assert.equal(ok('void', ''), null);
});

test('array and table: the exact JSON form, plain numbers made explicit, errors with positions and paths', () => {
  assert.deepEqual(ok('table', '{"a": 5, "b": {"!": "int64", "value": "9007199254740993"}, "c": [1.5, null]}'), {
    a: { '!': 'int8', value: 5 },
    b: { '!': 'int64', value: '9007199254740993' },
    c: [{ '!': 'double', value: 1.5 }, null],
  });
  const arr = ok('array', '[{"!": "bytes", "value": "AQI="}, {"!": "float", "value": 1.5}, "s", true]') as FieldValue[];
  assert.deepEqual([...(arr[0] as Uint8Array)], [1, 2]);
  assert.deepEqual(arr.slice(1), [{ '!': 'float', value: 1.5 }, 's', true]);
  assert.match(bad('table', '[1]'), /table needs a JSON object/);
  assert.match(bad('array', '{}'), /array needs a JSON array/);
  assert.match(bad('table', '{"a":}'), /line 1, column 6/);
  assert.match(bad('table', '{"a": {"!": "int8", "value": 300}}'), /Header 2 'x'\.a: 300 does not fit int8/);
});

test('buildHeaders names the row and its range', () => {
  const r = buildHeaders([
    { name: 'ok', type: 'string', value: 'v' },
    { name: 'retries', type: 'int8', value: '300' },
  ]);
  assert.deepEqual(r, { ok: false, error: "Header 2 'retries': 300 does not fit int8 (-128 to 127)", index: 1 });
});

test('old rows migrate to what they sent: number by its value, boolean, null, json', () => {
  const m = (type: string, value: string) => migrateHeaderRow({ name: 'h', type, value });
  assert.deepEqual(m('number', '5'), { name: 'h', type: 'int8', value: '5' });
  assert.deepEqual(m('number', '300'), { name: 'h', type: 'int16', value: '300' });
  assert.deepEqual(m('number', '70000'), { name: 'h', type: 'int32', value: '70000' });
  assert.deepEqual(m('number', '5000000000'), { name: 'h', type: 'int64', value: '5000000000' });
  assert.deepEqual(m('number', '1e3'), { name: 'h', type: 'int16', value: '1000' });
  assert.deepEqual(m('number', '1.5'), { name: 'h', type: 'double', value: '1.5' });
  assert.deepEqual(m('number', '{{$i}}'), { name: 'h', type: 'int64', value: '{{$i}}' });
  assert.deepEqual(m('boolean', 'true'), { name: 'h', type: 'bool', value: 'true' });
  assert.deepEqual(m('null', 'x'), { name: 'h', type: 'void', value: '' });
  assert.deepEqual(m('json', '[1]'), { name: 'h', type: 'array', value: '[1]' });
  assert.deepEqual(m('json', '{"a":1}'), { name: 'h', type: 'table', value: '{"a":1}' });
  assert.deepEqual(m('int64', '7'), { name: 'h', type: 'int64', value: '7' });
  // A migrated number row sends the same bytes as before: the type amqplib guessed.
  const r = buildHeaders([m('number', '300')]);
  assert.deepEqual(r, { ok: true, headers: { h: { '!': 'int16', value: 300 } } });
});

test('old drafts load: templates file, webview state (publish and RPC), history entries', () => {
  const old = { name: 'n', type: 'number', value: '1' };
  const tpl = parseTemplatesFile(JSON.stringify({ templates: [{ name: 't', draft: { headers: [old] } }] }));
  assert.deepEqual(tpl.templates[0].draft.headers, [{ name: 'n', type: 'int8', value: '1' }]);
  const draft = { ...emptyDraft(), headers: [old, { name: 'j', type: 'json', value: '[]' }] };
  const target = { profileId: 'p', profileName: 'P', vhost: '/' };
  const state = checkPublishState({ target, draft });
  assert.deepEqual(state.draft?.headers, [
    { name: 'n', type: 'int8', value: '1' },
    { name: 'j', type: 'array', value: '[]' },
  ]);
  const rpc = checkRpcState({
    target,
    draft: {
      exchange: '',
      routingKey: 'q',
      bodyMode: 'text',
      body: '',
      contentType: '',
      headers: [{ name: 'b', type: 'boolean', value: 'false' }],
      timeoutMs: 5000,
      replyMode: 'direct-reply-to',
    },
  });
  assert.deepEqual(rpc.draft?.headers, [{ name: 'b', type: 'bool', value: 'false' }]);
  assert.deepEqual(normalizeDraft({ headers: [old] })?.headers, [{ name: 'n', type: 'int8', value: '1' }]);
  assert.deepEqual(withTypedRows([{ at: 1, outcome: '', draft: { headers: [old] } }])[0].draft.headers, [
    { name: 'n', type: 'int8', value: '1' },
  ]);
  assert.throws(() => headerRow({ name: 'n', type: 'weird', value: '' }), /type/);
});

/** A message header with every type, as Burrow's decoder yields it. */
const EVERY_TYPE: FieldTable = {
  s: 'text é 🐇',
  t: true,
  f0: false,
  i8: { '!': 'int8', value: -5 },
  u8: { '!': 'uint8', value: 200 },
  i16: { '!': 'int16', value: -300 },
  u16: { '!': 'uint16', value: 65535 },
  i32: { '!': 'int32', value: 5 },
  u32: { '!': 'uint32', value: 4294967295 },
  i64: { '!': 'int64', value: '9007199254740993' },
  i64min: { '!': 'int64', value: '-9223372036854775808' },
  i64small: { '!': 'int64', value: '5' },
  // 1.1 as a 32-bit float reads back as this double
  fl: { '!': 'float', value: Math.fround(1.1) },
  fl11: { '!': 'float', value: 1.1 },
  db: { '!': 'double', value: 2 },
  // (no NaN or infinite double: they are refused before sending, see the test below)
  negZero: { '!': 'double', value: -0 },
  negzero: { '!': 'double', value: -0 },
  dec: { '!': 'decimal', value: { places: 2, digits: 1230 } },
  ts: { '!': 'timestamp', value: 1700000000 },
  bytes: new Uint8Array([0, 0xff, 0xc3]),
  empty: new Uint8Array([]),
  v: null,
  table: {
    n: { '!': 'int64', value: '9007199254740993' },
    f: { '!': 'float', value: 1.5 },
    list: [{ '!': 'int8', value: 1 }, null, new Uint8Array([9]), { '!': 'timestamp', value: 5 }],
    d: { '!': 'decimal', value: { places: 1, digits: 5 } },
  },
  arr: [{ '!': 'uint32', value: 7 }, 'x', [], {}],
};

test('a message with every type -> draft -> request: the headers are the same values with the same types', () => {
  const draft = draftFromMessage({
    exchange: 'ex',
    routingKey: 'rk',
    properties: { contentType: 'application/json', headers: EVERY_TYPE, timestamp: 1700000000, priority: 3 },
    body: new TextEncoder().encode('{"a": 1}'),
  });
  assert.deepEqual(
    draft.headers.find((h) => h.name === 'i64'),
    { name: 'i64', type: 'int64', value: '9007199254740993' },
  );
  assert.deepEqual(
    draft.headers.find((h) => h.name === 'fl11'),
    { name: 'fl11', type: 'float', value: '1.1' },
  );
  assert.deepEqual(
    draft.headers.find((h) => h.name === 'dec'),
    { name: 'dec', type: 'decimal', value: '12.30' },
  );
  assert.equal(draft.bodyMode, 'json');
  // The draft survives the webview's state check and a JSON round trip.
  const restored = checkPublishState(
    JSON.parse(JSON.stringify({ target: { profileId: 'p', profileName: 'P', vhost: '/' }, draft })),
  );
  assert.deepEqual(restored.draft, draft);
  const r = draftToRequest(restored.draft!);
  assert.ok(r.ok, r.ok ? '' : r.error);
  if (!r.ok) return;
  assert.deepEqual(r.request.properties.headers, EVERY_TYPE);
  assert.equal(r.request.properties.timestamp, 1700000000);
  assert.equal(r.request.properties.priority, 3);
  assert.equal(new TextDecoder().decode(r.request.body), '{"a": 1}');
});

test('plain numbers (old exports) become rows of the type amqplib gives them', () => {
  assert.deepEqual(rowFromValue('a', 5), { name: 'a', type: 'int8', value: '5' });
  assert.deepEqual(rowFromValue('a', 2 ** 40), { name: 'a', type: 'int64', value: '1099511627776' });
  assert.deepEqual(rowFromValue('a', 1.5), { name: 'a', type: 'double', value: '1.5' });
  assert.deepEqual(rowFromValue('a', 2 ** 64), { name: 'a', type: 'double', value: '18446744073709552000' });
  assert.deepEqual(rowsFromHeaders({ x: { a: 1 }, y: undefined as unknown as null }), [
    { name: 'x', type: 'table', value: '{"a":1}' },
  ]);
  assert.deepEqual(explicitTypes([1, 300, 1.5]), [
    { '!': 'int8', value: 1 },
    { '!': 'int16', value: 300 },
    { '!': 'double', value: 1.5 },
  ]);
});

test('"Publish N times": a typed row is checked after expansion for every message (int8 {{$i}} fails at 128)', () => {
  const draft = emptyDraft('', 'q');
  draft.headers = [{ name: 'n', type: 'int8', value: '{{$i}}' }];
  const ctx = (index: number) => ({ index, nowMs: 0, uuid: () => 'u', random: () => 0 });
  // {{$i}} is 1-based: message 127 carries 127, the largest int8; message 128 carries 128.
  const at127 = requestAt(draft, ctx(126));
  assert.ok(at127.ok);
  if (at127.ok) assert.deepEqual(at127.request.properties.headers, { n: { '!': 'int8', value: 127 } });
  assert.deepEqual(requestAt(draft, ctx(127)), {
    ok: false,
    field: 'headers',
    error: "Message 128: Header 1 'n': 128 does not fit int8 (-128 to 127)",
  });
});

/** Typed field values as Burrow's decoder yields them (every number typed). */
const typedValue: fc.Arbitrary<FieldValue> = fc.letrec<{ v: FieldValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 20 }),
    fc.integer({ min: -128, max: 127 }).map((value) => ({ '!': 'int8' as const, value })),
    fc.integer({ min: 0, max: 255 }).map((value) => ({ '!': 'uint8' as const, value })),
    fc.integer({ min: -32768, max: 32767 }).map((value) => ({ '!': 'int16' as const, value })),
    fc.integer({ min: 0, max: 65535 }).map((value) => ({ '!': 'uint16' as const, value })),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ '!': 'int32' as const, value })),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => ({ '!': 'uint32' as const, value })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => ({ '!': 'int64' as const, value: b.toString() })),
    fc.float().map((value) => ({ '!': 'float' as const, value })),
    fc.double().map((value) => ({ '!': 'double' as const, value })),
    fc
      .record({ places: fc.integer({ min: 0, max: 12 }), digits: fc.integer({ min: 0, max: 2 ** 32 - 1 }) })
      .map(({ places, digits }) => ({ '!': 'decimal' as const, value: { places, digits } })),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => ({
      '!': 'timestamp' as const,
      value: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString(),
    })),
    fc.array(tie('v'), { maxLength: 4 }),
    fc
      .dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '!' && k !== '__proto__'),
        tie('v'),
        { maxKeys: 4 },
      )
      .map((d) => ({ ...d })),
  ),
})).v;

test('property: any typed value -> row text -> parsed with the row type is the same value', () => {
  fc.assert(
    fc.property(typedValue, (v) => {
      const row = rowFromValue('h', v);
      const r = parseRowValue(row.type, row.value, 'Header 1');
      assert.ok(r.ok, `${row.type} ${row.value}: ${r.ok ? '' : r.error}`);
      if (r.ok) assert.deepEqual(r.value, v);
    }),
    { numRuns: 2000 },
  );
});

test('draftFromMessage: the body goes back byte for byte (JSON, text or base64) with its properties', () => {
  for (const [bytes, mode] of [
    [new TextEncoder().encode('{"a": [1, 2]}'), 'json'],
    [new TextEncoder().encode('plain text é'), 'text'],
    [new TextEncoder().encode(''), 'text'],
    [new Uint8Array([0xff, 0x00, 0xc3]), 'base64'],
  ] as const) {
    const properties = {
      contentType: 'x/y',
      deliveryMode: 1,
      correlationId: 'c',
      replyTo: 'r',
      expiration: '6000',
      messageId: 'm',
      type: 't',
      appId: 'a',
    };
    const draft = draftFromMessage({ exchange: 'e', routingKey: 'k', properties, body: bytes });
    assert.equal(draft.bodyMode, mode);
    const r = draftToRequest(draft);
    assert.ok(r.ok, r.ok ? '' : r.error);
    if (!r.ok) continue;
    assert.deepEqual([...r.request.body], [...bytes]);
    assert.deepEqual(r.request.properties, properties);
    assert.equal(r.request.exchange, 'e');
    assert.equal(r.request.routingKey, 'k');
  }
});

test('NaN and ±Infinity are refused before sending (RabbitMQ closes the connection on them), also inside tables and arrays', () => {
  for (const [type, value] of [
    ['double', 'NaN'],
    ['float', 'Infinity'],
    ['double', '-Infinity'],
    ['array', '[1, {"!": "double", "value": "NaN"}]'],
    ['table', '{"a": {"b": {"!": "float", "value": "-Infinity"}}}'],
  ] as const) {
    const r = buildHeaders([{ name: 'x', type, value }]);
    assert.equal(r.ok, false, `${type} ${value}`);
    if (!r.ok) assert.match(r.error, /NaN or infinite; RabbitMQ does not accept NaN or infinite numbers .*541/);
  }
  const nested = buildHeaders([{ name: 'x', type: 'table', value: '{"a": [0, {"!": "double", "value": "NaN"}]}' }]);
  assert.ok(!nested.ok && nested.error.includes('x.a[1]'), 'the path of the value is named');
  assert.equal(buildHeaders([{ name: 'x', type: 'double', value: '1e308' }]).ok, true);
});
