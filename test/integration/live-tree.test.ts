/**
 * The live tree against both brokers: group counts from the API's page totals (total_count, and
 * filtered_count after Filter…), Load more = one request per click, a refresh tick = one request
 * for the loaded pages, and a tick that picks up a publish made outside Burrow; on a big vhost
 * (ROW_TICK, threshold lowered to this vhost's size) the tick that asks for the loaded rows by name.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import {
  DEFAULT_QUEUE_COLUMNS,
  ManagementClient,
  apiPath,
  type ManagementClientOptions,
  type RequestOptions,
} from '../../src/broker/management';
import { ROW_TICK } from '../../src/explorer/pagedGroup';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import {
  QueueNode,
  RootNode,
  VhostNode,
  type ExplorerContext,
  type ExplorerNode,
  type QueuesGroupNode,
} from '../../src/explorer/nodes';
import { BROKERS, dropVhost, makeVhost, poll } from './helpers';

/** Counts the management requests the tree makes (and what they asked for). */
class CountingClient extends ManagementClient {
  readonly queries: Record<string, unknown>[] = [];
  readonly paths: string[] = [];
  constructor(opts: ManagementClientOptions) {
    super(opts);
  }
  override request<T>(
    method: Parameters<ManagementClient['request']>[0],
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<T> {
    if (path.startsWith('/queues/')) {
      this.queries.push({ ...options?.query });
      this.paths.push(path);
    }
    return super.request<T>(method, path, body, options);
  }
}

const PAGE = 50;
const N = 230;
const HOT = 30;
const names = Array.from({ length: N }, (_, i) =>
  i < HOT ? `hot.${String(i).padStart(3, '0')}` : `cold.${String(i).padStart(3, '0')}`,
);

for (const B of BROKERS) {
  describe(`live tree [${B.label}]`, () => {
    let vhost = '';
    const mc = new CountingClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
    const redrawn: ExplorerNode[] = [];
    let group: QueuesGroupNode;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-livetree');
      const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`);
      const ch = await conn.createChannel();
      for (const q of names) await ch.assertQueue(q, { durable: false, arguments: { 'x-queue-type': 'classic' } });
      await conn.close();
      await poll('the management API lists every queue', async () => {
        const p = await mc.listQueues(vhost, { page: 1, pageSize: 1, columns: ['name'] });
        return p.totalCount === N;
      });
      const ctx: ExplorerContext = {
        profiles: () => [{ ...DEFAULT_PROFILE, port: B.amqpPort, vhost, managementUrl: B.mgmtUrl }],
        management: async () => mc,
        status: () => 'connected',
        lastError: () => undefined,
        reportOk: () => undefined,
        reportError: () => undefined,
        pageSize: () => PAGE,
        showSystemExchanges: () => true,
        changed: (node) => {
          redrawn.push(node);
          return false;
        },
      };
      const [connNode] = await new RootNode(ctx).getChildren();
      const v = (await connNode.getChildren()).find((n) => n instanceof VhostNode && n.vhost === vhost) as VhostNode;
      group = v.queues;
    });

    after(async () => {
      mc.dispose();
      if (vhost) await dropVhost(B, vhost);
    });

    test('the group count is the API total_count; Load more costs one request per click', async () => {
      mc.queries.length = 0;
      const first = await group.getChildren();
      assert.equal(first.filter((n) => n instanceof QueueNode).length, PAGE);
      assert.equal(group.view().description, String(N));
      assert.equal(mc.queries.length, 1);
      for (let click = 2; click <= 4; click++) {
        const before: number = mc.queries.length;
        await group.loadMore();
        const rows = await group.getChildren(); // the re-render after the click: no further request
        assert.equal(mc.queries.length, before + 1, `click ${click}: one request`);
        assert.equal(mc.queries.at(-1)?.page, click);
        assert.equal(rows.filter((n) => n instanceof QueueNode).length, click * PAGE);
      }
      // A refresh tick: the 200 loaded rows again, in one request of page_size 200.
      mc.queries.length = 0;
      await group.poll();
      assert.equal(mc.queries.length, 1);
      assert.equal(mc.queries[0].page_size, 4 * PAGE);
      assert.equal(group.loadedCount, 4 * PAGE);
      assert.ok(group.hasMore);
    });

    test('after Filter… the count is filtered_count of total_count, and the row is redrawn with it', async () => {
      group.setFilter('hot*');
      assert.equal(group.view().description, 'filter: hot*');
      redrawn.length = 0;
      const rows = await group.getChildren();
      assert.equal(rows.filter((n) => n instanceof QueueNode).length, HOT);
      assert.equal(group.view().description, `${HOT} of ${N} · filter: hot*`);
      await poll('the group row is redrawn', () => redrawn.includes(group));
      group.setFilter('');
    });

    test('a tick picks up messages published outside Burrow', async () => {
      const row = (await group.getChildren()).find((n) => n instanceof QueueNode);
      assert.ok(row instanceof QueueNode);
      const name = row.name;
      const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`);
      const ch = await conn.createConfirmChannel();
      for (let i = 0; i < 3; i++) ch.sendToQueue(name, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      await conn.close();
      // Management statistics lag (collect_statistics_interval, 5 s): tick until the row shows it.
      await poll(
        'the row shows 3 ready',
        async () => {
          await group.poll();
          return /^3 · 0 · 0c$/.test(row.view().description ?? '');
        },
        30_000,
        1000,
      );
      assert.ok(!row.detached, 'the same row object was updated in place');
    });

    test('big vhost: a tick asks for the loaded rows by name (the listing fields); a deleted row makes it list', async () => {
      const saved = ROW_TICK.minTotal;
      ROW_TICK.minTotal = N;
      try {
        group.markStale();
        await group.poll(); // a listing
        const rows = (await group.getChildren()).filter((n): n is QueueNode => n instanceof QueueNode);
        assert.equal(rows.length, PAGE);
        // The row request returns the fields a listing item has (same columns, same keys).
        const [listed] = (await mc.listQueues(vhost, { page: 1, pageSize: 1 })).items;
        const one = await mc.getQueueRow(vhost, listed!.name);
        assert.deepEqual(Object.keys(one!).sort(), Object.keys(listed!).sort());
        for (const k of ['name', 'type', 'durable', 'arguments', 'state', 'messages_ready', 'consumers'])
          assert.ok(k in one!, `row has ${k}`);
        // A tick: one GET /queues/{vhost}/{name} per loaded row, with the tree's columns, no listing.
        mc.queries.length = 0;
        mc.paths.length = 0;
        assert.ok(group.rowTickDue);
        await group.poll();
        assert.deepEqual([...mc.paths].sort(), rows.map((r) => apiPath('queues', vhost, r.name)).sort());
        assert.ok(mc.queries.every((q) => q.columns === DEFAULT_QUEUE_COLUMNS.join(',')));
        // A publish from outside shows up in row ticks.
        const target = rows[1]!;
        const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`);
        const ch = await conn.createConfirmChannel();
        for (let i = 0; i < 2; i++) ch.sendToQueue(target.name, Buffer.from(`m${i}`));
        await ch.waitForConfirms();
        await conn.close();
        mc.paths.length = 0;
        await poll(
          'the row shows 2 ready through row ticks',
          async () => {
            await group.poll();
            return /^2 · 0 · 0c$/.test(target.view().description ?? '');
          },
          30_000,
          1000,
        );
        assert.ok(
          mc.paths.every((p) => p !== apiPath('queues', vhost)),
          'no listing',
        );
        // A queue on the page deleted: the same tick lists; its row goes, the count follows.
        await mc.request('DELETE', apiPath('queues', vhost, rows[0]!.name));
        mc.paths.length = 0;
        await group.poll();
        assert.ok(mc.paths.includes(apiPath('queues', vhost)), 'the tick listed');
        const after = (await group.getChildren()).filter((n): n is QueueNode => n instanceof QueueNode);
        assert.ok(!after.some((r) => r.name === rows[0]!.name));
        assert.equal(after.length, PAGE);
        assert.equal(group.view().description, String(N - 1));
      } finally {
        ROW_TICK.minTotal = saved;
      }
    });
  });
}
