/**
 * The management API's HTTP transport: one keep-alive agent per client, Basic auth, a path
 * prefix, a per-request deadline, JSON in and out. The endpoints are in management.ts.
 *
 * Uses node:http / node:https directly (not global fetch) so that TLS options (`ca`,
 * `rejectUnauthorized`) work. Every failure is a BrokerError made by the one error translator
 * (describe.ts): messages never contain the password or the Authorization header.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { BrokerError } from './errors';
import { causeIfClean, httpError, toBrokerError, type ErrorContext } from './describe';

export interface ManagementClientOptions {
  /** e.g. http://127.0.0.1:15672 or https://host:15671/rabbitmq (a path prefix is honoured). */
  baseUrl: string;
  username: string;
  password: string;
  /** Extra CA certificate(s), PEM. */
  ca?: string | Buffer;
  /** false = accept self-signed / untrusted certificates. Default true. */
  rejectUnauthorized?: boolean;
  /** Per-request deadline (connect + response), default 10 000 ms. */
  timeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Parses a successful response's text instead of JSON.parse (e.g. to keep number literals). */
  parse?: (text: string) => unknown;
}

export function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** How much of an error response's body is read into memory (only its start is ever shown). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export class ManagementHttp {
  private readonly url: URL;
  private readonly prefix: string;
  private readonly isHttps: boolean;
  private readonly agent: http.Agent;
  private readonly authHeader: string;
  private readonly timeoutMs: number;
  private readonly hostPort: string;
  /** Where errors say they happened, and the secrets they must never contain. */
  private readonly errorContext: ErrorContext;
  private disposed = false;

  constructor(opts: ManagementClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch (e) {
      // The URL error's `input` holds the URL as typed, password included: attached only if clean.
      throw new BrokerError(
        'Invalid management URL',
        'management',
        'EINVALIDURL',
        undefined,
        causeIfClean(e, [opts.password]),
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BrokerError(
        `Invalid management URL protocol "${url.protocol}" (expected http: or https:)`,
        'management',
        'EINVALIDURL',
      );
    }
    this.url = url;
    this.isHttps = url.protocol === 'https:';
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.hostPort = `${url.hostname}:${url.port || (this.isHttps ? '443' : '80')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const credentials = Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64');
    this.authHeader = 'Basic ' + credentials;
    this.errorContext = {
      service: 'management',
      host: url.hostname,
      port: Number(url.port || (this.isHttps ? 443 : 80)),
      secrets: [opts.password, credentials],
    };
    this.agent = this.isHttps
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 16,
          ca: opts.ca,
          rejectUnauthorized: opts.rejectUnauthorized ?? true,
        })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  /** Destroys the keep-alive agent (open sockets). The client must not be used afterwards. */
  dispose(): void {
    this.disposed = true;
    this.agent.destroy();
  }

  /**
   * Generic request. `path` is relative to the API root, e.g. `/overview` or
   * apiPath('queues', vhost, name); segments must already be encoded.
   * Returns the parsed JSON body, or undefined for empty bodies (201/204).
   */
  request<T>(method: Method, path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    if (this.disposed) {
      return Promise.reject(new BrokerError('Management client has been disposed', 'management', 'EDISPOSED'));
    }
    const fullPath = `${this.prefix}/api${path}${buildQuery(options?.query)}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string | number> = {
      accept: 'application/json',
      authorization: this.authHeader,
      ...options?.headers,
    };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    // What we may show to the user: method and path, never headers.
    const what = `${method} ${path}`;
    const mod = this.isHttps ? https : http;

    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (err: BrokerError | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value as T);
      };

      const req = mod.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || undefined,
          method,
          path: fullPath,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          const failed = (res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300;
          let kept = 0;
          res.on('data', (c: Buffer) => {
            // An error body only feeds a short reason: a proxy echoing megabytes is not kept whole.
            if (failed && kept >= MAX_ERROR_BODY_BYTES) return;
            chunks.push(c);
            kept += c.length;
          });
          res.on('error', (e) => finish(toBrokerError(e, this.errorContext)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = undefined;
            let parsed = text.trim() === '';
            if (!parsed) {
              try {
                json = status >= 200 && status < 300 && options?.parse ? options.parse(text) : JSON.parse(text);
                parsed = true;
              } catch {
                /* not JSON */
              }
            }
            if (status >= 200 && status < 300 && parsed) finish(undefined, json as T);
            else
              finish(
                httpError({ status, statusMessage: res.statusMessage, body: text, request: what }, this.errorContext),
              );
          });
        },
      );

      const timer = setTimeout(() => {
        const err = new BrokerError(
          `Management API at ${this.hostPort} did not answer within ${this.timeoutMs} ms (${what})`,
          'network',
          'ETIMEDOUT',
        );
        finish(err);
        req.destroy(err);
      }, this.timeoutMs);

      req.on('error', (e) => finish(toBrokerError(e, this.errorContext)));
      if (payload) req.write(payload);
      req.end();
    });
  }
}
