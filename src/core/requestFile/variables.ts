/**
 * Variables of `.amqp` files:
 * - `{{name}}`: a file variable (`@name = value`); a value may use other variables, in any order,
 *   but not itself through a cycle; the first definition of a name counts;
 * - `{{$env NAME}}` and REST Client's `{{$processEnv NAME}}`: an environment variable, filled in
 *   when the request is resolved (a missing one is a problem);
 * - `{{$uuid}}`, `{{$guid}}`, `{{$i}}`, `{{$index}}`, `{{$timestamp}}`, `{{$isoTimestamp}}`,
 *   `{{$randomInt a b}}`: per-message values, left in the text for src/core/templateVars.ts,
 *   which the runner expands per message (as "Publish N times" does). Their names and arguments
 *   are checked here, with templateVars' own rules.
 */
import { TemplateError, expandTemplate } from '../templateVars';
import type { FileVariable, Located, ParsedFile, Pos, RequestProblem, Span } from './types';

export type VariableRefKind = 'file' | 'env' | 'dynamic';

export interface VariableRef {
  kind: VariableRefKind;
  /** The variable name without `$` (file), the environment variable (env), or the dynamic name (`uuid`). */
  name: string;
  args: string[];
  /** Offsets in the text: `{{` to after `}}`. */
  start: number;
  end: number;
  /** The same as positions, with the text starting at line 0, character 0. */
  span: Span;
}

const REF = /\{\{\s*(\$?)([A-Za-z_][\w.-]*)((?:[ \t]+[^\s{}]+)*)\s*\}\}/g;
const ENV_NAMES = new Set(['env', 'processEnv']);

/** The position of `offset` in `text`, text starting at `origin`. */
export function positionIn(text: string, offset: number, origin: Pos = { line: 0, character: 0 }): Pos {
  let line = origin.line;
  let character = origin.character;
  const stop = Math.min(offset, text.length);
  for (let i = 0; i < stop; i++) {
    if (text[i] === '\n') {
      line++;
      character = 0;
    } else character++;
  }
  return { line, character };
}

/** Every `{{…}}` reference of a text, in order, with offsets and positions (completion, hover). */
export function findVariableRefs(text: string, origin: Pos = { line: 0, character: 0 }): VariableRef[] {
  const out: VariableRef[] = [];
  if (!text.includes('{{')) return out;
  for (const m of text.matchAll(REF)) {
    const start = m.index;
    const end = start + m[0].length;
    const name = m[2]!;
    const args = m[3]!.trim() ? m[3]!.trim().split(/\s+/) : [];
    const dollar = m[1] === '$';
    const kind: VariableRefKind = !dollar ? 'file' : ENV_NAMES.has(name) ? 'env' : 'dynamic';
    const span = { start: positionIn(text, start, origin), end: positionIn(text, end, origin) };
    out.push(
      kind === 'env' ? { kind, name: args[0] ?? '', args, start, end, span } : { kind, name, args, start, end, span },
    );
  }
  return out;
}

/** The span of `[start, end)` of a located value (clamped to its span: quoted names were unescaped). */
function spanIn(loc: Located, start: number, end: number): Span {
  const clamp = (p: Pos): Pos =>
    p.line > loc.span.end.line || (p.line === loc.span.end.line && p.character > loc.span.end.character)
      ? loc.span.end
      : p;
  return {
    start: clamp(positionIn(loc.value, start, loc.span.start)),
    end: clamp(positionIn(loc.value, end, loc.span.start)),
  };
}

const PROBE_CTX = { index: 0, nowMs: 0, uuid: () => '', random: () => 0 };

/** Why a per-message `{{$…}}` reference is wrong (templateVars' message), or undefined. */
function dynamicProblem(ref: VariableRef): string | undefined {
  try {
    expandTemplate(`{{$${ref.name}${ref.args.length ? ' ' + ref.args.join(' ') : ''}}}`, PROBE_CTX);
    return undefined;
  } catch (e) {
    return e instanceof TemplateError ? e.message : String(e);
  }
}

export interface Scope {
  /** Resolved file variables (their own references filled in). */
  values: ReadonlyMap<string, string>;
  /** Problems of the definitions (unknown names in values, cycles, duplicates), at the definitions. */
  problems: RequestProblem[];
  /** Problems by variable name: a request that uses a broken variable reports them too. */
  broken: ReadonlyMap<string, RequestProblem[]>;
}

export interface EnvOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Missing environment variables are not problems (and fill in as ''). */
  lenientEnv?: boolean;
}

/** Fills in `{{name}}` and `{{$env NAME}}` in a located value; dynamic values stay. */
export function substitute(
  loc: Located,
  lookup: (name: string) => string | undefined,
  opts: EnvOptions,
  problems: RequestProblem[],
): string {
  return substituteMapped(loc, lookup, opts, problems).text;
}

export interface Substituted {
  text: string;
  /** The offset in the located value of an offset in `text` (inside a filled-in variable: its `{{`). */
  toSource: (offset: number) => number;
}

/** substitute, also mapping offsets of the result back to the source (JSON error positions). */
export function substituteMapped(
  loc: Located,
  lookup: (name: string) => string | undefined,
  opts: EnvOptions,
  problems: RequestProblem[],
): Substituted {
  const text = loc.value;
  if (!text.includes('{{')) return { text, toSource: (o) => o };
  // [start in the result, start in the source, length, copied as is]
  const segments: [number, number, number, boolean][] = [];
  let out = '';
  let last = 0;
  const copy = (from: number, to: number, verbatim: boolean, replacement?: string) => {
    const piece = replacement ?? text.slice(from, to);
    segments.push([out.length, from, piece.length, verbatim]);
    out += piece;
  };
  for (const ref of findVariableRefs(text)) {
    copy(last, ref.start, true);
    const before = out.length;
    last = ref.end;
    const where = () => spanIn(loc, ref.start, ref.end);
    const raw = text.slice(ref.start, ref.end);
    if (ref.kind === 'dynamic') {
      const why = dynamicProblem(ref);
      if (why) problems.push({ span: where(), severity: 'error', message: why, code: 'unknown-variable' });
      out += raw;
    } else if (ref.kind === 'env') {
      const value = ref.args.length === 1 ? opts.env[ref.name] : undefined;
      if (ref.args.length !== 1)
        problems.push({
          span: where(),
          severity: 'error',
          message: `${raw} needs one environment variable name, e.g. {{$env RABBIT_USER}}`,
          code: 'unknown-variable',
        });
      else if (value === undefined && !opts.lenientEnv)
        problems.push({
          span: where(),
          severity: 'error',
          message: `The environment variable ${ref.name} is not set`,
          code: 'env',
        });
      out += value ?? '';
    } else {
      const value = lookup(ref.name);
      if (value === undefined) {
        problems.push({
          span: where(),
          severity: 'error',
          message: `Unknown variable {{${ref.name}}}: define it with @${ref.name} = … at the top of the file`,
          code: 'unknown-variable',
        });
        out += raw;
      } else out += value;
    }
    const piece = out.slice(before);
    out = out.slice(0, before);
    copy(ref.start, ref.end, piece === text.slice(ref.start, ref.end), piece);
  }
  copy(last, text.length, true);
  const toSource = (offset: number): number => {
    for (const [outStart, srcStart, length, verbatim] of segments)
      if (offset < outStart + length || (offset === outStart + length && segments.at(-1)![0] === outStart))
        return verbatim ? srcStart + (offset - outStart) : srcStart;
    return text.length;
  };
  return { text: out, toSource };
}

/** Resolves the file variables once for the whole file. */
export function fileScope(file: ParsedFile, opts: EnvOptions): Scope {
  const defs = new Map<string, FileVariable>();
  const problems: RequestProblem[] = [];
  for (const v of file.variables) {
    const first = defs.get(v.name.value);
    if (first)
      problems.push({
        span: v.name.span,
        severity: 'error',
        message: `@${v.name.value} is already defined on line ${first.name.span.start.line + 1}; the first definition counts`,
        code: 'duplicate-variable',
      });
    else defs.set(v.name.value, v);
  }
  const values = new Map<string, string>();
  const broken = new Map<string, RequestProblem[]>();
  const visiting: string[] = [];
  const resolve = (name: string): string | undefined => {
    if (values.has(name)) return values.get(name);
    const def = defs.get(name);
    if (!def) return undefined;
    if (visiting.includes(name)) return undefined;
    visiting.push(name);
    const own: RequestProblem[] = [];
    const value = substitute(
      def.value,
      (n) => {
        if (visiting.includes(n)) {
          own.push({
            span: def.value.span,
            severity: 'error',
            message: `Variables refer to each other in a cycle: ${[...visiting.slice(visiting.indexOf(n)), n].join(' → ')}`,
            code: 'unknown-variable',
          });
          return '';
        }
        return resolve(n);
      },
      opts,
      own,
    );
    visiting.pop();
    values.set(name, value);
    if (own.length) broken.set(name, own);
    problems.push(...own);
    return value;
  };
  for (const name of defs.keys()) resolve(name);
  return { values, problems, broken };
}
