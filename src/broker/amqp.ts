/**
 * One AMQP connection per vhost, opened lazily, recovered automatically after an unexpected
 * close, and short-lived channels for risky operations (a channel error — 404, 406, 403 —
 * closes only that channel, never the shared connection).
 *
 * Never passes a URL to amqplib (a password in a URL can leak into error messages).
 */
import * as net from 'node:net';
import * as amqp from 'amqplib';
import { BrokerError } from './errors';
import { toBrokerError, type ErrorContext } from './describe';

export interface AmqpEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  /** PEM CA bundle used to verify the broker's certificate (TLS only). */
  ca?: string | Buffer;
  /** false accepts self-signed / unverifiable certificates (TLS only). Default true. */
  rejectUnauthorized?: boolean;
  /** Default 30. */
  heartbeatSeconds?: number;
  /** client_properties.connection_name, shown in the management UI. Default 'Burrow'. */
  connectionName?: string;
  /** Socket inactivity limit while connecting and during the AMQP handshake. Default 10000. */
  connectTimeoutMs?: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error' | 'closed';

export interface StateChange {
  vhost: string;
  state: ConnectionState;
  error?: BrokerError;
  /** Reconnect attempt number (1-based) that is scheduled next. */
  attempt?: number;
  /** Delay before that attempt. */
  nextRetryMs?: number;
}

export interface AmqpManagerOptions {
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /**
   * How long a protocol round trip that has no timeout of its own (channel.open, channel.close,
   * queue.declare…) may take before the connection carrying it is declared dead, torn down and
   * rebuilt. Default 10 000 ms.
   */
  callDeadlineMs?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface Disposable {
  dispose(): void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // callers that await it still see the rejection
  return { promise, resolve, reject };
}

interface VhostSlot {
  vhost: string;
  state: ConnectionState;
  model?: amqp.ChannelModel;
  /** Initial (non-retrying) open in flight, shared by concurrent callers. */
  opening?: Promise<amqp.ChannelModel>;
  /** True while the reconnect loop runs. */
  reconnecting: boolean;
  /** Settles with the outcome of the next reconnect attempt; created on demand by callers. */
  nextAttempt?: Deferred<amqp.ChannelModel>;
  attempt: number;
  timer?: NodeJS.Timeout;
}

const DEFAULT_HEARTBEAT = 30;
const DEFAULT_CONNECTION_NAME = 'Burrow';
const DEFAULT_CONNECT_TIMEOUT = 10_000;
const JITTER = 0.1;
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

/**
 * amqplib's channel.close() settles only on close-ok: when the connection dies between
 * channel.close and close-ok (a dead network path, a broker that stops answering) it never
 * settles. This waits for close-ok, for the channel's own 'close' (the connection went away), or
 * for the deadline, whichever comes first; false when the deadline passed.
 */
export function closeChannelWithin(ch: amqp.Channel, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ch.removeListener('close', onClose);
      resolve(ok);
    };
    const onClose = () => finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    ch.on('close', onClose);
    ch.close().then(
      () => finish(true),
      () => finish(true), // already closed: nothing to wait for
    );
  });
}

function closedError(): BrokerError {
  return new BrokerError('The AMQP connection manager has been closed', 'amqp', 'closed');
}

function errorContext(endpoint: AmqpEndpoint, vhost: string, what?: string): ErrorContext {
  return { host: endpoint.host, port: endpoint.port, vhost, username: endpoint.username, secrets: [endpoint.password], what };
}

/** Builds amqplib's connect arguments from an endpoint: an options object, never a URL. */
function connectArgs(endpoint: AmqpEndpoint, vhost: string): [amqp.Options.Connect, amqp.SocketOptions] {
  const options: amqp.Options.Connect = {
    protocol: endpoint.tls ? 'amqps' : 'amqp',
    hostname: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    password: endpoint.password,
    // amqplib percent-decodes the vhost (QS.unescape), so encode it to pass it through verbatim.
    vhost: encodeURIComponent(vhost),
    heartbeat: endpoint.heartbeatSeconds ?? DEFAULT_HEARTBEAT,
  };
  const socket: amqp.SocketOptions = {
    timeout: endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT,
    clientProperties: { connection_name: endpoint.connectionName ?? DEFAULT_CONNECTION_NAME },
    // Interactive request/reply traffic: without this, Nagle's algorithm delays small frames (~40 ms RPC round trips).
    noDelay: true,
  };
  if (endpoint.tls) {
    // SNI must be a host name; Node refuses (and warns about) IP addresses as servername.
    if (!net.isIP(endpoint.host)) socket.servername = endpoint.host;
    if (endpoint.ca !== undefined) socket.ca = endpoint.ca;
    if (endpoint.rejectUnauthorized !== undefined) socket.rejectUnauthorized = endpoint.rejectUnauthorized;
  }
  return [options, socket];
}

/** Opens a raw connection and translates failures. The caller owns the returned model. */
async function openRaw(endpoint: AmqpEndpoint, vhost: string): Promise<amqp.ChannelModel> {
  const [options, socket] = connectArgs(endpoint, vhost);
  try {
    return await amqp.connect(options, socket);
  } catch (err) {
    throw toBrokerError(err, errorContext(endpoint, vhost));
  }
}

function isLoginRefused(err: BrokerError): boolean {
  return err.source === 'auth' && err.code === 403;
}

export class AmqpConnectionManager {
  private readonly slots = new Map<string, VhostSlot>();
  private readonly stateListeners = new Set<(e: StateChange) => void>();
  private readonly reconnectListeners = new Set<(vhost: string) => void>();
  /** Models we are closing on purpose: their 'close' event must not trigger a reconnect. */
  private readonly closingOnPurpose = new WeakSet<amqp.ChannelModel>();
  /** Opens in flight (initial or reconnect), so dispose() can wait for and close them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** See AmqpManagerOptions.callDeadlineMs. */
  readonly callDeadlineMs: number;
  private disposed = false;
  private disposing?: Promise<void>;

  constructor(
    private readonly endpoint: AmqpEndpoint,
    options: AmqpManagerOptions = {},
  ) {
    this.initialMs = Math.max(1, options.backoff?.initialMs ?? 500);
    this.maxMs = Math.max(this.initialMs, options.backoff?.maxMs ?? 30_000);
    this.factor = Math.max(1, options.backoff?.factor ?? 2);
    this.callDeadlineMs = Math.max(1, options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS);
    const log = options.log;
    this.log = (level, msg) => {
      if (!log) return;
      try {
        log(level, msg);
      } catch {
        /* a throwing logger must not break connection handling */
      }
    };
  }

  /** Lazily opens (once; concurrent callers share the same promise) and returns the connection for a vhost. */
  connection(vhost: string): Promise<amqp.ChannelModel> {
    if (this.disposed) return Promise.reject(closedError());
    const slot = this.slot(vhost);
    if (slot.model) return Promise.resolve(slot.model);
    if (slot.reconnecting) {
      if (!slot.nextAttempt) slot.nextAttempt = deferred();
      return slot.nextAttempt.promise;
    }
    if (slot.opening) return slot.opening;

    this.setState(slot, { state: 'connecting' });
    const opening = this.open(vhost).then(
      async (model) => {
        slot.opening = undefined;
        if (this.disposed) {
          await this.closeQuietly(model);
          throw closedError();
        }
        this.adopt(slot, model);
        return model;
      },
      (err: unknown) => {
        slot.opening = undefined;
        const error = toBrokerError(err, errorContext(this.endpoint, vhost, `Connect to vhost '${vhost}'`));
        if (!this.disposed) {
          this.log('error', `AMQP vhost '${vhost}': ${error.message}`);
          this.setState(slot, { state: 'error', error });
        }
        throw error;
      },
    );
    opening.catch(() => undefined);
    slot.opening = opening;
    return opening;
  }

  /**
   * Runs fn on a fresh channel that is closed afterwards. Channel errors reject with a
   * BrokerError (source 'amqp', code 404/406/403…, replyText verbatim) and never close the connection.
   */
  withChannel<T>(vhost: string, fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
    return this.runOnChannel(vhost, false, fn as (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>);
  }

  withConfirmChannel<T>(vhost: string, fn: (ch: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    return this.runOnChannel(vhost, true, fn as (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>);
  }

  /**
   * A long-lived channel (consumers, tails). The caller closes it. An 'error' listener is
   * already attached (logs), so a channel error can never crash the process; add your own
   * 'error'/'close' listeners as needed.
   */
  openChannel(vhost: string, opts?: { confirm?: false }): Promise<amqp.Channel>;
  openChannel(vhost: string, opts: { confirm: true }): Promise<amqp.ConfirmChannel>;
  openChannel(vhost: string, opts?: { confirm?: boolean }): Promise<amqp.Channel | amqp.ConfirmChannel>;
  async openChannel(vhost: string, opts: { confirm?: boolean } = {}): Promise<amqp.Channel | amqp.ConfirmChannel> {
    const ch = await this.createChannel(vhost, opts.confirm === true);
    ch.on('error', (err: unknown) => {
      this.log('warn', `AMQP channel on vhost '${vhost}' closed: ${toBrokerError(err, errorContext(this.endpoint, vhost)).message}`);
    });
    return ch;
  }

  /**
   * Closes a channel without ever hanging: waits for close-ok at most `timeoutMs` (default
   * callDeadlineMs). When the deadline passes the connection carrying the channel is taken for
   * dead, torn down and rebuilt (see tearDown), and the result is false.
   */
  async closeChannel(ch: amqp.Channel, timeoutMs = this.callDeadlineMs): Promise<boolean> {
    if (await closeChannelWithin(ch, timeoutMs)) return true;
    this.tearDown(ch, `no close-ok for a channel within ${Math.round(timeoutMs / 100) / 10} s`);
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
        const secs = Math.round(timeoutMs / 100) / 10;
        this.tearDown(ch, `${what}: no answer within ${secs} s`);
        reject(new BrokerError(`${what}: the broker did not answer within ${secs} s; the connection was closed and is being re-opened`, 'amqp', 'DEADLINE'));
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
    const conn = (ch as unknown as { connection?: { stream?: { destroy(err?: Error): void }; onSocketError?(err: Error): void } }).connection;
    if (!conn) return;
    this.log('warn', `AMQP connection torn down: ${reason}`);
    try {
      conn.onSocketError?.(new Error(`Burrow closed the connection: ${reason}`));
    } catch {
      /* already closed */
    }
    try {
      conn.stream?.destroy();
    } catch {
      /* already destroyed */
    }
  }

  state(vhost: string): ConnectionState {
    return this.slots.get(vhost)?.state ?? (this.disposed ? 'closed' : 'idle');
  }

  /**
   * Aggregate over vhosts, by priority: 'closed' after dispose, else 'error' if any vhost is in
   * error, 'reconnecting' if any is reconnecting, 'connecting' if any is connecting,
   * 'connected' if any is connected, else 'idle'.
   */
  overallState(): ConnectionState {
    if (this.disposed) return 'closed';
    const states = new Set([...this.slots.values()].map((s) => s.state));
    for (const s of ['error', 'reconnecting', 'connecting', 'connected'] as const) {
      if (states.has(s)) return s;
    }
    return 'idle';
  }

  onStateChange(listener: (e: StateChange) => void): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => void this.stateListeners.delete(listener) };
  }

  /** Fired after a successful RE-connection of a vhost, so long-lived users can re-subscribe. */
  onReconnected(listener: (vhost: string) => void): Disposable {
    this.reconnectListeners.add(listener);
    return { dispose: () => void this.reconnectListeners.delete(listener) };
  }

  /** Closes every connection and cancels reconnect timers; later calls reject with BrokerError code 'closed'. Idempotent. */
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposed = true;
      this.disposing = this.doDispose();
    }
    return this.disposing;
  }

  // ---------------------------------------------------------------------------------------

  private async doDispose(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.reconnecting = false;
      slot.nextAttempt?.reject(closedError());
      slot.nextAttempt = undefined;
      const model = slot.model;
      slot.model = undefined;
      if (model) closing.push(this.closeQuietly(model));
    }
    // Opens still in flight close their model themselves once they see `disposed`.
    await Promise.allSettled([...closing, ...this.inFlight]);
    for (const slot of this.slots.values()) {
      if (slot.state !== 'closed') this.setState(slot, { state: 'closed' });
    }
    this.stateListeners.clear();
    this.reconnectListeners.clear();
  }

  private slot(vhost: string): VhostSlot {
    let slot = this.slots.get(vhost);
    if (!slot) {
      slot = { vhost, state: 'idle', reconnecting: false, attempt: 0 };
      this.slots.set(vhost, slot);
    }
    return slot;
  }

  /** Opens a connection with error listeners attached at once; closes it again if we were disposed meanwhile. */
  private open(vhost: string): Promise<amqp.ChannelModel> {
    const p = (async () => {
      const model = await openRaw(this.endpoint, vhost);
      // Listeners first: an unhandled 'error' event would crash the extension host.
      model.on('error', (err: unknown) => {
        this.log('warn', `AMQP connection error on vhost '${vhost}': ${toBrokerError(err, errorContext(this.endpoint, vhost)).message}`);
      });
      model.on('blocked', (reason: unknown) => this.log('warn', `AMQP connection on vhost '${vhost}' blocked by the broker: ${String(reason)}`));
      model.on('unblocked', () => this.log('info', `AMQP connection on vhost '${vhost}' unblocked`));
      if (this.disposed) {
        await this.closeQuietly(model);
        throw closedError();
      }
      return model;
    })();
    this.inFlight.add(p);
    const remove = () => void this.inFlight.delete(p);
    p.then(remove, remove);
    return p;
  }

  /** Makes a freshly opened model the vhost's connection and watches it for unexpected closes. */
  private adopt(slot: VhostSlot, model: amqp.ChannelModel): void {
    slot.model = model;
    slot.attempt = 0;
    model.on('close', (err?: unknown) => {
      if (slot.model !== model) return;
      slot.model = undefined;
      if (this.disposed || this.closingOnPurpose.has(model)) return;
      if (err === undefined || err === null) {
        // Closed by a client-side close() we did not issue (someone closed the shared model): reopen lazily.
        this.log('info', `AMQP connection on vhost '${slot.vhost}' closed`);
        this.setState(slot, { state: 'idle' });
        return;
      }
      const error = toBrokerError(err, errorContext(this.endpoint, slot.vhost));
      this.log('warn', `AMQP connection on vhost '${slot.vhost}' lost: ${error.message}; reconnecting`);
      slot.reconnecting = true;
      this.scheduleReconnect(slot, error);
    });
    this.setState(slot, { state: 'connected' });
  }

  private backoffDelay(attempt: number): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** (attempt - 1));
    const jittered = base * (1 + (Math.random() * 2 - 1) * JITTER);
    return Math.max(0, Math.min(this.maxMs, Math.round(jittered)));
  }

  private scheduleReconnect(slot: VhostSlot, error: BrokerError): void {
    if (this.disposed || !slot.reconnecting) return;
    const attempt = slot.attempt + 1;
    slot.attempt = attempt;
    const delay = this.backoffDelay(attempt);
    this.setState(slot, { state: 'reconnecting', error, attempt, nextRetryMs: delay });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      void this.reconnectAttempt(slot);
    }, delay);
  }

  private async reconnectAttempt(slot: VhostSlot): Promise<void> {
    if (this.disposed || !slot.reconnecting) return;
    let model: amqp.ChannelModel;
    try {
      model = await this.open(slot.vhost);
    } catch (err) {
      if (this.disposed) return; // dispose() already rejected the waiters
      const error = toBrokerError(err, errorContext(this.endpoint, slot.vhost, `Reconnect to vhost '${slot.vhost}'`));
      const waiter = slot.nextAttempt;
      slot.nextAttempt = undefined;
      waiter?.reject(error);
      if (isLoginRefused(error)) {
        slot.reconnecting = false;
        slot.attempt = 0;
        this.log('error', `AMQP vhost '${slot.vhost}': ${error.message}; not retrying`);
        this.setState(slot, { state: 'error', error });
        return;
      }
      this.log('warn', `AMQP vhost '${slot.vhost}': reconnect attempt ${slot.attempt} failed: ${error.message}`);
      this.scheduleReconnect(slot, error);
      return;
    }
    if (this.disposed) {
      await this.closeQuietly(model);
      return;
    }
    slot.reconnecting = false;
    this.adopt(slot, model);
    const waiter = slot.nextAttempt;
    slot.nextAttempt = undefined;
    waiter?.resolve(model);
    this.log('info', `AMQP connection on vhost '${slot.vhost}' re-established`);
    for (const listener of [...this.reconnectListeners]) {
      try {
        listener(slot.vhost);
      } catch (err) {
        this.log('error', `onReconnected listener failed: ${toBrokerError(err).message}`);
      }
    }
  }

  private async closeQuietly(model: amqp.ChannelModel): Promise<void> {
    this.closingOnPurpose.add(model);
    try {
      await model.close();
    } catch {
      /* already closed */
    }
  }

  private async createChannel(vhost: string, confirm: boolean): Promise<amqp.Channel | amqp.ConfirmChannel> {
    const model = await this.connection(vhost);
    let ch: amqp.Channel | amqp.ConfirmChannel;
    try {
      const opening = confirm ? model.createConfirmChannel() : model.createChannel();
      ch = await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          const t = setTimeout(() => {
            const secs = Math.round(this.callDeadlineMs / 100) / 10;
            this.tearDown({ connection: (model as unknown as { connection: unknown }).connection } as unknown as amqp.Channel, `channel.open: no answer within ${secs} s`);
            reject(new BrokerError(`Opening a channel on vhost '${vhost}': the broker did not answer within ${secs} s; the connection was closed and is being re-opened`, 'amqp', 'DEADLINE'));
          }, this.callDeadlineMs);
          opening.then(() => clearTimeout(t), () => clearTimeout(t));
        }),
      ]);
    } catch (err) {
      throw toBrokerError(err, errorContext(this.endpoint, vhost, `Open channel on vhost '${vhost}'`));
    }
    // A listener that throws would otherwise be re-thrown inside amqplib's frame loop and kill the connection.
    ch.on('handler-error', (err: unknown, event: string) => {
      this.log('error', `AMQP channel '${event}' handler failed: ${toBrokerError(err).message}`);
    });
    return ch;
  }

  private async runOnChannel<T>(vhost: string, confirm: boolean, fn: (ch: amqp.Channel | amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    const ch = await this.createChannel(vhost, confirm);
    let channelError: unknown;
    let closed = false;
    ch.on('error', (err: unknown) => {
      channelError = err;
    });
    ch.on('close', () => {
      closed = true;
    });
    try {
      return await fn(ch);
    } catch (err) {
      // Operations after a server-side channel close fail with IllegalOperationError ("Channel closed"),
      // and waitForConfirms with a plain "channel closed": the server's reason (404 …) is the useful part.
      const serverReason = typeof (err as { code?: unknown } | null)?.code === 'number';
      const cause = channelError !== undefined && !serverReason ? channelError : err;
      throw toBrokerError(cause, errorContext(this.endpoint, vhost));
    } finally {
      if (!closed) await this.closeChannel(ch);
    }
  }

  private setState(slot: VhostSlot, change: Omit<StateChange, 'vhost'>): void {
    slot.state = change.state;
    const event: StateChange = { vhost: slot.vhost, ...change };
    for (const listener of [...this.stateListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log('error', `onStateChange listener failed: ${toBrokerError(err).message}`);
      }
    }
  }
}

/** Opens and closes a connection to check host, credentials and vhost. Throws BrokerError. */
export async function testAmqpLogin(endpoint: AmqpEndpoint, vhost: string): Promise<{ serverProperties: Record<string, unknown> }> {
  const model = await openRaw(endpoint, vhost);
  model.on('error', () => undefined);
  const serverProperties = { ...(model.connection.serverProperties as Record<string, unknown>) };
  try {
    await model.close();
  } catch {
    /* closing a just-opened connection can only fail if it is already gone */
  }
  return { serverProperties };
}
