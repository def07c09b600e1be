import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient } from '../../src/broker/management';
import { readTopology } from '../../src/broker/routingTopology';
import { RoutingSimulator } from '../../src/core/routing';

/** A management client answering from a table of paths, recording what was asked. */
class FakeManagement extends ManagementClient {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, unknown>) {
    super({ baseUrl: 'http://127.0.0.1:1', username: 'u', password: 'p' });
  }
  override request<T>(method: string, path: string): Promise<T> {
    this.asked.push(`${method} ${path}`);
    if (!(path in this.answers)) return Promise.reject(new Error(`unexpected ${path}`));
    const a = this.answers[path];
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve(a as T);
  }
}

const page = (items: unknown[]) => ({
  items,
  page: 1,
  page_size: 500,
  page_count: 1,
  filtered_count: items.length,
  total_count: items.length,
  item_count: items.length,
});

describe('readTopology', () => {
  const V = '/';
  const base = {
    '/exchanges/%2F': page([
      { name: 'x', type: 'direct', arguments: {}, internal: false, policy: 'p' },
      { name: 'y', type: 'direct', arguments: {}, internal: false },
      { name: 'ae', type: 'fanout', arguments: {}, internal: false },
    ]),
    '/queues/%2F': page([{ name: 'q.ae' }]),
    '/bindings/%2F': [
      { source: 'ae', destination: 'q.ae', destination_type: 'queue', routing_key: '', arguments: {} },
      { source: 'x', destination: 'q.ae', destination_type: 'queue', routing_key: 'k', arguments: { a: 'undefined' } },
    ],
  };

  test('reads exchanges (with their policy), queues, bindings, policies and operator policies of the vhost', async () => {
    const m = new FakeManagement({
      ...base,
      '/policies/%2F': [
        { name: 'p', pattern: '^x$', 'apply-to': 'exchanges', priority: 0, definition: { 'alternate-exchange': 'ae' } },
      ],
      '/operator-policies/%2F': [],
    });
    const t = await readTopology(m, V);
    assert.ok(m.asked.includes('GET /policies/%2F'), m.asked.join());
    assert.ok(m.asked.includes('GET /operator-policies/%2F'), m.asked.join());
    assert.equal(t.lossyArguments, true);
    assert.deepEqual(
      t.exchanges.map((x) => [x.name, x.policy]),
      [
        ['x', 'p'],
        ['y', null],
        ['ae', null],
      ],
    );
    const sim = new RoutingSimulator(t);
    assert.deepEqual(sim.route('x', 'nothing').queues, ['q.ae']); // AE set by policy
    assert.deepEqual(sim.route('y', 'nothing').queues, []);
  });

  test('policies the user may not read: an exchange whose listing names a policy has an unknown alternate exchange', async () => {
    const denied = new Error('401 not authorised');
    const m = new FakeManagement({ ...base, '/policies/%2F': denied, '/operator-policies/%2F': denied });
    const t = await readTopology(m, V);
    assert.equal(t.policies, undefined);
    const r = new RoutingSimulator(t).route('x', 'nothing');
    assert.deepEqual(r.queues, []);
    assert.equal(r.incomplete, true);
    assert.equal(r.unroutable, false); // not a confident "unroutable"
    assert.ok(r.steps.some((s) => /whose definition is not among the policies read/.test(s.text)));
    assert.deepEqual(new RoutingSimulator(t).route('y', 'nothing').unroutable, true); // no policy: sure
  });

  test('a listing without policy fields while policies exist: the simulator works the policy out', async () => {
    const m = new FakeManagement({
      ...base,
      '/exchanges/%2F': page([
        { name: 'x', type: 'direct', arguments: {}, internal: false },
        { name: 'ae', type: 'fanout', arguments: {}, internal: false },
      ]),
      '/policies/%2F': [
        { name: 'p', pattern: '^x$', 'apply-to': 'exchanges', priority: 0, definition: { 'alternate-exchange': 'ae' } },
      ],
      '/operator-policies/%2F': [],
    });
    const t = await readTopology(m, V);
    assert.equal(t.exchanges[0]!.policy, undefined);
    assert.deepEqual(new RoutingSimulator(t).route('x', 'nothing').queues, ['q.ae']);
  });
});
