/**
 * What is under the cursor in a `.amqp` file, for completion and hover (src/requestFiles/language/).
 * Works on the text line by line, so that it answers on half-typed requests the parser rejects:
 * which request the line belongs to, its connection and vhost (request fields, else the file's
 * `@connection` / `@vhost`), and which part of which line the cursor is in.
 */
import { FIELD_TYPES } from '../fieldTypes';
import type { HeaderRow } from '../../protocol/publish';
import { parseRequestFile } from './parse';
import { resolveDetailed } from './resolve';
import type { Pos, RequestKind, ResolveContext, ResolvedRequest, Span } from './types';

/** Content types offered for `content-type:` (the field list itself is fields.ts FIELDS). */
export const CONTENT_TYPES: readonly string[] = [
  'application/json',
  'text/plain',
  'application/octet-stream',
  'application/xml',
  'application/x-protobuf',
];

/** Per-message values of "Publish N times" (src/core/templateVars.ts), and the environment. */
export const DYNAMIC_VALUES: readonly { name: string; insert: string; doc: string }[] = [
  { name: '$uuid', insert: '$uuid', doc: 'A random UUID v4, new for each message' },
  { name: '$i', insert: '$i', doc: 'The message number, from 1 (with repeat: N)' },
  { name: '$index', insert: '$index', doc: 'The message number, from 0' },
  { name: '$timestamp', insert: '$timestamp', doc: 'Epoch seconds when the message is sent' },
  { name: '$isoTimestamp', insert: '$isoTimestamp', doc: 'ISO 8601 UTC time when the message is sent' },
  { name: '$randomInt', insert: '$randomInt 1 100', doc: 'A whole number from min (included) to max (excluded)' },
  { name: '$env', insert: '$env NAME', doc: 'An environment variable of the editor' },
];

export const HEADER_TYPES: readonly string[] = FIELD_TYPES;

const VERB_RE = /^\s*(publish|call|peek|route)\b/i;
const SEPARATOR_RE = /^###(?!#)/;
const FILE_VAR_RE = /^\s*@([A-Za-z_][\w.-]*)\s*=\s*(.*?)\s*$/;
const FIELD_RE = /^\s*([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$/;
const COMMENT_RE = /^\s*(#|\/\/)/;

export interface RequestScope {
  /** The request's kind, when its request line is there. */
  kind?: RequestKind;
  /** Exchange (PUBLISH, CALL, ROUTE) or queue (PEEK), variables filled in. */
  target?: string;
  routingKey?: string;
  connection?: string;
  vhost: string;
  /** `@name = value` of the file, values with other variables filled in. */
  variables: Map<string, string>;
}

export type CursorContext =
  | { kind: 'verb'; range: Span }
  | { kind: 'target'; verb: RequestKind; range: Span }
  | { kind: 'routing-key'; verb: RequestKind; range: Span }
  | { kind: 'field-name'; range: Span }
  | { kind: 'field-value'; field: string; range: Span }
  | { kind: 'header-name'; range: Span }
  | { kind: 'header-type'; range: Span }
  /** Inside `{{…`: range is what follows the braces up to the cursor. */
  | { kind: 'variable'; range: Span }
  | { kind: 'none' };

/** A word of the request line or a `{{…}}` under the cursor (hover). */
export type CursorItem =
  | { kind: 'exchange' | 'queue'; name: string; span: Span }
  | { kind: 'variable'; name: string; dynamic: boolean; span: Span };

interface Block {
  /** Line of `###`, -1 for the part before the first request. */
  start: number;
  /** Last line (inclusive). */
  end: number;
  /** Line of the PUBLISH/CALL/PEEK/ROUTE line, if any. */
  requestLine?: number;
  /** First blank line after the request line (the body follows), if any. */
  blank?: number;
}

function blockAt(lines: readonly string[], line: number): Block {
  let start = line;
  while (start >= 0 && !SEPARATOR_RE.test(lines[start]!)) start--;
  let end = line + 1;
  while (end < lines.length && !SEPARATOR_RE.test(lines[end]!)) end++;
  // Before the first ###, the file may hold one request (after its variables and comments).
  const b: Block = { start, end: end - 1 };
  for (let i = start + 1; i <= b.end; i++) {
    const l = lines[i]!;
    if (b.requestLine === undefined) {
      if (VERB_RE.test(l)) b.requestLine = i;
      continue;
    }
    if (l.trim() === '') {
      b.blank = i;
      break;
    }
  }
  return b;
}

/** `"a b"` → `a b`, `""` and `(default)` → the default exchange. */
function unquote(s: string): string {
  if (s === '(default)') return '';
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** The words of a request line, with where they are; a quoted word keeps its spaces. */
function words(line: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const re = /"[^"]*"?|\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** Fills `{{name}}` with the file's variables (a few rounds, for variables that use variables). */
export function fillVariables(text: string, vars: ReadonlyMap<string, string>): string {
  let out = text;
  for (let round = 0; round < 5 && out.includes('{{'); round++) {
    const next = out.replace(/\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g, (m, n: string) => vars.get(n) ?? m);
    if (next === out) break;
    out = next;
  }
  return out;
}

export function fileVariables(lines: readonly string[]): Map<string, string> {
  const raw = new Map<string, string>();
  for (const l of lines) {
    const m = FILE_VAR_RE.exec(l);
    if (m && !raw.has(m[1]!)) raw.set(m[1]!, m[2]!);
  }
  const out = new Map<string, string>();
  for (const [k, v] of raw) out.set(k, fillVariables(v, raw));
  return out;
}

/** The request around `line`, with its connection, vhost, exchange or queue and key. */
export function scopeAt(
  text: string,
  line: number,
  defaults: { connection?: string; vhost?: string } = {},
): RequestScope {
  const lines = text.split(/\r?\n/);
  const variables = fileVariables(lines);
  const scope: RequestScope = {
    vhost: variables.get('vhost') ?? defaults.vhost ?? '/',
    variables,
  };
  const connection = variables.get('connection') ?? defaults.connection;
  if (connection !== undefined) scope.connection = connection;
  const b = blockAt(lines, Math.min(line, lines.length - 1));
  if (b.requestLine === undefined) return scope;
  const w = words(lines[b.requestLine]!);
  scope.kind = w[0]!.text.toLowerCase() as RequestKind;
  if (scope.kind === 'call' && w.length === 2) {
    // CALL <queue>: the default exchange, the queue as the routing key.
    scope.target = '';
    scope.routingKey = unquote(fillVariables(w[1]!.text, variables));
  } else {
    if (w[1]) scope.target = unquote(fillVariables(w[1].text, variables));
    if (w[2] && scope.kind !== 'peek') scope.routingKey = unquote(fillVariables(w[2].text, variables));
  }
  const headEnd = b.blank ?? b.end + 1;
  for (let i = b.requestLine + 1; i < headEnd; i++) {
    const m = FIELD_RE.exec(lines[i]!);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    if (name === 'connection') scope.connection = fillVariables(m[2]!, variables);
    if (name === 'vhost') scope.vhost = fillVariables(m[2]!, variables);
  }
  return scope;
}

const span = (line: number, start: number, end: number): Span => ({
  start: { line, character: start },
  end: { line, character: end },
});

/** Which completion applies at `pos`. */
export function cursorContext(text: string, pos: Pos): CursorContext {
  const lines = text.split(/\r?\n/);
  const lineText = lines[pos.line] ?? '';
  const before = lineText.slice(0, pos.character);
  if (COMMENT_RE.test(lineText) && !SEPARATOR_RE.test(lineText)) return { kind: 'none' };
  // Inside an unclosed {{ on this line: variables, anywhere (bodies included).
  const open = before.lastIndexOf('{{');
  if (open >= 0 && before.indexOf('}}', open) < 0)
    return { kind: 'variable', range: span(pos.line, open + 2, pos.character) };
  if (SEPARATOR_RE.test(lineText) || FILE_VAR_RE.test(lineText)) return { kind: 'none' };
  const b = blockAt(lines, pos.line);
  const wordStart = before.search(/[^\s:=]*$/);
  const here = span(pos.line, wordStart, pos.character);
  if (b.requestLine === undefined || pos.line < b.requestLine) {
    return before.trim() === '' || /^\s*[A-Za-z]*$/.test(before) ? { kind: 'verb', range: here } : { kind: 'none' };
  }
  if (pos.line === b.requestLine) {
    const w = words(lineText);
    const verb = w[0]!.text.toLowerCase() as RequestKind;
    // Which word the cursor is in (or after: a new word starts after a space).
    let index = w.findIndex((x) => pos.character >= x.start && pos.character <= x.end);
    if (index < 0) index = w.filter((x) => x.end < pos.character).length;
    const range = w[index] && pos.character <= w[index]!.end ? span(pos.line, w[index]!.start, pos.character) : here;
    if (index === 0) return { kind: 'verb', range };
    if (index === 1) return { kind: 'target', verb, range };
    if (index === 2 && verb !== 'peek') return { kind: 'routing-key', verb, range };
    return { kind: 'none' };
  }
  if (b.blank !== undefined && pos.line >= b.blank) return { kind: 'none' };
  const header = /^(\s*header\s+)([^\s:=]*)(\s*:\s*([A-Za-z0-9]*))?/i.exec(lineText);
  if (header) {
    const nameStart = header[1]!.length;
    const nameEnd = nameStart + header[2]!.length;
    if (pos.character >= nameStart && pos.character <= nameEnd)
      return { kind: 'header-name', range: span(pos.line, nameStart, pos.character) };
    if (header[3] && pos.character > nameEnd && pos.character <= nameEnd + header[3].length)
      return {
        kind: 'header-type',
        range: span(pos.line, nameEnd + header[3].length - header[4]!.length, pos.character),
      };
    return { kind: 'none' };
  }
  const colon = lineText.indexOf(':');
  if (colon < 0 || pos.character <= colon) {
    return /^\s*[\w-]*$/.test(before) ? { kind: 'field-name', range: here } : { kind: 'none' };
  }
  const field = lineText.slice(0, colon).trim().toLowerCase();
  const valueStart = colon + 1 + (lineText.slice(colon + 1).length - lineText.slice(colon + 1).trimStart().length);
  return { kind: 'field-value', field, range: span(pos.line, Math.min(valueStart, pos.character), pos.character) };
}

/** The exchange, queue or `{{variable}}` under `pos`, for hover. */
export function itemAt(text: string, pos: Pos): CursorItem | undefined {
  const lines = text.split(/\r?\n/);
  const lineText = lines[pos.line] ?? '';
  const varRe = /\{\{\s*(\$?[A-Za-z_][\w.-]*)((?:\s+[^\s{}]+)*)\s*\}\}/g;
  for (let m = varRe.exec(lineText); m; m = varRe.exec(lineText)) {
    if (pos.character >= m.index && pos.character <= m.index + m[0].length) {
      const name = m[1]!;
      return {
        kind: 'variable',
        name: name.startsWith('$') ? `${name}${m[2] ?? ''}` : name,
        dynamic: name.startsWith('$'),
        span: span(pos.line, m.index, m.index + m[0].length),
      };
    }
  }
  const b = blockAt(lines, pos.line);
  if (b.requestLine !== pos.line) return undefined;
  const w = words(lineText);
  const target = w[1];
  if (!target || pos.character < target.start || pos.character > target.end) return undefined;
  const scope = scopeAt(text, pos.line);
  const verb = w[0]!.text.toLowerCase();
  const oneNameCall = verb === 'call' && w.length === 2;
  return {
    kind: verb === 'peek' || oneNameCall ? 'queue' : 'exchange',
    name: (oneNameCall ? scope.routingKey : scope.target) ?? unquote(target.text),
    span: span(pos.line, target.start, target.end),
  };
}

/** A request as the live diagnostics need it: resolved by the parser (resolve.ts), best effort. */
export interface LiveRequest {
  kind: RequestKind;
  requestLine: Span;
  /** Exchange or queue, variables filled in; `unresolved` when a `{{…}}` is left. */
  target?: { value: string; span: Span; unresolved: boolean };
  routingKey?: { value: string; span: Span; unresolved: boolean };
  /** The connection name and where it is said (a `connection:` field or the file's `@connection`). */
  connection?: { value: string; span: Span };
  vhost: string;
  /** PUBLISH and CALL: the typed header rows, variables filled in (per-message values left). */
  headers: HeaderRow[];
}

/** Every request of the file, as resolveDetailed reads it even when it has errors. */
export function liveRequests(text: string, defaults: { connection?: string; vhost?: string } = {}): LiveRequest[] {
  const file = parseRequestFile(text);
  const ctx: ResolveContext = {
    env: {},
    lenientEnv: true,
    ...(defaults.connection !== undefined ? { defaultConnection: defaults.connection } : {}),
    ...(defaults.vhost !== undefined ? { defaultVhost: defaults.vhost } : {}),
  };
  const fileConnection = file.variables.find((v) => v.name.value === 'connection');
  const out: LiveRequest[] = [];
  for (const req of file.requests) {
    let value: ResolvedRequest;
    try {
      value = resolveDetailed(file, req, ctx).value;
    } catch {
      continue;
    }
    const loc = (v: string, at: Span) => ({ value: v, span: at, unresolved: v.includes('{{') });
    const live: LiveRequest = { kind: req.kind, requestLine: req.requestLine, vhost: value.vhost, headers: [] };
    const keySpan = req.routingKey?.span ?? req.target.span;
    if (value.kind === 'publish' || value.kind === 'call') {
      live.target = loc(value.draft.exchange, req.target.span);
      live.routingKey = loc(value.draft.routingKey, keySpan);
      live.headers = value.draft.headers;
    } else if (value.kind === 'route') {
      live.target = loc(value.exchange, req.target.span);
      live.routingKey = loc(value.routingKey, keySpan);
    } else {
      live.target = loc(value.queue, req.target.span);
    }
    // No name written yet (`CALL <queue>` has an empty target too, and its queue as the key).
    const emptyTarget = req.target.span.start.character === req.target.span.end.character;
    if (emptyTarget && !req.routingKey) delete live.target;
    const field = req.fields.find((f) => f.name.value === 'connection');
    if (value.connection !== undefined) {
      const at = field?.span ?? fileConnection?.value.span ?? req.requestLine;
      live.connection = { value: value.connection, span: at };
    }
    out.push(live);
  }
  return out;
}

/** Each `###` block folds up to its last non-blank line. */
export function requestFoldingRanges(lines: readonly string[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const starts = lines.flatMap((l, i) => (/^###(?!#)/.test(l) ? [i] : []));
  starts.forEach((start, k) => {
    let end = (starts[k + 1] ?? lines.length) - 1;
    while (end > start && lines[end]!.trim() === '') end--;
    if (end > start) out.push({ start, end });
  });
  return out;
}
