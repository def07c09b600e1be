/**
 * The live broker as the `.amqp` editor features see it: which Burrow connection a request means,
 * its session (never a password prompt), and short-lived caches of what completion and hover list
 * (a few seconds per connection and vhost), plus one LazyTopology (the live routing tester's
 * reader) per connection and vhost for diagnostics, reloaded at most every 10 s.
 */
import type { ConnectionProfile } from '../../core/profile';
import type { BrokerSession } from '../../broker/session';
import type { BindingInfo, ExchangeInfo, QueueInfo } from '../../broker/management';
import { searchPicker } from '../../broker/pickerSearch';
import { PICKER_PAGE, type PickerMatches } from '../../protocol/picker';
import { LazyTopology } from '../../broker/routingTopology';
import { BrokerError } from '../../broker/errors';

/** What the language features need from the extension (no UI). */
export interface LiveDeps {
  profiles(): ConnectionProfile[];
  /** The stored password, or undefined; never prompts. */
  hasPassword(profile: ConnectionProfile): Promise<boolean>;
  /** The session (opened on first use). */
  session(profile: ConnectionProfile): Promise<BrokerSession>;
  isOpen(profileId: string): boolean;
  now?: () => number;
}

export const LIST_TTL_MS = 4000;
export const ROUTING_RELOAD_MS = 10_000;

/** One page of the queues whose name contains `text`, with how many match and how many exist. */
export interface QueueMatches {
  text: string;
  /** At most PICKER_PAGE, in the broker's (name) order. */
  items: QueueInfo[];
  /** How many names contain the text (the API's filtered_count). */
  matched: number;
  /** How many queues the vhost has (total_count). */
  total: number;
}

export type ConnectionLookup =
  { ok: true; profile: ConnectionProfile } | { ok: false; unknown?: string; known: string[] };

export class LiveTopology {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly lazies = new Map<string, { m: unknown; lazy: LazyTopology; reloadedAt: number }>();

  constructor(private readonly deps: LiveDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** By name; none named: the only connection there is (as the runner does), else none. */
  connection(name: string | undefined): ConnectionLookup {
    const all = this.deps.profiles();
    const known = all.map((p) => p.name);
    if (name === undefined || name === '')
      return all.length === 1 ? { ok: true, profile: all[0]! } : { ok: false, known };
    const p = all.find((x) => x.name === name) ?? all.find((x) => x.id === name);
    return p ? { ok: true, profile: p } : { ok: false, unknown: name, known };
  }

  connectionNames(): string[] {
    return this.deps.profiles().map((p) => p.name);
  }

  /** The session when it can be had without asking anything (a stored password); else undefined. */
  async quietSession(profile: ConnectionProfile): Promise<BrokerSession | undefined> {
    if (!this.deps.isOpen(profile.id) && !(await this.deps.hasPassword(profile))) return undefined;
    return this.deps.session(profile);
  }

  /** The session only when one is already open (diagnostics never open one). */
  async openSession(profile: ConnectionProfile): Promise<BrokerSession | undefined> {
    return this.deps.isOpen(profile.id) ? this.deps.session(profile) : undefined;
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < LIST_TTL_MS) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: this.now(), value });
    // A failure is not kept: the next request reads again.
    value.catch(() => this.cache.get(key)?.value === value && this.cache.delete(key));
    return value;
  }

  /**
   * The exchanges whose name contains `text` (what is typed so far), one page of them searched on
   * the server (pickerSearch.ts): no cap on how many the vhost has; `matched` > items.length says
   * there are more, which typing narrows.
   */
  exchanges(s: BrokerSession, vhost: string, text = ''): Promise<PickerMatches> {
    return this.cached(`${s.profile.id}\0${vhost}\0x\0${text}`, () =>
      searchPicker(s.management, vhost, 'exchange', text),
    );
  }

  /**
   * The queues whose name contains `text`, searched on the server like exchanges (the management
   * API's name filter, use_regex=false): one page, no cap on how many the vhost has.
   */
  queues(s: BrokerSession, vhost: string, text = ''): Promise<QueueMatches> {
    return this.cached(`${s.profile.id}\0${vhost}\0q\0${text}`, async () => {
      const page = await s.management.listQueues(vhost, {
        page: 1,
        pageSize: PICKER_PAGE,
        name: text,
        columns: ['name', 'type', 'messages_ready'],
      });
      return { text, items: page.items, matched: page.filteredCount, total: page.totalCount };
    });
  }

  bindings(s: BrokerSession, vhost: string, exchange: string): Promise<BindingInfo[]> {
    return this.cached(`${s.profile.id}\0${vhost}\0b\0${exchange}`, () =>
      s.management.exchangeBindingsAsSource(vhost, exchange),
    );
  }

  /** One queue; undefined when the management API answers 404. */
  queue(s: BrokerSession, vhost: string, name: string): Promise<QueueInfo | undefined> {
    return this.cached(`${s.profile.id}\0${vhost}\0q1\0${name}`, () => orNotFound(s.management.getQueue(vhost, name)));
  }

  /** One exchange; undefined when the management API answers 404. */
  exchange(s: BrokerSession, vhost: string, name: string): Promise<ExchangeInfo | undefined> {
    return this.cached(`${s.profile.id}\0${vhost}\0x1\0${name}`, () =>
      orNotFound(s.management.getExchange(vhost, name)),
    );
  }

  vhosts(s: BrokerSession): Promise<string[]> {
    return this.cached(`${s.profile.id}\0vhosts`, async () => (await s.management.listVhosts()).map((v) => v.name));
  }

  brokerVersion(s: BrokerSession): Promise<string | undefined> {
    return this.cached(`${s.profile.id}\0version`, () =>
      s.management.overview().then(
        (o) => o.rabbitmq_version,
        () => undefined,
      ),
    );
  }

  /** The routing tester's reader for this connection and vhost, reloaded when older than 10 s. */
  routing(s: BrokerSession, vhost: string): LazyTopology {
    const key = `${s.profile.id}\0${vhost}`;
    let entry = this.lazies.get(key);
    if (!entry || entry.m !== s.management) {
      entry = { m: s.management, lazy: new LazyTopology(s.management, vhost), reloadedAt: this.now() };
      this.lazies.set(key, entry);
    } else if (this.now() - entry.reloadedAt >= ROUTING_RELOAD_MS) {
      entry.lazy.reload();
      entry.reloadedAt = this.now();
    }
    return entry.lazy;
  }
}

async function orNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof BrokerError && e.code === 404) return undefined;
    throw e;
  }
}
