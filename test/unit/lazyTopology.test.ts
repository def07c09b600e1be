/**
 * LazyTopology (the live routing tester's reader): reads only what routing from the chosen
 * exchange can reach, caches it until reload(), and answers exactly as the simulator does on the
 * whole vhost (readTopology). Answered by a fake management API built from one vhost description.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient } from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';
import { LazyTopology, readTopology } from '../../src/broker/routingTopology';
import { RoutingSimulator } from '../../src/core/routing';

interface FakeExchange {
  name: string;
  type: string;
  arguments?: Record<string, unknown>;
  internal?: boolean;
  policy?: string;
}
interface FakeBinding {
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments?: Record<string, unknown>;
}
interface FakeVhost {
  exchanges: FakeExchange[];
  bindings: FakeBinding[];
  queues: string[];
  policies?: unknown[];
}

const V = '/';
const E = (s: string) => encodeURIComponent(s);
const page = (items: unknown[]) => ({
  items,
  page: 1,
  page_size: 500,
  page_count: 1,
  filtered_count: items.length,
  total_count: items.length,
  item_count: items.length,
});
const notFound = () => new BrokerError('Not Found', 'management', 404);

/** A management API over one vhost, recording every path asked; the vhost can be changed between calls. */
class FakeManagement extends ManagementClient {
  readonly asked: string[] = [];
  constructor(public vhost: FakeVhost) {
    super({ baseUrl: 'http://127.0.0.1:1', username: 'u', password: 'p' });
  }
  override request<T>(method: string, path: string): Promise<T> {
    this.asked.push(path);
    const v = this.vhost;
    const x = (n: string) => v.exchanges.find((e) => e.name === n);
    const bindings = v.bindings.map((b) => ({ vhost: V, arguments: {}, properties_key: '~', ...b }));
    const exchange = (e: FakeExchange) => ({
      vhost: V,
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
      ...e,
    });
    let m: RegExpMatchArray | null;
    let out: unknown;
    if (path === '/exchanges/%2F') out = page(v.exchanges.map(exchange));
    else if (path === '/queues/%2F') out = page(v.queues.map((name) => ({ name })));
    else if (path === '/bindings/%2F') out = bindings;
    else if (path === '/policies/%2F') out = v.policies ?? [];
    else if (path === '/operator-policies/%2F') out = [];
    else if (path === '/overview') out = { rabbitmq_version: '4.0.5' };
    else if ((m = /^\/exchanges\/%2F\/([^/]+)\/bindings\/source$/.exec(path))) {
      const name = decodeURIComponent(m[1]!);
      if (!x(name)) return Promise.reject(notFound());
      out = bindings.filter((b) => b.source === name);
    } else if ((m = /^\/exchanges\/%2F\/([^/]+)$/.exec(path))) {
      const e = x(decodeURIComponent(m[1]!));
      if (!e) return Promise.reject(notFound());
      out = exchange(e);
    } else if ((m = /^\/queues\/%2F\/([^/]+)$/.exec(path))) {
      const name = decodeURIComponent(m[1]!);
      if (!v.queues.includes(name)) return Promise.reject(notFound());
      out = { name, vhost: V };
    } else return Promise.reject(new Error(`unexpected ${method} ${path}`));
    return Promise.resolve(structuredClone(out) as T);
  }
  /** Paths asked since the last call. */
  take(): string[] {
    return this.asked.splice(0);
  }
}

const q = (source: string, destination: string, routing_key = '', args?: Record<string, unknown>): FakeBinding => ({
  source,
  destination,
  destination_type: 'queue',
  routing_key,
  ...(args ? { arguments: args } : {}),
});
const x2x = (source: string, destination: string, routing_key = ''): FakeBinding => ({
  source,
  destination,
  destination_type: 'exchange',
  routing_key,
});

/**
 * e2e chains, a cycle (c1 <-> c2), alternate exchanges by argument (d -> ae.arg, itself with an AE
 * chain to ae.2) and by policy (pol.* -> ae.pol; pol.tie: two policies of the same priority), an
 * exchange binding and an alternate exchange that point nowhere, a headers exchange with a void
 * argument (uncertain), an internal exchange, and unrelated exchanges with many bindings.
 */
function vhost(): FakeVhost {
  const many = Array.from({ length: 200 }, (_, i) => q('big', `qb${i % 20}`, `k${i}`));
  return {
    exchanges: [
      { name: 'd', type: 'direct', arguments: { 'alternate-exchange': 'ae.arg' } },
      { name: 'ae.arg', type: 'direct', arguments: { 'alternate-exchange': 'ae.2' } },
      { name: 'ae.2', type: 'fanout' },
      { name: 't', type: 'topic' },
      { name: 'c1', type: 'fanout' },
      { name: 'c2', type: 'topic' },
      { name: 'h', type: 'headers' },
      { name: 'pol.x', type: 'direct', policy: 'pol' },
      { name: 'pol.tie', type: 'direct', policy: 'tie1' },
      { name: 'ae.pol', type: 'fanout' },
      { name: 'ae.tie1', type: 'fanout' },
      { name: 'ae.tie2', type: 'fanout' },
      { name: 'dangling', type: 'direct', arguments: { 'alternate-exchange': 'no.such.ae' } },
      { name: 'internal', type: 'fanout', internal: true },
      { name: 'big', type: 'direct' },
      { name: 'other', type: 'fanout' },
    ],
    bindings: [
      q('d', 'q1', 'a'),
      x2x('d', 't', 'b'),
      x2x('d', 'gone', 'a'),
      q('ae.arg', 'q2', 'z'),
      q('ae.2', 'q3'),
      q('t', 'q4', '*.x'),
      x2x('t', 'c1', '#'),
      x2x('c1', 'c2'),
      x2x('c2', 'c1', '#'),
      q('c2', 'q5', 'b.#'),
      x2x('c2', 'h'),
      q('h', 'q6', '', { 'x-match': 'all', k: 'undefined' }),
      q('h', 'q7', '', { 'x-match': 'any', k: 'v' }),
      q('pol.x', 'q8', 'a'),
      q('ae.pol', 'q9'),
      q('ae.tie1', 'q10'),
      q('ae.tie2', 'q11'),
      q('internal', 'q12'),
      x2x('other', 'big'),
      ...many,
    ],
    queues: [
      'q1',
      'q2',
      'q3',
      'q4',
      'q5',
      'q6',
      'q7',
      'q8',
      'q9',
      'q10',
      'q11',
      'q12',
      ...Array.from({ length: 20 }, (_, i) => `qb${i}`),
    ],
    policies: [
      {
        vhost: V,
        name: 'pol',
        pattern: '^pol\\.',
        'apply-to': 'exchanges',
        priority: 1,
        definition: { 'alternate-exchange': 'ae.pol' },
      },
      {
        vhost: V,
        name: 'tie1',
        pattern: '^pol\\.tie$',
        'apply-to': 'exchanges',
        priority: 5,
        definition: { 'alternate-exchange': 'ae.tie1' },
      },
      {
        vhost: V,
        name: 'tie2',
        pattern: '^pol\\.tie$',
        'apply-to': 'exchanges',
        priority: 5,
        definition: { 'alternate-exchange': 'ae.tie2' },
      },
    ],
  };
}

const ENTRIES = [
  'd',
  't',
  'c1',
  'c2',
  'h',
  'pol.x',
  'pol.tie',
  'dangling',
  'internal',
  'big',
  'other',
  'nope',
  '',
  'ae.arg',
];
const KEYS = ['a', 'b', 'z', 'b.x', 'q1', 'q9', 'k3', 'none', '', 'amq.rabbitmq.reply-to.abc'];
const HEADERS: Record<string, unknown>[] = [{}, { k: 'v' }, { CC: ['a', 'q2'] }, { BCC: ['b.x'] }, { CC: 'bad' }];

describe('LazyTopology', () => {
  const unlisted = (): FakeVhost => {
    const v = vhost();
    v.exchanges = v.exchanges.map(({ policy: _p, ...x }) => x);
    return v;
  };
  for (const [what, make] of [
    ['policy named by the listing', vhost],
    ['API not naming the policy', unlisted],
  ] as const)
    test(`every answer equals the simulator on the whole vhost (readTopology), for every entry, key and header set (${what})`, async () => {
      const m = new FakeManagement(make());
      const whole = new RoutingSimulator(await readTopology(m, V));
      const lazy = new LazyTopology(m, V);
      let compared = 0;
      for (const x of ENTRIES)
        for (const k of KEYS)
          for (const h of HEADERS) {
            const got = await lazy.route(x, k, h);
            assert.deepEqual(
              got.result,
              whole.route(x, k, h),
              `${JSON.stringify(x)} ${JSON.stringify(k)} ${JSON.stringify(h)}`,
            );
            assert.deepEqual(got.bindings, whole.explainBindings(x, k, h));
            compared++;
          }
      assert.equal(compared, ENTRIES.length * KEYS.length * HEADERS.length);
    });

  test('reads only the exchanges routing can reach, never GET /bindings/{vhost} nor the queue listing', async () => {
    const m = new FakeManagement(vhost());
    const lazy = new LazyTopology(m, V);
    const r = await lazy.route('d', 'b');
    assert.deepEqual(r.result.queues, ['q5']);
    const asked = m.take();
    assert.ok(!asked.includes('/bindings/%2F'), asked.join());
    assert.ok(!asked.includes('/queues/%2F'), asked.join());
    const read = new Set(
      asked.flatMap((p) => {
        const mm = /^\/exchanges\/%2F\/([^/]+)$/.exec(p);
        return mm ? [decodeURIComponent(mm[1]!)] : [];
      }),
    );
    // d -> t, gone (missing), ae.arg -> ae.2; t -> c1 -> c2 (cycle back to c1) -> h.
    assert.deepEqual([...read].sort(), ['ae.2', 'ae.arg', 'c1', 'c2', 'd', 'gone', 'h', 't']);
    for (const x of read) assert.ok(asked.includes(`/exchanges/%2F/${E(x)}/bindings/source`) || x === 'gone');
    assert.equal(asked.filter((p) => p === '/policies/%2F').length, 1);
    assert.deepEqual(r.topology.exchanges.map((x) => x.name).sort(), ['ae.2', 'ae.arg', 'c1', 'c2', 'd', 'h', 't']);
    assert.equal(r.topology.bindings.length, 13);
    assert.ok(!r.topology.exchanges.some((x) => x.name === 'big'));
  });

  test('alternate exchanges by policy are followed (policy read once), and a tie the listing settles', async () => {
    const m = new FakeManagement(vhost());
    const lazy = new LazyTopology(m, V);
    assert.deepEqual((await lazy.route('pol.x', 'none')).result.queues, ['q9']);
    const tie = await lazy.route('pol.tie', 'none');
    // The listing names tie1: the broker's pick is known.
    assert.deepEqual(tie.result.queues, ['q10']);
    assert.equal(m.asked.filter((p) => p === '/policies/%2F').length, 1);
    assert.ok(m.asked.includes('/exchanges/%2F/ae.pol'));
    // The listing's pick is what the simulator uses: the other side of the tie is not read.
    assert.ok(m.asked.includes('/exchanges/%2F/ae.tie1'));
    assert.ok(!m.asked.includes('/exchanges/%2F/ae.tie2'));
  });

  test('a missing entry exchange is a 404 answer, a missing AE or destination is skipped as RabbitMQ does', async () => {
    const m = new FakeManagement(vhost());
    const lazy = new LazyTopology(m, V);
    assert.deepEqual((await lazy.route('nope', 'a')).result.errors, [
      "404 NOT_FOUND - no exchange 'nope' in vhost '/'",
    ]);
    const r = await lazy.route('dangling', 'a');
    assert.equal(r.result.unroutable, true);
    assert.ok(r.result.steps.some((s) => s.kind === 'alternate-exchange' && /does not exist/.test(s.text)));
    // An exchange deleted between its read and its bindings' read counts as missing.
    const m2 = new FakeManagement(vhost());
    const orig = m2.request.bind(m2);
    m2.request = <T>(method: string, path: string): Promise<T> =>
      path === '/exchanges/%2F/t/bindings/source' ? Promise.reject(notFound()) : orig<T>(method, path);
    const r2 = await new LazyTopology(m2, V).route('d', 'b');
    assert.deepEqual(r2.result.queues, []);
    assert.ok(r2.result.steps.some((s) => s.kind === 'missing-exchange'));
  });

  test('the default exchange looks up only the queues its keys name', async () => {
    const m = new FakeManagement(vhost());
    const lazy = new LazyTopology(m, V);
    const r = await lazy.route('', 'q1', { CC: ['q9', 'nope', 'amq.rabbitmq.reply-to.x'] });
    assert.deepEqual(r.result.queues, ['q1', 'q9']);
    assert.deepEqual(m.take().sort(), [
      '/operator-policies/%2F',
      '/overview',
      '/policies/%2F',
      '/queues/%2F/nope',
      '/queues/%2F/q1',
      '/queues/%2F/q9',
    ]);
    // the broker's version, read once with the policies: headers bindings compare by its rules
    assert.equal((await lazy.topologyFor('', 'q1')).brokerVersion, '4.0.5');
    m.take();
    await lazy.route('', 'q1');
    assert.deepEqual(m.take(), [], 'queue look-ups are cached');
  });

  test('caches across routes (another exchange reuses what is read) until reload(); then re-reads with a new time', async () => {
    let clock = 1_000;
    const m = new FakeManagement(vhost());
    const lazy = new LazyTopology(m, V, () => clock);
    const first = await lazy.route('d', 'a');
    assert.equal(first.readAt, 1_000);
    const n = m.take().length;
    assert.ok(n > 0);
    clock = 2_000;
    await lazy.route('d', 'b', { k: 'v' });
    assert.deepEqual(m.take(), [], 'same exchange: nothing read again');
    const t = await lazy.route('t', 'b.x');
    assert.deepEqual(m.take(), [], 't and everything it reaches was read for d');
    assert.equal(t.readAt, 1_000);
    // ae.pol is new: only it is read (and pol.x), the rest comes from the cache.
    await lazy.route('pol.x', 'none');
    assert.deepEqual(m.take().sort(), [
      '/exchanges/%2F/ae.pol',
      '/exchanges/%2F/ae.pol/bindings/source',
      '/exchanges/%2F/pol.x',
      '/exchanges/%2F/pol.x/bindings/source',
    ]);

    // The broker changes: the cache still answers the old way, reload() reads it anew.
    m.vhost = vhost();
    m.vhost.bindings.push(q('d', 'q12', 'a'));
    assert.deepEqual((await lazy.route('d', 'a')).result.queues, ['q1']);
    clock = 3_000;
    lazy.reload();
    assert.equal(lazy.cachedExchanges, 0);
    const after = await lazy.route('d', 'a');
    assert.deepEqual(after.result.queues, ['q1', 'q12']);
    assert.equal(after.readAt, 3_000);
    assert.ok(m.take().includes('/policies/%2F'), 'policies are re-read too');
  });

  test('a failed read (not 404) is not cached', async () => {
    const m = new FakeManagement(vhost());
    const orig = m.request.bind(m);
    let fail = true;
    m.request = <T>(method: string, path: string): Promise<T> =>
      fail && path === '/exchanges/%2F/t'
        ? Promise.reject(new BrokerError('boom', 'management', 500))
        : orig<T>(method, path);
    const lazy = new LazyTopology(m, V);
    await assert.rejects(lazy.route('d', 'b'), /boom/);
    fail = false;
    assert.deepEqual((await lazy.route('d', 'b')).result.queues, ['q5']);
  });

  test('exchangeList pages the listing for the picker', async () => {
    const m = new FakeManagement(vhost());
    const list = await new LazyTopology(m, V).exchangeList();
    assert.equal(list.length, vhost().exchanges.length);
    assert.deepEqual(list[0], { name: 'd', type: 'direct' });
  });
});
