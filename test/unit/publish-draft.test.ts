import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftToRequest, normalizeDraft, parseTemplatesFile, serializeTemplates } from '../../src/core/publishDraft';
import { bodyContentType, emptyDraft, type PublishDraft } from '../../src/protocol/publish';

const draft = (over: Partial<PublishDraft> = {}, props: Partial<PublishDraft['properties']> = {}): PublishDraft => {
  const d = emptyDraft('amq.topic', 'kern.info');
  return { ...d, ...over, properties: { ...d.properties, ...props } };
};

test('a JSON draft becomes UTF-8 bytes and camelCase AMQP properties', () => {
  const r = draftToRequest(
    draft(
      {
        body: '{"n": 1, "s": "é"}',
        headers: [
          { name: 'count', type: 'int32', value: '3' },
          { name: 'flag', type: 'bool', value: 'true' },
          { name: 'nothing', type: 'void', value: '' },
        ],
      },
      { correlationId: ' abc ', priority: '5', expiration: '60000', timestamp: 'now', userId: 'guest' },
    ),
    1_700_000_000_123,
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(new TextDecoder().decode(r.request.body), '{"n": 1, "s": "é"}');
  assert.equal(r.request.exchange, 'amq.topic');
  assert.equal(r.request.routingKey, 'kern.info');
  assert.equal(r.request.mandatory, true);
  assert.deepEqual(r.request.properties, {
    deliveryMode: 2,
    contentType: 'application/json',
    correlationId: 'abc',
    userId: 'guest',
    priority: 5,
    expiration: '60000',
    timestamp: 1_700_000_000,
    headers: { count: { '!': 'int32', value: 3 }, flag: true, nothing: null },
  });
});

test('invalid JSON is refused with line and column', () => {
  const r = draftToRequest(draft({ body: '{\n  "a": 1,\n  "b": \n}' }));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.field, 'body');
  assert.match(r.error, /Invalid JSON at line 4, column 1/);
  assert.equal(r.error, 'Invalid JSON at line 4, column 1: Value expected', 'the position is said once');
});

test('text bodies are sent verbatim, even when they look like HTML', () => {
  const r = draftToRequest(draft({ bodyMode: 'text', body: '<img src=x onerror=alert(1)>' }));
  assert.ok(r.ok && new TextDecoder().decode(r.request.body) === '<img src=x onerror=alert(1)>');
});

test('base64 bodies are decoded to the exact bytes; bad base64 is refused', () => {
  const ok = draftToRequest(draft({ bodyMode: 'base64', body: 'AAEC/w==\n' }));
  assert.ok(ok.ok);
  if (ok.ok) assert.deepEqual([...ok.request.body], [0, 1, 2, 255]);
  const bad = draftToRequest(draft({ bodyMode: 'base64', body: 'not base64!' }));
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.field, 'body');
});

test('property validation names the field', () => {
  const cases: [Partial<PublishDraft['properties']>, string][] = [
    [{ priority: '256' }, 'priority'],
    [{ priority: '1.5' }, 'priority'],
    [{ expiration: '-1' }, 'expiration'],
    [{ expiration: '10s' }, 'expiration'],
    [{ timestamp: 'yesterday-ish' }, 'timestamp'],
  ];
  for (const [props, field] of cases) {
    const r = draftToRequest(draft({}, props));
    assert.equal(r.ok, false, JSON.stringify(props));
    if (!r.ok) assert.equal(r.field, field);
  }
  const dup = draftToRequest(
    draft({
      headers: [
        { name: 'a', type: 'string', value: '1' },
        { name: 'a', type: 'string', value: '2' },
      ],
    }),
  );
  assert.equal(dup.ok, false);
  if (!dup.ok) assert.equal(dup.field, 'headers');
  const longKey = draftToRequest(draft({ routingKey: 'k'.repeat(256) }));
  assert.equal(longKey.ok, false);
  if (!longKey.ok) assert.equal(longKey.field, 'routingKey');
});

test('timestamps accept epoch seconds and ISO dates; transient mode is kept', () => {
  const a = draftToRequest(draft({}, { timestamp: '1700000000', deliveryMode: 1 }));
  assert.ok(a.ok && a.request.properties.timestamp === 1_700_000_000 && a.request.properties.deliveryMode === 1);
  const b = draftToRequest(draft({}, { timestamp: '2024-01-01T00:00:00Z' }));
  assert.ok(b.ok && b.request.properties.timestamp === 1_704_067_200);
});

test('templates round-trip through the workspace file and bad entries are reported', () => {
  const text = serializeTemplates([
    { name: 'b', draft: draft({ body: '2' }) },
    { name: 'a', draft: draft({ body: '1' }) },
  ]);
  const parsed = parseTemplatesFile(text);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(
    parsed.templates.map((t) => t.name),
    ['a', 'b'],
  );
  assert.deepEqual(parsed.templates[1].draft, draft({ body: '2' }));
  const broken = parseTemplatesFile(
    '{"templates": [{"name": "x"}, {"draft": {}}, {"name": "ok", "draft": {"exchange": "e", "headers": [{"name": "h", "type": "weird", "value": 1}]}}]}',
  );
  assert.equal(broken.templates.length, 1);
  assert.equal(broken.templates[0].draft.headers[0].type, 'string');
  assert.equal(broken.templates[0].draft.headers[0].value, '1');
  assert.equal(broken.problems.length, 2);
  assert.match(parseTemplatesFile('{oops').problems[0], /not valid JSON: Invalid symbol "oops" at line 1, column 2/);
});

test('normalizeDraft rejects non-objects and fills defaults', () => {
  assert.equal(normalizeDraft(null), undefined);
  assert.equal(normalizeDraft('x'), undefined);
  const d = normalizeDraft({ exchange: 'x', properties: { deliveryMode: 1, priority: 3 } });
  assert.equal(d?.properties.deliveryMode, 1);
  assert.equal(d?.properties.priority, '3');
  assert.equal(d?.mandatory, true);
});

test('the content type follows the body type unless the user typed one', () => {
  const ct = (over: Partial<PublishDraft>, contentType = '') => {
    const r = draftToRequest(draft(over, { contentType }));
    assert.ok(r.ok);
    return r.ok ? r.request.properties.contentType : undefined;
  };
  assert.equal(emptyDraft().properties.contentType, '', 'a new draft leaves it to the body type');
  assert.equal(ct({ bodyMode: 'json', body: '{}' }), 'application/json');
  assert.equal(ct({ bodyMode: 'text', body: 'hello' }), 'text/plain');
  assert.equal(ct({ bodyMode: 'base64', body: 'AAE=' }), 'application/octet-stream');
  assert.equal(ct({ bodyMode: 'text', body: 'a,b' }, '  text/csv '), 'text/csv');
  assert.equal(ct({ bodyMode: 'base64', body: 'AAE=' }, 'image/png'), 'image/png');
  assert.equal(ct({ bodyMode: 'json', body: '{}' }, 'application/vnd.api+json'), 'application/vnd.api+json');
  assert.equal(ct({ bodyMode: 'text', body: 'x' }, '   '), 'text/plain', 'blank is not a choice');
  assert.equal(bodyContentType('json'), 'application/json');
});
