/**
 * Messages as Burrow captures and re-publishes them: the types shared by every message module,
 * and building them from amqplib deliveries (the tail's hot path).
 *
 * The other message modules, each pure and browser-safe (the webview bundle imports some of them):
 * - messageBody.ts: body decoding for display (JSON / text / hex dump);
 * - json.ts: JSON error positions, pretty and one-line layout (on jsonc-parser);
 * - fieldTypes.ts: typed AMQP field values (header values) and their exact JSON form;
 * - fieldValues.ts: AMQP header (field-table) values: types, display, x-death, form input;
 * - messageExport.ts: export to JSON / NDJSON and import back;
 * - messageFilter.ts: the tail and peek filter;
 * - base64.ts: base64 without Buffer or atob.
 *
 * Header values are field values as fieldTypes.ts describes them: strings, booleans, null (void),
 * arrays, tables (plain objects), byte arrays (Buffer, a Uint8Array) and typed numbers
 * `{ '!': 'int64', value: '5' }`, `{ '!': 'timestamp', value: seconds }`…; a plain JS number
 * (old exports) means what amqplib guesses for it.
 */

export interface MessageProperties {
  contentType?: string;
  contentEncoding?: string;
  /** 1 = transient, 2 = persistent. */
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  /** Per-message TTL in milliseconds, as a string (AMQP shortstr). */
  expiration?: string;
  messageId?: string;
  /** Seconds since the epoch (AMQP timestamps are in seconds). */
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
  headers?: Record<string, unknown>;
}

export interface CapturedMessage {
  /** Monotonic per capture (peek result, tail): stable id for selection. */
  seq: number;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  properties: MessageProperties;
  body: Uint8Array;
  size: number;
  /** Date.now() when received. */
  receivedAt: number;
  /** Only for deliveries that still need an ack (consume mode with manual acks). */
  deliveryTag?: number;
}

/** What is needed to publish a message again. */
export interface PublishableMessage {
  exchange: string;
  routingKey: string;
  properties: MessageProperties;
  body: Uint8Array;
}

export const PROPERTY_NAMES = [
  'contentType',
  'contentEncoding',
  'deliveryMode',
  'priority',
  'correlationId',
  'replyTo',
  'expiration',
  'messageId',
  'timestamp',
  'type',
  'userId',
  'appId',
] as const;

/** The properties that are numbers (the rest are strings). */
export const NUMERIC_PROPERTIES: ReadonlySet<string> = new Set<string>(['deliveryMode', 'priority', 'timestamp']);

/** The set properties of an amqplib message (amqplib lists every property, mostly undefined). */
export function captureProperties(props: object): MessageProperties {
  const p = props as Record<string, unknown>;
  const properties: MessageProperties = {};
  // Unrolled on purpose (a duplicate-code scan lists these lines): the tail calls this for every
  // delivery whose properties differ from the previous one's (a unique message id suffices).
  // Measured on amqplib-shaped objects: about 25-45 ns unrolled, 300-390 ns as a loop over
  // PROPERTY_NAMES (the copy then becomes a dictionary-mode object).
  if (p.contentType !== undefined) properties.contentType = p.contentType as string;
  if (p.contentEncoding !== undefined) properties.contentEncoding = p.contentEncoding as string;
  if (p.deliveryMode !== undefined) properties.deliveryMode = p.deliveryMode as number;
  if (p.priority !== undefined) properties.priority = p.priority as number;
  if (p.correlationId !== undefined) properties.correlationId = p.correlationId as string;
  if (p.replyTo !== undefined) properties.replyTo = p.replyTo as string;
  if (p.expiration !== undefined) properties.expiration = p.expiration as string;
  if (p.messageId !== undefined) properties.messageId = p.messageId as string;
  if (p.timestamp !== undefined) properties.timestamp = p.timestamp as number;
  if (p.type !== undefined) properties.type = p.type as string;
  if (p.userId !== undefined) properties.userId = p.userId as string;
  if (p.appId !== undefined) properties.appId = p.appId as string;
  if (p.headers !== undefined && p.headers !== null) properties.headers = p.headers as Record<string, unknown>;
  return properties;
}

/**
 * True if two amqplib property sets are equal: the same scalar properties, and no headers (or
 * empty ones) in either: then the tail shares one captured properties object between them.
 * Unrolled on purpose (once per delivery; a loop over the property names measured about 400 ns,
 * this about 75 ns); like captureProperties it must name every entry of PROPERTY_NAMES
 * (test/unit/message.test.ts checks both).
 */
export function sameProperties(a: object, b: object): boolean {
  const p = a as MessageProperties;
  const q = b as MessageProperties;
  return (
    p.contentType === q.contentType &&
    p.contentEncoding === q.contentEncoding &&
    p.deliveryMode === q.deliveryMode &&
    p.priority === q.priority &&
    p.correlationId === q.correlationId &&
    p.replyTo === q.replyTo &&
    p.expiration === q.expiration &&
    p.messageId === q.messageId &&
    p.timestamp === q.timestamp &&
    p.type === q.type &&
    p.userId === q.userId &&
    p.appId === q.appId &&
    emptyHeaders(p.headers) &&
    emptyHeaders(q.headers)
  );
}

function emptyHeaders(h: unknown): boolean {
  return h === undefined || h === null || (typeof h === 'object' && Object.keys(h).length === 0);
}

/**
 * Builds a CapturedMessage from an amqplib message (structurally typed, so this file does not
 * import amqplib). The body is a Uint8Array VIEW of the received Buffer: no copy.
 */
export function captureMessage(
  m: {
    content: Uint8Array;
    fields: { exchange: string; routingKey: string; redelivered: boolean; deliveryTag?: number };
    properties: object;
  },
  seq: number,
  receivedAt: number,
  deliveryTag?: number,
): CapturedMessage {
  const c = m.content;
  const body = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  const properties = captureProperties(m.properties);
  const msg: CapturedMessage = {
    seq,
    exchange: m.fields.exchange,
    routingKey: m.fields.routingKey,
    redelivered: m.fields.redelivered,
    properties,
    body,
    size: body.byteLength,
    receivedAt,
  };
  if (deliveryTag !== undefined) msg.deliveryTag = deliveryTag;
  return msg;
}
