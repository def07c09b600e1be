/**
 * The policy RabbitMQ applies to an exchange, and the alternate exchange it gives
 * (rabbit_policy.erl, the same in 3.10 and 4.x):
 *
 * - a policy matches an exchange when its `apply-to` is `exchanges` or `all` (the queue kinds,
 *   `queues`, `classic_queues`, `quorum_queues` and `streams`, never apply to exchanges) and its
 *   `pattern`, a PCRE regular expression, matches somewhere in the exchange's name
 *   (`re:run(Name, Pattern)` on the UTF-8 bytes, without the unicode option);
 * - of the matching policies the one with the highest priority wins. On a tie the broker keeps
 *   the first in the order it lists its runtime parameters (lists:sort is stable), which is
 *   storage order and not something a client can know: the exchange listing's `policy` field
 *   names the one it picked, and without it a tie whose policies disagree is uncertain;
 * - the same applies to operator policies on their own; the effective value of a key is the
 *   policy's, else the operator policy's (rabbit_policy:get0). Operator policies cannot hold
 *   `alternate-exchange` (both versions refuse it: 400 "not recognised policy settings"), so
 *   only a policy gives an exchange its alternate exchange;
 * - the exchange's own `alternate-exchange` argument wins over any policy (rabbit_policy:get_arg).
 */

import { mergeDefinitions, selectPolicy, type PolicyDef, type PolicyTarget } from './policies';

/** A policy or operator policy as GET /api/policies/{vhost} and /api/operator-policies/{vhost} list it. */
export interface PolicyLike {
  name: string;
  pattern: string;
  'apply-to'?: string;
  priority?: number;
  definition?: Record<string, unknown>;
}

export interface ExchangePolicyResult {
  /** The winning policy's name, if one applies (and is known). */
  name?: string;
  /** The definition that applies (the winner's). */
  definition?: Record<string, unknown>;
  /** Why the winner is not certain (a tie between disagreeing policies, an unreadable pattern). */
  uncertain?: string;
}

/** Whether a policy with this apply-to can apply to an exchange. */
export function appliesToExchanges(applyTo: string | undefined): boolean {
  return applyTo === undefined || applyTo === 'all' || applyTo === 'exchanges';
}

/** The UTF-8 bytes of `s` as a string of char codes 0–255 (how PCRE without unicode sees it). */
function latin1Bytes(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/**
 * Whether a policy pattern matches a name as the broker's `re:run` does: true, false, or
 * undefined when JavaScript cannot read the pattern (PCRE-only syntax).
 */
export function policyPatternMatches(pattern: string, name: string): boolean | undefined {
  let re: RegExp;
  try {
    re = new RegExp(latin1Bytes(pattern));
  } catch {
    return undefined;
  }
  return re.test(latin1Bytes(name));
}

/** The policy (or operator policy) among `policies` that the broker applies to exchange `name`. */
export function matchExchangePolicy(
  name: string,
  policies: readonly PolicyLike[],
  valueKey = 'alternate-exchange',
): ExchangePolicyResult {
  const unreadable: PolicyLike[] = [];
  const matching: PolicyLike[] = [];
  for (const p of policies) {
    if (!appliesToExchanges(p['apply-to'])) continue;
    const m = policyPatternMatches(p.pattern, name);
    if (m === undefined) unreadable.push(p);
    else if (m) matching.push(p);
  }
  const value = (p: PolicyLike | undefined) => JSON.stringify(p?.definition?.[valueKey] ?? null);
  const result: ExchangePolicyResult = {};
  let top = -Infinity;
  let winner: PolicyLike | undefined;
  if (matching.length > 0) {
    top = Math.max(...matching.map((p) => p.priority ?? 0));
    const tied = matching.filter((p) => (p.priority ?? 0) === top);
    winner = tied[0]!;
    result.name = winner.name;
    result.definition = winner.definition ?? {};
    if (tied.some((p) => value(p) !== value(winner))) {
      result.uncertain = `policies ${tied.map((p) => `'${p.name}'`).join(', ')} match exchange '${name}' with the same priority ${top} and differ on ${valueKey}: the broker keeps one of them, and which one is not visible`;
    }
  }
  const doubtful = unreadable.filter((p) => (p.priority ?? 0) >= top && value(p) !== value(winner));
  if (doubtful.length > 0 && !result.uncertain) {
    result.uncertain = `the pattern of policy ${doubtful.map((p) => `'${p.name}'`).join(', ')} is not readable as a JavaScript regular expression, so whether it applies to exchange '${name}' is not known`;
  }
  return result;
}

/**
 * The effective policy of an exchange. `reported` is the exchange listing's `policy` field: the
 * name of the policy the broker applied (null: none), which settles ties; undefined when unknown.
 */
export function effectiveExchangePolicy(
  name: string,
  policies: readonly PolicyLike[],
  reported?: string | null,
): ExchangePolicyResult {
  if (reported === null) return {};
  if (reported !== undefined) {
    const p = policies.find((x) => x.name === reported);
    if (p) return { name: p.name, definition: p.definition ?? {} };
    return {
      name: reported,
      uncertain: `exchange '${name}' has policy '${reported}', whose definition is not among the policies read (not readable by this user, or changed in between)`,
    };
  }
  return matchExchangePolicy(name, policies);
}

/** An exchange's policy, operator policy and the definition the broker merges from them. */
export interface ExchangeEffective {
  policy?: string;
  operatorPolicy?: string;
  /** rabbit_policy:effective_definition: the policy's keys and the operator policy's, merged. */
  definition: Record<string, unknown>;
  /** What is not certain or not known (unreadable policies, ties the listing does not settle). */
  notes: string[];
}

/**
 * The effective policy and definition of exchange `name`, as rabbit_policy:effective_definition
 * computes it: since 3.7 an exchange carries a policy AND an operator policy (set on declare and
 * on every policy change, `match_op`), merged by merge_operator_definitions (policies.ts
 * mergeDefinitions). The management API lists only the exchange's `policy` (`reported`; null:
 * none), never its operator policy nor the definition, so the operator policy is selected here
 * like the broker does (policies.ts selectPolicy, target kind exchange). `policies` /
 * `operatorPolicies` undefined: they could not be read (a user without the policymaker or
 * monitoring tag), which the notes say.
 */
export function exchangeEffective(
  name: string,
  reported: string | null | undefined,
  policies: readonly PolicyLike[] | undefined,
  operatorPolicies: readonly PolicyLike[] | undefined,
  brokerMajor: number,
): ExchangeEffective {
  const notes: string[] = [];
  let policy: string | undefined;
  let definition: Record<string, unknown> | undefined;
  if (policies) {
    const r = effectiveExchangePolicy(name, policies, reported);
    policy = r.name;
    definition = r.definition;
    if (r.uncertain) notes.push(r.uncertain);
  } else {
    if (typeof reported === 'string') policy = reported;
    notes.push('the vhost’s policies could not be read: their definition is not shown');
  }
  let operatorPolicy: string | undefined;
  let opDefinition: Record<string, unknown> | undefined;
  if (operatorPolicies) {
    const target: PolicyTarget = { kind: 'exchange', name };
    const s = selectPolicy(operatorPolicies as readonly PolicyDef[], target, brokerMajor);
    if (s.winner) {
      operatorPolicy = s.winner.name;
      opDefinition = s.winner.definition ?? {};
      const differ = s.tied.filter((p) => JSON.stringify(p.definition ?? {}) !== JSON.stringify(opDefinition));
      if (differ.length)
        notes.push(
          `operator policies ${s.tied.map((p) => `'${p.name}'`).join(', ')} match with the same priority and differ: the broker keeps one of them, and which one is not visible`,
        );
    }
    for (const e of s.errors) notes.push(e.error);
  } else {
    notes.push('the operator policies could not be read (administrator only): any they add is not shown');
  }
  return {
    ...(policy ? { policy } : {}),
    ...(operatorPolicy ? { operatorPolicy } : {}),
    definition: mergeDefinitions(definition, opDefinition, brokerMajor),
    notes,
  };
}
