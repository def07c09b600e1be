/**
 * Every problem of a `.amqp` file that can be found without a broker: syntax, field names and
 * values, header types, JSON with its position, variables. The editor layer adds the live ones
 * (unknown exchange or queue, unroutable key).
 */
import { parseRequestFile } from './parse';
import { dedupe, resolveDetailed, scopeOf } from './resolve';
import type { ParsedFile, RequestProblem, ResolveContext } from './types';

/** The codes checkRequestFile reports (each has a unit test in request-file-diagnostics.test.ts). */
export const DIAGNOSTIC_CODES = [
  /** A line that is not a request line, field, header or comment; bad quotes; too many words. */
  'syntax',
  /** A request line without its exchange or queue. */
  'no-target',
  /** A field name the format does not know (with "did you mean"). */
  'unknown-field',
  /** A field or header that this kind of request does not take (timeout: on PUBLISH…). */
  'field-kind',
  /** The same field twice, or a PEEK count on the request line and in count:. */
  'duplicate-field',
  /** A field value out of range or of the wrong form (priority 300, repeat 0, timeout 5x…). */
  'bad-value',
  /** A JSON body that is not JSON, at the exact position. */
  'json',
  /** A header value that does not fit its type, or a header given twice. */
  'header-type',
  /** {{name}} with no @name, a cycle of variables, an unknown {{$…}}. */
  'unknown-variable',
  /** @name defined twice. */
  'duplicate-variable',
  /** {{$env NAME}} of an environment variable that is not set. */
  'env',
  /** A body on a PEEK or ROUTE (ignored). */
  'unused-body',
  /** A routing key AMQP cannot send (over 255 bytes). */
  'routing-key',
  /** A body the form would refuse besides JSON (invalid base64). */
  'body',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/** A file parsed and checked at once (the editor keeps both). */
export function checkParsedFile(file: ParsedFile, ctx?: Partial<ResolveContext>): RequestProblem[] {
  const full: ResolveContext = { ...ctx, env: ctx?.env ?? {}, lenientEnv: ctx?.lenientEnv ?? ctx?.env === undefined };
  const problems: RequestProblem[] = [...file.problems, ...scopeOf(file, full).problems];
  for (const request of file.requests) {
    try {
      problems.push(...resolveDetailed(file, request, full).problems);
    } catch (e) {
      problems.push({
        span: request.requestLine,
        severity: 'error',
        message: `Internal error: ${(e as Error).message}`,
        code: 'internal',
      });
    }
  }
  return dedupe(problems).sort(
    (a, b) => a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character,
  );
}

/**
 * The pure problems of a text. Without `ctx.env`, environment variables are not checked (the
 * editor passes process.env to have them checked).
 */
export function checkRequestFile(text: string, ctx?: Partial<ResolveContext>): RequestProblem[] {
  return checkParsedFile(parseRequestFile(text), ctx);
}
