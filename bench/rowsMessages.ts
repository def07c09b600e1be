/**
 * Message throughput rows: tail ingest (QueueTail → TailList → the panel's JSON window post) and
 * bulk publish with confirms (publishMany), each against raw amqplib on an identically
 * configured connection, alternating baseline / ours.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from '../src/broker/amqp';
import { QueueTail, type TailBatch, type TailStats } from '../src/broker/tail';
import { publishMany } from '../src/broker/publish';
import { TailList, listBatching, type ListView, type TailBuffer } from '../src/core/tailList';
import {
  BODY,
  BODY_PROPS,
  CLASSIC_QUEUE,
  createBenchVhost,
  expectClassic,
  deleteBenchVhost,
  fillQueue,
  fmt,
  median,
  newManager,
  now,
  rawConnect,
  type BenchRow,
} from './harness';

/** Consumer prefetch used by both sides of the ingest row (and the memory row). */
export const TAIL_PREFETCH = 1000;
/** Alternating rounds (baseline, ours) per throughput row; the best round of each side counts. */
const ROUNDS = 5;

function describe(r: Run, n: number): string {
  return `${fmt.rate((n * 1000) / r.ms)} (client CPU ${(r.cpuUs / n).toFixed(1)} µs/msg)`;
}

/** Best round of each side (noise only ever slows a run down), plus client CPU per message for context. */
function summarise(
  base: Run[],
  ours: Run[],
  n: number,
  rounds: number,
  what: string,
): { ours: string; baseline: string; ratio: string; pass: boolean; method: string } {
  const best = (runs: Run[]) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const b = best(base);
  const o = best(ours);
  const ratio = b.ms / o.ms;
  const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuUs / n)).toFixed(1);
  return {
    ours: fmt.rate((n * 1000) / o.ms),
    baseline: fmt.rate((n * 1000) / b.ms),
    ratio: fmt.x(ratio),
    pass: ratio >= 0.9,
    method: `${what}; best of ${rounds} alternating rounds (baseline first); median client CPU ${cpu(ours)} µs/msg ours vs ${cpu(base)} µs/msg baseline`,
  };
}

/** The tail panel's default buffer (burrow.tail.bufferSize). */
export const PANEL_BUFFER = 10_000;

/**
 * The window the webview asks for while following the end: the visible rows (the list is 45% of
 * the window height, about 18 rows of 24 px in a 900 px window) plus its overscan of 20 rows on
 * each side: about 60.
 */
export const BENCH_VIEW: ListView = { from: 0, count: 60, follow: true };

/**
 * The host half of the tail panel for one batch: what TailPanel.onBatch does (no filter): the
 * same TailList, the same window message, with webview.postMessage modelled as JSON.stringify
 * of it (VS Code serializes it that way). `post` gets the JSON and the number of messages the
 * batch carried.
 */
export function makePanelSink(
  tail: () => TailBuffer,
  post: (json: string, messages: number) => void,
): (batch: TailBatch, stats: TailStats) => void {
  const list = new TailList();
  let attached = false;
  return (batch, stats) => {
    if (!attached) {
      list.attach(tail());
      attached = true;
    }
    list.add(batch.first, batch.last);
    const json = JSON.stringify(list.windowMessage(BENCH_VIEW, { ...stats, buffered: list.buffered }));
    post(json, Math.max(0, batch.last - batch.first + 1));
  };
}

/** Wall time and this process's CPU time (user + system) of one measured run. */
interface Run {
  ms: number;
  cpuUs: number;
}

function clock(): () => Run {
  const t0 = now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { ms: now() - t0, cpuUs: c.user + c.system };
  };
}

/** Raw consumer: same prefetch, acks `multiple` every prefetch/2 like the tail's auto-ack. */
async function rawConsume(conn: amqp.ChannelModel, queue: string, n: number, prefetch: number): Promise<Run> {
  const stop = clock();
  const ch = await conn.createChannel();
  await ch.prefetch(prefetch);
  const ackEvery = Math.max(1, prefetch >> 1);
  let got = 0;
  let tag = '';
  let run: Run | undefined;
  await new Promise<void>((resolve, reject) => {
    ch.on('error', reject);
    ch.consume(
      queue,
      (m) => {
        if (!m) return;
        got++;
        if (got % ackEvery === 0 || got === n) ch.ack(m, true);
        if (got === n) {
          run = stop();
          resolve();
        }
      },
      { noAck: false },
    ).then((ok) => (tag = ok.consumerTag), reject);
  });
  await ch.cancel(tag);
  await ch.close();
  return run!;
}

/** QueueTail consume mode + the panel's per-batch work, until the last row is posted. */
async function tailConsume(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  n: number,
  prefetch: number,
): Promise<Run> {
  let posted = 0;
  let run: Run | undefined;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const stop = clock();
  const tail: QueueTail = new QueueTail(
    mgr,
    vhost,
    { mode: 'consume', queue, prefetch, ack: 'auto' },
    {
      bufferSize: PANEL_BUFFER,
      ...listBatching(PANEL_BUFFER),
      onBatch: makePanelSink(
        () => tail,
        (_json, messages) => {
          posted += messages;
          if (posted >= n && run === undefined) {
            run = stop();
            done();
          }
        },
      ),
    },
  );
  await tail.start();
  await finished;
  await tail.stop();
  return run!;
}

export const tailIngestRow: BenchRow = {
  figure: 'tail ingest, 100k small msgs, host side up to the webview post',
  target: '≥ 0.90×',
  baselineName: 'raw amqplib consumer',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 100_000;
    const rounds = ctx.smoke ? 1 : ROUNDS;
    const vhost = await createBenchVhost(ctx.broker);
    const mgr = newManager(ctx.broker);
    const conn = await rawConnect(ctx.broker, vhost);
    try {
      const setup = await conn.createChannel();
      await setup.assertQueue('ingest', CLASSIC_QUEUE);
      await setup.close();
      await expectClassic(ctx.broker, vhost, 'ingest');
      const purge = async () => {
        const ch = await conn.createChannel();
        await ch.purgeQueue('ingest');
        await ch.close();
      };
      // Warm-up (JIT, connections) on both paths.
      const warm = Math.min(n, 5_000);
      await fillQueue(conn, 'ingest', warm);
      await rawConsume(conn, 'ingest', warm, TAIL_PREFETCH);
      await fillQueue(conn, 'ingest', warm);
      await tailConsume(mgr, vhost, 'ingest', warm, TAIL_PREFETCH);
      const base: Run[] = [];
      const ours: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        await purge();
        await fillQueue(conn, 'ingest', n);
        base.push(await rawConsume(conn, 'ingest', n, TAIL_PREFETCH));
        await purge();
        await fillQueue(conn, 'ingest', n);
        ours.push(await tailConsume(mgr, vhost, 'ingest', n, TAIL_PREFETCH));
        ctx.log(`  round ${r + 1}: raw ${describe(base[r]!, n)}; tail ${describe(ours[r]!, n)}`);
      }
      return summarise(
        base,
        ours,
        n,
        rounds,
        `${fmt.n(n)} msgs of ${BODY.length} B from a pre-filled queue, prefetch ${TAIL_PREFETCH}; ours = QueueTail consume/auto-ack → TailList.add → JSON.stringify of the panel's window message (${BENCH_VIEW.count} rows, following the end) per batch (the panel's batching: every ${listBatching(PANEL_BUFFER).flushIntervalMs} ms), baseline = raw consumer acking every ${TAIL_PREFETCH / 2}`,
      );
    } finally {
      await conn.close().catch(() => undefined);
      await mgr.dispose();
      await deleteBenchVhost(ctx.broker, vhost);
    }
  },
};

/** Raw confirm-channel publishing: publish with a callback, honour 'drain', waitForConfirms. */
async function rawPublish(conn: amqp.ChannelModel, queue: string, n: number): Promise<Run> {
  const stop = clock();
  const ch = await conn.createConfirmChannel();
  const opts = { ...BODY_PROPS, mandatory: true };
  for (let i = 0; i < n; i++) {
    if (!ch.publish('', queue, BODY, opts, () => undefined)) await new Promise((r) => ch.once('drain', r));
  }
  await ch.waitForConfirms();
  const run = stop();
  await ch.close();
  return run;
}

async function burrowPublish(mgr: AmqpConnectionManager, vhost: string, queue: string, n: number): Promise<Run> {
  const stop = clock();
  const r = await publishMany(
    mgr,
    vhost,
    { exchange: '', routingKey: queue, body: BODY, properties: { ...BODY_PROPS } },
    n,
    {
      // The panel reports progress; the callback itself does nothing here.
      onProgress: () => undefined,
    },
  );
  const run = stop();
  if (r.confirmed !== n) throw new Error(`publishMany confirmed ${r.confirmed} of ${n}`);
  return run;
}

export const publishRow: BenchRow = {
  figure: 'bulk publish with confirms ("publish N times")',
  target: '≥ 0.90×',
  baselineName: 'raw confirm channel',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 100_000;
    const rounds = ctx.smoke ? 1 : ROUNDS;
    const vhost = await createBenchVhost(ctx.broker);
    const mgr = newManager(ctx.broker);
    const conn = await rawConnect(ctx.broker, vhost);
    try {
      const setup = await conn.createChannel();
      await setup.assertQueue('publish', CLASSIC_QUEUE);
      await setup.close();
      await expectClassic(ctx.broker, vhost, 'publish');
      const purge = async () => {
        const ch = await conn.createChannel();
        await ch.purgeQueue('publish');
        await ch.close();
      };
      await rawPublish(conn, 'publish', Math.min(n, 5_000));
      await burrowPublish(mgr, vhost, 'publish', Math.min(n, 5_000));
      const base: Run[] = [];
      const ours: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        await purge();
        base.push(await rawPublish(conn, 'publish', n));
        await purge();
        ours.push(await burrowPublish(mgr, vhost, 'publish', n));
        ctx.log(`  round ${r + 1}: raw ${describe(base[r]!, n)}; publishMany ${describe(ours[r]!, n)}`);
      }
      await purge();
      return summarise(
        base,
        ours,
        n,
        rounds,
        `${fmt.n(n)} msgs of ${BODY.length} B, mandatory, to one queue (purged between runs); ours = publishMany (window 1000), baseline = raw confirm channel publish + drain + waitForConfirms`,
      );
    } finally {
      await conn.close().catch(() => undefined);
      await mgr.dispose();
      await deleteBenchVhost(ctx.broker, vhost);
    }
  },
};
