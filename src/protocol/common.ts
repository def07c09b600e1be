/**
 * Messages shared by every panel. Each panel's protocol file adds its own unions;
 * both the extension host bundle and the webview bundle import these types.
 */

/** Where a panel points: a connection, a vhost, and (for queue panels) a queue. */
export interface PanelTarget {
  profileId: string;
  profileName: string;
  vhost: string;
  queue?: string;
  exchange?: string;
  /** classic | quorum | stream, when known from the management API */
  queueType?: string;
}

/** Webview → host: sent once the webview's script has loaded (also after every reload). */
export interface ReadyMessage {
  type: 'ready';
}

/** Host → webview: a problem to show in the panel's banner. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

/** Host → webview: connection state of the panel's broker. */
export interface ConnectionMessage {
  type: 'connection';
  state: 'connected' | 'connecting' | 'reconnecting' | 'error' | 'idle';
  detail?: string;
}

/** A property/value row prepared by the host for display (values already strings). */
export interface DisplayField {
  name: string;
  value: string;
  /** AMQP type of the value, e.g. string, int, float, bool, void, table, array, timestamp, bytes. */
  type?: string;
}

/** A message ready to render: the host decodes and truncates bodies, the webview only shows text. */
export interface DisplayMessage {
  /** Stable id within the panel (for selection / actions). */
  id: number;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  size: number;
  receivedAt: number;
  properties: DisplayField[];
  headers: DisplayField[];
  /** Rows for the x-death header, when present. */
  deaths: DisplayField[][];
  body: { kind: 'json' | 'text' | 'binary'; text: string; truncated: boolean };
  /** Present in consume mode with manual acks. */
  deliveryTag?: number;
}

/** Serialized panel state comes from the webview (and disk): check it before trusting it. */
export function validTarget(state: unknown): PanelTarget | undefined {
  const t = (state as { target?: Partial<PanelTarget> } | undefined)?.target;
  if (!t || typeof t.profileId !== 'string' || typeof t.vhost !== 'string' || typeof t.profileName !== 'string') return undefined;
  return {
    profileId: t.profileId,
    profileName: t.profileName,
    vhost: t.vhost,
    queue: typeof t.queue === 'string' ? t.queue : undefined,
    exchange: typeof t.exchange === 'string' ? t.exchange : undefined,
    queueType: typeof t.queueType === 'string' ? t.queueType : undefined,
  };
}
