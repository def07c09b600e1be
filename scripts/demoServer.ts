/**
 * Demo topology + Fibonacci RPC server (the RabbitMQ tutorials' shapes), for trying Burrow
 * (`npm run demo`, `npm start`) and for integration tests, end-to-end tests and the benchmark.
 * Tooling, not product: it lives outside src/ so the extension bundle never contains it.
 * `stop()` removes every object the demo created (objects that already existed before start
 * are left alone).
 *
 * The URL's password is never logged nor put in an error message.
 */
import * as amqp from 'amqplib';
import { BrokerError } from '../src/broker/errors';
import { toBrokerError } from '../src/broker/describe';

export interface DemoOptions {
  /** Default amqp://guest:guest@127.0.0.1:5672. The URL's path is ignored: use `vhost`. */
  url?: string;
  /** Default '/'. */
  vhost?: string;
  log?: (s: string) => void;
}

export interface DemoHandle {
  stop(): Promise<void>;
}

export const DEMO_RPC_QUEUE = 'rpc_queue';
/** Largest n the responder computes (fib(10000) has ~2,090 digits). */
export const DEMO_MAX_FIB = 10_000;

interface QueueDecl {
  name: string;
  durable: boolean;
}
interface ExchangeDecl {
  name: string;
  type: string;
}
interface BindingDecl {
  exchange: string;
  queue: string;
  key: string;
  args?: Record<string, unknown>;
}

export const DEMO_EXCHANGES: readonly ExchangeDecl[] = [
  { name: 'logs', type: 'fanout' },
  { name: 'direct_logs', type: 'direct' },
  { name: 'topic_logs', type: 'topic' },
  { name: 'headers_demo', type: 'headers' },
];

export const DEMO_QUEUES: readonly QueueDecl[] = [
  { name: 'task_queue', durable: true },
  { name: 'logs.all', durable: true },
  { name: 'logs.errors', durable: true },
  { name: 'logs.all_levels', durable: true },
  { name: 'topic_logs.any_info', durable: true },
  { name: 'topic_logs.kern', durable: true },
  { name: 'topic_logs.ends_ne', durable: true },
  { name: 'topic_logs.audit', durable: true },
  { name: 'headers_demo.pdf_report_all', durable: true },
  { name: 'headers_demo.pdf_or_report_any', durable: true },
  { name: DEMO_RPC_QUEUE, durable: false },
];

export const DEMO_BINDINGS: readonly BindingDecl[] = [
  { exchange: 'logs', queue: 'logs.all', key: '' },
  { exchange: 'direct_logs', queue: 'logs.errors', key: 'error' },
  { exchange: 'direct_logs', queue: 'logs.all_levels', key: 'info' },
  { exchange: 'direct_logs', queue: 'logs.all_levels', key: 'warning' },
  { exchange: 'direct_logs', queue: 'logs.all_levels', key: 'error' },
  { exchange: 'topic_logs', queue: 'topic_logs.any_info', key: '*.info' },
  { exchange: 'topic_logs', queue: 'topic_logs.kern', key: 'kern.*' },
  { exchange: 'topic_logs', queue: 'topic_logs.ends_ne', key: '#.ne' },
  { exchange: 'topic_logs', queue: 'topic_logs.audit', key: 'audit.#' },
  {
    exchange: 'headers_demo',
    queue: 'headers_demo.pdf_report_all',
    key: '',
    args: { 'x-match': 'all', format: 'pdf', type: 'report' },
  },
  {
    exchange: 'headers_demo',
    queue: 'headers_demo.pdf_or_report_any',
    key: '',
    args: { 'x-match': 'any', format: 'pdf', type: 'report' },
  },
];

/** fib(0) = 0, fib(1) = 1, fib(10) = 55. */
export function fib(n: number): bigint {
  let a = 0n;
  let b = 1n;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** The responder's answer for a request body: the Fibonacci number, or an error text. */
export function fibReply(body: string): { ok: true; text: string } | { ok: false; text: string } {
  const s = body.trim();
  if (!/^\d+$/.test(s))
    return { ok: false, text: `error: expected a non-negative integer, got ${JSON.stringify(body.slice(0, 100))}` };
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > DEMO_MAX_FIB)
    return { ok: false, text: `error: n must be at most ${DEMO_MAX_FIB}` };
  return { ok: true, text: fib(n).toString() };
}

function connectOptions(
  url: string,
  vhost: string,
): { options: amqp.Options.Connect; password: string; where: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BrokerError('Invalid AMQP URL for the demo', 'amqp', 'EINVALIDURL');
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:')
    throw new BrokerError(`Invalid AMQP URL protocol "${u.protocol}"`, 'amqp', 'EINVALIDURL');
  const password = decodeURIComponent(u.password);
  const options: amqp.Options.Connect = {
    protocol: u.protocol.slice(0, -1),
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'amqps:' ? 5671 : 5672,
    username: u.username ? decodeURIComponent(u.username) : 'guest',
    password: u.username ? password : 'guest',
    vhost: encodeURIComponent(vhost),
  };
  return { options, password: options.password ?? '', where: `${u.hostname}:${options.port}` };
}

/** Declares the demo topology in `vhost` and starts the Fibonacci RPC responder on rpc_queue. */
export async function startDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const vhost = opts.vhost ?? '/';
  const log = (s: string) => {
    try {
      opts.log?.(s);
    } catch {
      /* ignore logger failures */
    }
  };
  const { options, password, where } = connectOptions(opts.url ?? 'amqp://guest:guest@127.0.0.1:5672', vhost);
  const ctx = { host: options.hostname, port: options.port, vhost, username: options.username, secrets: [password] };

  let conn: amqp.ChannelModel;
  try {
    // noDelay: without it Nagle + delayed ACK add ~40 ms to every reply.
    conn = await amqp.connect(options, { noDelay: true, clientProperties: { connection_name: 'Burrow demo' } });
  } catch (err) {
    throw toBrokerError(err, { ...ctx, what: `Demo: connect to ${where}` });
  }
  conn.on('error', (err: unknown) => log(`demo connection error: ${toBrokerError(err, ctx).message}`));

  const createdQueues: string[] = [];
  const createdExchanges: string[] = [];
  const addedBindings: BindingDecl[] = [];

  /** Runs fn on a throw-away channel (a 404/406 only closes that channel). */
  const onChannel = async <T>(fn: (ch: amqp.Channel) => Promise<T>): Promise<T> => {
    const ch = await conn.createChannel();
    let reason: unknown;
    ch.on('error', (e: unknown) => (reason = e));
    try {
      return await fn(ch);
    } catch (err) {
      throw toBrokerError(reason ?? err, ctx);
    } finally {
      await ch.close().catch(() => undefined);
    }
  };
  const exists = async (check: (ch: amqp.Channel) => Promise<unknown>): Promise<boolean> => {
    try {
      await onChannel(check);
      return true;
    } catch (err) {
      if (err instanceof BrokerError && err.code === 404) return false;
      throw err;
    }
  };

  const cleanup = async () => {
    await onChannel(async (ch) => {
      for (const b of addedBindings) {
        if (createdQueues.includes(b.queue) || createdExchanges.includes(b.exchange)) continue; // goes with the object
        await ch.unbindQueue(b.queue, b.exchange, b.key, b.args ?? {}).catch(() => undefined);
      }
    }).catch(() => undefined);
    for (const q of createdQueues) {
      await onChannel((ch) => ch.deleteQueue(q)).catch((e: unknown) =>
        log(`could not delete queue ${q}: ${toBrokerError(e, ctx).message}`),
      );
    }
    for (const x of createdExchanges) {
      await onChannel((ch) => ch.deleteExchange(x)).catch((e: unknown) =>
        log(`could not delete exchange ${x}: ${toBrokerError(e, ctx).message}`),
      );
    }
  };

  let rpcChannel: amqp.Channel | undefined;
  try {
    for (const x of DEMO_EXCHANGES) {
      if (!(await exists((ch) => ch.checkExchange(x.name)))) {
        await onChannel((ch) => ch.assertExchange(x.name, x.type, { durable: true, autoDelete: false }));
        createdExchanges.push(x.name);
        log(`declared ${x.type} exchange ${x.name}`);
      } else log(`exchange ${x.name} already exists: kept as is`);
    }
    for (const q of DEMO_QUEUES) {
      if (!(await exists((ch) => ch.checkQueue(q.name)))) {
        await onChannel((ch) => ch.assertQueue(q.name, { durable: q.durable, autoDelete: false }));
        createdQueues.push(q.name);
        log(`declared ${q.durable ? 'durable ' : ''}queue ${q.name}`);
      } else log(`queue ${q.name} already exists: kept as is`);
    }
    await onChannel(async (ch) => {
      for (const b of DEMO_BINDINGS) {
        await ch.bindQueue(b.queue, b.exchange, b.key, b.args ?? {});
        addedBindings.push(b);
        log(
          `bound ${b.queue} to ${b.exchange}${b.args ? ` with ${JSON.stringify(b.args)}` : ` with key ${JSON.stringify(b.key)}`}`,
        );
      }
    });

    // The Fibonacci responder.
    const ch = await conn.createChannel();
    rpcChannel = ch;
    ch.on('error', (err: unknown) => log(`demo RPC channel error: ${toBrokerError(err, ctx).message}`));
    await ch.prefetch(1);
    await ch.consume(
      DEMO_RPC_QUEUE,
      (msg) => {
        if (!msg) {
          log('the RPC consumer was cancelled by the broker');
          return;
        }
        try {
          const { replyTo, correlationId } = msg.properties as { replyTo?: string; correlationId?: string };
          const answer = fibReply(msg.content.toString('utf8'));
          if (replyTo) {
            ch.sendToQueue(replyTo, Buffer.from(answer.text), {
              correlationId,
              contentType: 'text/plain',
              ...(answer.ok ? {} : { headers: { 'x-error': true } }),
            });
          } else {
            log(`request without reply_to ignored (${answer.text.slice(0, 60)})`);
          }
        } catch (err) {
          log(`RPC handler failed: ${toBrokerError(err, ctx).message}`);
        } finally {
          try {
            ch.ack(msg);
          } catch {
            /* channel gone */
          }
        }
      },
      { noAck: false },
    );
    log(`Fibonacci RPC server consuming ${DEMO_RPC_QUEUE} (prefetch 1)`);
  } catch (err) {
    await cleanup().catch(() => undefined);
    await conn.close().catch(() => undefined);
    throw toBrokerError(err, { ...ctx, what: 'Demo setup' });
  }

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        if (rpcChannel) await rpcChannel.close().catch(() => undefined);
        await cleanup();
        await conn.close().catch(() => undefined);
        log('demo stopped: its queues and exchanges were deleted');
      })();
      return stopping;
    },
  };
}
