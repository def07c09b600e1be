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
 * - undefined values are treated as absent (amqplib does not send them).
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

export type HeaderArgResult = 'match' | 'mismatch' | 'missing' | 'present' | 'ignored';

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
   * ignored: not taken into account (x-match, or an x- argument outside the -with-x modes).
   */
  result: HeaderArgResult;
  note?: string;
}

export interface HeadersMatchExplanation {
  matches: boolean;
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

/** True when a message with `headers` is routed by a headers-exchange binding with `bindingArgs`. */
export function headersMatch(bindingArgs: Record<string, unknown>, headers: Record<string, unknown>): boolean {
  const mode = xMatchMode(bindingArgs);
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  for (const key of Object.keys(bindingArgs)) {
    const expected = bindingArgs[key];
    if (expected === undefined || isIgnored(key, withX)) continue;
    const ok = argMatches(key, expected, headers);
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return !any;
}

/** Per-argument account of {@link headersMatch} (same result). */
export function explainHeadersMatch(
  bindingArgs: Record<string, unknown>,
  headers: Record<string, unknown>,
): HeadersMatchExplanation {
  const mode = xMatchMode(bindingArgs);
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  const args: HeaderArgExplanation[] = [];
  let considered = 0;
  let succeeded = 0;

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
      if (!present) entry.result = 'missing';
      else if (unwrapTyped(expected) === null) entry.result = 'present';
      else entry.result = valuesEqual(expected, headers[key]) ? 'match' : 'mismatch';
      if (entry.result === 'match' || entry.result === 'present') succeeded++;
      if (entry.result === 'mismatch') entry.note = describeMismatch(expected, headers[key]);
    }
    args.push(entry);
  }

  const matches = any ? succeeded > 0 : succeeded === considered;
  const explanation: HeadersMatchExplanation = { matches, mode, args, reason: '' };
  const rawMode = bindingArgs['x-match'];
  if (rawMode !== undefined && xMatchMode(bindingArgs) === 'all' && unwrapTyped(rawMode) !== 'all') {
    explanation.modeWarning = `x-match ${JSON.stringify(safeForJson(rawMode))} is not all, any, all-with-x or any-with-x: RabbitMQ refuses such a binding (older ones routed it as 'all')`;
  }

  if (considered === 0) {
    explanation.reason = any
      ? `x-match=${mode} with no arguments to compare matches no message`
      : `x-match=${mode} with no arguments to compare matches every message`;
  } else if (any) {
    explanation.reason = matches
      ? `${succeeded} of ${pluralize(considered, 'argument')} matched; x-match=${mode} needs one`
      : `none of the ${pluralize(considered, 'argument')} matched; x-match=${mode} needs one`;
  } else {
    const failedKeys = args.filter((a) => a.result === 'missing' || a.result === 'mismatch').map((a) => a.key);
    explanation.reason = matches
      ? `all ${pluralize(considered, 'argument')} matched`
      : `x-match=${mode} needs every argument; failed: ${failedKeys.join(', ')}`;
  }
  return explanation;
}

/**
 * AMQP field-value equality as the headers exchange sees it (see the module
 * comment for the rules). Exported for the routing tester and tests.
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

// ---------------------------------------------------------------------------

function isIgnored(key: string, withX: boolean): boolean {
  return key === 'x-match' || (!withX && key.startsWith('x-'));
}

function hasHeader(headers: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(headers, key) && headers[key] !== undefined;
}

function argMatches(key: string, expected: unknown, headers: Record<string, unknown>): boolean {
  if (!hasHeader(headers, key)) return false;
  return unwrapTyped(expected) === null || valuesEqual(expected, headers[key]);
}

function unwrapTyped(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '!')) {
    const typed = v as { '!': unknown; value?: unknown };
    if (typeof typed['!'] === 'string' && NUMERIC_TYPES.has(typed['!'])) return typed.value;
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
