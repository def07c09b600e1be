import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { resolveRequest } from '../../src/core/requestFile/resolve';
import { fileScope, findVariableRefs, substituteMapped } from '../../src/core/requestFile/variables';
import type { RequestProblem } from '../../src/core/requestFile/types';

test('findVariableRefs lists file, env and dynamic references with offsets and positions', () => {
  const text = 'a {{host}}\n{{ $env  USER }} {{$processEnv HOME}}\n  {{$randomInt 1 100}} {{$uuid}} {{ nope';
  const refs = findVariableRefs(text);
  assert.deepEqual(
    refs.map((r) => [r.kind, r.name, r.args, r.start, r.end, r.span]),
    [
      ['file', 'host', [], 2, 10, { start: { line: 0, character: 2 }, end: { line: 0, character: 10 } }],
      ['env', 'USER', ['USER'], 11, 27, { start: { line: 1, character: 0 }, end: { line: 1, character: 16 } }],
      ['env', 'HOME', ['HOME'], 28, 48, { start: { line: 1, character: 17 }, end: { line: 1, character: 37 } }],
      [
        'dynamic',
        'randomInt',
        ['1', '100'],
        51,
        71,
        { start: { line: 2, character: 2 }, end: { line: 2, character: 22 } },
      ],
      ['dynamic', 'uuid', [], 72, 81, { start: { line: 2, character: 23 }, end: { line: 2, character: 32 } }],
    ],
  );
  // An origin shifts positions (a body that starts at line 7).
  assert.deepEqual(findVariableRefs('x {{a}}', { line: 7, character: 0 })[0]!.span.start, { line: 7, character: 2 });
});

test('file variables may use others in any order; the first definition of a name counts', () => {
  const file = parseRequestFile('@url = {{host}}:{{port}}\n@host = rabbit\n@port = 5672\n@host = other');
  const problems: RequestProblem[] = [];
  const scope = fileScope(file, { env: {} });
  assert.equal(scope.values.get('url'), 'rabbit:5672');
  assert.equal(scope.values.get('host'), 'rabbit');
  assert.deepEqual(
    scope.problems.map((p) => p.code),
    ['duplicate-variable'],
  );
  assert.deepEqual(problems, []);
});

test('env variables are filled in when resolving ($env and $processEnv); dynamic values stay for the runner', () => {
  const file = parseRequestFile(
    '@who = {{$env USER_NAME}}\nPUBLISH x k.{{$processEnv REGION}}\napp-id: {{who}}\nmessage-id: {{$uuid}}\n\n{"n": {{$i}}, "at": "{{$isoTimestamp}}"}',
  );
  const r = resolveRequest(file, file.requests[0]!, { env: { USER_NAME: 'ana', REGION: 'eu' } });
  assert.ok(r.ok && r.value.kind === 'publish');
  assert.equal(r.value.draft.routingKey, 'k.eu');
  assert.equal(r.value.draft.properties.appId, 'ana');
  assert.equal(r.value.draft.properties.messageId, '{{$uuid}}');
  assert.equal(r.value.draft.body, '{"n": {{$i}}, "at": "{{$isoTimestamp}}"}');
});

test('a request that uses a broken variable reports the problem at the variable', () => {
  const file = parseRequestFile('@q = {{missing}}\nPEEK {{q}}');
  const r = resolveRequest(file, file.requests[0]!, { env: {} });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.problems.map((p) => [p.code, p.span.start.line]),
    [['unknown-variable', 0]],
  );
});

test('substituteMapped maps offsets of the result back to the source', () => {
  const loc = { value: 'ab{{v}}cd', span: { start: { line: 3, character: 4 }, end: { line: 3, character: 13 } } };
  const s = substituteMapped(loc, (n) => (n === 'v' ? 'VVVVV' : undefined), { env: {} }, []);
  assert.equal(s.text, 'abVVVVVcd');
  assert.deepEqual([0, 1, 2, 4, 7, 8, 9].map(s.toSource), [0, 1, 2, 2, 7, 8, 9]);
});
