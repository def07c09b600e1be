/**
 * Publishing with publisher confirms and mandatory routing.
 *
 * A single publish runs on its own short-lived confirm channel, so a basic.return (which the
 * broker sends BEFORE the confirm of the same message) can only belong to that message: user
 * messages are never altered with tracking headers or ids. A channel error (404 missing
 * exchange, 406 user-id mismatch, 403) closes only that channel and becomes an 'error' outcome.
 */
import type * as amqp from 'amqplib';
import { blockedError, type AmqpConnectionManager } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { NON_FINITE_REASON, isTypedNumber, nonFinitePath } from '../core/fieldTypes';
import { PROPERTY_NAMES, type MessageProperties } from '../core/message';

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
  /** True only when the caller aborted (signal); never for a fault. */
  cancelled: boolean;
  /** Messages handed to the broker (confirmed + returned + nacked + unknown). */
  sent: number;
  /**
   * Sent, but the channel or connection was lost (or the broker blocked publishing) before
   * their confirm arrived: each may or may not be in the queue.
   */
  unknown: number;
  /** Sequence numbers (1..count, in publish order) of the unknown messages, ascending. */
  unknownSeqs: number[];
  /** Never sent: publishing stopped early (fault or cancel). */
  notSent: number;
}

/**
 * publishMany's error when the channel or connection fails (404 missing exchange, connection
 * lost, broker blocked, no confirm within the deadline): carries the full result, so the caller
 * knows what was confirmed and which messages (unknownSeqs) may or may not have arrived.
 */
export class PublishManyError extends BrokerError {
  constructor(
    message: string,
    cause: BrokerError,
    readonly result: PublishManyResult,
  ) {
    super(message, cause.source, cause.code, cause.replyText, { cause });
  }
}

export interface PublishManyOptions {
  /** Called about every 100 ms and once at the end; `done` = messages settled (confirmed + nacked + returned). */
  onProgress?: (done: number, counts: PublishCounts) => void;
  signal?: AbortSignal;
  /** Maximum unconfirmed messages in flight. Default 1000. */
  windowSize?: number;
  /**
   * With messages outstanding, the longest time without any confirm before the connection is
   * declared dead (torn down and rebuilt; the outstanding messages become unknown). Default 30 000 ms.
   */
  confirmTimeoutMs?: number;
  /**
   * Each message's own body and properties (0-based index), e.g. with template variables expanded;
   * without it every message is `req`. Exchange, routing key and mandatory stay those of `req`.
   * A throw stops the run: the messages already sent are settled, then a PublishManyError with
   * code INVALID_MESSAGE reports them (confirmed, … , not sent).
   */
  messageAt?: (index: number) => Pick<PublishRequest, 'body' | 'properties'>;
}

export const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
const DEFAULT_WINDOW = 1000;
const PROGRESS_INTERVAL_MS = 100;

/** Buffer view of a Uint8Array (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Field values (headers, binding arguments) as amqplib must get them: it encodes only Buffers as
 * byte arrays (a plain Uint8Array would become a table).
 */
export function headersForAmqp(v: unknown, depth = 0, path = 'headers'): unknown {
  if (depth === 0) {
    const nonFinite = nonFinitePath(v, path);
    if (nonFinite) throw new Error(`${nonFinite} is NaN or infinite: ${NON_FINITE_REASON}`);
  }
  if (v === null || typeof v !== 'object') return v;
  if (depth > 1000) throw new Error(`${path}: nested more than 1000 levels deep`);
  if (v instanceof Uint8Array) return asBuffer(v);
  if (Array.isArray(v)) return v.map((x, i) => headersForAmqp(x, depth + 1, `${path}[${i}]`));
  if (isTypedNumber(v)) return v; // amqplib's own { '!': type, value } notation
  const o = v as Record<string, unknown>;
  if (Object.hasOwn(o, '!'))
    throw new Error(`${path}: a table with a field named '!' cannot be sent (amqplib would take it for a typed value)`);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) if (x !== undefined) out[k] = headersForAmqp(x, depth + 1, `${path}.${k}`);
  return out;
}

/** Maps Burrow message properties to amqplib publish options. */
export function toPublishOptions(p: MessageProperties, mandatory = true): amqp.Options.Publish {
  const o: Record<string, unknown> = { mandatory };
  // amqplib takes every property as it is, except expiration (a string) and headers (converted).
  for (const key of PROPERTY_NAMES) if (p[key] !== undefined) o[key] = p[key];
  if (p.expiration !== undefined) o.expiration = String(p.expiration);
  if (p.headers !== undefined) o.headers = headersForAmqp(p.headers);
  return o as amqp.Options.Publish;
}

/** A publish rejected by amqplib before anything was sent (bad property values). */
function invalidRequest(err: unknown): BrokerError {
  const msg = err instanceof Error ? err.message : String(err);
  return new BrokerError(`The message cannot be encoded: ${msg}`, 'amqp', 'INVALID_MESSAGE', undefined, { cause: err });
}

/**
 * Publishes one message with confirms (and mandatory unless disabled). Never throws: failures
 * are an 'error' outcome with a BrokerError (404 missing exchange, 406 user-id mismatch…).
 * Settles within `timeoutMs` (default 30 s) plus channel-open time even on a dead connection:
 * the outcome is then 'error' with code CONFIRM_TIMEOUT (the message may or may not have
 * arrived). While the broker blocks publishing (resource alarm) it fails at once with code BLOCKED.
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
  const what = `Publish to ${req.exchange === '' ? 'the default exchange' : `exchange '${req.exchange}'`}`;
  try {
    mgr.assertNotBlocked(vhost);
    return await mgr.withConfirmChannel(
      vhost,
      (ch) => {
        return new Promise<PublishOutcome>((resolve, reject) => {
          let returned: { replyCode: number; replyText: string } | undefined;
          let channelError: unknown;
          let settled = false;
          const timer = setTimeout(() => {
            finish(() =>
              reject(
                new BrokerError(
                  `No publisher confirm from the broker within ${Math.round(timeoutMs / 100) / 10} s: the message may or may not have arrived (connection lost or stalled?)`,
                  'amqp',
                  'CONFIRM_TIMEOUT',
                ),
              ),
            );
          }, timeoutMs);
          // connection.blocked while we wait: fail now rather than when the alarm clears.
          const blockedSub = mgr.onBlockedChange((e) => {
            if (e.vhost === vhost && e.blocked) finish(() => reject(blockedError(vhost, e.reason, true)));
          });
          const finish = (f: () => void) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            blockedSub.dispose();
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
            finish(() =>
              reject(
                channelError ??
                  new BrokerError(
                    'The channel closed before the broker confirmed the message: it may or may not have arrived',
                    'amqp',
                    'CHANNEL_CLOSED',
                  ),
              ),
            );
          });
          try {
            ch.publish(req.exchange, req.routingKey, content, options, (err) => {
              finish(() => {
                if (err === null || err === undefined) {
                  resolve(returned ? { status: 'returned', ...returned } : { status: 'confirmed' });
                } else if (channelError !== undefined) {
                  reject(channelError);
                } else if (isNack(err)) {
                  resolve({ status: 'nacked' });
                } else {
                  reject(
                    new BrokerError(
                      'The connection was lost before the broker confirmed the message: it may or may not have arrived',
                      'amqp',
                      'CONNECTION_LOST',
                      undefined,
                      { cause: err },
                    ),
                  );
                }
              });
            });
          } catch (err) {
            finish(() => reject(invalidRequest(err)));
          }
        });
      },
      // The confirm timeout fires first; the overall deadline is only a backstop.
      { deadlineMs: timeoutMs + mgr.callDeadlineMs },
    );
  } catch (err) {
    return { status: 'error', error: toBrokerError(err, { what }) };
  }
}

/** amqplib fails a confirm callback with "message nacked" for basic.nack, and with "channel closed" when the channel dies. */
function isNack(err: unknown): boolean {
  return err instanceof Error && err.message === 'message nacked';
}

/**
 * Publishes the same message `count` times on one confirm channel (on the vhost's publish
 * connection), pipelined with at most `windowSize` unconfirmed messages in flight.
 *
 * Outcomes: confirmed (and returned, for unroutable mandatory messages), nacked (a real
 * basic.nack from the broker), and unknown (sent, but the channel or connection was lost, or
 * the broker blocked publishing, before the confirm: they may or may not be in the queue).
 *
 * Cancel with `signal`: publishing stops, the messages already sent are still awaited, and the
 * result has cancelled=true. A fault (channel error such as 404, connection lost, broker
 * blocked, no confirm for confirmTimeoutMs) throws a PublishManyError carrying the result,
 * including the sequence numbers of the unknown messages.
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
  const confirmTimeoutMs = Math.max(1, opts.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
  const started = Date.now();
  const what = `Publish to ${req.exchange === '' ? 'the default exchange' : `exchange '${req.exchange}'`}`;
  let options: amqp.Options.Publish;
  try {
    options = toPublishOptions(req.properties, req.mandatory ?? true);
  } catch (err) {
    throw invalidRequest(err);
  }
  const content = asBuffer(req.body);

  mgr.assertNotBlocked(vhost);
  const ch = await mgr.openChannel(vhost, { confirm: true });
  let acked = 0;
  let nacked = 0;
  let returned = 0;
  let sentCount = 0;
  /** Sequence numbers sent and not yet acked or nacked. */
  const outstanding = new Set<number>();
  let channelError: unknown;
  let closed = false;
  /** Set once the run is over: late callbacks (after a block, say) no longer change the result. */
  let frozen = false;
  /** Why the run stopped early, when it was a fault. */
  let fault: BrokerError | undefined;
  /** A message from messageAt that cannot be sent: the run stops there, the ones before it are confirmed. */
  let invalid: BrokerError | undefined;
  let lastProgress = performance.now();
  // Wakes the publish loop: outstanding confirms fell to `wakeAt`, socket drained, channel closed, abort or fault.
  let wake: (() => void) | undefined;
  let wakeAt = -1;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    wakeAt = -1;
    w?.();
  };
  const stopped = () => closed || fault !== undefined;
  const onConfirm = (seq: number, err: unknown) => {
    if (frozen) return;
    if (err === null || err === undefined) {
      acked++;
      outstanding.delete(seq);
    } else if (isNack(err)) {
      nacked++;
      outstanding.delete(seq);
    }
    // else: "channel closed" — amqplib fails every unconfirmed callback when the channel dies;
    // the message stays outstanding and is reported as unknown.
    lastProgress = performance.now();
    if (wakeAt >= 0 && outstanding.size <= wakeAt) wakeUp();
  };
  ch.on('return', () => {
    if (!frozen) returned++;
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
  // The connection's close reason (320 CONNECTION_FORCED, heartbeat timeout…): the channel only learns "closed".
  let connectionError: BrokerError | undefined;
  const stateSub = mgr.onStateChange(
    (e) => {
      if (e.vhost === vhost && e.purpose === 'publish' && e.error && !connectionError) connectionError = e.error;
    },
    { all: true },
  );
  const blockedSub = mgr.onBlockedChange((e) => {
    if (e.vhost !== vhost || !e.blocked || fault) return;
    fault = blockedError(vhost, e.reason, true);
    wakeUp();
  });
  // No confirm (nor publish) for confirmTimeoutMs with messages in flight: the connection is dead.
  const watchdog = setInterval(
    () => {
      if (fault || closed || outstanding.size === 0) return;
      if (performance.now() - lastProgress < confirmTimeoutMs) return;
      const s = Math.round(confirmTimeoutMs / 100) / 10;
      fault = new BrokerError(
        `No publisher confirm from the broker for ${s} s; the connection was closed and is being re-opened`,
        'amqp',
        'DEADLINE',
      );
      mgr.tearDown(ch, `publishMany: no confirm for ${s} s`);
      wakeUp();
    },
    Math.min(1000, Math.max(10, confirmTimeoutMs / 4)),
  );

  const counts = (): PublishCounts => {
    const r = Math.min(returned, acked);
    return { confirmed: acked - r, nacked, returned: r };
  };
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

  /** Resolves once at most `n` confirms are pending, or the channel closed / a fault, or (if asked) on abort. */
  const waitOutstanding = async (n: number, stopOnAbort: boolean) => {
    while (outstanding.size > n && !stopped() && !(stopOnAbort && opts.signal?.aborted)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        wakeAt = n;
      });
    }
  };

  const result = (): PublishManyResult => {
    const unknownSeqs = [...outstanding].sort((a, b) => a - b);
    return {
      ...counts(),
      elapsedMs: Date.now() - started,
      cancelled: opts.signal?.aborted === true && sentCount < total,
      sent: sentCount,
      unknown: unknownSeqs.length,
      unknownSeqs,
      notSent: total - sentCount,
    };
  };

  let ok = false;
  try {
    let socketFull = false;
    while (sentCount < total) {
      if (opts.signal?.aborted || stopped() || invalid) break;
      if (socketFull || outstanding.size >= windowSize) {
        if (socketFull) {
          socketFull = false;
          // 'drain' fires once the channel's buffer has emptied (close, abort and faults also wake us).
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        } else {
          await waitOutstanding(lowWater, true);
        }
        continue;
      }
      // Publish a run of messages synchronously: yielding per message would cost a tick each.
      const room = Math.min(total - sentCount, windowSize - outstanding.size);
      for (let i = 0; i < room; i++) {
        const seq = sentCount + 1;
        let written: boolean;
        try {
          if (opts.messageAt) {
            const m = opts.messageAt(seq - 1);
            written = ch.publish(
              req.exchange,
              req.routingKey,
              asBuffer(m.body),
              toPublishOptions(m.properties, req.mandatory ?? true),
              (err) => onConfirm(seq, err),
            );
          } else written = ch.publish(req.exchange, req.routingKey, content, options, (err) => onConfirm(seq, err));
        } catch (err) {
          if (closed || channelError !== undefined || (err instanceof Error && err.name === 'IllegalOperationError'))
            break;
          if (!opts.messageAt) throw invalidRequest(err);
          // A message of a templated run: stop, settle the ones sent, and say how many went out.
          invalid = invalidRequest(err);
          break;
        }
        sentCount = seq;
        outstanding.add(seq);
        if (!written) {
          socketFull = true;
          break;
        }
      }
      lastProgress = performance.now();
    }
    // Wait for the outstanding confirms (or the channel to close, or a fault).
    await waitOutstanding(0, false);
    frozen = true;
    if (
      fault ||
      invalid ||
      (closed && outstanding.size > 0) ||
      (channelError !== undefined && sentCount < total && !opts.signal?.aborted)
    ) {
      const cause =
        fault ??
        invalid ??
        toBrokerError(
          channelError ??
            connectionError ??
            new BrokerError(
              'The channel or connection closed before all messages were confirmed',
              'amqp',
              'CONNECTION_LOST',
            ),
          { what },
        );
      const r = result();
      const parts = [
        `${r.confirmed} confirmed`,
        `${r.returned} returned`,
        `${r.nacked} nacked`,
        `${r.unknown} unknown (may or may not be in the queue)`,
      ];
      if (r.notSent) parts.push(`${r.notSent} not sent`);
      throw new PublishManyError(`${cause.message} (${parts.join(', ')})`, cause, r);
    }
    ok = true;
  } finally {
    frozen = true;
    opts.signal?.removeEventListener('abort', onAbort);
    blockedSub.dispose();
    stateSub.dispose();
    clearInterval(watchdog);
    if (progressTimer) clearInterval(progressTimer);
    if (!closed) {
      // Bounded (a connection that does not answer is torn down); in the background after a fault.
      if (ok) await mgr.closeChannel(ch);
      else void mgr.closeChannel(ch);
    }
  }
  report();
  return result();
}
