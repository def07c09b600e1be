/**
 * The routing simulator's shapes (routing.ts): the topology snapshot it reads, the route it answers
 * and the explanation of each binding.
 */
import type { TopicMatchExplanation } from './topic';
import type { Certainty, HeadersMatchExplanation } from './headersExchange';
import type { PolicyLike } from './exchangePolicy';

export interface SimExchange {
  name: string;
  type: string;
  /** Declared arguments; "alternate-exchange" is the one routing cares about. */
  arguments?: Record<string, unknown>;
  internal?: boolean;
  /**
   * The effective policy definition, if known (e.g. { 'alternate-exchange': 'ae' }).
   * A declared "alternate-exchange" argument wins over the policy, as in RabbitMQ.
   */
  policyDefinition?: Record<string, unknown>;
  /**
   * The exchange listing's `policy` field: the name of the policy the broker applied (null:
   * none). Undefined: not known, so it is worked out from SimTopology.policies.
   */
  policy?: string | null;
}

export interface SimBinding {
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments?: Record<string, unknown>;
}

export interface SimTopology {
  exchanges: SimExchange[];
  bindings: SimBinding[];
  queues: string[];
  /** Only used to word error messages like the broker does. */
  vhost?: string;
  /** The vhost's policies (GET /api/policies/{vhost}): alternate exchanges set by policy. */
  policies?: PolicyLike[];
  /** The vhost's operator policies (they cannot set an alternate exchange; read for completeness). */
  operatorPolicies?: PolicyLike[];
  /**
   * The binding arguments are the management API's rendering of them, which is not exact:
   * comparisons that depend on what it loses are 'maybe' (headersExchange.ts).
   */
  lossyArguments?: boolean;
  /**
   * The broker's RabbitMQ version (overview's rabbitmq_version): 3.13 changed how headers
   * bindings compare values (headerEquality.ts). Unknown: answers that depend on it are 'maybe'.
   */
  brokerVersion?: string;
}

export type RouteStepKind =
  /** An exchange was evaluated; `matched` holds the bindings it routed through. */
  | 'exchange'
  /** The exchange routed nothing and its alternate exchange is used (or could not be). */
  | 'alternate-exchange'
  /** An exchange reached again (cycle, diamond) was not evaluated again. */
  | 'already-visited'
  /** A binding or alternate-exchange points at an exchange that does not exist: skipped. */
  | 'missing-exchange'
  /** A binding points at a queue that does not exist: dropped. */
  | 'missing-queue'
  /** Plugin exchange type the simulator does not know: routes nothing here. */
  | 'unsupported-type'
  /** Default exchange + amq.rabbitmq.reply-to.* routing key. */
  | 'direct-reply-to'
  /** CC / BCC headers added routing keys. */
  | 'extra-routing-keys';

export interface RouteStep {
  kind: RouteStepKind;
  /** The exchange this step is about. */
  exchange: string;
  /** 0 for the exchange published to, +1 per binding / alternate-exchange hop. */
  depth: number;
  /** How `exchange` was reached (absent for the entry exchange). */
  from?: { exchange: string; via: 'binding' | 'alternate-exchange'; routingKey?: string };
  /** kind 'exchange': the bindings of `exchange` that matched (queues and exchanges). */
  matched?: SimBinding[];
  /** kind 'alternate-exchange': the AE's name. */
  alternate?: string;
  /** kind 'missing-queue' / 'direct-reply-to': the queue concerned. */
  queue?: string;
  /** One sentence for humans. */
  text: string;
  /** Set when this step may or may not happen: why. */
  uncertain?: string[];
}

/** A destination that may receive the message or not, depending on what the topology read cannot tell. */
export interface MayReceive {
  /** A queue name, or a direct reply-to address. */
  destination: string;
  kind: 'queue' | 'direct-reply-to';
  reasons: string[];
}

export interface RouteResult {
  /** Queues that surely receive the message: unique, sorted. */
  queues: string[];
  /** Queues (and direct reply-to addresses) that may also receive it, with the reasons; sorted. */
  mayReceive: MayReceive[];
  /**
   * True when the publish is accepted and surely reaches no queue (mandatory => 312 NO_ROUTE).
   * A direct reply-to address does not count: the broker returns the message even when the reply
   * consumer gets it.
   */
  unroutable: boolean;
  /** True when no queue surely receives it but some may: the mandatory return is uncertain. */
  mayBeUnroutable: boolean;
  /** True when an exchange of an unknown (plugin) type was reached: the result may be incomplete. */
  incomplete: boolean;
  /** The routing keys used (routing key, then CC and BCC entries). */
  routingKeys: string[];
  steps: RouteStep[];
  /** Publish refused by the broker (nothing routed): unknown exchange (404), internal exchange (403), bad CC/BCC (406). */
  errors: string[];
  /** Non-fatal problems (e.g. a routing key over 255 bytes). */
  warnings: string[];
}

export interface BindingCheck {
  binding: SimBinding;
  /** True when it surely matches (outcome 'yes'). */
  matched: boolean;
  outcome: Certainty;
  /** Why the outcome is 'maybe'. */
  uncertainReasons?: string[];
  /** Why it matched or not, one sentence. */
  reason: string;
  topic?: TopicMatchExplanation;
  headers?: HeadersMatchExplanation;
}

/** An exchange's alternate exchange: its name (none if undefined), and why it is uncertain. */
export interface AlternateExchange {
  name?: string;
  source?: 'argument' | 'policy' | 'operator policy';
  uncertain?: string;
}
