/**
 * The broker half of running a `.amqp` request: no `vscode` here, so the integration tests drive it
 * against the real brokers. The VS Code half (runner.ts) resolves the request, picks the
 * connection, reads `< file` bodies and shows the result; this file sends, and returns what
 * the results view shows (src/protocol/results.ts), with the same guarantees as the panels:
 * - publish: publishMessage / publishMany on confirm channels (confirmed, returned, nacked,
 *   unknown with the broker's code and text), template variables checked for the whole batch
 *   before the first message (checkBatch, replayable contexts), as the publish panel does;
 * - call: RpcClient (reply, its properties and round-trip time, timeout, no consumer);
 * - peek: the peek panel's path (delivery limit, refusal when the queue has consumers until the
 *   user confirms, streams read from an offset);
 * - route: LazyTopology, the live tester's reader (sure and uncertain answers with reasons).
 */
import { randomBytes } from 'node:crypto';
import type { PublishDraft } from '../../protocol/publish';
import { bodyContentType, summarisePublishMany } from '../../protocol/publish';
import type { RpcDraft } from '../../protocol/rpc';
import type { DisplayMessage } from '../../protocol/common';
import type { ResultEntry, RouteAnswerView } from '../../protocol/results';
import { draftToRequest, type PublishRequestData } from '../../core/publishDraft';
import { bodyFromFile } from '../../core/fileBody';
import {
  checkBatch,
  draftHasTemplateVars,
  expandTemplate,
  replayableContexts,
  requestAt,
  TemplateError,
  type TemplateContext,
} from '../../core/templateVars';
import { captureMessage, type MessageProperties } from '../../core/message';
import { toDisplayMessage } from '../../core/display';
import { buildHeaders } from '../../core/fieldValues';
import { parseJsonWithPosition } from '../../core/json';
import { peekSafetyTexts } from '../../core/deliveryLimit';
import type { FieldTable } from '../../core/fieldTypes';
import { publishMany, publishMessage, PublishManyError, type PublishOutcome } from '../../broker/publish';
import type { RpcClient } from '../../broker/rpc';
import { type RpcOutcome, type RpcRequest } from '../../broker/rpc';
import { peekMessages, queueDeliveryLimit } from '../../broker/peek';
import { peekStream } from '../../broker/peekStream';
import { LazyTopology } from '../../broker/routingTopology';
import { BrokerError, describeForUser } from '../../broker/errors';
import type { BrokerSession } from '../../broker/session';

/** What a run needs from a session. */
export type RunSession = Pick<BrokerSession, 'amqp' | 'management'>;

/** Where a run happens, for the entry: the connection's name and the vhost. */
export interface RunWhere {
  connection: string;
  vhost: string;
}

/** A run's answer: an entry for the results view, or a question the user must answer first. */
export type RunAnswer =
  | { type: 'entry'; entry: ResultEntry }
  /** The request is not valid (template error, invalid JSON, bad header): nothing was sent. */
  | { type: 'invalid'; message: string }
  /** peek: the queue has consumers; ask (the peek panel's question) and run again with confirmConsumers. */
  | { type: 'confirm'; message: string };

/** A body shown in the results view is cut here (the "sent" message is a record, not the data). */
const SHOW_CHARS = 64 * 1024;
/** Each peeked message's body is cut here (up to 1000 messages in one entry). */
const PEEK_SHOW_CHARS = 16 * 1024;

let nextId = 1;
const entryBase = (where: RunWhere, kind: ResultEntry['kind'], started: number) => ({
  id: nextId++,
  at: Date.now(),
  kind,
  connection: where.connection,
  vhost: where.vhost,
  elapsedMs: Date.now() - started,
});

/** How a message that was sent is shown: the same rendering as a peeked one. */
export function sentView(exchange: string, routingKey: string, body: Uint8Array, properties: object): DisplayMessage {
  return toDisplayMessage(
    captureMessage({ content: body, fields: { exchange, routingKey, redelivered: false }, properties }, 0, Date.now()),
    SHOW_CHARS,
  );
}

/**
 * A publish draft whose body comes from a file: the bytes are sent as they are, the content type
 * (unless the request names one) follows what the file holds (JSON, text or binary).
 */
export function withFileBody(draft: PublishDraft, fileName: string, bytes: Uint8Array): PublishDraft {
  const contentType = draft.properties.contentType.trim() || bodyContentType(bodyFromFile(fileName, bytes).bodyMode);
  return { ...draft, bodyMode: 'text', body: '', properties: { ...draft.properties, contentType } };
}

export interface PublishRunOptions {
  /** How many messages (the request's `repeat`, or what the user asked for). */
  count: number;
  /** A `< file` body: its bytes replace the draft's body in every message. */
  fileBody?: { name: string; bytes: Uint8Array };
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** The run's random seed (tests); default random. */
  seed?: readonly [number, number, number, number];
}

function seedOf(opts: { seed?: readonly [number, number, number, number] }): readonly [number, number, number, number] {
  if (opts.seed) return opts.seed;
  const b = randomBytes(16);
  return [b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(8), b.readUInt32LE(12)];
}

function publishText(outcome: PublishOutcome, req: PublishRequestData, ms: number): { status: string; text: string } {
  const where = `${req.exchange === '' ? '(AMQP default)' : req.exchange} with key '${req.routingKey}'`;
  switch (outcome.status) {
    case 'confirmed':
      return { status: 'confirmed', text: `Confirmed by the broker: published to ${where} in ${ms} ms` };
    case 'returned':
      return {
        status: 'returned',
        text: `Returned as unroutable (${outcome.replyCode} ${outcome.replyText}): no queue is bound to ${where}`,
      };
    case 'nacked':
      return { status: 'nacked', text: `Nacked by the broker: it could not take the message (${where})` };
    case 'error': {
      const code = outcome.error.code;
      const unknown =
        code === 'CONFIRM_TIMEOUT' ||
        code === 'CONNECTION_LOST' ||
        code === 'CHANNEL_CLOSED' ||
        (code === 'BLOCKED' && /may still be delivered/.test(outcome.error.message));
      return { status: unknown ? 'unknown' : 'error', text: describeForUser(outcome.error) };
    }
  }
}

/** Publishes a resolved request once or N times, as the publish panel does. */
export async function runPublish(
  session: RunSession,
  where: RunWhere,
  draftIn: PublishDraft,
  opts: PublishRunOptions,
): Promise<RunAnswer> {
  const count = Math.max(1, Math.min(10_000_000, Math.floor(opts.count) || 1));
  const file = opts.fileBody;
  const draft = file ? withFileBody(draftIn, file.name, file.bytes) : draftIn;
  const withBody = (r: PublishRequestData): PublishRequestData => (file ? { ...r, body: file.bytes } : r);
  const templated = draftHasTemplateVars(draft);
  const ctxAt = replayableContexts(seedOf(opts));
  if (templated && count > 1) {
    const check = await checkBatch(draft, count, ctxAt);
    if (!check.ok) return { type: 'invalid', message: check.error };
  }
  const converted = templated ? requestAt(draft, ctxAt(0)) : draftToRequest(draft);
  if (!converted.ok) return { type: 'invalid', message: `${converted.field}: ${converted.error}` };
  const req = withBody(converted.request);
  const sent = sentView(req.exchange, req.routingKey, req.body, req.properties);
  const started = Date.now();
  if (count === 1) {
    const outcome = await publishMessage(session.amqp, where.vhost, req);
    const { status, text } = publishText(outcome, req, Date.now() - started);
    return { type: 'entry', entry: { ...entryBase(where, 'publish', started), status, text, sent, count } };
  }
  const messageAt = templated
    ? (index: number) => {
        if (index === 0) return req;
        const r = requestAt(draft, ctxAt(index));
        if (!r.ok) throw new Error(r.error);
        return withBody(r.request);
      }
    : undefined;
  let fault: string | undefined;
  let r;
  try {
    r = await publishMany(session.amqp, where.vhost, req, count, {
      signal: opts.signal,
      messageAt,
      onProgress: (done) => opts.onProgress?.(done, count),
    });
  } catch (err) {
    if (!(err instanceof PublishManyError)) throw err;
    r = err.result;
    fault = describeForUser(err.cause instanceof BrokerError ? err.cause : err);
  }
  const summary = summarisePublishMany(r, count, fault);
  return {
    type: 'entry',
    entry: {
      ...entryBase(where, 'publish', started),
      status: summary.kind,
      text: summary.text,
      sent,
      count,
      counts: {
        confirmed: r.confirmed,
        returned: r.returned,
        nacked: r.nacked,
        unknown: r.unknown,
        notSent: r.notSent,
      },
    },
  };
}

/** The RPC request of a resolved call: per-message variables filled in, JSON and headers checked. */
export function callRequest(
  draft: RpcDraft,
  ctx: TemplateContext,
  fileBody?: Uint8Array,
): { ok: true; request: Omit<RpcRequest, 'signal'>; properties: MessageProperties } | { ok: false; error: string } {
  let body: string;
  let headerRows: RpcDraft['headers'];
  try {
    body = fileBody ? '' : expandTemplate(draft.body, ctx);
    headerRows = draft.headers.map((h) => ({ ...h, value: expandTemplate(h.value, ctx) }));
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, error: err.message };
    throw err;
  }
  if (!fileBody && draft.bodyMode === 'json') {
    const parsed = parseJsonWithPosition(body);
    if (!parsed.ok)
      return { ok: false, error: `Invalid JSON at line ${parsed.line}, column ${parsed.column}: ${parsed.error}` };
  }
  const headers = buildHeaders(headerRows);
  if (!headers.ok) return { ok: false, error: headers.error };
  const timeoutMs = Math.floor(draft.timeoutMs);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1)
    return { ok: false, error: 'The timeout is a positive number of milliseconds' };
  const properties: MessageProperties = {};
  const contentType = draft.contentType.trim() || (draft.bodyMode === 'json' ? 'application/json' : '');
  if (contentType) properties.contentType = contentType;
  if (Object.keys(headers.headers).length) properties.headers = headers.headers;
  return {
    ok: true,
    properties,
    request: {
      exchange: draft.exchange,
      routingKey: draft.routingKey,
      body: fileBody ?? new TextEncoder().encode(body),
      properties: properties as RpcRequest['properties'],
      timeoutMs,
      replyMode: draft.replyMode,
    },
  };
}

function callStatus(o: RpcOutcome): { status: string; text: string } {
  switch (o.status) {
    case 'reply':
      return { status: 'reply', text: `Reply in ${o.rttMs.toFixed(2)} ms` };
    case 'timeout':
      return { status: 'timeout', text: `No reply within ${o.timeoutMs} ms (correlation id ${o.correlationId})` };
    case 'unroutable':
      return {
        status: 'unroutable',
        text: `Returned as unroutable (${o.replyCode} ${o.replyText}): no queue is bound for that exchange and routing key`,
      };
    case 'no-consumer':
      return { status: 'no-consumer', text: o.message };
    case 'cancelled':
      return { status: 'cancelled', text: 'Cancelled' };
    case 'error':
      return { status: 'error', text: describeForUser(o.error) };
  }
}

/** One RPC call (the RPC panel's client): the reply with its properties and round-trip time. */
export async function runCall(
  client: RpcClient,
  where: RunWhere,
  draft: RpcDraft,
  opts: {
    fileBody?: Uint8Array;
    signal?: AbortSignal;
    seed?: readonly [number, number, number, number];
    /** `repeat: N`: N calls one after the other (the same request), answered with latency figures. */
    count?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<RunAnswer> {
  const built = callRequest(draft, replayableContexts(seedOf(opts))(0), opts.fileBody);
  if (!built.ok) return { type: 'invalid', message: built.error };
  const req = built.request;
  const sent = sentView(req.exchange, req.routingKey, req.body, built.properties);
  const started = Date.now();
  const count = Math.max(1, Math.min(100_000, Math.floor(opts.count ?? 1) || 1));
  if (count > 1) {
    const r = await client.callMany({ ...req, signal: opts.signal }, count, {
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.(done, total),
    });
    const f = (n: number) => `${n.toFixed(2)} ms`;
    const first = r.firstFailure ? ` First failure: ${callStatus(r.firstFailure).text}` : '';
    const text = `${r.cancelled ? 'Cancelled: ' : ''}${r.ok} of ${count} answered, ${r.failed} failed. Latency min ${f(r.min)}, median ${f(r.median)}, p95 ${f(r.p95)}, max ${f(r.max)}.${first}`;
    const status = r.cancelled
      ? 'cancelled'
      : r.failed === 0
        ? 'reply'
        : r.firstFailure
          ? callStatus(r.firstFailure).status
          : 'error';
    return { type: 'entry', entry: { ...entryBase(where, 'call', started), status, text, sent, count } };
  }
  const outcome = await client.call({ ...req, signal: opts.signal });
  const { status, text } = callStatus(outcome);
  const entry: ResultEntry = { ...entryBase(where, 'call', started), status, text, sent };
  if (outcome.status === 'reply') {
    entry.rttMs = outcome.rttMs;
    entry.reply = toDisplayMessage(
      captureMessage(
        {
          content: outcome.reply.body,
          fields: { exchange: outcome.reply.exchange, routingKey: outcome.reply.routingKey, redelivered: false },
          properties: outcome.reply.properties,
        },
        1,
        Date.now(),
      ),
      SHOW_CHARS,
    );
  }
  return { type: 'entry', entry };
}

/**
 * Peeks at a queue with the peek panel's guarantees: its type and delivery limit read through the
 * management API; with consumers it takes nothing and asks (confirmConsumers runs it anyway); a
 * stream is read from its first message.
 */
export async function runPeek(
  session: RunSession,
  where: RunWhere,
  queue: string,
  count: number,
  opts: { confirmConsumers?: boolean } = {},
): Promise<RunAnswer> {
  const started = Date.now();
  const n = Math.max(1, Math.min(1000, Math.floor(count) || 1));
  let limit: Awaited<ReturnType<typeof queueDeliveryLimit>> | undefined;
  let queueType: string | undefined;
  try {
    limit = await queueDeliveryLimit(session.management, where.vhost, queue);
    queueType = limit.queueType;
  } catch {
    // Unreadable: peek as if the queue may have RabbitMQ 4's default limit (peekMessages' assumption).
  }
  if (queueType === 'stream') {
    const r = await peekStream(session.amqp, where.vhost, queue, n, 'first');
    return peekEntry(where, started, r.messages, r.note, {});
  }
  if (limit?.guessed && limit.limit === null && queueType === 'quorum') limit = undefined;
  let r;
  try {
    r = await peekMessages(session.amqp, where.vhost, queue, n, {
      queueType,
      deliveryLimit: limit?.limit,
      refuseIfConsumers: opts.confirmConsumers !== true,
    });
  } catch (err) {
    if (err instanceof BrokerError && err.code === 'PEEK_HAS_CONSUMERS')
      return { type: 'confirm', message: `${err.message}. Nothing has been taken yet.` };
    throw err;
  }
  const safety = peekSafetyTexts({
    queueType,
    deliveryLimit: r.deliveryLimit,
    limitSource: limit?.source,
    withheld: r.withheld,
    atRisk: r.atRisk,
  });
  const depthAfter = await session.amqp
    .withChannel(where.vhost, (ch) => ch.checkQueue(queue))
    .then((q) => q.messageCount)
    .catch(() => undefined);
  return peekEntry(where, started, r.messages, r.note, {
    depthBefore: r.queueDepthBefore,
    depthAfter,
    limit: safety.limit,
    withheld: safety.withheld,
    warnings: safety.warnings.length ? safety.warnings : undefined,
  });
}

function peekEntry(
  where: RunWhere,
  started: number,
  messages: Parameters<typeof toDisplayMessage>[0][],
  note: string,
  extra: Omit<NonNullable<ResultEntry['peek']>, 'messages' | 'note'>,
): RunAnswer {
  const shown = messages.map((m) => toDisplayMessage(m, PEEK_SHOW_CHARS));
  const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
  return {
    type: 'entry',
    entry: {
      ...entryBase(where, 'peek', started),
      status: 'ok',
      text: `${shown.length} message${shown.length === 1 ? '' : 's'}${extra.depthAfter !== undefined ? ` · queue depth now ${extra.depthAfter}` : ''}`,
      peek: { messages: shown, note, ...clean },
    },
  };
}

/** Where a message would go (the live routing tester's reader and simulator). */
export async function runRoute(
  session: RunSession,
  where: RunWhere,
  exchange: string,
  routingKey: string,
  headers: FieldTable,
): Promise<RunAnswer> {
  const started = Date.now();
  const { result } = await new LazyTopology(session.management, where.vhost).route(exchange, routingKey, headers);
  const route: RouteAnswerView = {
    exchange,
    routingKey,
    queues: result.queues,
    mayReceive: result.mayReceive.map((m) => ({ destination: m.destination, kind: m.kind, reasons: m.reasons })),
    unroutable: result.unroutable,
    mayBeUnroutable: result.mayBeUnroutable,
    steps: result.steps.map((s) => `${'  '.repeat(s.depth)}${s.text}`),
    errors: result.errors,
    warnings: result.warnings,
  };
  return { type: 'entry', entry: { ...entryBase(where, 'route', started), ...routeSummary(route), route } };
}

/** The status and line of a route answer. */
export function routeSummary(r: RouteAnswerView): { status: string; text: string } {
  const q = (n: number) => `${n} queue${n === 1 ? '' : 's'}`;
  if (r.errors.length) return { status: 'error', text: r.errors.join('; ') };
  if (r.unroutable) return { status: 'unroutable', text: 'Reaches no queue: a mandatory publish would be returned' };
  const maybe = r.mayReceive.length ? `, ${r.mayReceive.length} more may (uncertain)` : '';
  if (r.queues.length === 0) return { status: 'uncertain', text: `No queue surely receives it${maybe}` };
  return { status: 'ok', text: `Reaches ${q(r.queues.length)}: ${r.queues.join(', ')}${maybe}` };
}
