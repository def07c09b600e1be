import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validTarget } from '../../src/protocol/common';
import { checkPublishState, checkPublishToHost, emptyDraft } from '../../src/protocol/publish';
import { normalizeDraft } from '../../src/core/publishDraft';

test('panel state restored from disk is validated, extra fields dropped', () => {
  assert.deepEqual(
    validTarget({
      target: { profileId: 'p', profileName: 'P', vhost: '/', queue: 'q', queueType: 'quorum', evil: '<script>' },
    }),
    {
      profileId: 'p',
      profileName: 'P',
      vhost: '/',
      queue: 'q',
      queueType: 'quorum',
    },
  );
  for (const bad of [
    undefined,
    null,
    3,
    {},
    { target: null },
    { target: { profileId: 1, profileName: 'x', vhost: '/' } },
    { target: { profileId: 'p', vhost: '/' } },
  ]) {
    assert.equal(validTarget(bad), undefined, JSON.stringify(bad));
  }
  // A field of the wrong type makes the whole target unreadable (checked, not patched up).
  assert.equal(validTarget({ target: { profileId: 'p', profileName: 'P', vhost: '/', queue: 7 } }), undefined);
});

test('the publish draft survives a JSON round trip through webview state', () => {
  const d = emptyDraft('x', 'k', 1);
  d.headers.push({ name: 'n', type: 'int64', value: '9007199254740993' });
  assert.deepEqual(normalizeDraft(JSON.parse(JSON.stringify(d))), d);
});

// ---- runtime checks of webview -> host messages and restored state ----
import { checkPeekState, checkPeekToHost } from '../../src/protocol/peek';
import { checkTailState, checkTailToHost } from '../../src/protocol/tail';
import { checkRoutingState, checkRoutingToHost } from '../../src/protocol/routing';
import { checkRpcState, checkRpcToHost } from '../../src/protocol/rpc';
import { checkStatsState, checkStatsToHost } from '../../src/protocol/details';
import { validate, orUndefined, type Check } from '../../src/protocol/validate';

const target = { profileId: 'p', profileName: 'P', vhost: '/' };

function rejects(check: Check<unknown>, bad: unknown[], why: RegExp | undefined = undefined): void {
  for (const b of bad) {
    const r = validate(check, b);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(b)}`);
    if (why && !r.ok) assert.match(r.error, why, JSON.stringify(b));
  }
}

test('every webview -> host union refuses unknown types and non-objects', () => {
  for (const check of [
    checkPublishToHost,
    checkPeekToHost,
    checkTailToHost,
    checkRoutingToHost,
    checkRpcToHost,
  ] as Check<unknown>[]) {
    rejects(
      check,
      [undefined, null, 'ready', 42, [], { type: 'nope' }, { type: 7 }, { type: '__proto__' }, { type: 'toString' }],
      /type/,
    );
    assert.deepEqual(validate(check, { type: 'ready', extra: '<script>' }), { ok: true, value: { type: 'ready' } });
  }
});

test('publish messages: fields checked, unknown fields dropped', () => {
  const draft = emptyDraft('x', 'k');
  const ok = validate(checkPublishToHost, { type: 'publish', draft: { ...draft, evil: 1 }, count: 3, also: 'dropped' });
  assert.deepEqual(ok, { ok: true, value: { type: 'publish', draft, count: 3 } });
  rejects(checkPublishToHost, [
    { type: 'publish', draft, count: '3' },
    { type: 'publish', draft, count: 1.5 },
    { type: 'publish', draft, count: Number.NaN },
    { type: 'publish', count: 1 },
    { type: 'publish', draft: { ...draft, bodyMode: 'html' }, count: 1 },
    { type: 'publish', draft: { ...draft, properties: { ...draft.properties, deliveryMode: 3 } }, count: 1 },
    { type: 'publish', draft: { ...draft, headers: [{ name: 'a', type: 'date', value: '' }] }, count: 1 },
    { type: 'publish', draft: { ...draft, headers: 'a=1' }, count: 1 },
    { type: 'suggest', exchange: 'x' }, // no request id
    { type: 'suggest', exchange: 'x', requestId: -1 },
    { type: 'resendUnknown', resultId: '1' },
    { type: 'saveTemplate', name: 5, draft },
  ]);
  assert.deepEqual(validate(checkPublishToHost, { type: 'suggest', exchange: '', requestId: 4 }), {
    ok: true,
    value: { type: 'suggest', exchange: '', requestId: 4 },
  });
});

test('peek, tail, routing and rpc messages: bad shapes refused', () => {
  assert.equal(validate(checkPeekToHost, { type: 'peek', count: 5, offset: { timestamp: 1 } }).ok, true);
  rejects(checkPeekToHost, [
    { type: 'peek', count: 5, offset: 'middle' },
    { type: 'peek', count: 5, confirmConsumers: 'yes' },
    { type: 'copy', ids: [1, 'x'] },
    { type: 'copy', ids: { length: 1, 0: 1 } },
    { type: 'openBody' },
    { type: 'editAndPublish' },
    { type: 'editAndPublish', id: '1' },
  ]);
  assert.deepEqual(validate(checkPeekToHost, { type: 'editAndPublish', id: 3 }), {
    ok: true,
    value: { type: 'editAndPublish', id: 3 },
  });
  assert.equal(
    validate(checkTailToHost, { type: 'start', mode: { mode: 'consume', prefetch: 10, ack: 'manual' } }).ok,
    true,
  );
  assert.equal(
    validate(checkTailToHost, {
      type: 'start',
      mode: { mode: 'tap-exchange', exchange: 'x', pattern: '#', arguments: { 'x-match': 'all' } },
    }).ok,
    true,
  );
  assert.equal(validate(checkTailToHost, { type: 'editAndPublish', id: 2 }).ok, true);
  rejects(checkTailToHost, [
    { type: 'editAndPublish', id: 'x' },
    { type: 'start', mode: { mode: 'drain' } },
    { type: 'start', mode: { mode: 'consume', prefetch: 10, ack: 'never' } },
    {
      type: 'start',
      mode: {
        mode: 'tap-exchange',
        exchange: 'x',
        pattern: '#',
        arguments: JSON.parse('{"__proto__": {"polluted": 1}}'),
      },
    },
    { type: 'select', id: 1 }, // no request id
    { type: 'settle', id: 1, action: 'delete' },
    { type: 'view', from: 0, count: 10 },
  ]);
  rejects(checkRoutingToHost, [{ type: 'route', exchange: 'x', routingKey: 1, headers: '' }]);
  const rpcDraft = {
    exchange: '',
    routingKey: 'rpc_queue',
    bodyMode: 'text',
    body: '10',
    contentType: 'text/plain',
    headers: [],
    timeoutMs: 5000,
    replyMode: 'direct-reply-to',
  };
  assert.equal(validate(checkRpcToHost, { type: 'call', draft: rpcDraft, count: 1 }).ok, true);
  rejects(checkRpcToHost, [
    { type: 'call', draft: { ...rpcDraft, replyMode: 'carrier-pigeon' }, count: 1 },
    { type: 'call', draft: { ...rpcDraft, timeoutMs: Infinity }, count: 1 },
    { type: 'call', draft: rpcDraft },
  ]);
});

test('restored state: a bad target refuses the state; a bad optional part is dropped, the rest kept', () => {
  for (const check of [checkPublishState, checkPeekState, checkTailState, checkRoutingState, checkRpcState] as Check<{
    target: unknown;
  }>[]) {
    for (const bad of [undefined, null, 'x', {}, { target: null }, { target: { ...target, vhost: 1 } }]) {
      assert.equal(orUndefined(check, bad), undefined, JSON.stringify(bad));
    }
    assert.deepEqual(orUndefined(check, { target })?.target, target);
  }
  assert.deepEqual(orUndefined(checkPublishState, { target, draft: { body: 1 }, count: 10 }), { target, count: 10 });
  assert.deepEqual(orUndefined(checkPeekState, { target, count: 'many' }), { target, count: 10 });
  assert.deepEqual(orUndefined(checkTailState, { target, mode: { mode: 'drain' }, filter: 'kern' }), {
    target,
    filter: 'kern',
  });
  assert.deepEqual(orUndefined(checkRoutingState, { target, tab: 'evil', pattern: '*.info' }), {
    target,
    pattern: '*.info',
  });
  assert.deepEqual(orUndefined(checkRpcState, { target, draft: { exchange: '' }, count: 2 }), { target, count: 2 });
});

test('Details / Overview: refresh and pause messages are checked; a restored state keeps a valid target', () => {
  rejects(
    checkStatsToHost,
    [undefined, null, { type: 'nope' }, { type: 'pause' }, { type: 'pause', paused: 'yes' }, { type: 'toString' }],
    /type|paused/,
  );
  assert.deepEqual(validate(checkStatsToHost, { type: 'pause', paused: true, extra: 1 }), {
    ok: true,
    value: { type: 'pause', paused: true },
  });
  assert.equal(validate(checkStatsToHost, { type: 'refresh' }).ok, true);
  for (const bad of [undefined, null, {}, { target: { ...target, vhost: 1 } }]) {
    assert.equal(orUndefined(checkStatsState, bad), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(orUndefined(checkStatsState, { target: { ...target, queue: 'q' }, paused: 'x' }), {
    target: { ...target, queue: 'q' },
  });
  assert.deepEqual(orUndefined(checkStatsState, { target, paused: true }), { target, paused: true });
});
