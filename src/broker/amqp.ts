/**
 * The AMQP connection manager: one connection per vhost (VhostConnections, amqpConnections.ts:
 * lazy open, reconnect with backoff, blocked state), and on it short-lived channels for risky
 * operations (a channel error — 404, 406, 403 — closes only that channel, never the shared
 * connection), long-lived channels for consumers, and deadlines on every broker round trip.
 * Raw connections (connect arguments, opening, closing, testAmqpLogin) are in amqpConnect.ts.
 *
 * Never passes a URL to amqplib (a password in a URL can leak into error messages).
 */
import type * as amqp from 'amqplib';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import { closeChannelWithin, deadlineError, destroyModel, errorContext, secs } from './amqpConnect';
import { VhostConnections, type ConnectionPurpose } from './amqpConnections';

export { DEFAULT_CALL_DEADLINE_MS, closeChannelWithin, testAmqpLogin, type AmqpEndpoint } from './amqpConnect';
export {
  DEFAULT_OPERATION_DEADLINE_MS,
  blockedError,
  type AmqpManagerOptions,
  type BlockedChange,
  type ConnectionPurpose,
  type ConnectionState,
  type Disposable,
  type StateChange,
} from './amqpConnections';

export interface ChannelCallOptions {
  /**
   * Overall deadline for the call (fn included), default operationDeadlineMs. When it passes the
   * call rejects with BrokerError code 'DEADLINE' and its channel is closed in the background
   * (a connection that does not answer that close within callDeadlineMs is torn down).
   * Infinity disables it.
   */
  deadlineMs?: number;
  /** Default 'read' for withChannel, 'publish' for withConfirmChannel. */
  purpose?: ConnectionPurpose;
}

export class AmqpConnectionManager extends VhostConnections {
  /**
   * Runs fn on a fresh channel (on the vhost's 'read' connection) that is closed afterwards.
   * Channel errors reject with a BrokerError (source 'amqp', code 404/406/403…, replyText
   * verbatim) and never close the connection. The whole call has a deadline (opts.deadlineMs,
   * default operationDeadlineMs): it never hangs on a dead connection.
   */
  withChannel<T>(vhost: string, fn: (ch: amqp.Channel) => Promise<T>, opts: ChannelCallOptions = {}): Promise<T> {
    return this.runOnChannel(vhost, false, fn as (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>, opts);
  }

  /** Like withChannel, with a confirm channel on the vhost's 'publish' connection. */
  withConfirmChannel<T>(
    vhost: string,
    fn: (ch: amqp.ConfirmChannel) => Promise<T>,
    opts: ChannelCallOptions = {},
  ): Promise<T> {
    return this.runOnChannel(vhost, true, fn as (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>, opts);
  }

  /**
   * A long-lived channel (consumers, tails). The caller closes it (closeChannel never hangs).
   * Confirm channels, and channels asked for with purpose 'publish', are on the vhost's
   * 'publish' connection; the others on its 'read' connection. An 'error' listener is already
   * attached (logs), so a channel error can never crash the process; add your own
   * 'error'/'close' listeners as needed.
   */
  openChannel(vhost: string, opts?: { confirm?: false; purpose?: ConnectionPurpose }): Promise<amqp.Channel>;
  openChannel(vhost: string, opts: { confirm: true; purpose?: ConnectionPurpose }): Promise<amqp.ConfirmChannel>;
  openChannel(
    vhost: string,
    opts?: { confirm?: boolean; purpose?: ConnectionPurpose },
  ): Promise<amqp.Channel | amqp.ConfirmChannel>;
  async openChannel(
    vhost: string,
    opts: { confirm?: boolean; purpose?: ConnectionPurpose } = {},
  ): Promise<amqp.Channel | amqp.ConfirmChannel> {
    const confirm = opts.confirm === true;
    const ch = await this.createChannel(vhost, confirm, opts.purpose ?? (confirm ? 'publish' : 'read'));
    ch.on('error', (err: unknown) => {
      this.log(
        'warn',
        `AMQP channel on vhost '${vhost}' closed: ${toBrokerError(err, errorContext(this.endpoint, vhost)).message}`,
      );
    });
    return ch;
  }

  /**
   * Closes a channel without ever hanging: waits for close-ok at most `timeoutMs` (default
   * callDeadlineMs). When the deadline passes the connection carrying the channel is taken for
   * dead, torn down and rebuilt (see tearDown), and the result is false. A connection the broker
   * has blocked is not torn down (the broker is alive, it just stopped reading until the alarm
   * clears; the close completes then).
   */
  async closeChannel(ch: amqp.Channel, timeoutMs = this.callDeadlineMs): Promise<boolean> {
    if (await closeChannelWithin(ch, timeoutMs)) return true;
    const conn = (ch as unknown as { connection?: { blocked?: boolean } }).connection;
    if (conn?.blocked) {
      this.log(
        'info',
        `AMQP channel close not answered within ${secs(timeoutMs)} s: the connection is blocked by the broker; it completes when the alarm clears`,
      );
      return false;
    }
    this.tearDown(ch, `no close-ok for a channel within ${secs(timeoutMs)} s`);
    return false;
  }

  /**
   * Races a broker round trip made on `ch` against a deadline (default callDeadlineMs). When it
   * passes, the channel's connection is torn down and rebuilt and the promise rejects with a
   * BrokerError code 'DEADLINE' naming `what`.
   */
  deadline<T>(ch: amqp.Channel, p: Promise<T>, what: string, timeoutMs = this.callDeadlineMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.tearDown(ch, `${what}: no answer within ${secs(timeoutMs)} s`);
        reject(deadlineError(what, timeoutMs, true));
      }, timeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Takes the connection carrying `ch` for dead: destroys its socket so amqplib closes every
   * channel on it (their pending calls reject) and the manager reconnects with backoff.
   */
  tearDown(ch: amqp.Channel, reason: string): void {
    const conn = (ch as unknown as { connection?: unknown }).connection;
    if (!conn) return;
    this.log('warn', `AMQP connection torn down: ${reason}`);
    destroyModel({ connection: conn } as unknown as amqp.ChannelModel, reason);
  }

  private async createChannel(
    vhost: string,
    confirm: boolean,
    purpose: ConnectionPurpose,
  ): Promise<amqp.Channel | amqp.ConfirmChannel> {
    const model = await this.connection(vhost, purpose);
    let ch: amqp.Channel | amqp.ConfirmChannel;
    let timer: NodeJS.Timeout | undefined;
    try {
      const opening = confirm ? model.createConfirmChannel() : model.createChannel();
      opening.catch(() => undefined);
      ch = await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            destroyModel(model, `channel.open: no answer within ${secs(this.callDeadlineMs)} s`);
            this.log(
              'warn',
              `AMQP connection on vhost '${vhost}' (${purpose}) torn down: channel.open not answered within ${secs(this.callDeadlineMs)} s`,
            );
            reject(deadlineError(`Opening a channel on vhost '${vhost}'`, this.callDeadlineMs, true));
          }, this.callDeadlineMs);
        }),
      ]);
    } catch (err) {
      throw toBrokerError(err, errorContext(this.endpoint, vhost, `Open channel on vhost '${vhost}'`));
    } finally {
      clearTimeout(timer);
    }
    // A listener that throws would otherwise be re-thrown inside amqplib's frame loop and kill the connection.
    ch.on('handler-error', (err: unknown, event: string) => {
      this.log('error', `AMQP channel '${event}' handler failed: ${toBrokerError(err).message}`);
    });
    return ch;
  }

  private async runOnChannel<T>(
    vhost: string,
    confirm: boolean,
    fn: (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>,
    opts: ChannelCallOptions,
  ): Promise<T> {
    const started = performance.now();
    const deadlineMs = opts.deadlineMs ?? this.operationDeadlineMs;
    if (confirm) this.assertNotBlocked(vhost);
    const ch = await this.createChannel(vhost, confirm, opts.purpose ?? (confirm ? 'publish' : 'read'));
    let channelError: unknown;
    let closed = false;
    ch.on('error', (err: unknown) => {
      channelError = err;
    });
    ch.on('close', () => {
      closed = true;
    });
    let timer: NodeJS.Timeout | undefined;
    let ok = false;
    try {
      const running = fn(ch);
      let result: T;
      if (Number.isFinite(deadlineMs)) {
        running.catch(() => undefined);
        const left = Math.max(1, deadlineMs - (performance.now() - started));
        result = await Promise.race([
          running,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(deadlineError(`A broker call on vhost '${vhost}'`, deadlineMs, false)),
              left,
            );
          }),
        ]);
      } else {
        result = await running;
      }
      ok = true;
      return result;
    } catch (err) {
      if (err instanceof BrokerError && err.code === 'DEADLINE') throw err;
      // Operations after a server-side channel close fail with IllegalOperationError ("Channel closed"),
      // and waitForConfirms with a plain "channel closed": the server's reason (404 …) is the useful part.
      const serverReason = typeof (err as { code?: unknown } | null)?.code === 'number';
      const cause = channelError !== undefined && !serverReason ? channelError : err;
      throw toBrokerError(cause, errorContext(this.endpoint, vhost));
    } finally {
      clearTimeout(timer);
      // On success wait for close-ok (peek relies on the requeue having happened); after a
      // failure close in the background so the error is reported at once. Both are bounded.
      if (!closed) {
        if (ok) await this.closeChannel(ch);
        else void this.closeChannel(ch);
      }
    }
  }
}
