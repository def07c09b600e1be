import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelsByName, connectionsByName, CHANNEL_FETCH_LIMIT } from '../../src/broker/consumerStats';
import { BrokerError } from '../../src/broker/errors';
import type { ConsumerInfo, ManagementClient, QueueInfo } from '../../src/broker/management';
import { ConsumerNode, QueueNode, type ExplorerContext, type ExplorerNode } from '../../src/explorer/nodes';
import { DEFAULT_PROFILE } from '../../src/core/profile';

const conn = (i: number) => `127.0.0.1:${5000 + i} -> 127.0.0.1:5672`;
const chan = (i: number) => `${conn(i)} (1)`;

function consumerOf(i: number): ConsumerInfo {
  return {
    consumer_tag: `ctag-${i}`,
    queue: { name: 'work', vhost: '/' },
    channel_details: {
      name: chan(i),
      connection_name: conn(i),
      number: 1,
      peer_host: '127.0.0.1',
      peer_port: 5000 + i,
    },
    ack_required: true,
    prefetch_count: 1,
    exclusive: false,
    active: true,
    arguments: {},
  };
}

/** A management client that answers the channel and connection endpoints and records the paths. */
function fakeManagement(n: number, opts: { failChannels?: boolean } = {}) {
  const paths: string[] = [];
  const channel = (i: number) => ({
    name: chan(i),
    number: 1,
    prefetch_count: 1,
    global_prefetch_count: 0,
    messages_unacknowledged: 1,
    consumer_count: 1,
    connection_details: { name: conn(i) },
    message_stats: { deliver_get: i + 1, deliver_get_details: { rate: i } },
  });
  const connection = (i: number) => ({
    name: conn(i),
    client_properties: { connection_name: `worker-${i}`, product: 'amqplib', version: '0.10.3' },
  });
  const idx = (p: string) => Number(/127\.0\.0\.1%3A(\d+)/.exec(p)?.[1]) - 5000;
  const mc = {
    request: async (_m: string, path: string) => {
      paths.push(path);
      if (path.startsWith('/vhosts/%2F/channels')) {
        if (opts.failChannels) throw new BrokerError('boom', 'management', 500);
        return Array.from({ length: n }, (_, i) => channel(i));
      }
      if (path.startsWith('/vhosts/%2F/connections')) return Array.from({ length: n }, (_, i) => connection(i));
      if (path.startsWith('/channels/')) {
        if (opts.failChannels) throw new BrokerError('boom', 'management', 500);
        const i = idx(path);
        if (i >= n) throw new BrokerError('Not found', 'management', 404);
        return channel(i);
      }
      if (path.startsWith('/connections/')) return connection(idx(path));
      throw new Error(`unexpected ${path}`);
    },
    queueBindings: async () => [],
    queueConsumers: async () => Array.from({ length: n }, (_, i) => consumerOf(n - 1 - i)),
  } as unknown as ManagementClient;
  return { mc, paths };
}

test(`up to ${CHANNEL_FETCH_LIMIT} channels: one GET each; more: one vhost listing shared within the tick`, async () => {
  const few = fakeManagement(2);
  const got = await channelsByName(few.mc, '/', [chan(0), chan(1), chan(1)], 1000);
  assert.equal(got.get(chan(1))?.messages_unacknowledged, 1);
  assert.deepEqual(few.paths.sort(), [
    `/channels/${encodeURIComponent(chan(0))}`,
    `/channels/${encodeURIComponent(chan(1))}`,
  ]);
  // Same tick: cached.
  await channelsByName(few.mc, '/', [chan(0)], 1500);
  assert.equal(few.paths.length, 2);
  // A closed channel (404) is just absent.
  assert.equal((await channelsByName(few.mc, '/', [chan(7)], 1500)).size, 0);

  const many = fakeManagement(20);
  const names = Array.from({ length: 20 }, (_, i) => chan(i));
  const a = await channelsByName(many.mc, '/', names, 1000);
  const b = await channelsByName(many.mc, '/', names.slice(0, 2), 1200); // another queue, same tick
  assert.equal(a.size, 20);
  assert.equal(b.size, 2);
  assert.deepEqual(many.paths, ['/vhosts/%2F/channels']);
  await channelsByName(many.mc, '/', names, 5000); // next tick: asks again
  assert.equal(many.paths.length, 2);
});

test('connections: client properties cached by name; many uncached take one listing', async () => {
  const few = fakeManagement(2);
  await connectionsByName(few.mc, '/', [conn(0), conn(1)]);
  const again = await connectionsByName(few.mc, '/', [conn(0), conn(1)]);
  assert.equal(few.paths.length, 2);
  assert.equal(again.get(conn(1))?.client_properties?.connection_name, 'worker-1');
  const many = fakeManagement(10);
  const got = await connectionsByName(
    many.mc,
    '/',
    Array.from({ length: 10 }, (_, i) => conn(i)),
  );
  assert.equal(got.size, 10);
  assert.deepEqual(many.paths, ['/vhosts/%2F/connections']);
});

function queueNode(mc: ManagementClient): QueueNode {
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => mc,
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => 50,
    showSystemExchanges: () => true,
  };
  const root = { id: 'root', parent: undefined, view: () => ({ label: '', contextValue: '', collapsible: 'none' }) };
  const q = { name: 'work', vhost: '/', type: 'classic', arguments: {} } as unknown as QueueInfo;
  return new QueueNode(root as unknown as ExplorerNode, ctx, DEFAULT_PROFILE.id, '/', q);
}

test('queue → consumer rows: sorted, named by connection, unacked/prefetch, rate and share; bounded requests', async () => {
  const { mc, paths } = fakeManagement(5);
  const rows = (await queueNode(mc).getChildren()) as ConsumerNode[];
  assert.ok(rows.every((r) => r instanceof ConsumerNode));
  assert.deepEqual(
    rows.map((r) => r.view().label),
    [0, 1, 2, 3, 4].map((i) => `worker-${i} (ch 1)`),
  );
  // deliver_get 1..5 of 15.
  assert.equal(rows[4].view().description, 'amqplib · unacked 1/1 · 4.0/s · ██░░░░ 33%');
  assert.match(rows[0].view().tooltip ?? '', /Client: amqplib 0\.10\.3/);
  assert.equal(rows[0].name, 'ctag-0');
  // 5 consumers: one channels listing and one connections listing, not one request per consumer.
  assert.deepEqual(paths.sort(), ['/vhosts/%2F/channels', '/vhosts/%2F/connections']);
});

test('channel stats unavailable: the rows still show what consumer_details says', async () => {
  const { mc } = fakeManagement(2, { failChannels: true });
  const rows = (await queueNode(mc).getChildren()) as ConsumerNode[];
  assert.equal(rows.length, 2);
  assert.equal(rows[0].view().description, 'amqplib · prefetch 1');
  assert.equal(rows[0].view().label, 'worker-0 (ch 1)');
});
