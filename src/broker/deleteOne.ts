/**
 * Deleting exactly one peeked message (see src/core/deleteOne.ts for the idea): on a dedicated
 * channel, take the first `position` messages, check the last one is the peeked message,
 * acknowledge only it, prove the ack was processed (a round trip on the same channel), and close
 * the channel, which gives the others back in place.
 *
 * Refused (BrokerError, nothing deleted):
 *   - DELETE_REFUSED: a stream (nothing can be removed from a stream);
 *   - DELETE_HAS_CONSUMERS: the queue has consumers: they would receive messages while Burrow holds
 *     the head, so the position of the peeked message is no longer certain, and they would get the
 *     held messages later, redelivered, out of order;
 *   - DELETE_MISMATCH: the message at that position is not the peeked one (the queue changed);
 *   - DELETE_LIMIT: a quorum queue's delivery limit: giving the messages ahead of it back could
 *     leave one with no return to spare (the same rule as peek: every count seen at most L − 2);
 *   - DELETE_INTERRUPTED: the channel or connection failed before the ack was proven: the message
 *     may or may not have been deleted (the others are back in the queue).
 * Quorum queues (and queues of unknown type) are taken in steps of 1, 2, 4, … like peek, reading
 * each message's delivery count before taking more.
 */
import type * as amqp from 'amqplib';
import type { AmqpConnectionManager } from './amqp';
import { consumeUntil } from './consumeUntil';
import { BrokerError, describeForUser } from './errors';
import { toBrokerError } from './describe';
import { RESTORE_WAIT_MS } from './peek';
import { captureProperties } from '../core/message';
import { DEFAULT_DELIVERY_LIMIT_4X, deliveryCountOf, mayTakeNext, withheldText } from '../core/deliveryLimit';
import { fingerprintOf, mismatch, type MessageFingerprint } from '../core/deleteOne';

export interface DeleteOneOptions {
  queueType?: string;
  /** As PeekOptions.deliveryLimit: a number, null for none, undefined when unknown. */
  deliveryLimit?: number | null;
}

export interface DeleteOneResult {
  /** Messages taken with the deleted one and given back (those ahead of it; on quorum queues also redelivered ones after it). */
  returned: number;
}

const IDLE_MS = 300;
/** At most this many messages are taken to reach the one to delete (peek shows at most 1000). */
export const MAX_DELETE_POSITION = 1000;

export async function deleteOneMessage(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  expected: MessageFingerprint,
  opts: DeleteOneOptions = {},
): Promise<DeleteOneResult> {
  if (opts.queueType === 'stream')
    throw new BrokerError(
      'Messages cannot be deleted from a stream: reading a stream never removes anything',
      'amqp',
      'DELETE_REFUSED',
    );
  const position = Math.floor(expected.position);
  if (!(position >= 1 && position <= MAX_DELETE_POSITION))
    throw new BrokerError(`Position ${expected.position} is out of range`, 'amqp', 'DELETE_REFUSED');
  const limit: number | null =
    opts.queueType === 'classic'
      ? null
      : opts.deliveryLimit !== undefined
        ? opts.deliveryLimit
        : DEFAULT_DELIVERY_LIMIT_4X;
  let ackSent = false;
  /** The depth before, and how many messages this took (for the wait below). */
  const seen = { depth: 0, taken: 0 };
  try {
    const result = await mgr.withChannel(
      vhost,
      async (ch) => {
        const ok = await mgr.deadline(ch, ch.checkQueue(queue), `Delete from '${queue}': queue.declare`);
        seen.depth = ok.messageCount;
        if (ok.consumerCount > 0)
          throw new BrokerError(
            `Queue '${queue}' has ${ok.consumerCount} consumer${ok.consumerCount === 1 ? '' : 's'}: while Burrow holds the messages ahead of the one to delete, they would receive the next ones, so which message is at position ${position} is no longer certain, and they would get the held messages later, redelivered. Nothing was deleted; stop the consumers first.`,
            'amqp',
            'DELETE_HAS_CONSUMERS',
          );
        if (ok.messageCount < position)
          throw new BrokerError(
            `Queue '${queue}' holds ${ok.messageCount} ready message${ok.messageCount === 1 ? '' : 's'} now, fewer than the position of the message to delete (#${position}): the queue changed since the peek. Nothing was deleted; peek again.`,
            'amqp',
            'DELETE_MISMATCH',
          );
        const taken: amqp.ConsumeMessage[] = [];
        let seenMax: number | undefined;
        let step = 0;
        for (; taken.length < position; step++) {
          if (limit !== null && !mayTakeNext(limit, seenMax))
            throw new BrokerError(
              withheldText(position - taken.length, limit, seenMax ?? 0, false).replace(/not shown/, 'not taken') +
                ` Nothing was deleted: reaching message #${position} would mean giving these back.`,
              'amqp',
              'DELETE_LIMIT',
            );
          const size = limit === null ? position - taken.length : Math.min(position - taken.length, 2 ** step);
          const got = await takeStep(mgr, ch, queue, size, `burrow-delete-${String(step).padStart(3, '0')}`);
          for (const m of got) {
            taken.push(m);
            seen.taken++;
            seenMax = Math.max(
              seenMax ?? 0,
              deliveryCountOf(m.properties.headers as Record<string, unknown> | undefined),
            );
          }
          if (got.length < size) break;
        }
        // Quorum queues put given-back messages behind the ones given back before (measured on
        // 3.10.8 and 4.0.5: after a peek of 10, taking 4 and giving 3 back left them after the other
        // 6). So Burrow also takes the redelivered messages after the one to delete (those are the
        // earlier returns) and gives them all back in order, while the delivery limit allows it.
        if (limit !== null || opts.queueType !== 'classic')
          while (
            taken.length >= position &&
            taken.length < MAX_DELETE_POSITION &&
            taken[taken.length - 1]!.fields.redelivered &&
            (limit === null || mayTakeNext(limit, seenMax))
          ) {
            const size = Math.min(MAX_DELETE_POSITION - taken.length, limit === null ? 100 : 2 ** step);
            const got = await takeStep(mgr, ch, queue, size, `burrow-delete-${String(step).padStart(3, '0')}`);
            step++;
            for (const m of got) {
              taken.push(m);
              seen.taken++;
              seenMax = Math.max(
                seenMax ?? 0,
                deliveryCountOf(m.properties.headers as Record<string, unknown> | undefined),
              );
            }
            if (got.length < size || !got.every((m) => m.fields.redelivered)) break;
          }
        if (taken.length < position)
          throw new BrokerError(
            `Burrow could take only ${taken.length} message${taken.length === 1 ? '' : 's'}, fewer than the position of the message to delete (#${position}): the queue changed since the peek. Nothing was deleted; peek again.`,
            'amqp',
            'DELETE_MISMATCH',
          );
        const target = taken[position - 1];
        const why = mismatch(
          expected,
          fingerprintOf(position, {
            properties: captureProperties(target.properties),
            body: target.content,
            exchange: target.fields.exchange,
            routingKey: target.fields.routingKey,
          }),
        );
        if (why)
          throw new BrokerError(
            `The queue changed since the peek: ${why}. Nothing was deleted; the messages are back in place. Peek again.`,
            'amqp',
            'DELETE_MISMATCH',
          );
        ackSent = true;
        ch.ack(target);
        // Frames on a channel are handled in order: once this answers, the ack was processed.
        await mgr.deadline(ch, ch.checkQueue(queue), `Delete from '${queue}': queue.declare`);
        return { returned: taken.length - 1 };
        // withChannel closes the channel: the broker gives the others back in place.
      },
      { deadlineMs: 60_000 },
    );
    await waitForReturn(mgr, vhost, queue, seen.depth - 1, opts.queueType, seen.taken - 1);
    return result;
  } catch (err) {
    if (seen.taken > 0 && !ackSent) await waitForReturn(mgr, vhost, queue, seen.depth, opts.queueType, seen.taken);
    if (!ackSent || (err instanceof BrokerError && String(err.code).startsWith('DELETE_'))) throw err;
    throw new BrokerError(
      `The connection failed while deleting message #${position} (${describeForUser(toBrokerError(err))}): it may or may not have been deleted. The messages ahead of it are back in the queue, marked redelivered. Peek again to see.`,
      'amqp',
      'DELETE_INTERRUPTED',
      undefined,
      { cause: err },
    );
  }
}

/**
 * Quorum queues put a closed channel's messages back asynchronously (peek.ts measured it): wait
 * (at most RESTORE_WAIT_MS) until the depth is back, so that what the user does next (a peek)
 * finds them in place. Classic queues requeue before close-ok. A failing check only ends the wait.
 */
async function waitForReturn(
  mgr: AmqpConnectionManager,
  vhost: string,
  queue: string,
  depth: number,
  queueType: string | undefined,
  returned: number,
): Promise<void> {
  if (queueType === 'classic' || returned <= 0) return;
  const deadline = Date.now() + RESTORE_WAIT_MS;
  await mgr
    .withChannel(vhost, async (ch) => {
      for (let pause = 2; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
        if ((await ch.checkQueue(queue)).messageCount >= depth) return;
        await new Promise((r) => setTimeout(r, pause));
      }
    })
    .catch(() => undefined);
}

/** A consumer with prefetch `size` that takes up to `size` messages and is cancelled (the messages stay unacked). */
async function takeStep(
  mgr: AmqpConnectionManager,
  ch: amqp.Channel,
  queue: string,
  size: number,
  tag: string,
): Promise<amqp.ConsumeMessage[]> {
  const got: amqp.ConsumeMessage[] = [];
  await mgr.deadline(ch, ch.prefetch(size), `Delete from '${queue}': basic.qos`);
  await consumeUntil(ch, queue, {
    size,
    idleMs: IDLE_MS,
    consumerTag: tag,
    onMessage: (m) => got.push(m),
    cancelledError: () =>
      new BrokerError(`The broker cancelled Burrow's consumer on '${queue}'`, 'amqp', 'CONSUMER_CANCELLED'),
    closedError: () => new BrokerError('The channel closed while Burrow was taking messages', 'amqp', 'CHANNEL_CLOSED'),
  });
  await mgr.deadline(ch, ch.cancel(tag), `Delete from '${queue}': basic.cancel`);
  return got;
}
