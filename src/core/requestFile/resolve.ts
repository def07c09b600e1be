/**
 * Fills in variables and turns a parsed request into what the runner sends: a PublishDraft, an
 * RpcDraft, a peek or a route question. Field values are checked here (after variables), each
 * problem with the span of what is wrong. Per-message values (`{{$i}}`, `{{$uuid}}`…) stay in the
 * drafts: where a check needs a value, they are replaced by a neutral one (see neutralize).
 */
import { typeScalar } from '../arguments';
import { buildHeaders } from '../fieldValues';
import type { FieldTable, FieldValue } from '../fieldTypes';
import { parseRowValue, rowFromValue } from '../headerRows';
import { parseJsonWithPosition } from '../json';
import { draftToRequest } from '../publishDraft';
import { expandDraft, expandTemplate, hasTemplateVars, replayableContexts } from '../templateVars';
import { bodyContentType, emptyDraft, type BodyMode, type HeaderRow, type PublishDraft } from '../../protocol/publish';
import type { RpcDraft } from '../../protocol/rpc';
import {
  MAX_PEEK_COUNT,
  MAX_REPEAT,
  fieldSpec,
  parseBool,
  parseChoice,
  parseDeliveryMode,
  parseDuration,
  parseWhole,
  type Parsed,
} from './fields';
import type {
  FieldLine,
  Located,
  ParsedFile,
  ParsedRequest,
  RequestProblem,
  ResolveContext,
  ResolveResult,
  ResolvedRequest,
  Span,
} from './types';
import { fileScope, positionIn, substituteMapped, type EnvOptions, type Scope } from './variables';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_PEEK_COUNT = 10;

/** Maps `content-type` to the PublishDraft property it sets. */
const PROPERTY_OF: Readonly<Record<string, keyof PublishDraft['properties']>> = {
  'content-type': 'contentType',
  'content-encoding': 'contentEncoding',
  priority: 'priority',
  'correlation-id': 'correlationId',
  'reply-to': 'replyTo',
  expiration: 'expiration',
  'message-id': 'messageId',
  timestamp: 'timestamp',
  type: 'type',
  'user-id': 'userId',
  'app-id': 'appId',
};

/**
 * Dynamic values replaced by a neutral text of the same length (`0` then spaces, line breaks
 * kept), so that checks can run and positions stay exact. `0` fits where the runner will put a
 * number ({{$i}}, {{$timestamp}}, {{$randomInt}}) and inside a JSON string; a `{{$uuid}}` outside
 * quotes is not caught here (it is when the message is expanded, before anything is sent).
 */
export function neutralize(text: string): string {
  if (!text.includes('{{')) return text;
  return text.replace(
    /\{\{\s*\$[A-Za-z_][\w]*(?:\s+[^\s{}]+)*\s*\}\}/g,
    (m) => '0' + m.slice(1).replace(/[^\n]/g, ' '),
  );
}

const scopes = new WeakMap<ParsedFile, { env: EnvOptions['env']; lenient: boolean; scope: Scope }>();

/** The file's variables, resolved once per file and environment. */
export function scopeOf(file: ParsedFile, opts: EnvOptions): Scope {
  const cached = scopes.get(file);
  if (cached && cached.env === opts.env && cached.lenient === !!opts.lenientEnv) return cached.scope;
  const scope = fileScope(file, opts);
  scopes.set(file, { env: opts.env, lenient: !!opts.lenientEnv, scope });
  return scope;
}

class Resolver {
  readonly problems: RequestProblem[] = [];
  readonly fields = new Map<string, { line: FieldLine; value: string }>();
  private readonly opts: EnvOptions;
  private readonly scope: Scope;

  constructor(
    readonly file: ParsedFile,
    readonly request: ParsedRequest,
    readonly ctx: ResolveContext,
  ) {
    this.opts = { env: ctx.env ?? {}, lenientEnv: ctx.lenientEnv };
    this.scope = scopeOf(file, this.opts);
    for (const f of request.fields) {
      const name = f.name.value;
      const spec = fieldSpec(name);
      if (spec && !spec.kinds.includes(request.kind)) {
        this.problem(
          f.name.span,
          `'${name}' does not apply to ${request.kind.toUpperCase()} (it applies to ${spec.kinds.map((k) => k.toUpperCase()).join(', ')})`,
          'field-kind',
        );
        continue;
      }
      const first = this.fields.get(name);
      if (first) {
        this.problem(
          f.name.span,
          `'${name}' is given twice (first on line ${first.line.span.start.line + 1})`,
          'duplicate-field',
        );
        continue;
      }
      this.fields.set(name, { line: f, value: this.sub(f.value) });
    }
  }

  /** A file variable's value (`@connection`, `@vhost`), trimmed; undefined if absent or empty. */
  scopeValue(name: string): string | undefined {
    return this.scope.values.get(name)?.trim() || undefined;
  }

  problem(span: Span, message: string, code: string, severity: RequestProblem['severity'] = 'error'): void {
    this.problems.push({ span, severity, message, code });
  }

  private lookup = (name: string): string | undefined => {
    const broken = this.scope.broken.get(name);
    if (broken) this.problems.push(...broken);
    return this.scope.values.get(name);
  };

  sub(loc: Located): string {
    return substituteMapped(loc, this.lookup, this.opts, this.problems).text;
  }

  /** A field's value parsed, or undefined (absent, or wrong: then a problem at the value). */
  field<T>(name: string, parse: (text: string) => Parsed<T>, dynamicOk = false): T | undefined {
    const f = this.fields.get(name);
    if (!f) return undefined;
    if (!dynamicOk && hasTemplateVars(f.value)) {
      this.problem(
        f.line.value.span,
        `'${name}' is the same for every message: per-message values ({{$…}}) cannot be used`,
        'bad-value',
      );
      return undefined;
    }
    const r = parse(f.value);
    if (!r.ok) {
      this.problem(f.line.value.span, r.error, 'bad-value');
      return undefined;
    }
    return r.value;
  }

  /** Header rows with variables filled in, each checked against its type. */
  headerRows(): HeaderRow[] {
    const rows: HeaderRow[] = [];
    const seen = new Map<string, number>();
    for (const h of this.request.headers) {
      const name = this.sub(h.name);
      const text = this.sub(h.value);
      let row: HeaderRow;
      if (h.type) {
        const type = h.type.value as HeaderRow['type'];
        const quoted = type === 'string' && text.length >= 2 && text.startsWith('"') && text.endsWith('"');
        row = { name, type, value: quoted ? (typeScalar(text) as string) : text };
      } else {
        // Typed as binding arguments are: 5 → a number, true → bool, null → void, "5" → a string.
        const v = typeScalar(text);
        row = typeof v === 'string' ? { name, type: 'string', value: v } : rowFromValue(name, v as FieldValue);
      }
      const first = seen.get(name);
      if (first !== undefined)
        this.problem(h.name.span, `Header '${name}' is given twice (first on line ${first + 1})`, 'header-type');
      else seen.set(name, h.span.start.line);
      const checked = parseRowValue(row.type, neutralize(row.value), `Header '${name}'`);
      if (!checked.ok) this.problem(h.value.span, checked.error, 'header-type');
      rows.push(row);
    }
    return rows;
  }

  /** Body text (variables filled in) and its mode; JSON is checked with its exact position. */
  body(defaultMode: (text: string) => BodyMode): { text: string; mode: BodyMode; file?: string } {
    const explicit = this.field('body-type', (t) => parseChoice(t, 'body-type', ['json', 'text', 'base64'] as const));
    const b = this.request.body;
    if (b.kind === 'file') return { text: '', mode: explicit ?? defaultMode(''), file: this.sub(b.path) };
    if (b.kind === 'none') return { text: '', mode: explicit ?? 'text' };
    const sub = substituteMapped(b.text, this.lookup, this.opts, this.problems);
    const mode = explicit ?? defaultMode(sub.text);
    if (mode === 'json') {
      const parsed = parseJsonWithPosition(neutralize(sub.text));
      if (!parsed.ok) {
        const at = positionIn(b.text.value, sub.toSource(parsed.offset), b.text.span.start);
        const end = positionIn(
          b.text.value,
          Math.min(b.text.value.length, sub.toSource(parsed.offset) + 1),
          b.text.span.start,
        );
        this.problem({ start: at, end: end.line === at.line ? end : at }, `Invalid JSON: ${parsed.message}`, 'json');
      }
    }
    return { text: sub.text, mode };
  }

  unusedBody(): void {
    const b = this.request.body;
    if (b.kind !== 'none')
      this.problem(
        b.kind === 'file' ? b.path.span : b.text.span,
        `${this.request.kind.toUpperCase()} sends no body: this text is ignored`,
        'unused-body',
        'warning',
      );
  }

  noHeaders(): void {
    for (const h of this.request.headers)
      this.problem(h.span, `${this.request.kind.toUpperCase()} takes no headers`, 'field-kind');
  }

  repeat(): number {
    return this.field('repeat', (t) => parseWhole(t, 'repeat', 1, MAX_REPEAT)) ?? 1;
  }
}

const jsonLike = (contentType: string) => (text: string) =>
  /json/i.test(contentType) || /^\s*[[{]/.test(text) ? 'json' : 'text';

function publish(r: Resolver, base: { connection?: string; vhost: string }): ResolvedRequest {
  const req = r.request;
  const exchange = r.sub(req.target);
  const routingKey = req.routingKey ? r.sub(req.routingKey) : '';
  const draft = emptyDraft(exchange, routingKey, r.ctx.defaultDeliveryMode ?? 2);
  for (const [name, key] of Object.entries(PROPERTY_OF)) {
    const f = r.fields.get(name);
    if (!f) continue;
    (draft.properties as Record<string, string | number>)[key] = f.value;
    if (hasTemplateVars(f.value)) continue; // checked per message by the runner
    const check: Parsed<unknown> =
      name === 'priority'
        ? parseWhole(f.value, 'priority', 0, 255)
        : name === 'expiration' && !/^\d+$/.test(f.value.trim())
          ? { ok: false, error: `expiration is a whole number of milliseconds (e.g. 60000), got '${f.value}'` }
          : name === 'timestamp' &&
              f.value.trim() !== 'now' &&
              !/^\d+$/.test(f.value.trim()) &&
              Number.isNaN(Date.parse(f.value.trim()))
            ? { ok: false, error: `timestamp is 'now', epoch seconds or an ISO date, got '${f.value}'` }
            : { ok: true, value: undefined };
    if (!check.ok) r.problem(f.line.value.span, check.error, 'bad-value');
  }
  const mode = r.field('delivery-mode', parseDeliveryMode);
  const persistent = r.field('persistent', (t) => parseBool(t, 'persistent'));
  if (mode !== undefined && persistent !== undefined && (mode === 2) !== persistent)
    r.problem(
      r.fields.get('persistent')!.line.span,
      'persistent and delivery-mode disagree: give one of them',
      'bad-value',
    );
  if (mode !== undefined) draft.properties.deliveryMode = mode;
  else if (persistent !== undefined) draft.properties.deliveryMode = persistent ? 2 : 1;
  draft.mandatory = r.field('mandatory', (t) => parseBool(t, 'mandatory')) ?? true;
  draft.headers = r.headerRows();
  const body = r.body(jsonLike(draft.properties.contentType));
  draft.body = body.text;
  draft.bodyMode = body.mode;
  const repeat = r.repeat();
  if (!r.problems.some((p) => p.severity === 'error')) backstop(r, draft);
  return {
    ...base,
    kind: 'publish',
    request: req,
    draft,
    repeat,
    ...(body.file !== undefined ? { bodyFile: body.file } : {}),
  };
}

/** draftToRequest on the draft with neutral per-message values: what the form would refuse. */
function backstop(r: Resolver, draft: PublishDraft): void {
  const probe = expandDraft(
    { ...draft, body: draft.bodyMode === 'json' ? '0' : draft.body },
    { index: 0, nowMs: 0, uuid: () => '00000000-0000-4000-8000-000000000000', random: () => 0 },
  );
  let result;
  try {
    result = draftToRequest(probe, 0);
  } catch (e) {
    result = { ok: false as const, field: 'body', error: (e as Error).message };
  }
  if (result.ok) return;
  const req = r.request;
  const b = req.body;
  const span =
    result.field === 'routingKey'
      ? (req.routingKey ?? req.target).span
      : result.field === 'body'
        ? b.kind === 'inline'
          ? b.text.span
          : b.kind === 'file'
            ? b.path.span
            : req.requestLine
        : result.field === 'headers'
          ? (req.headers[0]?.span ?? req.requestLine)
          : (r.fields.get(Object.keys(PROPERTY_OF).find((k) => PROPERTY_OF[k] === result.field) ?? '')?.line.value
              .span ?? req.requestLine);
  const code =
    result.field === 'headers'
      ? 'header-type'
      : result.field === 'routingKey'
        ? 'routing-key'
        : result.field === 'body'
          ? 'body'
          : 'bad-value';
  r.problem(span, result.error, code);
}

function call(r: Resolver, base: { connection?: string; vhost: string }): ResolvedRequest {
  const req = r.request;
  const typed = r.fields.get('content-type')?.value ?? '';
  const headers = r.headerRows();
  const body = r.body(jsonLike(typed));
  // As for PUBLISH (and the publish form): without content-type: the body type's.
  const contentType = typed.trim() || bodyContentType(body.mode === 'json' ? 'json' : 'text');
  if (body.mode === 'base64') {
    const f = r.fields.get('body-type');
    r.problem(
      f ? f.line.value.span : req.requestLine,
      'A CALL body is text or json (the RPC panel sends no binary bodies)',
      'bad-value',
    );
  }
  const draft: RpcDraft = {
    exchange: r.sub(req.target),
    routingKey: req.routingKey ? r.sub(req.routingKey) : '',
    bodyMode: body.mode === 'json' ? 'json' : 'text',
    body: body.text,
    contentType,
    headers,
    timeoutMs: r.field('timeout', parseDuration) ?? r.ctx.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    replyMode:
      r.field('reply-mode', (t) =>
        parseChoice(t === 'direct-reply-to' ? 'direct' : t, 'reply-mode', ['direct', 'callback-queue'] as const),
      ) === 'callback-queue'
        ? 'callback-queue'
        : 'direct-reply-to',
  };
  return {
    ...base,
    kind: 'call',
    request: req,
    draft,
    repeat: r.repeat(),
    ...(body.file !== undefined ? { bodyFile: body.file } : {}),
  };
}

/**
 * A PEEK or a ROUTE is one question, not a series of messages: per-message values in it are
 * filled in once, here (unknown ones were reported by substitute and stay as written).
 */
function once(text: string): string {
  if (!hasTemplateVars(text)) return text;
  const seed = [0, 0, 0, 0].map(() => Math.floor(Math.random() * 0x1_0000_0000)) as [number, number, number, number];
  const ctx = replayableContexts(seed)(0);
  return text.replace(/\{\{\s*\$[A-Za-z_]\w*(?:[ \t]+[^\s{}]+)*\s*\}\}/g, (m) => {
    try {
      return expandTemplate(m, ctx);
    } catch {
      return m;
    }
  });
}

function peek(r: Resolver, base: { connection?: string; vhost: string }): ResolvedRequest {
  const req = r.request;
  const queue = once(r.sub(req.target));
  // A name from variables that came out empty was reported where the variable is (or is lenient env).
  if (
    queue === '' &&
    req.target.span.start.character !== req.target.span.end.character &&
    !req.target.value.includes('{{')
  )
    r.problem(req.target.span, 'PEEK needs a queue name', 'no-target');
  const countText = (loc: Located) => parseWhole(r.sub(loc), 'count', 1, MAX_PEEK_COUNT);
  let count = r.field('count', (t) => parseWhole(t, 'count', 1, MAX_PEEK_COUNT));
  if (req.count) {
    if (r.fields.has('count'))
      r.problem(req.count.span, 'The count is given twice (here and in count:)', 'duplicate-field');
    const c = countText(req.count);
    if (c.ok) count = c.value;
    else r.problem(req.count.span, c.error, 'bad-value');
  }
  r.noHeaders();
  r.unusedBody();
  return { ...base, kind: 'peek', request: req, queue, count: count ?? DEFAULT_PEEK_COUNT };
}

function route(r: Resolver, base: { connection?: string; vhost: string }): ResolvedRequest {
  const req = r.request;
  const rows = r.headerRows();
  let headers: FieldTable = {};
  if (!r.problems.some((p) => p.code === 'header-type')) {
    const built = buildHeaders(rows.map((row) => ({ ...row, name: once(row.name), value: once(row.value) })));
    if (built.ok) headers = built.headers;
    else r.problem(req.headers[built.index ?? 0]?.span ?? req.requestLine, built.error, 'header-type');
  }
  r.unusedBody();
  return {
    ...base,
    kind: 'route',
    request: req,
    exchange: once(r.sub(req.target)),
    routingKey: once(req.routingKey ? r.sub(req.routingKey) : ''),
    headers,
  };
}

export interface ResolveDetails {
  value: ResolvedRequest;
  /** Errors and warnings, in the order found (duplicates of file-level problems possible). */
  problems: RequestProblem[];
}

/** resolveRequest with every problem and the best-effort value even when there are errors. */
export function resolveDetailed(file: ParsedFile, request: ParsedRequest, ctx: ResolveContext): ResolveDetails {
  const r = new Resolver(file, request, ctx);
  const connection = r.fields.has('connection')
    ? r.fields.get('connection')!.value.trim()
    : (r.scopeValue('connection') ?? ctx.defaultConnection);
  const vhost = r.fields.has('vhost')
    ? r.fields.get('vhost')!.value.trim()
    : (r.scopeValue('vhost') ?? ctx.defaultVhost ?? '/');
  const base = { ...(connection ? { connection } : {}), vhost: vhost || '/' };
  const value =
    request.kind === 'publish'
      ? publish(r, base)
      : request.kind === 'call'
        ? call(r, base)
        : request.kind === 'peek'
          ? peek(r, base)
          : route(r, base);
  return { value, problems: dedupe(r.problems) };
}

export function dedupe(problems: RequestProblem[]): RequestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.span.start.line}:${p.span.start.character}:${p.span.end.line}:${p.span.end.character}:${p.code}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function resolveRequest(file: ParsedFile, request: ParsedRequest, ctx: ResolveContext): ResolveResult {
  try {
    const { value, problems } = resolveDetailed(file, request, ctx);
    if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
    return problems.length ? { ok: true, value, warnings: problems } : { ok: true, value };
  } catch (e) {
    // Never expected; a request that breaks the resolver must not break the editor.
    return {
      ok: false,
      problems: [
        {
          span: request.requestLine,
          severity: 'error',
          message: `Internal error: ${(e as Error).message}`,
          code: 'internal',
        },
      ],
    };
  }
}
