/**
 * The one "take up to N messages from the head" loop that peek, delete-one and move share: a
 * manual-ack consumer that resolves once `onMessage` says `size` messages are in, or when no
 * delivery came for `idleMs` (the queue ran dry), or when `signal` aborts. It rejects when the
 * broker cancels the consumer (queue deleted), when basic.consume fails, or, with `closedError`,
 * when the channel closes first. Nothing is acknowledged, and the consumer is left on: the caller
 * sets the prefetch before (so the broker sends no more than it asked for) and cancels or closes
 * the channel after, each with its own deadline.
 *
 * Deliveries that arrive after it resolved (before the caller's cancel-ok) still go to
 * `onMessage`: the broker sent them, so they are taken either way, and the caller decides.
 */
import type * as amqp from 'amqplib';

export interface ConsumeUntilOptions {
  size: number;
  idleMs: number;
  consumerTag?: string;
  signal?: AbortSignal;
  /** Called for every delivery; returns how many messages the caller holds now. */
  onMessage: (m: amqp.ConsumeMessage) => number;
  /** The error when the broker cancels the consumer (basic.cancel from the broker). */
  cancelledError: () => Error;
  /** With it, a channel that closes before the end rejects with this error. */
  closedError?: () => Error;
}

export function consumeUntil(ch: amqp.Channel, queue: string, o: ConsumeUntilOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let idle: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      if (idle) clearTimeout(idle);
      if (o.closedError) ch.removeListener('close', onClose);
      o.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) reject(err);
      else resolve();
    };
    const onClose = () => finish(o.closedError?.());
    const onAbort = () => finish();
    if (o.closedError) ch.on('close', onClose);
    o.signal?.addEventListener('abort', onAbort);
    const armIdle = () => {
      if (finished) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => finish(), o.idleMs);
    };
    ch.consume(
      queue,
      (m) => {
        if (m === null) return finish(o.cancelledError());
        if (o.onMessage(m) >= o.size) finish();
        else armIdle();
      },
      o.consumerTag === undefined ? { noAck: false } : { noAck: false, consumerTag: o.consumerTag },
    ).then(armIdle, (err: unknown) => finish(err));
  });
}
