/**
 * Live routing row (issue 13, "route lazily"): the routing tester's first answer for one key on a
 * vhost with 100,000 bindings, against reading every binding of the vhost (what the tester did
 * before: GET /api/bindings/{vhost}) in the same run on the same broker.
 *
 * The vhost: one queue bound 100,000 times to a direct exchange (`bench.big`, keys k0..k99999,
 * declared over AMQP on a few channels), plus the exchange the answer is asked for: a topic
 * exchange `bench.orders` with a few queue bindings, an exchange binding to a fanout `bench.audit`
 * (bound back to `bench.orders`: a cycle) and an alternate exchange `bench.ae` by argument; and
 * `bench.other`, bound to `bench.big`, which routing from `bench.orders` does not reach.
 *
 * Ours: a fresh LazyTopology (nothing cached) as the panel uses it: the exchange list for the
 * picker, then route('bench.orders', key). Baseline: ManagementClient.listBindings (the whole
 * vhost's bindings, body read and parsed). Median of alternating rounds.
 */
import type * as amqp from 'amqplib';
import { LazyTopology } from '../src/broker/routingTopology';
import {
  createBenchVhost,
  deleteBenchVhost,
  deleteQueues,
  fmt,
  median,
  newManagementClient,
  now,
  rawConnect,
  type BenchRow,
} from './harness';

const BIG_QUEUE = 'bench.q.big';
const QUEUES = [BIG_QUEUE, 'bench.q.eu', 'bench.q.orders', 'bench.q.audit', 'bench.q.ae'];
const KEY = 'eu.orders.created';

async function declare(conn: amqp.ChannelModel, n: number, channels: number): Promise<void> {
  const ch = await conn.createChannel();
  const opts = { durable: false, arguments: { 'x-queue-type': 'classic' } };
  for (const q of QUEUES) await ch.assertQueue(q, opts);
  await ch.assertExchange('bench.big', 'direct', { durable: false });
  await ch.assertExchange('bench.ae', 'fanout', { durable: false });
  await ch.assertExchange('bench.orders', 'topic', { durable: false, arguments: { 'alternate-exchange': 'bench.ae' } });
  await ch.assertExchange('bench.audit', 'fanout', { durable: false });
  await ch.assertExchange('bench.other', 'topic', { durable: false });
  await ch.bindQueue('bench.q.eu', 'bench.orders', 'eu.#');
  await ch.bindQueue('bench.q.orders', 'bench.orders', '*.orders.*');
  await ch.bindQueue('bench.q.orders', 'bench.orders', 'us.orders.*');
  await ch.bindExchange('bench.audit', 'bench.orders', '#');
  await ch.bindExchange('bench.orders', 'bench.audit', 'never'); // a cycle back (fanout: it routes)
  await ch.bindQueue('bench.q.audit', 'bench.audit', '');
  await ch.bindQueue('bench.q.ae', 'bench.ae', '');
  await ch.bindExchange('bench.big', 'bench.other', '#');
  await ch.close();
  // amqplib serialises RPCs per channel (one bind per round trip): a few channels bind in parallel.
  let next = 0;
  await Promise.all(
    Array.from({ length: channels }, async () => {
      const c = await conn.createChannel();
      while (next < n) await c.bindQueue(BIG_QUEUE, 'bench.big', `k${next++}`);
      await c.close();
    }),
  );
}

export const lazyRoutingRow: BenchRow = {
  figure: 'live routing first answer, vhost with 100,000 bindings',
  target: '≤ 0.05×',
  baselineName: '`GET /api/bindings/{vhost}`',
  async run(ctx) {
    const n = ctx.smoke ? 1_000 : 100_000;
    const rounds = ctx.smoke ? 1 : 5;
    const broker = ctx.broker;
    const vhost = await createBenchVhost(broker);
    const mc = newManagementClient(broker, 120_000);
    try {
      const conn = await rawConnect(broker, vhost);
      try {
        const t0 = now();
        await declare(conn, n, 8);
        ctx.log(`  bound ${fmt.n(n)} keys in ${fmt.ms(now() - t0)}`);
      } finally {
        await conn.close().catch(() => undefined);
      }
      const total = n + 8; // the big ones, the others (the default exchange's implicit ones come on top)

      const baseline = async (): Promise<{ count: number; bytes: number }> => {
        const all = await mc.listBindings(vhost);
        if (all.length < total) throw new Error(`GET /api/bindings/{vhost} returned ${all.length} bindings`);
        return { count: all.length, bytes: JSON.stringify(all).length };
      };
      const ours = async () => {
        const lazy = new LazyTopology(mc, vhost);
        const exchanges = await lazy.exchangeList();
        if (!exchanges.some((x) => x.name === 'bench.orders')) throw new Error('bench.orders not listed');
        const r = await lazy.route('bench.orders', KEY);
        const want = ['bench.q.audit', 'bench.q.eu', 'bench.q.orders'];
        if (JSON.stringify(r.result.queues) !== JSON.stringify(want) || r.result.mayReceive.length !== 0)
          throw new Error(`routed to ${JSON.stringify(r.result.queues)}, expected ${JSON.stringify(want)}`);
        return r.topology;
      };
      // Warm-up (keep-alive sockets, JIT), then alternating rounds, baseline first.
      const listed = await baseline();
      const read = await ours();
      ctx.log(
        `  GET /api/bindings/{vhost}: ${fmt.n(listed.count)} bindings, ${fmt.mb(listed.bytes)} of JSON; lazy read: ${read.exchanges.length} exchanges, ${read.bindings.length} bindings`,
      );
      const base: number[] = [];
      const mine: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let t = now();
        await baseline();
        base.push(now() - t);
        t = now();
        await ours();
        mine.push(now() - t);
        ctx.log(`  round ${r + 1}: all bindings ${fmt.ms(base[r]!)}, lazy first answer ${fmt.ms(mine[r]!)}`);
      }
      const b = median(base);
      const o = median(mine);
      return {
        ours: fmt.ms(o),
        baseline: fmt.ms(b),
        // Three decimals: two would print 0.00×.
        ratio: `${(o / b).toFixed(3)}×`,
        pass: o / b <= 0.05,
        method: `${fmt.n(n)} bindings of one queue to a direct exchange, plus a topic exchange with 3 queue bindings, an exchange binding (and one back: a cycle) and an alternate exchange; ours = a fresh LazyTopology (no cache): exchange list for the picker + route(${JSON.stringify(KEY)}) through the topic exchange (${read.exchanges.length} exchanges, ${read.bindings.length} bindings read), baseline = ManagementClient GET /api/bindings/{vhost} (${fmt.n(listed.count)} bindings, ${fmt.mb(listed.bytes)}), parsed; median of ${rounds} alternating rounds (baseline first), warm keep-alive`,
      };
    } finally {
      mc.dispose();
      // The queue first, over AMQP (takes its 100,000 bindings with it), then the vhost.
      await deleteQueues(broker, vhost, QUEUES).catch((e: unknown) =>
        ctx.log(`  deleting the queues over AMQP failed (${(e as Error).message}); the vhost deletion removes them`),
      );
      await deleteBenchVhost(broker, vhost);
    }
  },
};
