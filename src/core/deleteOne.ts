/**
 * Deleting one message from a queue (src/broker/deleteOne.ts does it): the pure part — how a
 * peeked message is recognised again, and what deleting it does to the other messages per queue type.
 *
 * AMQP 0-9-1 can only remove a message by taking it and acknowledging it. To delete the message
 * peeked at position p, Burrow takes the first p messages, checks that the p-th is the peeked one
 * (same message id, same body), acknowledges only it and gives the p − 1 others back by closing
 * its channel (which puts them back in place; see peek.ts for why not basic.nack).
 */

import type { MessageProperties } from './message';

/** What identifies a peeked message when it is taken again. */
export interface MessageFingerprint {
  /** 1-based position from the head of the queue, as the peek showed it. */
  position: number;
  messageId?: string;
  size: number;
  /** FNV-1a (64-bit, hex) of the body. */
  bodyHash: string;
  /**
   * What else stays the same between the peek and the take (exchange, routing key, timestamp,
   * correlation id, type, app id, content type, priority), so that a same-body twin that took the
   * peeked message's place is told apart. Headers are left out: a quorum queue's
   * x-delivery-count changes with each delivery. Absent when none of them is known.
   */
  meta?: string;
}

/** FNV-1a 64-bit over the bytes, as 16 hex digits (not cryptographic: it tells two bodies apart). */
export function fnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & mask;
  return h.toString(16).padStart(16, '0');
}

export function fingerprintOf(
  position: number,
  m: { properties: MessageProperties; body: Uint8Array; exchange?: string; routingKey?: string },
): MessageFingerprint {
  const fp: MessageFingerprint = { position, size: m.body.byteLength, bodyHash: fnv1a64(m.body) };
  if (m.properties.messageId !== undefined) fp.messageId = m.properties.messageId;
  const p = m.properties;
  const meta = [m.exchange, m.routingKey, p.timestamp, p.correlationId, p.type, p.appId, p.contentType, p.priority];
  if (meta.some((x) => x !== undefined)) fp.meta = JSON.stringify(meta.map((x) => x ?? null));
  return fp;
}

/** Whether a message taken again is the peeked one (undefined: it is; otherwise why not). */
export function mismatch(expected: MessageFingerprint, got: MessageFingerprint): string | undefined {
  if (expected.messageId !== got.messageId)
    return `message #${expected.position} now has message id ${got.messageId === undefined ? '(none)' : `'${got.messageId}'`}, not ${expected.messageId === undefined ? '(none)' : `'${expected.messageId}'`}`;
  if (expected.size !== got.size || expected.bodyHash !== got.bodyHash)
    return `message #${expected.position} now has a different body`;
  if (expected.meta !== undefined && got.meta !== undefined && expected.meta !== got.meta)
    return `message #${expected.position} now has the same body but other properties (exchange, routing key, timestamp, correlation id, type, app id, content type or priority): it is another message`;
  return undefined;
}

/** What deleting one message does to the others, per queue type (for the confirmation and README). */
export function deleteCaveat(queueType: string | undefined): string {
  switch (queueType) {
    case 'stream':
      return 'Messages cannot be deleted from a stream: a stream never removes a message when it is read (they leave only by retention).';
    case 'classic':
      return 'Burrow takes the messages ahead of it too and gives them back: on a classic queue they go back to their places, in order, marked redelivered.';
    default:
      return "Burrow takes the messages ahead of it too and gives them back: on a quorum queue they keep their order, are marked redelivered, and each one's delivery count rises by 1 (towards the queue's delivery limit; Burrow refuses when that could get one dropped). The broker puts given-back messages behind those given back earlier, so Burrow also takes the redelivered messages right after it (given back by a peek or a consumer) and gives them back too, in order: their counts rise by 1 as well.";
  }
}
