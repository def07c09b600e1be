import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  draftHasTemplateVars,
  expandDraft,
  expandTemplate,
  hasTemplateVars,
  requestAt,
  TemplateError,
  type TemplateContext,
} from '../../src/core/templateVars';
import { emptyDraft } from '../../src/protocol/publish';

const ctx = (index: number, random = 0.5): TemplateContext => ({
  index,
  nowMs: 1_764_787_500_123,
  uuid: () => `uuid-${index}`,
  random: () => random,
});

test('counter, uuid and timestamps, in REST Client syntax', () => {
  assert.equal(expandTemplate('order {{$i}} of many ({{$index}})', ctx(0)), 'order 1 of many (0)');
  assert.equal(expandTemplate('{{$i}}', ctx(41)), '42');
  assert.equal(expandTemplate('{{$uuid}} {{ $guid }}', ctx(3)), 'uuid-3 uuid-3');
  assert.equal(expandTemplate('{{$timestamp}}', ctx(0)), '1764787500');
  assert.equal(expandTemplate('{{$isoTimestamp}}', ctx(0)), '2025-12-03T18:45:00.123Z');
});

test('randomInt is from min (included) to max (excluded) and checks its arguments', () => {
  assert.equal(expandTemplate('{{$randomInt 1 10}}', ctx(0, 0)), '1');
  assert.equal(expandTemplate('{{$randomInt 1 10}}', ctx(0, 0.9999)), '9');
  assert.equal(expandTemplate('{{$randomInt -5 5}}', ctx(0, 0.5)), '0');
  assert.throws(() => expandTemplate('{{$randomInt 5}}', ctx(0)), TemplateError);
  assert.throws(() => expandTemplate('{{$randomInt 5 5}}', ctx(0)), /min < max/);
  assert.throws(() => expandTemplate('{{$randomInt a b}}', ctx(0)), /whole numbers/);
});

test('an unknown {{$x}} is an error naming it; {{name}} without $ and plain text are left alone', () => {
  assert.throws(() => expandTemplate('id {{$nope}}', ctx(0)), /Unknown template variable \{\{\$nope\}\}/);
  assert.throws(() => expandTemplate('{{$i 3}}', ctx(0)), /takes no arguments/);
  assert.equal(expandTemplate('{{host}} {"a": {"b": 1}}', ctx(0)), '{{host}} {"a": {"b": 1}}');
  assert.equal(hasTemplateVars('{"a": {"b": 1}}'), false);
  assert.equal(hasTemplateVars('x {{$i}}'), true);
});

test('a draft expands in the body, header names and values and properties, not in base64 bodies', () => {
  const d = emptyDraft('ex', 'key');
  d.body = '{"n": {{$i}}}';
  d.headers = [{ name: 'seq-{{$index}}', type: 'int32', value: '{{$i}}' }];
  d.properties.messageId = 'm-{{$uuid}}';
  d.properties.timestamp = '{{$timestamp}}';
  assert.equal(draftHasTemplateVars(d), true);
  const e = expandDraft(d, ctx(6));
  assert.equal(e.body, '{"n": 7}');
  assert.deepEqual(e.headers, [{ name: 'seq-6', type: 'int32', value: '7' }]);
  assert.equal(e.properties.messageId, 'm-uuid-6');
  assert.equal(e.properties.timestamp, '1764787500');
  assert.equal(d.body, '{"n": {{$i}}}', 'the draft itself is not changed');
  const b = { ...emptyDraft(), bodyMode: 'base64' as const, body: '{{$i}}' };
  assert.equal(draftHasTemplateVars(b), false);
  assert.equal(expandDraft(b, ctx(0)).body, '{{$i}}');
  assert.equal(draftHasTemplateVars(emptyDraft()), false);
});

test('requestAt expands then checks each message; template errors name where they are', () => {
  const d = emptyDraft('ex', 'key');
  d.body = '{"n": {{$i}}, "id": "{{$uuid}}"}';
  d.properties.priority = '{{$index}}';
  const r = requestAt(d, ctx(4));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(new TextDecoder().decode(r.request.body), '{"n": 5, "id": "uuid-4"}');
  assert.equal(r.request.properties.priority, 4);
  assert.equal(r.request.properties.contentType, 'application/json');
  const late = requestAt(d, ctx(256));
  assert.deepEqual(late, {
    ok: false,
    field: 'priority',
    error: 'Message 257: Priority is a whole number from 0 to 255',
  });
  d.properties.messageId = '{{$nope}}';
  const bad = requestAt(d, ctx(0));
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.equal(bad.field, 'body');
  assert.match(bad.error, /^Property messageId: Unknown template variable \{\{\$nope\}\}/);
  const h = emptyDraft();
  h.headers = [{ name: 'n', type: 'string', value: '{{$randomInt 3}}' }];
  const hr = requestAt(h, ctx(0));
  assert.ok(!hr.ok && /^Header n: \{\{\$randomInt min max\}\}/.test(hr.error));
});
