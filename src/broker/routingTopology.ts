/**
 * The routing tester's view of a vhost, read through the management API: exchanges (with the
 * policy the broker applied to each), bindings, queues, policies and operator policies. The panel
 * reads lazily (LazyTopology, below); readTopology reads the whole vhost.
 */
import { getOperatorPolicies, getPolicies, type BindingInfo, type ManagementClient } from './management';
import { BrokerError } from './errors';
import {
  RoutingSimulator,
  explainRoute,
  extraRoutingKeys,
  resolveAlternateExchange,
  type BindingCheck,
  type RouteResult,
  type SimBinding,
  type SimExchange,
  type SimTopology,
} from '../core/routing';
import type { PolicyLike } from '../core/exchangePolicy';

/** Direct reply-to pseudo-queues: never looked up (the simulator handles them). */
const REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';

/**
 * Reads a vhost's whole topology (every page) for the simulator, with its policies (alternate
 * exchanges set by policy). The binding arguments are the management API's rendering, which is
 * not exact: the simulator is told so (lossyArguments) and marks what depends on it as uncertain.
 */
export async function readTopology(m: ManagementClient, vhost: string): Promise<SimTopology> {
  const [exchanges, queues, bindings, policies, operatorPolicies, brokerVersion] = await Promise.all([
    readAllPages((page) => m.listExchanges(vhost, { page, pageSize: 500 })),
    readAllPages((page) => m.listQueues(vhost, { page, pageSize: 500, columns: ['name'] })),
    m.listBindings(vhost),
    // Without the policies (a user without the policymaker or monitoring tag may not read them),
    // an exchange whose listing names a policy gets an uncertain alternate exchange.
    getPolicies(m, vhost).catch(() => undefined),
    // Operator policies cannot set an alternate exchange; read for the rule's sake, optional.
    getOperatorPolicies(m, vhost).catch(() => undefined),
    // How headers bindings compare values depends on the version (headerEquality.ts); unknown: maybes.
    m.overview().then(
      (o) => o.rabbitmq_version,
      () => undefined,
    ),
  ]);
  const listsPolicies = exchanges.some((x) => x.policy !== undefined);
  return {
    vhost,
    lossyArguments: true,
    ...(brokerVersion ? { brokerVersion } : {}),
    ...(policies ? { policies } : {}),
    ...(operatorPolicies ? { operatorPolicies } : {}),
    exchanges: exchanges.map((x) => ({
      name: x.name,
      type: x.type,
      arguments: x.arguments,
      internal: x.internal,
      // The listing names the policy the broker applied, and leaves the field out when none does
      // (3.10 and 4.x). Should no exchange carry the field while policies exist, the API may not
      // report it at all: then the simulator works the policy out itself (undefined).
      policy: x.policy ?? (listsPolicies || !policies?.length ? null : undefined),
    })),
    bindings: bindings.map((b) => ({
      source: b.source,
      destination: b.destination,
      destination_type: b.destination_type as 'queue' | 'exchange',
      routing_key: b.routing_key,
      arguments: b.arguments,
    })),
    queues: queues.map((q) => q.name),
  };
}

async function readAllPages<T>(read: (page: number) => Promise<{ items: T[]; pageCount: number }>): Promise<T[]> {
  const first = await read(1);
  const all = [...first.items];
  for (let page = 2; page <= first.pageCount; page++) all.push(...(await read(page)).items);
  return all;
}

// ---------------------------------------------------------------------------------------------
// Lazy reading: only what routing from one exchange can reach
// ---------------------------------------------------------------------------------------------

/** One exchange as read, with its source bindings; exchange null when it does not exist (404). */
interface ExchangeRead {
  exchange: SimExchange | null;
  /** The `policy` field exactly as the API gave it (undefined when left out). */
  listedPolicy?: string;
  bindings: SimBinding[];
  readAt: number;
}

interface PoliciesRead {
  policies?: PolicyLike[];
  operatorPolicies?: PolicyLike[];
  /** The broker's version (headers bindings compare values by its rules; unknown: maybes). */
  brokerVersion?: string;
  readAt: number;
}

/** What a lazy route answer is made of: the simulator's answer, and the part of the topology read for it. */
export interface LazyRoute {
  result: RouteResult;
  bindings: BindingCheck[];
  /** The reachable part of the vhost the answer was computed from. */
  topology: SimTopology;
  /** When the oldest piece of it was read from the broker (ms since the epoch). */
  readAt: number;
}

/**
 * The live routing tester's reader. Instead of the whole vhost (GET /api/bindings/{vhost}: 6 s and
 * 17.5 MB with 100,000 bindings), it reads, starting from the exchange published to, only what
 * routing can reach: that exchange (GET /api/exchanges/{vhost}/{x}) and its source bindings
 * (GET /api/exchanges/{vhost}/{x}/bindings/source), then the destinations of its
 * exchange-to-exchange bindings and its alternate exchange (argument or policy), one exchange at a
 * time (one breadth-first level in parallel); the vhost's policies once. Everything read is cached
 * until reload(); a route from another exchange reuses what is cached.
 *
 * Why pre-walk, then run the unchanged RoutingSimulator on what was read (rather than making the
 * simulator ask an async loader as it goes): the simulator stays one synchronous, pure function
 * whose answers (sure / may also receive / uncertain, with reasons) are by construction the same
 * as with the whole vhost, because routing from the entry exchange never looks at an exchange
 * outside the set reachable through exchange bindings and alternate exchanges, and the walk
 * follows every exchange binding whatever its key (a superset of what a given message reaches,
 * so one snapshot serves every routing key and header set). The price is reading exchanges that
 * a particular key would not reach; in practice exchange-to-exchange graphs are small, and the
 * big fan-outs (queue bindings) are read only for the exchanges that own them.
 *
 * Queues: a binding to a queue exists only while the queue does (RabbitMQ deletes a queue's
 * bindings with it), so every queue destination read is taken as existing; the default exchange
 * routes by queue name, so for it each routing key (and CC/BCC key) is looked up with
 * GET /api/queues/{vhost}/{name}.
 */
export class LazyTopology {
  private readonly exchanges = new Map<string, Promise<ExchangeRead>>();
  private readonly queues = new Map<string, Promise<{ exists: boolean; readAt: number }>>();
  private readonly snapshots = new Map<
    string,
    Promise<{ topology: SimTopology; sim: RoutingSimulator; readAt: number }>
  >();
  private policiesRead?: Promise<PoliciesRead>;
  /** Some exchange listing named a policy: the API reports the field, so its absence means none. */
  private listsPolicies = false;
  private generation = 0;

  constructor(
    private readonly m: ManagementClient,
    readonly vhost: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Forgets everything read: the next route reads again whatever it needs. */
  reload(): void {
    this.generation++;
    this.exchanges.clear();
    this.queues.clear();
    this.snapshots.clear();
    this.policiesRead = undefined;
    this.listsPolicies = false;
  }

  /** How many exchanges (found or not) are cached. */
  get cachedExchanges(): number {
    return this.exchanges.size;
  }

  /**
   * The vhost's exchanges (name and type) for a picker: every page of the exchange listing,
   * which is small next to the bindings. Also tells whether the API reports each exchange's policy.
   */
  async exchangeList(): Promise<{ name: string; type: string }[]> {
    const gen = this.generation;
    const all = await readAllPages((page) =>
      this.m.listExchanges(this.vhost, { page, pageSize: 500, columns: ['name', 'type', 'policy'] }),
    );
    if (gen === this.generation && all.some((x) => x.policy !== undefined)) this.listsPolicies = true;
    return all.map((x) => ({ name: x.name, type: x.type }));
  }

  /** Routes one message from `exchange`, reading (or reusing) what it can reach. */
  async route(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): Promise<LazyRoute> {
    const snap = await this.snapshotFor(exchange, routingKey, headers);
    return { ...explainRoute(snap.sim, exchange, routingKey, headers), topology: snap.topology, readAt: snap.readAt };
  }

  /** The reachable part of the topology for a message published to `exchange` (as readTopology shapes it). */
  async topologyFor(exchange: string, routingKey = '', headers: Record<string, unknown> = {}): Promise<SimTopology> {
    return (await this.snapshotFor(exchange, routingKey, headers)).topology;
  }

  private snapshotFor(
    exchange: string,
    routingKey: string,
    headers: Record<string, unknown>,
  ): Promise<{ topology: SimTopology; sim: RoutingSimulator; readAt: number }> {
    // The default exchange's answer depends on which queues the keys name: not cached as a whole
    // (its queue look-ups are).
    if (exchange === '') return this.build(exchange, routingKey, headers);
    let snap = this.snapshots.get(exchange);
    if (!snap) {
      snap = this.build(exchange, routingKey, headers);
      this.snapshots.set(exchange, snap);
      snap.catch(() => this.snapshots.get(exchange) === snap && this.snapshots.delete(exchange));
    }
    return snap;
  }

  private async build(
    entry: string,
    routingKey: string,
    headers: Record<string, unknown>,
  ): Promise<{ topology: SimTopology; sim: RoutingSimulator; readAt: number }> {
    const pol = await this.policies();
    const reads = new Map<string, ExchangeRead>();
    const queued = new Set<string>([entry]);
    let frontier = [entry];
    while (frontier.length > 0) {
      const level = await Promise.all(frontier.map((n) => this.exchange(n)));
      const next: string[] = [];
      const follow = (name: string | undefined) => {
        if (name === undefined || name === '' || queued.has(name)) return;
        queued.add(name);
        next.push(name);
      };
      level.forEach((r, i) => {
        reads.set(frontier[i]!, r);
        if (!r.exchange) return;
        for (const b of r.bindings) if (b.destination_type === 'exchange') follow(b.destination);
        // The policy field as listed (undefined: worked out from the policies), a superset of
        // what the final snapshot below can resolve to.
        follow(resolveAlternateExchange({ ...r.exchange, policy: r.listedPolicy }, pol).name);
      });
      frontier = next;
    }

    const queues = new Set<string>();
    const bindings: SimBinding[] = [];
    const exchanges: SimExchange[] = [];
    let readAt = pol.readAt;
    for (const r of reads.values()) {
      readAt = Math.min(readAt, r.readAt);
      if (!r.exchange) continue;
      exchanges.push({
        ...r.exchange,
        // As readTopology: null (none) when the API is known to report the field, or there is
        // no policy at all; undefined (work it out from the policies) otherwise.
        policy: r.listedPolicy ?? (this.listsPolicies || !pol.policies?.length ? null : undefined),
      });
      for (const b of r.bindings) {
        bindings.push(b);
        if (b.destination_type === 'queue') queues.add(b.destination);
      }
    }
    if (entry === '') {
      const extra = extraRoutingKeys(headers);
      const keys = [...new Set([routingKey, ...('keys' in extra ? extra.keys : [])])].filter(
        // No queue has the empty name (and GET /api/queues/{vhost}/ would list them all).
        (k) => k !== '' && !k.startsWith(REPLY_TO_PREFIX),
      );
      const found = await Promise.all(keys.map((k) => this.queue(k)));
      found.forEach((f, i) => {
        readAt = Math.min(readAt, f.readAt);
        if (f.exists) queues.add(keys[i]!);
      });
    }
    const topology: SimTopology = {
      vhost: this.vhost,
      lossyArguments: true,
      ...(pol.brokerVersion ? { brokerVersion: pol.brokerVersion } : {}),
      ...(pol.policies ? { policies: pol.policies } : {}),
      ...(pol.operatorPolicies ? { operatorPolicies: pol.operatorPolicies } : {}),
      exchanges,
      bindings,
      queues: [...queues],
    };
    return { topology, sim: new RoutingSimulator(topology), readAt };
  }

  private policies(): Promise<PoliciesRead> {
    if (!this.policiesRead) {
      const at = this.clock();
      this.policiesRead = Promise.all([
        // As readTopology: unreadable policies make policy-set alternate exchanges uncertain.
        getPolicies(this.m, this.vhost).catch(() => undefined),
        getOperatorPolicies(this.m, this.vhost).catch(() => undefined),
        this.m.overview().then(
          (o) => o.rabbitmq_version,
          () => undefined,
        ),
      ]).then(([policies, operatorPolicies, brokerVersion]) => ({
        ...(policies ? { policies } : {}),
        ...(operatorPolicies ? { operatorPolicies } : {}),
        ...(brokerVersion ? { brokerVersion } : {}),
        readAt: at,
      }));
    }
    return this.policiesRead;
  }

  private exchange(name: string): Promise<ExchangeRead> {
    let read = this.exchanges.get(name);
    if (!read) {
      read = this.readExchange(name);
      this.exchanges.set(name, read);
      // A failure (other than 404) is not cached: the next route tries again.
      read.catch(() => this.exchanges.get(name) === read && this.exchanges.delete(name));
    }
    return read;
  }

  private async readExchange(name: string): Promise<ExchangeRead> {
    const readAt = this.clock();
    // The default exchange always exists; its bindings are implicit (it routes by queue name).
    if (name === '') return { exchange: { name: '', type: 'direct' }, bindings: [], readAt };
    const gen = this.generation;
    const [x, bs] = await Promise.all([
      orNotFound(this.m.getExchange(this.vhost, name)),
      orNotFound(this.m.exchangeBindingsAsSource(this.vhost, name)),
    ]);
    // Deleted between the two reads (or never there): missing, as RabbitMQ skips it.
    if (!x || !bs) return { exchange: null, bindings: [], readAt };
    if (x.policy !== undefined && gen === this.generation) this.listsPolicies = true;
    return {
      exchange: { name: x.name, type: x.type, arguments: x.arguments, internal: x.internal },
      ...(x.policy !== undefined ? { listedPolicy: x.policy } : {}),
      bindings: bs.map(toSimBinding),
      readAt,
    };
  }

  private queue(name: string): Promise<{ exists: boolean; readAt: number }> {
    let read = this.queues.get(name);
    if (!read) {
      const readAt = this.clock();
      read = orNotFound(this.m.getQueue(this.vhost, name)).then((qi) => ({ exists: qi !== undefined, readAt }));
      this.queues.set(name, read);
      read.catch(() => this.queues.get(name) === read && this.queues.delete(name));
    }
    return read;
  }
}

function toSimBinding(b: BindingInfo): SimBinding {
  return {
    source: b.source,
    destination: b.destination,
    destination_type: b.destination_type as 'queue' | 'exchange',
    routing_key: b.routing_key,
    arguments: b.arguments,
  };
}

/** The value, or undefined when the management API answers 404. */
async function orNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof BrokerError && e.code === 404) return undefined;
    throw e;
  }
}
