/**
 * Template variables for "Publish N times", in the syntax of REST Client's .http files (which
 * Burrow's .amqp request files will use): `{{$name arg…}}`.
 * - `{{$i}}`: 1-based message number; `{{$index}}`: 0-based;
 * - `{{$uuid}}` (also REST Client's `{{$guid}}`): a random UUID v4 per message;
 * - `{{$timestamp}}`: epoch seconds; `{{$isoTimestamp}}`: ISO 8601 UTC, e.g. 2026-12-03T18:45:00.000Z;
 * - `{{$randomInt min max}}`: a whole number from min (included) to max (excluded), as in REST Client.
 * Anything else written `{{$…}}` is an error, found before anything is sent. `{{name}}` without
 * `$` is left as it is.
 *
 * A batch is checked whole before its first message is sent (checkBatch): each message is
 * expanded and checked like a draft, with contexts that give message n the same uuid and random
 * numbers when it is checked and when it is sent (replayableContexts).
 */
import type { PublishDraft } from '../protocol/publish';
import { draftToRequest, type DraftResult } from './publishDraft';

export interface TemplateContext {
  /** 0-based message number. */
  index: number;
  nowMs: number;
  uuid: () => string;
  /** In [0, 1), like Math.random. */
  random: () => number;
}

const VAR = /\{\{\s*\$([A-Za-z_][\w]*)((?:\s+[^\s{}]+)*)\s*\}\}/g;
const KNOWN = 'i, index, uuid, guid, timestamp, isoTimestamp, randomInt min max';

export class TemplateError extends Error {}

export function hasTemplateVars(text: string): boolean {
  VAR.lastIndex = 0;
  return VAR.test(text);
}

function value(name: string, args: string[], ctx: TemplateContext): string {
  const noArgs = () => {
    if (args.length) throw new TemplateError(`{{$${name}}} takes no arguments`);
  };
  switch (name) {
    case 'i':
      noArgs();
      return String(ctx.index + 1);
    case 'index':
      noArgs();
      return String(ctx.index);
    case 'uuid':
    case 'guid':
      noArgs();
      return ctx.uuid();
    case 'timestamp':
      noArgs();
      return String(Math.floor(ctx.nowMs / 1000));
    case 'isoTimestamp':
      noArgs();
      return new Date(ctx.nowMs).toISOString();
    case 'randomInt': {
      const [min, max] = args.map(Number);
      if (args.length !== 2 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min)
        throw new TemplateError(
          '{{$randomInt min max}} needs two whole numbers with min < max, e.g. {{$randomInt 1 100}}',
        );
      return String(min + Math.floor(ctx.random() * (max - min)));
    }
    default:
      throw new TemplateError(`Unknown template variable {{$${name}}}: use ${KNOWN}`);
  }
}

/** Replaces every `{{$…}}`; throws a TemplateError naming an unknown variable or bad arguments. */
export function expandTemplate(text: string, ctx: TemplateContext): string {
  if (!text.includes('{{')) return text;
  return text.replace(VAR, (_m, name: string, rest: string) =>
    value(name, rest.trim() ? rest.trim().split(/\s+/) : [], ctx),
  );
}

/** The strings of a draft that templates apply to: body (not base64), header names and values, properties. */
export function draftHasTemplateVars(draft: PublishDraft): boolean {
  const p = draft.properties;
  const strings = [
    draft.bodyMode === 'base64' ? '' : draft.body,
    ...draft.headers.flatMap((h) => [h.name, h.value]),
    ...Object.values(p).filter((v): v is string => typeof v === 'string'),
  ];
  return strings.some(hasTemplateVars);
}

/** The draft for one message: templates expanded in the body, headers and properties. */
export function expandDraft(draft: PublishDraft, ctx: TemplateContext): PublishDraft {
  const x = (s: string, where = '') => {
    try {
      return expandTemplate(s, ctx);
    } catch (err) {
      throw where && err instanceof TemplateError ? new TemplateError(`${where}: ${err.message}`) : err;
    }
  };
  const properties = { ...draft.properties };
  for (const k of Object.keys(properties) as (keyof typeof properties)[]) {
    const v = properties[k];
    if (typeof v === 'string') (properties as Record<string, unknown>)[k] = x(v, `Property ${k}`);
  }
  return {
    ...draft,
    body: draft.bodyMode === 'base64' ? draft.body : x(draft.body),
    headers: draft.headers.map((h) => ({
      ...h,
      name: x(h.name, 'Header name'),
      value: x(h.value, `Header ${h.name}`),
    })),
    properties,
  };
}

/**
 * The request for message `ctx.index` of a draft: templates expanded, then checked like any draft.
 * Template errors (unknown variable, bad arguments) come back as a failure of the body field,
 * naming where they are.
 */
export function requestAt(draft: PublishDraft, ctx: TemplateContext): DraftResult {
  let expanded: PublishDraft;
  try {
    expanded = expandDraft(draft, ctx);
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, field: 'body', error: err.message };
    throw err;
  }
  const r = draftToRequest(expanded, ctx.nowMs);
  return r.ok || ctx.index === 0 ? r : { ...r, error: `Message ${ctx.index + 1}: ${r.error}` };
}

/** Four 32-bit words: the random seed of one run (see replayableContexts). */
export type TemplateSeed = readonly [number, number, number, number];

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, 32-bit outputs. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * Template contexts that give message `index` the same `{{$uuid}}` and `{{$randomInt}}` values
 * every time it is asked for: a generator seeded by the run's seed (random, from the caller) and
 * the message number. So a batch is checked (checkBatch) and then sent with the very values that
 * were checked. UUIDs are version 4 in form, drawn from that generator (122 bits from a 128-bit
 * random seed per run). Timestamps are the one thing not replayed: they are read from `now` when
 * a message is expanded (their form, 10 digits or an ISO date of fixed length, does not change).
 */
export function replayableContexts(
  seed: TemplateSeed,
  now: () => number = Date.now,
): (index: number) => TemplateContext {
  return (index) => {
    // The message number goes into two words (distinct states for distinct messages); a dozen
    // rounds mix it in before the first output.
    const next = sfc32(seed[0] ^ index, seed[1] ^ Math.floor(index / 0x1_0000_0000), seed[2], seed[3] ^ 0x9e3779b9);
    for (let i = 0; i < 12; i++) next();
    return {
      index,
      nowMs: now(),
      random: () => next() / 0x1_0000_0000,
      uuid: () => {
        const a = next();
        const b = (next() & 0xffff0fff) | 0x00004000; // version 4
        const c = ((next() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10
        const d = next();
        const h = hex8(a) + hex8(b >>> 0) + hex8(c) + hex8(d);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      },
    };
  };
}

export type BatchCheck =
  /** Messages 1 to `checked` are valid; `checked` < count when the time budget ran out first. */
  | { ok: true; checked: number }
  /** Message `index + 1` is not valid; `error` names it ("Message 256: …") unless it is the first. */
  | { ok: false; index: number; field: string; error: string };

export interface BatchCheckOptions {
  /** Stop checking (the rest is checked as it is sent) after this long. Default 3000 ms. */
  budgetMs?: number;
  /** Hand the thread back this often (the extension host must not freeze). Default 50 ms. */
  sliceMs?: number;
  /** Clock for the budget; default performance.now or Date.now. */
  clock?: () => number;
  /** How to hand the thread back; default a zero-delay timer. */
  pause?: () => Promise<void>;
}

const defaultClock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Checks "Publish N times" whole before anything is sent: every message of the batch is expanded
 * (with `ctxAt`, which must give each message the values it will be sent with, see
 * replayableContexts) and checked like a draft (JSON body, properties, headers), so a template
 * that breaks message 256 only (a priority of {{$i}}, a random number that makes the JSON invalid,
 * a header that collides with another) stops the run before message 1. Works in slices that hand
 * the thread back; after `budgetMs` the remaining messages are left to be checked as they are sent.
 */
export async function checkBatch(
  draft: PublishDraft,
  count: number,
  ctxAt: (index: number) => TemplateContext,
  opts: BatchCheckOptions = {},
): Promise<BatchCheck> {
  const clock = opts.clock ?? defaultClock;
  const pause = opts.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const budgetMs = opts.budgetMs ?? 3000;
  const sliceMs = opts.sliceMs ?? 50;
  const start = clock();
  let sliceStart = start;
  // A body without variables is the same in every message: checked with message 1 only (parsing
  // a large JSON body is most of the cost).
  const staticBody = draft.bodyMode === 'base64' || !hasTemplateVars(draft.body);
  const rest: PublishDraft = staticBody ? { ...draft, bodyMode: 'text', body: '' } : draft;
  for (let index = 0; index < count; index++) {
    const r = requestAt(index === 0 ? draft : rest, ctxAt(index));
    if (!r.ok) return { ok: false, index, field: r.field, error: r.error };
    if ((index & 255) === 255 && index + 1 < count) {
      const t = clock();
      if (t - start >= budgetMs) return { ok: true, checked: index + 1 };
      if (t - sliceStart >= sliceMs) {
        await pause();
        sliceStart = clock();
      }
    }
  }
  return { ok: true, checked: count };
}
