/**
 * The management API's connections and channels, as the Connections view uses them (the calls are
 * ManagementClient's listConnections, connectionChannels, channel and closeConnection).
 */
import type { ConsumerInfo, RateDetails } from './management';

/** A client connection as GET /api/connections lists it (only the columns asked for are present). */
export interface ConnectionInfo {
  name: string;
  user?: string;
  vhost?: string;
  node?: string;
  /** running, blocking, blocked, flow, starting, tuning, opening, closing… */
  state?: string;
  channels?: number;
  ssl?: boolean;
  protocol?: string;
  peer_host?: string;
  peer_port?: number;
  /** The client-provided name (client_properties.connection_name), when the broker lists it. */
  user_provided_name?: string;
  /** Milliseconds since the epoch. */
  connected_at?: number;
  /** product, version, platform, connection_name, capabilities, information… */
  client_properties?: Record<string, unknown>;
  recv_oct_details?: RateDetails;
  send_oct_details?: RateDetails;
}

/** A channel as GET /api/connections/{name}/channels and GET /api/channels/{name} give it. */
export interface ChannelInfo {
  name: string;
  number: number;
  user?: string;
  vhost?: string;
  state?: string;
  /** Per-consumer prefetch (basic.qos global=false). */
  prefetch_count?: number;
  /** Per-channel prefetch (basic.qos global=true). */
  global_prefetch_count?: number;
  messages_unacknowledged?: number;
  messages_unconfirmed?: number;
  messages_uncommitted?: number;
  acks_uncommitted?: number;
  confirm?: boolean;
  transactional?: boolean;
  consumer_count?: number;
  connection_details?: { name?: string; peer_host?: string; peer_port?: number };
  /** Only on GET /api/channels/{name}. */
  consumer_details?: ConsumerInfo[];
}

/** Columns the Connections view asks for (keeps a broker with thousands of connections cheap). */
export const CONNECTION_COLUMNS: readonly string[] = [
  'name',
  'user',
  'vhost',
  'node',
  'state',
  'channels',
  'ssl',
  'protocol',
  'peer_host',
  'peer_port',
  'user_provided_name',
  'connected_at',
  'client_properties',
];

/**
 * The X-Reason header's value: HTTP headers carry Latin-1 only and Node rejects control
 * characters, so anything else becomes '?'. Empty: the default reason.
 */
export function reasonHeader(reason: string, fallback = 'Closed from Burrow'): string {
  const clean = reason.replace(/[^\x20-\x7e]/g, '?').trim();
  return clean || fallback;
}
