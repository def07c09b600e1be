import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RoutingSimulator, alternateExchangeOf, type SimExchange, type SimTopology } from '../../src/core/routing';
import { markNumbersRead } from '../../src/core/headerEquality';
import { ex, qb, xb } from './fixtures/routingTopology';

describe('RoutingSimulator: uncertain answers (binding arguments from the management API)', () => {
  const lossy: SimTopology = {
    vhost: 'v',
    lossyArguments: true,
    exchanges: [
      ex('h', 'headers', { arguments: { 'alternate-exchange': 'ae' } }),
      ex('ae', 'fanout'),
      ex('f', 'fanout'),
      ex('h2', 'headers'),
    ],
    bindings: [
      // void or the string "undefined": the API shows both as "undefined"
      qb('h', 'q.void', '', { k1: 'undefined' }),
      xb('h', 'f', '', { k1: 'undefined', k2: 'to-f' }),
      qb('f', 'q.f'),
      qb('ae', 'q.ae'),
      qb('h', 'q.sure', '', { k3: 'x' }),
      qb('h2', 'q.dec', '', { d: 1.15 }),
      qb('h2', 'q.nested', '', { t: { a: 2, b: 1 } }),
      qb('h2', 'q.nested1', '', { t1: { a: 'x' } }),
      qb('h2', 'q.arr', '', { arr: ['a', 'undefined'] }),
      qb('h2', 'q.bytes', '', { by: 'Not UTF-8, base64 is: //5B' }),
      qb('h2', 'q.ints', '', markNumbersRead({ n: [1, 2] })), // numbers read from the raw text (management.ts)
      qb('h2', 'q.top-int', '', markNumbersRead({ i: 5 })),
    ],
    queues: [
      'q.void',
      'q.f',
      'q.ae',
      'q.sure',
      'q.dec',
      'q.nested',
      'q.nested1',
      'q.arr',
      'q.bytes',
      'q.ints',
      'q.top-int',
    ],
  };
  const s = new RoutingSimulator(lossy);
  const may = (r: ReturnType<RoutingSimulator['route']>) => r.mayReceive.map((m) => m.destination);

  test('"undefined" that may be void: a header with another value may match', () => {
    const r = s.route('h', '', { k1: 'x' });
    assert.deepEqual(r.queues, []);
    assert.deepEqual(may(r), ['q.ae', 'q.void']);
    assert.equal(r.unroutable, false);
    assert.equal(r.mayBeUnroutable, true);
    assert.match(
      r.mayReceive.find((m) => m.destination === 'q.void')!.reasons[0]!,
      /binding argument k1 shows as "undefined"/,
    );
    // the alternate exchange is used only if the maybe binding did not match
    const aeReasons = r.mayReceive.find((m) => m.destination === 'q.ae')!.reasons.join(' | ');
    assert.match(aeReasons, /the alternate exchange 'ae' of 'h' is used only if none of its bindings matches/);
    assert.match(aeReasons, /binding argument k1/);
    assert.ok(r.steps.some((st) => st.kind === 'alternate-exchange' && st.uncertain));
  });

  test('"undefined" that may be void: the string "undefined" matches either way, absence fails either way', () => {
    assert.deepEqual(s.route('h', '', { k1: 'undefined' }).queues, ['q.void']);
    const r = s.route('h', '', { k3: 'x' });
    assert.deepEqual(r.queues, ['q.sure']);
    assert.deepEqual(r.mayReceive, []);
    const none = s.route('h', '', {});
    assert.deepEqual(none.queues, ['q.ae']);
    assert.deepEqual(none.mayReceive, []);
  });

  test('a maybe binding to an exchange makes everything behind it a maybe, with the reason', () => {
    const r = s.route('h', '', { k1: 'x', k2: 'to-f', k3: 'x' });
    assert.deepEqual(r.queues, ['q.sure']);
    assert.deepEqual(may(r), ['q.f', 'q.void']);
    assert.match(r.mayReceive.find((m) => m.destination === 'q.f')!.reasons.join(' '), /k1/);
    assert.ok(r.steps.some((st) => st.exchange === 'f' && st.kind === 'exchange' && /^maybe reached/.test(st.text)));
  });

  test('decimals, nested tables, arrays with void, non-UTF-8 bytes and nested integers are maybes', () => {
    const maybeFor = (headers: Record<string, unknown>) => {
      const r = s.route('h2', '', headers);
      return { sure: r.queues, may: may(r), reasons: r.mayReceive.flatMap((m) => m.reasons).join(' | ') };
    };
    let m = maybeFor({ d: { '!': 'decimal', value: { places: 1, digits: 15 } } });
    assert.deepEqual(m.may, ['q.dec']);
    assert.match(m.reasons, /decimal and float binding arguments are not exact/);
    assert.deepEqual(maybeFor({ d: { '!': 'double', value: 1.15 } }).may, ['q.dec']);
    assert.deepEqual(maybeFor({ d: 2.5 }).may, []); // neither a decimal nor an equal number
    m = maybeFor({ t: { b: 1, a: 2 } });
    assert.deepEqual(m.may, ['q.nested']);
    assert.match(m.reasons, /sorts the keys of tables/);
    assert.deepEqual(maybeFor({ t: { a: 2 } }).may, []); // other keys: surely not
    // one key, a string: a string or a byte array, which differ inside tables
    m = maybeFor({ t1: { a: 'x' } });
    assert.deepEqual(m.may, ['q.nested1']);
    assert.match(m.reasons, /strings and byte arrays alike/);
    assert.deepEqual(maybeFor({ t1: { a: 'y' } }).may, []);
    assert.deepEqual(maybeFor({ arr: ['a', null] }).may, ['q.arr']);
    assert.deepEqual(maybeFor({ arr: ['a', 'undefined'] }).may, ['q.arr']);
    assert.deepEqual(maybeFor({ arr: ['a', 'b'] }).may, []);
    m = maybeFor({ by: new Uint8Array([0xff, 0xfe, 0x41]) });
    assert.deepEqual(m.may, ['q.bytes']);
    assert.deepEqual(maybeFor({ by: 'other' }).may, []);
    m = maybeFor({ n: [1, 2] });
    assert.deepEqual(m.may, ['q.ints']);
    assert.match(m.reasons, /integer widths/);
    assert.deepEqual(maybeFor({ n: [1, 3] }).may, []);
    assert.deepEqual(maybeFor({ i: { '!': 'int64', value: '5' } }).sure, ['q.top-int']); // top level: one class
  });

  test('the same topology read exactly (not from the management API) has no maybes', () => {
    const exact = new RoutingSimulator({ ...lossy, lossyArguments: false });
    assert.deepEqual(exact.route('h', '', { k1: 'x' }).mayReceive, []);
    assert.deepEqual(exact.route('h', '', { k1: 'x' }).queues, ['q.ae']);
  });

  test('explainBindings reports the maybe outcome and its reason', () => {
    const e = s.explainBindings('h', '', { k1: 'x' });
    const row = e.find((b) => b.binding.destination === 'q.void')!;
    assert.equal(row.outcome, 'maybe');
    assert.equal(row.matched, false);
    assert.match(row.uncertainReasons![0]!, /void value/);
    assert.match(row.reason, /^uncertain: /);
  });

  test('a queue reached surely by one path and maybe by another is sure', () => {
    const t = new RoutingSimulator({
      lossyArguments: true,
      exchanges: [ex('h', 'headers'), ex('f', 'fanout')],
      bindings: [qb('h', 'q', '', { k: 'undefined' }), xb('h', 'f', '', { j: 'y' }), qb('f', 'q')],
      queues: ['q'],
    });
    const r = t.route('h', '', { k: 'x', j: 'y' });
    assert.deepEqual(r.queues, ['q']);
    assert.deepEqual(r.mayReceive, []);
  });
});

describe('RoutingSimulator: BCC is removed before routing', () => {
  const s = new RoutingSimulator({
    exchanges: [ex('h', 'headers'), ex('d', 'direct')],
    bindings: [qb('h', 'q.bcc', '', { BCC: ['b'] }), qb('h', 'q.cc', '', { CC: ['c'] }), qb('d', 'q.b', 'b')],
    queues: ['q.bcc', 'q.cc', 'q.b'],
  });

  test('a headers binding on BCC never matches; one on CC does', () => {
    assert.deepEqual(s.route('h', '', { BCC: ['b'] }).queues, []);
    assert.equal(s.route('h', '', { BCC: ['b'] }).unroutable, true);
    assert.deepEqual(s.route('h', '', { CC: ['c'] }).queues, ['q.cc']);
    assert.equal(
      s.explainBindings('h', '', { BCC: ['b'] }).find((b) => b.binding.destination === 'q.bcc')!.matched,
      false,
    );
  });

  test('BCC still adds routing keys', () => {
    assert.deepEqual(s.route('d', 'zzz', { BCC: ['b'] }).queues, ['q.b']);
  });
});

describe('RoutingSimulator: alternate exchanges from policies', () => {
  const policies = [
    {
      name: 'low',
      pattern: '^orders\\.',
      'apply-to': 'exchanges',
      priority: 1,
      definition: { 'alternate-exchange': 'ae1' },
    },
    { name: 'high', pattern: 'special', 'apply-to': 'all', priority: 5, definition: { 'alternate-exchange': 'ae2' } },
    {
      name: 'queues-only',
      pattern: '.*',
      'apply-to': 'queues',
      priority: 9,
      definition: { 'alternate-exchange': 'aeq' },
    },
    {
      name: 'tie-a',
      pattern: '^tie$',
      'apply-to': 'exchanges',
      priority: 3,
      definition: { 'alternate-exchange': 'ae1' },
    },
    {
      name: 'tie-b',
      pattern: '^tie$',
      'apply-to': 'exchanges',
      priority: 3,
      definition: { 'alternate-exchange': 'ae2' },
    },
  ];
  const topo = (extra: Partial<SimExchange>[] = []): SimTopology => ({
    policies,
    exchanges: [
      ex('orders.eu', 'direct'),
      ex('orders.special', 'direct'),
      ex('other', 'direct'),
      ex('orders.arg', 'direct', { arguments: { 'alternate-exchange': 'ae-arg' } }),
      ex('tie', 'direct'),
      ex('ae1', 'fanout'),
      ex('ae2', 'fanout'),
      ex('ae-arg', 'fanout'),
      ex('aeq', 'fanout'),
      ...extra.map((x) => ex(x.name!, 'direct', x)),
    ],
    bindings: [qb('ae1', 'q1'), qb('ae2', 'q2'), qb('ae-arg', 'q.arg'), qb('aeq', 'q.q')],
    queues: ['q1', 'q2', 'q.arg', 'q.q'],
  });
  const s = new RoutingSimulator(topo());

  test('pattern, apply-to and priority decide; the argument wins over the policy', () => {
    assert.deepEqual(s.route('orders.eu', 'k').queues, ['q1']);
    assert.deepEqual(s.route('orders.special', 'k').queues, ['q2']); // both match, priority 5 wins
    assert.deepEqual(s.route('other', 'k').queues, []); // only the queues policy matches
    assert.deepEqual(s.route('orders.arg', 'k').queues, ['q.arg']);
    assert.ok(s.route('orders.eu', 'k').steps.some((st) => /set by policy/.test(st.text)));
  });

  test('a tie between policies that disagree is uncertain, unless the broker named its pick', () => {
    const r = s.route('tie', 'k');
    assert.deepEqual(r.queues, []);
    assert.deepEqual(
      r.mayReceive.map((m) => m.destination),
      ['q1'],
    );
    assert.match(r.mayReceive[0]!.reasons[0]!, /same priority 3/);
    const named = new RoutingSimulator(topo([{ name: 'tie2', policy: 'tie-b' }]));
    assert.deepEqual(named.route('tie2', 'k').queues, ['q2']);
    const none = new RoutingSimulator(topo([{ name: 'orders.none', policy: null }]));
    assert.deepEqual(none.route('orders.none', 'k').queues, []); // the broker says no policy applies
  });

  test('operator policies give an alternate exchange only when the policy has none (the broker refuses them anyway)', () => {
    const t = new RoutingSimulator({
      operatorPolicies: [
        { name: 'op', pattern: '.*', 'apply-to': 'all', priority: 0, definition: { 'alternate-exchange': 'ae2' } },
      ],
      policies: [],
      exchanges: [ex('x', 'direct'), ex('ae2', 'fanout')],
      bindings: [qb('ae2', 'q2')],
      queues: ['q2'],
    });
    assert.deepEqual(t.route('x', 'k').queues, ['q2']);
    assert.equal(alternateExchangeOf(ex('x', 'direct'), { policies }), undefined);
    assert.equal(alternateExchangeOf(ex('orders.eu', 'direct'), { policies }), 'ae1');
  });
});
