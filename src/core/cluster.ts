/**
 * Cluster profiles: one connection, several nodes. A profile's `host`/`port` is its first node;
 * `hosts` lists the others. Burrow tries the nodes in order (or shuffled, `shuffleHosts`) and, when
 * the node it is on goes away, reconnects to the next one. The management API fails over across
 * one URL per node (`managementUrls`, or derived from the first management URL, see
 * managementUrlsFor).
 */
import { hostProblem, parseAmqpUri, resolveManagementUrl, type ManagementUrlFields, type UriProfile } from './uri';

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port` (IPv6 in brackets). */
export function formatHostPort(h: HostPort): string {
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/**
 * Parses a host list as the RabbitMQ clients take it: `host1:5681, host2:5682 host3` (commas,
 * spaces or new lines between entries; `[::1]:5672` for IPv6). A host without a port gets
 * `defaultPort`. Throws Error with a message naming the bad entry.
 */
export function parseHostList(text: string, defaultPort: number): HostPort[] {
  const out: HostPort[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const entry = raw.trim();
    if (!entry) continue;
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (v6) {
      host = v6[1]!;
      portText = v6[2];
    } else {
      const colons = entry.split(':').length - 1;
      if (colons > 1) throw new Error(`'${entry}': put an IPv6 address in brackets, e.g. [::1]:5672`);
      const i = entry.indexOf(':');
      host = i < 0 ? entry : entry.slice(0, i);
      portText = i < 0 ? undefined : entry.slice(i + 1);
    }
    const problem = hostProblem(host);
    if (problem) throw new Error(`'${entry}': ${problem}`);
    const port = portText === undefined || portText === '' ? defaultPort : Number(portText);
    if (!/^\d*$/.test(portText ?? '') || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`'${entry}': invalid port`);
    }
    out.push({ host, port });
  }
  return out;
}

/** The host list as shown in a form field: `host1:5681, host2:5682`. */
export function formatHostList(hosts: readonly HostPort[]): string {
  return hosts.map(formatHostPort).join(', ');
}

/** The fields of a profile that describe its nodes. */
export interface ClusterFields extends ManagementUrlFields {
  host: string;
  port: number;
  /** The cluster's other nodes (after host:port). */
  hosts?: HostPort[];
  /** Try the nodes in a random order (spreads many clients over the cluster). */
  shuffleHosts?: boolean;
  /** One management URL per node, in the order of the nodes (first = the profile's own). */
  managementUrls?: string[];
}

/** Every node of a profile, first node first, without repeats. */
export function profileNodes(profile: Pick<ClusterFields, 'host' | 'port' | 'hosts'>): HostPort[] {
  const seen = new Set<string>();
  const out: HostPort[] = [];
  for (const h of [{ host: profile.host, port: profile.port }, ...(profile.hosts ?? [])]) {
    const key = formatHostPort(h).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ host: h.host, port: h.port });
  }
  return out;
}

/**
 * The order in which to try the nodes: as listed, or shuffled (Fisher-Yates with `random`).
 * `after`, the node just lost, goes last, and the nodes after it in the list come first:
 * [a, b, c] after b is [c, a, b].
 */
export function connectOrder(
  nodes: readonly HostPort[],
  opts: { shuffle?: boolean; random?: () => number; after?: HostPort } = {},
): HostPort[] {
  let list = [...nodes];
  if (opts.shuffle) {
    const random = opts.random ?? Math.random;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
  }
  if (opts.after) {
    const key = formatHostPort(opts.after).toLowerCase();
    const i = list.findIndex((h) => formatHostPort(h).toLowerCase() === key);
    if (i >= 0) list = [...list.slice(i + 1), ...list.slice(0, i), list[i]!];
  }
  return list;
}

/**
 * One management URL per node. Explicit `managementUrls` win (any node without one gets the
 * derived URL). A derived URL is the first node's management URL with the node's host, and, when
 * the node's AMQP port differs from the first node's, its port shifted by the same amount
 * (5681 -> 15681, 5682 -> 15682: several nodes on one machine). Undefined when the first node has
 * no management URL (see resolveManagementUrl).
 */
export function managementUrlsFor(profile: ClusterFields): string[] | undefined {
  const nodes = profileNodes(profile);
  const explicit = (profile.managementUrls ?? []).map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
  const first = explicit[0] ?? resolveManagementUrl(profile).url;
  if (first === undefined) return undefined;
  const base = new URL(first);
  const basePort = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  const urls = nodes.map((node, i) => {
    if (explicit[i]) return explicit[i];
    if (i === 0) return first;
    const u = new URL(first);
    u.hostname = node.host.includes(':') ? `[${node.host}]` : node.host;
    const shifted = basePort + (node.port - profile.port);
    if (shifted >= 1 && shifted <= 65535) u.port = String(shifted);
    return u.toString().replace(/\/+$/, '');
  });
  for (const extra of explicit.slice(nodes.length)) urls.push(extra);
  return [...new Set(urls)];
}

/**
 * Parses several AMQP URIs (separated by commas, spaces or new lines) into one profile with a host
 * list, as the RabbitMQ clients accept an address list. All URIs must agree on scheme, user name
 * and vhost (they are one connection to one cluster); the first URI's password and options win.
 */
export function parseAmqpUriList(text: string): { profile: UriProfile; hosts: HostPort[]; password?: string } {
  const parts = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('empty URI; expected amqp://host or amqps://host');
  const parsed = parts.map((p) => parseAmqpUri(p));
  const first = parsed[0]!;
  for (const [i, p] of parsed.entries()) {
    if (p.profile.tls !== first.profile.tls) throw new Error(`URI ${i + 1} mixes amqp:// and amqps://`);
    if (p.profile.username !== first.profile.username) throw new Error(`URI ${i + 1} has another user name`);
    if (p.profile.vhost !== first.profile.vhost) throw new Error(`URI ${i + 1} has another vhost`);
  }
  const hosts = profileNodes({
    host: first.profile.host,
    port: first.profile.port,
    hosts: parsed.slice(1).map((p) => ({ host: p.profile.host, port: p.profile.port })),
  }).slice(1);
  return { profile: first.profile, hosts, ...(first.password !== undefined ? { password: first.password } : {}) };
}
