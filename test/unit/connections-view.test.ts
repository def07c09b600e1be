import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ChannelInfo,
  ConnectionInfo,
  ConsumerInfo,
  ListOptions,
  ManagementClient,
} from '../../src/broker/management';
import { CONNECTION_COLUMNS, listQuery, reasonHeader } from '../../src/broker/management';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import { ErrorNode, InfoNode, LoadMoreNode, type ExplorerContext, type SessionStatus } from '../../src/explorer/nodes';
import {
  ChannelRow,
  ConnectionRow,
  ConnectionsRootNode,
  ConsumerRow,
  ProfileConnectionsNode,
  pageOfMatches,
} from '../../src/connectionsView/model';
import {
  alarmReason,
  capabilitiesSummary,
  channelDescription,
  closeConfirmation,
  connectionDescription,
  connectionLabel,
  connectionState,
  connectionTooltip,
  consumerDescription,
  isBurrowConnection,
} from '../../src/connectionsView/rows';

function conn(i: number, extra: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    name: `127.0.0.1:${50000 + i} -> 127.0.0.1:5672`,
    user: 'guest',
    vhost: '/',
    state: 'running',
    channels: 1,
    ssl: false,
    peer_host: '127.0.0.1',
    peer_port: 50000 + i,
    connected_at: Date.UTC(2026, 11, 4, 4, 0, 0),
    client_properties: {
      product: 'amqplib',
      version: '0.10.4',
      platform: 'Node.JS v20',
      connection_name: `app-${String(i).padStart(3, '0')}`,
      capabilities: { publisher_confirms: true, 'connection.blocked': true, authentication_failure_close: false },
    },
    ...extra,
  };
}

const channel: ChannelInfo = {
  name: '127.0.0.1:50000 -> 127.0.0.1:5672 (1)',
  number: 1,
  state: 'running',
  prefetch_count: 3,
  global_prefetch_count: 0,
  messages_unacknowledged: 2,
  messages_unconfirmed: 0,
  confirm: true,
  transactional: false,
  consumer_count: 1,
};

const consumer: ConsumerInfo = {
  consumer_tag: 'amq.ctag-abc',
  queue: { name: 'task_queue', vhost: '/' },
  channel_details: {},
  ack_required: true,
  prefetch_count: 3,
  exclusive: false,
  arguments: {},
};

test('connection rows: client-provided name, else peer host:port; user, vhost, library, state, channels, TLS', () => {
  const c = conn(1);
  assert.equal(connectionLabel(c), 'app-001');
  assert.equal(connectionDescription(c), 'guest · vhost / · amqplib 0.10.4 · running · 1 channel');
  const anonymous = conn(2, { client_properties: { product: 'pika' }, ssl: true, channels: 3, state: 'flow' });
  assert.equal(connectionLabel(anonymous), '127.0.0.1:50002');
  assert.equal(connectionDescription(anonymous), 'guest · vhost / · pika · flow · 3 channels · TLS');
  assert.equal(connectionLabel(conn(3, { peer_host: '::1', client_properties: {} })), '[::1]:50003');
  assert.equal(connectionLabel(conn(4, { user_provided_name: 'given' })), 'given');
});

test("Burrow's own connections are marked", () => {
  const own = conn(1, { client_properties: { connection_name: 'Burrow', product: 'amqplib' } });
  assert.ok(isBurrowConnection(own));
  assert.ok(!isBurrowConnection(conn(2)));
  assert.match(connectionDescription(own), / · Burrow$/);
  assert.match(connectionTooltip(own), /Burrow’s own connection/);
});

test('blocked and blocking show the reason when the nodes report an alarm', () => {
  const reason = alarmReason([
    { name: 'rabbit@a', mem_alarm: true, disk_free_alarm: false },
    { name: 'rabbit@b', mem_alarm: false, disk_free_alarm: true },
  ]);
  assert.equal(reason, 'memory alarm on rabbit@a, disk alarm on rabbit@b');
  assert.equal(alarmReason([{ name: 'rabbit@a', mem_alarm: false }]), undefined);
  assert.equal(connectionState(conn(1, { state: 'blocked' }), reason), `blocked: ${reason}`);
  assert.equal(connectionState(conn(1, { state: 'blocking' }), reason), `blocking: ${reason}`);
  assert.equal(connectionState(conn(1, { state: 'blocked' })), 'blocked');
  assert.equal(connectionState(conn(1, { state: 'running' }), reason), 'running');
});

test('the tooltip lists every client property, capabilities summarised, and connected_at', () => {
  const t = connectionTooltip(conn(1));
  assert.match(t, /^app-001\n/);
  assert.match(t, / {2}product: amqplib/);
  assert.match(t, / {2}platform: Node\.JS v20/);
  assert.match(t, / {2}capabilities: publisher_confirms, connection\.blocked, authentication_failure_close \(off\)/);
  assert.match(t, /Connected at: 2026-12-04T04:00:00\.000Z/);
  assert.match(t, /TLS: no/);
  assert.equal(capabilitiesSummary(undefined), '');
});

test('channel and consumer rows', () => {
  assert.equal(channelDescription(channel), 'prefetch 3 · 2 unacked · confirm · 1 consumer');
  assert.equal(
    channelDescription({
      ...channel,
      prefetch_count: 0,
      global_prefetch_count: 10,
      transactional: true,
      confirm: false,
      messages_unconfirmed: 4,
      consumer_count: 0,
      state: 'flow',
    }),
    'prefetch 10 global · 2 unacked · 4 unconfirmed · tx · 0 consumers · flow',
  );
  assert.equal(
    channelDescription({ ...channel, prefetch_count: 0, confirm: false }),
    'no prefetch · 2 unacked · 1 consumer',
  );
  assert.equal(consumerDescription(consumer), 'amq.ctag-abc · manual ack · prefetch 3');
  assert.equal(
    consumerDescription({ ...consumer, ack_required: false, prefetch_count: 0 }),
    'amq.ctag-abc · auto ack · no prefetch',
  );
});

test('the close confirmation names the connection, client and user, and what happens to the channels', () => {
  const text = closeConfirmation(conn(1, { channels: 2 }), 'maintenance');
  assert.equal(
    text,
    "Close connection 'app-001' (amqplib 0.10.4) of user 'guest' on vhost '/'? Its 2 channels close and their unacknowledged messages are returned to their queues. The client is told: \"maintenance\".",
  );
  const own = closeConfirmation(conn(1, { client_properties: { connection_name: 'Burrow' }, channels: 0 }), 'x');
  assert.match(own, /It has no open channels\./);
  assert.match(own, /one of Burrow’s own connections/);
});

test('the X-Reason header keeps printable ASCII only; empty is the default reason', () => {
  assert.equal(reasonHeader('maintenance window'), 'maintenance window');
  assert.equal(reasonHeader('  '), 'Closed from Burrow');
  assert.equal(reasonHeader('a\r\nb é'), 'a??b ?');
});

test('the filter goes to the server as a regex (page, page_size, name, use_regex, columns)', () => {
  const q = listQuery({ page: 1, pageSize: 50, name: 'app\\-0.*', useRegex: true }, ['name', 'user']);
  assert.deepEqual(q, { columns: 'name,user', page: 1, page_size: 50, name: 'app\\-0.*', use_regex: true });
});

test('client-side filter: pages over the matches, counts of matches and of all; a bad regex is a clear error', () => {
  const all = Array.from({ length: 25 }, (_, i) => conn(i));
  const p = pageOfMatches(all, 'app-0[01]', 2, 8);
  assert.deepEqual(
    p.items.map((c) => connectionLabel(c)),
    ['app-008', 'app-009', 'app-010', 'app-011', 'app-012', 'app-013', 'app-014', 'app-015'],
  );
  assert.deepEqual([p.filteredCount, p.totalCount, p.pageCount], [20, 25, 3]);
  assert.equal(pageOfMatches(all, 'GUEST', 1, 100).filteredCount, 25);
  assert.throws(() => pageOfMatches(all, '(', 1, 10), /Invalid filter \/\(\/:/);
});

/** A fake broker with `n` connections, one channel each with one consumer. */
function setup(n: number, opts: { status?: SessionStatus; blocked?: boolean } = {}) {
  const conns = Array.from({ length: n }, (_, i) => conn(i, opts.blocked && i === 0 ? { state: 'blocked' } : {}));
  const requests: ListOptions[] = [];
  const calls: string[] = [];
  let status: SessionStatus = opts.status ?? 'connected';
  const management = {
    listConnections: async (o: ListOptions = {}) => {
      requests.push({ ...o });
      const filtered = o.name ? conns.filter((c) => new RegExp(o.name!).test(c.name)) : conns;
      const size = o.pageSize ?? 100;
      const page = o.page ?? 1;
      return {
        items: filtered.slice((page - 1) * size, page * size),
        page,
        pageSize: size,
        pageCount: Math.ceil(filtered.length / size),
        filteredCount: filtered.length,
        totalCount: conns.length,
      };
    },
    request: async (method: string, path: string) => {
      calls.push(`${method} ${path}`);
      return [{ name: 'rabbit@h', mem_alarm: true, disk_free_alarm: false }];
    },
    connectionChannels: async (name: string) => {
      calls.push(`channels ${name}`);
      return [{ ...channel, name: `${name} (1)` }];
    },
    channel: async (name: string) => {
      calls.push(`channel ${name}`);
      return { ...channel, name, consumer_details: [consumer] };
    },
  } as unknown as ManagementClient;
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => {
      status = 'connected';
      return management;
    },
    status: () => status,
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => 10,
    showSystemExchanges: () => true,
  };
  return { ctx, requests, calls, conns, setStatus: (s: SessionStatus) => (status = s) };
}

test('model: profiles → connections (paged, Load more) → channels → consumers', async () => {
  const f = setup(15);
  const root = new ConnectionsRootNode(f.ctx);
  const [profile] = (await root.getChildren()) as ProfileConnectionsNode[];
  assert.ok(profile instanceof ProfileConnectionsNode);
  const kids = await profile.getChildren();
  assert.equal(kids.filter((k) => k instanceof ConnectionRow).length, 10);
  assert.ok(kids.at(-1) instanceof LoadMoreNode);
  assert.equal(kids.at(-1)!.view().description, '10 of 15 shown');
  await profile.loadMore();
  const all = await profile.getChildren();
  assert.equal(all.filter((k) => k instanceof ConnectionRow).length, 15);
  assert.deepEqual(
    f.requests.map((r) => r.page),
    [1, 2],
  );
  const row = all[0] as ConnectionRow;
  assert.equal(row.view().label, 'app-000');
  assert.equal(row.view().contextValue, 'clientConnection');
  const [ch] = (await row.getChildren()) as ChannelRow[];
  assert.ok(ch instanceof ChannelRow);
  assert.equal(ch.view().description, 'prefetch 3 · 2 unacked · confirm · 1 consumer');
  const [cons] = (await ch.getChildren()) as ConsumerRow[];
  assert.ok(cons instanceof ConsumerRow);
  assert.equal(cons.view().label, 'task_queue');
  assert.equal(cons.view().description, 'amq.ctag-abc · manual ack · prefetch 3');
});

test('model: the view filter matches broker and client-provided names (case-insensitive), paged', async () => {
  const f = setup(30);
  const root = new ConnectionsRootNode(f.ctx);
  const [profile] = (await root.getChildren()) as ProfileConnectionsNode[];
  await profile.getChildren();
  root.setFilter('5000*');
  const kids = await profile.getChildren();
  // The API filters on the broker's name only: with a filter the whole listing, paged here.
  assert.deepEqual(f.requests.at(-1), { columns: CONNECTION_COLUMNS });
  assert.equal(kids.filter((k) => k instanceof ConnectionRow).length, 10);
  assert.ok(!(kids.at(-1) instanceof LoadMoreNode)); // ports 50000-50009: one page
  root.setFilter('APP-02*');
  const byClientName = (await profile.getChildren()).filter((k) => k instanceof ConnectionRow);
  assert.deepEqual(
    byClientName.map((k) => k.view().label),
    Array.from({ length: 10 }, (_, i) => `app-02${i}`),
  );
  assert.match(profile.view().description!, /10 of 30 · filter: APP-02\*/);
  root.setFilter('5000*');
  await profile.getChildren();
  assert.equal(profile.view().contextValue, 'connectionsProfile.filtered');
  assert.match(profile.view().description!, /10 of 30 · filter: 5000\*/);
  root.setFilter('nothing-like-this');
  const none = await profile.getChildren();
  assert.ok(none[0] instanceof InfoNode);
  assert.equal(none[0].view().label, "No connections match 'nothing-like-this'");
  root.setFilter('');
  assert.equal(profile.view().contextValue, 'connectionsProfile');
});

test('model: a profile whose session is not open says so and is not polled (no session, no password prompt)', async () => {
  const f = setup(3, { status: 'idle' });
  const root = new ConnectionsRootNode(f.ctx);
  const [profile] = (await root.getChildren()) as ProfileConnectionsNode[];
  assert.match(profile.view().description!, /not connected · expand to connect/);
  await profile.getChildren(); // the user expanded it: the session opens
  assert.equal(f.requests.length, 1);
  assert.doesNotMatch(profile.view().description!, /not connected/);
  await profile.poll();
  assert.equal(f.requests.length, 2);
  const [row] = (await profile.getChildren()) as ConnectionRow[];
  await row.getChildren();
  f.setStatus('idle'); // disconnected: the live refresh must not open it again
  const before = [f.requests.length, f.calls.length];
  await profile.poll();
  await row.poll();
  assert.deepEqual([f.requests.length, f.calls.length], before);
});

test('model: a blocked connection shows the nodes’ alarm as its reason', async () => {
  const f = setup(2, { blocked: true });
  const root = new ConnectionsRootNode(f.ctx);
  const [profile] = (await root.getChildren()) as ProfileConnectionsNode[];
  const [row] = (await profile.getChildren()) as ConnectionRow[];
  assert.ok(f.calls.includes('GET /nodes'));
  assert.match(row.view().description!, /blocked: memory alarm on rabbit@h/);
  assert.equal(row.view().icon?.codicon, 'warning');
});

test('model: a failing call becomes an error row', async () => {
  const f = setup(1);
  f.ctx.management = async () => {
    throw new Error('ECONNREFUSED');
  };
  const [profile] = (await new ConnectionsRootNode(f.ctx).getChildren()) as ProfileConnectionsNode[];
  const kids = await profile.getChildren();
  assert.ok(kids[0] instanceof ErrorNode);
});

test('menus: Close Connection… on connection rows only; Filter and Refresh on the view title', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  type Item = { command: string; when: string };
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, Item[]>; views: Record<string, { id: string }[]> };
  };
  assert.ok(pkg.contributes.views.burrow.some((v) => v.id === 'burrow.connections'));
  const item = pkg.contributes.menus['view/item/context'].find((i) => i.command === 'burrow.connections.close')!;
  const re = new RegExp(/viewItem =~ \/(.*)\//.exec(item.when)![1]);
  assert.match(item.when, /view == burrow\.connections/);
  for (const v of ['clientConnection', 'clientConnection.burrow']) assert.ok(re.test(v), v);
  for (const v of ['clientChannel', 'clientConsumer', 'connectionsProfile', 'connection', 'connection.open'])
    assert.ok(!re.test(v), v);
  const title = pkg.contributes.menus['view/title'].filter((i) => i.when.includes('burrow.connections'));
  assert.deepEqual(title.map((i) => i.command).sort(), [
    'burrow.connections.clearFilter',
    'burrow.connections.filter',
    'burrow.connections.refresh',
  ]);
});
