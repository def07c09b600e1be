/**
 * The "Burrow Results" view: what `.amqp` request files (src/requestFiles/run/) show after a run.
 * Read-only: the webview only draws; the host keeps a history per request (file + request name),
 * newest first, and the webview persists it so the view survives a reload.
 */
import {
  panelTarget,
  type CommonToWebview,
  type DisplayField,
  type DisplayMessage,
  type PanelTarget,
  type ReadyMessage,
} from './common';
import type { OutcomeKind, PublishCountsView } from './publish';
import { array, bool, int, lenient, literal, messages, num, object, optional, str, type Check } from './validate';

/** At most this many entries are kept per request. */
export const RESULTS_PER_REQUEST = 20;
/** At most this many requests are kept (the least recently run go first). */
export const RESULTS_REQUESTS = 50;

export type ResultKind = 'publish' | 'call' | 'peek' | 'route';

/** A route answer as the results view shows it (the routing panel's answer, shortened). */
export interface RouteAnswerView {
  exchange: string;
  routingKey: string;
  queues: string[];
  mayReceive: { destination: string; kind: string; reasons: string[] }[];
  unroutable: boolean;
  mayBeUnroutable: boolean;
  steps: string[];
  errors: string[];
  warnings: string[];
}

export interface PeekAnswerView {
  messages: DisplayMessage[];
  note: string;
  depthBefore?: number;
  depthAfter?: number;
  limit?: string;
  withheld?: string;
  warnings?: string[];
}

/** One run of one request. */
export interface ResultEntry {
  id: number;
  at: number;
  kind: ResultKind;
  /** The connection's name and the vhost it ran on. */
  connection: string;
  vhost: string;
  /** confirmed / returned / nacked / unknown / error / cancelled (publish); reply / timeout / … (call); ok / error. */
  status: string;
  /** One line: what happened, with the broker's code and text when there is one. */
  text: string;
  elapsedMs: number;
  /** publish and call: the message sent, after variables were filled in (the first one of N). */
  sent?: DisplayMessage;
  /** publish ×N: what happened to each. */
  counts?: PublishCountsView;
  count?: number;
  /** call: the reply and its round-trip time. */
  reply?: DisplayMessage;
  rttMs?: number;
  peek?: PeekAnswerView;
  route?: RouteAnswerView;
}

export interface RequestResults {
  /** file URI + '#' + request name */
  key: string;
  /** The file's name as shown (workspace-relative path). */
  file: string;
  request: string;
  entries: ResultEntry[];
}

export type ResultsToWebview =
  | { type: 'init'; target: PanelTarget; requests: RequestResults[]; focus?: string }
  /** A new entry of one request (the webview puts it first and shows that request). */
  | { type: 'entry'; key: string; file: string; request: string; entry: ResultEntry }
  /** A request is running (shown until its entry arrives). */
  | { type: 'running'; key: string; file: string; request: string; text: string }
  | CommonToWebview;

export type ResultsToHost =
  | ReadyMessage
  | { type: 'clear'; key?: string }
  /** Show the request in its file. */
  | { type: 'reveal'; key: string };

export interface ResultsState {
  target: PanelTarget;
  requests: RequestResults[];
  focus?: string;
}

const field: Check<DisplayField> = object({ name: str, value: str, type: optional(str) });

export const displayMessage: Check<DisplayMessage> = object({
  id: int,
  exchange: str,
  routingKey: str,
  redelivered: bool,
  size: int,
  receivedAt: num,
  properties: array(field, 100),
  headers: array(field, 10_000),
  deaths: array(array(field, 100), 1000),
  body: object({ kind: literal('json', 'text', 'binary'), text: str, truncated: bool }),
  deliveryTag: optional(int),
});

const counts: Check<PublishCountsView> = object({
  confirmed: int,
  returned: int,
  nacked: int,
  unknown: int,
  notSent: int,
});

const routeAnswer: Check<RouteAnswerView> = object({
  exchange: str,
  routingKey: str,
  queues: array(str),
  mayReceive: array(object({ destination: str, kind: str, reasons: array(str) })),
  unroutable: bool,
  mayBeUnroutable: bool,
  steps: array(str),
  errors: array(str),
  warnings: array(str),
});

const peekAnswer: Check<PeekAnswerView> = object({
  messages: array(displayMessage, 10_000),
  note: str,
  depthBefore: optional(int),
  depthAfter: optional(int),
  limit: optional(str),
  withheld: optional(str),
  warnings: optional(array(str)),
});

export const resultEntry: Check<ResultEntry> = object({
  id: int,
  at: num,
  kind: literal('publish', 'call', 'peek', 'route'),
  connection: str,
  vhost: str,
  status: str,
  text: str,
  elapsedMs: num,
  sent: optional(displayMessage),
  counts: optional(counts),
  count: optional(int),
  reply: optional(displayMessage),
  rttMs: optional(num),
  peek: optional(peekAnswer),
  route: optional(routeAnswer),
});

const requestResults: Check<RequestResults> = object({
  key: str,
  file: str,
  request: str,
  entries: array(resultEntry, RESULTS_PER_REQUEST),
});

export const checkResultsToHost = messages<ResultsToHost>({
  ready: object({}),
  clear: object({ key: optional(str) }),
  reveal: object({ key: str }),
});

/** Restored state: the target must be sound; a history that is not is dropped (the view starts empty). */
export const checkResultsState: Check<ResultsState> = (v, p) => {
  const s = object({
    target: panelTarget,
    requests: lenient(array(requestResults, RESULTS_REQUESTS)),
    focus: optional(str),
  })(v, p);
  return { target: s.target, requests: s.requests ?? [], ...(s.focus !== undefined ? { focus: s.focus } : {}) };
};

/**
 * Adds an entry to a request's history (once: the same id replaces itself): newest first, at most RESULTS_PER_REQUEST per request and
 * RESULTS_REQUESTS requests (the request just run moves to the front). Returns a new list.
 */
export function addResult(
  requests: readonly RequestResults[],
  key: string,
  file: string,
  request: string,
  entry: ResultEntry,
): RequestResults[] {
  const prior = requests.find((r) => r.key === key);
  const updated: RequestResults = {
    key,
    file,
    request,
    // An entry already there (posted again after the webview's first 'init' carried it) is not doubled;
    // older entries are compacted, so the persisted history stays small.
    entries: [entry, ...(prior?.entries ?? []).filter((e) => e.id !== entry.id).map(compactEntry)].slice(
      0,
      RESULTS_PER_REQUEST,
    ),
  };
  return [updated, ...requests.filter((r) => r.key !== key)].slice(0, RESULTS_REQUESTS);
}

/** Older entries keep this much of each body, and of a peek this many messages. */
export const OLDER_BODY_CHARS = 2000;
export const OLDER_PEEK_MESSAGES = 50;

function compactMessage(m: DisplayMessage): DisplayMessage {
  if (m.body.text.length <= OLDER_BODY_CHARS) return m;
  return { ...m, body: { ...m.body, text: m.body.text.slice(0, OLDER_BODY_CHARS), truncated: true } };
}

/** An entry that is no longer the newest of its request: bodies cut, a peek's list shortened (noted). */
export function compactEntry(e: ResultEntry): ResultEntry {
  const out: ResultEntry = { ...e };
  if (e.sent) out.sent = compactMessage(e.sent);
  if (e.reply) out.reply = compactMessage(e.reply);
  if (e.peek) {
    const kept = e.peek.messages.slice(0, OLDER_PEEK_MESSAGES).map(compactMessage);
    const dropped = e.peek.messages.length - kept.length;
    out.peek = {
      ...e.peek,
      messages: kept,
      note: dropped > 0 ? `${e.peek.note} · ${dropped} more not kept in the history` : e.peek.note,
    };
  }
  return out;
}

/** The key of a request's history: its file and its name (a renamed request starts a new history). */
export function resultKey(fileUri: string, request: string): string {
  return `${fileUri}#${request}`;
}

/** How a result's status is shown: ok (green), warn (amber) or err (red). */
export function statusTone(status: string): 'ok' | 'warn' | 'err' {
  if (status === 'confirmed' || status === 'reply' || status === 'ok') return 'ok';
  if (['returned', 'cancelled', 'timeout', 'unroutable', 'unknown', 'uncertain'].includes(status)) return 'warn';
  return 'err';
}

export type { OutcomeKind };
