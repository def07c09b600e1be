/**
 * The real brokers every suite runs against (integration, e2e, bench), as set up by
 * scripts/ensure-rabbitmq.sh, which writes .tools/brokers.json with the versions they report:
 *
 *   - the system's RabbitMQ 3.10.8: AMQP 5672, management 15672;
 *   - a RabbitMQ 4.x node (Debian trixie, chroot): AMQP 5673, AMQPS 5674, management 15673 and
 *     HTTPS 15674, TLS with a private CA (caFile).
 *
 * Plus the fault tools the integration tests use: rabbitmqctl on a broker, and a TCP proxy that
 * can reset or silently black-hole the connections through it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { poll } from './wait';

export interface TestBroker {
  /** 'rmq3' (system 3.10.8) or 'rmq4' (the 4.x node). */
  id: 'rmq3' | 'rmq4';
  /** As reported by the broker, e.g. '3.10.8', '4.0.5'. */
  version: string;
  /** For test names: 'RabbitMQ 4.0.5'. */
  label: string;
  /** Major version (3 or 4). */
  major: number;
  amqpPort: number;
  mgmtPort: number;
  /** 4.x only. */
  amqpsPort?: number;
  mgmtsPort?: number;
  /** PEM file of the private CA that signed the 4.x node's certificate. */
  caFile?: string;
  mgmtUrl: string;
  /** Runs rabbitmqctl against this broker's node; resolves with stdout. */
  ctl(...args: string[]): Promise<string>;
  /** The management API through plain fetch, as guest (DELETE of a missing object is fine). */
  mgmt(method: string, path: string, body?: unknown): Promise<Response>;
}

interface BrokerFile {
  brokers: {
    id: 'rmq3' | 'rmq4';
    version: string;
    amqpPort: number;
    mgmtPort: number;
    amqpsPort?: number;
    mgmtsPort?: number;
    caFile?: string;
    chroot?: string;
    node?: string;
  }[];
}

const ROOT = path.resolve(__dirname, '..');
const AUTH = 'Basic ' + Buffer.from('guest:guest').toString('base64');

function loadBrokers(): TestBroker[] {
  let file: BrokerFile;
  try {
    file = JSON.parse(readFileSync(path.join(ROOT, '.tools', 'brokers.json'), 'utf8')) as BrokerFile;
  } catch {
    throw new Error(
      '.tools/brokers.json is missing: run scripts/ensure-rabbitmq.sh (npm test does) to start the test brokers',
    );
  }
  const only = process.env.BURROW_BROKERS?.split(',').map((s) => s.trim());
  return file.brokers
    .filter((b) => !only || only.includes(b.id))
    .map((b) => {
      const mgmtUrl = `http://127.0.0.1:${b.mgmtPort}`;
      const ctl = (...args: string[]) =>
        b.chroot
          ? run('chroot', [
              b.chroot,
              '/usr/bin/env',
              'HOME=/var/lib/rabbitmq',
              'rabbitmqctl',
              '-n',
              b.node ?? 'rabbit4@localhost',
              ...args,
            ])
          : run('rabbitmqctl', args);
      const mgmt = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(mgmtUrl + p, {
          method,
          headers: { authorization: AUTH, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!res.ok && !(method === 'DELETE' && res.status === 404))
          throw new Error(`${method} ${p} -> ${res.status} ${await res.text()}`);
        return res;
      };
      return {
        ...b,
        label: `RabbitMQ ${b.version}`,
        major: Number.parseInt(b.version, 10) || (b.id === 'rmq4' ? 4 : 3),
        mgmtUrl,
        ctl,
        mgmt,
      };
    });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/lib/rabbitmq/bin` }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Both brokers (or those named in BURROW_BROKERS=rmq3,rmq4). */
export const BROKERS: TestBroker[] = loadBrokers();

/** The 4.x node (fault tests that need rabbitmqctl on a node of their own use this one). */
export function broker4(): TestBroker {
  const b = BROKERS.find((x) => x.id === 'rmq4');
  if (!b) throw new Error('the RabbitMQ 4.x test node is not configured (.tools/brokers.json)');
  return b;
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy for fault injection.

export interface FaultProxy {
  /** The port to connect to instead of the target's. */
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroys every open connection at once (both sides see a reset / close). */
  resetAll(): void;
  /**
   * Keeps every connection open but silently drops all traffic in both directions from now on
   * (a dead network path: no FIN, no RST). New connections are black-holed too until heal().
   */
  blackhole(): void;
  /** Stops black-holing (new connections work again; black-holed ones stay dead). */
  heal(): void;
  /**
   * Drops, on the open connections, what the broker sends from now on (deliveries, confirms),
   * while what the client sends still reaches the broker: publishes arrive, their confirms do not.
   */
  muteBroker(): void;
  /** Refuse new connections (accept and close at once) until allow(). */
  refuse(): void;
  allow(): void;
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1 (random port) to 127.0.0.1:targetPort. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; dead: boolean; muted?: boolean }>();
  let holes = false;
  let refusing = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: { client: net.Socket; upstream: net.Socket; dead: boolean; muted?: boolean } = {
      client,
      upstream,
      dead: holes,
    };
    pairs.add(pair);
    client.on('data', (d) => {
      if (!pair.dead) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.dead && !pair.muted) client.write(d);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => {
      if (!pair.dead) end();
    });
    upstream.on('close', () => {
      if (!pair.dead) end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    resetAll() {
      for (const p of [...pairs]) {
        pairs.delete(p);
        if (p.client.resetAndDestroy) p.client.resetAndDestroy();
        else p.client.destroy();
        p.upstream.destroy();
      }
    },
    blackhole() {
      holes = true;
      for (const p of pairs) p.dead = true;
    },
    heal() {
      holes = false;
    },
    muteBroker() {
      for (const p of pairs) p.muted = true;
    },
    refuse() {
      refusing = true;
    },
    allow() {
      refusing = false;
    },
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The management API's name of the AMQP connection whose client-provided name is `connectionName`
 * (it is listed a moment after it opened: polls until then).
 */
export function connectionByName(b: TestBroker, connectionName: string, timeoutMs = 15_000): Promise<string> {
  return poll(
    `connection '${connectionName}' in the management API of ${b.label}`,
    async () => {
      const res = await b.mgmt('GET', '/api/connections?columns=name,client_properties');
      const list = (await res.json()) as { name: string; client_properties?: { connection_name?: string } }[];
      return list.find((c) => c.client_properties?.connection_name === connectionName)?.name;
    },
    timeoutMs,
    100,
  );
}

/** Force-closes (CONNECTION_FORCED) the AMQP connection whose client-provided name is `connectionName`. */
export async function closeConnectionByName(b: TestBroker, connectionName: string): Promise<void> {
  const name = await connectionByName(b, connectionName);
  await b.mgmt('DELETE', `/api/connections/${encodeURIComponent(name)}`);
}
