import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addResult,
  checkResultsState,
  compactEntry,
  OLDER_BODY_CHARS,
  OLDER_PEEK_MESSAGES,
  checkResultsToHost,
  resultKey,
  RESULTS_PER_REQUEST,
  RESULTS_REQUESTS,
  statusTone,
  type ResultEntry,
} from '../../src/protocol/results';
import { checkPublishToHost, emptyDraft } from '../../src/protocol/publish';
import { checkRpcToHost, type RpcDraft } from '../../src/protocol/rpc';
import { checkPeekToHost } from '../../src/protocol/peek';
import { validate } from '../../src/protocol/validate';
import {
  callCodeRequest,
  codeRequestOf,
  codeTarget,
  consumeCodeRequest,
  publishCodeRequest,
} from '../../src/requestFiles/run/codeRequest';
import { callRequest, routeSummary, sentView, withFileBody } from '../../src/requestFiles/run/execute';
import { replayableContexts } from '../../src/core/templateVars';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { resolveRequest } from '../../src/core/requestFile/resolve';
import type { RouteAnswerView } from '../../src/protocol/results';
import { draftAsRequest, requestName } from '../../src/requestFiles/run/draftText';

const target = { profileId: '', profileName: 'Burrow Results', vhost: '' };
const entry = (id: number, over: Partial<ResultEntry> = {}): ResultEntry => ({
  id,
  at: 1_700_000_000_000 + id,
  kind: 'publish',
  connection: 'localhost',
  vhost: '/',
  status: 'confirmed',
  text: `run ${id}`,
  elapsedMs: 3,
  ...over,
});

test('results: a request keeps its last 20 runs, newest first; the request run moves to the front', () => {
  let list = addResult([], 'a', 'a.amqp', 'A', entry(1));
  list = addResult(list, 'b', 'a.amqp', 'B', entry(2));
  assert.deepEqual(
    list.map((r) => r.key),
    ['b', 'a'],
  );
  for (let i = 3; i < 30; i++) list = addResult(list, 'a', 'a.amqp', 'A', entry(i));
  assert.deepEqual(
    list.map((r) => r.key),
    ['a', 'b'],
  );
  const a = list[0];
  assert.equal(a.entries.length, RESULTS_PER_REQUEST);
  assert.equal(a.entries[0].id, 29);
  assert.equal(a.entries[RESULTS_PER_REQUEST - 1].id, 10);
  // At most RESULTS_REQUESTS requests: the least recently run goes.
  for (let i = 0; i < RESULTS_REQUESTS + 5; i++) list = addResult(list, `k${i}`, 'f', `R${i}`, entry(100 + i));
  assert.equal(list.length, RESULTS_REQUESTS);
  assert.ok(!list.some((r) => r.key === 'a'));
});

test('results: an entry posted again (after the init that carried it) is not doubled', () => {
  const once = addResult([], 'a', 'a.amqp', 'A', entry(1));
  const twice = addResult(once, 'a', 'a.amqp', 'A', entry(1));
  assert.deepEqual(twice, once);
});

test('results: older entries are compacted (bodies cut, long peeks shortened), the newest kept whole', () => {
  const big = sentView('', 'q', new TextEncoder().encode('x'.repeat(OLDER_BODY_CHARS * 3)), {});
  const peek = { messages: Array.from({ length: OLDER_PEEK_MESSAGES + 7 }, () => big), note: 'peeked' };
  let list = addResult([], 'k', 'f', 'R', entry(1, { sent: big, kind: 'peek', peek }));
  assert.equal(list[0].entries[0].sent?.body.text.length, OLDER_BODY_CHARS * 3);
  list = addResult(list, 'k', 'f', 'R', entry(2));
  const old = list[0].entries[1];
  assert.equal(old.sent?.body.text.length, OLDER_BODY_CHARS);
  assert.equal(old.sent?.body.truncated, true);
  assert.equal(old.peek?.messages.length, OLDER_PEEK_MESSAGES);
  assert.match(old.peek?.note ?? '', /7 more not kept/);
  assert.deepEqual(compactEntry(old), old);
});

test('results: the key is the file and the request name', () => {
  assert.equal(resultKey('file:///w/orders.amqp', 'Critical'), 'file:///w/orders.amqp#Critical');
  assert.notEqual(resultKey('file:///w/a.amqp', 'x'), resultKey('file:///w/b.amqp', 'x'));
});

test('results: restored state is checked; a history that does not fit is dropped, the target kept', () => {
  const good = { target, requests: addResult([], 'k', 'f.amqp', 'R', entry(1)), focus: 'k' };
  assert.deepEqual(checkResultsState(JSON.parse(JSON.stringify(good))), good);
  const badEntry = { ...good, requests: [{ ...good.requests[0], entries: [{ ...entry(1), kind: 'delete-queue' }] }] };
  assert.deepEqual(checkResultsState(badEntry), { target, requests: [], focus: 'k' });
  const tooMany = { target, requests: [{ key: 'k', file: 'f', request: 'R', entries: Array(21).fill(entry(1)) }] };
  assert.deepEqual(checkResultsState(tooMany).requests, []);
  assert.throws(() => checkResultsState({ requests: [] }));
  // A message body crosses as text in a checked shape.
  const sent = sentView('x', 'k', new TextEncoder().encode('<img src=x onerror=alert(1)>'), {
    contentType: 'text/html',
  });
  const withSent = { target, requests: addResult([], 'k', 'f', 'R', entry(1, { sent })) };
  assert.equal(checkResultsState(withSent).requests[0].entries[0].sent?.body.text, '<img src=x onerror=alert(1)>');
});

test('results: messages from the webview are checked', () => {
  assert.deepEqual(checkResultsToHost({ type: 'clear' }), { type: 'clear' });
  assert.deepEqual(checkResultsToHost({ type: 'clear', key: 'k' }), { type: 'clear', key: 'k' });
  assert.deepEqual(checkResultsToHost({ type: 'reveal', key: 'k', extra: 1 }), { type: 'reveal', key: 'k' });
  for (const bad of [{ type: 'reveal' }, { type: 'clear', key: 3 }, { type: 'run' }, null])
    assert.equal(validate(checkResultsToHost, bad).ok, false, JSON.stringify(bad));
});

test('results: status tones', () => {
  assert.equal(statusTone('confirmed'), 'ok');
  assert.equal(statusTone('reply'), 'ok');
  assert.equal(statusTone('returned'), 'warn');
  assert.equal(statusTone('unknown'), 'warn');
  assert.equal(statusTone('nacked'), 'err');
  assert.equal(statusTone('error'), 'err');
});

test('panels: Copy as code and Save as .amqp messages are checked', () => {
  const d = emptyDraft('logs', 'kern.info');
  assert.equal(checkPublishToHost({ type: 'copyAsCode', draft: d }).type, 'copyAsCode');
  assert.equal(checkPublishToHost({ type: 'saveAsAmqp', name: 'n', draft: d }).type, 'saveAsAmqp');
  assert.equal(validate(checkPublishToHost, { type: 'saveAsAmqp', draft: d }).ok, false);
  assert.equal(validate(checkPublishToHost, { type: 'copyAsCode', draft: { ...d, bodyMode: 'html' } }).ok, false);
  assert.deepEqual(checkPeekToHost({ type: 'copyAsCode', count: 5 }), { type: 'copyAsCode', count: 5 });
  assert.equal(validate(checkPeekToHost, { type: 'copyAsCode', count: '5' }).ok, false);
  const rpc: RpcDraft = {
    exchange: '',
    routingKey: 'rpc_queue',
    bodyMode: 'text',
    body: '10',
    contentType: '',
    headers: [],
    timeoutMs: 5000,
    replyMode: 'direct-reply-to',
  };
  assert.deepEqual(checkRpcToHost({ type: 'copyAsCode', draft: rpc }), { type: 'copyAsCode', draft: rpc });
  assert.equal(validate(checkRpcToHost, { type: 'copyAsCode', draft: { ...rpc, replyMode: 'x' } }).ok, false);
});

test('copy as code: a publish carries the exact properties and typed headers, variables as in message 1', () => {
  const ctx = replayableContexts([1, 2, 3, 4], () => 1_700_000_000_000)(0);
  const d = emptyDraft('logs', 'kern.{{$i}}');
  d.routingKey = 'kern.critical';
  d.properties.messageId = 'm-{{$i}}';
  d.properties.priority = '5';
  d.headers = [
    { name: 'x-retries', type: 'int32', value: '3' },
    { name: 'big', type: 'int64', value: '9007199254740993' },
    { name: 'trace', type: 'string', value: '{{$uuid}}' },
  ];
  d.body = '{"n": {{$i}}}';
  const r = publishCodeRequest(d, undefined, ctx);
  assert.ok(r.ok);
  assert.equal(r.request.kind, 'publish');
  if (r.request.kind !== 'publish') return;
  assert.equal(r.request.exchange, 'logs');
  assert.equal(r.request.mandatory, true);
  assert.equal(r.request.properties.messageId, 'm-1');
  assert.equal(r.request.properties.priority, 5);
  assert.equal(r.request.properties.contentType, 'application/json');
  assert.equal(r.request.properties.deliveryMode, 2);
  assert.deepEqual(r.request.properties.headers?.['x-retries'], { '!': 'int32', value: 3 });
  assert.deepEqual(r.request.properties.headers?.big, { '!': 'int64', value: '9007199254740993' });
  assert.match(String(r.request.properties.headers?.trace), /^[0-9a-f-]{36}$/);
  assert.equal(new TextDecoder().decode(r.request.body), '{"n": 1}');
  // The same message as Burrow's first Send (same seed, same values).
  const again = publishCodeRequest(d, undefined, replayableContexts([1, 2, 3, 4], () => 1_700_000_000_000)(0));
  assert.deepEqual(again, r);
  // Invalid drafts are refused with the field.
  const bad = publishCodeRequest({ ...d, properties: { ...d.properties, priority: '300' } });
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /priority/);
});

test('copy as code: a < file body is the file bytes, its content type from what the file holds', () => {
  const bytes = new Uint8Array([0, 1, 2, 255]);
  const d = emptyDraft('', 'q');
  const r = publishCodeRequest(d, { name: 'x.bin', bytes });
  assert.ok(r.ok && r.request.kind === 'publish');
  if (!r.ok || r.request.kind !== 'publish') return;
  assert.deepEqual([...r.request.body], [0, 1, 2, 255]);
  assert.equal(r.request.properties.contentType, 'application/octet-stream');
  const named = withFileBody({ ...d, properties: { ...d.properties, contentType: 'image/png' } }, 'x.bin', bytes);
  assert.equal(named.properties.contentType, 'image/png');
  const json = withFileBody(d, 'x.json', new TextEncoder().encode('{"a":1}'));
  assert.equal(json.properties.contentType, 'application/json');
});

test('copy as code: a call, a consumer, and the target without a password', () => {
  const rpc: RpcDraft = {
    exchange: '',
    routingKey: 'rpc_queue',
    bodyMode: 'json',
    body: '{"n": {{$i}}}',
    contentType: '',
    headers: [{ name: 'x-n', type: 'int16', value: '7' }],
    timeoutMs: 2500,
    replyMode: 'callback-queue',
  };
  const c = callCodeRequest(rpc);
  assert.ok(c.ok);
  if (!c.ok || c.request.kind !== 'call') return;
  assert.equal(c.request.timeoutMs, 2500);
  assert.equal(c.request.replyMode, 'callback-queue');
  assert.equal(new TextDecoder().decode(c.request.body), '{"n": 1}');
  assert.equal(c.request.properties.contentType, 'application/json');
  assert.deepEqual(c.request.properties.headers?.['x-n'], { '!': 'int16', value: 7 });
  assert.equal(callCodeRequest({ ...rpc, body: '{' }).ok, false);
  assert.equal(callRequest({ ...rpc, timeoutMs: 0 }, replayableContexts([1, 2, 3, 4])(0)).ok, false);

  assert.deepEqual(consumeCodeRequest('task_queue', 10), { kind: 'consume', queue: 'task_queue', prefetch: 10 });
  assert.equal((consumeCodeRequest('q', 0) as { prefetch: number }).prefetch, 1);

  const t = codeTarget(
    { id: 'p', name: 'P', host: 'rabbit.example', port: 5671, vhost: '/', username: 'app', tls: true },
    'orders',
  );
  assert.deepEqual(t, { host: 'rabbit.example', port: 5671, vhost: 'orders', tls: true, username: 'app' });
  assert.ok(!('password' in t));
});

test('copy as code from a request file: publish, call, peek (a consumer) and route (a publish of its key)', () => {
  const text = [
    '@connection = localhost',
    '',
    '### Critical',
    'PUBLISH topic_logs kern.critical',
    'header x-retries:int32 = 3',
    '',
    '{"msg": "disk full"}',
    '',
    '### Fib',
    'CALL "" rpc_queue',
    '',
    '10',
    '',
    '### Waiting',
    'PEEK task_queue 5',
    '',
    '### Where',
    'ROUTE topic_logs kern.info',
    '',
  ].join('\n');
  const parsed = parseRequestFile(text);
  assert.equal(parsed.requests.length, 4, JSON.stringify(parsed.problems));
  const resolved = parsed.requests.map((r) => {
    const x = resolveRequest(parsed, r, { env: {} });
    assert.ok(x.ok, JSON.stringify(x));
    return x.value;
  });
  const [pub, call, peek, route] = resolved.map((r) => codeRequestOf(r));
  assert.ok(pub.ok && pub.request.kind === 'publish' && pub.request.exchange === 'topic_logs');
  assert.ok(call.ok && call.request.kind === 'call' && call.request.routingKey === 'rpc_queue');
  assert.deepEqual(peek, { ok: true, request: { kind: 'consume', queue: 'task_queue', prefetch: 5 } });
  assert.ok(route.ok && route.request.kind === 'publish');
  if (route.ok && route.request.kind === 'publish') {
    assert.equal(route.request.routingKey, 'kern.info');
    assert.equal(route.request.body.length, 0);
  }
});

test('route summary: sure, uncertain, unroutable and errors', () => {
  const base: RouteAnswerView = {
    exchange: 'x',
    routingKey: 'k',
    queues: [],
    mayReceive: [],
    unroutable: false,
    mayBeUnroutable: false,
    steps: [],
    errors: [],
    warnings: [],
  };
  assert.deepEqual(routeSummary({ ...base, queues: ['a', 'b'] }), { status: 'ok', text: 'Reaches 2 queues: a, b' });
  assert.equal(routeSummary({ ...base, unroutable: true }).status, 'unroutable');
  const maybe = routeSummary({ ...base, mayReceive: [{ destination: 'q', kind: 'queue', reasons: ['r'] }] });
  assert.equal(maybe.status, 'uncertain');
  assert.match(maybe.text, /1 more may/);
  assert.deepEqual(routeSummary({ ...base, errors: ['404 NOT_FOUND - no exchange x'] }).status, 'error');
});

test('save as .amqp: a history draft becomes a request that resolves to the same draft, on its connection and vhost', () => {
  const d = emptyDraft('topic_logs', 'kern.critical');
  d.properties.messageId = 'm-1';
  d.properties.appId = 'billing';
  d.headers = [
    { name: 'x-retries', type: 'int32', value: '3' },
    { name: 'trace', type: 'string', value: 'a b' },
  ];
  d.body = '{\n  "msg": "disk full"\n}';
  const text = draftAsRequest(d, '', { connection: 'localhost', vhost: 'orders' });
  assert.match(text, /^### Publish to topic_logs kern\.critical\n/);
  const parsed = parseRequestFile(text);
  assert.deepEqual(parsed.problems, []);
  const r = resolveRequest(parsed, parsed.requests[0], { env: {} });
  assert.ok(r.ok, JSON.stringify(r));
  if (!r.ok || r.value.kind !== 'publish') return;
  assert.equal(r.value.connection, 'localhost');
  assert.equal(r.value.vhost, 'orders');
  assert.deepEqual(r.value.draft, d);
  // Without a connection or vhost the text names none (the file's defaults apply).
  assert.doesNotMatch(draftAsRequest(d, 'x'), /^(connection|vhost):/m);
  assert.equal(requestName(emptyDraft('', 'task_queue')), 'Publish to task_queue');
});
