/**
 * Looking at messages without consuming them.
 *
 * AMQP 0-9-1 has no way to look at a message without taking it: a peek takes messages from the
 * head of the queue, never acks them, and closes its channel, which makes the broker put every
 * one back at its place, marked redelivered.
 *
 * Classic queues (and quorum queues with no delivery limit): a consumer (manual acks) on a
 * dedicated channel with a prefetch of exactly the number wanted, so the broker pushes the head
 * of the queue in one go (amqplib sends one basic.get at a time per channel, so 100 gets cost 100
 * round trips).
 *
 * Quorum queues with a delivery limit: every return raises a message's delivery count, on both
 * 3.10 and 4.0, whichever way it is returned (see src/core/deliveryLimit.ts), and the broker drops
 * (or dead-letters) a message returned once more after reaching the limit. A message's count can
 * only be read by taking it, so the peek takes messages in steps of 1, 2, 4, 8, … (a consumer per
 * step, cancelled before the next), reads each one's x-delivery-count, and takes no further step
 * once the counts it knows of (this peek's, and what this Burrow left behind in earlier peeks of
 * the queue) come too close to the limit. The
 * result says how many messages were left out and why, and flags any message that was taken with
 * a count that leaves it no spare return.
 *
 * Peeks of one queue (per connection manager, vhost and queue) run one after the other, never
 * interleaved: two peeks holding parts of the head at once would put them back out of order.
 *
 * A peek whose channel or connection fails while it holds messages returns nothing: it fails with
 * BrokerError 'PEEK_INTERRUPTED', saying that the messages it had taken are back in the queue,
 * marked redelivered (the broker returns them when the channel goes away).
 *
 * Why not nack(requeue): measured on RabbitMQ 3.10.8, a quorum queue puts nacked-and-requeued
 * messages at the BACK of the queue (peeking 3 of 10 twice gave 1,2,3 then 4,5,6 and left the
 * queue as 4..10,1,2,3), whereas messages returned by a channel close keep their place (on
 * classic queues both keep the order). Both count as a delivery on quorum queues.
 *
 * The requeue on close is asynchronous on quorum queues: measured on 3.10.8, a queue.declare
 * straight after close-ok showed fewer ready messages than before in 5 of 200 peeks (it would
 * also make an immediate second peek come back empty). So, unless the caller says the queue is
 * classic (whose requeue is done before close-ok), and when the queue had no other consumers,
 * peekMessages waits (at most RESTORE_WAIT_MS) until the depth is back before it returns; with
 * other consumers the depth can't be expected back, so it doesn't wait.
 *
 * Quorum queues keep returned messages in a list of their own, delivered before the others in the
 * order they came back. A peek that took only the first part of that list would put those messages
 * back behind the rest of it (measured on 3.10.8 and 4.0.5: peek 10 of 10, then peek 5, left the
 * queue as 6..10, 1..5). So a quorum peek goes on taking, without showing them, while what it takes
 * is marked redelivered, up to the first message that is not (see takeReturnedTail): giving all of
 * them back keeps the order.
 *
 * Streams: see peekStream.ts (a consumer with an `x-stream-offset`; reading never removes anything).
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { consumeUntil } from './consumeUntil';
import { BrokerError, describeForUser } from './errors';
import { toBrokerError } from './describe';
import { peekStream } from './peekStream';
import { checkCount, type PeekResult } from './peekResult';
import { captureMessage, type CapturedMessage } from '../core/message';
import { getOperatorPolicies, getPolicies, type ManagementClient } from './management';
import {
  DEFAULT_DELIVERY_LIMIT_4X,
  effectiveDeliveryLimit,
  type DeliveryLimit,
  deliveryCountOf,
  mayTakeNext,
  riskOfReturn,
  withheldText,
} from '../core/deliveryLimit';

export interface PeekOptions {
  queueType?: string;
  /**
   * The queue's effective delivery limit (src/core/deliveryLimit.ts effectiveDeliveryLimit): a
   * number, or null for none. Undefined: unknown; a quorum queue (or a queue of unknown type) is
   * then peeked as if its limit were RabbitMQ 4's default of 20.
   */
  deliveryLimit?: number | null;
  /**
   * Fail with BrokerError 'PEEK_HAS_CONSUMERS' (before taking anything) when the queue has
   * consumers: the peek may take messages they would have received, and they get them later,
   * redelivered. The panel asks the user first and then peeks with this off.
   */
  refuseIfConsumers?: boolean;
  /** Take the first message even though an earlier peek by this Burrow left high counts. */
  ignoreMemory?: boolean;
}

export { MAX_PEEK, type PeekResult } from './peekResult';

export const PEEK_NOTE = 'Peeked messages are requeued and come back marked redelivered';
/**
 * How long to wait for the next delivery before deciding the queue had fewer messages than its
 * depth said (other consumers may take some meanwhile).
 */
const PEEK_IDLE_MS = 300;
/** How long to wait for the broker to put peeked messages back (see the header comment). */
export const RESTORE_WAIT_MS = 2000;

// ----- per-queue state: serialisation and what earlier peeks left behind ------------------------

interface QueueState {
  /** The last peek queued on this queue (settles when it is done). */
  tail: Promise<void>;
  /** Peeks queued or running. */
  pending: number;
  /** The highest delivery count a message had when this Burrow last put it back (quorum queues). */
  restCount?: number;
}

const states = new WeakMap<AmqpConnectionManager, Map<string, QueueState>>();

function queueState(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
): { key: string; map: Map<string, QueueState>; state: QueueState } {
  let map = states.get(mgr);
  if (!map) states.set(mgr, (map = new Map()));
  const key = JSON.stringify([vhost, queue]);
  let state = map.get(key);
  if (!state) map.set(key, (state = { tail: Promise.resolve(), pending: 0 }));
  return { key, map, state };
}

/** Runs fn after every earlier peek of the same queue on the same manager has finished. */
async function serialised<T>(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  fn: (state: QueueState) => Promise<T>,
): Promise<T> {
  const { key, map, state } = queueState(mgr, vhost, queue);
  const before = state.tail;
  let release!: () => void;
  state.tail = new Promise<void>((r) => (release = r));
  state.pending++;
  try {
    await before;
    return await fn(state);
  } finally {
    state.pending--;
    release();
    if (state.pending === 0 && state.restCount === undefined) map.delete(key);
  }
}

/**
 * What this Burrow remembers about a queue's delivery counts: the highest count a message had
 * when a peek last put it back (undefined: nothing known). For tests and the panel.
 */
export function rememberedDeliveryCount(mgr: AmqpConnectionManager, vhost: string, queue: string): number | undefined {
  return states.get(mgr)?.get(JSON.stringify([vhost, queue]))?.restCount;
}

// ----- the queue's delivery limit --------------------------------------------------------------

/**
 * A queue's effective delivery limit, read through the management API: its type and arguments,
 * the vhost's policies and operator policies, the broker's version (4.x defaults to 20) and, on
 * 4.x, the limit the queue reports once its stats are in (see effectiveDeliveryLimit). Policies
 * that can't be read (a user without the rights) make the result `guessed`. Rejects when the
 * queue or the overview can't be read.
 */
export async function queueDeliveryLimit(
  mc: ManagementClient,
  vhost: string,
  queue: string,
): Promise<DeliveryLimit & { queueType: string }> {
  const [q, overview, policies, operatorPolicies] = await Promise.all([
    mc.getQueue(vhost, queue),
    mc.overview(),
    getPolicies(mc, vhost).catch(() => undefined),
    getOperatorPolicies(mc, vhost).catch(() => undefined),
  ]);
  const queueType = q.type ?? 'classic';
  const major = Number.parseInt(overview.rabbitmq_version ?? overview.product_version ?? '', 10);
  const limit = effectiveDeliveryLimit({
    queueName: queue,
    queueType,
    arguments: q.arguments,
    brokerMajor: Number.isFinite(major) ? major : 4,
    policies,
    operatorPolicies,
    reported: (q as { delivery_limit?: number | string }).delivery_limit,
  });
  return { ...limit, queueType };
}

// ----- peek -------------------------------------------------------------------------------------

/**
 * Fetches up to `count` messages from the head of a queue and requeues them all (see the header
 * comment for how, and for what a delivery limit changes).
 * Missing queue → BrokerError code 404 (the connection stays open).
 * With queueType 'stream' this reads the stream from its first message instead (see peekStream).
 */
export async function peekMessages(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  count: number,
  opts: PeekOptions = {},
): Promise<PeekResult> {
  if (opts.queueType === 'stream') return peekStream(mgr, vhost, queue, count, 'first');
  const wanted = checkCount(count);
  return serialised(mgr, vhost, queue, (state) => peekNow(mgr, vhost, queue, wanted, opts, state));
}

interface Progress {
  /** The peek has started taking messages (a consumer or basic.get was sent). */
  taking: boolean;
  taken: number;
}

async function peekNow(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  wanted: number,
  opts: PeekOptions,
  state: QueueState,
): Promise<PeekResult> {
  const classic = opts.queueType === 'classic';
  // Unknown type: it may be a quorum queue, so it gets the careful path with the 4.x default.
  const limit: number | null = classic
    ? null
    : opts.deliveryLimit !== undefined
      ? opts.deliveryLimit
      : DEFAULT_DELIVERY_LIMIT_4X;
  const progress: Progress = { taking: false, taken: 0 };
  let peek: PeekResult;
  try {
    peek = await mgr.withChannel(vhost, async (ch) => {
      const ok = await mgr.deadline(ch, ch.checkQueue(queue), `Peek '${queue}': queue.declare`);
      if (opts.refuseIfConsumers && ok.consumerCount > 0) {
        throw new BrokerError(
          `Queue '${queue}' has ${ok.consumerCount} consumer${ok.consumerCount === 1 ? '' : 's'}: a peek may take messages they would have received, and they would get them later, marked redelivered`,
          'amqp',
          'PEEK_HAS_CONSUMERS',
        );
      }
      if (ok.messageCount === 0) state.restCount = undefined; // nothing left of what earlier peeks put back
      const target = Math.min(wanted, ok.messageCount);
      const base = { queueDepthBefore: ok.messageCount, consumers: ok.consumerCount };
      if (limit === null) {
        const quorum = opts.queueType === 'quorum';
        const raw =
          target > 0 ? await consumeHead(mgr, ch, queue, target, progress, quorum ? stepTag(0) : undefined) : [];
        const now = Date.now();
        let note = PEEK_NOTE;
        if (quorum && raw.length === target && target < ok.messageCount && raw[raw.length - 1].fields.redelivered) {
          const tail = await takeReturnedTail(mgr, ch, queue, {
            firstStep: 1,
            room: ok.messageCount - target,
            limit: null,
            known: () => undefined,
            progress,
            onMessage: () => undefined,
          });
          note += tail.note ?? '';
        }
        return {
          ...base,
          messages: raw.map((m, i) => captureMessage(m, i + 1, now)),
          note,
          ...(quorum ? { deliveryLimit: null } : {}),
        };
      }
      return takeCarefully(mgr, ch, queue, target, limit, opts, state, progress, base);
    });
  } catch (err) {
    // Nothing taken yet (a refused consume, a dead connection before the first delivery): the
    // error as it is. Anything the broker had sent meanwhile goes back with the channel.
    if (!progress.taking || progress.taken === 0) throw err;
    const cause = describeForUser(toBrokerError(err));
    const n = progress.taken;
    const quorum = opts.queueType === 'quorum' || (opts.queueType === undefined && limit !== null);
    throw new BrokerError(
      `The peek failed after taking ${n} message${n === 1 ? '' : 's'} (${cause}). Nothing is shown, because the list would be incomplete. ` +
        `The messages the peek had taken are back in the queue, marked redelivered: the broker returns them when the channel or connection goes away` +
        (quorum
          ? `; on a quorum queue this counts as one more delivery of each. In a cluster where the peek's node went down, RabbitMQ gives them back only when it lets go of the lost consumer (4.x: when the node returns, or after consumer_disconnected_timeout), so some may stay unacknowledged for a while`
          : '') +
        '.',
      'amqp',
      'PEEK_INTERRUPTED',
      undefined,
      { cause: err },
    );
  }
  // withChannel has closed the channel: the broker requeues. A classic queue does so before
  // close-ok (100 of 100 back on the first check), so only other or unknown types wait; with
  // other consumers the depth isn't expected back.
  if (peek.messages.length > 0 && peek.consumers === 0 && !classic) {
    const depth = peek.queueDepthBefore;
    // The peek itself succeeded: a failing check (queue deleted meanwhile) only ends the wait.
    const back = await mgr
      .withChannel(vhost, (ch) => waitForDepth(mgr, ch, queue, depth, RESTORE_WAIT_MS))
      .catch(() => true);
    if (!back) peek.note += `; the broker had not put all of them back after ${RESTORE_WAIT_MS / 1000} s`;
  }
  return peek;
}

/**
 * The delivery-limited path: steps of 1, 2, 4, … messages (see takeStep), reading each message's
 * x-delivery-count, and no further step once the known counts come too close to the limit.
 */
async function takeCarefully(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  target: number,
  limit: number,
  opts: PeekOptions,
  state: QueueState,
  progress: Progress,
  base: { queueDepthBefore: number; consumers: number },
): Promise<PeekResult> {
  const remembered = opts.ignoreMemory ? undefined : state.restCount;
  const messages: CapturedMessage[] = [];
  const atRisk: NonNullable<PeekResult['atRisk']> = [];
  let seenMax: number | undefined;
  let stoppedBy: 'memory' | 'seen' | undefined;
  let step = 0;
  while (messages.length < target) {
    const known = Math.max(remembered ?? -1, seenMax ?? -1);
    if (!mayTakeNext(limit, known < 0 ? undefined : known)) {
      stoppedBy = remembered !== undefined && remembered >= (seenMax ?? -1) ? 'memory' : 'seen';
      break;
    }
    const size = Math.min(target - messages.length, 2 ** step);
    const got = await takeStep(mgr, ch, queue, size, stepTag(step), progress, (m) => {
      const c = deliveryCountOf(m.properties.headers as Record<string, unknown> | undefined);
      // It goes back with one more: remember that before anything else can fail.
      state.restCount = Math.max(state.restCount ?? 0, c + 1);
      seenMax = Math.max(seenMax ?? 0, c);
      const seq = messages.length + 1;
      messages.push(captureMessage(m, seq, Date.now()));
      const risk = riskOfReturn(limit, c);
      if (risk !== 'ok') atRisk.push({ seq, deliveryCount: c, risk });
    });
    step++;
    if (got < size) break; // fewer ready messages than the depth said (a consumer took some)
  }
  let tailNote = '';
  let tailTaken = 0;
  let tailAtRisk = 0;
  const last = messages[messages.length - 1];
  if (!stoppedBy && last?.redelivered && messages.length === target && target < base.queueDepthBefore) {
    const tail = await takeReturnedTail(mgr, ch, queue, {
      firstStep: step,
      room: base.queueDepthBefore - target,
      limit,
      known: () => {
        const k = Math.max(remembered ?? -1, seenMax ?? -1);
        return k < 0 ? undefined : k;
      },
      progress,
      onMessage: (m) => {
        const c = deliveryCountOf(m.properties.headers as Record<string, unknown> | undefined);
        state.restCount = Math.max(state.restCount ?? 0, c + 1);
        seenMax = Math.max(seenMax ?? 0, c);
        if (riskOfReturn(limit, c) !== 'ok') tailAtRisk++;
      },
    });
    tailTaken = tail.taken;
    tailNote = tail.note ?? '';
    if (tailAtRisk > 0)
      tailNote += `; ${tailAtRisk} of the messages taken (not shown) to keep the order were this close to the delivery limit: the broker may drop or dead-letter them`;
  }
  // Everything in the queue was taken: its counts are now known exactly.
  if (
    messages.length > 0 &&
    messages.length + tailTaken === base.queueDepthBefore &&
    seenMax !== undefined &&
    !opts.ignoreMemory
  )
    state.restCount = seenMax + 1;
  const result: PeekResult = {
    ...base,
    messages,
    note: `${PEEK_NOTE}; on a quorum queue each peek counts as one delivery of every message it shows (delivery limit ${limit})${tailNote}`,
    deliveryLimit: limit,
  };
  const left = target - messages.length;
  if (stoppedBy && left > 0) {
    const known = stoppedBy === 'memory' ? (remembered as number) : (seenMax as number);
    result.withheld = { count: left, reason: withheldText(left, limit, known, stoppedBy === 'memory') };
  }
  if (atRisk.length > 0) result.atRisk = atRisk;
  return result;
}

/**
 * Consumer tags of a careful peek's steps sort in step order. The broker returns a closed
 * channel's messages consumer by consumer, each consumer's in the order it received them, and
 * (measured on 3.10.8 and 4.0.5) not necessarily in the order they were taken across takes: a
 * peek made of basic.gets came back as 1, 10, 11, 2, 3, … (as if sorted as text), and with more
 * than 32 gets in no recognisable order. Tags that sort like the steps, and a few steps (at most
 * 14 for MAX_PEEK), keep the order (pinned by test/integration/peek-safety.test.ts).
 */
const stepTag = (step: number) => `burrow-peek-${String(step).padStart(3, '0')}`;

/**
 * One step of a careful peek: a consumer (tag `tag`, prefetch `size`) that takes up to `size`
 * messages and is then cancelled, its messages left unacked on the channel. Resolves with the
 * number of messages received (fewer than `size` when the queue ran dry: no delivery for
 * PEEK_IDLE_MS, after which the channel is checked to still answer). Rejects when the channel
 * closes or a round trip passes its deadline.
 */
async function takeStep(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  size: number,
  tag: string,
  progress: Progress,
  onMessage: (m: amqp.ConsumeMessage) => void,
): Promise<number> {
  let got = 0;
  await consumeUpTo(mgr, ch, queue, size, progress, tag, (m) => {
    // Deliveries that come after an idle finish but before cancel-ok are kept too: the
    // broker sent them, so they are taken either way.
    got++;
    progress.taken++;
    onMessage(m);
    return got;
  });
  // basic.cancel leaves the messages with the channel (unacked); its reply also proves the channel answers.
  await mgr.deadline(ch, ch.cancel(tag), `Peek '${queue}': basic.cancel`);
  return got;
}

/** At most this many messages are taken (not shown) behind a quorum peek to keep the order. */
export const ORDER_TAIL_MAX = 10_000;

/**
 * After a quorum peek took the messages it shows and the last of them was marked redelivered
 * (so it came from the queue's list of returned messages, which may go on behind it), takes more
 * (not shown), in steps of 8, 16, …, until a message that is not marked redelivered came (the end
 * of that list), the queue ran dry, ORDER_TAIL_MAX were taken, or, under a delivery limit, the
 * known counts forbid another step. The caller's channel close then gives everything back in
 * order. Resolves with how many it took and, when it had to stop early, a note for the result.
 */
async function takeReturnedTail(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  o: {
    firstStep: number;
    /** Messages in the queue behind the ones already taken (its depth said so). */
    room: number;
    limit: number | null;
    known: () => number | undefined;
    progress: Progress;
    onMessage: (m: amqp.ConsumeMessage) => void;
  },
): Promise<{ taken: number; note?: string }> {
  let taken = 0;
  let sawFresh = false;
  const stopped = (why: string) => ({
    taken,
    note: `; the order of the queue may have changed: messages put back earlier (by a longer peek or another client) may now be behind these, because ${why}`,
  });
  for (let i = 0; !sawFresh; i++) {
    const left = Math.min(o.room, ORDER_TAIL_MAX) - taken;
    if (left <= 0)
      return taken >= ORDER_TAIL_MAX ? stopped(`more than ${ORDER_TAIL_MAX} such messages follow`) : { taken };
    if (!mayTakeNext(o.limit, o.known()))
      return stopped('taking more would bring them too close to the delivery limit');
    const size = Math.min(left, 8 * 2 ** i);
    const got = await takeStep(mgr, ch, queue, size, stepTag(o.firstStep + i), o.progress, (m) => {
      taken++;
      if (!m.fields.redelivered) sawFresh = true;
      o.onMessage(m);
    });
    if (got < size) break; // the queue ran dry
  }
  return { taken };
}

/**
 * Takes up to `target` messages from the head with a manual-ack consumer and a prefetch of
 * `target`. Nothing is acked or nacked: the caller's withChannel closes the channel (and waits
 * for close-ok), which cancels the consumer, and the broker requeues every message in place.
 * Rejects when the channel closes first (connection lost), and, when fewer than `target` came,
 * checks with a deadline that the channel still answers (a dead path looks like an idle queue).
 */
async function consumeHead(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  target: number,
  progress: Progress,
  consumerTag?: string,
): Promise<amqp.ConsumeMessage[]> {
  const raw: amqp.ConsumeMessage[] = [];
  let done = false;
  await consumeUpTo(mgr, ch, queue, target, progress, consumerTag, (m) => {
    if (!done && raw.length < target) raw.push(m);
    progress.taken = raw.length;
    return raw.length;
  });
  done = true;
  if (raw.length < target) await mgr.deadline(ch, ch.checkQueue(queue), `Peek '${queue}': queue.declare`);
  return raw;
}

/**
 * The consumer both kinds of peek use: prefetch `size`, manual acks, and it resolves once
 * `onMessage` says `size` messages are in, or when no delivery came for PEEK_IDLE_MS. Rejects when
 * the channel closes or the broker cancels the consumer (queue deleted). The consumer is left on.
 */
async function consumeUpTo(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  size: number,
  progress: Progress,
  consumerTag: string | undefined,
  onMessage: (m: amqp.ConsumeMessage) => number,
): Promise<void> {
  await mgr.deadline(ch, ch.prefetch(size), `Peek '${queue}': basic.qos`);
  progress.taking = true;
  await consumeUntil(ch, queue, {
    size,
    idleMs: PEEK_IDLE_MS,
    ...(consumerTag === undefined ? {} : { consumerTag }),
    onMessage,
    cancelledError: () =>
      new BrokerError(
        `The broker cancelled the peek's consumer on '${queue}' (was the queue deleted?)`,
        'amqp',
        'CONSUMER_CANCELLED',
      ),
    closedError: () =>
      new BrokerError('The channel closed while the peek was taking messages', 'amqp', 'CHANNEL_CLOSED'),
  });
}

/** Polls the ready count until it reaches `depth`; false when `timeoutMs` passed first. */
async function waitForDepth(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  depth: number | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    if ((await mgr.deadline(ch, ch.checkQueue(queue), `Peek '${queue}': queue.declare`)).messageCount >= (depth ?? 0))
      return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pause));
  }
}
