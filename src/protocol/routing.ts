import { panelTarget, type CommonToWebview, type PanelTarget, type ReadyMessage } from './common';
import { lenient, literal, messages, object, str, type Check } from './validate';

export interface LiveBindingRow {
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  criteria: string;
  /** True when it surely matches. */
  matched: boolean;
  /** 'maybe': it depends on what the management API does not show (reason says what). */
  outcome: 'yes' | 'no' | 'maybe';
  reason: string;
}

/** A queue (or direct reply-to address) that may also receive the message, and why it is not sure. */
export interface MayReceiveRow {
  destination: string;
  kind: 'queue' | 'direct-reply-to';
  reasons: string[];
}

export interface LiveRouteView {
  exchange: string;
  routingKey: string;
  /** Queues that surely receive the message. */
  queues: string[];
  /** Queues that may also receive it ("uncertain"), with the reasons. */
  mayReceive: MayReceiveRow[];
  /** Surely returned with mandatory (312 NO_ROUTE). */
  unroutable: boolean;
  /** No queue surely receives it, some may: the mandatory return is uncertain. */
  mayBeUnroutable: boolean;
  incomplete: boolean;
  steps: string[];
  errors: string[];
  warnings: string[];
  bindings: LiveBindingRow[];
  /**
   * When the topology the answer used was read from the broker (its oldest part: it is read
   * lazily, only what the exchange can reach, and cached until a reload).
   */
  topologyAt: number;
  /** What was read for this answer: the exchanges reachable from `exchange`, their bindings and queues. */
  counts: { exchanges: number; bindings: number; queues: number };
}

export type RoutingToWebview =
  | { type: 'init'; target: PanelTarget; exchanges: { name: string; type: string }[] }
  | { type: 'route'; view: LiveRouteView }
  | CommonToWebview;

export type RoutingToHost =
  ReadyMessage | { type: 'route'; exchange: string; routingKey: string; headers: string } | { type: 'reload' };

export interface RoutingState {
  target: PanelTarget;
  pattern?: string;
  keys?: string;
  live?: { exchange: string; routingKey: string; headers: string };
  tab?: 'offline' | 'live';
}

export const checkRoutingToHost = messages<RoutingToHost>({
  ready: object({}),
  route: object({ exchange: str, routingKey: str, headers: str }),
  reload: object({}),
});

export const checkRoutingState: Check<RoutingState> = object({
  target: panelTarget,
  pattern: lenient(str),
  keys: lenient(str),
  live: lenient(object({ exchange: str, routingKey: str, headers: str })),
  tab: lenient(literal('offline', 'live')),
});
