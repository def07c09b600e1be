/**
 * Publishing with publisher confirms and mandatory routing.
 *
 * A single publish runs on its own short-lived confirm channel, so a basic.return (which the
 * broker sends BEFORE the confirm of the same message) can only belong to that message: user
 * messages are never altered with tracking headers or ids. A channel error (404 missing
 * exchange, 406 user-id mismatch, 403) closes only that channel and becomes an 'error' outcome.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import type { MessageProperties } from '../core/message';

export interface PublishRequest {
  exchange: string;
  routingKey: string;
  body: Uint8Array;
  properties: MessageProperties;
  /** Ask the broker to return unroutable messages. Default true. */
  mandatory?: boolean;
}

export type PublishOutcome =
  | { status: 'confirmed' }
  | { status: 'returned'; replyCode: number; replyText: string }
  | { status: 'nacked' }
  | { status: 'error'; error: BrokerError };

export interface PublishCounts {
  /** Acked by the broker and routed (acks of returned messages are counted as returned). */
  confirmed: number;
  nacked: number;
  /** Returned as unroutable (mandatory). */
  returned: number;
}

export interface PublishManyResult extends PublishCounts {
  elapsedMs: number;
  cancelled: boolean;
}

export interface PublishManyOptions {
  /** Called about every 100 ms and once at the end; `done` = messages settled (confirmed + nacked + returned). */
  onProgress?: (done: number, counts: PublishCounts) => void;
  signal?: AbortSignal;
  /** Maximum unconfirmed messages in flight. Default 1000. */
  windowSize?: number;
}

const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
const DEFAULT_WINDOW = 1000;
const PROGRESS_INTERVAL_MS = 100;

/** Buffer view of a Uint8Array (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** amqplib encodes only Buffers as byte arrays (a plain Uint8Array would become a table). */
function headersForAmqp(v: unknown, depth = 0): unknown {
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return asBuffer(v);
  if (Array.isArray(v)) return v.map((x) => headersForAmqp(x, depth + 1));
  const o = v as Record<string, unknown>;
  if (typeof o['!'] === 'string' && 'value' in o) return v; // amqplib typed value, e.g. timestamp
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) if (x !== undefined) out[k] = headersForAmqp(x, depth + 1);
  return out;
}

/** Maps Burrow message properties to amqplib publish options. */
export function toPublishOptions(p: MessageProperties, mandatory = true): amqp.Options.Publish {
  const o: amqp.Options.Publish = { mandatory };
  if (p.contentType !== undefined) o.contentType = p.contentType;
  if (p.contentEncoding !== undefined) o.contentEncoding = p.contentEncoding;
  if (p.deliveryMode !== undefined) o.deliveryMode = p.deliveryMode;
  if (p.priority !== undefined) o.priority = p.priority;
  if (p.correlationId !== undefined) o.correlationId = p.correlationId;
  if (p.replyTo !== undefined) o.replyTo = p.replyTo;
  if (p.expiration !== undefined) o.expiration = String(p.expiration);
  if (p.messageId !== undefined) o.messageId = p.messageId;
  if (p.timestamp !== undefined) o.timestamp = p.timestamp;
  if (p.type !== undefined) o.type = p.type;
  if (p.userId !== undefined) o.userId = p.userId;
  if (p.appId !== undefined) o.appId = p.appId;
  if (p.headers !== undefined) o.headers = headersForAmqp(p.headers);
  return o;
}

/** A publish rejected by amqplib before anything was sent (bad property values). */
function invalidRequest(err: unknown): BrokerError {
  const msg = err instanceof Error ? err.message : String(err);
  return new BrokerError(`The message cannot be encoded: ${msg}`, 'amqp', 'INVALID_MESSAGE', undefined, { cause: err });
}

/**
 * Publishes one message with confirms (and mandatory unless disabled). Never throws: failures
 * are an 'error' outcome with a BrokerError (404 missing exchange, 406 user-id mismatch…).
 */
export async function publishMessage(
  mgr: AmqpConnectionManager,
  vhost: string,
  req: PublishRequest,
  opts: { timeoutMs?: number } = {},
): Promise<PublishOutcome> {
  let options: amqp.Options.Publish;
  try {
    options = toPublishOptions(req.properties, req.mandatory ?? true);
  } catch (err) {
    return { status: 'error', error: invalidRequest(err) };
  }
  const content = asBuffer(req.body);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  try {
    return await mgr.withConfirmChannel(vhost, (ch) => {
      return new Promise<PublishOutcome>((resolve, reject) => {
        let returned: { replyCode: number; replyText: string } | undefined;
        let channelError: unknown;
        let settled = false;
        const timer = setTimeout(() => {
          finish(() =>
            reject(
              new BrokerError(
                `No publisher confirm from the broker within ${Math.round(timeoutMs / 1000)} s (is the connection blocked by a resource alarm?)`,
                'amqp',
                'CONFIRM_TIMEOUT',
              ),
            ),
          );
        }, timeoutMs);
        const finish = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          f();
        };
        ch.on('return', (m: amqp.Message) => {
          const f = m.fields as unknown as { replyCode: number; replyText: string };
          returned = { replyCode: f.replyCode, replyText: f.replyText };
        });
        ch.on('error', (err: unknown) => {
          channelError = err;
        });
        ch.on('close', () => {
          // Normally the confirm callback (with "channel closed") runs first; this is a backstop.
          finish(() => reject(channelError ?? new BrokerError('The channel closed before the broker confirmed the message', 'amqp', 'CHANNEL_CLOSED')));
        });
        let sent: boolean;
        try {
          sent = ch.publish(req.exchange, req.routingKey, content, options, (err) => {
            finish(() => {
              if (err === null || err === undefined) {
                resolve(returned ? { status: 'returned', ...returned } : { status: 'confirmed' });
              } else if (channelError !== undefined) {
                reject(channelError);
              } else if (/nack/i.test(String((err as Error)?.message ?? err))) {
                resolve({ status: 'nacked' });
              } else {
                reject(err);
              }
            });
          });
        } catch (err) {
          finish(() => reject(invalidRequest(err)));
          return;
        }
        void sent; // one message: the socket buffer cannot be a concern
      });
    });
  } catch (err) {
    return { status: 'error', error: toBrokerError(err, { what: `Publish to ${req.exchange === '' ? 'the default exchange' : `exchange '${req.exchange}'`}` }) };
  }
}

/**
 * Publishes the same message `count` times on one confirm channel, pipelined with at most
 * `windowSize` unconfirmed messages in flight. Cancel with `signal`: publishing stops, the
 * messages already sent are still awaited, and the result has cancelled=true.
 * Throws a BrokerError if the channel or connection fails (e.g. 404 missing exchange); the
 * message then says how many were confirmed before.
 */
export async function publishMany(
  mgr: AmqpConnectionManager,
  vhost: string,
  req: PublishRequest,
  count: number,
  opts: PublishManyOptions = {},
): Promise<PublishManyResult> {
  const total = Math.max(0, Math.floor(count));
  const windowSize = Math.max(1, Math.floor(opts.windowSize ?? DEFAULT_WINDOW));
  const lowWater = Math.max(1, windowSize >> 1);
  const started = Date.now();
  let options: amqp.Options.Publish;
  try {
    options = toPublishOptions(req.properties, req.mandatory ?? true);
  } catch (err) {
    throw invalidRequest(err);
  }
  const content = asBuffer(req.body);

  const ch = await mgr.openChannel(vhost, { confirm: true });
  let acked = 0;
  let nacked = 0;
  let returned = 0;
  let sentCount = 0;
  let channelError: unknown;
  let closed = false;
  // Wakes the publish loop: outstanding confirms fell to `wakeAt`, socket drained, channel closed, or abort.
  let wake: (() => void) | undefined;
  let wakeAt = -1;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    wakeAt = -1;
    w?.();
  };
  const onConfirm = (err: unknown) => {
    if (err === null || err === undefined) acked++;
    else if (!closed && channelError === undefined) nacked++;
    if (wakeAt >= 0 && sentCount - acked - nacked <= wakeAt) wakeUp();
  };
  ch.on('return', () => {
    returned++;
  });
  ch.on('error', (err: unknown) => {
    channelError = err;
  });
  ch.on('close', () => {
    closed = true;
    wakeUp();
  });
  ch.on('drain', wakeUp);
  const onAbort = () => wakeUp();
  opts.signal?.addEventListener('abort', onAbort);

  const counts = (): PublishCounts => ({ confirmed: Math.max(0, acked - returned), nacked, returned: Math.min(returned, acked + nacked) });
  let lastReported = -1;
  const report = () => {
    const done = acked + nacked;
    if (done === lastReported) return;
    lastReported = done;
    try {
      opts.onProgress?.(done, counts());
    } catch {
      /* a failing progress callback must not stop publishing */
    }
  };
  const progressTimer = opts.onProgress ? setInterval(report, PROGRESS_INTERVAL_MS) : undefined;

  /** Resolves once at most `outstanding` confirms are pending, or the channel closed, or (if asked) on abort. */
  const waitOutstanding = async (outstanding: number, stopOnAbort: boolean) => {
    while (sentCount - acked - nacked > outstanding && !closed && !(stopOnAbort && opts.signal?.aborted)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        wakeAt = outstanding;
      });
    }
  };

  try {
    let socketFull = false;
    while (sentCount < total) {
      if (opts.signal?.aborted || closed) break;
      if (socketFull || sentCount - acked - nacked >= windowSize) {
        if (socketFull) {
          socketFull = false;
          // 'drain' fires once the channel's buffer has emptied (close and abort also wake us).
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        } else {
          await waitOutstanding(lowWater, true);
        }
        continue;
      }
      // Publish a run of messages synchronously: yielding per message would cost a tick each.
      const room = Math.min(total - sentCount, windowSize - (sentCount - acked - nacked));
      for (let i = 0; i < room; i++) {
        sentCount++;
        let ok: boolean;
        try {
          ok = ch.publish(req.exchange, req.routingKey, content, options, onConfirm);
        } catch (err) {
          sentCount--;
          if (closed || channelError !== undefined || (err instanceof Error && err.name === 'IllegalOperationError')) break;
          throw invalidRequest(err);
        }
        if (!ok) {
          socketFull = true;
          break;
        }
      }
    }
    // Wait for the outstanding confirms (or the channel to close).
    await waitOutstanding(0, false);
    if (closed && acked + nacked < sentCount) {
      const cause = channelError ?? new Error('The channel closed before all messages were confirmed');
      const e = toBrokerError(cause, { what: `Publish to ${req.exchange === '' ? 'the default exchange' : `exchange '${req.exchange}'`}` });
      const c = counts();
      throw new BrokerError(`${e.message} (after ${c.confirmed} confirmed, ${c.returned} returned, ${c.nacked} nacked)`, e.source, e.code, e.replyText, { cause: e });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (progressTimer) clearInterval(progressTimer);
    if (!closed) {
      try {
        await ch.close();
      } catch {
        /* already closed */
      }
    }
  }
  report();
  return { ...counts(), elapsedMs: Date.now() - started, cancelled: sentCount < total };
}
