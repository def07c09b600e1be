import type * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import type { PanelTarget } from '../protocol/common';
import {
  checkRoutingToHost,
  type LiveRouteView,
  type RoutingState,
  type RoutingToHost,
  type RoutingToWebview,
} from '../protocol/routing';
import { RoutingSimulator, explainRoute, type SimTopology } from '../core/routing';
import { parseArgumentsInput } from '../core/arguments';
import { bindingCriteria } from '../core/topology';
import { getOperatorPolicies, getPolicies, type ManagementClient } from '../broker/management';
import type { PanelServices } from './services';

export const ROUTING_VIEW_TYPE = 'burrow.routing';

/**
 * Reads a vhost's whole topology (every page) for the simulator, with its policies (alternate
 * exchanges set by policy). The binding arguments are the management API's rendering, which is
 * not exact: the simulator is told so (lossyArguments) and marks what depends on it as uncertain.
 */
export async function readTopology(m: ManagementClient, vhost: string): Promise<SimTopology> {
  const [exchanges, queues, bindings, policies, operatorPolicies] = await Promise.all([
    readAllPages((page) => m.listExchanges(vhost, { page, pageSize: 500 })),
    readAllPages((page) => m.listQueues(vhost, { page, pageSize: 500, columns: ['name'] })),
    m.listBindings(vhost),
    // Without the policies (a user without the policymaker or monitoring tag may not read them),
    // an exchange whose listing names a policy gets an uncertain alternate exchange.
    getPolicies(m, vhost).catch(() => undefined),
    // Operator policies cannot set an alternate exchange; read for the rule's sake, optional.
    getOperatorPolicies(m, vhost).catch(() => undefined),
  ]);
  return {
    vhost,
    lossyArguments: true,
    ...(policies ? { policies } : {}),
    ...(operatorPolicies ? { operatorPolicies } : {}),
    exchanges: exchanges.map((x) => ({
      name: x.name,
      type: x.type,
      arguments: x.arguments,
      internal: x.internal,
      // The listing names the policy the broker applied; no field means none applies.
      policy: x.policy ?? null,
    })),
    bindings: bindings.map((b) => ({
      source: b.source,
      destination: b.destination,
      destination_type: b.destination_type as 'queue' | 'exchange',
      routing_key: b.routing_key,
      arguments: b.arguments,
    })),
    queues: queues.map((q) => q.name),
  };
}

async function readAllPages<T>(read: (page: number) => Promise<{ items: T[]; pageCount: number }>): Promise<T[]> {
  const first = await read(1);
  const all = [...first.items];
  for (let page = 2; page <= first.pageCount; page++) all.push(...(await read(page)).items);
  return all;
}

/** Routing-key tester: offline pattern checks run in the webview; live routing runs here against the broker's topology. */
export class RoutingPanel extends BasePanel<RoutingToWebview, RoutingToHost> {
  private simulator?: RoutingSimulator;
  private topology?: SimTopology;
  private topologyAt = 0;
  private last?: LiveRouteView;

  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, _state?: RoutingState) {
    super(panel, services, target, 'routing', checkRoutingToHost);
  }

  protected async onReady(): Promise<void> {
    await this.load(false);
    this.postInit();
    if (this.last) this.post({ type: 'route', view: this.last });
  }

  private postInit(): void {
    this.post({
      type: 'init',
      target: this.target,
      exchanges: (this.topology?.exchanges ?? []).map((x) => ({ name: x.name, type: x.type })),
    });
  }

  /**
   * Reads the topology (once, or again when forced). Through guarded(), like every panel: a success marks the
   * connection connected in the tree/status bar (otherwise a session opened only by this panel shows
   * "connecting" forever), a failure shows in the banner.
   */
  private async load(force: boolean, busy = false): Promise<boolean> {
    if (this.simulator && !force) return true;
    const topology = await this.guarded((session) => readTopology(session.management, this.target.vhost), { busy });
    if (!topology) return false;
    this.topology = topology;
    this.simulator = new RoutingSimulator(topology);
    this.topologyAt = Date.now();
    return true;
  }

  protected readonly handlers: MessageHandlers<RoutingToHost> = {
    reload: async () => {
      if (await this.load(true, true)) this.postInit();
    },
    route: (msg) => this.route(msg),
  };

  private async route(msg: Extract<RoutingToHost, { type: 'route' }>): Promise<void> {
    const headers = parseArgumentsInput(msg.headers);
    if (!headers.ok) {
      this.post({ type: 'error', message: `Headers: ${headers.error}` });
      return;
    }
    if (!(await this.load(false))) return;
    const sim = this.simulator as RoutingSimulator;
    const topo = this.topology as SimTopology;
    const { result, bindings } = explainRoute(sim, msg.exchange, msg.routingKey, headers.value);
    this.last = {
      exchange: msg.exchange,
      routingKey: msg.routingKey,
      queues: result.queues,
      mayReceive: result.mayReceive.map((m) => ({ destination: m.destination, kind: m.kind, reasons: m.reasons })),
      unroutable: result.unroutable,
      mayBeUnroutable: result.mayBeUnroutable,
      incomplete: result.incomplete,
      steps: result.steps.map((s) => `${'  '.repeat(s.depth)}${s.text}`),
      errors: result.errors,
      warnings: result.warnings,
      bindings: bindings.map((b) => ({
        source: b.binding.source,
        destination: b.binding.destination,
        destinationType: b.binding.destination_type,
        criteria: bindingCriteria(b.binding),
        matched: b.matched,
        outcome: b.outcome,
        reason: b.reason,
      })),
      topologyAt: this.topologyAt,
      counts: { exchanges: topo.exchanges.length, bindings: topo.bindings.length, queues: topo.queues.length },
    };
    this.post({ type: 'route', view: this.last });
  }
}
