// Burrow's own tap queues (Tail in tap mode): how they are named and marked (core/topology.ts), and
// how the explorer shows them (a TapQueueNode with no queue actions) while other clients'
// server-named queues (amq.gen-…) stay ordinary queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TAP_KIND_ARGUMENT,
  TAP_OF_ARGUMENT,
  TAP_QUEUE_PREFIX,
  newTapQueue,
  permissionsSummary,
  tapQueueInfo,
  tapQueueLabel,
  tapQueueName,
} from '../../src/core/topology';
import {
  QueueNode,
  RootNode,
  TapQueueNode,
  VhostNode,
  type ConnectionNode,
  type ExplorerContext,
  type QueuesGroupNode,
} from '../../src/explorer/nodes';
import type { ListOptions, ManagementClient, QueueInfo } from '../../src/broker/management';
import { DEFAULT_PROFILE } from '../../src/core/profile';

const bytes = (s: string) => new TextEncoder().encode(s).length;

test('a tap queue is named burrow.tap.<tapped>.<random>, never amq.* (reserved), and marked by its arguments', () => {
  const a = newTapQueue({ queue: 'orders' });
  const b = newTapQueue({ queue: 'orders' });
  assert.match(a.name, /^burrow\.tap\.orders\.[0-9a-f]{12}$/);
  assert.notEqual(a.name, b.name, 'every tap gets a new name');
  assert.ok(!a.name.startsWith('amq.'));
  assert.deepEqual(a.arguments, { [TAP_OF_ARGUMENT]: 'orders', [TAP_KIND_ARGUMENT]: 'queue' });
  const x = newTapQueue({ exchange: 'logs' });
  assert.match(x.name, /^burrow\.tap\.logs\.[0-9a-f]{12}$/);
  assert.deepEqual(x.arguments, { [TAP_OF_ARGUMENT]: 'logs', [TAP_KIND_ARGUMENT]: 'exchange' });
});

test("a tap queue's name stays within RabbitMQ's 255 bytes, cut at a whole character", () => {
  const long = 'é'.repeat(200) + '🏠'.repeat(20); // 400 + 80 bytes
  const name = tapQueueName(long, 'abcdef012345');
  assert.ok(bytes(name) <= 255, `${bytes(name)} bytes`);
  assert.ok(name.startsWith(TAP_QUEUE_PREFIX) && name.endsWith('.abcdef012345'));
  assert.ok(!name.includes('\uFFFD'));
  assert.equal(tapQueueName('q', 'u'), 'burrow.tap.q.u');
  assert.ok(bytes(newTapQueue({ queue: 'x'.repeat(255) }).name) <= 255);
});

test('tapQueueInfo: only a queue with both the prefix and the marker is a tap; amq.gen-… stays an ordinary queue', () => {
  const tap = newTapQueue({ queue: 'orders' });
  assert.deepEqual(tapQueueInfo({ name: tap.name, arguments: { 'x-max-length': 100_000, ...tap.arguments } }), {
    kind: 'queue',
    target: 'orders',
  });
  const x = newTapQueue({ exchange: 'logs' });
  assert.deepEqual(tapQueueInfo({ name: x.name, arguments: x.arguments }), { kind: 'exchange', target: 'logs' });
  assert.equal(tapQueueInfo({ name: 'amq.gen-JzTY20BRgKO-HjmUJj0wLg', arguments: {} }), undefined);
  assert.equal(
    tapQueueInfo({ name: 'amq.gen-JzTY20BRgKO-HjmUJj0wLg', arguments: tap.arguments }),
    undefined,
    'the marker alone is not enough',
  );
  assert.equal(tapQueueInfo({ name: 'burrow.tap.mine', arguments: {} }), undefined, 'the prefix alone is not enough');
  assert.equal(tapQueueInfo({ name: 'burrow.tap.mine' }), undefined);
  assert.equal(tapQueueLabel({ kind: 'queue', target: 'orders' }), 'Burrow tap (temporary) for orders');
  assert.equal(tapQueueLabel({ kind: 'exchange', target: 'logs' }), 'Burrow tap (temporary) for exchange logs');
});

function queue(name: string, extra: Partial<QueueInfo> = {}): QueueInfo {
  return {
    name,
    vhost: '/',
    type: 'classic',
    durable: false,
    auto_delete: false,
    exclusive: false,
    arguments: {},
    messages_ready: 0,
    messages_unacknowledged: 0,
    consumers: 0,
    ...extra,
  };
}

async function queueRows(
  queues: QueueInfo[],
): Promise<{ group: QueuesGroupNode; rows: Awaited<ReturnType<QueuesGroupNode['getChildren']>> }> {
  const management = {
    listVhosts: async () => [{ name: '/' }],
    listQueues: async (_v: string, opts?: ListOptions) => ({
      items: queues,
      page: opts?.page ?? 1,
      pageSize: 100,
      pageCount: 1,
      filteredCount: queues.length,
      totalCount: queues.length,
    }),
    queueBindings: async (_v: string, name: string) => [
      {
        source: 'orders-x',
        vhost: '/',
        destination: name,
        destination_type: 'queue',
        routing_key: 'orders.*',
        arguments: {},
        properties_key: 'orders.*',
      },
    ],
    queueConsumers: async () => [],
  } as unknown as ManagementClient;
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => management,
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => 100,
    showSystemExchanges: () => true,
  };
  const [conn] = (await new RootNode(ctx).getChildren()) as ConnectionNode[];
  const vhost = (await conn.getChildren()).find((c) => c instanceof VhostNode) as VhostNode;
  return { group: vhost.queues, rows: await vhost.queues.getChildren() };
}

test("the tree shows Burrow's tap as 'Burrow tap (temporary) for <queue>' with its own icon and no queue actions", async () => {
  const tap = newTapQueue({ queue: 'orders' });
  const { rows } = await queueRows([
    queue('amq.gen-JzTY20BRgKO-HjmUJj0wLg', { exclusive: true, auto_delete: true, consumers: 1 }),
    queue(tap.name, {
      exclusive: true,
      auto_delete: true,
      consumers: 1,
      arguments: { 'x-max-length': 100_000, ...tap.arguments },
    }),
    queue('orders', { durable: true, messages_ready: 3 }),
  ]);
  const [other, mine, orders] = rows;
  // Another client's server-named queue: an ordinary queue row, with every queue action.
  assert.ok(other instanceof QueueNode);
  assert.equal(other.view().label, 'amq.gen-JzTY20BRgKO-HjmUJj0wLg');
  assert.equal(other.view().contextValue, 'queue.classic');
  // Burrow's tap: recognisable, its own icon, a contextValue that no queue menu matches (menus.test.ts).
  assert.ok(mine instanceof TapQueueNode);
  assert.ok(!(mine instanceof QueueNode), 'commands that take a QueueNode (purge, delete, peek…) refuse it');
  const v = mine.view();
  assert.equal(v.label, 'Burrow tap (temporary) for orders');
  assert.equal(v.contextValue, 'tapQueue');
  assert.equal(v.icon?.codicon, 'eye');
  assert.notEqual(v.icon?.codicon, other.view().icon?.codicon);
  assert.equal(v.description, '0 · 0 · 1c');
  assert.match(
    v.tooltip ?? '',
    new RegExp(`Queue ${tap.name.replace(/\./g, '\\.')}: a temporary queue of Burrow's Tail`),
  );
  assert.match(v.tooltip ?? '', /stop the tail/);
  assert.equal(mine.name, tap.name, 'Copy Name copies the real queue name');
  // Expanding it shows the bindings it copies.
  const kids = await mine.getChildren();
  assert.equal(kids[0].view().label, '← orders-x');
  assert.ok(orders instanceof QueueNode);
});

test('an exchange tap is labelled with the exchange', async () => {
  const tap = newTapQueue({ exchange: 'logs' });
  const { rows } = await queueRows([queue(tap.name, { exclusive: true, arguments: tap.arguments })]);
  assert.equal(rows[0].view().label, 'Burrow tap (temporary) for exchange logs');
});

test('permissionsSummary names the three regexes, ∅ for none', () => {
  assert.equal(
    permissionsSummary({ configure: '^app\\.', write: '.*', read: '' }),
    'configure ^app\\. · write .* · read ∅',
  );
});
