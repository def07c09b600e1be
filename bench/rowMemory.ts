/**
 * Memory row: tail 1,000,000 messages with the default ring buffer (10,000) through the same
 * host-side path as the ingest row (QueueTail consume → TailList → JSON.stringify window post), while
 * a child process publishes them (so this process holds only the tail). Every 100,000
 * messages: full GC, then process.memoryUsage().
 *
 * Rule: the buffer is full after 10,000 messages; the 200k sample is the reference (warm JIT,
 * steady state). PASS if every later sample stays ≤ 1.25× the reference, for heapUsed and rss.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { QueueTail } from '../src/broker/tail';
import {
  CLASSIC_QUEUE,
  createBenchVhost,
  expectClassic,
  deleteBenchVhost,
  fmt,
  getGc,
  newManager,
  now,
  rawConnect,
  trackChild,
  type BenchRow,
} from './harness';
import { listBatching } from '../src/core/tailList';
import { PANEL_BUFFER, TAIL_PREFETCH, makePanelSink } from './rowsMessages';

const BOUND = 1.25;

interface Sample {
  at: number;
  heapUsed: number;
  rss: number;
}

export const memoryRow: BenchRow = {
  figure: 'host memory tailing 1,000,000 msgs, default buffer',
  target: `bounded (≤ ${BOUND}× the 200k sample)`,
  async run(ctx) {
    const total = ctx.smoke ? 30_000 : 1_000_000;
    const step = total / 10;
    const refIndex = 1; // the second sample: 200k in the full run
    const gc = getGc();
    const broker = ctx.broker;
    const vhost = await createBenchVhost(broker);
    const mgr = newManager(broker);
    const conn = await rawConnect(broker, vhost);
    let child: ReturnType<typeof fork> | undefined;
    let tail: QueueTail | undefined;
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('memory', CLASSIC_QUEUE);
      await ch.close();
      await expectClassic(broker, vhost, 'memory');
      await conn.close();

      const samples: Sample[] = [];
      let posted = 0;
      let postedBytes = 0;
      let nextSample = step;
      let lastReport = 0;
      let finish!: () => void;
      let fail!: (e: Error) => void;
      const finished = new Promise<void>((res, rej) => {
        finish = res;
        fail = rej;
      });
      const t0 = now();
      tail = new QueueTail(
        mgr,
        vhost,
        { mode: 'consume', queue: 'memory', prefetch: TAIL_PREFETCH, ack: 'auto' },
        {
          bufferSize: PANEL_BUFFER,
          ...listBatching(PANEL_BUFFER),
          onBatch: makePanelSink(
            () => tail!,
            (json, messages) => {
              posted += messages;
              postedBytes += json.length;
              if (posted - lastReport >= 5_000 || posted >= total) {
                lastReport = posted;
                child?.send({ received: posted });
              }
              while (posted >= nextSample) {
                gc();
                const m = process.memoryUsage();
                samples.push({ at: nextSample, heapUsed: m.heapUsed, rss: m.rss });
                ctx.log(
                  `  ${fmt.n(nextSample)}: heapUsed ${fmt.mb(m.heapUsed)}, rss ${fmt.mb(m.rss)} (external ${fmt.mb(m.external)}, arrayBuffers ${fmt.mb(m.arrayBuffers)})`,
                );
                nextSample += step;
              }
              if (posted >= total) finish();
            },
          ),
        },
      );
      await tail.start();
      child = fork(
        path.join(__dirname, 'publisher.ts'),
        [broker.host, String(broker.amqpPort), vhost, 'memory', String(total), String(50_000)],
        {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      trackChild(child);
      child.once('exit', (code) => {
        if (code !== 0 && posted < total) fail(new Error(`publisher exited with code ${code}`));
      });
      const timeout = setTimeout(
        () => fail(new Error(`only ${posted} of ${total} messages tailed in time`)),
        ctx.smoke ? 60_000 : 600_000,
      );
      try {
        await finished;
      } finally {
        clearTimeout(timeout);
      }
      const elapsed = now() - t0;
      const stats = tail.stats();
      await tail.stop();
      tail = undefined;
      const ref = samples[refIndex]!;
      const later = samples.slice(refIndex + 1);
      const heapRatio = Math.max(...later.map((s) => s.heapUsed)) / ref.heapUsed;
      const rssRatio = Math.max(...later.map((s) => s.rss)) / ref.rss;
      const last = samples[samples.length - 1]!;
      return {
        ours: `heap ${fmt.mb(ref.heapUsed)}→${fmt.mb(last.heapUsed)}, rss ${fmt.mb(ref.rss)}→${fmt.mb(last.rss)}`,
        baseline: '—',
        ratio: `heap ${fmt.x(heapRatio)}, rss ${fmt.x(rssRatio)}`,
        pass: heapRatio <= BOUND && rssRatio <= BOUND,
        method: `${fmt.n(total)} msgs published by a child process while QueueTail (consume, prefetch ${TAIL_PREFETCH}, default 10,000-message buffer) → TailList → JSON window post runs here (${fmt.rate((total * 1000) / elapsed)}, ${fmt.mb(postedBytes)} posted, ${fmt.n(stats.dropped)} dropped from the buffer); forced GC + memoryUsage every ${fmt.n(step)}; ratio = largest later sample / the ${fmt.n(samples[refIndex]!.at)} sample, PASS if ≤ ${BOUND} for heapUsed and rss (figure shows the ${fmt.n(ref.at)} → ${fmt.n(last.at)} samples)`,
      };
    } finally {
      child?.kill('SIGKILL');
      await tail?.stop().catch(() => undefined);
      await mgr.dispose();
      await deleteBenchVhost(broker, vhost);
    }
  },
};
