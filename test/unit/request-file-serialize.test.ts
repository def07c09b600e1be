import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { resolveRequest } from '../../src/core/requestFile/resolve';
import { quoteName, serializeDraft } from '../../src/core/requestFile/serialize';
import { rowFromValue } from '../../src/core/headerRows';
import type { FieldValue } from '../../src/core/fieldTypes';
import { emptyDraft, type PublishDraft } from '../../src/protocol/publish';

function roundTrip(draft: PublishDraft, name?: string): PublishDraft {
  const text = serializeDraft(draft, name);
  const file = parseRequestFile(text);
  assert.deepEqual(file.problems, [], text);
  assert.equal(file.requests.length, 1, text);
  const r = resolveRequest(file, file.requests[0]!, { env: {} });
  if (!r.ok) assert.fail(`${text}\n${JSON.stringify(r.problems)}`);
  assert.ok(r.value.kind === 'publish');
  return r.value.draft;
}

test('serializeDraft writes a readable request: name, request line, properties, typed headers, body', () => {
  const draft: PublishDraft = {
    ...emptyDraft('topic_logs', 'kern.critical'),
    mandatory: false,
    headers: [
      { name: 'x-retries', type: 'int32', value: '3' },
      { name: 'gone', type: 'void', value: '' },
      { name: 'note', type: 'string', value: ' padded ' },
    ],
  };
  draft.properties.priority = '5';
  draft.properties.messageId = '{{$uuid}}';
  assert.equal(
    serializeDraft(draft, 'Disk full'),
    [
      '### Disk full',
      'PUBLISH topic_logs kern.critical',
      'priority: 5',
      'message-id: {{$uuid}}',
      'delivery-mode: 2',
      'mandatory: false',
      'header x-retries:int32 = 3',
      'header gone:void',
      'header note:string = " padded "',
      '',
      '{',
      '  "hello": "world"',
      '}',
      '',
    ].join('\n'),
  );
  assert.deepEqual(roundTrip(draft), draft);
});

test('names that need quotes get JSON quotes: default exchange, spaces, quotes, (default) itself', () => {
  assert.equal(quoteName(''), '""');
  assert.equal(quoteName('a b'), '"a b"');
  assert.equal(quoteName('(default)'), '"(default)"');
  assert.equal(quoteName('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteName('amq.topic'), 'amq.topic');
  const d = { ...emptyDraft('(default)', 'key with space'), body: '' };
  assert.deepEqual(roundTrip(d), d);
});

test('a lossy body gets a comment saying how it differs', () => {
  const text = serializeDraft({ ...emptyDraft('x', 'k'), bodyMode: 'text', body: '\nline\n### not a request\n' });
  assert.match(
    text,
    /^# Note: the saved body differs from the original: leading or trailing blank lines; lines starting with ###/m,
  );
});

/** Typed field values (as test/unit/headerRows.test.ts), without `{{` (always a variable in .amqp). */
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
    // finite only: NaN and ±Infinity are refused before sending (fieldTypes.ts NON_FINITE_REASON)
    fc.float({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ '!': 'float' as const, value })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ '!': 'double' as const, value })),
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

const noVars = (s: string) => !s.includes('{{');
/** A one-line property value as the form keeps it (trimmed, no `{{`). */
const line = fc
  .string({ maxLength: 12 })
  .map((s) => s.replace(/[\r\n\u2028\u2029]/g, ' ').trim())
  .filter(noVars);
const name = fc.string({ maxLength: 16 }).filter(noVars);
const headerName = fc
  .string({ minLength: 1, maxLength: 10 })
  .map((s) => s.trim())
  .filter((s) => s !== '' && noVars(s));
const bodyLines = fc
  .array(
    fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    { minLength: 1, maxLength: 4 },
  )
  .map((ls) => ls.join('\n'))
  .filter((b) => {
    const ls = b.split('\n');
    return (
      noVars(b) &&
      ls[0]!.trim() !== '' &&
      ls.at(-1)!.trim() !== '' &&
      !ls.some((l) => l.startsWith('###')) &&
      !/^\s*<\s+\S/.test(b)
    );
  });
const body = fc.oneof(
  fc.record({ bodyMode: fc.constant('json' as const), body: fc.json().filter(noVars) }),
  fc.record({ bodyMode: fc.constant('text' as const), body: fc.oneof(fc.constant(''), bodyLines) }),
  fc.record({ bodyMode: fc.constant('base64' as const), body: fc.base64String({ maxLength: 40 }) }),
);

const draftArb: fc.Arbitrary<PublishDraft> = fc
  .record({
    exchange: name,
    routingKey: name,
    mandatory: fc.boolean(),
    deliveryMode: fc.constantFrom(1 as const, 2 as const),
    props: fc.record({
      contentType: fc.oneof(line, fc.constantFrom('application/json', 'text/plain')),
      contentEncoding: line,
      priority: fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 255 }).map(String)),
      correlationId: line,
      replyTo: line,
      expiration: fc.oneof(fc.constant(''), fc.nat().map(String)),
      messageId: fc.oneof(line, fc.constant('{{$uuid}}')),
      timestamp: fc.constantFrom('', 'now', '1700000000', '2024-01-01T00:00:00Z'),
      type: line,
      userId: line,
      appId: line,
    }),
    headers: fc.uniqueArray(fc.tuple(headerName, typedValue), { selector: ([n]) => n, maxLength: 6 }),
    body,
  })
  .map(({ exchange, routingKey, mandatory, deliveryMode, props, headers, body }) => ({
    exchange,
    routingKey,
    mandatory,
    properties: { ...props, deliveryMode },
    headers: headers.map(([n, v]) => rowFromValue(n, v)),
    ...body,
  }))
  .filter((d) => d.headers.every((h) => noVars(h.value)));

test('property: parse(serializeDraft(d)) resolves back to an equal draft, typed header rows of every type', () => {
  fc.assert(
    fc.property(draftArb, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), (d, n) => {
      assert.deepEqual(roundTrip(d, n), d);
    }),
    { numRuns: 1000 },
  );
});
