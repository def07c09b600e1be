/**
 * The three-node test cluster (scripts/start-cluster.sh, .tools/cluster/cluster.json): node ports,
 * kill -9 of a node's Erlang VM, restarting it (it rejoins), a management helper, throw-away vhosts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { AmqpEndpoint } from '../../src/broker/amqp';
import type { HostPort } from '../../src/core/cluster';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

export interface ClusterNode {
  name: string;
  amqpPort: number;
  mgmtPort: number;
  pidFile: string;
}

interface ClusterInfo {
  chroot: string;
  nodes: ClusterNode[];
  /** The last start-cluster.sh run (a restart of one node, say). */
  startMs: number;
  /** The start of the whole cluster from nothing. */
  freshStartMs?: number;
  rssMb: number;
}

export function clusterInfo(): ClusterInfo {
  const file = path.join(ROOT, '.tools/cluster/cluster.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterInfo;
  } catch {
    throw new Error(`${file} is missing: run the cluster suite with \`npm run test:cluster\``);
  }
}

export const NODES = (): ClusterNode[] => clusterInfo().nodes;

/** host:port of node i (0-based) as the connection manager reports it. */
export function amqpAddr(i: number): string {
  return `127.0.0.1:${NODES()[i]!.amqpPort}`;
}

/** An endpoint on all three nodes, node `first` first, then the others in order. */
export function clusterEndpoint(first = 0, extra: Partial<AmqpEndpoint> = {}): AmqpEndpoint {
  const nodes = NODES();
  const order = [...nodes.slice(first), ...nodes.slice(0, first)];
  const hosts: HostPort[] = order.slice(1).map((n) => ({ host: '127.0.0.1', port: n.amqpPort }));
  return {
    host: '127.0.0.1',
    port: order[0]!.amqpPort,
    tls: false,
    username: 'guest',
    password: 'guest',
    hosts,
    ...extra,
  };
}

export function mgmtUrl(i: number): string {
  return `http://127.0.0.1:${NODES()[i]!.mgmtPort}`;
}

/** A management request to node i (or the first node that answers, when i is a list). */
export async function mgmt(i: number, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${mgmtUrl(i)}/api${p}`, {
    method,
    headers: { authorization: 'Basic ' + btoa('guest:guest'), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} on node ${i + 1}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function beamPid(i: number): number | undefined {
  try {
    const pid = Number(readFileSync(NODES()[i]!.pidFile, 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** kill -9 of node i's Erlang VM (beam.smp); returns performance.now() of the kill. */
export function killNode(i: number): number {
  const pid = beamPid(i);
  if (pid === undefined) throw new Error(`node ${i + 1} does not run`);
  process.kill(pid, 'SIGKILL');
  return performance.now();
}

/** Starts node i again (scripts/start-cluster.sh N) and waits until all three run, clustered. */
export async function restartNode(i: number): Promise<number> {
  const t0 = performance.now();
  await run('bash', [path.join(ROOT, 'scripts/start-cluster.sh'), String(i + 1)], { timeout: 240_000 });
  return performance.now() - t0;
}

/** Stops node i's RabbitMQ application (management and AMQP listeners go away; the VM stays). */
export async function stopApp(i: number): Promise<void> {
  await ctl(i, 'stop_app');
}

export async function startApp(i: number): Promise<void> {
  await ctl(i, 'start_app');
}

async function ctl(i: number, ...args: string[]): Promise<string> {
  const { chroot, nodes } = clusterInfo();
  const { stdout } = await run(
    'chroot',
    [chroot, '/bin/sh', '-c', `HOME=/var/lib/rabbitmq rabbitmqctl -q -n ${nodes[i]!.name} ${args.join(' ')}`],
    { timeout: 120_000 },
  );
  return stdout;
}

export async function makeClusterVhost(prefix = 'burrow-cluster'): Promise<string> {
  const vhost = `${prefix}-${randomBytes(4).toString('hex')}`;
  const v = encodeURIComponent(vhost);
  await mgmt(1, 'PUT', `/vhosts/${v}`, {});
  await mgmt(1, 'PUT', `/permissions/${v}/guest`, { configure: '.*', write: '.*', read: '.*' });
  return vhost;
}

/** Deletes the vhost through any node that answers. */
export async function dropClusterVhost(vhost: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    try {
      await mgmt(i, 'DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
      return;
    } catch {
      /* next node */
    }
  }
}

export const ms = (x: number): string => `${Math.round(x)} ms`;
