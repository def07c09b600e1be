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
import { readTopology } from '../broker/routingTopology';
import type { PanelServices } from './services';

export const ROUTING_VIEW_TYPE = 'burrow.routing';

export { readTopology };

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
