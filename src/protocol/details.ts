import { panelTarget, type CommonToWebview, type PanelTarget, type ReadyMessage } from './common';
import { bool, lenient, messages, object, type Check } from './validate';
import type { DetailsView, OverviewView } from '../core/detailsView';

export type { DetailsView, OverviewView };
export type { ChartColor, ChartData } from '../core/statsSamples';

/**
 * The Details panel (a queue or an exchange) and the Overview panel (one connection's broker):
 * the host reads the management API and sends a complete view on 'ready' and on every refresh
 * (every burrow.explorer.autoRefreshSeconds while the panel is visible); the webview only draws it.
 */
export type DetailsToWebview =
  | { type: 'init'; target: PanelTarget; intervalSeconds: number }
  | { type: 'view'; view: DetailsView }
  | CommonToWebview;

export type OverviewToWebview =
  | { type: 'init'; target: PanelTarget; intervalSeconds: number }
  | { type: 'view'; view: OverviewView }
  | CommonToWebview;

/** Both panels: ask for a refresh now, or pause/resume the automatic one. */
export type StatsToHost = ReadyMessage | { type: 'refresh' } | { type: 'pause'; paused: boolean };

export interface StatsState {
  target: PanelTarget;
  paused?: boolean;
}

export const checkStatsToHost = messages<StatsToHost>({
  ready: object({}),
  refresh: object({}),
  pause: object({ paused: bool }),
});

export const checkStatsState: Check<StatsState> = object({
  target: panelTarget,
  paused: lenient(bool),
});
