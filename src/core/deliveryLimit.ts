/**
 * Quorum queue delivery limits, and when a peek may take one more message.
 *
 * Measured on RabbitMQ 3.10.8 and 4.0.5 (test/integration/peek-safety.test.ts pins it): every way
 * an AMQP 0-9-1 client can give a message back raises its delivery count by one — channel close
 * (with or without basic.cancel first), connection close, basic.nack/basic.reject with requeue,
 * basic.recover, and all of these after basic.get too. The count shows on the next delivery as
 * the `x-delivery-count` header. With a limit L, a message delivered with count L is still
 * delivered; its next return makes the broker drop it (or dead-letter it). In other words a
 * message whose count is c can be returned L − c more times.
 *
 * The effective limit (rabbit_quorum_queue: args_policy_lookup(<<"delivery-limit">>, …)):
 *   - the `x-delivery-limit` argument, the matching policy's `delivery-limit` and the matching
 *     operator policy's `delivery-limit`; when several are set, the lowest wins;
 *   - 4.x: a negative value means "no limit" (when both a negative and a non-negative value are
 *     set, the non-negative one wins); nothing set means the default of 20;
 *   - 3.10: nothing set means no limit; a negative value or 0 makes the first return drop the
 *     message (measured: x-delivery-limit −1 on 3.10.8 drops a message on its first return).
 * Classic queues and streams have no delivery limit (both versions refuse x-delivery-limit on a
 * classic queue: 406 "invalid arg").
 */

import { fieldNumber } from './fieldTypes';

/** RabbitMQ 4.x gives a quorum queue with no limit set this one. */
export const DEFAULT_DELIVERY_LIMIT_4X = 20;

/**
 * How many returns a peek leaves a message it shows, at least: Burrow takes a message only while
 * the counts it has seen say it will come back with at least this many returns to spare, so a
 * consumer's nack or crash after a peek is not the one that gets it dropped.
 */
export const PEEK_SPARE_RETURNS = 1;

/** A policy or operator policy as the management API lists it. */
export interface PolicyLike {
  name: string;
  pattern: string;
  'apply-to'?: string;
  priority?: number;
  definition?: Record<string, unknown>;
}

export interface DeliveryLimitInput {
  queueName: string;
  /** 'classic' | 'quorum' | 'stream'; undefined is taken as classic (the broker's default). */
  queueType?: string;
  arguments?: Record<string, unknown>;
  /** 3 or 4 (RabbitMQ major version). */
  brokerMajor: number;
  /** The vhost's policies (GET /api/policies/{vhost}); undefined when they could not be read. */
  policies?: PolicyLike[];
  /** The vhost's operator policies (GET /api/operator-policies/{vhost}); undefined when unknown. */
  operatorPolicies?: PolicyLike[];
  /** 4.x management: the queue's `delivery_limit` (only once its stats are in). */
  reported?: number | string;
}

export interface DeliveryLimit {
  /** null: the broker never drops a message for being returned too often. */
  limit: number | null;
  /** Where the limit comes from, for people. */
  source: string;
  /** True when some input was missing and the limit is a conservative guess. */
  guessed: boolean;
}

/**
 * A limit or count as a whole number: a header or argument value of any integer or floating type
 * (`{ '!': 'int64', value: '5' }` as RabbitMQ sends x-delivery-count, a plain number from the
 * management API), a decimal string (policy definitions), or amqplib's own `{ '!': 'long', value }`.
 */
function num(v: unknown): number | undefined {
  if (typeof v === 'string') return /^-?\d+$/.test(v.trim()) ? Number.parseInt(v, 10) : undefined;
  const n = fieldNumber(v);
  if (n !== undefined) return Number.isFinite(n) ? Math.trunc(n) : undefined;
  if (v && typeof v === 'object' && !Array.isArray(v) && 'value' in v) return num((v as { value: unknown }).value);
  return undefined;
}

function appliesTo(applyTo: string | undefined, queueType: string): boolean {
  switch (applyTo ?? 'all') {
    case 'all':
    case 'queues':
      return true;
    case 'classic_queues':
      return queueType === 'classic';
    case 'quorum_queues':
      return queueType === 'quorum';
    case 'streams':
      return queueType === 'stream';
    default:
      return false;
  }
}

function patternMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(name);
  } catch {
    return true; // a pattern JS can't read might match: assume it does (the lower limit is the safe side)
  }
}

/**
 * The policy RabbitMQ applies to a queue: the matching one with the highest priority. On a tie
 * the broker's pick is not specified; the returned value is the lowest delivery-limit among the
 * tied policies (the safe side) and the name of one of them.
 */
export function policyDeliveryLimit(
  policies: PolicyLike[],
  queueName: string,
  queueType: string,
): { name: string; value: number | undefined } | undefined {
  const matching = policies.filter((p) => appliesTo(p['apply-to'], queueType) && patternMatches(p.pattern, queueName));
  if (matching.length === 0) return undefined;
  const top = Math.max(...matching.map((p) => p.priority ?? 0));
  const tied = matching.filter((p) => (p.priority ?? 0) === top);
  let best: { name: string; value: number | undefined } = { name: tied[0].name, value: undefined };
  for (const p of tied) {
    const v = num(p.definition?.['delivery-limit']);
    if (v !== undefined && (best.value === undefined || v < best.value)) best = { name: p.name, value: v };
  }
  return best;
}

/** 4.x resolve_delivery_limit: a negative value means unlimited unless the other one is set. */
function resolve4(a: number, b: number): number {
  return a < 0 || b < 0 ? Math.max(a, b) : Math.min(a, b);
}

/** The queue's effective delivery limit (see the header comment for the rules). */
export function effectiveDeliveryLimit(input: DeliveryLimitInput): DeliveryLimit {
  const type = input.queueType ?? 'classic';
  if (type !== 'quorum') return { limit: null, source: `${type} queues have no delivery limit`, guessed: false };
  const four = input.brokerMajor >= 4;
  const parts: { value: number; from: string }[] = [];
  const arg = num(input.arguments?.['x-delivery-limit']);
  if (arg !== undefined) parts.push({ value: arg, from: 'the x-delivery-limit argument' });
  const pol = input.policies ? policyDeliveryLimit(input.policies, input.queueName, type) : undefined;
  if (pol?.value !== undefined) parts.push({ value: pol.value, from: `policy '${pol.name}'` });
  const op = input.operatorPolicies ? policyDeliveryLimit(input.operatorPolicies, input.queueName, type) : undefined;
  if (op?.value !== undefined) parts.push({ value: op.value, from: `operator policy '${op.name}'` });
  const guessed = input.policies === undefined || input.operatorPolicies === undefined;

  let limit: number | null;
  let source: string;
  if (parts.length === 0) {
    limit = four ? DEFAULT_DELIVERY_LIMIT_4X : null;
    source = four ? `RabbitMQ 4's default for quorum queues` : 'no delivery limit is set';
  } else {
    let v = parts[0];
    for (const p of parts.slice(1)) {
      const r = four ? resolve4(v.value, p.value) : Math.min(v.value, p.value);
      if (r !== v.value) v = p;
    }
    source = v.from;
    if (four) limit = v.value < 0 ? null : v.value;
    else limit = Math.max(0, v.value); // 3.10: negative behaves as 0 (dropped on the first return)
    if (limit === null) source += ' (negative: no limit)';
  }
  // 4.x management reports the limit the queue actually runs with, once its stats are in: keep the
  // lower of that and the computed one (either may lag behind a policy change).
  const reported = input.reported === 'unlimited' ? null : num(input.reported);
  if (reported !== undefined && reported !== null && reported >= 0 && (limit === null || reported < limit)) {
    limit = reported;
    source = 'the limit the broker reports for the queue';
  }
  if (guessed && limit === null && four) {
    // Policies unknown: one could set a limit. Nothing to go on; say so.
    source += ' (policies could not be read)';
  }
  return { limit, source, guessed };
}

/** A message's delivery count from its headers (`x-delivery-count`; absent means 0). */
export function deliveryCountOf(headers: Record<string, unknown> | undefined): number {
  const v = num(headers?.['x-delivery-count']);
  return v !== undefined && v > 0 ? v : 0;
}

/**
 * The highest delivery count at which a peek may take a message: taken with count c, the message
 * comes back with c + 1 and can then be returned limit − c − 1 more times; Burrow wants that to be
 * at least `spare`. Negative: no message may be taken at all (e.g. a limit of 0 or 1).
 */
export function highestTakeableCount(limit: number, spare = PEEK_SPARE_RETURNS): number {
  return limit - 1 - spare;
}

/**
 * Whether a peek may take the next message. Its count can't be seen without taking it, so this
 * goes by the highest count known for the queue's messages: those seen so far in this peek, and
 * what this Burrow left behind in earlier peeks (`remembered`: the highest count a message had
 * when Burrow last put it back). Undefined knowledge (the first message, nothing remembered)
 * is taken as a fresh message (count 0).
 */
export function mayTakeNext(
  limit: number | null,
  highestKnown: number | undefined,
  spare = PEEK_SPARE_RETURNS,
): boolean {
  if (limit === null) return true;
  return (highestKnown ?? 0) <= highestTakeableCount(limit, spare);
}

export type TakenRisk = 'ok' | 'no-spare' | 'dropped';

/** What returning a message taken with count `count` does to it. */
export function riskOfReturn(limit: number | null, count: number, spare = PEEK_SPARE_RETURNS): TakenRisk {
  if (limit === null) return 'ok';
  if (count >= limit) return 'dropped';
  if (count > highestTakeableCount(limit, spare)) return 'no-spare';
  return 'ok';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 messages not shown: …" — why a peek stopped before taking `left` more messages. */
export function withheldText(left: number, limit: number, highestKnown: number, fromMemory: boolean): string {
  if (highestTakeableCount(limit) < 0) {
    return `${plural(left, 'message')} not shown: this quorum queue's delivery limit is ${limit}, so even one peek would leave a message with no return to spare (or make the broker drop it)`;
  }
  const who = fromMemory ? 'messages of this queue that Burrow peeked at earlier have' : 'a message this peek took had';
  return (
    `${plural(left, 'message')} not shown: ${who} been returned ${plural(highestKnown, 'time')} (delivery limit ${limit}). ` +
    `A message's count can only be read by taking it, and taking the next ones could leave them with no return to spare before the broker drops them (or dead-letters them), so Burrow stopped.`
  );
}

/** What a peek's result says about the delivery limit, for the panel. */
export interface PeekSafetyInput {
  queueType?: string;
  /** The limit the peek worked with (null: none; undefined: a path without one). */
  deliveryLimit?: number | null;
  /** Where the limit came from (effectiveDeliveryLimit's source); undefined when it could not be read. */
  limitSource?: string;
  withheld?: { count: number; reason: string };
  atRisk?: { seq: number; deliveryCount: number; risk: 'no-spare' | 'dropped' }[];
}

export function peekSafetyTexts(r: PeekSafetyInput): { limit?: string; withheld?: string; warnings: string[] } {
  const warnings: string[] = [];
  let limit: string | undefined;
  if (typeof r.deliveryLimit === 'number') {
    limit =
      `delivery limit ${r.deliveryLimit}` +
      (r.limitSource ? ` (${r.limitSource})` : ' (assumed: the management API could not tell)');
  } else if (r.deliveryLimit === null && r.queueType === 'quorum') {
    limit = 'no delivery limit' + (r.limitSource ? ` (${r.limitSource})` : '');
  }
  for (const m of r.atRisk ?? []) {
    warnings.push(
      m.risk === 'dropped'
        ? `Message #${m.seq} had already been returned ${plural(m.deliveryCount, 'time')} (delivery limit ${r.deliveryLimit}): the peek's return made the broker drop it, or dead-letter it if the queue has a dead-letter exchange. Burrow could not know before taking it.`
        : `Message #${m.seq} had already been returned ${plural(m.deliveryCount, 'time')} (delivery limit ${r.deliveryLimit}): it is back in the queue, but its next return will make the broker drop it (or dead-letter it).`,
    );
  }
  return { limit, withheld: r.withheld?.reason, warnings };
}
