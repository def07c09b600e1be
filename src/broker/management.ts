/**
 * RabbitMQ management HTTP API client: the endpoints Burrow uses, for listing (the explorer,
 * the routing tester, the tail's view of a queue's bindings, policies for peek) and for admin
 * operations (vhosts, users, permissions). Messages and topology changes go over AMQP.
 * The HTTP transport (auth, TLS, deadlines, errors) is ManagementHttp in managementHttp.ts.
 */
import { BrokerError } from './errors';
import { parseBindingsText } from './managementBindings';
import type { ClusterNodeInfo } from '../core/clusterView';
import { ManagementHttp, buildQuery, type ManagementClientOptions, type RequestOptions } from './managementHttp';
import { CONNECTION_COLUMNS, reasonHeader, type ChannelInfo, type ConnectionInfo } from './managementConnections';

export { buildQuery, type ManagementClientOptions, type RequestOptions };
export type { ClusterNodeInfo };
export * from './managementConnections';

const BINDINGS: RequestOptions = { parse: parseBindingsText };

// ---------------------------------------------------------------------------
// Result types
// ---------------------------------------------------------------------------

export interface Overview {
  rabbitmq_version: string;
  cluster_name: string;
  management_version: string;
  product_name?: string;
  product_version?: string;
  erlang_version?: string;
  node?: string;
  rates_mode?: string;
  object_totals?: { connections?: number; channels?: number; exchanges?: number; queues?: number; consumers?: number };
}

export interface Whoami {
  name: string;
  tags: string[];
}

export interface VhostInfo {
  name: string;
  description?: string;
  messages?: number;
  tracing?: boolean;
}

export interface RateDetails {
  rate: number;
}

export interface ExchangeInfo {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
  /** The policy the broker applied to it, if any (the listing leaves the field out otherwise). */
  policy?: string;
  /** The operator policy the broker applied to it, if any. */
  operator_policy?: string;
  message_stats?: {
    publish_in_details?: RateDetails;
    publish_out_details?: RateDetails;
  };
}

export interface ConsumerInfo {
  consumer_tag: string;
  queue: { name: string; vhost: string };
  /** Empty until the broker has emitted stats for the consumer's channel (every few seconds). */
  channel_details: {
    name?: string;
    connection_name?: string;
    peer_host?: string;
    peer_port?: number;
    number?: number;
    user?: string;
    node?: string;
  };
  ack_required: boolean;
  prefetch_count: number;
  exclusive: boolean;
  active?: boolean;
  activity_status?: string;
  arguments: Record<string, unknown>;
}

export interface QueueInfo {
  name: string;
  vhost: string;
  type: 'classic' | 'quorum' | 'stream' | (string & {});
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  state?: string;
  message_stats?: {
    publish_details?: RateDetails;
    deliver_get_details?: RateDetails;
  };
  /** Only present on getQueue(). */
  consumer_details?: ConsumerInfo[];
  /** Placement (see core/clusterView.ts: which fields each version sends). */
  node?: string;
  leader?: string;
  members?: string[];
  online?: string[];
  /** The policy / operator policy the broker applied (absent, '' or 'none' when none). */
  policy?: string;
  operator_policy?: string;
  /** The policy's and operator policy's definitions merged (src/core/policies.ts mergeDefinitions). */
  effective_policy_definition?: Record<string, unknown> | unknown[];
}

export interface BindingInfo {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Record<string, unknown>;
  properties_key: string;
}

export interface UserInfo {
  name: string;
  /** Normalized: 3.10 returns an array, older versions a comma-separated string. */
  tags: string[];
}

export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

export interface PermissionInfo extends Permissions {
  user: string;
  vhost: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  pageCount: number;
  filteredCount: number;
  totalCount: number;
}

export interface ListOptions {
  /** 1-based. Without it the API returns everything (normalized to a single Page). */
  page?: number;
  /** 1..500 (the API's limit), default 100 when paging. */
  pageSize?: number;
  /** Server-side name filter (substring, or a regex with useRegex). */
  name?: string;
  useRegex?: boolean;
  /** Columns to return; nested fields use dots (message_stats.publish_details.rate). [] = all columns. */
  columns?: string[];
}

// ---------------------------------------------------------------------------
// Pure helpers (exported for unit tests)
// ---------------------------------------------------------------------------

/** Columns the explorer tree needs; keeps big vhosts fast. */
export const DEFAULT_QUEUE_COLUMNS: readonly string[] = [
  'name',
  'vhost',
  'type',
  'durable',
  'auto_delete',
  'exclusive',
  'arguments',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'consumers',
  'state',
  'message_stats.publish_details.rate',
  'message_stats.deliver_get_details.rate',
  'policy',
  'operator_policy',
  'effective_policy_definition',
  'node',
  'leader',
  'members',
  'online',
];

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;

/** Builds an API path from raw segments, each encoded with encodeURIComponent ("/" -> %2F). */
export function apiPath(...segments: string[]): string {
  return '/' + segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * The management path of one binding: /bindings/{vhost}/e/{source}/{q|e}/{destination}/{props}.
 * properties_key is sent as the listing gives it, encoded once more like every segment (the API
 * decodes the path, then unquotes the key).
 */
export function bindingPath(
  b: Pick<BindingInfo, 'vhost' | 'source' | 'destination' | 'destination_type' | 'properties_key'>,
): string {
  return apiPath(
    'bindings',
    b.vhost,
    'e',
    b.source,
    b.destination_type === 'exchange' ? 'e' : 'q',
    b.destination,
    b.properties_key,
  );
}

/** The default exchange ("") is addressed as "amq.default" in management URLs. */
export function exchangeSegment(name: string): string {
  return name === '' ? 'amq.default' : name;
}

/** Query parameters for a list call. */
export function listQuery(
  opts: ListOptions | undefined,
  defaultColumns?: readonly string[],
): Record<string, string | number | boolean | undefined> {
  const q: Record<string, string | number | boolean | undefined> = {};
  const columns = opts?.columns ?? defaultColumns;
  if (columns && columns.length) q.columns = columns.join(',');
  if (opts?.page !== undefined) {
    q.page = Math.max(1, Math.floor(opts.page));
    q.page_size = clampPageSize(opts.pageSize);
    if (opts.name !== undefined && opts.name !== '') {
      q.name = opts.name;
      if (opts.useRegex) q.use_regex = true;
    }
  }
  return q;
}

export function clampPageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(size)));
}

interface RawPage<T> {
  items: T[];
  page: number;
  page_size: number;
  page_count: number;
  filtered_count: number;
  total_count: number;
  item_count?: number;
}

function isRawPage<T>(v: unknown): v is RawPage<T> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as RawPage<T>).items);
}

/** Normalizes a paged object or a plain array into a Page. */
export function toPage<T>(raw: unknown): Page<T> {
  if (isRawPage<T>(raw)) {
    return {
      items: raw.items,
      page: raw.page,
      pageSize: raw.page_size,
      pageCount: raw.page_count,
      filteredCount: raw.filtered_count,
      totalCount: raw.total_count,
    };
  }
  const items = Array.isArray(raw) ? (raw as T[]) : [];
  return {
    items,
    page: 1,
    pageSize: items.length,
    pageCount: items.length > 0 ? 1 : 0,
    filteredCount: items.length,
    totalCount: items.length,
  };
}

/** 3.10 returns tags as an array, older versions as "a,b". */
export function normalizeTags(tags: unknown): string[] {
  if (Array.isArray(tags)) return tags.map(String).filter((t) => t !== '');
  if (typeof tags === 'string') {
    return tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  }
  return [];
}

// ---------------------------------------------------------------------------
// Client: the endpoints Burrow uses (listing and admin; messages and topology changes go over AMQP)
// ---------------------------------------------------------------------------

export class ManagementClient extends ManagementHttp {
  // ----- overview ----------------------------------------------------------

  overview(): Promise<Overview> {
    return this.request<Overview>('GET', '/overview', undefined, {
      query: {
        columns:
          'rabbitmq_version,cluster_name,management_version,product_name,product_version,erlang_version,node,rates_mode,object_totals',
      },
    });
  }

  async whoami(): Promise<Whoami> {
    const w = await this.request<{ name: string; tags: unknown }>('GET', '/whoami');
    return { name: w.name, tags: normalizeTags(w.tags) };
  }

  // ----- vhosts ------------------------------------------------------------

  async listVhosts(): Promise<VhostInfo[]> {
    return (
      (await this.request<VhostInfo[]>('GET', '/vhosts', undefined, {
        query: { columns: 'name,description,messages,tracing' },
      })) ?? []
    );
  }

  async createVhost(name: string, description?: string): Promise<void> {
    await this.request('PUT', apiPath('vhosts', name), description !== undefined ? { description } : {});
  }

  async deleteVhost(name: string): Promise<void> {
    await this.request('DELETE', apiPath('vhosts', name));
  }

  // ----- paging ------------------------------------------------------------

  private async list<T>(
    base: string,
    opts: ListOptions | undefined,
    defaultColumns?: readonly string[],
  ): Promise<Page<T>> {
    if (opts?.page === undefined && opts?.name !== undefined && opts.name !== '') {
      // The API only filters by name when paging: walk all pages.
      return this.listAllFiltered<T>(base, opts, defaultColumns);
    }
    const query = listQuery(opts, defaultColumns);
    try {
      return toPage<T>(await this.request<unknown>('GET', base, undefined, { query }));
    } catch (e) {
      if (
        opts?.page !== undefined &&
        e instanceof BrokerError &&
        e.code === 400 &&
        /page_out_of_range|out of range/i.test(`${e.replyText}`)
      ) {
        // Beyond the last page: an empty page, with the counts from page 1.
        const first = toPage<T>(
          await this.request<unknown>('GET', base, undefined, {
            query: { ...query, page: 1, columns: 'name' },
          }),
        );
        return { ...first, items: [], page: query.page as number };
      }
      throw e;
    }
  }

  private async listAllFiltered<T>(
    base: string,
    opts: ListOptions,
    defaultColumns?: readonly string[],
  ): Promise<Page<T>> {
    const items: T[] = [];
    let page = 1;
    let last: Page<T>;
    do {
      last = toPage<T>(
        await this.request<unknown>('GET', base, undefined, {
          query: listQuery({ ...opts, page, pageSize: MAX_PAGE_SIZE }, defaultColumns),
        }),
      );
      items.push(...last.items);
      page++;
    } while (page <= last.pageCount);
    return {
      items,
      page: 1,
      pageSize: items.length,
      pageCount: items.length ? 1 : 0,
      filteredCount: last.filteredCount,
      totalCount: last.totalCount,
    };
  }

  // ----- exchanges ---------------------------------------------------------

  listExchanges(vhost: string, opts?: ListOptions): Promise<Page<ExchangeInfo>> {
    return this.list<ExchangeInfo>(apiPath('exchanges', vhost), opts);
  }

  /** One exchange (GET /api/exchanges/{vhost}/{name}); 404 (BrokerError code 404) when it does not exist. */
  getExchange(vhost: string, name: string): Promise<ExchangeInfo> {
    return this.request<ExchangeInfo>('GET', apiPath('exchanges', vhost, exchangeSegment(name)));
  }

  // ----- queues ------------------------------------------------------------

  /** By default only the columns the tree needs are requested (see DEFAULT_QUEUE_COLUMNS); pass columns: [] for all. */
  listQueues(vhost: string, opts?: ListOptions): Promise<Page<QueueInfo>> {
    return this.list<QueueInfo>(apiPath('queues', vhost), opts, DEFAULT_QUEUE_COLUMNS);
  }

  getQueue(vhost: string, name: string): Promise<QueueInfo> {
    return this.request<QueueInfo>('GET', apiPath('queues', vhost, name));
  }

  /**
   * One queue as a tree row: GET /api/queues/{vhost}/{name} with the tree's columns (the same
   * fields a listing item has); undefined when the queue is gone (404). The live tree's row tick
   * on big vhosts (explorer/pagedGroup.ts): unlike any listing, it costs the same on a vhost of
   * 10,000 queues as on one of 10.
   */
  async getQueueRow(vhost: string, name: string): Promise<QueueInfo | undefined> {
    try {
      return await this.request<QueueInfo>('GET', apiPath('queues', vhost, name), undefined, {
        query: { columns: DEFAULT_QUEUE_COLUMNS.join(',') },
      });
    } catch (e) {
      if (e instanceof BrokerError && e.code === 404) return undefined;
      throw e;
    }
  }

  // ----- bindings ----------------------------------------------------------

  // Binding listings keep the arguments' number literals ("5.0" is a double): managementBindings.ts.

  queueBindings(vhost: string, queue: string): Promise<BindingInfo[]> {
    return this.request<BindingInfo[]>('GET', apiPath('queues', vhost, queue, 'bindings'), undefined, BINDINGS);
  }

  exchangeBindingsAsSource(vhost: string, exchange: string): Promise<BindingInfo[]> {
    return this.request<BindingInfo[]>(
      'GET',
      apiPath('exchanges', vhost, exchangeSegment(exchange), 'bindings', 'source'),
      undefined,
      BINDINGS,
    );
  }

  exchangeBindingsAsDestination(vhost: string, exchange: string): Promise<BindingInfo[]> {
    return this.request<BindingInfo[]>(
      'GET',
      apiPath('exchanges', vhost, exchangeSegment(exchange), 'bindings', 'destination'),
      undefined,
      BINDINGS,
    );
  }

  listBindings(vhost: string): Promise<BindingInfo[]> {
    return this.request<BindingInfo[]>('GET', apiPath('bindings', vhost), undefined, BINDINGS);
  }

  /**
   * Deletes one binding by its properties_key (from a binding listing), which names the routing
   * key and the exact arguments with their AMQP types; unbinding over AMQP with arguments read back
   * from this API (JSON, types lost) would silently remove nothing. 404 when it does not exist.
   */
  async deleteBinding(
    b: Pick<BindingInfo, 'vhost' | 'source' | 'destination' | 'destination_type' | 'properties_key'>,
  ): Promise<void> {
    await this.request('DELETE', bindingPath(b));
  }

  // ----- consumers ---------------------------------------------------------

  async queueConsumers(vhost: string, queue: string): Promise<ConsumerInfo[]> {
    const q = await this.request<{ consumer_details?: ConsumerInfo[] }>(
      'GET',
      apiPath('queues', vhost, queue),
      undefined,
      {
        query: { columns: 'consumer_details' },
      },
    );
    return q.consumer_details ?? [];
  }

  // ----- connections and channels (the Connections view) ------------------

  /** The broker's client connections (or one vhost's); paged and filtered by name like the other lists. */
  listConnections(opts?: ListOptions & { vhost?: string }): Promise<Page<ConnectionInfo>> {
    const base = opts?.vhost !== undefined ? apiPath('vhosts', opts.vhost, 'connections') : '/connections';
    return this.list<ConnectionInfo>(base, opts, CONNECTION_COLUMNS);
  }

  async connectionChannels(name: string): Promise<ChannelInfo[]> {
    return (await this.request<ChannelInfo[]>('GET', apiPath('connections', name, 'channels'))) ?? [];
  }

  /** One channel with its consumer_details; 404 once it is gone. */
  channel(name: string): Promise<ChannelInfo> {
    return this.request<ChannelInfo>('GET', apiPath('channels', name));
  }

  /** Closes a client connection; the client gets connection.close with the reason (X-Reason). */
  async closeConnection(name: string, reason: string): Promise<void> {
    await this.request('DELETE', apiPath('connections', name), undefined, {
      headers: { 'X-Reason': reasonHeader(reason) },
    });
  }

  // ----- users & permissions ----------------------------------------------

  /** The cluster's nodes (/api/nodes): running or down, alarms, partitions. */
  async listNodes(): Promise<ClusterNodeInfo[]> {
    return this.request<ClusterNodeInfo[]>('GET', '/nodes', undefined, {
      query: { columns: 'name,running,mem_alarm,disk_free_alarm,partitions,type,uptime' },
    });
  }

  /** The cluster's name (/api/overview cluster_name). */
  async clusterName(): Promise<string | undefined> {
    const o = await this.request<{ cluster_name?: string }>('GET', '/overview', undefined, {
      query: { columns: 'cluster_name' },
    });
    return o.cluster_name;
  }

  async listUsers(): Promise<UserInfo[]> {
    const users = await this.request<{ name: string; tags: unknown }[]>('GET', '/users', undefined, {
      query: { columns: 'name,tags' },
    });
    return users.map((u) => ({ name: u.name, tags: normalizeTags(u.tags) }));
  }

  async createUser(name: string, password: string, tags: string[]): Promise<void> {
    // Comma-separated string: accepted by every version (arrays only by newer ones).
    await this.request('PUT', apiPath('users', name), { password, tags: tags.join(',') });
  }

  /**
   * Replaces a user's tags and keeps the password. (A PUT without password or
   * password_hash would clear the password, so the current hash is sent back.)
   */
  async setUserTags(name: string, tags: string[]): Promise<void> {
    const u = await this.request<{ password_hash?: string; hashing_algorithm?: string }>('GET', apiPath('users', name));
    const body: Record<string, unknown> = { tags: tags.join(',') };
    body.password_hash = u.password_hash ?? '';
    if (u.hashing_algorithm) body.hashing_algorithm = u.hashing_algorithm;
    await this.request('PUT', apiPath('users', name), body);
  }

  async deleteUser(name: string): Promise<void> {
    await this.request('DELETE', apiPath('users', name));
  }

  vhostPermissions(vhost: string): Promise<PermissionInfo[]> {
    return this.request<PermissionInfo[]>('GET', apiPath('vhosts', vhost, 'permissions'));
  }

  async setPermissions(vhost: string, user: string, perms: Permissions): Promise<void> {
    await this.request('PUT', apiPath('permissions', vhost, user), {
      configure: perms.configure,
      write: perms.write,
      read: perms.read,
    });
  }

  async deletePermissions(vhost: string, user: string): Promise<void> {
    await this.request('DELETE', apiPath('permissions', vhost, user));
  }
}

// ----- policies (for a queue's effective delivery limit; see src/core/deliveryLimit.ts) ----------

/** A policy or operator policy as GET /api/policies/{vhost} and /api/operator-policies/{vhost} list it. */
export interface PolicyInfo {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to': string;
  priority: number;
  definition: Record<string, unknown>;
}

/** The vhost's policies. */
export async function getPolicies(mc: ManagementClient, vhost: string): Promise<PolicyInfo[]> {
  return (await mc.request<PolicyInfo[]>('GET', apiPath('policies', vhost))) ?? [];
}

/** The vhost's operator policies (needs a user the broker lets read them; 401/403 otherwise). */
export async function getOperatorPolicies(mc: ManagementClient, vhost: string): Promise<PolicyInfo[]> {
  return (await mc.request<PolicyInfo[]>('GET', apiPath('operator-policies', vhost))) ?? [];
}
