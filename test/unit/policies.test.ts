import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  argumentVsPolicyLines,
  applyToFits,
  checkPolicyDefinition,
  compilePattern,
  effectivePolicy,
  mergeDefinitions,
  policyDescription,
  policyLines,
  previewPolicy,
  refusalReason,
  resultingSettings,
  selectPolicy,
  type PolicyDef,
  type PolicyTarget,
  unreadablePoliciesNote,
} from '../../src/core/policies';

const q = (name: string, queueType = 'classic'): PolicyTarget => ({ kind: 'queue', name, queueType });
const x = (name: string): PolicyTarget => ({ kind: 'exchange', name });
const pol = (
  name: string,
  pattern: string,
  priority = 0,
  definition: Record<string, unknown> = { 'max-length': 1 },
  applyTo = 'all',
): PolicyDef => ({
  name,
  pattern,
  priority,
  definition,
  'apply-to': applyTo,
});

function matches(pattern: string, name: string): boolean {
  const c = compilePattern(pattern);
  assert.ok(c.ok, `pattern ${pattern} should compile`);
  return c.test(name);
}

test('apply-to: 3.10 knows all/queues/exchanges; 4.x adds the queue types', () => {
  assert.equal(applyToFits('all', x('a'), 3), true);
  assert.equal(applyToFits('queues', x('a'), 3), false);
  assert.equal(applyToFits('exchanges', q('a'), 4), false);
  assert.equal(applyToFits('queues', q('a', 'stream'), 3), true);
  assert.equal(applyToFits('quorum_queues', q('a', 'quorum'), 3), false);
  assert.equal(applyToFits('quorum_queues', q('a', 'quorum'), 4), true);
  assert.equal(applyToFits('quorum_queues', q('a', 'classic'), 4), false);
  assert.equal(applyToFits('classic_queues', q('a'), 4), true);
  assert.equal(applyToFits('streams', q('a', 'stream'), 4), true);
  assert.equal(applyToFits('streams', x('a'), 4), false);
  assert.equal(applyToFits(undefined, x('a'), 4), true);
});

test('patterns are unanchored PCRE searches', () => {
  assert.equal(matches('ord', 'orders'), true);
  assert.equal(matches('^ord', 'my-orders'), false);
  assert.equal(matches('ers$', 'orders'), true);
  // PCRE's $ also matches before a final newline; . does not match \n but does match \r.
  assert.equal(matches('s$', 'orders\n'), true);
  assert.equal(matches('^a.b$', 'a\nb'), false);
  assert.equal(matches('^a.b$', 'a\rb'), true);
  assert.equal(matches('(?s)^a.b$', 'a\nb'), true);
  assert.equal(matches('(?i)^ORD', 'orders'), true);
  assert.equal(matches('\\Aorders\\z', 'orders'), true);
  assert.equal(matches('\\Aorders\\z', 'orders\n'), false);
  assert.equal(matches('\\Q.*\\E', 'a.*b'), true);
  assert.equal(matches('\\Q.*\\E', 'ab'), false);
  assert.equal(matches('[]a]', ']'), true);
  assert.equal(matches('^\\s$', '\u00a0'), false);
  // Names are matched as UTF-8 bytes: 'é' is two bytes, so two dots.
  assert.equal(matches('^.{2}$', 'é'), true);
  assert.equal(matches('^.$', 'é'), false);
  assert.equal(matches('^é$', 'é'), true);
});

test('PCRE constructs JS cannot reproduce are refused with a clear error', () => {
  for (const p of ['a++', 'a*+b', '(?>ab)', '[[:alpha:]]', '(?P<n>a)', 'a(?i)b', '\\x{41}', '(*UTF)a', '\\p{L}']) {
    const c = compilePattern(p);
    assert.equal(c.ok, false, p);
    if (!c.ok) assert.match(c.error, /not supported|Pattern/);
  }
  const bad = compilePattern('(ab');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /not a valid regular expression/);
});

test('property: an escaped literal matches exactly the names containing it', () => {
  const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  fc.assert(
    fc.property(fc.string({ maxLength: 6 }), fc.string({ maxLength: 12 }), (lit, name) => {
      if (lit.includes('\n')) return;
      assert.equal(matches(escape(lit) || '(?:)', name), name.includes(lit));
    }),
  );
});

test('the highest priority wins; ties are reported ambiguous; unsupported keys skip a queue', () => {
  const ps = [pol('low', '.*', 1), pol('high', '^ord', 5), pol('other', '^inv', 9)];
  assert.equal(selectPolicy(ps, q('orders'), 4).winner?.name, 'high');
  assert.equal(selectPolicy(ps, q('misc'), 4).winner?.name, 'low');
  const tie = selectPolicy([pol('a', '.*', 3), pol('b', 'x', 3)], q('x'), 4);
  assert.deepEqual(
    tie.tied.map((p) => p.name),
    ['a', 'b'],
  );
  assert.deepEqual(effectivePolicy([pol('a', '.*', 3), pol('b', 'x', 3)], [], q('x'), 4).ambiguous.policies, [
    'a',
    'b',
  ]);
  // delivery-limit is not a classic queue key: that policy skips classic queues entirely.
  const dl = [pol('dl', '.*', 10, { 'delivery-limit': 5 }), pol('ttl', '.*', 1, { 'message-ttl': 1000 })];
  assert.equal(selectPolicy(dl, q('a', 'classic'), 3).winner?.name, 'ttl');
  assert.equal(selectPolicy(dl, q('a', 'quorum'), 3).winner?.name, 'dl');
  // exchanges take any key
  assert.equal(selectPolicy(dl, x('a'), 4).winner?.name, 'dl');
  // message-ttl is not a stream key
  assert.equal(selectPolicy(dl, q('a', 'stream'), 4).winner, undefined);
});

test('property: the winner matches and no matching policy has a higher priority', () => {
  const arb = fc.array(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 4 }),
      pattern: fc.constantFrom('.*', '^a', 'b$', 'ab', '^(a|b)+$', 'z'),
      priority: fc.integer({ min: -3, max: 3 }),
      'apply-to': fc.constantFrom('all', 'queues', 'exchanges', 'quorum_queues'),
      definition: fc.constant({ 'max-length': 1 }),
    }),
    { maxLength: 8 },
  );
  fc.assert(
    fc.property(arb, fc.stringMatching(/^[abz]{0,4}$/), fc.boolean(), (ps, name, isQueue) => {
      const target = isQueue ? q(name, 'quorum') : x(name);
      const sel = selectPolicy(ps, target, 4);
      const matching: PolicyDef[] = ps.filter((p) => applyToFits(p['apply-to'], target, 4) && matches(p.pattern, name));
      if (matching.length === 0) return assert.equal(sel.winner, undefined);
      assert.ok(sel.winner && matching.includes(sel.winner));
      assert.equal(sel.winner.priority, Math.max(...matching.map((p) => p.priority ?? 0)));
      assert.equal(
        sel.winner,
        matching.find((p) => p.priority === sel.winner?.priority),
        'stable: the first listed',
      );
    }),
  );
});

test('operator policy merge: lower wins for limits, operator wins for the rest', () => {
  assert.deepEqual(
    mergeDefinitions(
      { 'max-length': 100, 'message-ttl': 5, 'dead-letter-exchange': 'dlx', overflow: 'drop-head' },
      { 'max-length': 10, 'message-ttl': 50, expires: 1000, overflow: 'reject-publish' },
      4,
    ),
    { 'dead-letter-exchange': 'dlx', expires: 1000, 'max-length': 10, 'message-ttl': 5, overflow: 'reject-publish' },
  );
  assert.deepEqual(mergeDefinitions({ 'delivery-limit': -1 }, { 'delivery-limit': 7 }, 4), { 'delivery-limit': 7 });
  assert.deepEqual(mergeDefinitions({ 'delivery-limit': -1 }, { 'delivery-limit': 7 }, 3), { 'delivery-limit': -1 });
  assert.deepEqual(mergeDefinitions(undefined, { expires: 1 }, 3), { expires: 1 });
});

test('property: merged limits are the minimum, keys are the union', () => {
  const limits = ['max-length', 'message-ttl', 'expires', 'max-length-bytes'] as const;
  const def = fc.dictionary(fc.constantFrom(...limits), fc.nat(1e9));
  fc.assert(
    fc.property(def, def, (a, b) => {
      const m = mergeDefinitions(a, b, 4);
      assert.deepEqual(Object.keys(m).sort(), [...new Set([...Object.keys(a), ...Object.keys(b)])].sort());
      for (const k of Object.keys(m)) {
        const vals = [a[k], b[k]].filter((v) => v !== undefined);
        assert.equal(m[k], Math.min(...vals));
      }
      assert.deepEqual(mergeDefinitions(a, b, 4), mergeDefinitions(b, a, 4));
    }),
  );
});

test('resulting settings: arguments vs policy per key, type and version', () => {
  const r = (t: PolicyTarget, args: Record<string, unknown>, def: Record<string, unknown>, major = 4) =>
    Object.fromEntries(resultingSettings(t, args, def, major).map((s) => [s.key, [s.value, s.from]]));
  assert.deepEqual(
    r(
      q('a'),
      { 'x-message-ttl': 100, 'x-dead-letter-exchange': 'argdlx', 'x-queue-type': 'classic' },
      { 'message-ttl': 50, 'dead-letter-exchange': 'poldlx', 'max-length': 3 },
    ),
    { 'dead-letter-exchange': ['argdlx', 'argument'], 'max-length': [3, 'policy'], 'message-ttl': [50, 'policy'] },
  );
  assert.deepEqual(r(q('a', 'quorum'), { 'x-expires': 100 }, { expires: 5000 }, 3), { expires: [5000, 'policy'] });
  assert.deepEqual(r(q('a', 'quorum'), { 'x-expires': 100 }, { expires: 5000 }, 4), { expires: [100, 'argument'] });
  assert.deepEqual(r(q('a', 'quorum'), { 'x-delivery-limit': -1 }, { 'delivery-limit': 4 }, 4), {
    'delivery-limit': [4, 'policy'],
  });
  assert.deepEqual(r(q('a', 'quorum'), { 'x-overflow': 'drop-head' }, { overflow: 'reject-publish' }, 4), {
    overflow: ['reject-publish', 'policy'],
  });
  assert.deepEqual(r(q('a', 'stream'), { 'x-max-age': '1D' }, { 'max-age': '2h' }), { 'max-age': ['2h', 'policy'] });
  assert.deepEqual(r(x('e'), { 'alternate-exchange': 'ae1' }, { 'alternate-exchange': 'ae2' }), {
    'alternate-exchange': ['ae2', 'policy'],
  });
  assert.deepEqual(r(x('e'), { 'x-alternate-exchange': 'ae1' }, { 'alternate-exchange': 'ae2' }), {
    'alternate-exchange': ['ae1', 'argument'],
  });
});

test('preview: matches per apply-to, and says when another policy wins', () => {
  const targets = [q('orders'), q('orders.dlq', 'quorum'), q('invoices'), x('orders.x')];
  const others = [pol('strong', 'dlq$', 10)];
  const p = previewPolicy(pol('mine', '^orders', 1), others, targets, 4);
  assert.deepEqual(
    p.rows.map((r) => [r.target.name, r.wins]),
    [
      ['orders', true],
      ['orders.dlq', false],
      ['orders.x', true],
    ],
  );
  assert.match(p.rows[1].reason ?? '', /'strong' \(priority 10\) wins/);
  assert.match(p.summary, /2 queues, 1 exchange/);
  const qOnly = previewPolicy(pol('mine', '^orders', 1, { 'max-length': 1 }, 'queues'), [], targets, 4);
  assert.equal(qOnly.rows.length, 2);
  const tie = previewPolicy(pol('mine', '^orders$', 10), others.concat(pol('eq', 'ord', 1)), targets, 4);
  assert.equal(tie.rows[0].wins, true);
  const bad = previewPolicy(pol('mine', 'a++', 1), [], targets, 4);
  assert.match(bad.summary, /possessive/);
  const skipped = previewPolicy(pol('mine', '^orders$', 1, { 'delivery-limit': 3 }), [], targets, 4);
  assert.match(skipped.rows[0].reason ?? '', /don't support delivery-limit/);
  // editing a policy: the stored one of the same name is replaced by the draft
  const edit = previewPolicy(pol('strong', '^orders$', 0), others, targets, 4);
  assert.equal(edit.rows[0].wins, true);
});

test('texts: description, tooltip lines, definition check', () => {
  assert.equal(policyDescription(pol('a', '^x', 3, {}, 'queues')), '^x · queues · 3');
  assert.deepEqual(policyLines('p', 'op', { 'max-length': 5, 'dead-letter-exchange': 'dlx' }), [
    'Policy: p (operator: op)',
    '  max-length: 5',
    '  dead-letter-exchange: dlx',
  ]);
  assert.deepEqual(policyLines(undefined, 'none', {}), []);
  assert.deepEqual(policyLines('', 'op', { expires: 1 }), ['Operator policy: op', '  expires: 1']);
  assert.equal(checkPolicyDefinition('{"max-length": 5}'), undefined);
  assert.match(checkPolicyDefinition('{"max-length": }') ?? '', /Not valid JSON.*line 1/);
  assert.match(checkPolicyDefinition('[1]') ?? '', /JSON object/);
  assert.match(checkPolicyDefinition('{}') ?? '', /at least one key/);
});

test('tooltip: keys set by both argument and policy, with both versions where they differ', () => {
  assert.deepEqual(
    argumentVsPolicyLines(
      q('a'),
      { 'x-message-ttl': 100, 'x-queue-type': 'classic' },
      { 'message-ttl': 50, 'max-length': 3 },
    ),
    ['Set by both argument and policy:', '  message-ttl: 50 — the lower of argument and policy'],
  );
  assert.deepEqual(argumentVsPolicyLines(q('a', 'quorum'), { 'x-expires': 100 }, { expires: 5000 }), [
    'Set by both argument and policy:',
    '  expires: 5000 on 3.x (policy), 100 on 4.x (argument)',
  ]);
  assert.deepEqual(argumentVsPolicyLines(q('a'), { 'x-dead-letter-exchange': 'a' }, { 'dead-letter-exchange': 'p' }), [
    'Set by both argument and policy:',
    '  dead-letter-exchange: a — the argument overrides the policy',
  ]);
  assert.deepEqual(argumentVsPolicyLines(q('a'), {}, { 'max-length': 1 }), []);
});

test('a refusal reads as the broker meant it', () => {
  assert.equal(
    refusalReason('Validation failed\n\n[{&lt;&lt;"no-such-key"&gt;&gt;,1}] are not recognised policy settings\n'),
    '[{<<"no-such-key">>,1}] are not recognised policy settings',
  );
  assert.equal(
    refusalReason('Validation failed\n\npattern should be regular expression but is invalid: {"missing )",1}'),
    'pattern should be regular expression but is invalid: {"missing )",1}',
  );
  assert.equal(refusalReason(undefined), 'no reason given');
});

test('the preview says when the other (operator) policies could not be read, and why', () => {
  const op = unreadablePoliciesNote(true, 403, 'HTTP API: Forbidden (403)');
  assert.match(op, /other operator policies could not be read/);
  assert.match(op, /403: operator policies need the administrator tag/);
  assert.match(op, /would win instead is not known/);
  assert.match(
    unreadablePoliciesNote(false, 401, 'x'),
    /other policies could not be read — this user may not read them \(401/,
  );
  // Any other failure: the broker's own words.
  assert.match(
    unreadablePoliciesNote(true, 500, 'HTTP API: Internal Server Error (500)'),
    /— HTTP API: Internal Server Error \(500\)\./,
  );
});
