import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRequestFile, requestAtLine, splitLines } from '../../src/core/requestFile/parse';
import { checkRequestFile } from '../../src/core/requestFile/diagnostics';
import type { ParsedFile, Span } from '../../src/core/requestFile/types';

const EXAMPLE = [
  '# comments start with # or //',
  '@host = orders',
  '@connection = localhost',
  '',
  '### Critical kernel log',
  'PUBLISH topic_logs kern.critical',
  'content-type: application/json',
  'header x-retries:int32 = 3',
  'header trace = {{$uuid}}',
  '// a comment among fields',
  'repeat: 10',
  '',
  '{"msg": "disk full",',
  ' "n": {{$i}}}',
  '',
  '',
  '### Fibonacci',
  'call "" rpc_queue',
  'timeout: 5s',
  '',
  '10',
  '###',
  'PEEK task_queue 5',
  '### Where',
  'ROUTE (default) "my queue"',
].join('\n');

const textAt = (text: string, s: Span) => {
  const lines = splitLines(text);
  if (s.start.line === s.end.line) return lines[s.start.line]!.slice(s.start.character, s.end.character);
  return [
    lines[s.start.line]!.slice(s.start.character),
    ...lines.slice(s.start.line + 1, s.end.line),
    lines[s.end.line]!.slice(0, s.end.character),
  ].join('\n');
};

test('parses the example: variables, four requests, names, targets, fields, headers and bodies', () => {
  const f = parseRequestFile(EXAMPLE);
  assert.deepEqual(f.problems, []);
  assert.deepEqual(
    f.variables.map((v) => [v.name.value, v.value.value]),
    [
      ['host', 'orders'],
      ['connection', 'localhost'],
    ],
  );
  assert.deepEqual(
    f.requests.map((r) => [r.kind, r.name, r.target.value, r.routingKey?.value, r.count?.value]),
    [
      ['publish', 'Critical kernel log', 'topic_logs', 'kern.critical', undefined],
      ['call', 'Fibonacci', '', 'rpc_queue', undefined],
      ['peek', 'request 3', 'task_queue', undefined, '5'],
      ['route', 'Where', '', 'my queue', undefined],
    ],
  );
  const [pub, call] = f.requests;
  assert.deepEqual(
    pub!.fields.map((x) => [x.name.value, x.value.value]),
    [
      ['content-type', 'application/json'],
      ['repeat', '10'],
    ],
  );
  assert.deepEqual(
    pub!.headers.map((h) => [h.name.value, h.type?.value, h.value.value]),
    [
      ['x-retries', 'int32', '3'],
      ['trace', undefined, '{{$uuid}}'],
    ],
  );
  assert.equal(pub!.body.kind, 'inline');
  assert.equal(pub!.body.kind === 'inline' && pub!.body.text.value, '{"msg": "disk full",\n "n": {{$i}}}');
  assert.equal(call!.body.kind === 'inline' && call!.body.text.value, '10');
  // The block span runs from ### to the last non-blank line (folding, CodeLens).
  assert.deepEqual(pub!.span, { start: { line: 4, character: 0 }, end: { line: 13, character: 13 } });
  assert.deepEqual(pub!.requestLine, { start: { line: 5, character: 0 }, end: { line: 5, character: 32 } });
});

test('spans point at the text they describe', () => {
  const f = parseRequestFile(EXAMPLE);
  const pub = f.requests[0]!;
  assert.equal(textAt(EXAMPLE, pub.target.span), 'topic_logs');
  assert.equal(textAt(EXAMPLE, pub.routingKey!.span), 'kern.critical');
  assert.equal(textAt(EXAMPLE, pub.fields[0]!.name.span), 'content-type');
  assert.equal(textAt(EXAMPLE, pub.fields[0]!.value.span), 'application/json');
  assert.equal(textAt(EXAMPLE, pub.headers[0]!.name.span), 'x-retries');
  assert.equal(textAt(EXAMPLE, pub.headers[0]!.type!.span), 'int32');
  assert.equal(textAt(EXAMPLE, pub.headers[0]!.value.span), '3');
  assert.equal(textAt(EXAMPLE, f.variables[0]!.name.span), 'host');
  assert.equal(textAt(EXAMPLE, f.variables[0]!.value.span), 'orders');
  assert.equal(
    pub.body.kind === 'inline' && textAt(EXAMPLE, pub.body.text.span),
    '{"msg": "disk full",\n "n": {{$i}}}',
  );
  assert.equal(textAt(EXAMPLE, f.requests[3]!.routingKey!.span), '"my queue"');
  assert.equal(textAt(EXAMPLE, f.requests[2]!.count!.span), '5');
});

test('a file with one request and no ###, CRLF line ends, and a request in the text before the first ###', () => {
  const f = parseRequestFile('@x = 1\r\n\r\npublish amq.topic a.b\r\npriority: 3\r\n\r\nhello\r\n');
  assert.deepEqual(f.problems, []);
  assert.equal(f.requests.length, 1);
  const r = f.requests[0]!;
  assert.equal(r.name, 'request 1');
  assert.deepEqual(
    r.fields.map((x) => x.value.value),
    ['3'],
  );
  assert.equal(r.body.kind === 'inline' && r.body.text.value, 'hello');
  assert.deepEqual(r.span.start, { line: 2, character: 0 });
});

test('quoted names: JSON escapes, spaces, the empty default exchange; (default) too', () => {
  const f = parseRequestFile(
    'PUBLISH "a \\"b\\" \\u0041" "key with space"\n###\nPUBLISH (default) q\n###\nPUBLISH "" q',
  );
  assert.deepEqual(f.problems, []);
  assert.deepEqual(
    f.requests.map((r) => [r.target.value, r.routingKey?.value]),
    [
      ['a "b" A', 'key with space'],
      ['', 'q'],
      ['', 'q'],
    ],
  );
});

test('CALL <queue> is the default exchange with the queue as routing key', () => {
  const r = parseRequestFile('CALL rpc_queue').requests[0]!;
  assert.equal(r.target.value, '');
  assert.equal(r.routingKey?.value, 'rpc_queue');
});

test('file bodies: < path on the first body line; lines after it are reported', () => {
  const f = parseRequestFile('PUBLISH x k\n\n< ./payload.json\n');
  assert.deepEqual(f.requests[0]!.body.kind === 'file' && f.requests[0]!.body.path.value, './payload.json');
  const g = parseRequestFile('PUBLISH x k\n\n< ./a.bin\nmore');
  assert.equal(g.problems.length, 1);
  assert.equal(g.problems[0]!.code, 'syntax');
  assert.equal(g.problems[0]!.severity, 'warning');
});

test('header lines: void without a value, quoted names, and a name:with:colons that is not a type', () => {
  const r = parseRequestFile('PUBLISH x k\nheader gone:void\nheader "sp ace" = 1\nheader a:b = c').requests[0]!;
  assert.deepEqual(
    r.headers.map((h) => [h.name.value, h.type?.value, h.value.value]),
    [
      ['gone', 'void', ''],
      ['sp ace', undefined, '1'],
      ['a:b', undefined, 'c'],
    ],
  );
});

test('syntax problems: unknown verb, missing target, too many words, stray text among fields, bad quotes', () => {
  const codes = (t: string) => parseRequestFile(t).problems.map((p) => p.code);
  assert.deepEqual(codes('SEND x'), ['syntax']);
  assert.deepEqual(codes('PUBLISH'), ['no-target']);
  assert.deepEqual(codes('PEEK'), ['no-target']);
  assert.deepEqual(codes('PUBLISH a b c'), ['syntax']);
  assert.deepEqual(codes('PUBLISH a b\n{"x": 1}'), ['syntax']);
  assert.deepEqual(codes('PUBLISH "a'), ['syntax']);
  assert.deepEqual(codes('PUBLISH "\\x"'), ['syntax']);
  assert.deepEqual(codes('PUBLISH a\nheader = 1'), ['syntax']);
  assert.deepEqual(codes('PUBLISH a\nheader x'), ['syntax']);
});

test('a misspelt verb and a header written as a field get a hint', () => {
  const msgs = (t: string) => parseRequestFile(t).problems.map((p) => p.message);
  assert.deepEqual(msgs('PUBLSH x'), ["Unknown request 'PUBLSH': did you mean PUBLISH?"]);
  assert.deepEqual(msgs('peak q'), ["Unknown request 'peak': did you mean PEEK?"]);
  assert.deepEqual(msgs('PUBLISH x\nheader: a = 1'), [
    'A header is written header <name>[:<type>] = <value>, e.g. header x-retries:int32 = 3',
  ]);
});

test('requestAtLine finds the request whose block holds a line', () => {
  const f = parseRequestFile(EXAMPLE);
  assert.equal(requestAtLine(f, 0), undefined);
  assert.equal(requestAtLine(f, 4)?.name, 'Critical kernel log');
  assert.equal(requestAtLine(f, 13)?.name, 'Critical kernel log');
  assert.equal(requestAtLine(f, 20)?.name, 'Fibonacci');
  assert.equal(requestAtLine(f, 24)?.name, 'Where');
});

test('an unknown field is reported with a suggestion when one is close', () => {
  const f = parseRequestFile('PUBLISH a\ncontentType: x\npriorty: 1\nwhatever: 2');
  assert.deepEqual(
    f.problems.map((p) => [p.code, p.message]),
    [
      ['unknown-field', "Unknown field 'contentType': did you mean 'content-type'?"],
      ['unknown-field', "Unknown field 'priorty': did you mean 'priority'?"],
      ['unknown-field', "Unknown field 'whatever'"],
    ],
  );
});

test('comments: # and // lines before the request line and among fields; ### is a separator, not a comment', () => {
  const f = parseRequestFile('# one\n// two\n### named\n  # three\nPEEK q\n# four\ncount: 3');
  assert.deepEqual(f.problems, []);
  assert.equal(f.requests[0]!.name, 'named');
  assert.equal(f.requests[0]!.fields.length, 1);
});

function spansInside(text: string, f: ParsedFile): void {
  const lines = splitLines(text);
  const inside = (s: Span) => {
    for (const p of [s.start, s.end]) {
      assert.ok(p.line >= 0 && p.line < lines.length, `line ${p.line} of ${lines.length}`);
      assert.ok(p.character >= 0 && p.character <= lines[p.line]!.length, `character ${p.character}`);
    }
    assert.ok(s.start.line < s.end.line || (s.start.line === s.end.line && s.start.character <= s.end.character));
  };
  for (const v of f.variables) [v.name.span, v.value.span].forEach(inside);
  for (const p of f.problems) inside(p.span);
  for (const r of f.requests) {
    [r.span, r.requestLine, r.target.span].forEach(inside);
    if (r.routingKey) inside(r.routingKey.span);
    if (r.count) inside(r.count.span);
    for (const x of r.fields) [x.span, x.name.span, x.value.span].forEach(inside);
    for (const h of r.headers) [h.span, h.name.span, h.value.span, ...(h.type ? [h.type.span] : [])].forEach(inside);
    if (r.body.kind === 'inline') inside(r.body.text.span);
    if (r.body.kind === 'file') inside(r.body.path.span);
  }
}

test('never throws on any text, and every span lies inside the text', () => {
  const pieces = fc.constantFrom(
    '###',
    '### name',
    'PUBLISH',
    'publish x k',
    'CALL "" q',
    'PEEK q 3',
    'ROUTE "',
    'header a:int8 = 1',
    'header',
    'content-type: x',
    '@v = {{w}}',
    '{{$uuid}}',
    '< ./f',
    'body-type: base64',
    'body-type: json',
    'priority: 300',
    'timeout: 5s',
    'count: x',
    '{"a": {{$i}}',
    '{"a": {{v}}}',
    'header x:table = {',
    'header y:int8 = {{$i}}',
    '@a = {{a}}',
    '@v = "é"',
    '#',
    '//',
    '"',
    '\\',
    '{',
    '',
    ' ',
    '\r',
    '\t',
  );
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.oneof(pieces, fc.string({ maxLength: 8 })), { maxLength: 30 }).map((a) => a.join('\n')),
  );
  fc.assert(
    fc.property(text, (t) => {
      const f = parseRequestFile(t);
      spansInside(t, f);
      // Diagnostics (resolving every request) never throw either, and stay inside the text.
      const problems = checkRequestFile(t, { env: {} });
      spansInside(t, { variables: [], requests: [], problems });
      assert.deepEqual(
        problems.filter((p) => p.code === 'internal'),
        [],
      );
    }),
    { numRuns: 2000 },
  );
});
