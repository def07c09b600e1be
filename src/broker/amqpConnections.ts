/**
 * One AMQP connection per vhost and purpose ('read' / 'publish'), opened lazily and recovered
 * automatically after an unexpected close; a refused login or a deleted vhost is an error state,
 * not a retry loop. The channel operations built on it are in amqp.ts.
 */
import type * as amqp from 'amqplib';
import { formatHostPort, profileNodes, type HostPort } from '../core/cluster';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import {
  DEFAULT_CALL_DEADLINE_MS,
  DEFAULT_CONNECTION_NAME,
  closeModelWithin,
  errorContext,
  openAny,
  secs,
  type AmqpEndpoint,
} from './amqpConnect';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error' | 'closed';

/**
 * Which of a vhost's two connections. RabbitMQ blocks (stops reading from) a connection that
 * publishes while a resource alarm is on, so everything that publishes (confirm channels, RPC
 * requests) runs on a 'publish' connection of its own, and reads (peek, tail, declarations,
 * checks) keep working on the 'read' connection.
 */
export type ConnectionPurpose = 'read' | 'publish';

export interface StateChange {
  vhost: string;
  /** Which connection of the vhost changed. */
  purpose: ConnectionPurpose;
  state: ConnectionState;
  error?: BrokerError;
  /** Reconnect attempt number (1-based) that is scheduled next. */
  attempt?: number;
  /** Delay before that attempt. */
  nextRetryMs?: number;
  /** 'connected': the node (host:port) the connection is on. */
  node?: string;
}

/** connection.blocked / connection.unblocked from the broker (a resource alarm). */
export interface BlockedChange {
  vhost: string;
  purpose: ConnectionPurpose;
  blocked: boolean;
  /** The broker's reason, e.g. "low on memory"; undefined when unblocked. */
  reason?: string;
}

export interface AmqpManagerOptions {
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /**
   * How long a protocol round trip that has no timeout of its own (channel.open, channel.close,
   * queue.declare…) may take before the connection carrying it is declared dead, torn down and
   * rebuilt. Default 10 000 ms.
   */
  callDeadlineMs?: number;
  /** Overall deadline of withChannel / withConfirmChannel calls (see ChannelCallOptions). Default 60 000 ms. */
  operationDeadlineMs?: number;
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
  purpose: ConnectionPurpose;
  state: ConnectionState;
  /** The broker's reason while the connection is blocked (connection.blocked). */
  blocked?: string;
  /** The vhost was deleted / does not exist (530): an error that does not count for overallState. */
  gone?: boolean;
  model?: amqp.ChannelModel;
  /** Initial (non-retrying) open in flight, shared by concurrent callers. */
  opening?: Promise<amqp.ChannelModel>;
  /** True while the reconnect loop runs. */
  reconnecting: boolean;
  /** Settles with the outcome of the next reconnect attempt; created on demand by callers. */
  nextAttempt?: Deferred<amqp.ChannelModel>;
  attempt: number;
  timer?: NodeJS.Timeout;
  /** The node the connection is (or last was) on. */
  node?: HostPort;
  /** The node the connection was lost on: reconnects try it last. */
  lostNode?: HostPort;
  /** When the current (or last) connection was adopted (performance.now()). */
  adoptedAt?: number;
}

/**
 * A connection lost sooner than this after it opened does not get the immediate first reconnect
 * of a multi-node profile: a node that accepts and closes at once would otherwise be hit in a
 * tight loop (it waits for the usual backoff instead).
 */
const STABLE_CONNECTION_MS = 1000;

const JITTER = 0.1;
export const DEFAULT_OPERATION_DEADLINE_MS = 60_000;

/** The error for a publish refused (or abandoned) because the broker blocked the connection. */
export function blockedError(vhost: string, reason: string | undefined, sent = false): BrokerError {
  const why = reason || 'resource alarm';
  const tail = sent
    ? 'the message was sent but not confirmed: it may still be delivered when the alarm clears'
    : 'nothing was sent; reads (peek, tail, listing) still work';
  return new BrokerError(
    `broker blocked: ${why} (vhost '${vhost}'; publishing is paused by a broker resource alarm; ${tail})`,
    'amqp',
    'BLOCKED',
    why,
  );
}

/** The broker closed the connection because its vhost was deleted (320 CONNECTION_FORCED "vhost 'x' is deleted"). */
function isVhostDeletedClose(err: BrokerError): boolean {
  return err.code === 320 && /vhost .* is deleted/i.test(err.replyText ?? err.message);
}

function closedError(): BrokerError {
  return new BrokerError('The AMQP connection manager has been closed', 'amqp', 'closed');
}

/** Refused login (403) or vhost missing / not permitted (530): retrying cannot help. */
function isRefused(err: BrokerError): boolean {
  return err.source === 'auth' && (err.code === 403 || err.code === 530);
}

/**
 * The vhosts' connections: opened lazily (concurrent callers share one open), watched for
 * unexpected closes and re-opened with backoff, blocked/unblocked tracking, state events.
 * AmqpConnectionManager (amqp.ts) adds the channel operations on top.
 */
export class VhostConnections {
  /** Keyed by purpose + '\0' + vhost. */
  private readonly slots = new Map<string, VhostSlot>();
  private readonly stateListeners = new Set<{ all: boolean; fn: (e: StateChange) => void }>();
  private readonly reconnectListeners = new Set<{
    all: boolean;
    fn: (vhost: string, purpose: ConnectionPurpose) => void;
  }>();
  private readonly blockedListeners = new Set<(e: BlockedChange) => void>();
  /** Models we are closing on purpose: their 'close' event must not trigger a reconnect. */
  private readonly closingOnPurpose = new WeakSet<amqp.ChannelModel>();
  /** Opens in flight (initial or reconnect), so dispose() can wait for and close them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  protected readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** See AmqpManagerOptions.callDeadlineMs. */
  readonly callDeadlineMs: number;
  /** See AmqpManagerOptions.operationDeadlineMs. */
  readonly operationDeadlineMs: number;
  private disposed = false;
  private disposing?: Promise<void>;

  constructor(
    protected readonly endpoint: AmqpEndpoint,
    options: AmqpManagerOptions = {},
  ) {
    this.initialMs = Math.max(1, options.backoff?.initialMs ?? 500);
    this.maxMs = Math.max(this.initialMs, options.backoff?.maxMs ?? 30_000);
    this.factor = Math.max(1, options.backoff?.factor ?? 2);
    this.callDeadlineMs = Math.max(1, options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS);
    this.operationDeadlineMs = Math.max(1, options.operationDeadlineMs ?? DEFAULT_OPERATION_DEADLINE_MS);
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

  /**
   * Lazily opens (once; concurrent callers share the same promise) and returns a connection for
   * a vhost: the 'read' one by default, or the 'publish' one (see ConnectionPurpose).
   */
  connection(vhost: string, purpose: ConnectionPurpose = 'read'): Promise<amqp.ChannelModel> {
    if (this.disposed) return Promise.reject(closedError());
    const slot = this.slot(vhost, purpose);
    if (slot.model) return Promise.resolve(slot.model);
    if (slot.reconnecting) {
      if (!slot.nextAttempt) slot.nextAttempt = deferred();
      return slot.nextAttempt.promise;
    }
    if (slot.opening) return slot.opening;

    slot.gone = false;
    this.setState(slot, { state: 'connecting' });
    const opening = this.open(slot).then(
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
          this.log('error', `AMQP vhost '${vhost}' (${purpose}): ${error.message}`);
          slot.gone = error.source === 'auth' && error.code === 530;
          this.setState(slot, { state: 'error', error });
        }
        throw error;
      },
    );
    opening.catch(() => undefined);
    slot.opening = opening;
    return opening;
  }

  /** State of a vhost's connection ('read' by default). */
  state(vhost: string, purpose: ConnectionPurpose = 'read'): ConnectionState {
    return this.slots.get(slotKey(vhost, purpose))?.state ?? (this.disposed ? 'closed' : 'idle');
  }

  /**
   * The broker's reason while it blocks a connection of this vhost (connection.blocked: a memory
   * or disk alarm), else undefined. Publishes fail fast with code 'BLOCKED' meanwhile.
   */
  blockedReason(vhost: string): string | undefined {
    return this.slots.get(slotKey(vhost, 'publish'))?.blocked ?? this.slots.get(slotKey(vhost, 'read'))?.blocked;
  }

  /**
   * The node (host:port) a vhost's connection is on ('read' by default), while it is connected.
   * With several hosts in the profile this changes when the connection fails over.
   */
  node(vhost: string, purpose: ConnectionPurpose = 'read'): string | undefined {
    const slot = this.slots.get(slotKey(vhost, purpose));
    return slot?.model && slot.node ? formatHostPort(slot.node) : undefined;
  }

  /** The nodes the connected connections are on (usually one; several right after a failover). */
  connectedNodes(): string[] {
    const out = new Set<string>();
    for (const s of this.slots.values()) if (s.model && s.node) out.add(formatHostPort(s.node));
    return [...out];
  }

  /** Every vhost with a blocked connection, with the broker's reason. */
  blockedVhosts(): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of this.slots.values()) if (s.blocked !== undefined && !out.has(s.vhost)) out.set(s.vhost, s.blocked);
    return out;
  }

  /** Throws BrokerError code 'BLOCKED' if the broker blocks this vhost's connections. */
  assertNotBlocked(vhost: string): void {
    const reason = this.blockedReason(vhost);
    if (reason !== undefined) throw blockedError(vhost, reason);
  }

  /**
   * Aggregate over vhosts and connections, by priority: 'closed' after dispose, else 'error' if
   * any is in error, 'reconnecting' if any is reconnecting, 'connecting' if any is connecting,
   * 'connected' if any is connected, else 'idle'. A vhost that was deleted (or does not exist)
   * is not a connection problem and does not count.
   */
  overallState(): ConnectionState {
    if (this.disposed) return 'closed';
    const states = new Set([...this.slots.values()].filter((s) => !s.gone).map((s) => s.state));
    for (const s of ['error', 'reconnecting', 'connecting', 'connected'] as const) {
      if (states.has(s)) return s;
    }
    return 'idle';
  }

  /**
   * State changes of the vhosts' 'read' connections (the ones tails and peeks use); with
   * { all: true } also those of the 'publish' connections (check StateChange.purpose).
   */
  onStateChange(listener: (e: StateChange) => void, opts: { all?: boolean } = {}): Disposable {
    const entry = { all: opts.all === true, fn: listener };
    this.stateListeners.add(entry);
    return { dispose: () => void this.stateListeners.delete(entry) };
  }

  /**
   * Fired after a successful RE-connection of a vhost's 'read' connection, so long-lived users
   * can re-subscribe; with { all: true } also for 'publish' connections.
   */
  onReconnected(
    listener: (vhost: string, purpose: ConnectionPurpose) => void,
    opts: { all?: boolean } = {},
  ): Disposable {
    const entry = { all: opts.all === true, fn: listener };
    this.reconnectListeners.add(entry);
    return { dispose: () => void this.reconnectListeners.delete(entry) };
  }

  /** connection.blocked / connection.unblocked on any connection (also fired as unblocked when a blocked connection closes). */
  onBlockedChange(listener: (e: BlockedChange) => void): Disposable {
    this.blockedListeners.add(listener);
    return { dispose: () => void this.blockedListeners.delete(listener) };
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
      this.setBlocked(slot, undefined);
      if (slot.state !== 'closed') this.setState(slot, { state: 'closed' });
    }
    this.stateListeners.clear();
    this.reconnectListeners.clear();
    this.blockedListeners.clear();
  }

  private slot(vhost: string, purpose: ConnectionPurpose): VhostSlot {
    const key = slotKey(vhost, purpose);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { vhost, purpose, state: 'idle', reconnecting: false, attempt: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Opens a connection with error listeners attached at once; closes it again if we were disposed meanwhile. */
  private open(slot: VhostSlot): Promise<amqp.ChannelModel> {
    const { vhost, purpose } = slot;
    const p = (async () => {
      const endpoint =
        purpose === 'publish'
          ? { ...this.endpoint, connectionName: `${this.endpoint.connectionName ?? DEFAULT_CONNECTION_NAME} publish` }
          : this.endpoint;
      const { model, node } = await openAny(endpoint, vhost, {
        after: slot.lostNode,
        onFieldTypesProblem: (reason) =>
          this.log(
            'warn',
            `AMQP ${purpose} connection on vhost '${vhost}': message headers are shown as amqplib decodes them (integer and float types, and int64 beyond 2^53, not kept): ${reason}`,
          ),
      });
      slot.node = node;
      // Listeners first: an unhandled 'error' event would crash the extension host.
      model.on('error', (err: unknown) => {
        this.log(
          'warn',
          `AMQP connection error on vhost '${vhost}' (${purpose}): ${toBrokerError(err, errorContext(this.endpoint, vhost)).message}`,
        );
      });
      model.on('blocked', (reason: unknown) => {
        if (slot.model !== model) return;
        this.log('warn', `AMQP ${purpose} connection on vhost '${vhost}' blocked by the broker: ${String(reason)}`);
        this.setBlocked(slot, typeof reason === 'string' && reason ? reason : 'resource alarm');
      });
      model.on('unblocked', () => {
        if (slot.model !== model) return;
        this.log('info', `AMQP ${purpose} connection on vhost '${vhost}' unblocked`);
        this.setBlocked(slot, undefined);
      });
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
    slot.adoptedAt = performance.now();
    slot.gone = false;
    slot.lostNode = undefined;
    const node = slot.node;
    model.on('close', (err?: unknown) => {
      if (slot.model !== model) return;
      slot.model = undefined;
      slot.lostNode = node;
      this.setBlocked(slot, undefined);
      if (this.disposed || this.closingOnPurpose.has(model)) return;
      if (err === undefined || err === null) {
        // Closed by a client-side close() we did not issue (someone closed the shared model): reopen lazily.
        this.log('info', `AMQP connection on vhost '${slot.vhost}' closed`);
        this.setState(slot, { state: 'idle' });
        return;
      }
      const error = toBrokerError(err, errorContext(this.endpoint, slot.vhost));
      if (isVhostDeletedClose(error)) {
        // Reconnecting cannot help: the next open would be refused with 530 NOT_ALLOWED.
        slot.gone = true;
        const gone = new BrokerError(
          `Virtual host '${slot.vhost}' was deleted: the broker closed its connection (${error.replyText ?? error.message})`,
          'amqp',
          'VHOST_DELETED',
          error.replyText,
          { cause: error },
        );
        this.log('warn', `AMQP connection on vhost '${slot.vhost}' closed: the vhost was deleted; not reconnecting`);
        this.setState(slot, { state: 'error', error: gone });
        return;
      }
      this.log(
        'warn',
        `AMQP connection on vhost '${slot.vhost}' (${slot.purpose}) lost: ${error.message}; reconnecting`,
      );
      slot.reconnecting = true;
      this.scheduleReconnect(slot, error);
    });
    this.setState(slot, { state: 'connected', ...(node ? { node: formatHostPort(node) } : {}) });
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
    // With several nodes the first attempt goes at once: it tries the other nodes first.
    const stable = slot.adoptedAt === undefined || performance.now() - slot.adoptedAt >= STABLE_CONNECTION_MS;
    const delay = attempt === 1 && stable && profileNodes(this.endpoint).length > 1 ? 0 : this.backoffDelay(attempt);
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
      model = await this.open(slot);
    } catch (err) {
      if (this.disposed) return; // dispose() already rejected the waiters
      const error = toBrokerError(err, errorContext(this.endpoint, slot.vhost, `Reconnect to vhost '${slot.vhost}'`));
      const waiter = slot.nextAttempt;
      slot.nextAttempt = undefined;
      waiter?.reject(error);
      if (isRefused(error)) {
        // 403 (login refused) or 530 (vhost deleted / no permission): an error state, not a retry loop.
        slot.reconnecting = false;
        slot.attempt = 0;
        slot.gone = error.code === 530;
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
    this.log('info', `AMQP ${slot.purpose} connection on vhost '${slot.vhost}' re-established`);
    for (const listener of [...this.reconnectListeners]) {
      if (slot.purpose !== 'read' && !listener.all) continue;
      try {
        listener.fn(slot.vhost, slot.purpose);
      } catch (err) {
        this.log('error', `onReconnected listener failed: ${toBrokerError(err).message}`);
      }
    }
  }

  /** Closes a model on purpose; a broker that does not answer close within callDeadlineMs gets its socket destroyed. */
  private async closeQuietly(model: amqp.ChannelModel): Promise<void> {
    this.closingOnPurpose.add(model);
    await closeModelWithin(
      model,
      this.callDeadlineMs,
      `no close-ok for the connection within ${secs(this.callDeadlineMs)} s`,
    );
  }

  private setBlocked(slot: VhostSlot, reason: string | undefined): void {
    if (slot.blocked === reason) return;
    slot.blocked = reason;
    const event: BlockedChange = {
      vhost: slot.vhost,
      purpose: slot.purpose,
      blocked: reason !== undefined,
      ...(reason !== undefined ? { reason } : {}),
    };
    for (const listener of [...this.blockedListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log('error', `onBlockedChange listener failed: ${toBrokerError(err).message}`);
      }
    }
  }

  private setState(slot: VhostSlot, change: Omit<StateChange, 'vhost' | 'purpose'>): void {
    slot.state = change.state;
    const event: StateChange = { vhost: slot.vhost, purpose: slot.purpose, ...change };
    for (const listener of [...this.stateListeners]) {
      if (slot.purpose !== 'read' && !listener.all) continue;
      try {
        listener.fn(event);
      } catch (err) {
        this.log('error', `onStateChange listener failed: ${toBrokerError(err).message}`);
      }
    }
  }
}

function slotKey(vhost: string, purpose: ConnectionPurpose): string {
  return `${purpose}\u0000${vhost}`;
}
