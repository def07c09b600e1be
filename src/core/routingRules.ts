/**
 * The routing rules the simulator (routing.ts) applies per exchange and per binding: which alternate
 * exchange applies, what CC/BCC add and remove, and whether one binding matches (with the reason).
 */
import { explainTopicMatch, type TopicMatchExplanation } from './topic';
import { explainHeadersMatch, type MatchOptions } from './headersExchange';
import { effectiveExchangePolicy, matchExchangePolicy } from './exchangePolicy';
import type { AlternateExchange, BindingCheck, SimBinding, SimExchange, SimTopology } from './routingTypes';

const ROUTING_HEADERS = ['CC', 'BCC'] as const;

/** The alternate exchange RabbitMQ would use: the declared argument, else the policy's. */
export function alternateExchangeOf(
  x: SimExchange,
  topology?: Pick<SimTopology, 'policies' | 'operatorPolicies'>,
): string | undefined {
  return resolveAlternateExchange(x, topology ?? {}).name;
}

/**
 * An exchange's alternate exchange as rabbit_policy:get_arg/3 finds it: the declared
 * "alternate-exchange" argument, else the effective policy's (an explicit `policyDefinition`,
 * else the one the broker reported in `policy`, else the one the vhost's policies give), else
 * the operator policy's (which the broker never allows; kept for the rule's sake).
 */
export function resolveAlternateExchange(
  x: SimExchange,
  topology: Pick<SimTopology, 'policies' | 'operatorPolicies'>,
): AlternateExchange {
  const fromArgs = unwrap(x.arguments?.['alternate-exchange']);
  if (fromArgs !== undefined && fromArgs !== null) return { name: String(fromArgs), source: 'argument' };
  if (x.policyDefinition) {
    const v = unwrap(x.policyDefinition['alternate-exchange']);
    if (v !== undefined && v !== null) return { name: String(v), source: 'policy' };
  } else if (x.name !== '' && (topology.policies || x.policy)) {
    const p = effectiveExchangePolicy(x.name, topology.policies ?? [], x.policy);
    const v = unwrap(p.definition?.['alternate-exchange']);
    const out: AlternateExchange = {};
    if (v !== undefined && v !== null) {
      out.name = String(v);
      out.source = 'policy';
    }
    if (p.uncertain) out.uncertain = p.uncertain;
    if (out.name !== undefined || out.uncertain) return out;
  }
  if (x.name !== '' && topology.operatorPolicies) {
    const op = matchExchangePolicy(x.name, topology.operatorPolicies);
    const v = unwrap(op.definition?.['alternate-exchange']);
    if (v !== undefined && v !== null)
      return { name: String(v), source: 'operator policy', ...(op.uncertain ? { uncertain: op.uncertain } : {}) };
  }
  return {};
}

/** The headers the exchanges see: the broker removes BCC from the message before routing. */
export function routedHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(headers, 'BCC')) return headers;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) if (k !== 'BCC') out[k] = v;
  return out;
}

/**
 * Routing keys added by the CC and BCC headers (rabbit_basic:header_routes): the string
 * elements of an array; a CC/BCC header of another type fails the publish.
 */
export function extraRoutingKeys(headers: Record<string, unknown>): { keys: string[] } | { error: string } {
  const keys: string[] = [];
  for (const h of ROUTING_HEADERS) {
    if (!Object.prototype.hasOwnProperty.call(headers, h)) continue;
    const v = headers[h];
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      return {
        error: `406 PRECONDITION_FAILED - invalid message: the ${h} header must be an array of strings (sender-selected distribution)`,
      };
    }
    for (const e of v) if (typeof e === 'string') keys.push(e);
  }
  return { keys };
}

/** Matched or not, and why, for one binding of an exchange of `type`. */
export function explainBinding(
  type: string,
  b: SimBinding,
  routingKeys: string[],
  headers: Record<string, unknown>,
  opts: MatchOptions = {},
): BindingCheck {
  const keysText =
    routingKeys.length === 1
      ? `routing key ${JSON.stringify(routingKeys[0])}`
      : `routing keys ${routingKeys.map((k) => JSON.stringify(k)).join(', ')}`;
  switch (type) {
    case 'fanout':
      return {
        binding: b,
        matched: true,
        outcome: 'yes',
        reason: 'a fanout exchange routes to every binding (keys are ignored)',
      };
    case 'direct': {
      const matched = routingKeys.includes(b.routing_key);
      return {
        binding: b,
        matched,
        outcome: matched ? 'yes' : 'no',
        reason: matched
          ? `binding key ${JSON.stringify(b.routing_key)} equals the routing key`
          : `binding key ${JSON.stringify(b.routing_key)} is not the ${keysText} (direct needs exact equality)`,
      };
    }
    case 'topic': {
      let first: TopicMatchExplanation | undefined;
      for (const k of routingKeys) {
        const e = explainTopicMatch(b.routing_key, k);
        if (!first) first = e;
        if (e.matches) {
          return {
            binding: b,
            matched: true,
            outcome: 'yes',
            topic: e,
            reason: `pattern ${JSON.stringify(b.routing_key)} matches ${JSON.stringify(k)}`,
          };
        }
      }
      return {
        binding: b,
        matched: false,
        outcome: 'no',
        topic: first,
        reason: `pattern ${JSON.stringify(b.routing_key)} does not match: ${first?.reason ?? 'no routing key'}`,
      };
    }
    case 'headers': {
      const e = explainHeadersMatch(b.arguments ?? {}, headers, opts);
      return {
        binding: b,
        matched: e.matches,
        outcome: e.outcome,
        ...(e.outcome === 'maybe' ? { uncertainReasons: e.uncertainReasons } : {}),
        headers: e,
        reason: e.reason,
      };
    }
    default:
      return { binding: b, matched: false, outcome: 'no', reason: `cannot simulate exchange type '${type}'` };
  }
}

function unwrap(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v && '!' in v)
    return (v as { value: unknown }).value;
  return v;
}
