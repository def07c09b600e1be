/**
 * One error type for everything that talks to a broker, so the UI can show
 * "where" (AMQP / management / network / TLS) and the broker's own reply code and text.
 * Messages never contain passwords or credential-bearing URIs.
 */
import { redactSecrets } from '../core/redact';

export type ErrorSource = 'amqp' | 'management' | 'network' | 'tls' | 'auth';

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    message: string,
    readonly source: ErrorSource,
    /** AMQP reply code (404, 406, 403…), HTTP status (401, 404…) or a Node error code (ECONNREFUSED…). */
    readonly code?: number | string,
    /** The broker's reply text, verbatim (e.g. "NOT_FOUND - no queue 'x' in vhost '/'"). */
    readonly replyText?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SOURCE_LABEL: Record<ErrorSource, string> = {
  amqp: 'AMQP',
  management: 'Management API',
  network: 'Network',
  tls: 'TLS',
  auth: 'Authentication',
};

/**
 * One line for notifications, log lines and tree error nodes: where it failed, the code, the
 * broker's text. Scrubbed (redactSecrets: credentials in URIs, Authorization values,
 * `password=` pairs) whatever the error is: a BrokerError is clean already, but an error from
 * elsewhere (a library, a URL parser, a webview) may not be.
 */
export function describeForUser(err: unknown): string {
  if (err instanceof BrokerError) {
    const code = err.code !== undefined && !err.message.includes(String(err.code)) ? ` (${err.code})` : '';
    return redactSecrets(`${SOURCE_LABEL[err.source]}: ${err.message}${code}`);
  }
  if (err instanceof Error) return redactSecrets(err.message);
  let text: string;
  try {
    text = String(err);
  } catch {
    text = 'Unknown error';
  }
  return redactSecrets(text);
}
