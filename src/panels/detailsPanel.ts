import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import type { PanelTarget } from '../protocol/common';
import {
  checkStatsToHost,
  type DetailsToWebview,
  type DetailsView,
  type OverviewToWebview,
  type OverviewView,
  type StatsState,
  type StatsToHost,
} from '../protocol/details';
import { RefreshScheduler } from '../core/refreshScheduler';
import { readExchangeDetails, readOverview, readQueueDetails } from '../broker/managementStats';
import type { BrokerSession } from '../broker/session';
import type { PanelServices } from './services';

export const DETAILS_VIEW_TYPE = 'burrow.details';
export const OVERVIEW_VIEW_TYPE = 'burrow.overview';

/** The live tree's setting: the stats panels refresh at the same rhythm (0 = only on demand). */
function intervalSeconds(): number {
  const s = vscode.workspace.getConfiguration('burrow.explorer').get<number>('autoRefreshSeconds', 5);
  return typeof s === 'number' && s > 0 ? Math.max(2, s) : 0;
}

type StatsToWebview<V> = { type: 'init'; target: PanelTarget; intervalSeconds: number } | { type: 'view'; view: V };

/**
 * A panel that shows one management API read and reads it again every few seconds while it is
 * visible (the live tree's RefreshScheduler: paused while hidden, backing off after errors).
 */
abstract class StatsPanel<V, ToWebview extends { type: string }> extends BasePanel<ToWebview, StatsToHost> {
  private readonly scheduler: RefreshScheduler<'panel'>;
  private paused: boolean;

  protected constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    target: PanelTarget,
    script: string,
    state?: StatsState,
  ) {
    super(panel, services, target, script, checkStatsToHost, [script]);
    this.paused = state?.paused === true;
    this.scheduler = new RefreshScheduler<'panel'>(
      {
        intervalMs: () => (this.paused ? 0 : intervalSeconds() * 1000),
        visible: () => this.panel.visible,
        targets: () => ['panel'],
        refresh: async () => {
          if (!(await this.load())) throw new Error('refresh failed');
        },
      },
      { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    );
    this.disposables.push(
      panel.onDidChangeViewState(() => this.scheduler.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('burrow.explorer.autoRefreshSeconds')) {
          this.postInit();
          this.scheduler.update();
        }
      }),
      { dispose: () => this.scheduler.dispose() },
    );
  }

  protected abstract read(session: BrokerSession): Promise<V>;

  private postInit(): void {
    this.post({
      type: 'init',
      target: this.target,
      intervalSeconds: this.paused ? 0 : intervalSeconds(),
    } satisfies StatsToWebview<V> as unknown as ToWebview);
  }

  /** Reads and posts the view; false when it failed (the banner shows why). */
  private async load(busy = false): Promise<boolean> {
    const view = await this.guarded((session) => this.read(session), { busy });
    if (view === undefined) return false;
    this.post({ type: 'view', view } satisfies StatsToWebview<V> as unknown as ToWebview);
    return true;
  }

  protected async onReady(): Promise<void> {
    this.postInit();
    await this.load(true);
    this.scheduler.update();
  }

  protected readonly handlers: MessageHandlers<StatsToHost> = {
    refresh: async () => {
      await this.load(true);
    },
    pause: (msg) => {
      this.paused = msg.paused;
      this.postInit();
      this.scheduler.update();
    },
  };
}

/** Details of a queue or an exchange: facts, arguments, policy, bindings, consumers and charts. */
export class DetailsPanel extends StatsPanel<DetailsView, DetailsToWebview> {
  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: StatsState) {
    super(panel, services, target, 'details', state);
  }

  protected read(session: BrokerSession): Promise<DetailsView> {
    const t = this.target;
    return t.queue !== undefined
      ? readQueueDetails(session.management, t.vhost, t.queue)
      : readExchangeDetails(session.management, t.vhost, t.exchange ?? '');
  }
}

/** One connection's broker: versions, nodes, listeners, feature flags, totals and a rate chart. */
export class OverviewPanel extends StatsPanel<OverviewView, OverviewToWebview> {
  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: StatsState) {
    super(panel, services, target, 'overview', state);
  }

  protected read(session: BrokerSession): Promise<OverviewView> {
    return readOverview(session.management);
  }
}
