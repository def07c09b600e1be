/**
 * One raw amqplib connection: connect arguments built from an endpoint (an options object, never
 * a URL: a password in a URL can leak into error messages), opening with an overall deadline,
 * closing without hanging, and the deadline helpers the connection manager (amqp.ts) and its
 * channels share. testAmqpLogin (Test Connection) uses this alone.
 */
import * as net from 'node:net';
import * as amqp from 'amqplib';
import { BrokerError } from './errors';
import { toBrokerError, type ErrorContext } from './describe';
import { keepFieldTypes } from './typedFrames';
import { connectOrder, formatHostPort, profileNodes, type HostPort } from '../core/cluster';

export interface AmqpEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  /** PEM CA bundle used to verify the broker's certificate (TLS only). */
  ca?: string | Buffer;
  /** false accepts self-signed / unverifiable certificates (TLS only). Default true. */
  rejectUnauthorized?: boolean;
  /** Default 30. */
  heartbeatSeconds?: number;
  /** client_properties.connection_name, shown in the management UI. Default 'Burrow'. */
  connectionName?: string;
  /** Socket inactivity limit while connecting and during the AMQP handshake. Default 10000. */
  connectTimeoutMs?: number;
  /** The cluster's other nodes, tried after host:port (or shuffled with it, see shuffleHosts). */
  hosts?: HostPort[];
  /** Try the nodes in a random order. */
  shuffleHosts?: boolean;
}

/** A connection together with the node it is on. */
export interface NodeModel {
  model: amqp.ChannelModel;
  node: HostPort;
}

/**
 * Opens a connection on the first node of the endpoint that accepts it: the nodes in order (or
 * shuffled), the node just lost (`after`) last. A refused login or vhost (403/530: every node
 * shares users and vhosts) and a TLS problem stop at once; otherwise, when no node accepts, the
 * error names every node tried and the last node's reason.
 */
export async function openAny(
  endpoint: AmqpEndpoint,
  vhost: string,
  opts: { after?: HostPort; onFieldTypesProblem?: (reason: string) => void } = {},
): Promise<NodeModel> {
  const nodes = profileNodes(endpoint);
  if (nodes.length === 1) {
    return { model: await openRaw(endpoint, vhost, opts.onFieldTypesProblem), node: nodes[0]! };
  }
  const order = connectOrder(nodes, { shuffle: endpoint.shuffleHosts, after: opts.after });
  let last: BrokerError | undefined;
  const tried: string[] = [];
  for (const node of order) {
    try {
      const model = await openRaw({ ...endpoint, host: node.host, port: node.port }, vhost, opts.onFieldTypesProblem);
      return { model, node };
    } catch (err) {
      const error = err instanceof BrokerError ? err : toBrokerError(err, errorContext(endpoint, vhost));
      if (error.source === 'auth' || error.source === 'tls') throw error;
      last = error;
      tried.push(formatHostPort(node));
    }
  }
  throw new BrokerError(
    `no cluster node accepted the connection (tried ${tried.join(', ')}); last: ${last?.message ?? 'unknown'}`,
    last?.source ?? 'network',
    last?.code,
    last?.replyText,
    { cause: last },
  );
}

export const DEFAULT_CONNECTION_NAME = 'Burrow';
const DEFAULT_HEARTBEAT = 30;
const DEFAULT_CONNECT_TIMEOUT = 10_000;
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

export function secs(ms: number): number {
  return Math.round(ms / 100) / 10;
}

export function errorContext(endpoint: AmqpEndpoint, vhost: string, what?: string): ErrorContext {
  return {
    host: endpoint.host,
    port: endpoint.port,
    vhost,
    username: endpoint.username,
    secrets: [endpoint.password],
    what,
  };
}

/** Builds amqplib's connect arguments from an endpoint: an options object, never a URL. */
function connectArgs(endpoint: AmqpEndpoint, vhost: string): [amqp.Options.Connect, amqp.SocketOptions] {
  const options: amqp.Options.Connect = {
    protocol: endpoint.tls ? 'amqps' : 'amqp',
    hostname: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    password: endpoint.password,
    // amqplib percent-decodes the vhost (QS.unescape), so encode it to pass it through verbatim.
    vhost: encodeURIComponent(vhost),
    heartbeat: endpoint.heartbeatSeconds ?? DEFAULT_HEARTBEAT,
  };
  const socket: amqp.SocketOptions = {
    timeout: endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT,
    clientProperties: { connection_name: endpoint.connectionName ?? DEFAULT_CONNECTION_NAME },
    // Interactive request/reply traffic: without this, Nagle's algorithm delays small frames (~40 ms RPC round trips).
    noDelay: true,
  };
  if (endpoint.tls) {
    // SNI must be a host name; Node refuses (and warns about) IP addresses as servername.
    if (!net.isIP(endpoint.host)) socket.servername = endpoint.host;
    if (endpoint.ca !== undefined) socket.ca = endpoint.ca;
    if (endpoint.rejectUnauthorized !== undefined) socket.rejectUnauthorized = endpoint.rejectUnauthorized;
  }
  return [options, socket];
}

/** Destroys a model's socket (no close handshake): amqplib then closes it and all its channels. */
export function destroyModel(model: amqp.ChannelModel, reason: string): void {
  const conn = (
    model as unknown as { connection?: { stream?: { destroy(err?: Error): void }; onSocketError?(err: Error): void } }
  ).connection;
  try {
    conn?.onSocketError?.(new Error(`Burrow closed the connection: ${reason}`));
  } catch {
    /* already closed */
  }
  try {
    conn?.stream?.destroy();
  } catch {
    /* already destroyed */
  }
}

/** Closes a model, waiting for close-ok at most timeoutMs, after which its socket is destroyed. Never throws. */
export async function closeModelWithin(model: amqp.ChannelModel, timeoutMs: number, reason: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      model.close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          destroyModel(model, reason);
          resolve();
        }, timeoutMs);
      }),
    ]);
  } catch {
    /* already closed */
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a raw connection and translates failures. The caller owns the returned model.
 * amqplib's socket `timeout` covers only inactivity while connecting and during the handshake;
 * this adds an overall deadline (2 × connectTimeoutMs) so a broker that dribbles bytes cannot
 * hold an open forever. A model that arrives after the deadline is closed.
 *
 * Every connection keeps message header types (typedFrames.ts); if it cannot (an amqplib it does
 * not know, a header it cannot decode), amqplib's values stay and onFieldTypesProblem hears it
 * once per connection.
 */
export async function openRaw(
  endpoint: AmqpEndpoint,
  vhost: string,
  onFieldTypesProblem?: (reason: string) => void,
): Promise<amqp.ChannelModel> {
  const [options, socket] = connectArgs(endpoint, vhost);
  const limit = 2 * (endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT);
  const connecting = amqp.connect(options, socket);
  let timer: NodeJS.Timeout | undefined;
  try {
    const model = await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          connecting.then(
            (late) => destroyModel(late, 'opened after its deadline'),
            () => undefined,
          );
          reject(
            Object.assign(new Error(`AMQP handshake not completed within ${secs(limit)} s: connect ETIMEDOUT`), {
              code: 'ETIMEDOUT',
            }),
          );
        }, limit);
      }),
    ]);
    // Before any delivery can arrive: the caller opens channels only after this returns.
    keepFieldTypes(model.connection, (reason) => onFieldTypesProblem?.(reason));
    return model;
  } catch (err) {
    throw toBrokerError(err, errorContext(endpoint, vhost));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * amqplib's channel.close() settles only on close-ok: when the connection dies between
 * channel.close and close-ok (a dead network path, a broker that stops answering) it never
 * settles. This waits for close-ok, for the channel's own 'close' (the connection went away), or
 * for the deadline, whichever comes first; false when the deadline passed.
 */
export function closeChannelWithin(ch: amqp.Channel, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ch.removeListener('close', onClose);
      resolve(ok);
    };
    const onClose = () => finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    ch.on('close', onClose);
    ch.close().then(
      () => finish(true),
      () => finish(true), // already closed: nothing to wait for
    );
  });
}

/** A broker round trip that did not finish in time (code 'DEADLINE'); tornDown: its connection was closed for it. */
export function deadlineError(what: string, timeoutMs: number, tornDown: boolean): BrokerError {
  const tail = tornDown
    ? '; the connection was closed and is being re-opened'
    : '; its channel is being closed (the connection is re-opened if it does not answer)';
  return new BrokerError(`${what}: the broker did not answer within ${secs(timeoutMs)} s${tail}`, 'amqp', 'DEADLINE');
}

/** Opens and closes a connection to check host, credentials and vhost. Throws BrokerError. */
export async function testAmqpLogin(
  endpoint: AmqpEndpoint,
  vhost: string,
): Promise<{ serverProperties: Record<string, unknown> }> {
  const model = await openRaw(endpoint, vhost);
  model.on('error', () => undefined);
  const serverProperties = { ...(model.connection.serverProperties as Record<string, unknown>) };
  // Closing a just-opened connection can only fail if it is already gone.
  await closeModelWithin(model, DEFAULT_CALL_DEADLINE_MS, 'no close-ok for the connection');
  return { serverProperties };
}
