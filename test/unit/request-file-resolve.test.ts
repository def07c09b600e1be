import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { neutralize, resolveRequest } from '../../src/core/requestFile/resolve';
import type { ResolveContext, ResolvedRequest, RequestProblem } from '../../src/core/requestFile/types';
import { draftToRequest } from '../../src/core/publishDraft';
import { emptyDraft } from '../../src/protocol/publish';

const CTX: ResolveContext = { env: { RABBIT_APP: 'billing' } };

function resolveOne(text: string, ctx: ResolveContext = CTX, index = 0): ResolvedRequest {
  const file = parseRequestFile(text);
  assert.deepEqual(file.problems, []);
  const r = resolveRequest(file, file.requests[index]!, ctx);
  if (!r.ok) assert.fail(JSON.stringify(r.problems));
  return r.value;
}

function problemsOf(text: string, ctx: ResolveContext = CTX, index = 0): RequestProblem[] {
  const file = parseRequestFile(text);
  const r = resolveRequest(file, file.requests[index]!, ctx);
  return r.ok ? (r.warnings ?? []) : r.problems;
}

test('PUBLISH: every property, typed headers, mandatory, repeat, JSON body and variables', () => {
  const v = resolveOne(
    [
      '@ex = topic_logs',
      '@sev = critical',
      '@vhost = /prod',
      'PUBLISH {{ex}} kern.{{sev}}',
      'content-type: application/json',
      'content-encoding: utf-8',
      'delivery-mode: transient',
      'priority: 7',
      'correlation-id: c-1',
      'reply-to: replies',
      'expiration: 60000',
      'message-id: {{$uuid}}',
      'timestamp: now',
      'type: alert',
      'user-id: guest',
      'app-id: {{$env RABBIT_APP}}',
      'mandatory: false',
      'repeat: 3',
      'header x-retries:int32 = 3',
      'header n = 5',
      'header big = 300',
      'header s = "5"',
      'header ok = true',
      'header nothing = null',
      'header when:timestamp = 2024-01-01T00:00:00Z',
      'header tags:array = [1, "a"]',
      'header quoted:string = " padded "',
      '',
      '{"msg": "{{sev}}", "n": {{$i}}}',
    ].join('\n'),
  );
  assert.equal(v.kind, 'publish');
  if (v.kind !== 'publish') return;
  assert.equal(v.vhost, '/prod');
  assert.equal(v.connection, undefined);
  assert.equal(v.repeat, 3);
  assert.deepEqual(v.draft, {
    exchange: 'topic_logs',
    routingKey: 'kern.critical',
    mandatory: false,
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 1,
      priority: '7',
      correlationId: 'c-1',
      replyTo: 'replies',
      expiration: '60000',
      messageId: '{{$uuid}}',
      timestamp: 'now',
      type: 'alert',
      userId: 'guest',
      appId: 'billing',
    },
    headers: [
      { name: 'x-retries', type: 'int32', value: '3' },
      { name: 'n', type: 'int8', value: '5' },
      { name: 'big', type: 'int16', value: '300' },
      { name: 's', type: 'string', value: '5' },
      { name: 'ok', type: 'bool', value: 'true' },
      { name: 'nothing', type: 'void', value: '' },
      { name: 'when', type: 'timestamp', value: '2024-01-01T00:00:00Z' },
      { name: 'tags', type: 'array', value: '[1, "a"]' },
      { name: 'quoted', type: 'string', value: ' padded ' },
    ],
    bodyMode: 'json',
    body: '{"msg": "critical", "n": {{$i}}}',
  });
});

test('PUBLISH defaults: the default exchange, persistent, mandatory, no body; persistent: false; ctx defaults', () => {
  const v = resolveOne('PUBLISH "" q\npersistent: false', { env: {}, defaultConnection: 'local', defaultVhost: 'v' });
  assert.ok(v.kind === 'publish');
  assert.equal(v.connection, 'local');
  assert.equal(v.vhost, 'v');
  assert.equal(v.draft.exchange, '');
  assert.equal(v.draft.routingKey, 'q');
  assert.equal(v.draft.mandatory, true);
  assert.equal(v.draft.properties.deliveryMode, 1);
  assert.equal(v.draft.body, '');
  assert.equal(v.draft.bodyMode, 'text');
  assert.equal(v.repeat, 1);
  const d = resolveOne('PUBLISH x', { env: {}, defaultDeliveryMode: 1 });
  assert.ok(d.kind === 'publish' && d.draft.properties.deliveryMode === 1);
});

test('body type: json from content-type or a leading { or [; body-type overrides; base64; file bodies', () => {
  const mode = (t: string) => {
    const v = resolveOne(t);
    return v.kind === 'publish' ? [v.draft.bodyMode, v.bodyFile] : [];
  };
  assert.deepEqual(mode('PUBLISH x\n\n[1]'), ['json', undefined]);
  assert.deepEqual(mode('PUBLISH x\ncontent-type: application/vnd.api+json\n\n"s"'), ['json', undefined]);
  assert.deepEqual(mode('PUBLISH x\n\nplain'), ['text', undefined]);
  assert.deepEqual(mode('PUBLISH x\nbody-type: text\n\n{not json'), ['text', undefined]);
  assert.deepEqual(mode('PUBLISH x\nbody-type: base64\n\naGVsbG8='), ['base64', undefined]);
  assert.deepEqual(mode('@name = x\nPUBLISH x\n\n< ./data/{{name}}.json'), ['text', './data/x.json']);
  assert.deepEqual(mode('PUBLISH x\ncontent-type: application/json\n\n< ./a.json'), ['json', './a.json']);
});

test('connection and vhost: request field > file variable > context default; vhost defaults to /', () => {
  const text =
    '@connection = fileconn\n@vhost = filevh\n### a\nPEEK q\nconnection: reqconn\nvhost: reqvh\n### b\nPEEK q';
  const ctx = { env: {}, defaultConnection: 'ctxconn', defaultVhost: 'ctxvh' };
  const a = resolveOne(text, ctx, 0);
  const b = resolveOne(text, ctx, 1);
  assert.deepEqual([a.connection, a.vhost], ['reqconn', 'reqvh']);
  assert.deepEqual([b.connection, b.vhost], ['fileconn', 'filevh']);
  const c = resolveOne('PEEK q', ctx);
  assert.deepEqual([c.connection, c.vhost], ['ctxconn', 'ctxvh']);
  const d = resolveOne('PEEK q', { env: {} });
  assert.deepEqual([d.connection, d.vhost], [undefined, '/']);
});

test('CALL → RpcDraft: exchange and key, timeout forms, reply mode, headers, body', () => {
  const v = resolveOne(
    'CALL "" rpc_queue\ntimeout: 1.5s\nreply-mode: callback-queue\nheader a:int64 = 9\nrepeat: 2\n\n10',
  );
  assert.ok(v.kind === 'call');
  assert.deepEqual(v.draft, {
    exchange: '',
    routingKey: 'rpc_queue',
    bodyMode: 'text',
    body: '10',
    contentType: 'text/plain',
    headers: [{ name: 'a', type: 'int64', value: '9' }],
    timeoutMs: 1500,
    replyMode: 'callback-queue',
  });
  assert.equal(v.repeat, 2);
  const ms = (t: string) => {
    const r = resolveOne(`CALL q\ntimeout: ${t}`);
    return r.kind === 'call' ? r.draft.timeoutMs : -1;
  };
  assert.equal(ms('500ms'), 500);
  assert.equal(ms('5000'), 5000);
  assert.equal(ms('2s'), 2000);
  const d = resolveOne('CALL q\ncontent-type: application/json\n\n{"n": 10}', { env: {}, defaultTimeoutMs: 700 });
  assert.ok(d.kind === 'call');
  assert.deepEqual([d.draft.timeoutMs, d.draft.replyMode, d.draft.bodyMode], [700, 'direct-reply-to', 'json']);
  const j = resolveOne('CALL q\n\n{"n": 10}');
  assert.ok(j.kind === 'call');
  assert.deepEqual([j.draft.bodyMode, j.draft.contentType], ['json', 'application/json']);
});

test('PEEK → queue and count (request line or count:, default 10); ROUTE → exchange, key, typed header table', () => {
  const p = resolveOne('PEEK task_queue');
  assert.ok(p.kind === 'peek');
  assert.deepEqual([p.queue, p.count], ['task_queue', 10]);
  const q = resolveOne('PEEK "a b"\ncount: 250');
  assert.ok(q.kind === 'peek');
  assert.deepEqual([q.queue, q.count], ['a b', 250]);
  const r = resolveOne('ROUTE amq.headers\nheader x-match = all\nheader n:int32 = 5\nheader f = 1.5');
  assert.ok(r.kind === 'route');
  assert.equal(r.exchange, 'amq.headers');
  assert.equal(r.routingKey, '');
  assert.deepEqual(r.headers, { 'x-match': 'all', n: { '!': 'int32', value: 5 }, f: { '!': 'double', value: 1.5 } });
});

test('the resolved publish draft is one draftToRequest accepts', () => {
  const v = resolveOne('PUBLISH x k\npriority: 3\nheader a:uint8 = 200\n\n{"a": 1}');
  assert.ok(v.kind === 'publish');
  const r = draftToRequest(v.draft, 0);
  assert.ok(r.ok);
  assert.deepEqual(r.request.properties.headers, { a: { '!': 'uint8', value: 200 } });
  assert.equal(r.request.properties.priority, 3);
});

test('problems come back with codes and spans; an unresolved request is not ok', () => {
  const p = problemsOf('PUBLISH x\nheader a:int8 = 300');
  assert.equal(p.length, 1);
  assert.equal(p[0]!.code, 'header-type');
  assert.deepEqual(p[0]!.span, { start: { line: 1, character: 16 }, end: { line: 1, character: 19 } });
});

test('neutralize keeps lengths and line breaks', () => {
  const t = '{"a": {{$i}}, "b": "{{$uuid}}"}';
  const n = neutralize(t);
  assert.equal(n.length, t.length);
  assert.deepEqual(JSON.parse(n), { a: 0, b: '0        ' });
  assert.equal(neutralize('{{plain}}'), '{{plain}}');
});

test('the default draft of the form and a resolved bare PUBLISH differ only where the file says so', () => {
  const v = resolveOne('PUBLISH x k\n\n{"hello": "world"}');
  assert.ok(v.kind === 'publish');
  assert.deepEqual(v.draft, { ...emptyDraft('x', 'k'), body: '{"hello": "world"}' });
});

test('PEEK and ROUTE are one question: per-message values are filled in once', () => {
  const p = resolveOne('PEEK q-{{$i}}');
  assert.ok(p.kind === 'peek');
  assert.equal(p.queue, 'q-1');
  const r = resolveOne('ROUTE amq.headers k.{{$index}}\nheader n:int32 = {{$randomInt 5 6}}\nheader id = {{$uuid}}');
  assert.ok(r.kind === 'route');
  assert.equal(r.routingKey, 'k.0');
  assert.deepEqual(r.headers.n, { '!': 'int32', value: 5 });
  assert.match(String(r.headers.id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
