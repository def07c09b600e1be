/**
 * Request/reply (RPC) client over AMQP 0-9-1.
 *
 * - 'direct-reply-to': consumes the pseudo-queue `amq.rabbitmq.reply-to` (noAck) on a
 *   channel and publishes requests with replyTo 'amq.rabbitmq.reply-to' on that SAME
 *   channel, as RabbitMQ requires.
 * - 'callback-queue': a server-named exclusive, auto-delete queue consumed (noAck) on the
 *   channel requests are published on.
 *
 * Each request gets a fresh random correlation id; replies with any other id are "strays"
 * (recorded, never taken as the answer). Requests are published with mandatory=true so an
 * unroutable request comes back at once as basic.return (312 NO_ROUTE) instead of
 * timing out. Before publishing, a cheap passive check on a separate channel catches a
 * missing exchange/queue (404) and, for the default exchange, a queue without consumers.
 *
 * Reply channels are opened lazily, kept across calls, and re-created after a channel
 * error or a reconnect. They live on the vhost's 'publish' connection (requests are published
 * on them), so a broker resource alarm never blocks the 'read' connection; while the broker
 * blocks publishing, requests fail at once with code BLOCKED. Every broker round trip has a
 * deadline (the manager's callDeadlineMs) and channel closes never hang.
 */
import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { blockedError, type AmqpConnectionManager, type Disposable } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { headersForAmqp } from './publish';

export type ReplyMode = 'direct-reply-to' | 'callback-queue';

/** amqplib publish options a request may set (correlationId, replyTo and mandatory are the client's). */
export type RpcProperties = Omit<amqp.Options.Publish, 'correlationId' | 'replyTo' | 'mandatory'> &
  Record<string, unknown>;

export interface RpcRequest {
  exchange: string;
  routingKey: string;
  body: Uint8Array;
  properties?: RpcProperties;
  timeoutMs: number;
  replyMode: ReplyMode;
  signal?: AbortSignal;
}

export interface StrayReply {
  /** The reply's correlation id (undefined when it had none). */
  correlationId: string | undefined;
  body: Uint8Array;
  /** Date.now() when it arrived. */
  receivedAt: number;
}

export interface RpcReply {
  body: Uint8Array;
  properties: Record<string, unknown>;
  routingKey: string;
  exchange: string;
}

export type RpcOutcome =
  | { status: 'reply'; reply: RpcReply; rttMs: number; correlationId: string; strays: StrayReply[] }
  | { status: 'timeout'; timeoutMs: number; correlationId: string; strays: StrayReply[] }
  | { status: 'unroutable'; replyCode: number; replyText: string }
  | { status: 'no-consumer'; queue: string; message: string }
  | { status: 'cancelled' }
  | { status: 'error'; error: BrokerError };

export interface CallManyOptions {
  onProgress?: (done: number, total: number, last: RpcOutcome) => void;
  signal?: AbortSignal;
  /** Requests in flight at once (default 1: sequential). */
  concurrency?: number;
}

export interface CallManyResult {
  ok: number;
  failed: number;
  /** rttMs of every successful call, in completion order. */
  latencies: number[];
  min: number;
  median: number;
  p95: number;
  max: number;
  /** Outcomes counted by status (ok + failed may be < n when cancelled). */
  byStatus: Partial<Record<RpcOutcome['status'], number>>;
  /** The first outcome that was not a reply, if any. */
  firstFailure?: RpcOutcome;
  /** True when the signal stopped the run early. */
  cancelled: boolean;
}

export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

export interface RpcClientOptions {
  /**
   * How long a successful pre-publish check (queue exists and has a consumer / exchange
   * exists) is trusted for the same exchange and routing key, in ms. Default 1000; 0 checks
   * before every request. A failed or timed-out call forgets it at once.
   */
  preflightCacheMs?: number;
}

interface ReplyChannel {
  mode: ReplyMode;
  ch: amqp.Channel;
  replyTo: string;
  /** The broker's reason when the channel was closed by an error. */
  closeReason?: unknown;
  closed: boolean;
}

interface CheckChannel {
  ch: amqp.Channel;
  /** The broker's reason when it closed the channel (404 ...). */
  reason?: unknown;
}

interface Pending {
  correlationId: string;
  rc: ReplyChannel;
  strays: StrayReply[];
  startedAt: number;
  settle(outcome: RpcOutcome): void;
}

const NO_ROUTE_TEXT = 'NO_ROUTE';

export class RpcClient {
  private readonly pending = new Map<string, Pending>();
  private readonly replyChannels = new Map<ReplyMode, Promise<ReplyChannel>>();
  private checkChannel?: Promise<CheckChannel>;
  private readonly subscription: Disposable;
  private readonly blockedSubscription: Disposable;
  /** exchange + '\0' + routing key -> time (performance.now) until which the last good check is trusted. */
  private readonly checkedUntil = new Map<string, number>();
  private readonly preflightCacheMs: number;
  private disposed = false;

  constructor(
    private readonly mgr: AmqpConnectionManager,
    private readonly vhost: string,
    options: RpcClientOptions = {},
  ) {
    this.preflightCacheMs = Math.max(0, options.preflightCacheMs ?? 1000);
    this.subscription = mgr.onReconnected(
      (v) => {
        if (v === this.vhost) this.resetChannels();
      },
      { all: true },
    );
    // Requests in flight when the broker blocks publishing fail now, not when the alarm clears.
    this.blockedSubscription = mgr.onBlockedChange((e) => {
      if (e.vhost !== this.vhost || !e.blocked) return;
      for (const p of [...this.pending.values()])
        p.settle({ status: 'error', error: blockedError(this.vhost, e.reason, true) });
    });
  }

  /** Sends one request and waits for its reply (or timeout / return / cancel / error). Never throws. */
  async call(req: RpcRequest): Promise<RpcOutcome> {
    if (req.signal?.aborted) return { status: 'cancelled' };
    if (this.disposed)
      return { status: 'error', error: new BrokerError('The RPC client has been disposed', 'amqp', 'closed') };
    const pre = await this.preflight(req);
    if (pre) return pre;
    const outcome = await this.send(req);
    if (outcome.status !== 'reply' && outcome.status !== 'cancelled') this.checkedUntil.delete(targetKey(req));
    return outcome;
  }

  /** Sends `n` requests (sequentially by default) and summarises round-trip times of the replies. */
  async callMany(req: RpcRequest, n: number, opts: CallManyOptions = {}): Promise<CallManyResult> {
    const latencies: number[] = [];
    const byStatus: CallManyResult['byStatus'] = {};
    let firstFailure: RpcOutcome | undefined;
    let done = 0;
    let ok = 0;
    const signal = anySignal([opts.signal, req.signal]);
    const record = (o: RpcOutcome) => {
      done++;
      byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
      if (o.status === 'reply') {
        ok++;
        latencies.push(o.rttMs);
      } else {
        if (o.status !== 'cancelled') this.checkedUntil.delete(targetKey(req));
        if (!firstFailure) firstFailure = o;
      }
      try {
        opts.onProgress?.(done, n, o);
      } catch {
        /* a throwing progress callback must not stop the run */
      }
    };

    // The target is checked once, not before every request.
    const pre = signal?.aborted ? ({ status: 'cancelled' } as const) : await this.preflight(req);
    if (pre) {
      record(pre);
      return summarise(latencies, ok, done - ok, byStatus, firstFailure, pre.status === 'cancelled');
    }
    let next = 0;
    const worker = async () => {
      while (next < n && !signal?.aborted && !this.disposed) {
        next++;
        record(await this.send({ ...req, signal }));
      }
    };
    const concurrency = Math.max(1, Math.min(n, Math.floor(opts.concurrency ?? 1)));
    await Promise.all(Array.from({ length: concurrency }, worker));
    const cancelled = done < n || signal?.aborted === true;
    return summarise(latencies, ok, done - ok, byStatus, firstFailure, cancelled);
  }

  /** Cancels pending calls (status 'cancelled') and closes the client's channels. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.subscription.dispose();
    this.blockedSubscription.dispose();
    for (const p of [...this.pending.values()]) p.settle({ status: 'cancelled' });
    const channels = [...this.replyChannels.values()];
    this.replyChannels.clear();
    const check = this.checkChannel;
    this.checkChannel = undefined;
    await Promise.allSettled([
      ...channels.map(async (p) => this.mgr.closeChannel((await p).ch)),
      ...(check ? [check.then((cc) => this.mgr.closeChannel(cc.ch))] : []),
    ]);
  }

  // -----------------------------------------------------------------------------------------

  /**
   * Passive checks before publishing. The default exchange: the queue must exist (404) and
   * have a consumer; any other exchange must exist (a publish to a missing exchange would
   * close the reply channel).
   */
  private async preflight(req: RpcRequest): Promise<RpcOutcome | undefined> {
    const key = targetKey(req);
    const until = this.checkedUntil.get(key);
    if (until !== undefined && performance.now() < until) return undefined;
    this.checkedUntil.delete(key);
    const outcome = await this.check(req);
    if (!outcome && this.preflightCacheMs > 0) {
      if (this.checkedUntil.size > 1000) this.checkedUntil.clear();
      this.checkedUntil.set(key, performance.now() + this.preflightCacheMs);
    }
    return outcome;
  }

  private async check(req: RpcRequest): Promise<RpcOutcome | undefined> {
    try {
      if (req.exchange === '') {
        if (req.routingKey.startsWith(`${DIRECT_REPLY_TO}.`)) return undefined;
        const ok = await this.onCheckChannel((ch) => ch.checkQueue(req.routingKey), `Check queue '${req.routingKey}'`);
        if (ok.consumerCount === 0) {
          return {
            status: 'no-consumer',
            queue: req.routingKey,
            message: `Queue '${req.routingKey}' has no consumer: nothing would answer this request (it was not sent). Start the RPC server, or publish anyway from the publish panel.`,
          };
        }
      } else {
        await this.onCheckChannel((ch) => ch.checkExchange(req.exchange), `Check exchange '${req.exchange}'`);
      }
    } catch (err) {
      return { status: 'error', error: toBrokerError(err, { vhost: this.vhost }) };
    }
    return undefined;
  }

  private async onCheckChannel<T>(fn: (ch: amqp.Channel) => Promise<T>, what: string): Promise<T> {
    if (!this.checkChannel) {
      const opening: Promise<CheckChannel> = this.mgr.openChannel(this.vhost).then((ch) => {
        const cc: CheckChannel = { ch };
        ch.on('error', (e: unknown) => (cc.reason = e));
        ch.on('close', () => {
          if (this.checkChannel === opening) this.checkChannel = undefined;
        });
        return cc;
      });
      opening.catch(() => {
        if (this.checkChannel === opening) this.checkChannel = undefined;
      });
      this.checkChannel = opening;
    }
    const cc = await this.checkChannel;
    try {
      return await this.mgr.deadline(cc.ch, fn(cc.ch), what);
    } catch (err) {
      // After a 404 amqplib may only say "Channel closed": the broker's reason is the useful part.
      const cause =
        err instanceof Error && err.name === 'IllegalOperationError' && cc.reason !== undefined ? cc.reason : err;
      throw toBrokerError(cause, { what, vhost: this.vhost });
    }
  }

  private replyChannel(mode: ReplyMode): Promise<ReplyChannel> {
    let p = this.replyChannels.get(mode);
    if (!p) {
      p = this.openReplyChannel(mode);
      const opening = p;
      opening.catch(() => {
        if (this.replyChannels.get(mode) === opening) this.replyChannels.delete(mode);
      });
      this.replyChannels.set(mode, opening);
    }
    return p;
  }

  private async openReplyChannel(mode: ReplyMode): Promise<ReplyChannel> {
    const ch = await this.mgr.openChannel(this.vhost, { purpose: 'publish' });
    const rc: ReplyChannel = { mode, ch, replyTo: DIRECT_REPLY_TO, closed: false };
    ch.on('error', (e: unknown) => (rc.closeReason = e));
    ch.on('close', () => this.onReplyChannelClosed(rc));
    ch.on('return', (msg: amqp.Message) => this.onReturn(msg));
    try {
      if (mode === 'callback-queue') {
        const q = await this.mgr.deadline(
          ch,
          ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false }),
          'Declare the callback queue',
        );
        rc.replyTo = q.queue;
      }
      await this.mgr.deadline(
        ch,
        ch.consume(rc.replyTo, (msg) => (msg ? this.onReply(msg) : void this.mgr.closeChannel(ch)), { noAck: true }),
        `Consume ${mode} replies`,
      );
    } catch (err) {
      void this.mgr.closeChannel(ch);
      throw toBrokerError(rc.closeReason ?? err, { what: `Set up ${mode} replies`, vhost: this.vhost });
    }
    if (this.disposed) {
      await this.mgr.closeChannel(ch);
      throw new BrokerError('The RPC client has been disposed', 'amqp', 'closed');
    }
    return rc;
  }

  private send(req: RpcRequest): Promise<RpcOutcome> {
    return new Promise<RpcOutcome>((resolve) => {
      if (req.signal?.aborted) return resolve({ status: 'cancelled' });
      const correlationId = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const onAbort = () => entry.settle({ status: 'cancelled' });
      const entry: Pending = {
        correlationId,
        rc: undefined as unknown as ReplyChannel,
        strays: [],
        startedAt: 0,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          req.signal?.removeEventListener('abort', onAbort);
          this.pending.delete(correlationId);
          resolve(outcome);
        },
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const blocked = this.mgr.blockedReason(this.vhost);
      if (blocked !== undefined) return entry.settle({ status: 'error', error: blockedError(this.vhost, blocked) });

      this.replyChannel(req.replyMode).then(
        (rc) => {
          if (settled) return;
          if (rc.closed) {
            entry.settle({ status: 'error', error: channelClosedError(rc, this.vhost) });
            return;
          }
          entry.rc = rc;
          this.pending.set(correlationId, entry);
          const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
          timer = setTimeout(
            () => entry.settle({ status: 'timeout', timeoutMs: req.timeoutMs, correlationId, strays: entry.strays }),
            Math.max(0, req.timeoutMs),
          );
          entry.startedAt = performance.now();
          try {
            // Built here: headersForAmqp throws on a value amqplib cannot send (a table with a field '!').
            const options: amqp.Options.Publish = {
              ...(req.properties ?? {}),
              ...(req.properties?.headers ? { headers: headersForAmqp(req.properties.headers) } : {}),
              correlationId,
              replyTo: rc.replyTo,
              mandatory: true,
            };
            rc.ch.publish(req.exchange, req.routingKey, body, options);
          } catch (err) {
            entry.settle({
              status: 'error',
              error: toBrokerError(err, { what: 'Publish request', vhost: this.vhost }),
            });
          }
        },
        (err: unknown) => entry.settle({ status: 'error', error: toBrokerError(err, { vhost: this.vhost }) }),
      );
    });
  }

  private onReply(msg: amqp.ConsumeMessage): void {
    const receivedAt = performance.now();
    const id = msg.properties.correlationId as string | undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (p) {
      p.settle({
        status: 'reply',
        reply: {
          body: msg.content,
          properties: { ...(msg.properties as unknown as Record<string, unknown>) },
          routingKey: msg.fields.routingKey,
          exchange: msg.fields.exchange,
        },
        rttMs: Math.max(receivedAt - p.startedAt, Number.EPSILON),
        correlationId: p.correlationId,
        strays: p.strays,
      });
      return;
    }
    // Not the answer to anything pending (late, duplicate or wrong id): every waiting call sees it.
    const stray: StrayReply = { correlationId: id, body: msg.content, receivedAt: Date.now() };
    for (const other of this.pending.values()) other.strays.push(stray);
  }

  private onReturn(msg: amqp.Message): void {
    const id = msg.properties.correlationId as string | undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p) return;
    const fields = msg.fields as unknown as { replyCode?: number; replyText?: string };
    p.settle({
      status: 'unroutable',
      replyCode: fields.replyCode ?? 312,
      replyText: fields.replyText ?? NO_ROUTE_TEXT,
    });
  }

  private onReplyChannelClosed(rc: ReplyChannel): void {
    rc.closed = true;
    void this.replyChannels.get(rc.mode)?.then((current) => {
      if (current === rc) this.replyChannels.delete(rc.mode);
    });
    for (const p of [...this.pending.values()]) {
      if (p.rc === rc) p.settle({ status: 'error', error: channelClosedError(rc, this.vhost) });
    }
  }

  private resetChannels(): void {
    // After a reconnect the old channels are dead: their 'close' already failed pending calls.
    for (const [mode, p] of [...this.replyChannels]) {
      void p.then(
        (rc) => {
          if (rc.closed && this.replyChannels.get(mode) === p) this.replyChannels.delete(mode);
        },
        () => undefined,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------

function targetKey(req: RpcRequest): string {
  return `${req.exchange}\u0000${req.routingKey}`;
}

function channelClosedError(rc: ReplyChannel, vhost: string): BrokerError {
  if (rc.closeReason !== undefined) return toBrokerError(rc.closeReason, { vhost });
  return new BrokerError('The RPC channel was closed (connection lost?)', 'amqp', 'CHANNEL_CLOSED');
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function summarise(
  latencies: number[],
  ok: number,
  failed: number,
  byStatus: CallManyResult['byStatus'],
  firstFailure: RpcOutcome | undefined,
  cancelled: boolean,
): CallManyResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    ok,
    failed,
    latencies,
    min: sorted[0] ?? 0,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] ?? 0,
    byStatus,
    ...(firstFailure ? { firstFailure } : {}),
    cancelled,
  };
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return AbortSignal.any(list);
}
