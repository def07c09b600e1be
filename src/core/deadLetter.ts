/**
 * Dead-letter replay, the pure part: where a dead-lettered message came from (its x-death header),
 * which messages a replay takes (filters by reason, source queue and content), and the preview
 * (where each message goes). src/broker/moveMessages.ts does the replay itself (a move whose target
 * is per message), with the same guarantees as a move.
 *
 * RabbitMQ records each dead-lettering in `x-death` (newest first: queue, reason, exchange,
 * routing-keys, count, time) and the first one in `x-first-death-queue`, `-reason`, `-exchange`.
 * A replay publishes the message to the exchange it was first published to, with the first of the
 * routing keys it had then (the others are CC/BCC keys), taken from the x-death entry of the
 * first death.
 */
import { formatXDeath, type XDeathRow } from './fieldValues';
import { createFilter } from './messageFilter';
import type { CapturedMessage } from './message';
import type { MoveTarget } from './messageMove';

/** The header a replay can add to each message it republishes (value: the replay's time, ISO 8601). */
export const REPLAY_HEADER = 'x-burrow-replayed';

export interface ReplayOrigin {
  /** Where the message goes again. */
  target: MoveTarget;
  /** The first dead-lettering's reason (rejected, expired, maxlen, delivery_limit) and queue. */
  reason: string;
  queue: string;
}

function headerText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}

/** Where a dead-lettered message came from; undefined when it has no (readable) x-death. */
export function replayOriginOf(headers: Record<string, unknown> | undefined): ReplayOrigin | undefined {
  const rows: XDeathRow[] = formatXDeath(headers);
  if (rows.length === 0) return undefined;
  const firstQueue = headerText(headers?.['x-first-death-queue']);
  const firstReason = headerText(headers?.['x-first-death-reason']);
  // The first death: the entry of x-first-death-queue and -reason, else the oldest (last) entry.
  const first =
    rows.find((r) => r.queue === firstQueue && (firstReason === undefined || r.reason === firstReason)) ??
    rows[rows.length - 1]!;
  const exchange = headerText(headers?.['x-first-death-exchange']) ?? first.exchange;
  return {
    target: { exchange, routingKey: first.routingKeys[0] ?? '' },
    reason: first.reason,
    queue: first.queue,
  };
}

export interface ReplayFilter {
  /** Reasons to take (undefined: any). */
  reasons?: readonly string[];
  /** First-death queues to take (undefined: any). */
  queues?: readonly string[];
  /** (reason, first-death queue) pairs to take (undefined: any): what the replay's picker offers. */
  groups?: readonly { reason: string; queue: string }[];
  /** The tail filter's text match (routing key, exchange, headers, body); empty: any. */
  text?: string;
}

/**
 * The replay's route function: a message that matches the filter goes to its origin; one that does
 * not match, or has no x-death, stays (undefined).
 */
export function replayRoute(filter: ReplayFilter): (m: CapturedMessage) => MoveTarget | undefined {
  const textMatch = createFilter(filter.text ?? '');
  return (m) => {
    const origin = replayOriginOf(m.properties.headers);
    if (!origin) return undefined;
    if (filter.reasons && !filter.reasons.includes(origin.reason)) return undefined;
    if (filter.queues && !filter.queues.includes(origin.queue)) return undefined;
    if (filter.groups && !filter.groups.some((g) => g.reason === origin.reason && g.queue === origin.queue))
      return undefined;
    if (!textMatch(m)) return undefined;
    return origin.target;
  };
}

export interface ReplayGroup {
  reason: string;
  queue: string;
  count: number;
}

/** Distinct (reason, first-death queue) pairs among peeked messages, most frequent first; for the filter picker. */
export function replayGroups(messages: readonly CapturedMessage[]): { groups: ReplayGroup[]; withoutDeath: number } {
  const map = new Map<string, ReplayGroup>();
  let withoutDeath = 0;
  for (const m of messages) {
    const o = replayOriginOf(m.properties.headers);
    if (!o) {
      withoutDeath++;
      continue;
    }
    const key = JSON.stringify([o.reason, o.queue]);
    const g = map.get(key) ?? { reason: o.reason, queue: o.queue, count: 0 };
    g.count++;
    map.set(key, g);
  }
  return { groups: [...map.values()].sort((a, b) => b.count - a.count), withoutDeath };
}

export interface ReplayPreviewRow {
  target: MoveTarget;
  count: number;
  /** 1-based positions in the peek of the messages going there (the first few). */
  positions: number[];
}

/** Where the peeked messages would go: one row per destination, in order of first appearance, and how many stay. */
export function replayPreview(
  messages: readonly CapturedMessage[],
  filter: ReplayFilter,
): { rows: ReplayPreviewRow[]; staying: number } {
  const route = replayRoute(filter);
  const rows = new Map<string, ReplayPreviewRow>();
  let staying = 0;
  messages.forEach((m, i) => {
    const t = route(m);
    if (!t) {
      staying++;
      return;
    }
    const key = JSON.stringify([t.exchange, t.routingKey]);
    const row = rows.get(key) ?? { target: t, count: 0, positions: [] };
    row.count++;
    if (row.positions.length < 5) row.positions.push(i + 1);
    rows.set(key, row);
  });
  return { rows: [...rows.values()], staying };
}
