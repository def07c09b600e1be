// Test-side access to the real broker for the e2e scenarios: declare / publish / inspect / delete the
// uniquely named objects a scenario uses (management API on 127.0.0.1:15672 and AMQP on 5672, guest/guest).
// Every object a test creates must be registered with `track()` so `cleanup()` removes it in after().
import * as amqp from 'amqplib';
import { randomBytes } from 'node:crypto';

export const AMQP_URL = process.env.BURROW_E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
export const MGMT_URL = process.env.BURROW_E2E_MGMT_URL ?? 'http://127.0.0.1:15672';
const AUTH = 'Basic ' + Buffer.from('guest:guest').toString('base64');

export function uniqueName(prefix: string): string {
  return `burrow-e2e-${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function mgmt<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${MGMT_URL}/api${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

export interface QueueStats {
  name: string;
  messages?: number;
  messages_ready?: number;
}

export async function getQueue(vhost: string, name: string): Promise<QueueStats> {
  return mgmt<QueueStats>('GET', `/queues/${enc(vhost)}/${enc(name)}`);
}

/** The broker's own count (AMQP queue.declare passive): exact and immediate, unlike the management stats. */
export async function queueDepth(name: string): Promise<number> {
  return withChannel(async (ch) => (await ch.checkQueue(name)).messageCount);
}

let conn: amqp.ChannelModel | undefined;

async function connection(): Promise<amqp.ChannelModel> {
  conn ??= await amqp.connect(AMQP_URL);
  return conn;
}

export async function withChannel<T>(fn: (ch: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const ch = await (await connection()).createConfirmChannel();
  try {
    return await fn(ch);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** Publishes with publisher confirms (resolves once the broker confirmed each message). */
export async function publish(
  exchange: string,
  routingKey: string,
  bodies: (string | Buffer)[],
  props: amqp.Options.Publish = {},
): Promise<void> {
  await withChannel(async (ch) => {
    for (const b of bodies) ch.publish(exchange, routingKey, Buffer.isBuffer(b) ? b : Buffer.from(b), { persistent: false, ...props });
    await ch.waitForConfirms();
  });
}

/** Objects created by a test file; deleted by cleanup(). */
export class TestObjects {
  private readonly queues = new Set<string>();
  private readonly exchanges = new Set<string>();

  async declareQueue(name: string): Promise<string> {
    this.queues.add(name);
    await withChannel((ch) => ch.assertQueue(name, { durable: false, autoDelete: false }));
    return name;
  }

  async declareExchange(name: string, type: 'topic' | 'direct' | 'fanout'): Promise<string> {
    this.exchanges.add(name);
    await withChannel((ch) => ch.assertExchange(name, type, { durable: false, autoDelete: false }));
    return name;
  }

  async bind(queue: string, exchange: string, key: string): Promise<void> {
    await withChannel((ch) => ch.bindQueue(queue, exchange, key));
  }

  /** Deletes everything (via the management API, so a broken AMQP connection does not leave objects behind). */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    for (const q of this.queues) {
      await mgmt('DELETE', `/queues/%2F/${enc(q)}`).catch((e: Error) => (/404/.test(e.message) ? undefined : errors.push(e.message)));
    }
    for (const x of this.exchanges) {
      await mgmt('DELETE', `/exchanges/%2F/${enc(x)}`).catch((e: Error) => (/404/.test(e.message) ? undefined : errors.push(e.message)));
    }
    this.queues.clear();
    this.exchanges.clear();
    const c = conn;
    conn = undefined;
    await c?.close().catch(() => undefined);
    if (errors.length) throw new Error(`cleanup failed: ${errors.join('; ')}`);
  }
}
