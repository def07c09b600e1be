/**
 * Runtime checks for what crosses the host <-> webview boundary and for restored panel state:
 * a message or a state is checked against its declared shape, never cast. Pure (no vscode, no DOM),
 * shared by both bundles. A check returns the value with only the known fields, or throws a
 * ProtocolError naming the first wrong field.
 */
export class ProtocolError extends Error {
  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`${path || 'message'}: expected ${expected}`);
    this.name = 'ProtocolError';
  }
}

export type Check<T> = (value: unknown, path?: string) => T;

const fail = (path: string, expected: string): never => {
  throw new ProtocolError(path, expected);
};

/** Longest string accepted anywhere (bodies up to the publish panel's 10 MiB file limit, in base64). */
const MAX_STRING = 16 * 1024 * 1024;

export const str: Check<string> = (v, p = '') =>
  typeof v === 'string' && v.length <= MAX_STRING ? v : fail(p, 'a string');
export const num: Check<number> = (v, p = '') =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a finite number');
export const int: Check<number> = (v, p = '') => (Number.isSafeInteger(v) ? (v as number) : fail(p, 'a whole number'));
export const bool: Check<boolean> = (v, p = '') => (typeof v === 'boolean' ? v : fail(p, 'true or false'));

export function literal<L extends string | number>(...allowed: L[]): Check<L> {
  return (v, p = '') =>
    allowed.includes(v as L) ? (v as L) : fail(p, allowed.map((a) => JSON.stringify(a)).join(' | '));
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, p = '') => (v === undefined || v === null ? undefined : check(v, p));
}

export function array<T>(check: Check<T>, max = 100_000): Check<T[]> {
  return (v, p = '') => {
    if (!Array.isArray(v) || v.length > max) return fail(p, `an array of at most ${max}`);
    return v.map((x, i) => check(x, `${p}[${i}]`));
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON object of anything (e.g. binding arguments); prototype keys are refused. */
export const jsonObject: Check<Record<string, unknown>> = (v, p = '') => {
  if (!isPlainObject(v)) return fail(p, 'an object');
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return fail(p, 'an object without __proto__');
  return { ...v };
};

type Shape = Record<string, Check<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with these fields (unknown ones dropped, undefined ones left out). */
export function object<S extends Shape>(shape: S): Check<FromShape<S>> {
  return (v, p = '') => {
    if (!isPlainObject(v)) return fail(p, 'an object');
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const value = check(v[key], p ? `${p}.${key}` : key);
      if (value !== undefined) out[key] = value;
    }
    return out as FromShape<S>;
  };
}

/** The first of several shapes that fits. */
export function oneOf<T>(...checks: Check<T>[]): Check<T> {
  return (v, p = '') => {
    const errors: string[] = [];
    for (const c of checks) {
      try {
        return c(v, p);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return fail(p, `one of: ${errors.join(' / ')}`);
  };
}

/** A message union, dispatched on `type`: each type has its own check. */
export function messages<M extends { type: string }>(cases: {
  [K in M['type']]: Check<Omit<Extract<M, { type: K }>, 'type'>>;
}): Check<M> {
  return (v, p = '') => {
    if (!isPlainObject(v) || typeof v.type !== 'string' || !Object.prototype.hasOwnProperty.call(cases, v.type)) {
      return fail(p ? `${p}.type` : 'type', `one of ${Object.keys(cases).join(', ')}`);
    }
    const check = cases[v.type as M['type']];
    return { ...check(v, p), type: v.type } as unknown as M;
  };
}

/** Runs a check without throwing. */
export function validate<T>(check: Check<T>, value: unknown): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: check(value) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The value when it passes, else undefined (restored state: a bad part is dropped, not trusted). */
export function orUndefined<T>(check: Check<T>, value: unknown): T | undefined {
  const r = validate(check, value);
  return r.ok ? r.value : undefined;
}

/** An optional field whose bad value is dropped instead of failing the whole object (restored state). */
export function lenient<T>(check: Check<T>): Check<T | undefined> {
  return (v) => orUndefined(check, v);
}
