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

/**
 * One broker under test. By default the two test brokers of test/brokers.ts (RabbitMQ 3.10.8 on
 * 5672/15672 and 4.x on 5673/15673; BURROW_BROKERS=rmq3 or --broker=rmq4 picks one); with
 * BURROW_BENCH_AMQP_PORT (and optionally BURROW_BENCH_HOST, BURROW_BENCH_MGMT_URL) a single
 * broker of your own instead.
 */
export interface BenchBroker {
  /** 'rmq3', 'rmq4', or 'custom'. */
  id: string;
  /** 'RabbitMQ 4.0.5' (the version the broker reports, once probeBrokers ran). */
  label: string;
  /** Erlang version (once probeBrokers ran). */
  erlang?: string;
  host: string;
  amqpPort: number;
  mgmtUrl: string;
  /** amqp://guest:guest@host:port (the demo server's URL). */
  amqpUrl: string;
  /** Burrow's connection settings for this broker. */
  endpoint: AmqpEndpoint;
  /** Management client for setup/teardown: long timeout (deleting a vhost with 10k queues takes a while). */
  admin: ManagementClient;
}

export const USER = 'guest';
export const PASSWORD = 'guest';

function benchBroker(id: string, label: string, host: string, amqpPort: number, mgmtUrl: string): BenchBroker {
  return {
    id,
    label,
    host,
    amqpPort,
    mgmtUrl,
    amqpUrl: `amqp://${USER}:${PASSWORD}@${host}:${amqpPort}`,
    endpoint: { host, port: amqpPort, tls: false, username: USER, password: PASSWORD, connectionName: 'burrow-bench' },
    admin: new ManagementClient({ baseUrl: mgmtUrl, username: USER, password: PASSWORD, timeoutMs: 300_000 }),
  };
}

/** The brokers to bench, in table order (3.x first). `only`: ids to keep (from --broker=). */
export async function benchBrokers(only?: string[]): Promise<BenchBroker[]> {
  const port = process.env.BURROW_BENCH_AMQP_PORT;
  if (port !== undefined) {
    const host = process.env.BURROW_BENCH_HOST ?? '127.0.0.1';
    return [
      benchBroker(
        'custom',
        `broker at ${host}:${port}`,
        host,
        Number(port),
        process.env.BURROW_BENCH_MGMT_URL ?? `http://${host}:15672`,
      ),
    ];
  }
  // Imported lazily: test/brokers.ts throws when .tools/brokers.json is missing, which must not
  // stop a run against a broker given through the environment.
  const { BROKERS } = await import('../test/brokers');
  return BROKERS.filter((b) => only === undefined || only.includes(b.id))
    .sort((a, b) => a.major - b.major)
    .map((b) => benchBroker(b.id, b.label, '127.0.0.1', b.amqpPort, b.mgmtUrl));
}

/** Asks each broker for its version (label) and Erlang version; fails if one does not answer. */
export async function probeBrokers(brokers: BenchBroker[]): Promise<void> {
  for (const b of brokers) {
    let o;
    try {
      o = await b.admin.overview();
    } catch (e) {
      throw new Error(
        `${b.label} (management ${b.mgmtUrl}) does not answer: ${(e as Error).message}. Start the test brokers with scripts/ensure-rabbitmq.sh.`,
      );
    }
    const version = o.product_version ?? o.rabbitmq_version;
    if (version !== undefined) b.label = `${o.product_name ?? 'RabbitMQ'} ${version}`;
    b.erlang = o.erlang_version;
  }
}

/** ~150-byte JSON body, the "small message" of every message row. */
export const BODY = Buffer.from(
  JSON.stringify({
    id: 123456,
    type: 'order.created',
    customer: 'c-0042',
    total: 99.95,
    currency: 'EUR',
    items: [{ sku: 'A-1', qty: 2 }],
    note: 'x'.repeat(21),
  }),
);
export const BODY_PROPS = { contentType: 'application/json' } as const;

/**
 * Options of every queue a row declares: a non-durable classic queue, named explicitly so that a
 * vhost or broker default queue type (4.x has one) cannot turn it into a quorum queue. The same
 * on both brokers, so that their rows measure the same thing.
 */
export const CLASSIC_QUEUE = { durable: false, arguments: { 'x-queue-type': 'classic' } } as const;

// ---------------------------------------------------------------------------------------
// Cleanup: everything a row creates is registered here and removed at the end, on failure
// and on SIGINT/SIGTERM.
// ---------------------------------------------------------------------------------------

/** Bench vhosts still to delete, with their broker. */
const vhosts = new Map<string, { broker: BenchBroker; name: string }>();
/** Every bench vhost this run created (broker id → names), for the end-of-run check. */
const created = new Map<string, Set<string>>();
const children = new Set<ChildProcess>();
const closers = new Set<() => Promise<unknown>>();

const vhostKey = (b: BenchBroker, name: string) => `${b.id}\u0000${name}`;

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

export async function createBenchVhost(b: BenchBroker): Promise<string> {
  if (aborting) throw new Error('bench aborted');
  const name = `burrow-bench-${randomBytes(4).toString('hex')}`;
  vhosts.set(vhostKey(b, name), { broker: b, name });
  let names = created.get(b.id);
  if (!names) created.set(b.id, (names = new Set()));
  names.add(name);
  const put = b.admin.createVhost(name, 'burrow bench (temporary)');
  creating.add(put);
  try {
    await put;
  } finally {
    creating.delete(put);
  }
  if (aborting) {
    // Cleanup started while this PUT was in flight (and may have missed it): delete it here.
    await deleteBenchVhost(b, name).catch(() => undefined);
    throw new Error('bench aborted');
  }
  await b.admin.setPermissions(name, USER, { configure: '.*', write: '.*', read: '.*' });
  return name;
}

/** How long deleteBenchVhost keeps trying (a vhost with 10,000 queues takes minutes on 4.0.5). */
const DELETE_VHOST_DEADLINE_MS = 10 * 60_000;

/**
 * Deletes a bench vhost, retrying until it is gone. Measured here: RabbitMQ 4.0.5 deletes the
 * queues of a vhost being deleted about five times slower than 3.10.8 (3,000 classic queues: 28 s
 * against 5 s), and its management listener resets an HTTP request that has not answered after
 * 60 s, which stops the deletion halfway: DELETE of a vhost with 10,000 queues failed with
 * ECONNRESET after 60.0 s and left 2,123 queues in the vhost. Each new DELETE carries on where
 * the last one stopped.
 */
export async function deleteBenchVhost(b: BenchBroker, name: string): Promise<void> {
  const deadline = Date.now() + DELETE_VHOST_DEADLINE_MS;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await b.admin.deleteVhost(name);
        return;
      } catch (e) {
        if ((e as { code?: unknown }).code === 404) return;
        if (Date.now() > deadline) throw e;
        console.error(
          `  deleting vhost ${name} on ${b.label} (attempt ${attempt}) failed: ${(e as Error).message}; trying again`,
        );
        await sleep(1000);
      }
    }
  } finally {
    vhosts.delete(vhostKey(b, name));
  }
}

/**
 * Deletes queues over AMQP on `channels` channels in parallel: on 4.0.5 about five times faster
 * than letting the vhost deletion do it (3,000 classic queues: 5.9 s against 28 s), and no HTTP
 * request runs long enough to be reset.
 */
export async function deleteQueues(
  b: BenchBroker,
  vhost: string,
  names: readonly string[],
  channels = 16,
): Promise<void> {
  const conn = await rawConnect(b, vhost);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(channels, names.length) }, async () => {
        const ch = await conn.createChannel();
        while (next < names.length) await ch.deleteQueue(names[next++]!);
        await ch.close();
      }),
    );
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * After cleanup: the bench vhosts this run created that a broker still lists (should be none).
 * A broker that cannot be asked is reported as such.
 */
export async function leftoverVhosts(brokers: BenchBroker[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of brokers) {
    const mine = created.get(b.id);
    if (!mine || mine.size === 0) continue;
    try {
      const listed = await b.admin.listVhosts();
      for (const v of listed) if (mine.has(v.name)) out.push(`${v.name} on ${b.label}`);
    } catch (e) {
      out.push(`(could not list the vhosts of ${b.label}: ${(e as Error).message})`);
    }
  }
  return out;
}

/** How many bench vhosts this run created on a broker (for the end-of-run check). */
export function createdVhostCount(b: BenchBroker): number {
  return created.get(b.id)?.size ?? 0;
}

let cleaning: Promise<void> | undefined;

/** Kills child processes, closes registered connections and deletes every bench vhost still there, on every broker. */
export function cleanupAll(): Promise<void> {
  aborting = true;
  cleaning ??= (async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.allSettled([...closers].map((f) => withTimeout(f(), 5000)));
    closers.clear();
    await Promise.allSettled([...creating]);
    const left = [...vhosts.values()];
    const results = await Promise.allSettled(left.map((v) => deleteBenchVhost(v.broker, v.name)));
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        console.error(
          `could not delete vhost ${left[i]!.name} on ${left[i]!.broker.label}: ${(r.reason as Error)?.message ?? r.reason}`,
        );
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

/** Burrow's connection manager on a broker (closed by cleanup if the row forgets). */
export function newManager(b: BenchBroker): AmqpConnectionManager {
  const mgr = new AmqpConnectionManager(b.endpoint);
  const untrack = trackCloser(() => mgr.dispose());
  const dispose = mgr.dispose.bind(mgr);
  mgr.dispose = () => {
    untrack();
    return dispose();
  };
  return mgr;
}

/** A management client like the extension's (10 s default timeout unless given). */
export function newManagementClient(b: BenchBroker, timeoutMs = 60_000): ManagementClient {
  return new ManagementClient({ baseUrl: b.mgmtUrl, username: USER, password: PASSWORD, timeoutMs });
}

/** The amqplib options of a raw connection with exactly the settings AmqpConnectionManager uses. */
export function rawConnectArgs(
  host: string,
  port: number,
  vhost: string,
  name: string,
): Parameters<typeof amqp.connect> {
  return [
    {
      protocol: 'amqp',
      hostname: host,
      port,
      username: USER,
      password: PASSWORD,
      vhost: encodeURIComponent(vhost),
      heartbeat: 30,
    },
    { noDelay: true, timeout: 10_000, clientProperties: { connection_name: name } },
  ];
}

/**
 * A raw amqplib connection with exactly the options AmqpConnectionManager uses
 * (heartbeat 30, TCP_NODELAY, connect timeout 10 s) — the baselines' connection.
 */
export async function rawConnect(b: BenchBroker, vhost: string): Promise<amqp.ChannelModel> {
  const model = await amqp.connect(...rawConnectArgs(b.host, b.amqpPort, vhost, 'burrow-bench-raw'));
  model.on('error', () => undefined);
  const untrack = trackCloser(() => model.close().catch(() => undefined));
  model.once('close', untrack);
  return model;
}

/**
 * Throws unless the management API reports the queue as a classic queue: the rows compare like
 * with like on both brokers, and peekMessages is told 'classic'.
 */
export async function expectClassic(b: BenchBroker, vhost: string, queue: string): Promise<void> {
  const q = await b.admin.getQueue(vhost, queue);
  const type = q.type ?? 'classic';
  if (type !== 'classic') throw new Error(`queue ${queue} on ${b.label} is a ${type} queue, expected classic`);
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
  /** BenchRow.baselineName. */
  baselineName?: string;
  /** The broker label ('RabbitMQ 4.0.5'), or NO_BROKER for a row that uses none. */
  broker: string;
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

/** Broker column of a row that talks to no broker (measured once). */
export const NO_BROKER = 'none (pure CPU)';

export interface BenchContext {
  smoke: boolean;
  /** The broker this run of the row measures on (ours and baseline both). */
  broker: BenchBroker;
  log(msg: string): void;
}

export interface BenchRow {
  figure: string;
  target: string;
  /** The row talks to no broker (pure CPU): measured once, not once per broker. */
  brokerless?: boolean;
  /** What the baseline is, after its figure in the Markdown table: "raw amqplib consumer". */
  baselineName?: string;
  run(ctx: BenchContext): Promise<Omit<RowResult, 'figure' | 'target' | 'broker'>>;
}

const HEADER = ['figure', 'broker', 'ours', 'baseline (same run, same broker)', 'ratio', 'target', 'result'];

/** Table cells, one line per row and broker; the figure and target only on the first line of a figure. */
function cells(rows: RowResult[], smoke: boolean, named = false): string[][] {
  return rows.map((r, i) => {
    const first = i === 0 || rows[i - 1]!.figure !== r.figure;
    const baseline =
      named && r.baselineName && r.error === undefined ? `${r.baseline} (${r.baselineName})` : r.baseline;
    return [first ? r.figure : '', r.broker, r.ours, baseline, r.ratio, first ? r.target : '', resultText(r, smoke)];
  });
}

export function formatTable(rows: RowResult[], smoke: boolean): string {
  const body = cells(rows, smoke);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export function formatMarkdown(rows: RowResult[], smoke: boolean): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...cells(rows, smoke, true).map((c) => `| ${c.map(esc).join(' | ')} |`),
  ].join('\n');
}

function resultText(r: RowResult, smoke: boolean): string {
  if (r.error !== undefined) return 'ERROR';
  if (smoke) return 'ran (not judged)';
  return r.pass === undefined ? '-' : r.pass ? 'PASS' : 'FAIL';
}

/** "AMD EPYC, 2 cores, …, Node v20…, RabbitMQ 3.10.8 (Erlang 25.2.3) on 127.0.0.1:5672 and RabbitMQ 4.0.5 (Erlang 27.3.4.1) on 127.0.0.1:5673, load avg …" */
export function machineLine(brokers: BenchBroker[]): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() || 'unknown CPU';
  const ram = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
  const rabbits = brokers
    .map((b) => `${b.label}${b.erlang ? ` (Erlang ${b.erlang})` : ''} on ${b.host}:${b.amqpPort}`)
    .join(' and ');
  return `${model}, ${cpus.length} cores, ${ram}, ${os.type()} ${os.release()}, Node ${process.version}, ${rabbits}, load avg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

export const fmt = {
  rate: (perSec: number) => `${Math.round(perSec).toLocaleString('en-US')} msg/s`,
  ms: (ms: number) =>
    ms >= 100
      ? `${Math.round(ms).toLocaleString('en-US')} ms`
      : ms >= 10
        ? `${ms.toFixed(1)} ms`
        : `${ms.toFixed(2)} ms`,
  us: (us: number) =>
    us >= 1000
      ? `${Math.round(us).toLocaleString('en-US')} µs`
      : us >= 10
        ? `${us.toFixed(1)} µs`
        : `${us.toFixed(2)} µs`,
  mb: (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`,
  x: (r: number) => `${r.toFixed(2)}×`,
  n: (n: number) => n.toLocaleString('en-US'),
};
