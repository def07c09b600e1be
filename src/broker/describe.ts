/**
 * Burrow's one error translator: whatever amqplib, node:net / node:tls and the management API
 * (HTTP statuses, node:http errors) produce becomes a BrokerError with a clear message (the
 * broker's reply code and text, what a TLS certificate code means and what to do, which service
 * could not be reached and why). Every text goes through one scrubber (redactSecrets): no
 * password, credential-bearing URI or Authorization header ends up in a message, a reply text or
 * an attached cause. Used by the AMQP side (amqp.ts, peek, publish, rpc, tail) and by the
 * management client alike. Pure: no I/O, no 'vscode'.
 */
import * as http from 'node:http';
import { redactSecrets } from '../core/redact';
import { BrokerError } from './errors';

export { redactSecrets };

export interface ErrorContext {
  host?: string;
  port?: number;
  /** What was being attempted, e.g. "check queue 'orders'" or "connect". */
  what?: string;
  /** vhost involved, used in connection-refused (530) messages. */
  vhost?: string;
  /** User name, used in login-refused messages (never the password). */
  username?: string;
  /** Strings that must never appear in the message (passwords, tokens). */
  secrets?: string[];
  /**
   * Which service was being talked to: the AMQP port (default) or the management HTTP API. It is
   * named in network and TLS messages, and its own hints apply (a refused management port is
   * usually a disabled management plugin; a non-TLS answer an https URL on a plain http port).
   */
  service?: 'amqp' | 'management';
}

/** How deep, and how many fields per object, are looked into for secrets before an error is attached as a cause. */
const MAX_CAUSE_DEPTH = 4;
const MAX_CAUSE_FIELDS = 64;

/** True if a secret may be reachable from value; too deep or too wide to check counts as yes. */
function carriesSecret(value: unknown, clean: (s: string) => string, depth: number, seen: Set<object>): boolean {
  if (typeof value === 'string') return clean(value) !== value;
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value)) return false;
  const keys = Object.keys(value);
  if (depth > MAX_CAUSE_DEPTH || keys.length > MAX_CAUSE_FIELDS) return true;
  seen.add(value);
  // message and stack are not enumerable on Error objects; input (ERR_INVALID_URL), path, url, … are.
  const fields: unknown[] = [
    (value as { message?: unknown }).message,
    (value as { stack?: unknown }).stack,
    (value as { cause?: unknown }).cause,
  ];
  if (Array.isArray((value as { errors?: unknown }).errors)) fields.push(...(value as { errors: unknown[] }).errors);
  for (const key of keys) fields.push((value as Record<string, unknown>)[key]);
  return fields.some((f) => carriesSecret(f, clean, depth + 1, seen));
}

/**
 * `{ cause: err }` when nothing reachable from err (its message, string fields such as a URL
 * error's `input`, nested causes) needs redaction; otherwise `{}`: the original error is dropped
 * rather than carrying a password along (loggers print causes).
 */
export function causeIfClean(err: unknown, secrets: readonly string[] = []): { cause?: unknown } {
  if (err === undefined) return {};
  return carriesSecret(err, (s) => redactSecrets(s, secrets), 0, new Set()) ? {} : { cause: err };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is RabbitMQ running and listening on this port?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'temporary DNS failure',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
  ECONNABORTED: 'connection aborted',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  EPIPE: 'connection closed while writing (broken pipe)',
  EADDRNOTAVAIL: 'address not available',
};

/** Where the management API's own hints differ from the AMQP ones. */
const MANAGEMENT_NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the management plugin enabled, and is this its port?)',
};

const SELF_SIGNED_HINT = 'set a CA file for this connection, or allow self-signed certificates';
const HOST_MISMATCH_HINT =
  'the server certificate does not match the host name (connect using a name listed in the certificate)';
const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: `the server certificate is self-signed; ${SELF_SIGNED_HINT}`,
  SELF_SIGNED_CERT_IN_CHAIN: `the certificate chain contains a self-signed certificate; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `the server certificate cannot be verified; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT: `the issuer of the server certificate is unknown; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `the issuer of the server certificate is unknown; ${SELF_SIGNED_HINT}`,
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not yet valid (check the clocks)',
  CERT_UNTRUSTED: `the server certificate is not trusted; ${SELF_SIGNED_HINT}`,
  CERT_REJECTED: 'the server certificate was rejected',
  CERT_SIGNATURE_FAILURE: 'the server certificate signature is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: HOST_MISMATCH_HINT,
  HOSTNAME_MISMATCH: HOST_MISMATCH_HINT,
  EPROTO: 'TLS protocol error: the port may not speak TLS, or no common TLS version/cipher',
};

/** The server answered a TLS ClientHello with something else: a plain AMQP or HTTP port. */
const NOT_TLS_HINT = {
  amqp: 'the server did not answer with TLS: this port probably expects plain AMQP (TLS is usually on 5671), or disable TLS for this connection',
  management: 'the server did not answer with TLS: is this an https URL pointing at a plain http port?',
} as const;

function has(table: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** A Node / OpenSSL error code that means a TLS or certificate problem. */
export function isTlsErrorCode(code: string | undefined): boolean {
  if (!code) return false;
  return has(TLS_CODES, code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT');
}

const AMQP_CONSTANTS: Record<number, string> = {
  200: 'REPLY_SUCCESS',
  311: 'CONTENT_TOO_LARGE',
  312: 'NO_ROUTE',
  313: 'NO_CONSUMERS',
  320: 'CONNECTION_FORCED',
  402: 'INVALID_PATH',
  403: 'ACCESS_REFUSED',
  404: 'NOT_FOUND',
  405: 'RESOURCE_LOCKED',
  406: 'PRECONDITION_FAILED',
  501: 'FRAME_ERROR',
  502: 'SYNTAX_ERROR',
  503: 'COMMAND_INVALID',
  504: 'CHANNEL_ERROR',
  505: 'UNEXPECTED_FRAME',
  506: 'RESOURCE_ERROR',
  530: 'NOT_ALLOWED',
  540: 'NOT_IMPLEMENTED',
  541: 'INTERNAL_ERROR',
};

/** `404 (NOT-FOUND) with message "NOT_FOUND - no queue 'q' in vhost '/'"` as amqplib formats close frames. */
const CLOSE_RE = /(\d{3}) \(([A-Z-]+|undefined)\) with message "([\s\S]*)"\s*$/;

function where(ctx: ErrorContext): string {
  const host = ctx.host?.replace(/^\[|\]$/g, '');
  const hostPort =
    host === undefined
      ? 'the broker'
      : ctx.port === undefined
        ? host
        : `${host.includes(':') ? `[${host}]` : host}:${ctx.port}`;
  return ctx.service === 'management' ? `the management API at ${hostPort}` : hostPort;
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function rawMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  try {
    return String(err);
  } catch {
    return 'Unknown error';
  }
}

/** Node's happy-eyeballs connect reports an AggregateError (localhost -> ::1 and 127.0.0.1): its first error says why. */
function unwrapAggregate(err: unknown): unknown {
  const errors = typeof err === 'object' && err !== null ? (err as { errors?: unknown }).errors : undefined;
  return errorCode(err) === undefined && Array.isArray(errors) && errors.length > 0 ? errors[0] : err;
}

/**
 * Translates anything thrown while talking to a broker (amqplib errors and close frames, Node
 * network and TLS errors, over AMQP or to the management API: see ErrorContext.service) into a
 * BrokerError. A BrokerError passes through unchanged.
 */
export function toBrokerError(thrown: unknown, context: ErrorContext = {}): BrokerError {
  if (thrown instanceof BrokerError) return thrown;
  const err = unwrapAggregate(thrown);
  const secrets = context.secrets ?? [];
  const clean = (s: string) => redactSecrets(s, secrets);
  const raw = rawMessage(err);
  // The original error rides along as `cause` only if nothing in it needs redaction.
  const options = causeIfClean(thrown, secrets);
  const service = context.service ?? 'amqp';
  const make = (
    message: string,
    source: ConstructorParameters<typeof BrokerError>[1],
    code?: number | string,
    replyText?: string,
  ) => new BrokerError(clean(message), source, code, replyText === undefined ? undefined : clean(replyText), options);
  const code = errorCode(err);
  const prefix = context.what ? `${context.what} failed: ` : '';
  const user = context.username !== undefined ? ` for user '${context.username}'` : '';

  // --- AMQP handshake refused (wrong user/password) -------------------------------------
  const handshake = /^Handshake terminated by server: /.exec(raw);
  if (handshake) {
    const m = CLOSE_RE.exec(raw);
    const replyCode = m ? Number(m[1]) : undefined;
    const replyText = m ? m[3] : raw.slice(handshake[0].length);
    const short = replyText.replace(/\.?\s*For details see the broker logfile\.?$/, '');
    if (replyCode === 403 || /ACCESS_REFUSED/.test(replyText)) {
      return make(`AMQP login refused${user}: ${short}`, 'auth', 403, replyText);
    }
    return make(
      `AMQP connection to ${where(context)} refused during handshake: ${short}${replyCode ? ` (AMQP ${replyCode})` : ''}`,
      'amqp',
      replyCode,
      replyText,
    );
  }

  // --- vhost missing or not permitted: amqplib only says "Expected ConnectionOpenOk; got <ConnectionClose channel:0>"
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(raw)) {
    const vhost = context.vhost !== undefined ? ` '${context.vhost}'` : '';
    return make(
      `AMQP server ${where(context)} refused to open vhost${vhost}${user} (530 NOT_ALLOWED): the vhost does not exist or the user has no permissions on it`,
      'auth',
      530,
      'NOT_ALLOWED',
    );
  }

  // --- AMQP channel / connection closed by the server (err.code is the reply code) -----
  const close = CLOSE_RE.exec(raw);
  if (close && (typeof code === 'number' || typeof code === 'undefined')) {
    const replyCode = typeof code === 'number' ? code : Number(close[1]);
    const replyText = close[3];
    let lead: string;
    if (context.what) lead = prefix;
    else if (/^Connection closed/.test(raw)) lead = `AMQP connection to ${where(context)} closed by the broker: `;
    else if (/^Operation failed: (\w+);/.test(raw)) lead = `AMQP ${/^Operation failed: (\w+);/.exec(raw)![1]} failed: `;
    else lead = 'AMQP channel closed by the broker: ';
    const source = replyCode === 403 && /^Connection closed/.test(raw) ? 'auth' : 'amqp';
    return make(`${lead}${replyText} (AMQP ${replyCode})`, source, replyCode, replyText);
  }

  // --- TLS ----------------------------------------------------------------------------
  // Scrubbed before it is cut: a password with a line break would otherwise leave its first line behind.
  const firstLine = clean(raw).split('\n')[0]!.trim();
  const library = typeof err === 'object' && err !== null ? (err as { library?: unknown }).library : undefined;
  if ((typeof code === 'string' && (isTlsErrorCode(code) || code === 'EPROTO')) || library === 'SSL routines') {
    const tlsCode = typeof code === 'string' ? code : undefined;
    // A known code says what is wrong and what to do; OpenSSL's own line stays in replyText.
    const hint =
      tlsCode === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      /wrong version number|packet length too long|http request/i.test(raw)
        ? NOT_TLS_HINT[service]
        : tlsCode !== undefined && has(TLS_CODES, tlsCode)
          ? TLS_CODES[tlsCode]
          : undefined;
    const detail =
      hint !== undefined
        ? `${hint}${tlsCode !== undefined ? ` (${tlsCode})` : ''}`
        : `TLS handshake failed (${tlsCode !== undefined ? `${tlsCode}: ` : ''}${firstLine})`;
    return make(`${prefix}TLS error connecting to ${where(context)}: ${detail}`, 'tls', tlsCode, firstLine);
  }

  // --- network --------------------------------------------------------------------------
  if (typeof code === 'string' && has(NETWORK_CODES, code)) {
    const hint =
      service === 'management' && has(MANAGEMENT_NETWORK_CODES, code)
        ? MANAGEMENT_NETWORK_CODES[code]
        : NETWORK_CODES[code];
    return make(`${prefix}Cannot reach ${where(context)}: ${hint} (${code})`, 'network', code, firstLine);
  }
  if (/\bETIMEDOUT\b/.test(raw)) {
    return make(
      `${prefix}Cannot reach ${where(context)}: ${NETWORK_CODES.ETIMEDOUT} (ETIMEDOUT)`,
      'network',
      'ETIMEDOUT',
    );
  }
  if (service === 'management') {
    // Anything else node:http reports (socket hang up, a malformed response…) is a network problem, not AMQP.
    return make(
      `${prefix}Network error talking to ${where(context)}: ${firstLine}`,
      'network',
      typeof code === 'string' ? code : 'EUNKNOWN',
      firstLine,
    );
  }
  if (raw === 'Heartbeat timeout') {
    return make(
      `${prefix}Connection to ${where(context)} lost: no heartbeat from the broker`,
      'network',
      'HEARTBEAT_TIMEOUT',
    );
  }
  if (raw === 'Unexpected close') {
    return make(`${prefix}Connection to ${where(context)} lost unexpectedly`, 'network', 'CONNECTION_LOST');
  }
  if (/Socket closed abruptly during opening handshake/.test(raw)) {
    return make(
      `${prefix}${where(context)} closed the connection during the AMQP handshake (does this port expect TLS, or is it not an AMQP port?)`,
      'network',
      'HANDSHAKE_ABORTED',
    );
  }

  // --- amqplib state errors (operation on a closed channel/connection) --------------------
  if (err instanceof Error && err.name === 'IllegalOperationError') {
    const isChannel = /^Channel (closed|ended)/.test(raw);
    return make(
      `${prefix}${isChannel ? 'AMQP channel is closed' : 'AMQP connection is closed'} (${raw})`,
      'amqp',
      isChannel ? 'CHANNEL_CLOSED' : 'CONNECTION_CLOSED',
    );
  }

  if (typeof code === 'number' && AMQP_CONSTANTS[code]) {
    return make(`${prefix}${raw} (AMQP ${code})`, 'amqp', code);
  }
  return make(`${prefix}${raw}`, 'amqp', typeof code === 'string' || typeof code === 'number' ? code : undefined);
}

/** A management API answer that is not a success: an error status, or a 2xx whose body is not JSON. */
export interface HttpFailure {
  status: number;
  statusMessage?: string;
  /** The response body as text. */
  body: string;
  /** What was asked: method and API path, e.g. "GET /overview" (never headers). */
  request: string;
}

/** How much of an error body's reason an error message shows (a proxy may echo a megabyte). */
export const MAX_REASON_CHARS = 300;

/** Cuts an already scrubbed text to MAX_REASON_CHARS, saying how much was left out. */
function cutReason(text: string): string {
  if (text.length <= MAX_REASON_CHARS) return text;
  // Never leave half a surrogate pair at the cut.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_REASON_CHARS - 1]!) ? MAX_REASON_CHARS - 1 : MAX_REASON_CHARS;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/**
 * The broker's reason from an error body: `{"error":"…","reason":"…"}`, or the start of a non-JSON
 * body; scrubbed whole before it is cut (a cut first could split a secret and leave its first half
 * behind), and cut to MAX_REASON_CHARS.
 */
function httpReason(body: string, clean: (s: string) => string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return cutReason(clean(text).trim());
  }
  if (json && typeof json === 'object') {
    const j = json as { reason?: unknown; error?: unknown };
    if (typeof j.reason === 'string' && j.reason !== '') return cutReason(clean(j.reason));
    if (typeof j.error === 'string' && j.error !== '') return cutReason(clean(j.error));
  }
  return undefined;
}

/** Translates a failed management API call (see HttpFailure) into a BrokerError; context names the API's host and secrets. */
export function httpError(res: HttpFailure, context: ErrorContext = {}): BrokerError {
  const clean = (s: string) => redactSecrets(s, context.secrets ?? []);
  const { status, request } = res;
  if (status >= 200 && status < 300) {
    return new BrokerError(
      clean(
        `Management API ${request} returned a non-JSON response (${status}); is ${where({ ...context, service: 'amqp' })} really the management port?`,
      ),
      'management',
      status,
    );
  }
  const reason = httpReason(res.body, clean);
  // The status line is the server's (or a proxy's) text too: scrubbed and cut like a body.
  const statusText = cutReason(clean(res.statusMessage || http.STATUS_CODES[status] || ''));
  if (status === 401) {
    return new BrokerError(
      clean(`Management API login failed (401 ${statusText || 'Unauthorized'}): ${reason ?? 'Login failed'}`),
      'auth',
      401,
      reason,
    );
  }
  return new BrokerError(
    clean(`Management API ${request} failed (${status} ${statusText})${reason ? `: ${reason}` : ''}`),
    'management',
    status,
    reason,
  );
}
