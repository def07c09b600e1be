import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  RoutingSimulator,
  explainRoute,
  alternateExchangeOf,
  extraRoutingKeys,
  type SimBinding,
  type SimTopology,
} from '../../src/core/routing';
import { topicMatches } from '../../src/core/topic';

type Headers = Record<string, unknown>;

import { ex, qb, xb } from './fixtures/routingTopology';

const TOPOLOGY: SimTopology = {
  vhost: 'v',
  exchanges: [
    ex('', 'direct'),
    ex('amq.direct', 'direct'),
    ex('d', 'direct'),
    ex('f', 'fanout'),
    ex('empty-fanout', 'fanout'),
    ex('t', 'topic'),
    ex('h', 'headers'),
    // e2e chain: e1 -> e2 -> e3 -> q.e3, and e2 <-> e4 cycle
    ex('e1', 'direct'),
    ex('e2', 'fanout'),
    ex('e3', 'topic'),
    ex('e4', 'fanout'),
    // self loop
    ex('self', 'fanout'),
    // diamond: dm -> (dl, dr) -> dz -> q.dz
    ex('dm', 'fanout'),
    ex('dl', 'fanout'),
    ex('dr', 'fanout'),
    ex('dz', 'fanout'),
    // alternate exchanges
    ex('with-ae', 'direct', { arguments: { 'alternate-exchange': 'ae' } }),
    ex('ae', 'fanout'),
    ex('with-ae-e2e', 'direct', { arguments: { 'alternate-exchange': 'ae-e2e' } }),
    ex('ae-e2e', 'fanout'), // AE that only forwards to another exchange
    ex('ae-target', 'direct'),
    ex('with-ae-chain', 'direct', { arguments: { 'alternate-exchange': 'ae-chain-1' } }),
    ex('ae-chain-1', 'direct', { arguments: { 'alternate-exchange': 'ae-chain-2' } }),
    ex('ae-chain-2', 'fanout'),
    ex('with-missing-ae', 'direct', { arguments: { 'alternate-exchange': 'nope' } }),
    ex('ae-loop-a', 'direct', { arguments: { 'alternate-exchange': 'ae-loop-b' } }),
    ex('ae-loop-b', 'direct', { arguments: { 'alternate-exchange': 'ae-loop-a' } }),
    ex('fwd-to-ae-user', 'fanout'), // e2e into an exchange that will need its AE
    ex('routes-to-dead-end', 'direct', { arguments: { 'alternate-exchange': 'ae' } }),
    ex('dead-end', 'direct'),
    ex('policy-ae', 'direct', { policyDefinition: { 'alternate-exchange': 'ae' } }),
    ex('arg-beats-policy', 'direct', {
      arguments: { 'alternate-exchange': 'ae-chain-2' },
      policyDefinition: { 'alternate-exchange': 'ae' },
    }),
    ex('internal-x', 'fanout', { internal: true }),
    ex('to-internal', 'fanout'),
    ex('delayed', 'x-delayed-message', { arguments: { 'x-delayed-type': 'direct' } }),
    ex('to-delayed', 'fanout'),
    ex('dup', 'direct'),
    ex('to-missing', 'fanout'),
  ],
  queues: [
    'q1',
    'q.d.a',
    'q.d.b',
    'q.d.a2',
    'q.f1',
    'q.f2',
    'q.t.star.info',
    'q.t.kern.star',
    'q.t.hash.ne',
    'q.t.audit.hash',
    'q.t.hash',
    'q.t.a.star.c',
    'q.t.empty',
    'q.t.star',
    'q.t.lit',
    'q.h.all',
    'q.h.any',
    'q.h.allx',
    'q.h.anyx',
    'q.h.none',
    'q.h.present',
    'q.e1',
    'q.e3',
    'q.e4',
    'q.self',
    'q.dz',
    'q.ae',
    'q.ae-target',
    'q.ae-chain-2',
    'q.ae-loop',
    'q.internal',
    'q.dup',
    'amq.gen-xyz',
  ],
  bindings: [
    // implicit default bindings as listed by the management API: must be ignored
    qb('', 'q1', 'q1'),
    qb('d', 'q.d.a', 'a'),
    qb('d', 'q.d.a2', 'a'),
    qb('d', 'q.d.b', 'b'),
    qb('d', 'q.d.a', 'A'),
    qb('f', 'q.f1', 'ignored'),
    qb('f', 'q.f2'),
    qb('t', 'q.t.star.info', '*.info'),
    qb('t', 'q.t.kern.star', 'kern.*'),
    qb('t', 'q.t.hash.ne', '#.ne'),
    qb('t', 'q.t.audit.hash', 'audit.#'),
    qb('t', 'q.t.hash', '#'),
    qb('t', 'q.t.a.star.c', 'a.*.c'),
    qb('t', 'q.t.empty', ''),
    qb('t', 'q.t.star', '*'),
    qb('t', 'q.t.lit', 'a*.b'),
    qb('h', 'q.h.all', '', { 'x-match': 'all', format: 'pdf', type: 'report' }),
    qb('h', 'q.h.any', '', { 'x-match': 'any', format: 'pdf', type: 'report' }),
    qb('h', 'q.h.allx', '', { 'x-match': 'all-with-x', 'x-tenant': 'acme', format: 'pdf' }),
    qb('h', 'q.h.anyx', '', { 'x-match': 'any-with-x', 'x-tenant': 'acme', format: 'zip' }),
    qb('h', 'q.h.none', 'routing keys do not matter', {}),
    qb('h', 'q.h.present', '', { 'x-match': 'all', flag: null }),
    qb('e1', 'q.e1', 'go'),
    xb('e1', 'e2', 'go'),
    xb('e2', 'e3', ''),
    xb('e2', 'e4', ''),
    xb('e4', 'e2', ''),
    xb('e4', 'e1', ''),
    qb('e4', 'q.e4'),
    qb('e3', 'q.e3', 'go.#'),
    qb('e3', 'q.e3', '#'), // same queue twice through one exchange
    xb('self', 'self'),
    qb('self', 'q.self'),
    xb('dm', 'dl'),
    xb('dm', 'dr'),
    xb('dl', 'dz'),
    xb('dr', 'dz'),
    qb('dz', 'q.dz'),
    qb('with-ae', 'q1', 'known'),
    qb('ae', 'q.ae'),
    qb('with-ae-e2e', 'q1', 'known'),
    xb('ae-e2e', 'ae-target'),
    qb('ae-target', 'q.ae-target', 'k'),
    qb('ae-chain-2', 'q.ae-chain-2'),
    qb('ae-loop-b', 'q.ae-loop', 'b-only'),
    xb('fwd-to-ae-user', 'with-ae'),
    xb('routes-to-dead-end', 'dead-end', 'x'),
    qb('internal-x', 'q.internal'),
    xb('to-internal', 'internal-x'),
    xb('to-delayed', 'delayed'),
    qb('to-delayed', 'q1'),
    qb('dup', 'q.dup', 'k'),
    qb('dup', 'q.dup', 'k'),
    qb('dup', 'q.dup', 'k', { x: 1 }),
    xb('to-missing', 'ghost'),
    qb('to-missing', 'ghost-queue'),
    qb('to-missing', 'q1'),
  ],
};

// [description, exchange, routing key, headers, expected queues]
const CASES: Array<[string, string, string, Headers, string[]]> = [
  // default exchange
  ['default: queue named by key', '', 'q1', {}, ['q1']],
  ['default: no such queue', '', 'nope', {}, []],
  ['default: empty key', '', '', {}, []],
  ['default: server-named queue', '', 'amq.gen-xyz', {}, ['amq.gen-xyz']],
  ['default: CC adds queues', '', 'q1', { CC: ['q.f1', 'nope', 'q1'] }, ['q.f1', 'q1']],
  ['default: BCC adds queues', '', 'nope', { BCC: ['q.f2'] }, ['q.f2']],
  ['default: non-string CC entries ignored', '', 'nope', { CC: [1, true, 'q.f2'] }, ['q.f2']],
  // direct
  ['direct: exact key', 'd', 'a', {}, ['q.d.a', 'q.d.a2']],
  ['direct: other key', 'd', 'b', {}, ['q.d.b']],
  ['direct: case-sensitive', 'd', 'A', {}, ['q.d.a']],
  ['direct: no binding', 'd', 'c', {}, []],
  ['direct: prefix is not equal', 'd', 'a.b', {}, []],
  ['direct: CC key also routes', 'd', 'c', { CC: ['b'] }, ['q.d.b']],
  ['direct: CC and key', 'd', 'a', { CC: ['b'], BCC: ['A'] }, ['q.d.a', 'q.d.a2', 'q.d.b']],
  ['amq.direct without bindings', 'amq.direct', 'q1', {}, []],
  // fanout
  ['fanout: all bindings', 'f', 'whatever', {}, ['q.f1', 'q.f2']],
  ['fanout: empty key', 'f', '', {}, ['q.f1', 'q.f2']],
  ['fanout: no bindings', 'empty-fanout', 'x', {}, []],
  // topic
  ['topic: kern.info', 't', 'kern.info', {}, ['q.t.hash', 'q.t.kern.star', 'q.t.star.info']],
  ['topic: empty key', 't', '', {}, ['q.t.empty', 'q.t.hash']],
  ['topic: single word', 't', 'x', {}, ['q.t.hash', 'q.t.star']],
  ['topic: "." is two empty words', 't', '.', {}, ['q.t.hash']],
  ['topic: "a..b"', 't', 'a..b', {}, ['q.t.hash']],
  ['topic: "a..c" matches a.*.c with empty middle word', 't', 'a..c', {}, ['q.t.a.star.c', 'q.t.hash']],
  ['topic: a.b.ne', 't', 'a.b.ne', {}, ['q.t.hash', 'q.t.hash.ne']],
  ['topic: ne alone matches #.ne', 't', 'ne', {}, ['q.t.hash', 'q.t.hash.ne', 'q.t.star']],
  ['topic: audit', 't', 'audit', {}, ['q.t.audit.hash', 'q.t.hash', 'q.t.star']],
  ['topic: audit.x.y.z', 't', 'audit.x.y.z', {}, ['q.t.audit.hash', 'q.t.hash']],
  ['topic: .info (empty first word)', 't', '.info', {}, ['q.t.hash', 'q.t.star.info']],
  ['topic: kern.', 't', 'kern.', {}, ['q.t.hash', 'q.t.kern.star']],
  ['topic: a*.b is literal', 't', 'a*.b', {}, ['q.t.hash', 'q.t.lit']],
  ['topic: ab.b does not match a*.b', 't', 'ab.b', {}, ['q.t.hash']],
  ['topic: CC keys route too', 't', 'x.y.z', { CC: ['kern.info'] }, ['q.t.hash', 'q.t.kern.star', 'q.t.star.info']],
  // headers
  [
    'headers: all matches (and all-with-x? no tenant)',
    'h',
    '',
    { format: 'pdf', type: 'report' },
    ['q.h.all', 'q.h.any', 'q.h.none'],
  ],
  ['headers: any with one', 'h', '', { format: 'pdf' }, ['q.h.any', 'q.h.none']],
  [
    'headers: all-with-x needs x- header',
    'h',
    '',
    { format: 'pdf', 'x-tenant': 'acme' },
    ['q.h.allx', 'q.h.any', 'q.h.anyx', 'q.h.none'],
  ],
  ['headers: any-with-x via x- header only', 'h', '', { 'x-tenant': 'acme' }, ['q.h.anyx', 'q.h.none']],
  ['headers: any-with-x via plain header', 'h', '', { format: 'zip' }, ['q.h.anyx', 'q.h.none']],
  ['headers: no headers', 'h', 'rk', {}, ['q.h.none']],
  ['headers: null argument = presence', 'h', '', { flag: 'anything' }, ['q.h.none', 'q.h.present']],
  ['headers: numeric type mismatch', 'h', '', { format: 1 }, ['q.h.none']],
  // e2e
  ['e2e: chain with cycle, each queue once', 'e1', 'go', {}, ['q.e1', 'q.e3', 'q.e4']],
  ['e2e: first hop does not match', 'e1', 'stop', {}, []],
  ['e2e: entering in the cycle', 'e2', 'go', {}, ['q.e1', 'q.e3', 'q.e4']],
  ['e2e: entering in the cycle, e1 does not match', 'e2', 'anything', {}, ['q.e3', 'q.e4']],
  ['e2e: cycle back into the entry with a different key still only once', 'e4', 'x', {}, ['q.e3', 'q.e4']],
  ['e2e: self loop', 'self', '', {}, ['q.self']],
  ['e2e: diamond', 'dm', '', {}, ['q.dz']],
  ['e2e: missing destinations skipped', 'to-missing', '', {}, ['q1']],
  ['e2e: internal exchange reachable by binding', 'to-internal', '', {}, ['q.internal']],
  ['duplicates collapse', 'dup', 'k', {}, ['q.dup']],
  // alternate exchanges
  ['AE: not used when routed', 'with-ae', 'known', {}, ['q1']],
  ['AE: used when nothing routed', 'with-ae', 'unknown', {}, ['q.ae']],
  ['AE: itself e2e-bound', 'with-ae-e2e', 'k', {}, ['q.ae-target']],
  ['AE: e2e-bound, target does not match', 'with-ae-e2e', 'z', {}, []],
  ['AE: chain followed', 'with-ae-chain', 'x', {}, ['q.ae-chain-2']],
  ['AE: missing AE', 'with-missing-ae', 'x', {}, []],
  ['AE: AE loop terminates', 'ae-loop-a', 'x', {}, []],
  ['AE: AE loop, second routes', 'ae-loop-a', 'b-only', {}, ['q.ae-loop']],
  ['AE: applies to an exchange reached by e2e binding', 'fwd-to-ae-user', 'unknown', {}, ['q.ae']],
  ['AE: e2e-reached exchange that routes keeps its result', 'fwd-to-ae-user', 'known', {}, ['q1']],
  ['AE: exchange routing only to an exchange does not use its AE', 'routes-to-dead-end', 'x', {}, []],
  ['AE: ... but does when its own bindings match nothing', 'routes-to-dead-end', 'y', {}, ['q.ae']],
  ['AE: from policy', 'policy-ae', 'x', {}, ['q.ae']],
  ['AE: argument beats policy', 'arg-beats-policy', 'x', {}, ['q.ae-chain-2']],
];

describe('RoutingSimulator', () => {
  const sim = new RoutingSimulator(TOPOLOGY);

  for (const [name, exchange, key, headers, expected] of CASES) {
    test(name, () => {
      const r = sim.route(exchange, key, headers);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.queues, expected);
      assert.equal(r.unroutable, expected.length === 0);
      assert.equal(new Set(r.queues).size, r.queues.length);
      assert.deepEqual(r.queues, [...r.queues].sort());
    });
  }

  test('unknown exchange: 404 error, nothing routed', () => {
    const r = sim.route('nope', 'x');
    assert.deepEqual(r.queues, []);
    assert.equal(r.unroutable, false);
    assert.match(r.errors[0]!, /404 NOT_FOUND - no exchange 'nope' in vhost 'v'/);
  });

  test('internal exchange: 403 error', () => {
    const r = sim.route('internal-x', 'x');
    assert.deepEqual(r.queues, []);
    assert.match(r.errors[0]!, /403 ACCESS_REFUSED - cannot publish to internal exchange 'internal-x'/);
  });

  test('CC header that is not an array: 406', () => {
    const r = sim.route('d', 'a', { CC: 'b' });
    assert.deepEqual(r.queues, []);
    assert.match(r.errors[0]!, /406 PRECONDITION_FAILED/);
  });

  test('unknown exchange type: cannot simulate, incomplete', () => {
    const r = sim.route('delayed', 'x');
    assert.deepEqual(r.queues, []);
    assert.equal(r.incomplete, true);
    assert.equal(r.unroutable, false);
    const step = r.steps.find((s) => s.kind === 'unsupported-type');
    assert.ok(step);
    assert.match(step.text, /cannot simulate exchange type 'x-delayed-message'/);
    const r2 = sim.route('to-delayed', 'x');
    assert.deepEqual(r2.queues, ['q1']);
    assert.equal(r2.incomplete, true);
  });

  test('default exchange always exists, even when missing from the snapshot', () => {
    const s = new RoutingSimulator({ exchanges: [], bindings: [], queues: ['a'] });
    assert.deepEqual(s.route('', 'a').queues, ['a']);
    assert.equal(s.hasExchange(''), true);
  });

  test('default exchange: direct reply-to is a maybe, and a mandatory publish is returned all the same', () => {
    const r = sim.route('', 'amq.rabbitmq.reply-to.g1h2AA==');
    assert.deepEqual(r.queues, []);
    // Measured on 3.10.8 and 4.0.5: delivered to a live reply consumer AND returned 312 NO_ROUTE.
    assert.equal(r.unroutable, true);
    assert.equal(r.mayBeUnroutable, false);
    assert.deepEqual(
      r.mayReceive.map((m) => [m.destination, m.kind]),
      [['amq.rabbitmq.reply-to.g1h2AA==', 'direct-reply-to']],
    );
    assert.match(r.mayReceive[0]!.reasons[0]!, /312 NO_ROUTE/);
    assert.ok(r.steps.some((s) => s.kind === 'direct-reply-to'));
  });

  test('default exchange: a reply-to CC next to a real queue is not returned', () => {
    const r = sim.route('', 'q.d.a', { CC: ['amq.rabbitmq.reply-to.abc'] });
    assert.deepEqual(r.queues, ['q.d.a']);
    assert.equal(r.unroutable, false);
    assert.equal(r.mayReceive.length, 1);
    const e = sim.explainBindings('', 'nothing', { CC: ['amq.rabbitmq.reply-to.abc'] });
    assert.deepEqual(
      e.map((b) => b.outcome),
      ['no', 'maybe'],
    );
  });

  test('AE to the default exchange routes nothing', () => {
    const s = new RoutingSimulator({
      exchanges: [ex('x', 'direct', { arguments: { 'alternate-exchange': '' } })],
      bindings: [],
      queues: ['k'],
    });
    const r = s.route('x', 'k');
    assert.deepEqual(r.queues, []);
    assert.ok(r.steps.some((st) => st.kind === 'alternate-exchange' && /default exchange/.test(st.text)));
  });

  test('binding to a queue missing from the snapshot is dropped and reported', () => {
    const r = sim.route('to-missing', '');
    assert.ok(r.steps.some((s) => s.kind === 'missing-queue' && s.queue === 'ghost-queue'));
    assert.ok(r.steps.some((s) => s.kind === 'missing-exchange' && s.exchange === 'ghost'));
  });

  test('steps: cycle reported, each exchange evaluated once', () => {
    const r = sim.route('e1', 'go');
    const evaluated = r.steps.filter((s) => s.kind === 'exchange').map((s) => s.exchange);
    assert.deepEqual([...evaluated].sort(), ['e1', 'e2', 'e3', 'e4']);
    assert.ok(r.steps.some((s) => s.kind === 'already-visited'));
    const e3 = r.steps.find((s) => s.kind === 'exchange' && s.exchange === 'e3')!;
    assert.equal(e3.depth, 2);
    assert.deepEqual(e3.from, { exchange: 'e2', via: 'binding', routingKey: '' });
    assert.equal(e3.matched!.length, 2);
  });

  test('steps: AE use is explained', () => {
    const r = sim.route('with-ae-e2e', 'k');
    const ae = r.steps.find((s) => s.kind === 'alternate-exchange')!;
    assert.equal(ae.alternate, 'ae-e2e');
    const visit = r.steps.find((s) => s.kind === 'exchange' && s.exchange === 'ae-e2e')!;
    assert.deepEqual(visit.from, { exchange: 'with-ae-e2e', via: 'alternate-exchange' });
  });

  test('routing key over 255 bytes gives a warning', () => {
    const r = sim.route('t', 'x'.repeat(300));
    assert.equal(r.warnings.length, 1);
    assert.deepEqual(r.queues, ['q.t.hash', 'q.t.star']);
  });

  test('explainRoute: topic bindings with reasons', () => {
    const { result, bindings } = explainRoute(sim, 't', 'kern.info');
    assert.deepEqual(result.queues, ['q.t.hash', 'q.t.kern.star', 'q.t.star.info']);
    assert.equal(bindings.length, 9);
    const byQueue = new Map(bindings.map((b) => [b.binding.destination, b]));
    assert.equal(byQueue.get('q.t.kern.star')!.matched, true);
    assert.equal(byQueue.get('q.t.audit.hash')!.matched, false);
    assert.match(byQueue.get('q.t.audit.hash')!.reason, /does not match/);
    assert.ok(byQueue.get('q.t.audit.hash')!.topic);
    // consistent with the route
    assert.deepEqual(
      [...new Set(bindings.filter((b) => b.matched).map((b) => b.binding.destination))].sort(),
      result.queues,
    );
  });

  test('explainBindings: headers, direct, fanout, default', () => {
    const h = sim.explainBindings('h', '', { format: 'pdf' });
    const any = h.find((b) => b.binding.destination === 'q.h.any')!;
    assert.equal(any.matched, true);
    assert.equal(any.headers!.mode, 'any');
    const all = h.find((b) => b.binding.destination === 'q.h.all')!;
    assert.equal(all.matched, false);
    assert.match(all.reason, /failed: type/);

    const d = sim.explainBindings('d', 'a');
    assert.deepEqual(
      d.map((b) => b.matched),
      [true, true, false, false],
    );
    assert.match(d[2]!.reason, /exact equality/);

    assert.ok(sim.explainBindings('f', 'z').every((b) => b.matched));

    const def = sim.explainBindings('', 'q1', { CC: ['zz'] });
    assert.deepEqual(
      def.map((b) => [b.binding.destination, b.matched]),
      [
        ['q1', true],
        ['zz', false],
      ],
    );
    assert.deepEqual(sim.explainBindings('nope', 'x'), []);
  });

  test('explainBindings agrees with route for every topic case', () => {
    for (const [, exchange, key, headers, expected] of CASES) {
      if (exchange !== 't' && exchange !== 'd' && exchange !== 'h' && exchange !== 'f') continue;
      const got = [
        ...new Set(
          sim
            .explainBindings(exchange, key, headers)
            .filter((b) => b.matched)
            .map((b) => b.binding.destination),
        ),
      ].sort();
      assert.deepEqual(got, expected, `${exchange} ${JSON.stringify(key)}`);
    }
  });

  test('helpers', () => {
    assert.equal(alternateExchangeOf(ex('x', 'direct')), undefined);
    assert.equal(alternateExchangeOf(ex('x', 'direct', { arguments: { 'alternate-exchange': 'a' } })), 'a');
    assert.deepEqual(extraRoutingKeys({}), { keys: [] });
    assert.deepEqual(extraRoutingKeys({ CC: ['a'], BCC: ['b', 2] }), { keys: ['a', 'b'] });
    assert.ok('error' in extraRoutingKeys({ BCC: 'x' }));
  });
});

describe('RoutingSimulator with 100,000 topic bindings', () => {
  const N = 100_000;
  const shapes = (i: number): string => {
    const s = `s${i % 5000}`;
    switch (i % 8) {
      case 0:
        return `${s}.*.event`;
      case 1:
        return `${s}.#`;
      case 2:
        return `*.${s}.x`;
      case 3:
        return `#.${s}`;
      case 4:
        return `${s}.created.${i % 7}`;
      case 5:
        return `audit.${s}.#`;
      case 6:
        return `${s}.*.*`;
      default:
        return `#.${s}.#`;
    }
  };
  const bindings: SimBinding[] = [];
  const queues: string[] = [];
  for (let i = 0; i < N; i++) {
    const queue = `q${i % 20000}`; // several bindings per queue
    bindings.push(qb('big', queue, shapes(i)));
    if (i < 20000) queues.push(queue);
  }
  const sim = new RoutingSimulator({ exchanges: [ex('big', 'topic')], bindings, queues });

  const keys = ['s42.created.3', 's7.x.event', 'audit.s9.a.b', 'z.s1.x', 'a.b.s4999', 'nothing', '', 's0', 'audit.s0'];
  for (const key of keys) {
    test(`routes ${JSON.stringify(key)} like a pattern-by-pattern check`, () => {
      const expected = [
        ...new Set(bindings.filter((b) => topicMatches(b.routing_key, key)).map((b) => b.destination)),
      ].sort();
      const r = sim.route('big', key);
      assert.deepEqual(r.queues, expected);
      assert.equal(r.unroutable, expected.length === 0);
    });
  }

  test('a key matched by several bindings of several queues', () => {
    // 's1.#' is bound for i = 1, 5001, ..., 95001 (20 bindings) -> queues q1, q5001, q10001, q15001
    const r = sim.route('big', 's1.a.b');
    assert.deepEqual(r.queues, ['q1', 'q10001', 'q15001', 'q5001']);
    assert.equal(r.steps[0]!.matched!.length, 20);
  });
});
