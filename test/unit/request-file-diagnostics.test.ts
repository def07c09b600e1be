import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRequestFile, DIAGNOSTIC_CODES, type DiagnosticCode } from '../../src/core/requestFile/diagnostics';
import { MAX_PEEK_COUNT } from '../../src/core/requestFile/fields';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { MAX_PEEK } from '../../src/broker/peekResult';
import type { RequestProblem } from '../../src/core/requestFile/types';

/** [line, start character, end character] (0-based, one line). */
type At = [number, number, number];

const brief = (p: RequestProblem) => ({
  code: p.code,
  severity: p.severity,
  at: [p.span.start.line, p.span.start.character, p.span.end.character] as At,
});

/** One case per code: a file, and exactly the problems it has. */
const CASES: Record<DiagnosticCode, { text: string; env?: Record<string, string>; want: At[]; message?: RegExp }> = {
  syntax: {
    text: 'PUBLISH x\nSEND y\n###\nDELETE q',
    want: [
      [1, 0, 6],
      [3, 0, 8],
    ],
    message: /^Expected a (field|request line)/,
  },
  'no-target': {
    text: '### a\nPEEK\n### b\nPEEK ""',
    want: [
      [1, 0, 4],
      [3, 5, 7],
    ],
    message: /needs a queue/,
  },
  'unknown-field': {
    text: 'PUBLISH x\ncorelation-id: 1',
    want: [[1, 0, 13]],
    message: /did you mean 'correlation-id'/,
  },
  'field-kind': { text: 'ROUTE x\nrepeat: 2', want: [[1, 0, 6]], message: /does not apply to ROUTE/ },
  'duplicate-field': { text: 'PUBLISH x\npriority: 1\npriority: 2', want: [[2, 0, 8]], message: /given twice/ },
  'bad-value': { text: 'PUBLISH x\npriority: 256', want: [[1, 10, 13]], message: /0 to 255/ },
  json: { text: 'PUBLISH x\n\n{\n  "a": 1,\n}', want: [[4, 0, 1]], message: /Invalid JSON/ },
  'header-type': { text: 'PUBLISH x\nheader n:uint8 = -1', want: [[1, 17, 19]], message: /uint8/ },
  'unknown-variable': {
    text: 'PUBLISH {{exchange}}',
    want: [[0, 8, 20]],
    message: /Unknown variable \{\{exchange\}\}/,
  },
  'duplicate-variable': {
    text: '@a = 1\n@a = 2\nPEEK q{{a}}',
    want: [[1, 1, 2]],
    message: /already defined on line 1/,
  },
  env: {
    text: 'PUBLISH x\napp-id: {{$env BURROW_NOT_SET}}',
    env: {},
    want: [[1, 8, 31]],
    message: /BURROW_NOT_SET is not set/,
  },
  'unused-body': { text: 'ROUTE x k\n\n{"a": 1}', want: [[2, 0, 8]], message: /ignored/ },
  'routing-key': { text: `PUBLISH x ${'é'.repeat(128)}`, want: [[0, 10, 138]], message: /255 bytes/ },
  body: { text: 'PUBLISH x\nbody-type: base64\n\nnot*base64', want: [[3, 0, 10]], message: /base64/ },
};

for (const code of DIAGNOSTIC_CODES) {
  test(`diagnostic '${code}'`, () => {
    const c = CASES[code];
    const got = checkRequestFile(c.text, c.env ? { env: c.env } : undefined);
    assert.deepEqual(
      got.map(brief),
      c.want.map((at) => ({ code, severity: code === 'unused-body' ? 'warning' : 'error', at })),
      JSON.stringify(got),
    );
    if (c.message) for (const p of got) assert.match(p.message, c.message);
  });
}

test('every diagnostic code has a case (and no case is for an unknown code)', () => {
  assert.deepEqual(Object.keys(CASES).sort(), [...DIAGNOSTIC_CODES].sort());
});

test('the example of the README has no problems', () => {
  const text = [
    '@connection = localhost',
    '@vhost = /',
    '### Critical kernel log',
    'PUBLISH topic_logs kern.critical',
    'content-type: application/json',
    'header x-retries:int32 = 3',
    'header trace = {{$uuid}}',
    'repeat: 10',
    '',
    '{"msg": "disk full", "n": {{$i}}}',
    '### Fibonacci',
    'CALL rpc_queue',
    'timeout: 5s',
    '',
    '10',
    '### What is waiting',
    'PEEK task_queue 10',
    '### Where does it go',
    'ROUTE topic_logs kern.info',
  ].join('\n');
  assert.deepEqual(checkRequestFile(text), []);
});

test('bad values: repeat, expiration, timestamp, delivery-mode, count range, timeout, reply-mode, per-message values', () => {
  const msgs = (t: string) => checkRequestFile(t).map((p) => `${p.code}: ${p.message}`);
  assert.deepEqual(msgs('PUBLISH x\nrepeat: 0'), ["bad-value: repeat is a whole number from 1 to 1,000,000, got '0'"]);
  assert.deepEqual(msgs('PUBLISH x\nrepeat: 1000001').length, 1);
  assert.deepEqual(msgs('PUBLISH x\nrepeat: 1_000_000'), []);
  assert.deepEqual(msgs('PUBLISH x\nexpiration: 1s'), [
    "bad-value: expiration is a whole number of milliseconds (e.g. 60000), got '1s'",
  ]);
  assert.deepEqual(msgs('PUBLISH x\ntimestamp: soon'), [
    "bad-value: timestamp is 'now', epoch seconds or an ISO date, got 'soon'",
  ]);
  assert.deepEqual(msgs('PUBLISH x\ndelivery-mode: 3'), [
    "bad-value: delivery-mode is 1, 2, transient or persistent, got '3'",
  ]);
  assert.deepEqual(msgs('PUBLISH x\ndelivery-mode: 1\npersistent: true'), [
    'bad-value: persistent and delivery-mode disagree: give one of them',
  ]);
  assert.deepEqual(msgs(`PEEK q ${MAX_PEEK_COUNT}`), []);
  assert.deepEqual(msgs(`PEEK q ${MAX_PEEK_COUNT + 1}`), [
    "bad-value: count is a whole number from 1 to 10,000, got '10001'",
  ]);
  assert.deepEqual(msgs('PEEK q 2\ncount: 3'), ['duplicate-field: The count is given twice (here and in count:)']);
  assert.deepEqual(msgs('CALL q\ntimeout: 5 min'), [
    "bad-value: Expected a duration like 5s, 500ms or 5000 (milliseconds), got '5 min'",
  ]);
  assert.deepEqual(msgs('CALL q\nreply-mode: queue'), [
    "bad-value: reply-mode is one of direct, callback-queue, got 'queue'",
  ]);
  assert.deepEqual(msgs('PUBLISH x\nrepeat: {{$i}}'), [
    "bad-value: 'repeat' is the same for every message: per-message values ({{$…}}) cannot be used",
  ]);
  // Properties may hold per-message values: the runner checks each message.
  assert.deepEqual(msgs('PUBLISH x\npriority: {{$randomInt 0 9}}'), []);
  assert.deepEqual(msgs('CALL q\nbody-type: base64\n\nAA=='), [
    'bad-value: A CALL body is text or json (the RPC panel sends no binary bodies)',
  ]);
});

test('JSON positions are exact after variables of another length are filled in; per-message values are neutral', () => {
  const text = '@long = "a much longer value"\nPUBLISH x\n\n{"a": {{long}}, "n": {{$i}},\n "b": {{$uuid}} x}';
  const [p, ...rest] = checkRequestFile(text);
  assert.deepEqual(rest, []);
  assert.equal(p!.code, 'json');
  // `x` on the last line, after `{{$uuid}} ` (checked as 0 then spaces, so the columns stay exact).
  assert.deepEqual(p!.span, { start: { line: 4, character: 16 }, end: { line: 4, character: 17 } });
  assert.equal(p!.message, 'Invalid JSON: Invalid symbol "x"');
});

test('variable cycles, unknown {{$…}} names and bad {{$randomInt}} arguments are unknown-variable', () => {
  const codes = (t: string) => checkRequestFile(t).map((p) => [p.code, p.message]);
  assert.deepEqual(codes('@a = {{b}}\n@b = {{a}}\nPEEK {{a}}'), [
    ['unknown-variable', 'Variables refer to each other in a cycle: a → b → a'],
  ]);
  assert.deepEqual(codes('PUBLISH x\nheader h = {{$nope}}')[0]![0], 'unknown-variable');
  assert.deepEqual(codes('PUBLISH x\n\n{"n": {{$randomInt 9 1}}}')[0]![0], 'unknown-variable');
});

test('without an environment, {{$env}} is not checked; with one, it is', () => {
  assert.deepEqual(checkRequestFile('PEEK {{$env Q}}'), []);
  assert.equal(checkRequestFile('PEEK {{$env Q}}', { env: {} })[0]?.code, 'env');
  assert.deepEqual(checkRequestFile('PEEK {{$env Q}}', { env: { Q: 'x' } }), []);
});

test('MAX_PEEK_COUNT is the broker layer MAX_PEEK (core does not import src/broker)', () => {
  assert.equal(MAX_PEEK_COUNT, MAX_PEEK);
});

test('problems come sorted by position, and never twice', () => {
  const got = checkRequestFile('@a = {{x}}\n### 1\nPEEK {{a}}\n### 2\nPEEK {{a}}');
  assert.deepEqual(
    got.map((p) => [p.code, p.span.start.line]),
    [['unknown-variable', 0]],
  );
});

test('the README example and demo/requests.amqp parse and check without problems', () => {
  const root = join(__dirname, '..', '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Request files (.amqp)'));
  const example = /```\n([\s\S]*?)```/.exec(section)![1]!;
  assert.deepEqual(checkRequestFile(example), []);
  assert.deepEqual(
    parseRequestFile(example).requests.map((r) => r.kind),
    ['publish', 'call', 'peek', 'route'],
  );
  const demo = readFileSync(join(root, 'demo', 'requests.amqp'), 'utf8');
  assert.deepEqual(checkRequestFile(demo, { env: {} }), []);
  const targets = parseRequestFile(demo).requests.map(
    (r) => `${r.kind} ${r.target.value} ${r.routingKey?.value ?? ''}`,
  );
  assert.ok(targets.includes('publish topic_logs {{facility}}.critical'));
  assert.ok(targets.includes('call  rpc_queue'));
  assert.ok(targets.includes('peek task_queue '));
});
