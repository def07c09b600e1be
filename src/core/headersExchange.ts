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
 * Value equality (decisions, since JS values lose the AMQP field types):
 * - kinds must agree: "1" is not 1, true is not "true", true is not 1;
 * - numbers compare numerically, so 1 equals 1.0. This is 3.10.x (`PV == DV`,
 *   Erlang's arithmetic equality). 3.13+ uses `=:=`, where an integer 1 and a
 *   float 1.0 differ; that only shows when a client sends an explicit float
 *   field, which JS numbers cannot express (amqplib sends 1.0 as an integer).
 *   amqplib typed values (`{ '!': 'long', value: 5 }`, timestamps included)
 *   compare by their number;
 * - a string and a byte array (Uint8Array / Buffer) are equal when the string's
 *   UTF-8 bytes are those bytes (both are Erlang binaries to RabbitMQ);
 * - nested tables compare key by key *in order* and arrays element by element,
 *   as RabbitMQ compares them as ordered lists of fields.
 * - at the top level (a header's own value) an empty table equals an empty array: both are
 *   an empty list to the broker (measured on 3.10.8 and 4.0.5); inside them they differ.
 * - undefined values are treated as absent (amqplib does not send them).
 *
 * Binding arguments read from the management API are not exact (MatchOptions.lossyArguments):
 * where the answer depends on what the API does not show, the outcome is 'maybe' with the
 * reason, so the routing tester can list the queue under "may also receive" instead of guessing.
 * The message's BCC header is removed before routing; the simulator (routing.ts) strips it.
 */
import { pluralize } from './format';

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
   * - integer widths are lost, which matters inside tables and arrays (the broker compares
   *   nested values with their types; at the top level all integers are one class).
   */
  lossyArguments?: boolean;
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
  const lossy = opts.lossyArguments === true;
  const reasons: string[] = [];
  let maybe = false;
  for (const key of Object.keys(bindingArgs)) {
    const expected = bindingArgs[key];
    if (expected === undefined || isIgnored(key, withX)) continue;
    const v = argVerdict(key, expected, headers, lossy);
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
  const lossy = opts.lossyArguments === true;
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
      const v = argVerdict(key, expected, headers, lossy);
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
 * AMQP field-value equality as the headers exchange sees it for values inside tables and
 * arrays (see the module comment for the rules). Exported for the routing tester and tests.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  a = unwrapTyped(a);
  b = unwrapTyped(b);
  if (a === null || b === null) return a === b;
  if (isNumeric(a) || isNumeric(b)) {
    // eslint-disable-next-line eqeqeq -- number/bigint cross comparison is intended
    return isNumeric(a) && isNumeric(b) && a == b;
  }
  if (typeof a === 'string' || typeof b === 'string' || isBytes(a) || isBytes(b)) {
    const ab = toBytes(a);
    const bb = toBytes(b);
    return ab !== undefined && bb !== undefined && bytesEqual(ab, bb);
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    // Tables (and other typed values such as decimals): same keys, same order, equal values.
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
    const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
    if (ak.length !== bk.length) return false;
    return ak.every((k, i) => k === bk[i] && valuesEqual(ao[k], bo[k]));
  }
  return a === b;
}

/**
 * Equality of a header value with a binding argument's value at the top level: as
 * {@link valuesEqual}, except that an empty table equals an empty array (measured on 3.10.8
 * and 4.0.5: both are an empty list to the broker; inside tables and arrays they differ).
 */
export function topLevelValuesEqual(expected: unknown, actual: unknown): boolean {
  if ((isEmptyArray(expected) && isEmptyTable(actual)) || (isEmptyTable(expected) && isEmptyArray(actual))) return true;
  return valuesEqual(expected, actual);
}

// ---------------------------------------------------------------------------

/** The prefix the management API puts before the base64 of binary values that are not UTF-8. */
export const NOT_UTF8_PREFIX = 'Not UTF-8, base64 is: ';

interface Verdict {
  r: Certainty;
  why: string[];
}
const YES: Verdict = { r: 'yes', why: [] };
const NO: Verdict = { r: 'no', why: [] };
const maybe = (why: string): Verdict => ({ r: 'maybe', why: [why] });
const verdict = (b: boolean): Verdict => (b ? YES : NO);

function argVerdict(key: string, expected: unknown, headers: Record<string, unknown>, lossy: boolean): Verdict {
  // A presence check and every value comparison need the header: absent is a sure "no".
  if (!hasHeader(headers, key)) return NO;
  const e = unwrapTyped(expected);
  if (e === null) return YES;
  return lossy ? lossyCompare(e, headers[key], false, key) : verdict(topLevelValuesEqual(e, headers[key]));
}

/** Two readings of a lossy value: the same answer, or 'maybe'. */
function either(a: boolean, b: boolean, why: string): Verdict {
  return a === b ? verdict(a) : maybe(why);
}

function lossyCompare(e: unknown, a: unknown, nested: boolean, path: string): Verdict {
  const exact = (x: unknown) => (nested ? valuesEqual(x, a) : topLevelValuesEqual(x, a));
  e = unwrapTyped(e);
  if (e === 'undefined') {
    // Void is a presence check at the top level (the header is there) and a value inside.
    return either(
      nested ? exact(null) : true,
      exact('undefined'),
      `binding argument ${path} shows as "undefined" in the management API, which is how it shows both a void value (a presence check) and the string "undefined"`,
    );
  }
  if (typeof e === 'string' && e.startsWith(NOT_UTF8_PREFIX)) {
    const bytes = base64Bytes(e.slice(NOT_UTF8_PREFIX.length));
    if (bytes)
      return either(
        exact(e),
        exact(bytes),
        `binding argument ${path}: the management API shows bytes that are not UTF-8 as the text "${NOT_UTF8_PREFIX}…", which a string could also be`,
      );
  }
  if (typeof e === 'number' && !Number.isInteger(e)) {
    const a0 = unwrapTyped(a);
    const isDecimal = isTypedOf(a, 'decimal');
    const closeEnough = isNumeric(a0) && (Number(a0) === e || (isTypedOf(a, 'float') && Math.fround(Number(a0)) === e));
    if (isDecimal || closeEnough)
      return maybe(
        `binding argument ${path}: decimal and float binding arguments are not exact in the management API (${e} may be a decimal, a float or a double)`,
      );
    return NO;
  }
  if (nested && typeof e === 'number') {
    const a0 = unwrapTyped(a);
    if (isNumeric(a0) && Number(a0) === e)
      return maybe(
        `binding argument ${path}: the management API does not show integer widths, and the broker compares the types of values inside tables and arrays`,
      );
    return NO;
  }
  if (Array.isArray(e)) {
    const a0 = unwrapTyped(a);
    if (!Array.isArray(a0)) return verdict(exact(e));
    if (a0.length !== e.length) return NO;
    return and(e.map((x, i) => lossyCompare(x, a0[i], true, `${path}[${i}]`)));
  }
  if (isPlainTable(e)) {
    const a0 = unwrapTyped(a);
    if (!isPlainTable(a0)) return verdict(exact(e));
    const ek = Object.keys(e).filter((k) => e[k] !== undefined);
    const ak = Object.keys(a0).filter((k) => a0[k] !== undefined);
    if (ek.length !== ak.length || !ek.every((k) => Object.prototype.hasOwnProperty.call(a0, k))) return NO;
    const inner = and(ek.map((k) => lossyCompare(e[k], a0[k], true, `${path}.${k}`)));
    if (inner.r === 'no' || ek.length < 2) return inner;
    return {
      r: 'maybe',
      why: [
        ...inner.why,
        `binding argument ${path}: the management API sorts the keys of tables, and the broker compares them in their stored order`,
      ],
    };
  }
  return verdict(exact(e));
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

function base64Bytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
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

function isEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0;
}

function isEmptyTable(v: unknown): boolean {
  return isPlainTable(v) && Object.keys(v).every((k) => v[k] === undefined);
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

function toBytes(v: unknown): Uint8Array | undefined {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (isBytes(v)) return v;
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
  return 'different values';
}

function safeForJson(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : isBytes(v) ? `<${v.length} bytes>` : v;
}
