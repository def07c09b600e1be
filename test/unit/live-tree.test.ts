import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionNode } from '../../src/explorer/nodes';
import {
  LoadMoreNode,
  QueueNode,
  RootNode,
  VhostNode,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import {
  DEFAULT_QUEUE_COLUMNS,
  ManagementClient,
  type ListOptions,
  type QueueInfo,
  type RequestOptions,
} from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';
import { ROW_TICK } from '../../src/explorer/pagedGroup';
import { DEFAULT_PROFILE } from '../../src/core/profile';

function queue(i: number, ready = i): QueueInfo {
  return {
    name: `q${String(i).padStart(4, '0')}`,
    vhost: '/',
    type: 'classic',
    durable: true,
    auto_delete: false,
    exclusive: false,
    arguments: {},
    messages_ready: ready,
    messages_unacknowledged: 0,
    consumers: 0,
  };
}

/** A fake broker with `n` queues and a tree context that records what the model asks to re-render. */
function setup(n: number, pageSize = 10, delayMs: (opts: ListOptions) => number = () => 0) {
  const queues = Array.from({ length: n }, (_, i) => queue(i));
  const requests: ListOptions[] = [];
  /** The names the row tick asked for (getQueueRow), in order. */
  const rows: string[] = [];
  const changed: ExplorerNode[] = [];
  const reloaded: ExplorerNode[] = [];
  const shown = new Map<ExplorerNode, string>();
  const management = {
    listVhosts: async () => [{ name: '/' }],
    listQueues: async (_v: string, opts: ListOptions = {}) => {
      requests.push({ ...opts });
      const delay = delayMs(opts);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const filtered = opts.name ? queues.filter((q) => new RegExp(opts.name!).test(q.name)) : queues;
      const size = opts.pageSize ?? 100;
      const page = opts.page ?? 1;
      return {
        items: filtered.slice((page - 1) * size, page * size),
        page,
        pageSize: size,
        pageCount: Math.ceil(filtered.length / size),
        filteredCount: filtered.length,
        totalCount: queues.length,
      };
    },
    getQueueRow: async (_v: string, name: string) => {
      rows.push(name);
      return queues.find((q) => q.name === name);
    },
    queueBindings: async () => [],
    queueConsumers: async () => [],
  } as unknown as ManagementClient;
  const draw = (node: ExplorerNode) => shown.set(node, JSON.stringify(node.view()));
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => management,
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => pageSize,
    showSystemExchanges: () => true,
    // What the provider does: re-render only rows whose view differs from what was drawn.
    changed: (node) => {
      const before = shown.get(node);
      if (before === undefined || before === JSON.stringify(node.view())) return false;
      changed.push(node);
      draw(node);
      return true;
    },
    reload: (node) => void reloaded.push(node),
  };
  return { ctx, queues, requests, rows, changed, reloaded, draw };
}

async function queuesGroup(ctx: ExplorerContext) {
  const [conn] = (await new RootNode(ctx).getChildren()) as ConnectionNode[];
  const vhost = (await conn.getChildren()).find((c) => c instanceof VhostNode) as VhostNode;
  return vhost.queues;
}

/** Lets the group redraw its row (it waits for VS Code to take the rows first). */
const waitTimers = () => new Promise<void>((r) => setTimeout(r, 450));

test('Load more costs one request for the next page; a tick re-fetches the loaded pages in ONE request', async () => {
  const f = setup(1000, 100);
  const group = await queuesGroup(f.ctx);
  await group.getChildren();
  assert.deepEqual(f.requests, [{ page: 1, pageSize: 100 }]);
  for (let click = 2; click <= 10; click++) {
    const before: number = f.requests.length;
    await group.loadMore();
    const kids = await group.getChildren(); // the command's re-render: served from the pages kept
    assert.equal(f.requests.length, before + 1, `click ${click} costs one request`);
    assert.deepEqual(f.requests.at(-1), { page: click, pageSize: 100 });
    assert.equal(kids.filter((k) => k instanceof QueueNode).length, Math.min(1000, click * 100));
  }
  f.requests.length = 0;
  await group.poll();
  // 10 pages of 100 = 1,000 rows > 500 (the API limit per page): the pages in parallel, once each
  assert.equal(f.requests.length, 10);
  assert.ok(f.requests.every((r) => r.pageSize === 100));
});

test('a tick over up to 500 loaded rows is one request of page_size = loaded count', async () => {
  const f = setup(1000, 100);
  const group = await queuesGroup(f.ctx);
  await group.getChildren();
  await group.loadMore();
  await group.loadMore();
  f.requests.length = 0;
  await group.poll();
  assert.deepEqual(f.requests, [{ page: 1, pageSize: 300 }]);
  const kids = await group.getChildren();
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 300);
  assert.ok(kids.at(-1) instanceof LoadMoreNode);
  assert.equal((kids.at(-1) as LoadMoreNode).view().description, '300 of 1,000 shown');
});

test('a tick re-renders only the rows whose figures changed, keeping row identity', async () => {
  const f = setup(25);
  const group = await queuesGroup(f.ctx);
  f.draw(group);
  const kids = await group.getChildren();
  await waitTimers();
  f.draw(group);
  for (const k of kids) f.draw(k);
  f.changed.length = 0;
  await group.poll();
  assert.deepEqual(f.changed, [], 'nothing changed: nothing re-rendered');
  f.queues[3] = queue(3, 42);
  await group.poll();
  assert.deepEqual(f.changed, [kids[3]], 'only q0003');
  assert.equal(kids[3].view().description, '42 · 0 · 0c');
  assert.deepEqual(f.reloaded, []);
  // A new queue on the loaded page: the group re-renders (structure), with its rows kept.
  f.queues.splice(1, 0, queue(9999));
  await group.poll();
  assert.deepEqual(f.reloaded, [group]);
  const again = await group.getChildren();
  assert.equal(again[4], kids[3], 'same node object for the same queue');
  assert.ok(kids[9].detached, 'the row pushed off the loaded page is detached');
});

test('group count: total_count, and filtered_count after Filter… (redrawn once the page came back)', async () => {
  const f = setup(10_000, 100);
  const group = await queuesGroup(f.ctx);
  f.draw(group);
  await group.getChildren();
  await waitTimers();
  assert.equal(group.view().description, '10,000');
  assert.deepEqual(f.changed, [group], 'the group row is redrawn with its count');
  group.setFilter('q000*');
  assert.equal(group.view().description, 'filter: q000*', 'no stale count while the filtered page loads');
  f.draw(group);
  f.changed.length = 0;
  const kids = await group.getChildren();
  await waitTimers();
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 10);
  assert.equal(group.view().description, '10 of 10,000 · filter: q000*');
  assert.deepEqual(f.changed, [group]);
  // The redraw VS Code then does is served from the page just fetched (no second request).
  const n = f.requests.length;
  await group.getChildren();
  assert.equal(f.requests.length, n);
});

test('Load more during a refresh tick keeps the new page (the tick does not overwrite it)', async () => {
  // The tick's request (2 pages in one, page_size 20) is slow; Load more's (page 3 of 10) is fast.
  const f = setup(100, 10, (o) => (o.pageSize === 20 ? 30 : 0));
  const group = await queuesGroup(f.ctx);
  await group.getChildren();
  await group.loadMore();
  const tick = group.poll();
  await new Promise((r) => setTimeout(r, 5));
  await group.loadMore();
  await tick;
  assert.equal(group.loadedCount, 30);
  const kids = await group.getChildren();
  assert.equal(kids.filter((k) => k instanceof QueueNode).length, 30);
});

/** Runs fn with ROW_TICK changed, then restores it. */
async function withRowTick(change: Partial<typeof ROW_TICK>, fn: () => Promise<void>): Promise<void> {
  const saved = { ...ROW_TICK };
  Object.assign(ROW_TICK, change);
  try {
    await fn();
  } finally {
    Object.assign(ROW_TICK, saved);
  }
}

test('on a big vhost a tick fetches the loaded rows by name, not the listing, and updates them in place', async () => {
  const f = setup(3_000, 100);
  assert.ok(3_000 >= ROW_TICK.minTotal, 'the default threshold applies to this vhost');
  const group = await queuesGroup(f.ctx);
  f.draw(group);
  const kids = await group.getChildren();
  await waitTimers();
  f.draw(group);
  for (const k of kids) f.draw(k);
  f.requests.length = 0;
  f.changed.length = 0;
  f.queues[7] = queue(7, 42);
  await group.poll();
  assert.deepEqual(f.requests, [], 'no listing');
  assert.deepEqual(
    f.rows,
    kids.filter((k) => k instanceof QueueNode).map((k) => k.name),
    'the 100 loaded rows, once each',
  );
  assert.deepEqual(f.changed, [kids[7]], 'only the row whose figures changed is re-rendered');
  assert.equal(kids[7].view().description, '42 · 0 · 0c');
  assert.deepEqual(f.reloaded, []);
  assert.equal(group.view().description, '3,000');
});

test('the row tick gives way to a listing: small vhost, old listing, stale group, a row gone, too many rows', async () => {
  // A small vhost: the listing is cheap and keeps new queues and the count current.
  let f = setup(500, 100);
  let group = await queuesGroup(f.ctx);
  await group.getChildren();
  f.requests.length = 0;
  await group.poll();
  assert.deepEqual(f.requests, [{ page: 1, pageSize: 100 }]);
  assert.deepEqual(f.rows, []);

  f = setup(3_000, 100);
  group = await queuesGroup(f.ctx);
  await group.getChildren();
  // Burrow's own operation marked the group stale: a listing, then row ticks again.
  group.markStale();
  f.requests.length = 0;
  await group.poll();
  assert.equal(f.requests.length, 1);
  assert.deepEqual(f.rows, []);
  await group.poll();
  assert.equal(f.requests.length, 1);
  assert.equal(f.rows.length, 100);

  // A queue on the page was deleted: the same tick lists (its row goes, the next one comes up).
  f.rows.length = 0;
  f.requests.length = 0;
  f.queues.splice(5, 1);
  await group.poll();
  assert.equal(f.rows.length, 100);
  assert.deepEqual(f.requests, [{ page: 1, pageSize: 100 }]);
  const names = (await group.getChildren()).filter((k) => k instanceof QueueNode).map((k) => k.name);
  assert.ok(!names.includes('q0005') && names.includes('q0100'));
  assert.equal(group.view().description, '2,999');

  // The last listing is older than listEveryMs: a listing (new queues, the count).
  await withRowTick({ listEveryMs: 0 }, async () => {
    f.requests.length = 0;
    f.rows.length = 0;
    await group.poll();
    assert.equal(f.requests.length, 1);
    assert.deepEqual(f.rows, []);
  });

  // More rows loaded than maxRows: a listing.
  await group.loadMore();
  await group.loadMore();
  f.requests.length = 0;
  f.rows.length = 0;
  await group.poll();
  assert.deepEqual(f.requests, [{ page: 1, pageSize: 300 }]);
  assert.deepEqual(f.rows, []);
});

test('getQueueRow: GET /queues/{vhost}/{name} with the tree columns (the listing items fields); 404 = undefined', async () => {
  const sent: { method: string; path: string; query: unknown }[] = [];
  class Fake extends ManagementClient {
    override request<T>(method: 'GET', path: string, _b?: unknown, options?: RequestOptions): Promise<T> {
      sent.push({ method, path, query: options?.query });
      if (path.endsWith('/gone')) return Promise.reject(new BrokerError('Not found', 'management', 404));
      if (path.endsWith('/boom')) return Promise.reject(new BrokerError('Internal error', 'management', 500));
      return Promise.resolve({ name: 'a/b' } as T);
    }
  }
  const mc = new Fake({ baseUrl: 'http://127.0.0.1:1', username: 'u', password: 'p' });
  try {
    assert.deepEqual(await mc.getQueueRow('v/1', 'a/b'), { name: 'a/b' });
    assert.deepEqual(sent[0], {
      method: 'GET',
      path: '/queues/v%2F1/a%2Fb',
      query: { columns: DEFAULT_QUEUE_COLUMNS.join(',') },
    });
    assert.equal(await mc.getQueueRow('v', 'gone'), undefined);
    await assert.rejects(mc.getQueueRow('v', 'boom'), /Internal error/);
  } finally {
    mc.dispose();
  }
});
