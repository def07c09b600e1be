/** Fills in variables and turns a parsed request into what the runner sends. STUB: replaced by the parser work. */
import type { ParsedFile, ParsedRequest, ResolveContext, ResolveResult } from './types';

export function resolveRequest(_file: ParsedFile, request: ParsedRequest, _ctx: ResolveContext): ResolveResult {
  return { ok: false, problems: [{ span: request.span, severity: 'error', message: 'not implemented', code: 'stub' }] };
}
