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
import { parseArgumentsInput } from '../core/arguments';
import { bindingCriteria } from '../core/topology';
import { LazyTopology, readTopology } from '../broker/routingTopology';
import type { ManagementClient } from '../broker/management';
import type { PanelServices } from './services';

export const ROUTING_VIEW_TYPE = 'burrow.routing';

export { readTopology };

/**
 * Routing-key tester: offline pattern checks run in the webview; live routing runs here against the
 * broker's topology, read lazily from the exchange published to (LazyTopology).
 */
export class RoutingPanel extends BasePanel<RoutingToWebview, RoutingToHost> {
  /** The lazy reader of this panel's vhost (per management client: a new session reads anew). */
  private lazy?: LazyTopology;
  private lazyOf?: ManagementClient;
  private exchanges?: { name: string; type: string }[];
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
    this.post({ type: 'init', target: this.target, exchanges: this.exchanges ?? [] });
  }

  private reader(m: ManagementClient): LazyTopology {
    if (!this.lazy || this.lazyOf !== m || this.lazy.vhost !== this.target.vhost) {
      this.lazy = new LazyTopology(m, this.target.vhost);
      this.lazyOf = m;
    }
    return this.lazy;
  }

  /**
   * Reads the exchange list for the picker (once, or again when forced; forcing also drops every
   * cached exchange, so the next route reads what it needs again). Through guarded(), like every
   * panel: a success marks the connection connected in the tree/status bar (otherwise a session
   * opened only by this panel shows "connecting" forever), a failure shows in the banner.
   */
  private async load(force: boolean, busy = false): Promise<boolean> {
    if (this.exchanges && !force) return true;
    const list = await this.guarded(
      (session) => {
        const lazy = this.reader(session.management);
        if (force) lazy.reload();
        return lazy.exchangeList();
      },
      { busy },
    );
    if (!list) return false;
    this.exchanges = list;
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
    // Only what routing from this exchange can reach is read (and cached until Reload).
    const answer = await this.guarded((session) =>
      this.reader(session.management).route(msg.exchange, msg.routingKey, headers.value),
    );
    if (!answer) return;
    const { result, bindings, topology: topo } = answer;
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
      topologyAt: answer.readAt,
      counts: { exchanges: topo.exchanges.length, bindings: topo.bindings.length, queues: topo.queues.length },
    };
    this.post({ type: 'route', view: this.last });
  }
}
