/**
 * Template variables for "Publish N times", in the syntax of REST Client's .http files (which
 * Burrow's .amqp request files will use): `{{$name arg…}}`.
 * - `{{$i}}`: 1-based message number; `{{$index}}`: 0-based;
 * - `{{$uuid}}` (also REST Client's `{{$guid}}`): a random UUID v4 per message;
 * - `{{$timestamp}}`: epoch seconds; `{{$isoTimestamp}}`: ISO 8601 UTC, e.g. 2026-12-03T18:45:00.000Z;
 * - `{{$randomInt min max}}`: a whole number from min (included) to max (excluded), as in REST Client.
 * Anything else written `{{$…}}` is an error, found before anything is sent. `{{name}}` without
 * `$` is left as it is.
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
