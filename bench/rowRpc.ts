/**
 * RPC row: sequential round trips to the demo Fibonacci server (startDemo, rpc_queue).
 * Ours = RpcClient.call (direct reply-to), timed around each call; baseline = a minimal raw
 * amqplib direct reply-to client on an identically configured connection, timed the same way.
 */
import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { RpcClient, type RpcRequest } from '../src/broker/rpc';
import { DEMO_RPC_QUEUE, startDemo } from '../scripts/demoServer';
import {
  createBenchVhost,
  deleteBenchVhost,
  fmt,
  now,
  percentile,
  rawConnect,
  trackCloser,
  newManager,
  type BenchRow,
} from './harness';

const REQUEST = Buffer.from('20'); // fib(20) = 6765

/** A textbook direct reply-to client: one channel, consumer on amq.rabbitmq.reply-to, a map of waiters. */
async function rawRpcClient(conn: amqp.ChannelModel): Promise<{ call(): Promise<string>; close(): Promise<void> }> {
  const ch = await conn.createChannel();
  const waiting = new Map<string, (body: string) => void>();
  await ch.consume(
    'amq.rabbitmq.reply-to',
    (m) => {
      const id = m?.properties.correlationId as string | undefined;
      const w = id !== undefined ? waiting.get(id) : undefined;
      if (m && w) {
        waiting.delete(id!);
        w(m.content.toString());
      }
    },
    { noAck: true },
  );
  return {
    call: () =>
      new Promise<string>((resolve) => {
        const correlationId = randomUUID();
        waiting.set(correlationId, resolve);
        ch.publish('', DEMO_RPC_QUEUE, REQUEST, { correlationId, replyTo: 'amq.rabbitmq.reply-to', mandatory: true });
      }),
    close: () => ch.close(),
  };
}

export const rpcRow: BenchRow = {
  figure: 'RPC round trip p50 (demo Fibonacci server)',
  target: '≤ 1.20×',
  baselineName: 'raw direct reply-to client',
  async run(ctx) {
    const calls = ctx.smoke ? 10 : 1_000;
    const block = ctx.smoke ? 5 : 100;
    const broker = ctx.broker;
    const vhost = await createBenchVhost(broker);
    const demo = await startDemo({ url: broker.amqpUrl, vhost });
    const untrackDemo = trackCloser(() => demo.stop());
    const mgr = newManager(broker);
    const client = new RpcClient(mgr, vhost);
    const conn = await rawConnect(broker, vhost);
    try {
      const raw = await rawRpcClient(conn);
      const req: RpcRequest = {
        exchange: '',
        routingKey: DEMO_RPC_QUEUE,
        body: REQUEST,
        timeoutMs: 5_000,
        replyMode: 'direct-reply-to',
      };
      const ours = async () => {
        const t = now();
        const o = await client.call(req);
        const ms = now() - t;
        if (o.status !== 'reply' || Buffer.from(o.reply.body).toString() !== '6765')
          throw new Error(`RpcClient.call: ${o.status}`);
        return ms;
      };
      const baseline = async () => {
        const t = now();
        const answer = await raw.call();
        const ms = now() - t;
        if (answer !== '6765') throw new Error(`raw client got ${answer}`);
        return ms;
      };
      for (let i = 0; i < Math.min(50, calls); i++) {
        await baseline();
        await ours();
      }
      const base: number[] = [];
      const mine: number[] = [];
      for (let done = 0; done < calls; done += block) {
        for (let i = 0; i < block; i++) base.push(await baseline());
        for (let i = 0; i < block; i++) mine.push(await ours());
      }
      await raw.close();
      const b = percentile(base, 50);
      const o = percentile(mine, 50);
      ctx.log(`  p95: raw ${fmt.ms(percentile(base, 95))}, RpcClient ${fmt.ms(percentile(mine, 95))}`);
      return {
        ours: fmt.ms(o),
        baseline: fmt.ms(b),
        ratio: fmt.x(o / b),
        pass: o / b <= 1.2,
        method: `${fmt.n(calls)} sequential calls each, fib(20) against startDemo's rpc_queue (prefetch 1); ours = RpcClient.call (direct reply-to, preflight cached 1 s), baseline = raw direct reply-to client, both timed around the call; alternating blocks of ${block}; p50 (nearest rank)`,
      };
    } finally {
      await client.dispose();
      await conn.close().catch(() => undefined);
      await mgr.dispose();
      await demo.stop();
      untrackDemo();
      await deleteBenchVhost(broker, vhost);
    }
  },
};
