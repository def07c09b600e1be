/**
 * Shared plumbing for `npm run bench`: throw-away vhosts (always deleted, also on SIGINT),
 * raw amqplib connections with the same settings as Burrow's connection manager, timing,
 * statistics, the results table and the machine line.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { ChildProcess } from 'node:child_process';
import * as amqp from 'amqplib';
import { AmqpConnectionManager, type AmqpEndpoint } from '../src/broker/amqp';
import { ManagementClient } from '../src/broker/management';

export const HOST = process.env.BURROW_BENCH_HOST ?? '127.0.0.1';
export const AMQP_PORT = Number(process.env.BURROW_BENCH_AMQP_PORT ?? 5672);
export const MGMT_URL = process.env.BURROW_BENCH_MGMT_URL ?? `http://${HOST}:15672`;
export const USER = 'guest';
export const PASSWORD = 'guest';
export const AMQP_URL = `amqp://${USER}:${PASSWORD}@${HOST}:${AMQP_PORT}`;

export const ENDPOINT: AmqpEndpoint = { host: HOST, port: AMQP_PORT, tls: false, username: USER, password: PASSWORD, connectionName: 'burrow-bench' };

/** ~150-byte JSON body, the "small message" of every message row. */
export const BODY = Buffer.from(
  JSON.stringify({ id: 123456, type: 'order.created', customer: 'c-0042', total: 99.95, currency: 'EUR', items: [{ sku: 'A-1', qty: 2 }], note: 'x'.repeat(21) }),
);
export const BODY_PROPS = { contentType: 'application/json' } as const;

// ---------------------------------------------------------------------------------------
// Cleanup: everything a row creates is registered here and removed at the end, on failure
// and on SIGINT/SIGTERM.
// ---------------------------------------------------------------------------------------

/** Management client for setup/teardown: long timeout (deleting a vhost with 10k queues takes a while). */
export const admin = new ManagementClient({ baseUrl: MGMT_URL, username: USER, password: PASSWORD, timeoutMs: 300_000 });

const vhosts = new Set<string>();
const children = new Set<ChildProcess>();
const closers = new Set<() => Promise<unknown>>();

export function trackChild(c: ChildProcess): void {
  children.add(c);
  c.once('exit', () => children.delete(c));
}

/** Something to close before the vhosts go (connections: so they are not "forced closed" and reconnect). */
export function trackCloser(fn: () => Promise<unknown>): () => void {
  closers.add(fn);
  return () => void closers.delete(fn);
}

/** Set once cleanup has started (end of run, failure, or a signal): no new vhost may be created. */
let aborting = false;

export function isAborting(): boolean {
  return aborting;
}

/** vhost PUTs in flight: cleanup waits for them (they delete their vhost themselves once they see `aborting`). */
const creating = new Set<Promise<unknown>>();

export async function createBenchVhost(): Promise<string> {
  if (aborting) throw new Error('bench aborted');
  const name = `burrow-bench-${randomBytes(4).toString('hex')}`;
  vhosts.add(name);
  const put = admin.createVhost(name, 'burrow bench (temporary)');
  creating.add(put);
  try {
    await put;
  } finally {
    creating.delete(put);
  }
  if (aborting) {
    // Cleanup started while this PUT was in flight (and may have missed it): delete it here.
    await deleteBenchVhost(name).catch(() => undefined);
    throw new Error('bench aborted');
  }
  await admin.setPermissions(name, USER, { configure: '.*', write: '.*', read: '.*' });
  return name;
}

export async function deleteBenchVhost(name: string): Promise<void> {
  try {
    await admin.deleteVhost(name);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 404) throw e;
  } finally {
    vhosts.delete(name);
  }
}

let cleaning: Promise<void> | undefined;

/** Kills child processes, closes registered connections and deletes every bench vhost still there. */
export function cleanupAll(): Promise<void> {
  aborting = true;
  cleaning ??= (async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.allSettled([...closers].map((f) => withTimeout(f(), 5000)));
    closers.clear();
    await Promise.allSettled([...creating]);
    const left = [...vhosts];
    const results = await Promise.allSettled(left.map((v) => deleteBenchVhost(v)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') console.error(`could not delete vhost ${left[i]}: ${(r.reason as Error)?.message ?? r.reason}`);
    });
  })();
  return cleaning;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

export function installSignalHandlers(): void {
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: cleaning up (deleting ${vhosts.size} bench vhost${vhosts.size === 1 ? '' : 's'})…`);
    void cleanupAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

// ---------------------------------------------------------------------------------------
// Connections with Burrow's settings
// ---------------------------------------------------------------------------------------

/** Burrow's connection manager on the bench endpoint (closed by cleanup if the row forgets). */
export function newManager(): AmqpConnectionManager {
  const mgr = new AmqpConnectionManager(ENDPOINT);
  const untrack = trackCloser(() => mgr.dispose());
  const dispose = mgr.dispose.bind(mgr);
  mgr.dispose = () => {
    untrack();
    return dispose();
  };
  return mgr;
}

/**
 * A raw amqplib connection with exactly the options AmqpConnectionManager uses
 * (heartbeat 30, TCP_NODELAY, connect timeout 10 s) — the baselines' connection.
 */
export async function rawConnect(vhost: string): Promise<amqp.ChannelModel> {
  const model = await amqp.connect(
    { protocol: 'amqp', hostname: HOST, port: AMQP_PORT, username: USER, password: PASSWORD, vhost: encodeURIComponent(vhost), heartbeat: 30 },
    { noDelay: true, timeout: 10_000, clientProperties: { connection_name: 'burrow-bench-raw' } },
  );
  model.on('error', () => undefined);
  const untrack = trackCloser(() => model.close().catch(() => undefined));
  model.once('close', untrack);
  return model;
}

/** Publishes `n` copies of BODY to a queue through the default exchange, with confirms (fills queues). */
export async function fillQueue(conn: amqp.ChannelModel, queue: string, n: number): Promise<void> {
  const ch = await conn.createConfirmChannel();
  for (let i = 0; i < n; i++) {
    if (!ch.publish('', queue, BODY, BODY_PROPS, () => undefined)) await new Promise((r) => ch.once('drain', r));
  }
  await ch.waitForConfirms();
  await ch.close();
}

// ---------------------------------------------------------------------------------------
// Timing and statistics
// ---------------------------------------------------------------------------------------

export const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** global.gc if node runs with --expose-gc, else the same function obtained through V8 flags. */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

// ---------------------------------------------------------------------------------------
// Rows and the table
// ---------------------------------------------------------------------------------------

export interface RowResult {
  figure: string;
  ours: string;
  baseline: string;
  /** ours/baseline as the target states it (e.g. "0.97×", "412× faster"). */
  ratio: string;
  target: string;
  /** undefined: not judged (smoke run, or the row failed to run). */
  pass?: boolean;
  /** How the numbers were taken (rounds, aggregation, sizes). */
  method: string;
  error?: string;
}

export interface BenchContext {
  smoke: boolean;
  log(msg: string): void;
}

export interface BenchRow {
  figure: string;
  target: string;
  run(ctx: BenchContext): Promise<Omit<RowResult, 'figure' | 'target'>>;
}

export function formatTable(rows: RowResult[], smoke: boolean): string {
  const header = ['figure', 'ours', 'baseline (same run)', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [r.figure, r.ours, r.baseline, r.ratio, r.target, resultText(r, smoke)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export function formatMarkdown(rows: RowResult[], smoke: boolean): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| figure | ours | baseline (same run) | ratio | target | result |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.figure, r.ours, r.baseline, r.ratio, r.target, resultText(r, smoke)].map(esc).join(' | ')} |`),
  ].join('\n');
}

function resultText(r: RowResult, smoke: boolean): string {
  if (r.error !== undefined) return 'ERROR';
  if (smoke) return 'ran (not judged)';
  return r.pass === undefined ? '-' : r.pass ? 'PASS' : 'FAIL';
}

export async function machineLine(): Promise<string> {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() || 'unknown CPU';
  let rabbit = 'unknown';
  try {
    const o = await admin.overview();
    rabbit = `${o.product_name ?? 'RabbitMQ'} ${o.product_version ?? o.rabbitmq_version ?? '?'} (Erlang ${o.erlang_version ?? '?'})`;
  } catch {
    /* reported as unknown */
  }
  const ram = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
  return `${model}, ${cpus.length} cores, ${ram}, ${os.type()} ${os.release()}, Node ${process.version}, ${rabbit} on ${HOST}, load avg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

export const fmt = {
  rate: (perSec: number) => `${Math.round(perSec).toLocaleString('en-US')} msg/s`,
  ms: (ms: number) => (ms >= 100 ? `${Math.round(ms).toLocaleString('en-US')} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`),
  us: (us: number) => (us >= 1000 ? `${Math.round(us).toLocaleString('en-US')} µs` : us >= 10 ? `${us.toFixed(1)} µs` : `${us.toFixed(2)} µs`),
  mb: (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`,
  x: (r: number) => `${r.toFixed(2)}×`,
  n: (n: number) => n.toLocaleString('en-US'),
};
