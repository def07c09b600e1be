import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionNode,
  ErrorNode,
  ExchangesGroupNode,
  LoadMoreNode,
  QueueNode,
  QueuesGroupNode,
  RootNode,
  UsersNode,
  VhostNode,
  vhostOf,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import type { ListOptions, ManagementClient, Page, QueueInfo } from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';
import { DEFAULT_PROFILE } from '../../src/core/profile';

function page<T>(all: T[], opts: ListOptions | undefined): Page<T> {
  const size = opts?.pageSize ?? all.length;
  const n = opts?.page ?? 1;
  return {
    items: all.slice((n - 1) * size, n * size),
    page: n,
    pageSize: size,
    pageCount: Math.max(1, Math.ceil(all.length / size)),
    filteredCount: all.length,
    totalCount: all.length,
  };
}

function fakeContext(overrides: Partial<ManagementClient> = {}, pageSize = 10) {
  const queues: QueueInfo[] = Array.from({ length: 25 }, (_, i) => ({
    name: `q${String(i).padStart(2, '0')}`,
    vhost: '/',
    type: 'classic',
    durable: true,
    auto_delete: false,
    exclusive: false,
    arguments: {},
    messages_ready: i,
    messages_unacknowledged: 0,
    consumers: 0,
  }));
  const calls: { queues: ListOptions[] } = { queues: [] };
  const errors: unknown[] = [];
  let oks = 0;
  const management = {
    listVhosts: async () => [{ name: '/' }, { name: 'b' }],
    listQueues: async (_v: string, opts?: ListOptions) => {
      calls.queues.push({ ...opts });
      const filtered = opts?.name ? queues.filter((q) => new RegExp(opts.name!).test(q.name)) : queues;
      return { ...page(filtered, opts), totalCount: queues.length };
    },
    listExchanges: async (_v: string, opts?: ListOptions) =>
      page(
        [
          { name: '', type: 'direct' },
          { name: 'amq.topic', type: 'topic' },
          { name: 'logs', type: 'fanout' },
        ].map((x) => ({ ...x, vhost: '/', durable: true, auto_delete: false, internal: false, arguments: {} })),
        opts,
      ),
    queueBindings: async () => [
      {
        source: '',
        vhost: '/',
        destination: 'q00',
        destination_type: 'queue',
        routing_key: 'q00',
        arguments: {},
        properties_key: 'q00',
      },
    ],
    queueConsumers: async () => [],
    ...overrides,
  } as unknown as ManagementClient;
  let showSystem = true;
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => management,
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => void oks++,
    reportError: (_id, err) => void errors.push(err),
    pageSize: () => pageSize,
    showSystemExchanges: () => showSystem,
  };
  return { ctx, calls, errors, oks: () => oks, setShowSystem: (v: boolean) => (showSystem = v) };
}

async function walk(root: RootNode): Promise<{ conn: ConnectionNode; vhost: VhostNode }> {
  const [conn] = (await root.getChildren()) as ConnectionNode[];
  const children = await conn.getChildren();
  const vhost = children.find((c) => c instanceof VhostNode && c.vhost === '/') as VhostNode;
  return { conn, vhost };
}

test('connection → vhosts (sorted) + Nodes + Users; vhost → Exchanges, Queues, Policies, Permissions', async () => {
  const { ctx } = fakeContext();
  const root = new RootNode(ctx);
  const [conn] = await root.getChildren();
  assert.ok(conn instanceof ConnectionNode);
  assert.equal(conn.view().label, 'localhost');
  assert.match(conn.view().description ?? '', /guest@localhost:5672/);
  const kids = await conn.getChildren();
  assert.deepEqual(
    kids.map((k) => k.view().label),
    ['/', 'b', 'Nodes', 'Users'],
  );
  assert.ok(kids[3] instanceof UsersNode);
  const groups = await kids[0].getChildren();
  assert.deepEqual(
    groups.map((g) => g.view().label),
    ['Exchanges', 'Queues', 'Policies', 'Permissions'],
  );
});

test('nodes keep their identity across refreshes so VS Code keeps expansion and group state', async () => {
  const { ctx } = fakeContext();
  const root = new RootNode(ctx);
  const a = await walk(root);
  const b = await walk(root);
  assert.equal(a.conn, b.conn);
  assert.equal(a.vhost, b.vhost);
  assert.equal(a.vhost.queues, b.vhost.queues);
  assert.equal(vhostOf(a.vhost.queues), a.vhost);
});

test('queues load page by page with a Load more node, and refresh keeps the loaded pages', async () => {
  const { ctx, calls } = fakeContext();
  const { vhost } = await walk(new RootNode(ctx));
  const group = vhost.queues;
  let kids = await group.getChildren();
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 10);
  const more = kids.at(-1) as LoadMoreNode;
  assert.ok(more instanceof LoadMoreNode);
  assert.equal(more.view().description, '10 of 25 shown');
  assert.deepEqual(calls.queues[0], { page: 1, pageSize: 10 });
  await group.loadMore();
  kids = await group.getChildren(); // what a refresh does
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 20);
  await group.loadMore();
  kids = await group.getChildren();
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 25);
  assert.ok(!(kids.at(-1) instanceof LoadMoreNode));
  assert.equal(group.view().description, '25');
  // only pages were ever requested, never the whole list
  assert.ok(calls.queues.every((c) => c.page !== undefined && c.pageSize === 10));
});

test('queue rows show counts', async () => {
  const { ctx } = fakeContext();
  const { vhost } = await walk(new RootNode(ctx));
  const kids = await vhost.queues.getChildren();
  const q = kids[3] as QueueNode;
  assert.equal(q.view().label, 'q03');
  assert.equal(q.view().description, '3 · 0 · 0c');
  assert.equal(q.view().contextValue, 'queue.classic');
  const bindings = await q.getChildren();
  assert.equal(bindings[0].view().label, '← (AMQP default)');
  assert.equal(bindings[0].view().description, 'q00');
});

test('a filter is sent to the server as a regex and resets paging', async () => {
  const { ctx, calls } = fakeContext();
  const { vhost } = await walk(new RootNode(ctx));
  const group = vhost.queues;
  await group.getChildren();
  await group.loadMore();
  group.setFilter('q1*');
  const kids = await group.getChildren();
  assert.deepEqual(calls.queues.at(-1), { page: 1, pageSize: 10, name: 'q1.*', useRegex: true });
  assert.deepEqual(
    kids.map((k) => k.view().label),
    ['q10', 'q11', 'q12', 'q13', 'q14', 'q15', 'q16', 'q17', 'q18', 'q19'],
  );
  assert.equal(group.view().contextValue, 'queues.filtered');
  assert.match(group.view().description ?? '', /10 of 25 · filter: q1\*/);
  group.setFilter('nomatch');
  const none = await group.getChildren();
  assert.equal(none.length, 1);
  assert.match(none[0].view().label, /No queues match 'nomatch'/);
});

test('system exchanges can be hidden', async () => {
  const f = fakeContext();
  const { vhost } = await walk(new RootNode(f.ctx));
  const all = await vhost.exchanges.getChildren();
  assert.deepEqual(
    all.map((k) => k.view().label),
    ['(AMQP default)', 'amq.topic', 'logs'],
  );
  assert.equal(all[0].view().collapsible, 'none');
  f.setShowSystem(false);
  const mine = await vhost.exchanges.getChildren();
  assert.deepEqual(
    mine.map((k) => k.view().label),
    ['logs'],
  );
  assert.ok(vhost.exchanges instanceof ExchangesGroupNode);
});

test('a broker failure becomes an error node with the reason, and is reported', async () => {
  const f = fakeContext({
    listQueues: async () => {
      throw new BrokerError('Management API login failed (401 Unauthorized): Not_Authorized', 'auth', 401);
    },
  });
  const { vhost } = await walk(new RootNode(f.ctx));
  const kids: ExplorerNode[] = await vhost.queues.getChildren();
  assert.equal(kids.length, 1);
  assert.ok(kids[0] instanceof ErrorNode);
  assert.match(kids[0].view().label, /Authentication: Management API login failed \(401 Unauthorized\)/);
  assert.equal(f.errors.length, 1);
  assert.ok(vhost.queues instanceof QueuesGroupNode);
});

test('an unreachable broker shows an error under the connection', async () => {
  const f = fakeContext({
    listVhosts: async () => {
      throw new BrokerError('Cannot reach localhost:15672', 'network', 'ECONNREFUSED');
    },
  });
  const [conn] = await new RootNode(f.ctx).getChildren();
  const kids = await conn.getChildren();
  assert.equal(kids.length, 1);
  assert.equal(kids[0].view().label, 'Network: Cannot reach localhost:15672 (ECONNREFUSED)');
  assert.equal(kids[0].view().contextValue, 'error');
});

test('exchange tooltips show the policy, the operator policy and the definition merged as the broker does', async () => {
  const paths: string[] = [];
  const lists: Record<string, unknown> = {
    '/policies/%2F': [
      {
        name: 'ae',
        pattern: '^logs',
        'apply-to': 'exchanges',
        priority: 1,
        definition: { 'alternate-exchange': 'un' },
      },
      { name: 'q', pattern: '.*', 'apply-to': 'queues', priority: 9, definition: { 'message-ttl': 1 } },
    ],
    '/operator-policies/%2F': [
      { name: 'cap', pattern: '.*', 'apply-to': 'all', priority: 0, definition: { 'max-length': 5, expires: 100 } },
      { name: 'qonly', pattern: '.*', 'apply-to': 'queues', priority: 9, definition: { 'max-length': 1 } },
    ],
    '/overview': { rabbitmq_version: '4.0.5' },
  };
  const request = async (_method: string, path: string) => {
    paths.push(path);
    if (path in lists) return lists[path];
    throw new BrokerError('not found', 'management', 404);
  };
  const listExchanges = async (_v: string, opts?: ListOptions) =>
    page(
      [
        { name: 'amq.topic', type: 'topic' },
        // The listing names the policy the broker applied, never the operator policy.
        { name: 'logs', type: 'fanout', policy: 'ae' },
      ].map((x) => ({ ...x, vhost: '/', durable: true, auto_delete: false, internal: false, arguments: {} })),
      opts,
    );
  const { ctx } = fakeContext({ request, listExchanges } as unknown as Partial<ManagementClient>);
  const { vhost } = await walk(new RootNode(ctx));
  const rows = await vhost.exchanges.getChildren();
  const logs = rows.find((r) => r.view().label === 'logs')!;
  const tip = logs.view().tooltip as string;
  assert.match(tip, /^Policy: ae \(operator: cap\)$/m);
  assert.match(tip, /^ {2}alternate-exchange: un$/m);
  assert.match(tip, /^ {2}max-length: 5$/m);
  assert.match(tip, /^ {2}expires: 100$/m);
  assert.doesNotMatch(tip, /message-ttl/, 'a queues-only policy does not apply to exchanges');
  const amq = rows.find((r) => r.view().label === 'amq.topic')!;
  assert.match(amq.view().tooltip as string, /^Operator policy: cap$/m);
  assert.ok(paths.includes('/operator-policies/%2F'));

  // Operator policies not readable (a non-administrator): the tooltip says so where a policy applies.
  delete lists['/operator-policies/%2F'];
  await vhost.exchanges.poll();
  const tip2 = (await vhost.exchanges.getChildren()).find((r) => r.view().label === 'logs')!.view().tooltip as string;
  assert.match(tip2, /^Policy: ae$/m);
  assert.doesNotMatch(tip2, /max-length/);
  assert.match(tip2, /operator policies could not be read/);
});
