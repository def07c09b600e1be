/**
 * Live view of messages: a "tap" (a temporary exclusive queue bound like the watched queue, or
 * to an exchange with a pattern) that sees copies of new messages without touching the watched
 * queue, or a real consumer on the queue (which takes the messages).
 *
 * QueueTail extends TailFeed (tailFeed.ts: the ring buffer of the newest messages, batches to
 * the UI as ranges of seqs, the receive rate, pause/resume/clear, gap markers) with the broker
 * side: setting the tap or consumer up, following reconnects, acks.
 *
 * After the connection manager re-establishes a lost connection, the tail sets itself up again
 * (tap queue and bindings re-declared, consumer re-created). Messages published while the
 * connection was down are not seen by a tap (its exclusive queue died with the connection): a tap
 * records each such gap as a GapMarker (from the moment the connection was lost to the moment the
 * tap queue was declared and bound again), which the list shows among the messages and the
 * export carries.
 *
 * Tapping a queue reads its bindings and checks that it exists through the management API only:
 * no AMQP operation touches the watched queue, so exclusive queues (owned by another connection,
 * where a passive declare fails with 405 RESOURCE_LOCKED) can be tapped too.
 *
 * Every broker round trip the tail makes (declare, bind, consume, cancel, delete, channel close)
 * has the connection manager's deadline: stop() settles even on a dead network path.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager, Disposable } from './amqp';
import { BrokerError } from './errors';
import { toBrokerError } from './describe';
import type { ManagementClient } from './management';
import { newTapQueue } from '../core/topology';
import { TailFeed, type TailBatch, type TailStats } from './tailFeed';

export { DEFAULT_BUFFER_BYTES, type TailBatch, type TailStats } from './tailFeed';

export type TailSpec =
  /** Copies of what the queue receives through its bindings (read from the management API). */
  | { mode: 'tap'; queue: string }
  /** Copies of what an exchange routes with this binding key / arguments. */
  | { mode: 'tap'; exchange: string; pattern: string; arguments?: Record<string, unknown> }
  /** A real consumer: messages are taken from the queue (acked automatically, or by the user). */
  | { mode: 'consume'; queue: string; prefetch: number; ack: 'auto' | 'manual' };

export type TailState = 'idle' | 'starting' | 'running' | 'reconnecting' | 'stopped' | 'error';

export interface TailOptions {
  /** Receives new messages in order, at most every flushIntervalMs or maxBatch at a time. */
  onBatch: (batch: TailBatch, stats: TailStats) => void;
  /** Needed for { mode: 'tap', queue } (to read the queue's bindings). */
  management?: ManagementClient;
  /** Default 100 ms. */
  flushIntervalMs?: number;
  /** Default 500. */
  maxBatch?: number;
  /** Newest messages kept (for the list and export). Default 10 000. */
  bufferSize?: number;
  /** Bytes of message bodies kept, at most (the oldest messages go first). Default 256 MiB. */
  bufferBytes?: number;
  /** x-max-length of the tap queue, protecting the broker if we cannot keep up. Default 100 000. */
  tapMaxLength?: number;
}

export interface TapBinding {
  exchange: string;
  routingKey: string;
  arguments: Record<string, unknown>;
}

const AUTO_ACK_DELAY_MS = 50;

export class QueueTail extends TailFeed {
  /** Things the user should know about this tail (e.g. what a tap cannot see). Updated by start(). */
  notes: string[] = [];
  /** Bindings the tap queue copies (tap modes), as of the last (re)start. */
  bindings: TapBinding[] = [];

  private _state: TailState = 'idle';
  private _error?: BrokerError;
  private readonly stateListeners = new Set<(state: TailState, error?: BrokerError) => void>();

  private readonly tapMaxLength: number;
  private readonly manualAck: boolean;
  private readonly autoAckEvery: number;

  private channel?: amqp.Channel;
  private channelError?: unknown;
  private consumerTag?: string;
  private _tapQueue?: string;
  private subscriptions: Disposable[] = [];
  private stopping = false;
  private resuming?: Promise<void>;
  /** When the connection was lost (set until the tap is set up again). */
  private lostAt?: number;

  // auto-ack batching
  private unackedCount = 0;
  private lastUnacked?: amqp.Message;
  private ackTimer?: NodeJS.Timeout;

  // manual acks: delivery tags exposed to the UI are unique across channels (local tag + offset)
  private tagOffset = 0;
  private maxExposedTag = 0;
  private readonly outstanding = new Set<number>();

  constructor(
    private readonly mgr: AmqpConnectionManager,
    readonly vhost: string,
    readonly spec: TailSpec,
    private readonly options: TailOptions,
  ) {
    super(options);
    this.tapMaxLength = Math.max(1, Math.floor(options.tapMaxLength ?? 100_000));
    this.manualAck = spec.mode === 'consume' && spec.ack === 'manual';
    const prefetch = spec.mode === 'consume' ? Math.max(0, Math.floor(spec.prefetch)) : 0;
    this.autoAckEvery = prefetch > 0 ? Math.max(1, prefetch >> 1) : 500;
  }

  get state(): TailState {
    return this._state;
  }

  get error(): BrokerError | undefined {
    return this._error;
  }

  /** The tap queue (burrow.tap.…), while a tap is set up. */
  get tapQueue(): string | undefined {
    return this._tapQueue;
  }

  onStateChange(listener: (state: TailState, error?: BrokerError) => void): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => void this.stateListeners.delete(listener) };
  }

  /** Sets the tail up and starts receiving. Throws a BrokerError (and goes to 'error') if that fails. */
  async start(): Promise<void> {
    if (this._state === 'running' || this._state === 'starting' || this._state === 'reconnecting') return;
    this.stopping = false;
    this._error = undefined;
    this.lostAt = undefined;
    this.setState('starting');
    this.subscribe();
    try {
      await this.setup();
    } catch (err) {
      const e = toBrokerError(err);
      this.unsubscribe();
      this.setState('error', e);
      throw e;
    }
    if (this.stopping) return;
    this.startStats();
    this.setState('running');
  }

  /**
   * Cancels the consumer, deletes the tap queue, closes the channel and delivers what is still
   * pending (unless paused). In manual-ack consume mode, unacked messages go back to the queue.
   */
  async stop(): Promise<void> {
    if (this._state === 'stopped' || this._state === 'idle') return;
    this.stopping = true;
    this.unsubscribe();
    this.stopStats();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    await this.resuming?.catch(() => undefined);
    const ch = this.channel;
    const tapQueue = this._tapQueue;
    this.channel = undefined;
    this._tapQueue = undefined;
    this.outstanding.clear();
    let tapDeleted = tapQueue === undefined;
    // The tap queue is exclusive: when its connection is gone (or torn down by a deadline), so is it.
    let connectionLost = false;
    if (ch) {
      try {
        if (this.consumerTag !== undefined)
          await this.mgr.deadline(ch, ch.cancel(this.consumerTag), 'Cancel the tail consumer');
        // Everything delivered before CancelOk has been captured by now.
        if (this.spec.mode === 'consume' && !this.manualAck && this.received > 0) ch.ackAll();
        if (tapQueue !== undefined) {
          await this.mgr.deadline(ch, ch.deleteQueue(tapQueue), 'Delete the tap queue');
          tapDeleted = true;
        }
      } catch (err) {
        /* the channel may have died meanwhile */
        if (err instanceof BrokerError && err.code === 'DEADLINE') connectionLost = true;
      }
      if (!(await this.mgr.closeChannel(ch))) connectionLost = true;
    }
    this.consumerTag = undefined;
    if (!connectionLost && this.mgr.state(this.vhost) !== 'connected') connectionLost = true;
    if (!tapDeleted && !connectionLost && tapQueue !== undefined) await this.deleteTapQueue(tapQueue);
    this.flushNow();
    this.setState('stopped');
  }

  /** Acks a delivery (manual-ack consume mode). False if the tag is unknown, already settled, or from a channel that is gone. */
  ack(deliveryTag: number, multiple = false): boolean {
    return this.settle(deliveryTag, multiple, (ch, msg, multi) => ch.ack(msg, multi));
  }

  /** Nacks a delivery; requeue (default true) puts it back in the queue. */
  nack(deliveryTag: number, opts: { requeue?: boolean; multiple?: boolean } = {}): boolean {
    const requeue = opts.requeue ?? true;
    return this.settle(deliveryTag, opts.multiple ?? false, (ch, msg, multi) => ch.nack(msg, multi, requeue));
  }

  /** Rejects a delivery; without requeue it is dropped or dead-lettered. */
  reject(deliveryTag: number, requeue = false): boolean {
    return this.settle(deliveryTag, false, (ch, msg) => ch.reject(msg, requeue));
  }

  /** Delivery tags (as exposed on CapturedMessage) still awaiting ack/nack/reject. */
  unsettled(): number[] {
    return [...this.outstanding].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------------------------------

  private settle(
    tag: number,
    multiple: boolean,
    op: (ch: amqp.Channel, msg: amqp.Message, multiple: boolean) => void,
  ): boolean {
    const ch = this.channel;
    if (!this.manualAck || !ch || tag <= this.tagOffset) return false;
    let target = tag;
    if (multiple) {
      // Ack up to the highest outstanding tag <= tag (acking an already settled tag would close the channel).
      let best = -1;
      for (const t of this.outstanding) if (t <= tag && t > best) best = t;
      if (best < 0) return false;
      target = best;
      for (const t of [...this.outstanding]) if (t <= target) this.outstanding.delete(t);
    } else {
      if (!this.outstanding.has(tag)) return false;
      this.outstanding.delete(tag);
    }
    try {
      op(ch, { fields: { deliveryTag: target - this.tagOffset } } as amqp.Message, multiple);
      return true;
    } catch {
      return false;
    }
  }

  private setState(state: TailState, error?: BrokerError): void {
    this._state = state;
    if (state === 'error') this._error = error;
    for (const l of [...this.stateListeners]) {
      try {
        l(state, error);
      } catch {
        /* listeners must not break the tail */
      }
    }
  }

  private subscribe(): void {
    if (this.subscriptions.length > 0) return;
    this.subscriptions.push(
      this.mgr.onReconnected((v) => {
        if (v !== this.vhost || this.stopping || this.channel) return;
        if (this._state === 'running' || this._state === 'reconnecting') void this.resumeAfterReconnect();
      }),
      this.mgr.onStateChange((e) => {
        if (e.vhost !== this.vhost || this.stopping) return;
        if (e.state === 'reconnecting' && (this._state === 'running' || this._state === 'reconnecting'))
          this.lostAt ??= Date.now();
        if (e.state === 'reconnecting' && this._state === 'running') this.setState('reconnecting');
        else if (
          (e.state === 'error' || e.state === 'closed') &&
          (this._state === 'running' || this._state === 'reconnecting') &&
          !this.channel
        ) {
          this.setState('error', e.error ?? new BrokerError('The AMQP connection was closed', 'amqp', 'closed'));
        }
      }),
    );
  }

  private unsubscribe(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
  }

  private async resumeAfterReconnect(): Promise<void> {
    if (this.resuming) return this.resuming;
    this.resuming = (async () => {
      this.lostAt ??= Date.now();
      this.setState('reconnecting');
      try {
        await this.setup(true);
        if (!this.stopping) this.setState('running');
      } catch (err) {
        if (this.stopping) return;
        // The connection dropped again while setting up: wait for the next reconnection.
        const s = this.mgr.state(this.vhost);
        if (s === 'reconnecting' || s === 'connecting') this.setState('reconnecting');
        else this.setState('error', toBrokerError(err));
      }
    })();
    try {
      await this.resuming;
    } finally {
      this.resuming = undefined;
    }
  }

  /** Reads the watched queue's bindings and turns them into tap bindings. */
  private async tapBindings(): Promise<TapBinding[]> {
    const spec = this.spec;
    if (spec.mode === 'consume') return [];
    if ('exchange' in spec) {
      if (spec.exchange === '')
        throw new BrokerError(
          'The default exchange cannot be tapped (nothing can be bound to it)',
          'amqp',
          'INVALID_ARGUMENT',
        );
      this.notes = [];
      return [{ exchange: spec.exchange, routingKey: spec.pattern, arguments: spec.arguments ?? {} }];
    }
    const mgmt = this.options.management;
    if (!mgmt)
      throw new BrokerError(
        'Tapping a queue needs the management API (to read its bindings)',
        'management',
        'NO_MANAGEMENT',
      );
    // Only the management API is asked: a passive declare on an exclusive queue owned by another
    // connection fails with 405 RESOURCE_LOCKED. The API lists the default-exchange binding even
    // for a queue that does not exist, so the queue itself is looked up too.
    const [, all] = await Promise.all([
      mgmt.getQueue(this.vhost, spec.queue).catch((err: unknown) => {
        const e = toBrokerError(err);
        if (e.code === 404)
          throw new BrokerError(
            `Queue '${spec.queue}' not found in vhost '${this.vhost}'`,
            'management',
            404,
            e.replyText,
            { cause: err },
          );
        throw e;
      }),
      mgmt.queueBindings(this.vhost, spec.queue),
    ]);
    const copied = all
      .filter((b) => b.source !== '' && b.destination_type === 'queue')
      .map((b) => ({ exchange: b.source, routingKey: b.routing_key, arguments: b.arguments ?? {} }));
    if (copied.length === 0) {
      throw new BrokerError(
        `Queue '${spec.queue}' cannot be tapped: it is fed only through the default exchange (it has no other bindings). ` +
          "A tap copies the queue's bindings onto a temporary queue, and nothing can be bound to the default exchange, so the tap would never see a message. " +
          'Use consume mode instead (it takes the messages off the queue), or tap the exchange its producers publish to.',
        'amqp',
        'DEFAULT_EXCHANGE_ONLY',
      );
    }
    const notes: string[] = [];
    if (all.some((b) => b.source === '')) {
      notes.push(
        `Messages published straight to '${spec.queue}' through the default exchange are not seen: the default exchange cannot be tapped (nothing can be bound to it). Only the ${copied.length === 1 ? 'binding' : `${copied.length} bindings`} from other exchanges ${copied.length === 1 ? 'is' : 'are'} tapped.`,
      );
    }
    notes.push(
      'Bindings are copied when the tap starts; bindings added to the queue later are not followed until the tap is restarted.',
    );
    this.notes = notes;
    return copied;
  }

  /**
   * Opens the channel, declares and binds the tap queue (tap modes), starts the consumer. After a
   * reconnect (`again`) a tap reuses the bindings read at start and records the gap.
   */
  private async setup(again = false): Promise<void> {
    const bindings = again && this.spec.mode === 'tap' ? this.bindings : await this.tapBindings();
    this.bindings = bindings;
    const ch = await this.mgr.openChannel(this.vhost);
    if (this.stopping) {
      await this.mgr.closeChannel(ch);
      return;
    }
    this.channelError = undefined;
    ch.on('error', (err: unknown) => {
      if (this.channel === ch || this.channel === undefined) this.channelError = err;
    });
    ch.on('close', () => this.onChannelClosed(ch));
    this.channel = ch;
    this.consumerTag = undefined;
    this.outstanding.clear();
    this.tagOffset = this.maxExposedTag;
    this.unackedCount = 0;
    this.lastUnacked = undefined;
    let declared: string | undefined;
    try {
      let queue: string;
      let noAck: boolean;
      if (this.spec.mode === 'tap') {
        const tap = newTapQueue(this.spec); // burrow.tap.…, marked: the tree shows it as Burrow's tap
        const q = await this.mgr.deadline(
          ch,
          ch.assertQueue(tap.name, {
            exclusive: true,
            autoDelete: true,
            durable: false,
            arguments: { 'x-max-length': this.tapMaxLength, ...tap.arguments },
          }),
          'Declare the tap queue',
        );
        declared = q.queue;
        this._tapQueue = q.queue;
        for (const b of bindings)
          await this.mgr.deadline(
            ch,
            ch.bindQueue(q.queue, b.exchange, b.routingKey, b.arguments),
            `Bind the tap queue to '${b.exchange}'`,
          );
        queue = q.queue;
        noAck = true;
        if (again && this.lostAt !== undefined) this.addGap(this.lostAt, Date.now());
      } else {
        await this.mgr.deadline(ch, ch.prefetch(Math.max(0, Math.floor(this.spec.prefetch))), 'Set the prefetch');
        queue = this.spec.queue;
        noAck = false;
      }
      this.lostAt = undefined;
      const ok = await this.mgr.deadline(
        ch,
        ch.consume(queue, this.makeHandler(ch), { noAck }),
        'Start the tail consumer',
      );
      if (this.channel === ch) this.consumerTag = ok.consumerTag;
    } catch (err) {
      const cause = this.channelError ?? err;
      if (this.channel === ch) this.channel = undefined;
      await this.mgr.closeChannel(ch);
      if (declared !== undefined) {
        this._tapQueue = undefined;
        await this.deleteTapQueue(declared);
      }
      throw toBrokerError(cause);
    }
  }

  private async deleteTapQueue(name: string): Promise<void> {
    try {
      await this.mgr.withChannel(this.vhost, (c) => this.mgr.deadline(c, c.deleteQueue(name), 'Delete the tap queue'));
    } catch {
      /* gone with its connection */
    }
  }

  private makeHandler(ch: amqp.Channel): (m: amqp.ConsumeMessage | null) => void {
    const manual = this.manualAck;
    const autoAck = this.spec.mode === 'consume' && !manual;
    return (m) => {
      if (m === null) {
        this.onConsumerCancelled(ch);
        return;
      }
      let tag: number | undefined;
      if (manual) {
        tag = m.fields.deliveryTag + this.tagOffset;
        if (tag > this.maxExposedTag) this.maxExposedTag = tag;
        this.outstanding.add(tag);
      }
      this.push(m.fields, m.properties, m.content, tag ?? 0);
      if (autoAck) {
        if (++this.unackedCount >= this.autoAckEvery) {
          ch.ack(m, true);
          this.unackedCount = 0;
          this.lastUnacked = undefined;
        } else {
          this.lastUnacked = m;
          if (!this.ackTimer) {
            this.ackTimer = setTimeout(() => this.ackPending(ch), AUTO_ACK_DELAY_MS);
          }
        }
      }
    };
  }

  private ackPending(ch: amqp.Channel): void {
    this.ackTimer = undefined;
    const m = this.lastUnacked;
    if (!m || this.channel !== ch) return;
    this.lastUnacked = undefined;
    this.unackedCount = 0;
    try {
      ch.ack(m, true);
    } catch {
      /* channel closed: the broker requeues them */
    }
  }

  private onConsumerCancelled(ch: amqp.Channel): void {
    if (this.channel !== ch || this.stopping) return;
    const what = this.spec.mode === 'consume' ? `queue '${this.spec.queue}'` : 'the tap queue';
    this.consumerTag = undefined;
    this.channel = undefined;
    const tapQueue = this._tapQueue;
    this._tapQueue = undefined;
    void this.mgr.closeChannel(ch);
    if (tapQueue !== undefined) void this.deleteTapQueue(tapQueue);
    this.setState(
      'error',
      new BrokerError(`The broker cancelled the consumer on ${what} (was it deleted?)`, 'amqp', 'CONSUMER_CANCELLED'),
    );
  }

  private onChannelClosed(ch: amqp.Channel): void {
    if (this.channel !== ch) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    this.outstanding.clear();
    this.lastUnacked = undefined;
    if (this.stopping) return;
    if (this._state === 'running' || this._state === 'reconnecting') this.lostAt ??= Date.now();
    const err = this.channelError;
    // The connection's own 'close' (and the manager's state change) follows the channel's; look a tick later.
    setImmediate(() => {
      if (this.channel || this.stopping || this.resuming) return;
      const s = this.mgr.state(this.vhost);
      if (s === 'reconnecting' || s === 'connecting') {
        if (this._state !== 'reconnecting') this.setState('reconnecting');
        return;
      }
      const tapQueue = this._tapQueue;
      this._tapQueue = undefined;
      if (tapQueue !== undefined && s === 'connected') void this.deleteTapQueue(tapQueue);
      const e =
        err !== undefined
          ? toBrokerError(err)
          : new BrokerError('The tail channel was closed', 'amqp', 'CHANNEL_CLOSED');
      this.setState('error', e);
    });
  }
}
