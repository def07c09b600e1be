/**
 * AMQP URI handling, following the RabbitMQ URI specification
 * (https://www.rabbitmq.com/docs/uri-spec):
 *
 *   amqp_URI       = "amqp://" amqp_authority [ "/" vhost ] [ "?" query ]
 *   amqp_authority = [ amqp_userinfo "@" ] host [ ":" port ]
 *   amqp_userinfo  = username [ ":" password ]
 *   vhost          = segment
 *
 * Pure logic: no vscode, no network, no Node-only APIs (also usable in the webview).
 * Passwords never appear in thrown errors: messages quote the input through {@link redactUri}.
 */
import type { ConnectionProfile } from './profile';

/** Thrown for URIs that cannot be used. The message never contains the password. */
export class UriError extends Error {
  /** The offending URI with its password replaced by `***`. */
  readonly uri: string;

  constructor(message: string, redactedUri: string) {
    super(`${message} (in ${JSON.stringify(redactedUri)})`);
    this.name = 'UriError';
    this.uri = redactedUri;
  }
}

export type UriProfile = Omit<ConnectionProfile, 'id' | 'name'>;

export interface ParsedAmqpUri {
  profile: UriProfile;
  /**
   * The password from the URI. When the URI has no userinfo at all the
   * broker default guest/guest is assumed (password 'guest'); when it has a
   * user name but no ':password', this is undefined (ask the user / secret storage).
   */
  password: string | undefined;
  /** `?heartbeat=N` (seconds), when given. Not part of ConnectionProfile. */
  heartbeat?: number;
}

export const AMQP_PORT = 5672;
export const AMQPS_PORT = 5671;
export const MANAGEMENT_PORT = 15672;
export const MANAGEMENT_TLS_PORT = 15671;

/** The vhost every RabbitMQ node has, and the one an AMQP URI without a vhost means. */
export const DEFAULT_VHOST = '/';

/**
 * The vhost to use for what a URI, a form or settings.json gave: the empty string means the
 * default vhost "/" (RabbitMQ has no vhost named "", and clients read an empty path as "/").
 */
export function vhostOrDefault(vhost: string | undefined): string {
  return vhost === undefined || vhost === '' ? DEFAULT_VHOST : vhost;
}

const DEFAULT_USER = 'guest';
const DEFAULT_PASSWORD = 'guest';

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** The schemes of the URIs Burrow reads and writes (AMQP and the management API). */
const KNOWN_SCHEMES = new Set(['amqp', 'amqps', 'http', 'https']);

const USERINFO_HINT =
  "unescaped '@', '#', '?' or '/' in the user name, password or vhost; percent-encode them in the password (e.g. '@' as %40, '#' as %23, '?' as %3F, '/' as %2F)";

/** Heartbeat timeouts are an AMQP short (seconds): 0 (off) to 65535. */
export const MAX_HEARTBEAT_SECONDS = 65535;

/** Control characters (C0, DEL, C1) never belong in a host name. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHAR_RE = /[\u0000-\u001f\u007f-\u009f]/;

/** Validation message for a host name, or undefined when it is acceptable. */
export function hostProblem(host: string): string | undefined {
  if (host.trim() === '') return 'missing host';
  if (CONTROL_CHAR_RE.test(host)) return 'the host contains a control character (NUL, newline, ...)';
  return undefined;
}

/**
 * Parses an amqp:// or amqps:// URI.
 *
 * - vhost: no path (`amqp://host`) and an empty path (`amqp://host/`, `amqp://host:5673/`) both
 *   mean the default vhost "/", as amqplib, the Java and .NET clients and Pika do (the URI
 *   spec reads an empty segment as a vhost named "", which RabbitMQ cannot create, so such a
 *   connection could only ever fail). `%2F` decodes to "/"; `amqp://host//` (Celery and
 *   kombu's spelling of the default vhost) is "/" too. Any other raw '/' in the path is an error.
 * - userinfo, host and vhost are percent-decoded ('+' stays a plus sign).
 * - IPv6 hosts go in brackets (`amqp://[::1]:5673`); the profile stores them without.
 * - query: `heartbeat`, `cacertfile` (-> caFile), `verify=verify_none|verify_peer`
 *   (-> allowSelfSigned) are understood; other parameters are ignored.
 */
export function parseAmqpUri(uri: string): ParsedAmqpUri {
  const input = uri.trim();
  const fail: (message: string) => never = (message) => {
    throw new UriError(message, redactUri(input));
  };

  if (input === '') fail('empty URI; expected amqp://host or amqps://host');
  const schemeMatch = SCHEME_RE.exec(input);
  if (!schemeMatch) {
    const bare = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(input);
    if (bare && /^amqps?$/i.test(bare[1]!)) fail(`expected "${bare[1]!.toLowerCase()}://" followed by a host`);
    fail('not an AMQP URI; expected amqp://[user[:password]@]host[:port][/vhost]');
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  if (scheme !== 'amqp' && scheme !== 'amqps') {
    fail(`unsupported scheme "${scheme}:"; expected amqp:// or amqps://`);
  }
  const tls = scheme === 'amqps';
  const rest = input.slice(schemeMatch[0].length);

  const authorityEnd = firstIndexOfAny(rest, '/?#');
  const authority = rest.slice(0, authorityEnd);
  const afterAuthority = rest.slice(authorityEnd);
  // An '@' after the first '/', '?' or '#', or a second '@' in the authority, means a user name or
  // password (or vhost) with an unescaped '@', '#', '?' or '/'. Refused, never reinterpreted: reading
  // `amqp://app:my@pass#word@rabbit` as host "pass" would send the password's start to another host.
  if (afterAuthority.includes('@') || authority.indexOf('@') !== authority.lastIndexOf('@')) {
    fail(USERINFO_HINT);
  }

  // userinfo
  let username = DEFAULT_USER;
  let password: string | undefined = DEFAULT_PASSWORD;
  let hostPort = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    hostPort = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    username = decodeOrFail(rawUser, 'the user name', fail);
    password = colon >= 0 ? decodeOrFail(userinfo.slice(colon + 1), 'the password', fail) : undefined;
  }

  // host and port
  let rawHost: string;
  let rawPort: string | undefined;
  const bracketed = hostPort.startsWith('[');
  if (bracketed) {
    const close = hostPort.indexOf(']');
    if (close < 0) fail("unterminated IPv6 address: missing ']'");
    rawHost = hostPort.slice(1, close);
    const tail = hostPort.slice(close + 1);
    if (tail !== '') {
      if (!tail.startsWith(':')) fail("unexpected characters after the IPv6 address; expected ':port'");
      rawPort = tail.slice(1);
    }
    if (rawHost === '') fail('missing host');
    if (!rawHost.includes(':')) fail('brackets are only for IPv6 addresses');
  } else {
    const colon = hostPort.indexOf(':');
    if (colon >= 0) {
      if (hostPort.indexOf(':', colon + 1) >= 0)
        fail('IPv6 addresses must be written in brackets, e.g. amqp://[::1]:5672');
      rawHost = hostPort.slice(0, colon);
      rawPort = hostPort.slice(colon + 1);
    } else {
      rawHost = hostPort;
    }
  }
  const host = decodeOrFail(rawHost, 'the host', fail);
  if (host === '') fail('missing host');
  const badHost = hostProblem(host);
  if (badHost) fail(badHost);
  if (/[\s/?#@[\]]/.test(host) || (!bracketed && host.includes(':'))) fail('invalid character in the host');

  let port = tls ? AMQPS_PORT : AMQP_PORT;
  if (rawPort !== undefined && rawPort !== '') {
    if (!/^[0-9]+$/.test(rawPort)) fail(`invalid port "${rawPort}"; expected a number from 1 to 65535`);
    port = Number(rawPort);
    if (port < 1 || port > 65535) fail(`port ${rawPort} out of range; expected 1 to 65535`);
  }

  // path (vhost), query, fragment
  const hashAt = afterAuthority.indexOf('#');
  const beforeFragment = hashAt >= 0 ? afterAuthority.slice(0, hashAt) : afterAuthority;
  const queryAt = beforeFragment.indexOf('?');
  const path = queryAt >= 0 ? beforeFragment.slice(0, queryAt) : beforeFragment;
  const query = queryAt >= 0 ? beforeFragment.slice(queryAt + 1) : '';

  let vhost = DEFAULT_VHOST;
  const segment = path.slice(1); // path is '' or starts with '/'
  if (segment !== '' && segment !== '/') {
    if (segment.includes('/')) fail("the vhost must be a single path segment; write '/' inside a vhost name as %2F");
    vhost = vhostOrDefault(decodeOrFail(segment, 'the vhost', fail));
  }

  const profile: UriProfile = { host, port, vhost, username, tls };
  const result: ParsedAmqpUri = { profile, password };

  if (query !== '') {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeOrFail(eq >= 0 ? pair.slice(0, eq) : pair, 'a query parameter name', fail);
      const value = decodeOrFail(eq >= 0 ? pair.slice(eq + 1) : '', `the query parameter "${key}"`, fail);
      switch (key) {
        case 'heartbeat': {
          if (!/^[0-9]{1,5}$/.test(value) || Number(value) > MAX_HEARTBEAT_SECONDS)
            fail(`invalid heartbeat "${value}"; expected a whole number of seconds from 0 to ${MAX_HEARTBEAT_SECONDS}`);
          result.heartbeat = Number(value);
          break;
        }
        case 'cacertfile':
          if (value !== '') profile.caFile = value;
          break;
        case 'verify':
          if (value === 'verify_none') profile.allowSelfSigned = true;
          else if (value === 'verify_peer') profile.allowSelfSigned = false;
          else fail(`invalid verify "${value}"; expected verify_peer or verify_none`);
          break;
        default:
          // Other parameters (certfile, keyfile, auth_mechanism, frame_max, ...) are ignored.
          break;
      }
    }
  }
  return result;
}

/**
 * Builds an AMQP URI from a profile; `parseAmqpUri(formatAmqpUri(p, pw))` gives back
 * the same host, port, vhost, username, tls, caFile, allowSelfSigned and password (an empty
 * vhost comes back as "/", which it means).
 * The default port for the scheme is omitted; vhost "/" (and "", which means "/") is written as %2F.
 * `managementUrl` has no place in an AMQP URI and is not written.
 */
export function formatAmqpUri(profile: UriProfile, password?: string): string {
  try {
    const scheme = profile.tls ? 'amqps' : 'amqp';
    let out = `${scheme}://${encodeURIComponent(profile.username)}`;
    if (password !== undefined) out += `:${encodeURIComponent(password)}`;
    out += `@${formatHost(profile.host, true)}`;
    if (profile.port !== (profile.tls ? AMQPS_PORT : AMQP_PORT)) out += `:${profile.port}`;
    out += `/${encodeURIComponent(vhostOrDefault(profile.vhost))}`;
    const query: string[] = [];
    if (profile.caFile) query.push(`cacertfile=${encodeQueryValue(profile.caFile)}`);
    if (profile.allowSelfSigned !== undefined)
      query.push(`verify=${profile.allowSelfSigned ? 'verify_none' : 'verify_peer'}`);
    if (query.length > 0) out += `?${query.join('&')}`;
    return out;
  } catch {
    // encodeURIComponent throws on lone surrogates; never echo the password.
    throw new UriError('cannot write an AMQP URI: a field contains invalid Unicode', profileLabel(profile));
  }
}

/**
 * Replaces the password of a URI (amqp, amqps, http, https or anything with
 * `user:password@`) with `***`. URIs without a password come back unchanged.
 * Conservative on input that is not well formed (more than one '@', or an '@' after the first
 * '/', '?' or '#'): everything between `://` and the last '@' is hidden, user name included,
 * since where the password ends cannot be known.
 */
export function redactUri(uri: string): string {
  const schemeMatch = SCHEME_RE.exec(uri);
  // Not a scheme Burrow uses: "app://x@host" may be "app:PASSWORD@host" with a password that
  // starts with "//" (found by the fast-check test in test/unit/secrets.test.ts). Everything
  // between the first ':' and the last '@' is hidden.
  if (schemeMatch && !KNOWN_SCHEMES.has(schemeMatch[1].toLowerCase())) {
    const lastAt = uri.lastIndexOf('@');
    if (lastAt > schemeMatch[1].length) return `${schemeMatch[1]}:***${uri.slice(lastAt)}`;
  }
  const prefixLength = schemeMatch ? schemeMatch[0].length : 0;
  const rest = uri.slice(prefixLength);
  const at = rest.lastIndexOf('@');
  if (at < 0) return uri;
  const userinfo = rest.slice(0, at);
  const wellFormed = at < firstIndexOfAny(rest, '/?#') && !userinfo.includes('@');
  if (!wellFormed) return `${uri.slice(0, prefixLength)}***${rest.slice(at)}`;
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1) return uri; // no password, or an empty one
  return `${uri.slice(0, prefixLength)}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
}

/**
 * Validation message for a management URL, or undefined when it is acceptable: it must parse
 * and be http or https. The message never quotes the URL (it may carry a password).
 */
export function managementUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'the management URL is not a valid URL (e.g. http://localhost:15672)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return 'the management URL must be http:// or https:// (e.g. http://localhost:15672)';
  return undefined;
}

/**
 * Thrown when a profile has no management URL and its AMQP port says nothing about where the
 * management API listens. Burrow does not guess: a guess (e.g. :15672 for a broker on 5673)
 * can reach another broker on the same host.
 */
export class ManagementUrlMissingError extends Error {
  /** Why there is no default, e.g. "AMQP port 5673 is not a standard port". */
  readonly reason: string;
  constructor(
    readonly port: number,
    readonly tls: boolean,
    readonly example: string,
  ) {
    super(
      `Set the management URL for this connection: ${portProblem(port, tls)}, so Burrow does not guess where the management API is (e.g. ${example})`,
    );
    this.reason = portProblem(port, tls);
    this.name = 'ManagementUrlMissingError';
  }
}

export type ManagementUrlFields = Pick<ConnectionProfile, 'host' | 'port' | 'tls' | 'managementUrl'>;

/**
 * The management URL that goes with the AMQP port by RabbitMQ's convention: plain AMQP on 5672
 * → http://host:15672, AMQPS on 5671 → https://host:15671. Undefined for any other port (or a
 * TLS flag that does not match the port): there is no convention to follow.
 */
export function defaultManagementUrl(profile: Pick<ConnectionProfile, 'host' | 'port' | 'tls'>): string | undefined {
  if (profile.port === AMQP_PORT && !profile.tls) return `http://${formatHost(profile.host, false)}:${MANAGEMENT_PORT}`;
  if (profile.port === AMQPS_PORT && profile.tls)
    return `https://${formatHost(profile.host, false)}:${MANAGEMENT_TLS_PORT}`;
  return undefined;
}

/** A plausible management URL to show as an example for a non-standard port (never used unasked). */
export function exampleManagementUrl(profile: Pick<ConnectionProfile, 'host' | 'port' | 'tls'>): string {
  const port =
    profile.port + 10000 <= 65535 ? profile.port + 10000 : profile.tls ? MANAGEMENT_TLS_PORT : MANAGEMENT_PORT;
  return `${profile.tls ? 'https' : 'http'}://${formatHost(profile.host, false)}:${port}`;
}

/**
 * The prompt of the management URL field: says where the default comes from, or, for a
 * non-standard port, that the user must enter it (with an example).
 */
export function managementUrlPrompt(profile: Pick<ConnectionProfile, 'host' | 'port' | 'tls'>): string {
  if (defaultManagementUrl(profile) !== undefined) {
    return `Management API URL (the default goes with AMQP port ${profile.port}; change it if the management plugin listens elsewhere)`;
  }
  return `${portProblem(profile.port, profile.tls)}: enter the management URL, e.g. ${exampleManagementUrl(profile)}`;
}

function portProblem(port: number, tls: boolean): string {
  if (port === AMQP_PORT || port === AMQPS_PORT)
    return `AMQP port ${port} with TLS ${tls ? 'on' : 'off'} is not a standard pair`;
  return `AMQP port ${port} is not a standard port`;
}

/** How a connection form presents the management URL field for a draft profile. */
export interface ManagementUrlField {
  /** Prefilled value: the conventional default for the AMQP port, or '' when there is none. */
  value: string;
  prompt: string;
  /** No default exists, so an empty answer cannot be accepted. */
  required: boolean;
  /** A plausible URL to show as a placeholder when there is no default. */
  example?: string;
}

export function managementUrlField(
  profile: Pick<ConnectionProfile, 'host' | 'port' | 'tls' | 'managementUrl'>,
): ManagementUrlField {
  const fallback = defaultManagementUrl(profile);
  const field: ManagementUrlField = {
    value: profile.managementUrl?.trim() || fallback || '',
    prompt: managementUrlPrompt(profile),
    required: fallback === undefined,
  };
  if (field.required) field.example = exampleManagementUrl(profile);
  return field;
}

/** Validation message for the management URL field, or undefined when the input is acceptable. */
export function checkManagementUrlInput(text: string, required: boolean): string | undefined {
  const t = text.trim();
  if (!t) return required ? 'Required: this AMQP port has no standard management port' : undefined;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return 'Not a valid URL (e.g. http://localhost:15672)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use an http:// or https:// URL';
  if (u.password) return 'Do not put a password in the URL; Burrow uses the connection password';
  return undefined;
}

/**
 * What to store as `managementUrl` for what the user entered: nothing when it is empty or
 * equals the default for the AMQP port (so the default follows later host/port changes),
 * else the URL itself.
 */
export function managementUrlToStore(
  profile: Pick<ConnectionProfile, 'host' | 'port' | 'tls'>,
  entered: string,
): string | undefined {
  const t = entered.trim().replace(/\/+$/, '');
  if (!t) return undefined;
  return t === defaultManagementUrl(profile) ? undefined : t;
}

/**
 * Where the management API of a profile is: its explicit `managementUrl` (trailing slashes
 * removed), else the conventional default for its AMQP port, else a problem to show the user.
 */
export function resolveManagementUrl(
  profile: ManagementUrlFields,
):
  | { url: string; derived: boolean; problem?: undefined }
  | { url?: undefined; derived?: undefined; problem: ManagementUrlMissingError } {
  const explicit = profile.managementUrl?.trim();
  if (explicit) return { url: explicit.replace(/\/+$/, ''), derived: false };
  const url = defaultManagementUrl(profile);
  if (url !== undefined) return { url, derived: true };
  return { problem: new ManagementUrlMissingError(profile.port, profile.tls, exampleManagementUrl(profile)) };
}

/**
 * Base URL of the management HTTP API: `profile.managementUrl` (trailing slashes removed) when
 * set, otherwise the default for the AMQP port ({@link defaultManagementUrl}).
 * @throws ManagementUrlMissingError when neither exists ("Set the management URL for this connection…").
 */
export function deriveManagementUrl(profile: ManagementUrlFields): string {
  const r = resolveManagementUrl(profile);
  if (r.problem) throw r.problem;
  return r.url;
}

/** Short human label such as `guest@localhost:5672/` or `app@[::1]:5671/orders`. Never shows a password. */
export function profileLabel(profile: Pick<ConnectionProfile, 'username' | 'host' | 'port' | 'vhost'>): string {
  const vhost = vhostOrDefault(profile.vhost);
  return `${profile.username}@${formatHost(profile.host, false)}:${profile.port}${vhost === '/' ? '/' : `/${vhost}`}`;
}

// ---------------------------------------------------------------------------

function firstIndexOfAny(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) {
    if (chars.includes(s[i]!)) return i;
  }
  return s.length;
}

function decodeOrFail(raw: string, what: string, fail: (message: string) => never): string {
  // decodeURIComponent accepts '%' only before two hex digits and throws on
  // sequences that are not UTF-8; both are reported without echoing the text.
  try {
    return decodeURIComponent(raw);
  } catch {
    return fail(`malformed percent-encoding in ${what}`);
  }
}

/** IPv6 literals get brackets; `encode` percent-encodes characters that would break a URI. */
function formatHost(host: string, encode: boolean): string {
  if (host.includes(':')) {
    const inner = encode ? host.replace(/%/g, '%25') : host;
    return `[${inner}]`;
  }
  return encode ? encodeURIComponent(host) : host;
}

function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}
