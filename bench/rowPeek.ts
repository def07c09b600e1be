/**
 * Peek row: 100 messages from the head of a queue, non-destructively. Ours = peekMessages as
 * the peek panel calls it, with the queue type the explorer knows (a consumer with prefetch 100
 * on a fresh channel, requeued by closing it); baseline = the management
 * API's "get messages" with ack_requeue_true. Both leave the queue as it was.
 */
import { apiPath } from '../src/broker/management';
import { peekMessages } from '../src/broker/peek';
import {
  BODY,
  CLASSIC_QUEUE,
  createBenchVhost,
  expectClassic,
  deleteBenchVhost,
  fillQueue,
  fmt,
  median,
  newManagementClient,
  newManager,
  now,
  rawConnect,
  type BenchRow,
} from './harness';

export const peekRow: BenchRow = {
  figure: 'peek 100 messages (non-destructive)',
  target: '≤ 1.00×',
  baselineName: 'management API `get` with requeue',
  async run(ctx) {
    const count = 100;
    const depth = 1_000;
    const rounds = ctx.smoke ? 2 : 20;
    const broker = ctx.broker;
    const vhost = await createBenchVhost(broker);
    const mgr = newManager(broker);
    const mc = newManagementClient(broker);
    const conn = await rawConnect(broker, vhost);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('peek', CLASSIC_QUEUE);
      await ch.close();
      await expectClassic(broker, vhost, 'peek');
      await fillQueue(conn, 'peek', depth);
      const ours = async () => {
        const t = now();
        // As the peek panel calls it for a queue the explorer lists as classic (no delivery limit to read).
        const r = await peekMessages(mgr, vhost, 'peek', count, { queueType: 'classic', refuseIfConsumers: true });
        const ms = now() - t;
        if (r.messages.length !== count) throw new Error(`peek returned ${r.messages.length} messages`);
        return ms;
      };
      const baseline = async () => {
        const t = now();
        // The management API's "get messages" (Burrow itself peeks over AMQP, so the client has no endpoint for it).
        const r = await mc.request<unknown[]>('POST', apiPath('queues', vhost, 'peek', 'get'), {
          count,
          ackmode: 'ack_requeue_true',
          encoding: 'auto',
        });
        const ms = now() - t;
        if (r.length !== count) throw new Error(`management get returned ${r.length} messages`);
        return ms;
      };
      await baseline();
      await ours();
      const base: number[] = [];
      const mine: number[] = [];
      for (let r = 0; r < rounds; r++) {
        base.push(await baseline());
        mine.push(await ours());
      }
      const check = await conn.createChannel();
      const left = (await check.checkQueue('peek')).messageCount;
      await check.close();
      if (left !== depth) throw new Error(`the queue holds ${left} messages after peeking, expected ${depth}`);
      const b = median(base);
      const o = median(mine);
      ctx.log(
        `  baseline ${base.map((x) => x.toFixed(1)).join(' ')}\n  ours     ${mine.map((x) => x.toFixed(1)).join(' ')}`,
      );
      return {
        ours: fmt.ms(o),
        baseline: fmt.ms(b),
        ratio: fmt.x(o / b),
        pass: o / b <= 1.0,
        method: `classic queue (non-durable, as on both brokers) of ${fmt.n(depth)} × ${BODY.length} B; ours = peekMessages(100, classic, refuseIfConsumers) as the peek panel calls it, on the open connection (fresh channels each), baseline = POST /api/queues/{vhost}/peek/get (count 100, ack_requeue_true, encoding auto) through ManagementClient.request, warm keep-alive; median of ${rounds} alternating pairs; queue depth checked unchanged`,
      };
    } finally {
      await conn.close().catch(() => undefined);
      await mgr.dispose();
      mc.dispose();
      await deleteBenchVhost(broker, vhost);
    }
  },
};
