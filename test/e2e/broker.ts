// Test-side access to the real brokers for the e2e scenarios: declare / publish / inspect / delete the
// uniquely named objects a scenario uses (management API and AMQP as guest/guest).
//
// Two ways to use it:
//   - `BrokerSide.withVhost(B, 'msg')`: a throw-away vhost of its own on broker B (test/brokers.ts);
//     `cleanup()` deletes the vhost with everything in it. The scenarios that run on both brokers use this.
//   - the module-level functions (publish, queueDepth, TestObjects, mgmt): vhost / on the 3.x broker
//     (127.0.0.1:5672 / 15672), as the single-broker scenarios always did.
// Every object a test creates must be registered (declareQueue / declareExchange) so cleanup() removes it.
import * as amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import type { TestBroker } from '../brokers';

export const AMQP_URL = process.env.BURROW_E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
export const MGMT_URL = process.env.BURROW_E2E_MGMT_URL ?? 'http://127.0.0.1:15672';
const AUTH = 'Basic ' + Buffer.from('guest:guest').toString('base64');

export function uniqueName(prefix: string): string {
  return `burrow-e2e-${prefix}-${randomBytes(4).toString('hex')}`;
}

const enc = encodeURIComponent;

export interface QueueStats {
  name: string;
  messages?: number;
  messages_ready?: number;
}

/** One broker + one vhost, seen from the test process (not through the extension under test). */
export class BrokerSide {
  private conn: amqp.ChannelModel | undefined;
  private readonly queues = new Set<string>();
  private readonly exchanges = new Set<string>();
  private ownsVhost = false;

  constructor(
    /** AMQP URL without the vhost path, e.g. amqp://guest:guest@127.0.0.1:5673 */
    readonly amqpBase: string,
    readonly mgmtUrl: string,
    readonly vhost: string,
  ) {}

  /** A fresh uniquely named vhost on broker B, with full permissions for guest. */
  static async withVhost(b: TestBroker, prefix: string): Promise<BrokerSide> {
    const side = new BrokerSide(`amqp://guest:guest@127.0.0.1:${b.amqpPort}`, b.mgmtUrl, uniqueName(prefix));
    await side.mgmt('PUT', `/vhosts/${enc(side.vhost)}`, {});
    side.ownsVhost = true;
    await side.mgmt('PUT', `/permissions/${enc(side.vhost)}/guest`, { configure: '.*', write: '.*', read: '.*' });
    return side;
  }

  /** The AMQP URL of this side's vhost (for startDemo and the like). */
  get amqpUrl(): string {
    return `${this.amqpBase}/${enc(this.vhost)}`;
  }

  async mgmt<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.mgmtUrl}/api${path}`, {
      method,
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async getQueue(name: string): Promise<QueueStats> {
    return this.mgmt<QueueStats>('GET', `/queues/${enc(this.vhost)}/${enc(name)}`);
  }

  /** Names of the queues or exchanges in this vhost. */
  async names(kind: 'queues' | 'exchanges'): Promise<Set<string>> {
    return new Set(
      (await this.mgmt<{ name: string }[]>('GET', `/${kind}/${enc(this.vhost)}?columns=name`)).map((x) => x.name),
    );
  }

  /** The broker's own count (AMQP queue.declare passive): exact and immediate, unlike the management stats. */
  async queueDepth(name: string): Promise<number> {
    return this.withChannel(async (ch) => (await ch.checkQueue(name)).messageCount);
  }

  private async connection(): Promise<amqp.ChannelModel> {
    this.conn ??= await amqp.connect(this.amqpUrl);
    return this.conn;
  }

  async withChannel<T>(fn: (ch: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    const ch = await (await this.connection()).createConfirmChannel();
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Publishes with publisher confirms (resolves once the broker confirmed each message). */
  async publish(
    exchange: string,
    routingKey: string,
    bodies: (string | Buffer)[],
    props: amqp.Options.Publish = {},
  ): Promise<void> {
    await this.withChannel(async (ch) => {
      for (const b of bodies)
        ch.publish(exchange, routingKey, Buffer.isBuffer(b) ? b : Buffer.from(b), { persistent: false, ...props });
      await ch.waitForConfirms();
    });
  }

  async declareQueue(name: string): Promise<string> {
    this.queues.add(name);
    await this.withChannel((ch) => ch.assertQueue(name, { durable: false, autoDelete: false }));
    return name;
  }

  async declareExchange(name: string, type: 'topic' | 'direct' | 'fanout'): Promise<string> {
    this.exchanges.add(name);
    await this.withChannel((ch) => ch.assertExchange(name, type, { durable: false, autoDelete: false }));
    return name;
  }

  async bind(queue: string, exchange: string, key: string): Promise<void> {
    await this.withChannel((ch) => ch.bindQueue(queue, exchange, key));
  }

  /**
   * Deletes what this side created (via the management API, so a broken AMQP connection does not
   * leave objects behind): its own vhost as a whole, or else each registered queue and exchange.
   */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    const del = (path: string) =>
      this.mgmt('DELETE', path).catch((e: Error) => (/404/.test(e.message) ? undefined : errors.push(e.message)));
    const c = this.conn;
    this.conn = undefined;
    await c?.close().catch(() => undefined);
    if (this.ownsVhost) {
      await del(`/vhosts/${enc(this.vhost)}`);
    } else {
      for (const q of this.queues) await del(`/queues/${enc(this.vhost)}/${enc(q)}`);
      for (const x of this.exchanges) await del(`/exchanges/${enc(this.vhost)}/${enc(x)}`);
    }
    this.queues.clear();
    this.exchanges.clear();
    if (errors.length) throw new Error(`cleanup failed: ${errors.join('; ')}`);
  }
}

// ------------------------------------------------------------------------------------------------
// The connection profile the extension under test uses for a broker
// ------------------------------------------------------------------------------------------------

export interface E2EConnection {
  /** Its row label in the Burrow tree. */
  name: string;
  /** User settings for startSession (burrow.connections), empty for the built-in localhost profile. */
  settings: Record<string, unknown>;
  /** To enter with "Set Password…" before first use (undefined: the built-in profile's default guest). */
  password?: string;
}

/**
 * The 3.x broker on 5672 through the built-in `localhost` profile (as a new user gets it, password
 * guest by default); any other broker through a profile in `burrow.connections` named after its
 * version, with an explicit managementUrl (its ports are not the standard ones) and the password
 * entered through "Set Password…".
 */
export function connectionFor(b: TestBroker): E2EConnection {
  if (b.amqpPort === 5672 && b.mgmtPort === 15672) return { name: 'localhost', settings: {} };
  const name = b.label;
  return {
    name,
    settings: {
      'burrow.connections': [
        {
          id: `e2e-${b.id}`,
          name,
          host: '127.0.0.1',
          port: b.amqpPort,
          vhost: '/',
          username: 'guest',
          tls: false,
          managementUrl: b.mgmtUrl,
        },
      ],
    },
    password: 'guest',
  };
}

// ------------------------------------------------------------------------------------------------
// Vhost / on the 3.x broker (the scenarios that run on one broker only)
// ------------------------------------------------------------------------------------------------

const defaultUrl = new URL(AMQP_URL);
const defaultSide = new BrokerSide(
  `${defaultUrl.protocol}//${defaultUrl.username}:${defaultUrl.password}@${defaultUrl.host}`,
  MGMT_URL,
  decodeURIComponent(defaultUrl.pathname.slice(1)) || '/',
);

export function mgmt<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  return defaultSide.mgmt<T>(method, path, body);
}

export function getQueue(vhost: string, name: string): Promise<QueueStats> {
  return mgmt<QueueStats>('GET', `/queues/${enc(vhost)}/${enc(name)}`);
}

export function queueDepth(name: string): Promise<number> {
  return defaultSide.queueDepth(name);
}

export function withChannel<T>(fn: (ch: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  return defaultSide.withChannel(fn);
}

export function publish(
  exchange: string,
  routingKey: string,
  bodies: (string | Buffer)[],
  props: amqp.Options.Publish = {},
): Promise<void> {
  return defaultSide.publish(exchange, routingKey, bodies, props);
}

/** Objects created by a test file in vhost / of the 3.x broker; deleted by cleanup(). */
export class TestObjects {
  declareQueue(name: string): Promise<string> {
    return defaultSide.declareQueue(name);
  }
  declareExchange(name: string, type: 'topic' | 'direct' | 'fanout'): Promise<string> {
    return defaultSide.declareExchange(name, type);
  }
  bind(queue: string, exchange: string, key: string): Promise<void> {
    return defaultSide.bind(queue, exchange, key);
  }
  cleanup(): Promise<void> {
    return defaultSide.cleanup();
  }
}
