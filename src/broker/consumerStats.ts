/**
 * What a queue's consumer rows need beyond the queue's consumer_details: each consumer's channel
 * (prefetch, unacked, deliveries) and connection (client properties). Bounded requests per refresh:
 * a few consumers' channels are fetched one by one; more than CHANNEL_FETCH_LIMIT take one listing
 * of the vhost's channels (columns=), shared for CHANNEL_TTL_MS by every queue of the vhost that
 * refreshes in the same tick. Client properties do not change while a connection lives: they are
 * cached by connection name, and uncached ones are fetched one by one or by one listing.
 */
import { BrokerError } from './errors';
import { apiPath, type ManagementClient } from './management';

/** The channel fields a consumer row uses. */
export interface ChannelStats {
  name: string;
  number?: number;
  prefetch_count?: number;
  global_prefetch_count?: number;
  messages_unacknowledged?: number;
  consumer_count?: number;
  connection_details?: { name?: string; peer_host?: string; peer_port?: number };
  message_stats?: {
    deliver_get?: number;
    deliver_get_details?: { rate: number };
    ack_details?: { rate: number };
  };
}

/** The connection fields a consumer row uses. */
export interface ConnectionClient {
  name: string;
  user?: string;
  peer_host?: string;
  peer_port?: number;
  user_provided_name?: string;
  client_properties?: Record<string, unknown>;
}

const CHANNEL_COLUMNS = [
  'name',
  'number',
  'prefetch_count',
  'global_prefetch_count',
  'messages_unacknowledged',
  'consumer_count',
  'connection_details',
  'message_stats.deliver_get',
  'message_stats.deliver_get_details',
  'message_stats.ack_details',
].join(',');
const CONNECTION_COLUMNS = 'name,user,peer_host,peer_port,user_provided_name,client_properties';

/** Up to this many channels (or uncached connections) are fetched one by one; more take one listing. */
export const CHANNEL_FETCH_LIMIT = 3;
/** A vhost's channel listing (or one channel) serves the queues that refresh within this time. */
export const CHANNEL_TTL_MS = 1500;
const CONNECTION_CACHE_MAX = 2000;

interface Timed<T> {
  at: number;
  value: Promise<T>;
}

interface Cache {
  listings: Map<string, Timed<Map<string, ChannelStats>>>;
  channels: Map<string, Timed<ChannelStats | undefined>>;
  connections: Map<string, ConnectionClient>;
}

const caches = new WeakMap<ManagementClient, Cache>();

function cacheOf(mc: ManagementClient): Cache {
  let c = caches.get(mc);
  if (!c) {
    c = { listings: new Map(), channels: new Map(), connections: new Map() };
    caches.set(mc, c);
  }
  return c;
}

function fresh<T>(t: Timed<T> | undefined, now: number): Promise<T> | undefined {
  return t && now - t.at < CHANNEL_TTL_MS ? t.value : undefined;
}

function remember<K, T>(map: Map<K, Timed<T>>, key: K, value: Promise<T>, now: number): Promise<T> {
  map.set(key, { at: now, value });
  // A failed request is not kept: the next refresh asks again.
  value.catch(() => map.delete(key));
  return value;
}

function isNotFound(err: unknown): boolean {
  return err instanceof BrokerError && err.code === 404;
}

/** The channels with these names (a channel that has closed since is simply absent). */
export async function channelsByName(
  mc: ManagementClient,
  vhost: string,
  names: readonly string[],
  now = Date.now(),
): Promise<Map<string, ChannelStats>> {
  const wanted = [...new Set(names)];
  const cache = cacheOf(mc);
  const out = new Map<string, ChannelStats>();
  if (!wanted.length) return out;
  if (wanted.length > CHANNEL_FETCH_LIMIT || fresh(cache.listings.get(vhost), now)) {
    const all =
      fresh(cache.listings.get(vhost), now) ??
      remember(
        cache.listings,
        vhost,
        mc
          .request<ChannelStats[]>('GET', apiPath('vhosts', vhost, 'channels'), undefined, {
            query: { columns: CHANNEL_COLUMNS },
          })
          .then((list) => new Map((Array.isArray(list) ? list : []).map((c) => [c.name, c]))),
        now,
      );
    const map = await all;
    for (const n of wanted) {
      const c = map.get(n);
      if (c) out.set(n, c);
    }
    return out;
  }
  const one = (name: string) =>
    fresh(cache.channels.get(name), now) ??
    remember(
      cache.channels,
      name,
      mc
        .request<ChannelStats>('GET', apiPath('channels', name), undefined, { query: { columns: CHANNEL_COLUMNS } })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }),
      now,
    );
  const got = await Promise.all(wanted.map(one));
  wanted.forEach((n, i) => {
    const c = got[i];
    if (c) out.set(n, c);
  });
  pruneTimed(cache.channels, now);
  return out;
}

function pruneTimed<K, T>(map: Map<K, Timed<T>>, now: number): void {
  if (map.size < 256) return;
  for (const [k, t] of map) if (now - t.at >= CHANNEL_TTL_MS) map.delete(k);
}

/** The connections with these (broker-given) names, with their client properties. */
export async function connectionsByName(
  mc: ManagementClient,
  vhost: string,
  names: readonly string[],
): Promise<Map<string, ConnectionClient>> {
  const cache = cacheOf(mc).connections;
  const wanted = [...new Set(names)];
  const missing = wanted.filter((n) => !cache.has(n));
  if (missing.length > CHANNEL_FETCH_LIMIT) {
    const list = await mc.request<ConnectionClient[]>('GET', apiPath('vhosts', vhost, 'connections'), undefined, {
      query: { columns: CONNECTION_COLUMNS },
    });
    for (const c of Array.isArray(list) ? list : []) if (missing.includes(c.name)) remember1(cache, c);
  } else if (missing.length) {
    const got = await Promise.all(
      missing.map((n) =>
        mc
          .request<ConnectionClient>('GET', apiPath('connections', n), undefined, {
            query: { columns: CONNECTION_COLUMNS },
          })
          .catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          }),
      ),
    );
    for (const c of got) if (c) remember1(cache, pick(c));
  }
  const out = new Map<string, ConnectionClient>();
  for (const n of wanted) {
    const c = cache.get(n);
    if (c) out.set(n, c);
  }
  return out;
}

/** Keeps only the fields used (a single connection's GET may ignore columns= and return everything). */
function pick(c: ConnectionClient): ConnectionClient {
  return {
    name: c.name,
    user: c.user,
    peer_host: c.peer_host,
    peer_port: c.peer_port,
    user_provided_name: c.user_provided_name,
    client_properties: c.client_properties,
  };
}

function remember1(cache: Map<string, ConnectionClient>, c: ConnectionClient): void {
  if (typeof c?.name !== 'string') return;
  if (cache.size >= CONNECTION_CACHE_MAX) cache.clear();
  cache.set(c.name, pick(c));
}
