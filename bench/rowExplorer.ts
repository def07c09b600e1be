/**
 * Explorer row: a vhost with 10,000 queues; time to the first page of its Queues group through
 * the real tree model (RootNode → ConnectionNode → VhostNode → QueuesGroupNode, every node's
 * view() computed as the TreeView would) and the ManagementClient, against one unpaged
 * GET /api/queues/{vhost} (body read and parsed) through the same HTTP client.
 */
import { apiPath, type ManagementClient } from '../src/broker/management';
import type { ConnectionProfile } from '../src/core/profile';
import { RootNode, VhostNode, type ExplorerContext, type ExplorerNode } from '../src/explorer/nodes';
import {
  CLASSIC_QUEUE,
  USER,
  createBenchVhost,
  deleteQueues,
  newManagementClient,
  type BenchBroker,
  deleteBenchVhost,
  fmt,
  median,
  now,
  rawConnect,
  sleep,
  type BenchRow,
} from './harness';

/** The explorer's default page size (setting burrow.explorer.pageSize). */
const PAGE_SIZE = 100;

export const queueName = (i: number) => `bench.q.${String(i).padStart(5, '0')}`;
export const queueNames = (n: number) => Array.from({ length: n }, (_, i) => queueName(i));

export async function createQueues(broker: BenchBroker, vhost: string, n: number, channels: number): Promise<void> {
  const conn = await rawConnect(broker, vhost);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: channels }, async () => {
        const ch = await conn.createChannel();
        // amqplib serialises RPCs per channel; several channels declare in parallel.
        while (next < n) {
          const i = next++;
          await ch.assertQueue(queueName(i), { ...CLASSIC_QUEUE, autoDelete: false });
        }
        await ch.close();
      }),
    );
  } finally {
    await conn.close().catch(() => undefined);
  }
}

function explorerContext(profile: ConnectionProfile, mc: ManagementClient): ExplorerContext {
  return {
    profiles: () => [profile],
    management: () => Promise.resolve(mc),
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => PAGE_SIZE,
    showSystemExchanges: () => true,
  };
}

/** Expands root → connection → vhost → Queues like a user does; returns the rendered rows. */
async function firstQueuesPage(profile: ConnectionProfile, mc: ManagementClient, vhost: string): Promise<number> {
  const root = new RootNode(explorerContext(profile, mc));
  const render = (nodes: ExplorerNode[]) => nodes.map((n) => n.view());
  const [conn] = await root.getChildren();
  render([conn!]);
  const vhosts = await conn!.getChildren();
  render(vhosts);
  const vnode = vhosts.find((v): v is VhostNode => v instanceof VhostNode && v.vhost === vhost);
  if (!vnode) throw new Error(`vhost ${vhost} not in the tree`);
  const groups = await vnode.getChildren();
  const queuesGroup = vnode.queues;
  const page = await queuesGroup.getChildren();
  render(groups); // the group's label shows the total once loaded
  const views = render(page);
  if (views.length !== PAGE_SIZE + 1 || views[PAGE_SIZE]!.contextValue !== 'loadMore') {
    throw new Error(`expected ${PAGE_SIZE} queues and "Load more", got ${views.length} rows (${views[0]?.label})`);
  }
  return views.length;
}

/** One unpaged GET of every queue (all columns), body read and parsed. */
async function unpagedGet(mc: ManagementClient, vhost: string, expected: number): Promise<void> {
  const all = await mc.request<unknown[]>('GET', apiPath('queues', vhost));
  if (!Array.isArray(all) || all.length !== expected)
    throw new Error(`unpaged GET returned ${Array.isArray(all) ? all.length : typeof all} queues`);
}

export const explorerRow: BenchRow = {
  figure: 'explorer first page, vhost with 10,000 queues',
  target: '≤ 0.15×',
  baselineName: 'unpaged `GET /api/queues/{vhost}`',
  async run(ctx) {
    const n = ctx.smoke ? 200 : 10_000;
    const rounds = ctx.smoke ? 1 : 5;
    const broker = ctx.broker;
    const vhost = await createBenchVhost(broker);
    const mc = newManagementClient(broker, 120_000);
    try {
      const t0 = now();
      await createQueues(broker, vhost, n, 16);
      ctx.log(`  declared ${fmt.n(n)} queues in ${fmt.ms(now() - t0)}`);
      // The management API lists queues as soon as they exist; wait until it sees them all anyway.
      for (let i = 0; ; i++) {
        const p = await mc.listQueues(vhost, { page: 1, pageSize: 1, columns: ['name'] });
        if (p.totalCount >= n) break;
        if (i > 120) throw new Error(`management API sees only ${p.totalCount} of ${n} queues`);
        await sleep(500);
      }
      const profile: ConnectionProfile = {
        id: 'bench',
        name: 'bench',
        host: broker.host,
        port: broker.amqpPort,
        vhost,
        username: USER,
        tls: false,
        managementUrl: broker.mgmtUrl,
      };
      // Warm-up: keep-alive sockets, JIT.
      await firstQueuesPage(profile, mc, vhost);
      await unpagedGet(mc, vhost, n);
      const base: number[] = [];
      const ours: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let t = now();
        await unpagedGet(mc, vhost, n);
        base.push(now() - t);
        t = now();
        await firstQueuesPage(profile, mc, vhost);
        ours.push(now() - t);
        ctx.log(`  round ${r + 1}: unpaged GET ${fmt.ms(base[r]!)}, first page ${fmt.ms(ours[r]!)}`);
      }
      const b = median(base);
      const o = median(ours);
      return {
        ours: fmt.ms(o),
        baseline: fmt.ms(b),
        ratio: fmt.x(o / b),
        pass: o / b <= 0.15,
        method: `${fmt.n(n)} classic queues; ours = fresh RootNode expanded root → connection → vhost → Queues (page 1 of ${PAGE_SIZE}, views rendered) through ManagementClient, baseline = ManagementClient GET /api/queues/{vhost} unpaged, all columns, parsed; median of ${rounds} alternating rounds (baseline first), warm keep-alive`,
      };
    } finally {
      mc.dispose();
      // Queues first, over AMQP: see deleteQueues (the vhost deletion alone is slow on 4.x).
      await deleteQueues(broker, vhost, queueNames(n)).catch((e: unknown) =>
        ctx.log(`  deleting the queues over AMQP failed (${(e as Error).message}); the vhost deletion removes them`),
      );
      await deleteBenchVhost(broker, vhost);
    }
  },
};
