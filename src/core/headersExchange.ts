/**
 * Headers exchange matching (named for the exchange type: the AMQP header *values* of a message,
 * their types, display and form input, are in fieldValues.ts), following RabbitMQ's rabbit_exchange_type_headers.erl
 * (3.10.x merge-walk `headers_match/5`, 3.13+/4.x `match_all`/`match_any`; both agree
 * on everything below except where noted):
 *
 * - `x-match` is 'all' (also when absent or not one of the four known values —
 *   RabbitMQ refuses such bindings at declaration but routes them as 'all'),
 *   'any', 'all-with-x' or 'any-with-x'.
 * - The `x-match` argument itself is never matched. Other binding arguments
 *   starting with 'x-' are skipped unless the mode ends in '-with-x'.
 * - A binding value of null (AMQP void) means "the header is present, any value".
 * - Otherwise the header must be present with an equal value.
 * - 'all' is true when no argument fails, so 'all' with nothing to compare
 *   matches every message; 'any' needs one argument to succeed, so 'any' with
 *   nothing to compare matches nothing.
 *
 * Value equality is the broker's, with the AMQP types, and depends on the version (3.13 changed
 * it): the rules, read from rabbit_exchange_type_headers.erl and measured on 3.10.8 and 4.0.5,
 * are in headerEquality.ts (MatchOptions.brokerVersion; an unknown version is 'maybe' wherever the
 * two rules disagree). In short: at the top level types are ignored (int8 5 is int64 5, a string
 * is a byte array with the same bytes, an empty table is an empty array); before 3.13 numbers
 * compare arithmetically (5 is 5.0), from 3.13 an integer never equals a float and a header
 * timestamp counts in milliseconds; inside tables and arrays types count and tables compare in
 * order. A plain JS number is the type amqplib sends it as (fieldTypes.ts guessNumberType).
 * Undefined values are treated as absent (amqplib does not send them).
 *
 * Binding arguments read from the management API are not exact (MatchOptions.lossyArguments):
 * every type their JSON allows is tried, and where the readings disagree the outcome is 'maybe'
 * with the reason, so the routing tester can list the queue under "may also receive" instead of guessing.
 * The message's BCC header is removed before routing; the simulator (routing.ts) strips it.
 */
import { pluralize } from './format';
import {
  NOT_UTF8_PREFIX,
  base64Bytes,
  erlEqual,
  floatReadings,
  intReadings,
  numbersRead,
  semanticsOf,
  toErl,
  type Erl,
  type Semantics,
} from './headerEquality';

export type XMatchMode = 'all' | 'any' | 'all-with-x' | 'any-with-x';

const MODES: readonly XMatchMode[] = ['all', 'any', 'all-with-x', 'any-with-x'];

const NUMERIC_TYPES = new Set([
  'byte',
  'int8',
  'unsignedbyte',
  'uint8',
  'short',
  'int16',
  'unsignedshort',
  'uint16',
  'int',
  'int32',
  'unsignedint',
  'uint32',
  'long',
  'int64',
  'float',
  'double',
  'float64',
  'timestamp',
]);

/**
 * Whether a binding matches: surely, surely not, or it depends on what the management API
 * could not show (see {@link MatchOptions.lossyArguments}).
 */
export type Certainty = 'yes' | 'no' | 'maybe';

export interface MatchOptions {
  /**
   * The binding arguments are the management API's JSON rendering of them, which loses
   * information (measured on 3.10.8 and 4.0.5). Where a comparison depends on what was lost,
   * the answer is 'maybe' with a reason, never a guess:
   * - a void value (a presence check) and the string "undefined" both show as "undefined",
   *   also inside arrays and tables;
   * - a decimal shows as "<places>.<digits>" (places 1, digits 15 is 1.15), a float as its
   *   double value: a non-integer number may be a decimal, a float or a double;
   * - non-UTF-8 bytes show as the string "Not UTF-8, base64 is: <base64>";
   * - the keys of a table value come back sorted, while the broker compares tables in order;
   * - integer widths are lost, and so are float vs double vs decimal and string vs byte array,
   *   which matters inside tables and arrays (the broker compares nested values with their
   *   types) and, from 3.13, between an integer and a float at the top level. A whole float
   *   shows as "5.0": management.ts reads that from the raw text ({ '!': 'double' } and
   *   markNumbersRead); without the mark a plain 5 may also have been a float.
   */
  lossyArguments?: boolean;
  /**
   * The broker's RabbitMQ version (e.g. "3.10.8"): 3.13 changed how header values compare
   * (headerEquality.ts). Unknown: an answer that depends on it is 'maybe'.
   */
  brokerVersion?: string;
}

export type HeaderArgResult = 'match' | 'mismatch' | 'missing' | 'present' | 'ignored' | 'uncertain';

export interface HeaderArgExplanation {
  key: string;
  /** The binding's value (null: presence check). */
  expected: unknown;
  /** Whether the message has this header. */
  present: boolean;
  /** The message's value, when present. */
  actual?: unknown;
  /**
   * match: equal value; present: null binding value and the header exists;
   * mismatch: header present with another value; missing: header absent;
   * ignored: not taken into account (x-match, or an x- argument outside the -with-x modes);
   * uncertain: depends on what the management API does not show (see `note`).
   */
  result: HeaderArgResult;
  note?: string;
}

export interface HeadersMatchExplanation {
  /** True only when the binding surely matches (outcome 'yes'). */
  matches: boolean;
  outcome: Certainty;
  /** Why the outcome is 'maybe' (empty otherwise). */
  uncertainReasons: string[];
  mode: XMatchMode;
  /** Set when x-match is present but not a valid value (RabbitMQ would refuse the binding). */
  modeWarning?: string;
  args: HeaderArgExplanation[];
  /** One sentence summarising the outcome. */
  reason: string;
}

/** The x-match mode of a binding, defaulting to 'all' like RabbitMQ does. */
export function xMatchMode(bindingArgs: Record<string, unknown>): XMatchMode {
  const raw = unwrapTyped(bindingArgs['x-match']);
  return typeof raw === 'string' && (MODES as readonly string[]).includes(raw) ? (raw as XMatchMode) : 'all';
}

/** True when a message with `headers` is surely routed by a headers-exchange binding with `bindingArgs`. */
export function headersMatch(
  bindingArgs: Record<string, unknown>,
  headers: Record<string, unknown>,
  opts: MatchOptions = {},
): boolean {
  return matchHeaders(bindingArgs, headers, opts).outcome === 'yes';
}

/** Whether a headers-exchange binding routes a message: yes, no, or maybe (with the reasons). */
export function matchHeaders(
  bindingArgs: Record<string, unknown>,
  headers: Record<string, unknown>,
  opts: MatchOptions = {},
): { outcome: Certainty; reasons: string[] } {
  const mode = xMatchMode(bindingArgs);
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  const ctx = contextOf(bindingArgs, opts);
  const reasons: string[] = [];
  let maybe = false;
  for (const key of Object.keys(bindingArgs)) {
    const expected = bindingArgs[key];
    if (expected === undefined || isIgnored(key, withX)) continue;
    const v = argVerdict(key, expected, headers, ctx);
    if (v.r === 'maybe') {
      maybe = true;
      addAll(reasons, v.why);
      continue;
    }
    if (any && v.r === 'yes') return { outcome: 'yes', reasons: [] };
    if (!any && v.r === 'no') return { outcome: 'no', reasons: [] };
  }
  if (maybe) return { outcome: 'maybe', reasons };
  return { outcome: any ? 'no' : 'yes', reasons: [] };
}

/** Per-argument account of {@link matchHeaders} (same outcome). */
export function explainHeadersMatch(
  bindingArgs: Record<string, unknown>,
  headers: Record<string, unknown>,
  opts: MatchOptions = {},
): HeadersMatchExplanation {
  const mode = xMatchMode(bindingArgs);
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  const ctx = contextOf(bindingArgs, opts);
  const args: HeaderArgExplanation[] = [];
  let considered = 0;
  let succeeded = 0;
  let uncertain = 0;
  const reasons: string[] = [];

  for (const key of Object.keys(bindingArgs)) {
    const expected = bindingArgs[key];
    if (expected === undefined) continue;
    const present = hasHeader(headers, key);
    const entry: HeaderArgExplanation = { key, expected, present, result: 'ignored' };
    if (present) entry.actual = headers[key];
    if (key === 'x-match') {
      entry.note = 'selects the match mode; never compared';
    } else if (isIgnored(key, withX)) {
      entry.note = `'x-' arguments are only compared with x-match=${any ? 'any' : 'all'}-with-x`;
    } else {
      considered++;
      const v = argVerdict(key, expected, headers, ctx);
      if (!present) entry.result = 'missing';
      else if (v.r === 'maybe') {
        entry.result = 'uncertain';
        entry.note = v.why.join('; ');
        addAll(reasons, v.why);
        uncertain++;
      } else if (unwrapTyped(expected) === null) entry.result = 'present';
      else entry.result = v.r === 'yes' ? 'match' : 'mismatch';
      if (entry.result === 'match' || entry.result === 'present') succeeded++;
      if (entry.result === 'mismatch') entry.note = describeMismatch(expected, headers[key]);
    }
    args.push(entry);
  }

  const failed = considered - succeeded - uncertain;
  const outcome: Certainty = any
    ? succeeded > 0
      ? 'yes'
      : uncertain > 0
        ? 'maybe'
        : 'no'
    : failed > 0
      ? 'no'
      : uncertain > 0
        ? 'maybe'
        : 'yes';
  const explanation: HeadersMatchExplanation = {
    matches: outcome === 'yes',
    outcome,
    uncertainReasons: outcome === 'maybe' ? reasons : [],
    mode,
    args,
    reason: '',
  };
  const rawMode = bindingArgs['x-match'];
  if (rawMode !== undefined && xMatchMode(bindingArgs) === 'all' && unwrapTyped(rawMode) !== 'all') {
    explanation.modeWarning = `x-match ${JSON.stringify(safeForJson(rawMode))} is not all, any, all-with-x or any-with-x: RabbitMQ refuses such a binding (older ones routed it as 'all')`;
  }

  if (considered === 0) {
    explanation.reason = any
      ? `x-match=${mode} with no arguments to compare matches no message`
      : `x-match=${mode} with no arguments to compare matches every message`;
  } else if (outcome === 'maybe') {
    explanation.reason = `uncertain: ${reasons.join('; ')}`;
  } else if (any) {
    explanation.reason =
      outcome === 'yes'
        ? `${succeeded} of ${pluralize(considered, 'argument')} matched; x-match=${mode} needs one`
        : `none of the ${pluralize(considered, 'argument')} matched; x-match=${mode} needs one`;
  } else {
    const failedKeys = args.filter((a) => a.result === 'missing' || a.result === 'mismatch').map((a) => a.key);
    explanation.reason =
      outcome === 'yes'
        ? `all ${pluralize(considered, 'argument')} matched`
        : `x-match=${mode} needs every argument; failed: ${failedKeys.join(', ')}`;
  }
  return explanation;
}

/**
 * Equality of two values inside a table or array (types compared), as the broker of `version`
 * compares them (see headerEquality.ts); an unknown version counts only if both rules agree.
 */
export function valuesEqual(a: unknown, b: unknown, version?: string): boolean {
  return semanticsList(version).every((sem) => erlEqual(toErl(a), toErl(b), sem, true) === true);
}

/** Equality of a header with a binding argument at the top level (types ignored, see headerEquality.ts). */
export function topLevelValuesEqual(expected: unknown, actual: unknown, version?: string): boolean {
  return semanticsList(version).every((sem) => erlEqual(toErl(expected), toErl(actual), sem, false) === true);
}

// ---------------------------------------------------------------------------

export { NOT_UTF8_PREFIX };

interface Verdict {
  r: Certainty;
  why: string[];
}
const YES: Verdict = { r: 'yes', why: [] };
const NO: Verdict = { r: 'no', why: [] };

interface Ctx {
  lossy: boolean;
  sems: Semantics[];
  /** The binding's numbers were read from the API's raw text (management.ts). */
  numbersRead: boolean;
}

function semanticsList(version: string | undefined): Semantics[] {
  const s = semanticsOf(version);
  return s ? [s] : ['legacy', 'strict'];
}

function contextOf(bindingArgs: Record<string, unknown>, opts: MatchOptions): Ctx {
  return {
    lossy: opts.lossyArguments === true,
    sems: semanticsList(opts.brokerVersion),
    numbersRead: numbersRead(bindingArgs),
  };
}

const VERSION_REASON =
  "the broker's version is not known, and RabbitMQ 3.13 changed how header values compare (an integer and a float of the same value, timestamps)";
const ZERO_REASON =
  'RabbitMQ 3.13+ compares with =:=, where 0.0 and -0.0 differ from Erlang/OTP 27 on and are equal before';

function argVerdict(key: string, expected: unknown, headers: Record<string, unknown>, ctx: Ctx): Verdict {
  // A presence check and every value comparison need the header: absent is a sure "no".
  if (!hasHeader(headers, key)) return NO;
  if (unwrapTyped(expected) === null) return YES;
  const h = toErl(headers[key]);
  return ctx.lossy ? lossyVerdict(expected, h, false, key, ctx) : readingsVerdict([toErl(expected)], h, false, ctx, '');
}

/**
 * Compares every reading of the binding value (and, with an unknown version, both rules) with
 * the header: sure when they all agree, else 'maybe' with why.
 */
function readingsVerdict(readings: Erl[], h: Erl, nested: boolean, ctx: Ctx, readingsWhy: string): Verdict {
  let yes = false;
  let no = false;
  let zero = false;
  let readSplit = false;
  let semSplit = false;
  const bySem = ctx.sems.map((sem) => readings.map((r) => erlEqual(r, h, sem, nested)));
  for (const rs of bySem) {
    if (new Set(rs).size > 1) readSplit = true;
    for (const r of rs) {
      if (r === 'zero') zero = true;
      else if (r) yes = true;
      else no = true;
    }
  }
  if (bySem.length > 1) semSplit = readings.some((_, i) => bySem.some((rs) => rs[i] !== bySem[0]![i]));
  if (!zero && !no) return YES;
  if (!zero && !yes) return NO;
  const why: string[] = [];
  if (readSplit && readingsWhy) why.push(readingsWhy);
  if (semSplit) why.push(VERSION_REASON);
  if (zero) why.push(ZERO_REASON);
  if (why.length === 0) why.push(readingsWhy || VERSION_REASON);
  return { r: 'maybe', why };
}

/** A binding value from the management API's JSON against the header's term, every reading tried. */
function lossyVerdict(e: unknown, h: Erl, nested: boolean, path: string, ctx: Ctx): Verdict {
  if (Array.isArray(e)) {
    if (h.t !== 'array' || h.v.length !== e.length) return readingsVerdict([toErl(e)], h, nested, ctx, '');
    return and(e.map((x, i) => lossyVerdict(x, h.v[i]!, true, `${path}[${i}]`, ctx)));
  }
  if (isPlainTable(e)) {
    const ek = Object.keys(e).filter((k) => e[k] !== undefined);
    if (h.t !== 'table' || ek.length === 0 || h.v.length === 0) return readingsVerdict([toErl(e)], h, nested, ctx, '');
    const hm = new Map(h.v);
    if (ek.length !== h.v.length || !ek.every((k) => hm.has(k))) return NO;
    const inner = and(ek.map((k) => lossyVerdict(e[k], hm.get(k)!, true, `${path}.${k}`, ctx)));
    if (inner.r === 'no' || ek.length < 2) return inner;
    return {
      r: 'maybe',
      why: [
        ...inner.why,
        `binding argument ${path}: the management API sorts the keys of tables, and the broker compares them in their stored order`,
      ],
    };
  }
  const [readings, why] = readingsOf(e, path, ctx);
  return readingsVerdict(readings, h, nested, ctx, why);
}

/** What a scalar the management API shows may have been, and what to say when it matters. */
function readingsOf(e: unknown, path: string, ctx: Ctx): [Erl[], string] {
  if (typeof e === 'string') {
    const out: Erl[] = [toErl(e), { t: 'binary', v: new TextEncoder().encode(e) }];
    if (e === 'undefined') {
      out.push({ t: 'void' });
      return [
        out,
        `binding argument ${path} shows as "undefined" in the management API, which is how it shows both a void value (a presence check) and the string "undefined"`,
      ];
    }
    const bytes = e.startsWith(NOT_UTF8_PREFIX) ? base64Bytes(e.slice(NOT_UTF8_PREFIX.length)) : undefined;
    if (bytes) {
      out.push({ t: 'binary', v: bytes }, { t: 'longstr', v: bytes });
      return [
        out,
        `binding argument ${path}: the management API shows bytes that are not UTF-8 as the text "${NOT_UTF8_PREFIX}…", which a string could also be`,
      ];
    }
    return [
      out,
      `binding argument ${path}: the management API shows strings and byte arrays alike, and the broker compares the types of values inside tables and arrays`,
    ];
  }
  const floatWhy = (v: number) =>
    `binding argument ${path}: decimal and float binding arguments are not exact in the management API (${v} may be a decimal, a float or a double)`;
  const intWhy = `binding argument ${path}: the management API does not show integer widths, and the broker compares the types of values inside tables and arrays`;
  if (isTypedOf(e, 'double') && typeof (e as { value: unknown }).value === 'number') {
    const v = (e as { value: number }).value;
    return [floatReadings(v), floatWhy(v)];
  }
  if (isTypedOf(e, 'int64') && typeof (e as { value: unknown }).value === 'string') {
    return [intReadings(BigInt((e as { value: string }).value)), intWhy];
  }
  if (typeof e === 'number') {
    if (!Number.isInteger(e)) return [floatReadings(e), floatWhy(e)];
    if (ctx.numbersRead) return [intReadings(BigInt(e)), intWhy];
    // Not read from the raw text: "5" may have been "5.0", and beyond 2^53 the digits are rounded.
    const ints = Number.isSafeInteger(e) ? intReadings(BigInt(e)) : [];
    return [
      [...ints, ...floatReadings(e)],
      `binding argument ${path}: ${e} may be an integer or a whole float, decimal or double (the management API's number text was not read)`,
    ];
  }
  return [[toErl(e)], ''];
}

/** Kleene AND: any 'no' is 'no', else any 'maybe' is 'maybe'. */
function and(vs: Verdict[]): Verdict {
  if (vs.some((v) => v.r === 'no')) return NO;
  const why: string[] = [];
  for (const v of vs) if (v.r === 'maybe') addAll(why, v.why);
  return why.length > 0 ? { r: 'maybe', why } : YES;
}

function addAll(into: string[], from: string[]): void {
  for (const s of from) if (!into.includes(s)) into.push(s);
}

function isTypedOf(v: unknown, tag: string): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as { '!'?: unknown })['!'] === tag;
}

function isPlainTable(v: unknown): v is Record<string, unknown> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !Object.prototype.hasOwnProperty.call(v, '!')
  );
}

function isIgnored(key: string, withX: boolean): boolean {
  return key === 'x-match' || (!withX && key.startsWith('x-'));
}

function hasHeader(headers: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(headers, key) && headers[key] !== undefined;
}

function unwrapTyped(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '!')) {
    const typed = v as { '!': unknown; value?: unknown };
    if (typeof typed['!'] === 'string' && NUMERIC_TYPES.has(typed['!'])) {
      // int64 and large timestamps are decimal strings in Burrow's representation (fieldTypes.ts).
      if (typeof typed.value === 'string' && /^-?\d+$/.test(typed.value)) return BigInt(typed.value);
      return typed.value;
    }
    if (typed['!'] === 'void') return null;
  }
  return v;
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

function kindOf(v: unknown): string {
  v = unwrapTyped(v);
  if (v === null) return 'void';
  if (isNumeric(v)) return 'number';
  if (isBytes(v)) return 'bytes';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'table' : typeof v;
}

function describeMismatch(expected: unknown, actual: unknown): string {
  const ek = kindOf(expected);
  const ak = kindOf(actual);
  const stringy = (k: string) => k === 'string' || k === 'bytes';
  if (ek !== ak && !(stringy(ek) && stringy(ak))) return `different kinds: binding has a ${ek}, message has a ${ak}`;
  if (ek === 'table') return 'tables differ (RabbitMQ compares nested tables field by field, in order)';
  const en = Number(unwrapTyped(expected));
  if (ek === 'number' && ak === 'number' && en === Number(unwrapTyped(actual)))
    return 'the same number with other types: from RabbitMQ 3.13 an integer never equals a float, and a header timestamp counts in milliseconds';
  return 'different values';
}

function safeForJson(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : isBytes(v) ? `<${v.length} bytes>` : v;
}
