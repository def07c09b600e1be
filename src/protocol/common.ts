import { int, object, ProtocolError, optional, orUndefined, str, type Check } from './validate';

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
  /** Exact AMQP field type of a header value (FieldType of src/core/fieldTypes.ts: string, int8…int64, float, double, …). */
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

/** Host → webview: the panel's busy state (a broker call is running); `total` for bulk jobs. */
export interface BusyMessage {
  type: 'busy';
  busy: boolean;
  total?: number;
}

/** Host → webview: a passing notice (saved, copied…). */
export interface InfoMessage {
  type: 'info';
  message: string;
}

/**
 * Host → webview: the panel now points somewhere else (e.g. Publish Message… from another exchange
 * while the vhost's publish panel is open). The webview shows `notice`, resets what belonged to the
 * old target (routing key, repeat count) and persists the new target.
 */
export interface RetargetMessage {
  type: 'retarget';
  target: PanelTarget;
  notice: string;
}

/** What every panel's webview may receive, handled by the webview app base (webview/lib/app.ts). */
export type CommonToWebview = ErrorMessage | ConnectionMessage | BusyMessage | InfoMessage | RetargetMessage;

/**
 * Request/response pairs: the webview numbers a request (`requestId`), the host's reply carries the
 * same number, and the webview drops replies to requests it has since superseded.
 */
export interface Numbered {
  requestId: number;
}

export const panelTarget: Check<PanelTarget> = object({
  profileId: str,
  profileName: str,
  vhost: str,
  queue: optional(str),
  exchange: optional(str),
  queueType: optional(str),
});

export const requestId: Check<number> = (v, p = 'requestId') => {
  const n = int(v, p);
  if (n < 0) throw new ProtocolError(p, 'a request id (0 or more)');
  return n;
};

/** Serialized panel state comes from the webview (and disk): check it before trusting it. */
export function validTarget(state: unknown): PanelTarget | undefined {
  return orUndefined(object({ target: panelTarget }), state)?.target;
}

/** Same connection, vhost, queue and exchange. */
export function sameTarget(a: PanelTarget, b: PanelTarget): boolean {
  return a.profileId === b.profileId && a.vhost === b.vhost && a.queue === b.queue && a.exchange === b.exchange;
}

/** How a target is named in notices: "exchange logs", "queue task_queue (AMQP default exchange)". */
export function describeTarget(t: PanelTarget): string {
  if (t.exchange !== undefined) return t.exchange === '' ? 'the (AMQP default) exchange' : `exchange ${t.exchange}`;
  if (t.queue !== undefined) return `queue ${t.queue}`;
  return `vhost ${t.vhost}`;
}
