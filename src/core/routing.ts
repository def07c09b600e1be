/**
 * Routing simulator: which queues would a message published to an exchange reach,
 * computed from a topology snapshot (exchanges, bindings, queues) the way RabbitMQ does it.
 *
 * Rules, from rabbitmq-server (v3.10.8, unchanged in 4.x):
 *
 * - rabbit_channel:handle_method(basic.publish): the exchange must exist (404 NOT_FOUND
 *   "no exchange 'x' in vhost 'v'") and must not be internal (403 ACCESS_REFUSED
 *   "cannot publish to internal exchange 'x' in vhost 'v'").
 * - rabbit_basic:message/3: the message's routing keys are the routing key followed by the
 *   string elements of the `CC` and `BCC` headers (sender-selected distribution); a CC/BCC
 *   header that is not an array makes the publish fail (406 PRECONDITION_FAILED).
 * - rabbit_exchange:route/2, default exchange "": each distinct routing key names a queue;
 *   `amq.rabbitmq.reply-to.*` keys go to a direct reply-to consumer. No alternate exchange,
 *   no exchange-to-exchange bindings (its bindings are implicit, not stored).
 * - rabbit_exchange:route1/3, every other exchange: a work list starting with the entry
 *   exchange. For each exchange, its type routes (direct: binding key equals one of the
 *   routing keys; fanout: every binding; topic: trie match per routing key; headers:
 *   headers_match per binding). If that result is EMPTY, the exchange's
 *   "alternate-exchange" (argument first, then policy: rabbit_policy:get_arg/3) is added.
 *   Destination exchanges (and the AE) are visited once per publish (a seen set that starts
 *   with the entry exchange), so cycles terminate; missing ones are skipped
 *   (cons_if_present). AE therefore applies to e2e-reached exchanges and AEs themselves
 *   (an AE chain is followed). An exchange whose own result contains only exchanges (even
 *   ones already seen or missing) routed to something and does not use its AE.
 * - The result is lists:usort'ed (each queue once); rabbit_amqqueue:lookup then drops
 *   queues that do not exist. Nothing left => basic.return 312 NO_ROUTE with mandatory.
 */
import { formatCount, pluralize } from './format';
import { TopicTrie, explainTopicMatch, routingKeyWarnings, type TopicMatchExplanation } from './topic';
import { headersMatch, explainHeadersMatch, type HeadersMatchExplanation } from './headersExchange';

export interface SimExchange {
  name: string;
  type: string;
  /** Declared arguments; "alternate-exchange" is the one routing cares about. */
  arguments?: Record<string, unknown>;
  internal?: boolean;
  /**
   * The effective policy definition, if known (e.g. { 'alternate-exchange': 'ae' }).
   * A declared "alternate-exchange" argument wins over the policy, as in RabbitMQ.
   */
  policyDefinition?: Record<string, unknown>;
}

export interface SimBinding {
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments?: Record<string, unknown>;
}

export interface SimTopology {
  exchanges: SimExchange[];
  bindings: SimBinding[];
  queues: string[];
  /** Only used to word error messages like the broker does. */
  vhost?: string;
}

export type RouteStepKind =
  /** An exchange was evaluated; `matched` holds the bindings it routed through. */
  | 'exchange'
  /** The exchange routed nothing and its alternate exchange is used (or could not be). */
  | 'alternate-exchange'
  /** An exchange reached again (cycle, diamond) was not evaluated again. */
  | 'already-visited'
  /** A binding or alternate-exchange points at an exchange that does not exist: skipped. */
  | 'missing-exchange'
  /** A binding points at a queue that does not exist: dropped. */
  | 'missing-queue'
  /** Plugin exchange type the simulator does not know: routes nothing here. */
  | 'unsupported-type'
  /** Default exchange + amq.rabbitmq.reply-to.* routing key. */
  | 'direct-reply-to'
  /** CC / BCC headers added routing keys. */
  | 'extra-routing-keys';

export interface RouteStep {
  kind: RouteStepKind;
  /** The exchange this step is about. */
  exchange: string;
  /** 0 for the exchange published to, +1 per binding / alternate-exchange hop. */
  depth: number;
  /** How `exchange` was reached (absent for the entry exchange). */
  from?: { exchange: string; via: 'binding' | 'alternate-exchange'; routingKey?: string };
  /** kind 'exchange': the bindings of `exchange` that matched (queues and exchanges). */
  matched?: SimBinding[];
  /** kind 'alternate-exchange': the AE's name. */
  alternate?: string;
  /** kind 'missing-queue' / 'direct-reply-to': the queue concerned. */
  queue?: string;
  /** One sentence for humans. */
  text: string;
}

export interface RouteResult {
  /** Queues that would receive the message: unique, sorted. */
  queues: string[];
  /** True when the publish is accepted and reaches no queue (mandatory => 312 NO_ROUTE). */
  unroutable: boolean;
  /** True when an exchange of an unknown (plugin) type was reached: the result may be incomplete. */
  incomplete: boolean;
  /** The routing keys used (routing key, then CC and BCC entries). */
  routingKeys: string[];
  steps: RouteStep[];
  /** Publish refused by the broker (nothing routed): unknown exchange (404), internal exchange (403), bad CC/BCC (406). */
  errors: string[];
  /** Non-fatal problems (e.g. a routing key over 255 bytes). */
  warnings: string[];
}

export interface BindingCheck {
  binding: SimBinding;
  matched: boolean;
  /** Why it matched or not, one sentence. */
  reason: string;
  topic?: TopicMatchExplanation;
  headers?: HeadersMatchExplanation;
}

export const BUILTIN_EXCHANGE_TYPES: readonly string[] = ['direct', 'fanout', 'topic', 'headers'];
const REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';
const ROUTING_HEADERS = ['CC', 'BCC'] as const;

interface ExchangeIndex {
  exchange: SimExchange;
  /** Every binding with this source (fanout/headers/unknown, and explanations). */
  all: SimBinding[];
  /** direct: binding key -> bindings. */
  byKey?: Map<string, SimBinding[]>;
  /** topic: pattern trie over indices into `all`. */
  trie?: TopicTrie<number>;
}

const q = (s: string) => `'${s}'`;

export class RoutingSimulator {
  private readonly exchanges = new Map<string, ExchangeIndex>();
  private readonly queues: Set<string>;
  private readonly vhost: string | undefined;

  constructor(topology: SimTopology) {
    this.vhost = topology.vhost;
    this.queues = new Set(topology.queues);
    for (const x of topology.exchanges) this.exchanges.set(x.name, { exchange: x, all: [] });
    if (!this.exchanges.has('')) this.exchanges.set('', { exchange: { name: '', type: 'direct' }, all: [] });
    for (const b of topology.bindings) {
      // The default exchange's bindings are implicit (the management API lists them, RabbitMQ
      // does not store them): it routes by queue name, never through a binding.
      if (b.source === '') continue;
      this.exchanges.get(b.source)?.all.push(b);
    }
    for (const idx of this.exchanges.values()) {
      const type = idx.exchange.type;
      if (type === 'direct') {
        idx.byKey = new Map();
        for (const b of idx.all) {
          const list = idx.byKey.get(b.routing_key);
          if (list) list.push(b);
          else idx.byKey.set(b.routing_key, [b]);
        }
      } else if (type === 'topic') {
        idx.trie = new TopicTrie<number>();
        idx.all.forEach((b, i) => idx.trie!.add(b.routing_key, i));
      }
    }
  }

  /** Whether the snapshot has this exchange (the default exchange always exists). */
  hasExchange(name: string): boolean {
    return this.exchanges.has(name);
  }

  /** The bindings whose source is `exchange` (none for the default exchange). */
  bindingsOf(exchange: string): SimBinding[] {
    return [...(this.exchanges.get(exchange)?.all ?? [])];
  }

  route(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): RouteResult {
    const result: RouteResult = {
      queues: [],
      unroutable: false,
      incomplete: false,
      routingKeys: [routingKey],
      steps: [],
      errors: [],
      warnings: routingKeyWarnings(routingKey).map((w) => `routing key ${w}`),
    };
    const entry = this.exchanges.get(exchange);
    if (!entry) {
      result.errors.push(`404 NOT_FOUND - no exchange ${q(exchange)}${this.inVhost()}`);
      return result;
    }
    if (entry.exchange.internal) {
      result.errors.push(`403 ACCESS_REFUSED - cannot publish to internal exchange ${q(exchange)}${this.inVhost()}`);
      return result;
    }
    const extra = extraRoutingKeys(headers);
    if ('error' in extra) {
      result.errors.push(extra.error);
      return result;
    }
    if (extra.keys.length > 0) {
      result.routingKeys.push(...extra.keys);
      result.steps.push({
        kind: 'extra-routing-keys',
        exchange,
        depth: 0,
        text: `CC/BCC headers add routing key${extra.keys.length === 1 ? '' : 's'} ${extra.keys.map((k) => JSON.stringify(k)).join(', ')}`,
      });
    }
    const keys = result.routingKeys;
    const found = new Set<string>();

    if (exchange === '') {
      this.routeDefault(keys, result, found);
    } else {
      this.routeGraph(entry, keys, headers, result, found);
    }
    result.queues = [...found].sort();
    result.unroutable =
      result.queues.length === 0 && !result.incomplete && !result.steps.some((s) => s.kind === 'direct-reply-to');
    return result;
  }

  /**
   * For each binding of `exchange`: matched or not, and why. The default exchange gets one
   * pseudo-binding per routing key (to the queue of that name).
   */
  explainBindings(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): BindingCheck[] {
    const idx = this.exchanges.get(exchange);
    if (!idx) return [];
    const extra = extraRoutingKeys(headers);
    const keys = [routingKey, ...('keys' in extra ? extra.keys : [])];
    if (exchange === '') {
      return [...new Set(keys)].map((k) => {
        const exists = this.queues.has(k);
        return {
          binding: { source: '', destination: k, destination_type: 'queue' as const, routing_key: k },
          matched: exists,
          reason: exists
            ? `the default exchange delivers to the queue named ${JSON.stringify(k)}`
            : `no queue is named ${JSON.stringify(k)}`,
        };
      });
    }
    return idx.all.map((b) => explainBinding(idx.exchange.type, b, keys, headers));
  }

  // -----------------------------------------------------------------------------------------

  private inVhost(): string {
    return this.vhost === undefined ? '' : ` in vhost ${q(this.vhost)}`;
  }

  private routeDefault(keys: string[], result: RouteResult, found: Set<string>): void {
    const distinct = [...new Set(keys)].sort();
    const hits: string[] = [];
    for (const k of distinct) {
      if (k.startsWith(REPLY_TO_PREFIX)) {
        result.steps.push({
          kind: 'direct-reply-to',
          exchange: '',
          depth: 0,
          queue: k,
          text: `${JSON.stringify(k)} is a direct reply-to address: delivered to that channel's reply consumer if it is still there`,
        });
      } else if (this.queues.has(k)) {
        found.add(k);
        hits.push(k);
      } else {
        result.steps.push({
          kind: 'missing-queue',
          exchange: '',
          depth: 0,
          queue: k,
          text: `the default exchange routes to the queue named by the routing key, and there is no queue ${q(k)}`,
        });
      }
    }
    result.steps.unshift({
      kind: 'exchange',
      exchange: '',
      depth: 0,
      matched: hits.map((k) => ({ source: '', destination: k, destination_type: 'queue', routing_key: k })),
      text:
        hits.length > 0
          ? `default exchange: delivers to queue ${hits.map(q).join(', ')}`
          : 'default exchange: no queue has the routing key as its name',
    });
  }

  private routeGraph(
    entry: ExchangeIndex,
    keys: string[],
    headers: Record<string, unknown>,
    result: RouteResult,
    found: Set<string>,
  ): void {
    interface Work {
      idx: ExchangeIndex;
      depth: number;
      from?: RouteStep['from'];
    }
    const seen = new Set<string>([entry.exchange.name]);
    // Breadth-first for a readable explanation; RabbitMQ's order differs but the seen-set
    // rule makes the set of evaluated exchanges (and so the queues) order-independent.
    const queue: Work[] = [{ idx: entry, depth: 0 }];
    for (let head = 0; head < queue.length; head++) {
      const { idx, depth, from } = queue[head]!;
      const x = idx.exchange;
      const type = x.type;
      if (!BUILTIN_EXCHANGE_TYPES.includes(type)) {
        result.incomplete = true;
        result.steps.push({
          kind: 'unsupported-type',
          exchange: x.name,
          depth,
          from,
          text: `cannot simulate exchange type ${q(type)} (a plugin): exchange ${q(x.name)} is treated as routing nothing, and its alternate exchange is not followed`,
        });
        continue;
      }
      const matched: SimBinding[] = this.typeRoute(idx, keys, headers);
      result.steps.push({
        kind: 'exchange',
        exchange: x.name,
        depth,
        from,
        matched,
        text: describeVisit(x, matched, idx.all.length),
      });

      const next: Work[] = [];
      if (matched.length === 0) {
        const ae = alternateExchangeOf(x);
        if (ae !== undefined) {
          const aeIdx = this.exchanges.get(ae);
          const status = ae === '' ? 'default' : !aeIdx ? 'missing' : seen.has(ae) ? 'seen' : 'ok';
          result.steps.push({
            kind: 'alternate-exchange',
            exchange: x.name,
            depth,
            alternate: ae,
            text:
              status === 'ok'
                ? `${q(x.name)} routed nothing: its alternate exchange ${q(ae)} is tried`
                : status === 'missing'
                  ? `${q(x.name)} routed nothing; its alternate exchange ${q(ae)} does not exist, so nothing happens`
                  : status === 'seen'
                    ? `${q(x.name)} routed nothing; its alternate exchange ${q(ae)} was already evaluated for this message`
                    : `${q(x.name)} routed nothing; its alternate exchange is the default exchange, which routes nothing when reached this way`,
          });
          if (status === 'ok') {
            seen.add(ae);
            next.push({ idx: aeIdx!, depth: depth + 1, from: { exchange: x.name, via: 'alternate-exchange' } });
          }
        }
      }
      for (const b of matched) {
        if (b.destination_type === 'queue') {
          if (this.queues.has(b.destination)) found.add(b.destination);
          else {
            result.steps.push({
              kind: 'missing-queue',
              exchange: x.name,
              depth,
              queue: b.destination,
              text: `binding to queue ${q(b.destination)}, which does not exist: dropped`,
            });
          }
          continue;
        }
        const dest = b.destination;
        const hop = { exchange: x.name, via: 'binding' as const, routingKey: b.routing_key };
        if (seen.has(dest)) {
          result.steps.push({
            kind: 'already-visited',
            exchange: dest,
            depth: depth + 1,
            from: hop,
            text: `exchange ${q(dest)} already evaluated for this message (cycle or second path): not evaluated again`,
          });
          continue;
        }
        const destIdx = dest === '' ? undefined : this.exchanges.get(dest);
        if (!destIdx) {
          result.steps.push({
            kind: 'missing-exchange',
            exchange: dest,
            depth: depth + 1,
            from: hop,
            text: `binding to exchange ${q(dest)}, which does not exist: skipped`,
          });
          continue;
        }
        seen.add(dest);
        next.push({ idx: destIdx, depth: depth + 1, from: hop });
      }
      queue.push(...next);
    }
  }

  /** The bindings the exchange's type routes through (before existence checks). */
  private typeRoute(idx: ExchangeIndex, keys: string[], headers: Record<string, unknown>): SimBinding[] {
    switch (idx.exchange.type) {
      case 'fanout':
        return [...idx.all];
      case 'direct': {
        const out: SimBinding[] = [];
        for (const k of new Set(keys)) out.push(...(idx.byKey!.get(k) ?? []));
        return out;
      }
      case 'topic': {
        const hits = new Set<number>();
        for (const k of keys) for (const i of idx.trie!.match(k)) hits.add(i);
        return [...hits].sort((a, b) => a - b).map((i) => idx.all[i]!);
      }
      case 'headers':
        return idx.all.filter((b) => headersMatch(b.arguments ?? {}, headers));
      default:
        return [];
    }
  }
}

/** Convenience: route and explain the entry exchange's bindings in one go (for a UI). */
export function explainRoute(
  sim: RoutingSimulator,
  exchange: string,
  routingKey: string,
  headers: Record<string, unknown> = {},
): { result: RouteResult; bindings: BindingCheck[] } {
  return {
    result: sim.route(exchange, routingKey, headers),
    bindings: sim.explainBindings(exchange, routingKey, headers),
  };
}

/** The alternate exchange RabbitMQ would use: the declared argument, else the policy's. */
export function alternateExchangeOf(x: SimExchange): string | undefined {
  const fromArgs = unwrap(x.arguments?.['alternate-exchange']);
  if (fromArgs !== undefined && fromArgs !== null) return String(fromArgs);
  const fromPolicy = unwrap(x.policyDefinition?.['alternate-exchange']);
  if (fromPolicy !== undefined && fromPolicy !== null) return String(fromPolicy);
  return undefined;
}

/**
 * Routing keys added by the CC and BCC headers (rabbit_basic:header_routes): the string
 * elements of an array; a CC/BCC header of another type fails the publish.
 */
export function extraRoutingKeys(headers: Record<string, unknown>): { keys: string[] } | { error: string } {
  const keys: string[] = [];
  for (const h of ROUTING_HEADERS) {
    if (!Object.prototype.hasOwnProperty.call(headers, h)) continue;
    const v = headers[h];
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      return {
        error: `406 PRECONDITION_FAILED - invalid message: the ${h} header must be an array of strings (sender-selected distribution)`,
      };
    }
    for (const e of v) if (typeof e === 'string') keys.push(e);
  }
  return { keys };
}

/** Matched or not, and why, for one binding of an exchange of `type`. */
export function explainBinding(
  type: string,
  b: SimBinding,
  routingKeys: string[],
  headers: Record<string, unknown>,
): BindingCheck {
  const keysText =
    routingKeys.length === 1
      ? `routing key ${JSON.stringify(routingKeys[0])}`
      : `routing keys ${routingKeys.map((k) => JSON.stringify(k)).join(', ')}`;
  switch (type) {
    case 'fanout':
      return { binding: b, matched: true, reason: 'a fanout exchange routes to every binding (keys are ignored)' };
    case 'direct': {
      const matched = routingKeys.includes(b.routing_key);
      return {
        binding: b,
        matched,
        reason: matched
          ? `binding key ${JSON.stringify(b.routing_key)} equals the routing key`
          : `binding key ${JSON.stringify(b.routing_key)} is not the ${keysText} (direct needs exact equality)`,
      };
    }
    case 'topic': {
      let first: TopicMatchExplanation | undefined;
      for (const k of routingKeys) {
        const e = explainTopicMatch(b.routing_key, k);
        if (!first) first = e;
        if (e.matches) {
          return {
            binding: b,
            matched: true,
            topic: e,
            reason: `pattern ${JSON.stringify(b.routing_key)} matches ${JSON.stringify(k)}`,
          };
        }
      }
      return {
        binding: b,
        matched: false,
        topic: first,
        reason: `pattern ${JSON.stringify(b.routing_key)} does not match: ${first?.reason ?? 'no routing key'}`,
      };
    }
    case 'headers': {
      const e = explainHeadersMatch(b.arguments ?? {}, headers);
      return { binding: b, matched: e.matches, headers: e, reason: e.reason };
    }
    default:
      return { binding: b, matched: false, reason: `cannot simulate exchange type '${type}'` };
  }
}

function describeVisit(x: SimExchange, matched: SimBinding[], total: number): string {
  const what = `${x.type} exchange ${q(x.name)}`;
  if (total === 0) return `${what} has no bindings`;
  if (matched.length === 0) return `${what}: none of its ${pluralize(total, 'binding')} matched`;
  const dests = matched.map((b) => `${b.destination_type} ${q(b.destination)}`);
  const shown = dests.length > 10 ? `${dests.slice(0, 10).join(', ')} and ${dests.length - 10} more` : dests.join(', ');
  return `${what}: ${formatCount(matched.length)} of ${pluralize(total, 'binding')} matched -> ${shown}`;
}

function unwrap(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v && '!' in v)
    return (v as { value: unknown }).value;
  return v;
}
