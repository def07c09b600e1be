import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validTarget } from '../../src/protocol/common';
import { emptyDraft } from '../../src/protocol/publish';
import { normalizeDraft } from '../../src/core/publishDraft';

test('panel state restored from disk is validated, extra fields dropped', () => {
  assert.deepEqual(validTarget({ target: { profileId: 'p', profileName: 'P', vhost: '/', queue: 'q', queueType: 'quorum', evil: '<script>' } }), {
    profileId: 'p',
    profileName: 'P',
    vhost: '/',
    queue: 'q',
    exchange: undefined,
    queueType: 'quorum',
  });
  for (const bad of [undefined, null, 3, {}, { target: null }, { target: { profileId: 1, profileName: 'x', vhost: '/' } }, { target: { profileId: 'p', vhost: '/' } }]) {
    assert.equal(validTarget(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(validTarget({ target: { profileId: 'p', profileName: 'P', vhost: '/', queue: 7 } })?.queue, undefined);
});

test('the publish draft survives a JSON round trip through webview state', () => {
  const d = emptyDraft('x', 'k', 1);
  d.headers.push({ name: 'n', type: 'number', value: '1' });
  assert.deepEqual(normalizeDraft(JSON.parse(JSON.stringify(d))), d);
});
