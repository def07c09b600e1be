import { parseHostList, type HostPort } from './cluster';
import { hostProblem, managementUrlProblem, vhostOrDefault } from './uri';

/**
 * A saved connection. Everything here may live in settings.json: the password
 * never does (it is kept in VS Code's secret storage, keyed by `id`).
 */
export interface ConnectionProfile {
  /** Stable identifier; also the secret-storage key suffix. */
  id: string;
  /** Display name in the tree. */
  name: string;
  host: string;
  /** AMQP port (5672, or 5671 for amqps). */
  port: number;
  /** vhost used when the user does not pick one (AMQP URIs carry one). */
  vhost: string;
  username: string;
  /** amqps:// instead of amqp:// */
  tls: boolean;
  /** PEM file with the CA that signed the broker's certificate. */
  caFile?: string;
  /** Accept self-signed / unverifiable certificates (AMQP and management). */
  allowSelfSigned?: boolean;
  /**
   * Management API base URL, e.g. http://host:15672. When absent: http://host:15672 for plain
   * AMQP on 5672, https://host:15671 for AMQPS on 5671; any other port has no default and the
   * connection asks for it ("Set the management URL for this connection").
   */
  managementUrl?: string;
  /**
   * The cluster's other nodes, tried after host:port (see core/cluster.ts). In settings.json an
   * array of "host:port" strings or {host, port} objects, or one string "h1:5672, h2:5672".
   */
  hosts?: HostPort[];
  /** Try the nodes in a random order instead of as listed. */
  shuffleHosts?: boolean;
  /** One management URL per node (first = this profile's); derived from managementUrl when absent. */
  managementUrls?: string[];
}

/** A profile together with its secret, only ever held in memory. */
export interface Credentials {
  username: string;
  password: string;
}

export const DEFAULT_PROFILE: ConnectionProfile = Object.freeze({
  id: 'localhost',
  name: 'localhost',
  host: 'localhost',
  port: 5672,
  vhost: '/',
  username: 'guest',
  tls: false,
}) as ConnectionProfile;

export const DEFAULT_PASSWORD = 'guest';

/**
 * Validates profiles as read from settings.json (which users may edit by hand).
 * Invalid entries are dropped with a reason instead of breaking the whole tree.
 */
export function normalizeProfiles(raw: unknown): { profiles: ConnectionProfile[]; problems: string[] } {
  const profiles: ConnectionProfile[] = [];
  const problems: string[] = [];
  if (!Array.isArray(raw)) {
    return { profiles, problems: raw === undefined || raw === null ? [] : ['burrow.connections must be an array'] };
  }
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const where = `burrow.connections[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${where} is not an object`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const host = typeof e.host === 'string' ? e.host.trim() : '';
    if (!host) {
      problems.push(`${where} has no host`);
      return;
    }
    const badHost = hostProblem(host);
    if (badHost) {
      problems.push(`${where}: ${badHost}`);
      return;
    }
    const managementUrl = typeof e.managementUrl === 'string' ? e.managementUrl.trim() : '';
    const badManagementUrl = managementUrl ? managementUrlProblem(managementUrl) : undefined;
    if (badManagementUrl) {
      problems.push(`${where}: ${badManagementUrl}`);
      return;
    }
    const tls = e.tls === true;
    const port = e.port === undefined ? (tls ? 5671 : 5672) : Number(e.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`${where} has an invalid port`);
      return;
    }
    let id = typeof e.id === 'string' && e.id ? e.id : `${host}:${port}`;
    if (seen.has(id)) {
      problems.push(`${where} repeats id '${id}'; renamed`);
      let n = 2;
      while (seen.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    seen.add(id);
    const profile: ConnectionProfile = {
      id,
      name: typeof e.name === 'string' && e.name.trim() ? e.name.trim() : host,
      host,
      port,
      vhost: vhostOrDefault(typeof e.vhost === 'string' ? e.vhost : undefined),
      username: typeof e.username === 'string' && e.username ? e.username : 'guest',
      tls,
    };
    if (typeof e.caFile === 'string' && e.caFile) profile.caFile = e.caFile;
    if (e.allowSelfSigned === true) profile.allowSelfSigned = true;
    if (managementUrl) profile.managementUrl = managementUrl;
    if (e.hosts !== undefined) {
      try {
        const hosts = readHosts(e.hosts, port);
        if (hosts.length) profile.hosts = hosts;
      } catch (err) {
        problems.push(`${where}.hosts: ${(err as Error).message}`);
        return;
      }
    }
    if (e.shuffleHosts === true) profile.shuffleHosts = true;
    if (Array.isArray(e.managementUrls)) {
      const urls = e.managementUrls.filter((u): u is string => typeof u === 'string' && u.trim() !== '');
      const bad = urls.map((u) => managementUrlProblem(u.trim())).find((x) => x !== undefined);
      if (bad) {
        problems.push(`${where}.managementUrls: ${bad}`);
        return;
      }
      if (urls.length) profile.managementUrls = urls.map((u) => u.trim());
    }
    profiles.push(profile);
  });
  return { profiles, problems };
}

/** A new id that does not clash with existing ones, derived from a name. */
export function newProfileId(name: string, existing: Iterable<string>): string {
  const taken = new Set(existing);
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'connection';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** `hosts` as found in settings.json: "h1:1, h2:2", ["h1:1", "h2"], or [{host, port}]. */
function readHosts(raw: unknown, defaultPort: number): HostPort[] {
  if (typeof raw === 'string') return parseHostList(raw, defaultPort);
  if (!Array.isArray(raw)) throw new Error('expected a list of "host:port"');
  const out: HostPort[] = [];
  for (const item of raw) {
    if (typeof item === 'string') out.push(...parseHostList(item, defaultPort));
    else if (typeof item === 'object' && item !== null && typeof (item as HostPort).host === 'string') {
      const h = item as { host: string; port?: unknown };
      const port = h.port === undefined ? defaultPort : Number(h.port);
      out.push(...parseHostList(`${h.host.includes(':') ? `[${h.host}]` : h.host}:${port}`, defaultPort));
    } else throw new Error('expected a list of "host:port"');
  }
  return out;
}
