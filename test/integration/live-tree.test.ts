/**
 * The live tree against both brokers: group counts from the API's page totals (total_count, and
 * filtered_count after Filter…), Load more = one request per click, a refresh tick = one request
 * for the loaded pages, and a tick that picks up a publish made outside Burrow.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { ManagementClient, type ManagementClientOptions, type RequestOptions } from '../../src/broker/management';
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
  constructor(opts: ManagementClientOptions) {
    super(opts);
  }
  override request<T>(
    method: Parameters<ManagementClient['request']>[0],
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<T> {
    if (path.startsWith('/queues/')) this.queries.push({ ...options?.query });
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
  });
}
