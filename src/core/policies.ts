/**
 * Policies and operator policies: which one RabbitMQ applies to a queue or exchange, what the
 * merged ("effective") definition is, and what the queue ends up running with once its own
 * x-arguments are taken into account. Pure: no vscode, no network.
 *
 * The rules, read from rabbitmq-server at the tags v3.10.8 and v4.0.5 (deps/rabbit/src):
 *
 * Selection — rabbit_policy.erl match/match_all/matches:
 *   - a policy is a candidate when its vhost is the object's, its apply-to fits the object
 *     (matches_type / matches_queue_type), every key of its definition is one the queue's type
 *     supports (is_applicable → rabbit_queue_type:is_policy_applicable: a policy with a single
 *     key in the type's `unsupported_policies` capability does not apply to that queue AT ALL,
 *     so a lower-priority policy may win instead; exchanges: always applicable), and
 *     `re:run(Name, Pattern, [{capture, none}])` matches — an unanchored PCRE search over the
 *     name's UTF-8 bytes (no `unicode` option).
 *   - the candidates are sorted with `lists:sort(fun priority_comparator/2, …)` where
 *     `priority_comparator(A, B) -> priority(A) >= priority(B)`: the highest priority wins.
 *     lists:sort/2 is stable, so on a tie the broker takes the one listed first by
 *     rabbit_runtime_parameters:list/2, i.e. mnesia:match_object on a `set` table (hash order):
 *     on both versions a tie is decided by storage order, which the management API does not
 *     expose. Burrow reports such a tie as ambiguous (effective() names every tied policy).
 *   - apply-to: 3.10 accepts all / queues / exchanges; 4.x adds classic_queues, quorum_queues
 *     and streams (apply_to_validation).
 *   - operator policies are selected the same way, independently of the user policies.
 *
 * Merging — rabbit_policy:merge_operator_definitions/2 and rabbit_policies:merge_policy_value/3:
 * keys only one side sets are kept as they are; for a key both set: message-ttl, max-length,
 * max-length-bytes, max-in-memory-length, max-in-memory-bytes, expires, delivery-limit: the
 * lower value (4.x delivery-limit: if either is negative — "unlimited" — the higher one, i.e. the
 * limited one); 4.x queue-version and overflow: the operator's; booleans: the operator's.
 *
 * Policy vs the queue's own x-arguments (rabbit_amqqueue_process process_args_policy,
 * rabbit_quorum_queue gather_policy_config / dead_letter_handler, rabbit_stream_queue,
 * rabbit_exchange get_arg): see RESOLUTION below; in short numeric limits take the lower value,
 * dead-lettering and most enums take the argument, and a few (stream retention, quorum overflow,
 * quorum expires on 3.10) take the policy.
 *
 * Patterns: Burrow evaluates a PCRE pattern with a JS RegExp after translating the parts whose
 * meaning differs (see compilePattern); constructs JS can't reproduce are refused with a clear
 * error instead of being guessed.
 */

import { parseJsonWithPosition } from './json';

/** A policy or operator policy as the management API lists it. */
export interface PolicyDef {
  name: string;
  pattern: string;
  'apply-to'?: string;
  priority?: number;
  definition?: Record<string, unknown>;
  vhost?: string;
}

/** The object a policy may apply to. `queueType`: 'classic' | 'quorum' | 'stream' (default classic). */
export interface PolicyTarget {
  kind: 'queue' | 'exchange';
  name: string;
  queueType?: string;
}

export const APPLY_TO_3: readonly string[] = ['all', 'queues', 'exchanges'];
export const APPLY_TO_4: readonly string[] = [...APPLY_TO_3, 'classic_queues', 'quorum_queues', 'streams'];

/** The apply-to values the broker accepts (rabbit_policy:apply_to_validation). */
export function applyToValues(brokerMajor: number): readonly string[] {
  return brokerMajor >= 4 ? APPLY_TO_4 : APPLY_TO_3;
}

/** matches_type (3.10) / matches_queue_type (4.x). */
export function applyToFits(applyTo: string | undefined, target: PolicyTarget, brokerMajor: number): boolean {
  const a = applyTo ?? 'all';
  if (a === 'all') return true;
  if (target.kind === 'exchange') return a === 'exchanges';
  if (a === 'queues') return true;
  if (brokerMajor < 4) return false;
  const type = target.queueType ?? 'classic';
  return (
    (a === 'classic_queues' && type === 'classic') ||
    (a === 'quorum_queues' && type === 'quorum') ||
    (a === 'streams' && type === 'stream')
  );
}

const HA = ['ha-mode', 'ha-params', 'ha-sync-mode', 'ha-promote-on-shutdown', 'ha-promote-on-failure'];

/** Each queue type's `unsupported_policies` capability, per major version. */
const UNSUPPORTED: Record<'3' | '4', Record<string, readonly string[]>> = {
  '3': {
    classic: [
      'max-age',
      'stream-max-segment-size-bytes',
      'queue-leader-locator',
      'initial-cluster-size',
      'delivery-limit',
      'dead-letter-strategy',
    ],
    quorum: [
      'max-priority',
      'queue-mode',
      'single-active-consumer',
      ...HA,
      'queue-master-locator',
      'max-age',
      'stream-max-segment-size-bytes',
      'initial-cluster-size',
    ],
    stream: [
      'expires',
      'message-ttl',
      'dead-letter-exchange',
      'dead-letter-routing-key',
      'max-length',
      'max-in-memory-length',
      'max-in-memory-bytes',
      'max-priority',
      'overflow',
      'queue-mode',
      'single-active-consumer',
      'delivery-limit',
      ...HA,
      'queue-master-locator',
      'dead-letter-strategy',
    ],
  },
  '4': {
    classic: [
      'max-age',
      'stream-max-segment-size-bytes',
      'initial-cluster-size',
      'delivery-limit',
      'dead-letter-strategy',
      'max-in-memory-length',
      'max-in-memory-bytes',
      'target-group-size',
    ],
    quorum: [
      'max-priority',
      'queue-mode',
      'single-active-consumer',
      ...HA,
      'queue-master-locator',
      'max-age',
      'stream-max-segment-size-bytes',
      'initial-cluster-size',
    ],
    stream: [
      'expires',
      'message-ttl',
      'dead-letter-exchange',
      'dead-letter-routing-key',
      'max-length',
      'max-in-memory-length',
      'max-in-memory-bytes',
      'max-priority',
      'overflow',
      'queue-mode',
      'single-active-consumer',
      'delivery-limit',
      ...HA,
      'queue-master-locator',
      'dead-letter-strategy',
      'target-group-size',
    ],
  },
};

/** The definition keys that make a policy skip a queue of this type (none for exchanges). */
export function unsupportedKeys(target: PolicyTarget, brokerMajor: number): readonly string[] {
  if (target.kind === 'exchange') return [];
  return UNSUPPORTED[brokerMajor >= 4 ? '4' : '3'][target.queueType ?? 'classic'] ?? [];
}

// ---------------------------------------------------------------------------
// Patterns: PCRE (byte mode, no options) → JS RegExp
// ---------------------------------------------------------------------------

export type CompiledPattern = { ok: true; test(name: string): boolean } | { ok: false; error: string };

/** A string's UTF-8 bytes as one char per byte (what re:run sees without the `unicode` option). */
const encoder = new TextEncoder();
function bytes(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s; // ASCII: the same
  let out = '';
  for (const b of encoder.encode(s)) out += String.fromCharCode(b);
  return out;
}

const UNSUPPORTED_ESCAPES = new Set(['h', 'H', 'R', 'K', 'X', 'C', 'G', 'p', 'P', 'g', 'k', 'N', 'e', 'o', 'x']);

/**
 * Translates a PCRE pattern to a JS one with the same matches over byte strings. Handled: leading
 * (?i) (?s) (?m) (?x-free) option groups, \A \z \Z, PCRE's `$` (end or before a final newline),
 * `.` (anything but \n; with (?s) anything), \s (ASCII white space only), \Q…\E, and names and
 * patterns compared as UTF-8 bytes. Refused (an error, never a guess): possessive quantifiers,
 * atomic groups, inline options after the start, recursion/conditionals/callouts, (?P…) and \k/\g
 * references, \x{…} \p \h \R \K and similar, POSIX classes ([:alpha:]). Case-insensitive matching
 * of non-ASCII letters may differ (PCRE folds ASCII only here).
 */
export function translatePattern(pattern: string): { source: string; flags: string } | { error: string } {
  let p = bytes(pattern);
  let flags = '';
  let dotAll = false;
  let multiline = false;
  // Leading option settings: (?i), (?s), (?m), (?is)…
  for (;;) {
    const m = /^\(\?([ims]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      if (f === 's') dotAll = true;
      if (f === 'm') multiline = true;
    }
    p = p.slice(m[0].length);
  }
  if (multiline) flags += 'm';
  let out = '';
  let inClass = false;
  let classStart = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return { error: 'the pattern ends with a lone backslash' };
      i++;
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 1);
        const lit = end < 0 ? p.slice(i + 1) : p.slice(i + 1, end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        classStart = false;
        continue;
      }
      if (n === 'E') continue;
      if (UNSUPPORTED_ESCAPES.has(n)) return { error: `\\${n} is not supported by Burrow's preview` };
      if (inClass) {
        if (n === 's') out += '\\t\\n\\v\\f\\r ';
        else if (n === 'S') return { error: '\\S inside a character class is not supported by Burrow' };
        else out += '\\' + n;
      } else if (n === 'A') out += '^';
      else if (n === 'z') out += '$';
      else if (n === 'Z') out += '(?=\\n?$)';
      else if (n === 's') out += '[\\t\\n\\v\\f\\r ]';
      else if (n === 'S') out += '[^\\t\\n\\v\\f\\r ]';
      else out += '\\' + n;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') return { error: 'POSIX classes like [:alpha:] are not supported by Burrow' };
      if (c === ']' && !classStart) inClass = false;
      else if (c === '^' && classStart) {
        out += c;
        continue;
      }
      out += c;
      classStart = false;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        classStart = true;
        out += c;
        // PCRE: a ']' right after '[' or '[^' is a literal.
        if (p[i + 1] === ']') {
          out += '\\]';
          i++;
          classStart = false;
        } else if (p[i + 1] === '^' && p[i + 2] === ']') {
          out += '^\\]';
          i += 2;
          classStart = false;
        }
        continue;
      case '(':
        if (p[i + 1] === '?') {
          const rest = p.slice(i + 2);
          if (/^(?:[:=!]|<[=!]|<[A-Za-z_])/.test(rest)) {
            out += c;
            continue;
          }
          return { error: `the group "(?${rest.slice(0, 3)}…" is not supported by Burrow's preview` };
        }
        if (p[i + 1] === '*') return { error: 'PCRE verbs like (*UTF) are not supported by Burrow' };
        out += c;
        continue;
      case '.':
        out += dotAll ? '[\\s\\S]' : '[^\\n]';
        continue;
      case '$':
        out += multiline ? '$' : '(?=\\n?$)';
        continue;
      case '*':
      case '+':
      case '?':
      case '}':
        if (p[i + 1] === '+') return { error: 'possessive quantifiers (*+, ++, ?+) are not supported by Burrow' };
        out += c;
        continue;
      default:
        out += c;
    }
  }
  if (inClass) return { error: 'missing ] at the end of a character class' };
  return { source: out, flags };
}

/** Compiles a policy pattern; an error says why Burrow can't evaluate it. */
export function compilePattern(pattern: string): CompiledPattern {
  const t = translatePattern(pattern);
  if ('error' in t) return { ok: false, error: `Pattern '${pattern}': ${t.error}` };
  let re: RegExp;
  try {
    re = new RegExp(t.source, t.flags);
  } catch (err) {
    return { ok: false, error: `Pattern '${pattern}' is not a valid regular expression: ${(err as Error).message}` };
  }
  return { ok: true, test: (name) => re.test(bytes(name)) };
}

const compiled = new Map<string, CompiledPattern>();
function cachedPattern(pattern: string): CompiledPattern {
  let c = compiled.get(pattern);
  if (!c) {
    if (compiled.size > 500) compiled.clear();
    c = compilePattern(pattern);
    compiled.set(pattern, c);
  }
  return c;
}

// ---------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------

export type MatchResult = 'match' | 'no-match' | { error: string };

/** Whether one policy is a candidate for the target (apply-to, applicable keys, pattern). */
export function policyMatches(policy: PolicyDef, target: PolicyTarget, brokerMajor: number): MatchResult {
  if (!applyToFits(policy['apply-to'], target, brokerMajor)) return 'no-match';
  const unsupported = unsupportedKeys(target, brokerMajor);
  if (Object.keys(policy.definition ?? {}).some((k) => unsupported.includes(k))) return 'no-match';
  const re = cachedPattern(policy.pattern);
  if (!re.ok) return { error: re.error };
  return re.test(target.name) ? 'match' : 'no-match';
}

/** Why a policy is not a candidate, in words (for previews), or undefined when it is. */
export function whyNotApplied(policy: PolicyDef, target: PolicyTarget, brokerMajor: number): string | undefined {
  if (!applyToFits(policy['apply-to'], target, brokerMajor))
    return `apply-to '${policy['apply-to'] ?? 'all'}' excludes ${describeTarget(target)}`;
  const unsupported = unsupportedKeys(target, brokerMajor);
  const bad = Object.keys(policy.definition ?? {}).filter((k) => unsupported.includes(k));
  if (bad.length)
    return `${target.queueType ?? 'classic'} queues don't support ${bad.join(', ')}, so the whole policy skips them`;
  return undefined;
}

function describeTarget(t: PolicyTarget): string {
  return t.kind === 'exchange' ? 'exchanges' : `${t.queueType ?? 'classic'} queues`;
}

export interface Selection {
  /** The policy the broker applies; undefined when none matches. */
  winner?: PolicyDef;
  /** Every matching policy with the winner's priority (length > 1: the broker's pick is not predictable). */
  tied: PolicyDef[];
  /** All candidates, highest priority first (stable, like lists:sort/2). */
  candidates: PolicyDef[];
  /** Policies whose pattern Burrow could not evaluate. */
  errors: { policy: PolicyDef; error: string }[];
}

/** rabbit_policy:match/2 for one target. */
export function selectPolicy(policies: readonly PolicyDef[], target: PolicyTarget, brokerMajor: number): Selection {
  const candidates: PolicyDef[] = [];
  const errors: { policy: PolicyDef; error: string }[] = [];
  for (const p of policies) {
    const r = policyMatches(p, target, brokerMajor);
    if (r === 'match') candidates.push(p);
    else if (r !== 'no-match') errors.push({ policy: p, error: r.error });
  }
  // Array.prototype.sort is stable, like lists:sort/2.
  candidates.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  const winner = candidates[0];
  const tied = winner ? candidates.filter((p) => (p.priority ?? 0) === (winner.priority ?? 0)) : [];
  return { winner, tied, candidates, errors };
}

// ---------------------------------------------------------------------------
// Merging policy and operator policy
// ---------------------------------------------------------------------------

const MIN_KEYS = new Set([
  'message-ttl',
  'max-length',
  'max-length-bytes',
  'max-in-memory-length',
  'max-in-memory-bytes',
  'expires',
  'delivery-limit',
]);

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** rabbit_policies:merge_policy_value/3 for a key both definitions set. */
export function mergePolicyValue(key: string, value: unknown, opValue: unknown, brokerMajor: number): unknown {
  if (MIN_KEYS.has(key) && isNum(value) && isNum(opValue)) {
    if (brokerMajor >= 4 && key === 'delivery-limit' && (value < 0 || opValue < 0)) return Math.max(value, opValue);
    return Math.min(value, opValue);
  }
  // 4.x queue-version / overflow, booleans (both versions), and anything else: the operator's.
  return opValue;
}

/** rabbit_policy:merge_operator_definitions/2: what GET /api/queues shows as effective_policy_definition. */
export function mergeDefinitions(
  definition: Record<string, unknown> | undefined,
  opDefinition: Record<string, unknown> | undefined,
  brokerMajor: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(definition ?? {}), ...Object.keys(opDefinition ?? {})])].sort();
  for (const k of keys) {
    const has = definition !== undefined && Object.hasOwn(definition, k);
    const hasOp = opDefinition !== undefined && Object.hasOwn(opDefinition, k);
    out[k] =
      has && hasOp
        ? mergePolicyValue(k, definition[k], opDefinition[k], brokerMajor)
        : has
          ? definition[k]
          : opDefinition?.[k];
  }
  return out;
}

export interface Effective {
  policy?: PolicyDef;
  operatorPolicy?: PolicyDef;
  /** The merged definition (what the broker reports as effective_policy_definition). */
  definition: Record<string, unknown>;
  /** Names of policies tied at the top priority (only when more than one), user and operator. */
  ambiguous: { policies: string[]; operatorPolicies: string[] };
  errors: string[];
}

/** The policy and operator policy RabbitMQ applies to the target, and the merged definition. */
export function effectivePolicy(
  policies: readonly PolicyDef[],
  operatorPolicies: readonly PolicyDef[],
  target: PolicyTarget,
  brokerMajor: number,
): Effective {
  const u = selectPolicy(policies, target, brokerMajor);
  const o = selectPolicy(operatorPolicies, target, brokerMajor);
  return {
    policy: u.winner,
    operatorPolicy: o.winner,
    definition: mergeDefinitions(u.winner?.definition, o.winner?.definition, brokerMajor),
    ambiguous: {
      policies: u.tied.length > 1 ? u.tied.map((p) => p.name) : [],
      operatorPolicies: o.tied.length > 1 ? o.tied.map((p) => p.name) : [],
    },
    errors: [...u.errors, ...o.errors].map((e) => e.error),
  };
}

// ---------------------------------------------------------------------------
// Policy vs x-arguments: what the queue / exchange runs with
// ---------------------------------------------------------------------------

export type Rule = 'min' | 'argument' | 'policy' | 'delivery-limit-4';

const CLASSIC: Record<string, Rule> = {
  expires: 'min',
  'message-ttl': 'min',
  'max-length': 'min',
  'max-length-bytes': 'min',
  'dead-letter-exchange': 'argument',
  'dead-letter-routing-key': 'argument',
  overflow: 'argument',
  'queue-mode': 'argument',
  'queue-version': 'argument',
};
const QUORUM_3: Record<string, Rule> = {
  'max-length': 'min',
  'max-length-bytes': 'min',
  'max-in-memory-length': 'min',
  'max-in-memory-bytes': 'min',
  'delivery-limit': 'min',
  'message-ttl': 'min',
  expires: 'policy',
  overflow: 'policy',
  'dead-letter-exchange': 'argument',
  'dead-letter-routing-key': 'argument',
  'dead-letter-strategy': 'argument',
};
const QUORUM_4: Record<string, Rule> = {
  ...QUORUM_3,
  expires: 'min',
  'delivery-limit': 'delivery-limit-4',
};
const STREAM: Record<string, Rule> = {
  'max-length-bytes': 'policy',
  'max-age': 'policy',
  'stream-max-segment-size-bytes': 'policy',
  'stream-filter-size-bytes': 'policy',
  'initial-cluster-size': 'policy',
};
const EXCHANGE: Record<string, Rule> = { 'alternate-exchange': 'argument' };

/** How a key set both by x-argument and by policy is resolved (undefined: the argument wins, the docs' default). */
export function resolutionRule(target: PolicyTarget, key: string, brokerMajor: number): Rule | undefined {
  if (target.kind === 'exchange') return EXCHANGE[key];
  const type = target.queueType ?? 'classic';
  const table = type === 'quorum' ? (brokerMajor >= 4 ? QUORUM_4 : QUORUM_3) : type === 'stream' ? STREAM : CLASSIC;
  return table[key];
}

export interface Setting {
  key: string;
  value: unknown;
  /** Where the value comes from. */
  from: 'argument' | 'policy';
  /** When both set it: how it was decided, in words. */
  note?: string;
}

function argNumber(v: unknown): number | undefined {
  if (isNum(v)) return v;
  if (v && typeof v === 'object' && 'value' in v) {
    const n = Number((v as { value: unknown }).value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * The settings the target runs with: its x-arguments combined with the effective policy
 * definition, per key (rabbit_queue_type_util:args_policy_lookup with each type's resolver).
 * Arguments that have no policy counterpart (x-queue-type, x-max-priority…) are left out.
 */
export function resultingSettings(
  target: PolicyTarget,
  args: Record<string, unknown> | undefined,
  definition: Record<string, unknown> | undefined,
  brokerMajor: number,
): Setting[] {
  const out: Setting[] = [];
  const def = definition ?? {};
  const keys = new Set(Object.keys(def));
  for (const a of Object.keys(args ?? {})) {
    if (a.startsWith('x-') && resolutionRule(target, a.slice(2), brokerMajor) !== undefined) keys.add(a.slice(2));
  }
  for (const key of [...keys].sort()) {
    const hasPol = Object.hasOwn(def, key);
    const hasArg = args !== undefined && Object.hasOwn(args, `x-${key}`);
    const pol = def[key];
    const arg = args?.[`x-${key}`];
    if (!hasArg) {
      out.push({ key, value: pol, from: 'policy' });
      continue;
    }
    if (!hasPol) {
      out.push({ key, value: arg, from: 'argument' });
      continue;
    }
    const rule = resolutionRule(target, key, brokerMajor) ?? 'argument';
    const an = argNumber(arg);
    if ((rule === 'min' || rule === 'delivery-limit-4') && isNum(pol) && an !== undefined) {
      const pick =
        rule === 'delivery-limit-4' && (pol < 0 || an < 0)
          ? pol >= an
            ? 'policy'
            : 'argument'
          : pol <= an
            ? 'policy'
            : 'argument';
      out.push({
        key,
        value: pick === 'policy' ? pol : arg,
        from: pick,
        note: rule === 'min' ? 'the lower of argument and policy' : 'the limited one of argument and policy',
      });
    } else if (rule === 'policy') {
      out.push({ key, value: pol, from: 'policy', note: 'the policy overrides the argument' });
    } else {
      out.push({ key, value: arg, from: 'argument', note: 'the argument overrides the policy' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Text for the tree
// ---------------------------------------------------------------------------

/** "pattern · apply-to · priority" for a policy row. */
export function policyDescription(p: PolicyDef): string {
  return `${p.pattern} · ${p['apply-to'] ?? 'all'} · ${p.priority ?? 0}`;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value);
  return JSON.stringify(v);
}

/** Tooltip lines of a policy row. */
export function policyTooltip(p: PolicyDef, operator: boolean): string {
  return [
    `${operator ? 'Operator policy' : 'Policy'} ${p.name}`,
    `Pattern: ${p.pattern}`,
    `Apply to: ${p['apply-to'] ?? 'all'}`,
    `Priority: ${p.priority ?? 0}`,
    'Definition:',
    JSON.stringify(p.definition ?? {}, null, 2),
  ].join('\n');
}

/**
 * Tooltip lines for a queue or exchange about its policies: "Policy: a (operator: b)" and the
 * effective definition's keys. Empty when no policy applies.
 */
export function policyLines(
  policy: string | undefined,
  operatorPolicy: string | undefined,
  definition: Record<string, unknown> | undefined,
): string[] {
  const pol = policy && policy !== 'none' ? policy : undefined;
  const op = operatorPolicy && operatorPolicy !== 'none' ? operatorPolicy : undefined;
  if (!pol && !op) return [];
  const head = pol ? `Policy: ${pol}${op ? ` (operator: ${op})` : ''}` : `Operator policy: ${op}`;
  const defs = Object.entries(definition ?? {}).map(([k, v]) => `  ${k}: ${formatValue(v)}`);
  return [head, ...defs];
}

// ---------------------------------------------------------------------------
// Preview of a pattern being edited
// ---------------------------------------------------------------------------

/**
 * What the preview says when the vhost's other policies (or operator policies) could not be read
 * (401/403: operator policies need an administrator, policies the policymaker or monitoring tag):
 * the matches are still shown, but whether another policy would win instead is not known.
 * `code`: the HTTP status, `detail`: the broker's error as shown to the user.
 */
export function unreadablePoliciesNote(operator: boolean, code: number | undefined, detail: string): string {
  const what = operator ? 'operator policies' : 'policies';
  const why =
    code === 401 || code === 403
      ? operator
        ? `this user may not read them (${code}: operator policies need the administrator tag)`
        : `this user may not read them (${code}: policies need the policymaker or monitoring tag)`
      : detail;
  return `The vhost’s other ${what} could not be read — ${why}. Whether one of them would win instead is not known.`;
}

export interface PreviewRow {
  target: PolicyTarget;
  /** The policy being edited would be the one applied. */
  wins: boolean;
  /** When it would not win: why (a higher-priority policy, a tie, unsupported keys). */
  reason?: string;
}

export interface Preview {
  rows: PreviewRow[];
  error?: string;
  summary: string;
}

/**
 * Which of the vhost's queues and exchanges the policy `draft` would match, and whether it would
 * be the one applied given the vhost's other policies of the same kind (`others`; a policy of the
 * same name is replaced by the draft).
 */
export function previewPolicy(
  draft: PolicyDef,
  others: readonly PolicyDef[],
  targets: readonly PolicyTarget[],
  brokerMajor: number,
): Preview {
  const re = compilePattern(draft.pattern);
  if (!re.ok) return { rows: [], error: re.error, summary: re.error };
  const all = [...others.filter((p) => p.name !== draft.name), draft];
  const rows: PreviewRow[] = [];
  for (const t of targets) {
    if (!re.test(t.name)) continue;
    if (!applyToFits(draft['apply-to'], t, brokerMajor)) continue;
    const why = whyNotApplied(draft, t, brokerMajor);
    if (why) {
      rows.push({ target: t, wins: false, reason: why });
      continue;
    }
    const sel = selectPolicy(all, t, brokerMajor);
    if (sel.winner === draft && sel.tied.length === 1) rows.push({ target: t, wins: true });
    else if (sel.tied.includes(draft))
      rows.push({
        target: t,
        wins: false,
        reason: `tied at priority ${draft.priority ?? 0} with ${sel.tied
          .filter((p) => p !== draft)
          .map((p) => `'${p.name}'`)
          .join(', ')}: the broker picks one by storage order`,
      });
    else
      rows.push({
        target: t,
        wins: false,
        reason: `'${sel.winner?.name}' (priority ${sel.winner?.priority ?? 0}) wins instead`,
      });
  }
  const q = rows.filter((r) => r.target.kind === 'queue').length;
  const x = rows.length - q;
  const lost = rows.filter((r) => !r.wins).length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const summary =
    `matches ${plural(q, 'queue')}, ${plural(x, 'exchange')}` +
    (lost ? ` (another policy wins on ${lost})` : rows.length ? ' and would apply to all of them' : '');
  return { rows, summary };
}

/** A definition typed as JSON: undefined when it is a non-empty JSON object, else why not. */
export function checkPolicyDefinition(text: string): string | undefined {
  const r = parseJsonWithPosition(text);
  if (!r.ok) return `Not valid JSON: ${r.error}`;
  if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
    return 'The definition must be a JSON object, e.g. {"message-ttl": 60000}';
  if (Object.keys(r.value).length === 0) return 'The definition needs at least one key';
  return undefined;
}

/**
 * Tooltip lines for the keys a queue or exchange sets both by x-argument and through its policy:
 * which value it runs with and why. The tree does not know the broker's version, so a key whose
 * rule differs between 3.x and 4.x (quorum `expires`, a negative `delivery-limit`) gives both.
 */
export function argumentVsPolicyLines(
  target: PolicyTarget,
  args: Record<string, unknown> | undefined,
  definition: Record<string, unknown> | undefined,
): string[] {
  const both = (major: number) =>
    new Map(
      resultingSettings(target, args, definition, major)
        .filter((s) => s.note !== undefined)
        .map((s) => [s.key, s]),
    );
  const three = both(3);
  const four = both(4);
  const lines: string[] = [];
  for (const [key, s3] of three) {
    const s4 = four.get(key);
    if (!s4) continue;
    if (s3.from === s4.from && formatValue(s3.value) === formatValue(s4.value))
      lines.push(`  ${key}: ${formatValue(s4.value)} — ${s4.note}`);
    else
      lines.push(
        `  ${key}: ${formatValue(s3.value)} on 3.x (${s3.from}), ${formatValue(s4.value)} on 4.x (${s4.from})`,
      );
  }
  return lines.length ? ['Set by both argument and policy:', ...lines] : [];
}

/**
 * The broker's reason for refusing a policy, readable: the management API sends it HTML-escaped
 * over several lines ("Validation failed\n\n[{&lt;&lt;\"no-such-key\"&gt;&gt;,1}] are not
 * recognised policy settings").
 */
export function refusalReason(replyText: string | undefined): string {
  const text = (replyText ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^Validation failed:? ?/i, '');
  return text || 'no reason given';
}
