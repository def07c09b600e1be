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
  /**
   * The management URLs of the cluster's other nodes. A request that cannot reach a node
   * (connection refused/reset, timeout) or that a node answers with 5xx goes to the next one
   * (for POST only when the request never reached the node); the node that answered is used first
   * from then on.
   */
  fallbackUrls?: string[];
}

interface Target {
  url: URL;
  prefix: string;
  isHttps: boolean;
  agent: http.Agent;
  hostPort: string;
  errorContext: ErrorContext;
}

/** Network errors for which the request never got to the node. */
const UNREACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Network errors after which another node may answer. */
const NODE_DOWN = new Set([...UNREACHED, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'socket hang up']);

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
  private readonly targets: Target[];
  /** Index of the node that answered last. */
  private current = 0;
  private readonly authHeader: string;
  private readonly timeoutMs: number;
  private disposed = false;

  constructor(opts: ManagementClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const credentials = Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64');
    this.authHeader = 'Basic ' + credentials;
    const secrets = [opts.password, credentials];
    this.targets = [opts.baseUrl, ...(opts.fallbackUrls ?? [])].map((u) => makeTarget(u, opts, secrets));
  }

  /** The management URL of the node that answered last (the first one until a failover). */
  get currentUrl(): string {
    const t = this.targets[this.current]!;
    return `${t.url.protocol}//${t.url.host}${t.prefix}`;
  }

  /** Destroys the keep-alive agent (open sockets). The client must not be used afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const t of this.targets) t.agent.destroy();
  }

  /**
   * Generic request. `path` is relative to the API root, e.g. `/overview` or
   * apiPath('queues', vhost, name); segments must already be encoded.
   * Returns the parsed JSON body, or undefined for empty bodies (201/204).
   */
  async request<T>(method: Method, path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    if (this.disposed) {
      throw new BrokerError('Management client has been disposed', 'management', 'EDISPOSED');
    }
    const n = this.targets.length;
    const first = this.current;
    let firstError: BrokerError | undefined;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % n;
      try {
        const value = await this.requestOn<T>(this.targets[i]!, method, path, body, options);
        this.current = i;
        return value;
      } catch (err) {
        const error = err as BrokerError;
        firstError ??= error;
        if (k === n - 1 || !this.failsOver(method, error)) {
          if (k === 0) throw error;
          throw new BrokerError(
            `${error.message} (no management node answered; first: ${firstError.message})`,
            error.source,
            error.code,
            error.replyText,
            { cause: error },
          );
        }
      }
    }
    /* c8 ignore next */
    throw firstError ?? new BrokerError('no management URL', 'management');
  }

  private failsOver(method: Method, err: BrokerError): boolean {
    if (this.targets.length < 2) return false;
    const code = err.code;
    if (typeof code === 'number') return code >= 500 && method !== 'POST';
    if (typeof code !== 'string') return false;
    return method === 'POST' ? UNREACHED.has(code) : NODE_DOWN.has(code);
  }

  private requestOn<T>(
    target: Target,
    method: Method,
    path: string,
    body: unknown,
    options: RequestOptions | undefined,
  ): Promise<T> {
    const fullPath = `${target.prefix}/api${path}${buildQuery(options?.query)}`;
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
    const mod = target.isHttps ? https : http;

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
          protocol: target.url.protocol,
          hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
          port: target.url.port || undefined,
          method,
          path: fullPath,
          headers,
          agent: target.agent,
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
          res.on('error', (e) => finish(toBrokerError(e, target.errorContext)));
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
                httpError({ status, statusMessage: res.statusMessage, body: text, request: what }, target.errorContext),
              );
          });
        },
      );

      const timer = setTimeout(() => {
        const err = new BrokerError(
          `Management API at ${target.hostPort} did not answer within ${this.timeoutMs} ms (${what})`,
          'network',
          'ETIMEDOUT',
        );
        finish(err);
        req.destroy(err);
      }, this.timeoutMs);

      req.on('error', (e) => finish(toBrokerError(e, target.errorContext)));
      if (payload) req.write(payload);
      req.end();
    });
  }
}

function makeTarget(baseUrl: string, opts: ManagementClientOptions, secrets: string[]): Target {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (e) {
    // The URL error's `input` holds the URL as typed, password included: attached only if clean.
    throw new BrokerError('Invalid management URL', 'management', 'EINVALIDURL', undefined, causeIfClean(e, secrets));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BrokerError(
      `Invalid management URL protocol "${url.protocol}" (expected http: or https:)`,
      'management',
      'EINVALIDURL',
    );
  }
  const isHttps = url.protocol === 'https:';
  return {
    url,
    isHttps,
    prefix: url.pathname.replace(/\/+$/, ''),
    hostPort: `${url.hostname}:${url.port || (isHttps ? '443' : '80')}`,
    errorContext: {
      service: 'management',
      host: url.hostname,
      port: Number(url.port || (isHttps ? 443 : 80)),
      secrets,
    },
    agent: isHttps
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 16,
          ca: opts.ca,
          rejectUnauthorized: opts.rejectUnauthorized ?? true,
        })
      : new http.Agent({ keepAlive: true, maxSockets: 16 }),
  };
}
