/**
 * Live tree row: the auto-refresh of an expanded Queues group showing one page of 100 queues, on a
 * vhost with 10,000 queues, through the real tree model (QueuesGroupNode.poll) — time and response
 * bytes per tick, against the unpaged GET /api/queues/{vhost} (all columns) in the same run. On such
 * a vhost the tree's ticks are of two kinds (explorer/pagedGroup.ts ROW_TICK): a row tick (the 100
 * loaded queues by name, in parallel) and, every ROW_TICK.listEveryMs, a listing tick (the loaded
 * page, one request). Both are measured every round; "ours" is the mean cost per tick over one
 * listing period at the default interval (5 row ticks and 1 listing tick per 30 s at 5 s). The
 * ratio is the worse of time and bytes.
 */
import { apiPath, ManagementClient, type ManagementClientOptions } from '../src/broker/management';
import type { RequestOptions } from '../src/broker/managementHttp';
import type { ConnectionProfile } from '../src/core/profile';
import { RootNode, VhostNode, type ExplorerContext, type QueuesGroupNode } from '../src/explorer/nodes';
import { ROW_TICK } from '../src/explorer/pagedGroup';
import {
  PASSWORD,
  USER,
  createBenchVhost,
  deleteBenchVhost,
  deleteQueues,
  fmt,
  median,
  now,
  sleep,
  type BenchBroker,
  type BenchRow,
} from './harness';
import { createQueues, queueNames } from './rowExplorer';

const PAGE_SIZE = 100;
/** The pause before each measured request (see run). */
const SETTLE_MS = 1_000;
/** burrow.explorer.autoRefreshSeconds' default (package.json), in ms. */
const DEFAULT_INTERVAL_MS = 5_000;

/** A ManagementClient that counts requests and response body bytes. */
export class CountingClient extends ManagementClient {
  requests = 0;
  bytes = 0;
  constructor(opts: ManagementClientOptions) {
    super(opts);
  }
  override request<T>(
    method: Parameters<ManagementClient['request']>[0],
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<T> {
    this.requests++;
    const parse = (text: string): unknown => {
      this.bytes += Buffer.byteLength(text);
      return options?.parse ? options.parse(text) : JSON.parse(text);
    };
    return super.request<T>(method, path, body, { ...options, parse });
  }
}

export function countingClient(broker: BenchBroker, timeoutMs = 120_000): CountingClient {
  return new CountingClient({ baseUrl: broker.mgmtUrl, username: USER, password: PASSWORD, timeoutMs });
}

/** The tree model expanded down to the vhost's Queues group, page 1 loaded (as a user leaves it). */
export async function expandedQueuesGroup(
  broker: BenchBroker,
  mc: ManagementClient,
  vhost: string,
): Promise<QueuesGroupNode> {
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
  const ctx: ExplorerContext = {
    profiles: () => [profile],
    management: () => Promise.resolve(mc),
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => PAGE_SIZE,
    showSystemExchanges: () => true,
    changed: () => false,
  };
  const [conn] = await new RootNode(ctx).getChildren();
  const vnode = (await conn!.getChildren()).find((v): v is VhostNode => v instanceof VhostNode && v.vhost === vhost);
  if (!vnode) throw new Error(`vhost ${vhost} not in the tree`);
  const rows = await vnode.queues.getChildren();
  if (rows.length !== PAGE_SIZE + 1)
    throw new Error(`expected ${PAGE_SIZE} queues and "Load more", got ${rows.length}`);
  return vnode.queues;
}

/** Declares n queues in a new bench vhost and waits until the management API lists them all. */
export async function queueVhost(broker: BenchBroker, mc: ManagementClient, n: number): Promise<string> {
  const vhost = await createBenchVhost(broker);
  await createQueues(broker, vhost, n, 16);
  for (let i = 0; ; i++) {
    const p = await mc.listQueues(vhost, { page: 1, pageSize: 1, columns: ['name'] });
    if (p.totalCount >= n) break;
    if (i > 120) throw new Error(`management API sees only ${p.totalCount} of ${n} queues`);
    await sleep(500);
  }
  return vhost;
}

export const liveTreeRow: BenchRow = {
  figure: 'live tree: auto-refresh of one expanded page of 100 queues, vhost with 10,000 queues (time, bytes)',
  target: '≤ 0.05× (both)',
  baselineName: 'unpaged `GET /api/queues/{vhost}`',
  async run(ctx) {
    const n = ctx.smoke ? 200 : 10_000;
    const rounds = ctx.smoke ? 1 : 7;
    const broker = ctx.broker;
    const mc = countingClient(broker);
    let vhost: string | undefined;
    // A smoke run's 200 queues are below the row tick's threshold: lower it for the run.
    const minTotal = ROW_TICK.minTotal;
    if (ctx.smoke) ROW_TICK.minTotal = Math.min(minTotal, n);
    try {
      const t0 = now();
      vhost = await queueVhost(broker, mc, n);
      ctx.log(`  declared ${fmt.n(n)} queues in ${fmt.ms(now() - t0)}`);
      const group = await expandedQueuesGroup(broker, mc, vhost);
      const unpaged = async () => {
        const all = await mc.request<unknown[]>('GET', apiPath('queues', vhost!));
        if (!Array.isArray(all) || all.length !== n) throw new Error(`unpaged GET returned ${all.length} queues`);
      };
      // Warm-up: keep-alive sockets, JIT.
      group.markStale();
      await group.poll();
      await group.poll();
      await unpaged();
      const times = { base: [] as number[], rows: [] as number[], list: [] as number[] };
      const bytes = { base: [] as number[], rows: [] as number[], list: [] as number[] };
      const requests = { rows: 0, list: 0 };
      // Each measurement starts from a settled broker: right after the 8 MB unpaged listing the broker
      // is still collecting its garbage, and whichever request comes next pays for it (measured: the
      // page after the unpaged GET took 106 ms, the same page 10 ms later 63 ms, on 4.0.5). Every
      // request gets the same pause, and the order alternates from round to round.
      const measureBase = async () => {
        await sleep(SETTLE_MS);
        const b0 = mc.bytes;
        const t = now();
        await unpaged();
        times.base.push(now() - t);
        bytes.base.push(mc.bytes - b0);
      };
      const measureTick = async (kind: 'rows' | 'list') => {
        if (kind === 'list') group.markStale();
        else if (!group.rowTickDue) throw new Error('the group would not tick by rows (ROW_TICK)');
        await sleep(SETTLE_MS);
        const b0 = mc.bytes;
        const q0 = mc.requests;
        const t = now();
        await group.poll();
        times[kind].push(now() - t);
        bytes[kind].push(mc.bytes - b0);
        requests[kind] = mc.requests - q0;
      };
      for (let r = 0; r < rounds; r++) {
        // The listing tick comes before the row tick (a row tick is due only within listEveryMs of one).
        const steps = [measureBase, () => measureTick('list'), () => measureTick('rows')];
        for (const step of r % 2 === 0 ? steps : [steps[1]!, steps[2]!, steps[0]!]) await step();
        ctx.log(
          `  round ${r + 1}: unpaged GET ${fmt.ms(times.base[r]!)} ${fmt.n(bytes.base[r]!)} B, listing tick ${fmt.ms(times.list[r]!)} ${fmt.n(bytes.list[r]!)} B (${requests.list} request), row tick ${fmt.ms(times.rows[r]!)} ${fmt.n(bytes.rows[r]!)} B (${requests.rows} requests)`,
        );
      }
      const tb = median(times.base);
      const bb = median(bytes.base);
      // Ticks per listing period at the default interval: one listing tick, the others row ticks.
      const perPeriod = Math.max(1, Math.round(ROW_TICK.listEveryMs / DEFAULT_INTERVAL_MS));
      const mean = (rows: number, list: number) => ((perPeriod - 1) * rows + list) / perPeriod;
      const tr = median(times.rows);
      const tl = median(times.list);
      const to = mean(tr, tl);
      const bo = mean(median(bytes.rows), median(bytes.list));
      const ratio = Math.max(to / tb, bo / bb);
      ctx.log(
        `  row tick ${fmt.ms(tr)} (${fmt.x(tr / tb)}), listing tick ${fmt.ms(tl)} (${fmt.x(tl / tb)}); per tick over ${perPeriod} ticks ${fmt.ms(to)} (${fmt.x(to / tb)})`,
      );
      return {
        ours: `${fmt.ms(to)}, ${fmt.n(Math.round(bo / 1024))} KiB`,
        baseline: `${fmt.ms(tb)}, ${fmt.n(Math.round(bb / 1024))} KiB`,
        ratio: `${fmt.x(to / tb)} time, ${fmt.x(bo / bb)} bytes`,
        pass: ratio <= 0.05,
        method: `${fmt.n(n)} classic queues; ours = QueuesGroupNode.poll() of the expanded group (page 1 of ${PAGE_SIZE} loaded), the mean per tick over one listing period at the default 5 s interval: ${perPeriod - 1} row ticks (${requests.rows} GET /api/queues/{vhost}/{name} in parallel, the tree's columns; median ${fmt.ms(tr)}, ${fmt.x(tr / tb)}) and 1 listing tick (${requests.list} paged request, the tree's columns; median ${fmt.ms(tl)}, ${fmt.x(tl / tb)}); baseline = GET /api/queues/{vhost} unpaged, all columns; all through ManagementClient, body bytes counted, parsed; medians of ${rounds} rounds in alternating order, each request after a ${fmt.ms(SETTLE_MS)} pause (the broker settles after the 8 MB listing), warm keep-alive`,
      };
    } finally {
      ROW_TICK.minTotal = minTotal;
      mc.dispose();
      if (vhost !== undefined) {
        await deleteQueues(broker, vhost, queueNames(n)).catch((e: unknown) =>
          ctx.log(`  deleting the queues over AMQP failed (${(e as Error).message}); the vhost deletion removes them`),
        );
        await deleteBenchVhost(broker, vhost);
      }
    }
  },
};
