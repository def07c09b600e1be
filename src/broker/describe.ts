/**
 * Translates whatever amqplib / node:net / node:tls throw into a BrokerError with
 * a clear, credential-free message. Pure: no I/O, no 'vscode'.
 */
import { BrokerError } from './errors';

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
}

/** Secrets shorter than this are not redacted (a 1–2 character "secret" would shred every message). */
const MIN_SECRET_LENGTH = 3;

/**
 * Removes credentials from free text: every occurrence of each secret, the password part of
 * `scheme://user:pass@host` URIs and `password=...` style pairs.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const sorted = secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  // amqp://user:pass@host, https://user:pass@host ...
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s@/]*)@/gi, '$1$2:***@');
  // password=..., "password":"..."
  out = out.replace(/(\b(?:password|passwd|pwd|pass)\b["']?\s*[:=]\s*["']?)([^\s"'&,;}]+)/gi, '$1***');
  return out;
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

const SELF_SIGNED_HINT = 'set a CA file for this connection, or allow self-signed certificates';
const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: `the server certificate is self-signed; ${SELF_SIGNED_HINT}`,
  SELF_SIGNED_CERT_IN_CHAIN: `the certificate chain contains a self-signed certificate; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `the server certificate cannot be verified; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT: `the issuer of the server certificate is unknown; ${SELF_SIGNED_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `the issuer of the server certificate is unknown; ${SELF_SIGNED_HINT}`,
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not yet valid (check the clocks)',
  CERT_UNTRUSTED: `the server certificate is not trusted; ${SELF_SIGNED_HINT}`,
  CERT_SIGNATURE_FAILURE: 'the server certificate signature is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: "the server certificate does not match the host name (connect using a name listed in the certificate)",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer with TLS: this port probably expects plain AMQP (TLS is usually on 5671), or disable TLS for this connection',
  EPROTO: 'TLS protocol error: the port may not speak TLS, or no common TLS version/cipher',
};

/** What a TLS error code means for the user and what to do about it (e.g. a certificate that cannot be verified), if known. */
export function tlsHint(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(TLS_CODES, code) ? TLS_CODES[code] : undefined;
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
  if (ctx.host === undefined) return 'the broker';
  return ctx.port === undefined ? ctx.host : `${ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host}:${ctx.port}`;
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

export function toBrokerError(err: unknown, context: ErrorContext = {}): BrokerError {
  if (err instanceof BrokerError) return err;
  const secrets = context.secrets ?? [];
  const clean = (s: string) => redactSecrets(s, secrets);
  const raw = rawMessage(err);
  const rawClean = clean(raw);
  // Keep the original error as `cause` only if it carries nothing to redact.
  const options = rawClean === raw ? { cause: err } : undefined;
  const make = (message: string, source: ConstructorParameters<typeof BrokerError>[1], code?: number | string, replyText?: string) =>
    new BrokerError(clean(message), source, code, replyText === undefined ? undefined : clean(replyText), options);
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
    return make(`AMQP connection to ${where(context)} refused during handshake: ${short}${replyCode ? ` (AMQP ${replyCode})` : ''}`, 'amqp', replyCode, replyText);
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
  if (typeof code === 'string' && (TLS_CODES[code] || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
    const hint = TLS_CODES[code] ?? 'TLS handshake failed';
    return make(`${prefix}TLS error connecting to ${where(context)}: ${hint} (${code}: ${raw.split('\n')[0]})`, 'tls', code);
  }
  if (typeof err === 'object' && err !== null && (err as { library?: unknown }).library === 'SSL routines') {
    return make(`${prefix}TLS error connecting to ${where(context)}: ${raw.split('\n')[0]}`, 'tls', typeof code === 'string' ? code : undefined);
  }

  // --- network --------------------------------------------------------------------------
  if (typeof code === 'string' && NETWORK_CODES[code]) {
    return make(`${prefix}Cannot reach ${where(context)}: ${NETWORK_CODES[code]} (${code})`, 'network', code);
  }
  if (/\bETIMEDOUT\b/.test(raw)) {
    return make(`${prefix}Cannot reach ${where(context)}: ${NETWORK_CODES.ETIMEDOUT} (ETIMEDOUT)`, 'network', 'ETIMEDOUT');
  }
  if (raw === 'Heartbeat timeout') {
    return make(`${prefix}Connection to ${where(context)} lost: no heartbeat from the broker`, 'network', 'HEARTBEAT_TIMEOUT');
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
    return make(`${prefix}${isChannel ? 'AMQP channel is closed' : 'AMQP connection is closed'} (${raw})`, 'amqp', isChannel ? 'CHANNEL_CLOSED' : 'CONNECTION_CLOSED');
  }

  if (typeof code === 'number' && AMQP_CONSTANTS[code]) {
    return make(`${prefix}${raw} (AMQP ${code})`, 'amqp', code);
  }
  return make(`${prefix}${raw}`, 'amqp', typeof code === 'string' || typeof code === 'number' ? code : undefined);
}
