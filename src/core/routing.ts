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
 *
 * Measured on 3.10.8 and 4.0.5 (test/integration/routing-exact.test.ts pins each):
 *
 * - the BCC header is removed from the message before routing: it adds routing keys, but a
 *   headers binding on BCC never matches (one on CC does);
 * - direct reply-to: a reply published to the default exchange with an amq.rabbitmq.reply-to.*
 *   key (or CC) reaches the requester's reply consumer if its channel is still open, and a
 *   mandatory publish is returned with 312 NO_ROUTE all the same, unless a real queue got it;
 * - an alternate exchange can come from a policy (exchangePolicy.ts), never from an operator
 *   policy.
 *
 * Uncertain answers: when the topology is read from the management API, some binding arguments
 * are not exact (headersExchange.ts, MatchOptions.lossyArguments), and a policy tie can hide
 * which alternate exchange applies. The simulator then never guesses: a binding's outcome is
 * 'maybe' with its reasons, and whatever is reached only through such a binding (or a maybe
 * alternate exchange) is listed in `mayReceive` with the reasons, not in `queues`.
 */
import { formatCount, pluralize } from './format';
import { TopicTrie, routingKeyWarnings } from './topic';
import { matchHeaders, type MatchOptions } from './headersExchange';
import type {
  AlternateExchange,
  BindingCheck,
  MayReceive,
  RouteResult,
  RouteStep,
  SimBinding,
  SimExchange,
  SimTopology,
} from './routingTypes';
import { explainBinding, extraRoutingKeys, resolveAlternateExchange, routedHeaders } from './routingRules';

export * from './routingTypes';
export * from './routingRules';

export const BUILTIN_EXCHANGE_TYPES: readonly string[] = ['direct', 'fanout', 'topic', 'headers'];
const REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';

interface ExchangeIndex {
  exchange: SimExchange;
  /** Every binding with this source (fanout/headers/unknown, and explanations). */
  all: SimBinding[];
  /** direct: binding key -> bindings. */
  byKey?: Map<string, SimBinding[]>;
  /** topic: pattern trie over indices into `all`. */
  trie?: TopicTrie<number>;
  /** The alternate exchange RabbitMQ uses, and whether that is certain. */
  ae: AlternateExchange;
}

interface Match {
  binding: SimBinding;
  outcome: 'yes' | 'maybe';
  reasons: string[];
}

interface Edge {
  from: string;
  to: string;
  kind: 'queue' | 'exchange';
  /** The binding (or alternate-exchange use) is certain, whatever the source's certainty. */
  sure: boolean;
  why: string[];
}

const REPLY_TO_REASON =
  'a direct reply-to address: delivered if the channel that sent it is still open and consuming replies; a mandatory publish is returned with 312 NO_ROUTE all the same (measured on 3.10.8 and 4.0.5)';

const q = (s: string) => `'${s}'`;

export class RoutingSimulator {
  private readonly exchanges = new Map<string, ExchangeIndex>();
  private readonly queues: Set<string>;
  private readonly vhost: string | undefined;
  private readonly match: MatchOptions;

  constructor(topology: SimTopology) {
    this.vhost = topology.vhost;
    this.match = {
      lossyArguments: topology.lossyArguments === true,
      ...(topology.brokerVersion !== undefined ? { brokerVersion: topology.brokerVersion } : {}),
    };
    this.queues = new Set(topology.queues);
    for (const x of topology.exchanges)
      this.exchanges.set(x.name, { exchange: x, all: [], ae: resolveAlternateExchange(x, topology) });
    if (!this.exchanges.has('')) this.exchanges.set('', { exchange: { name: '', type: 'direct' }, all: [], ae: {} });
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

  /** The alternate exchange RabbitMQ uses for `exchange` (argument, else policy), if any. */
  alternateExchange(exchange: string): AlternateExchange | undefined {
    return this.exchanges.get(exchange)?.ae;
  }

  route(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): RouteResult {
    const result: RouteResult = {
      queues: [],
      mayReceive: [],
      unroutable: false,
      mayBeUnroutable: false,
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
    const maybe = new Map<string, MayReceive>();

    if (exchange === '') {
      this.routeDefault(keys, result, found, maybe);
    } else {
      this.routeGraph(entry, keys, routedHeaders(headers), result, found, maybe);
    }
    result.queues = [...found].sort();
    for (const qn of found) maybe.delete(`queue:${qn}`);
    result.mayReceive = [...maybe.values()].sort((a, b) =>
      a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0,
    );
    const mayQueues = result.mayReceive.some((m) => m.kind === 'queue');
    result.unroutable = result.queues.length === 0 && !mayQueues && !result.incomplete;
    result.mayBeUnroutable = result.queues.length === 0 && mayQueues;
    return result;
  }

  /**
   * For each binding of `exchange`: matched or not (or maybe), and why. The default exchange
   * gets one pseudo-binding per routing key (to the queue of that name).
   */
  explainBindings(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): BindingCheck[] {
    const idx = this.exchanges.get(exchange);
    if (!idx) return [];
    const extra = extraRoutingKeys(headers);
    const keys = [routingKey, ...('keys' in extra ? extra.keys : [])];
    if (exchange === '') {
      return [...new Set(keys)].map((k) => {
        const replyTo = k.startsWith(REPLY_TO_PREFIX);
        const exists = this.queues.has(k);
        return {
          binding: { source: '', destination: k, destination_type: 'queue' as const, routing_key: k },
          matched: exists,
          outcome: replyTo ? ('maybe' as const) : exists ? ('yes' as const) : ('no' as const),
          ...(replyTo ? { uncertainReasons: [REPLY_TO_REASON] } : {}),
          reason: replyTo
            ? REPLY_TO_REASON
            : exists
              ? `the default exchange delivers to the queue named ${JSON.stringify(k)}`
              : `no queue is named ${JSON.stringify(k)}`,
        };
      });
    }
    const routed = routedHeaders(headers);
    return idx.all.map((b) => explainBinding(idx.exchange.type, b, keys, routed, this.match));
  }

  // -----------------------------------------------------------------------------------------

  private inVhost(): string {
    return this.vhost === undefined ? '' : ` in vhost ${q(this.vhost)}`;
  }

  private routeDefault(keys: string[], result: RouteResult, found: Set<string>, maybe: Map<string, MayReceive>): void {
    const distinct = [...new Set(keys)].sort();
    const hits: string[] = [];
    for (const k of distinct) {
      if (k.startsWith(REPLY_TO_PREFIX)) {
        maybe.set(`reply:${k}`, { destination: k, kind: 'direct-reply-to', reasons: [REPLY_TO_REASON] });
        result.steps.push({
          kind: 'direct-reply-to',
          exchange: '',
          depth: 0,
          queue: k,
          uncertain: [REPLY_TO_REASON],
          text: `${JSON.stringify(k)} is a direct reply-to address: delivered to that channel's reply consumer if it is still there; it does not count as a queue, so a mandatory publish is returned (312 NO_ROUTE) unless a queue gets it`,
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
    maybe: Map<string, MayReceive>,
  ): void {
    interface Work {
      idx: ExchangeIndex;
      depth: number;
      from?: RouteStep['from'];
    }
    const seen = new Set<string>([entry.exchange.name]);
    const edges: Edge[] = [];
    const stepsOf = new Map<string, RouteStep[]>(); // steps about an exchange's own routing
    const addStep = (owner: string, step: RouteStep) => {
      result.steps.push(step);
      const list = stepsOf.get(owner);
      if (list) list.push(step);
      else stepsOf.set(owner, [step]);
    };
    // Every exchange the message can reach (through bindings that surely or maybe match) is
    // evaluated once, breadth-first for a readable explanation; RabbitMQ's order differs but
    // the seen-set rule makes the set of evaluated exchanges order-independent. Which of them
    // are surely reached is worked out from the edges afterwards.
    const queue: Work[] = [{ idx: entry, depth: 0 }];
    for (let head = 0; head < queue.length; head++) {
      const { idx, depth, from } = queue[head]!;
      const x = idx.exchange;
      const type = x.type;
      if (!BUILTIN_EXCHANGE_TYPES.includes(type)) {
        result.incomplete = true;
        addStep(x.name, {
          kind: 'unsupported-type',
          exchange: x.name,
          depth,
          from,
          text: `cannot simulate exchange type ${q(type)} (a plugin): exchange ${q(x.name)} is treated as routing nothing, and its alternate exchange is not followed`,
        });
        continue;
      }
      const matches = this.typeRoute(idx, keys, headers);
      const matched = matches.map((m) => m.binding);
      const maybes = matches.filter((m) => m.outcome === 'maybe');
      const maybeWhy: string[] = [];
      for (const m of maybes) addAll(maybeWhy, m.reasons);
      addStep(x.name, {
        kind: 'exchange',
        exchange: x.name,
        depth,
        from,
        matched,
        text: describeVisit(x, matched, idx.all.length, maybes.length),
      });

      const next: Work[] = [];
      const anySure = matches.some((m) => m.outcome === 'yes');
      const ae = idx.ae;
      if (!anySure && ae.name !== undefined) {
        const aeName = ae.name;
        const aeIdx = this.exchanges.get(aeName);
        const status = aeName === '' ? 'default' : !aeIdx ? 'missing' : seen.has(aeName) ? 'seen' : 'ok';
        const why = [
          ...(maybes.length > 0
            ? [`the alternate exchange ${q(aeName)} of ${q(x.name)} is used only if none of its bindings matches`]
            : []),
          ...maybeWhy,
          ...(ae.uncertain ? [ae.uncertain] : []),
        ];
        const sure = maybes.length === 0 && !ae.uncertain;
        const lead = maybes.length > 0 ? `${q(x.name)} may have routed nothing` : `${q(x.name)} routed nothing`;
        const via = ae.source && ae.source !== 'argument' ? ` (set by ${ae.source})` : '';
        addStep(x.name, {
          kind: 'alternate-exchange',
          exchange: x.name,
          depth,
          alternate: aeName,
          ...(sure ? {} : { uncertain: why }),
          text:
            status === 'ok'
              ? `${lead}: its alternate exchange ${q(aeName)}${via} is tried`
              : status === 'missing'
                ? `${lead}; its alternate exchange ${q(aeName)}${via} does not exist, so nothing happens`
                : status === 'seen'
                  ? `${lead}; its alternate exchange ${q(aeName)}${via} was already evaluated for this message`
                  : `${lead}; its alternate exchange${via} is the default exchange, which routes nothing when reached this way`,
        });
        if (status === 'ok' || status === 'seen') edges.push({ from: x.name, to: aeName, kind: 'exchange', sure, why });
        if (status === 'ok') {
          seen.add(aeName);
          next.push({ idx: aeIdx!, depth: depth + 1, from: { exchange: x.name, via: 'alternate-exchange' } });
        }
      } else if (ae.name === undefined && ae.uncertain && !anySure) {
        // Which alternate exchange applies (if any) is not known: more queues may receive it.
        result.incomplete = true;
        addStep(x.name, {
          kind: 'alternate-exchange',
          exchange: x.name,
          depth,
          uncertain: [ae.uncertain],
          text: `${q(x.name)}: whether it has an alternate exchange, and which, is not known (${ae.uncertain})`,
        });
      }
      for (const m of matches) {
        const b = m.binding;
        const sure = m.outcome === 'yes';
        if (b.destination_type === 'queue') {
          if (this.queues.has(b.destination)) {
            edges.push({ from: x.name, to: b.destination, kind: 'queue', sure, why: m.reasons });
          } else {
            addStep(x.name, {
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
          edges.push({ from: x.name, to: dest, kind: 'exchange', sure, why: m.reasons });
          addStep(x.name, {
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
          addStep(x.name, {
            kind: 'missing-exchange',
            exchange: dest,
            depth: depth + 1,
            from: hop,
            text: `binding to exchange ${q(dest)}, which does not exist: skipped`,
          });
          continue;
        }
        edges.push({ from: x.name, to: dest, kind: 'exchange', sure, why: m.reasons });
        seen.add(dest);
        next.push({ idx: destIdx, depth: depth + 1, from: hop });
      }
      queue.push(...next);
    }

    // Surely reached: through sure edges from the entry. Everything else visited is a maybe,
    // with the reasons of the uncertain edges on the way (a fixpoint over the edges).
    const sureX = new Set<string>([entry.exchange.name]);
    for (let changed = true; changed;) {
      changed = false;
      for (const e of edges)
        if (e.kind === 'exchange' && e.sure && sureX.has(e.from) && !sureX.has(e.to)) {
          sureX.add(e.to);
          changed = true;
        }
    }
    const whyX = new Map<string, string[]>();
    for (let changed = true, rounds = 0; changed && rounds <= edges.length + 1; rounds++) {
      changed = false;
      for (const e of edges) {
        if (e.kind !== 'exchange' || sureX.has(e.to)) continue;
        const list = whyX.get(e.to) ?? [];
        const before = list.length;
        addAll(list, e.why);
        if (!sureX.has(e.from)) addAll(list, whyX.get(e.from) ?? []);
        whyX.set(e.to, list);
        if (list.length !== before) changed = true;
      }
    }
    for (const e of edges) {
      if (e.kind !== 'queue') continue;
      if (e.sure && sureX.has(e.from)) {
        found.add(e.to);
        continue;
      }
      const key = `queue:${e.to}`;
      const entryM = maybe.get(key) ?? { destination: e.to, kind: 'queue' as const, reasons: [] };
      addAll(entryM.reasons, e.why);
      if (!sureX.has(e.from)) addAll(entryM.reasons, whyX.get(e.from) ?? []);
      maybe.set(key, entryM);
    }
    for (const [owner, steps] of stepsOf) {
      if (sureX.has(owner)) continue;
      for (const s of steps) {
        s.uncertain = [...(s.uncertain ?? [])];
        addAll(s.uncertain, whyX.get(owner) ?? []);
        if (s.kind === 'exchange') s.text = `maybe reached: ${s.text}`;
      }
    }
  }

  /** The bindings the exchange's type routes through (before existence checks), surely or maybe. */
  private typeRoute(idx: ExchangeIndex, keys: string[], headers: Record<string, unknown>): Match[] {
    const sure = (binding: SimBinding): Match => ({ binding, outcome: 'yes', reasons: [] });
    switch (idx.exchange.type) {
      case 'fanout':
        return idx.all.map(sure);
      case 'direct': {
        const out: Match[] = [];
        for (const k of new Set(keys)) for (const b of idx.byKey!.get(k) ?? []) out.push(sure(b));
        return out;
      }
      case 'topic': {
        const hits = new Set<number>();
        for (const k of keys) for (const i of idx.trie!.match(k)) hits.add(i);
        return [...hits].sort((a, b) => a - b).map((i) => sure(idx.all[i]!));
      }
      case 'headers': {
        const out: Match[] = [];
        for (const b of idx.all) {
          const r = matchHeaders(b.arguments ?? {}, headers, this.match);
          if (r.outcome !== 'no') out.push({ binding: b, outcome: r.outcome, reasons: r.reasons });
        }
        return out;
      }
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

function describeVisit(x: SimExchange, matched: SimBinding[], total: number, maybes = 0): string {
  const what = `${x.type} exchange ${q(x.name)}`;
  if (total === 0) return `${what} has no bindings`;
  if (matched.length === 0) return `${what}: none of its ${pluralize(total, 'binding')} matched`;
  const dests = matched.map((b) => `${b.destination_type} ${q(b.destination)}`);
  const shown = dests.length > 10 ? `${dests.slice(0, 10).join(', ')} and ${dests.length - 10} more` : dests.join(', ');
  const count =
    maybes === 0
      ? `${formatCount(matched.length)} of ${pluralize(total, 'binding')} matched`
      : `of ${pluralize(total, 'binding')}, ${formatCount(matched.length - maybes)} matched and ${formatCount(maybes)} may match`;
  return `${what}: ${count} -> ${shown}`;
}

function addAll(into: string[], from: readonly string[]): void {
  for (const s of from) if (!into.includes(s)) into.push(s);
}
