import * as vscode from 'vscode';
import type { PanelTarget } from '../protocol/common';
import { orUndefined, type Check } from '../protocol/validate';
import { checkPeekState } from '../protocol/peek';
import { checkPublishState, type PublishDraft } from '../protocol/publish';
import { checkTailState } from '../protocol/tail';
import { checkRoutingState } from '../protocol/routing';
import { checkRpcState } from '../protocol/rpc';
import { checkStatsState } from '../protocol/details';
import type { PanelServices } from './services';
import { distinctTitles } from './kit/titles';
import { PEEK_VIEW_TYPE, PeekPanel } from './peekPanel';
import { PUBLISH_VIEW_TYPE, PublishPanel } from './publishPanel';
import { TAIL_VIEW_TYPE, TailPanel } from './tailPanel';
import { ROUTING_VIEW_TYPE, RoutingPanel } from './routingPanel';
import { RPC_VIEW_TYPE, RpcPanel } from './rpcPanel';
import { DETAILS_VIEW_TYPE, DetailsPanel, OVERVIEW_VIEW_TYPE, OverviewPanel } from './detailsPanel';

interface TrackedPanel {
  readonly target: PanelTarget;
  readonly panel: vscode.WebviewPanel;
  readonly onDidDispose: vscode.Event<void>;
  retarget(target: PanelTarget): boolean;
  dispose(): void;
}

type Kind = 'peek' | 'publish' | 'tail' | 'routing' | 'rpc' | 'details' | 'overview';
type Make<S> = (panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: S) => TrackedPanel;

interface KindSpec<S extends { target: PanelTarget } = { target: PanelTarget }> {
  viewType: string;
  title: (t: PanelTarget) => string;
  /**
   * Which part of the target makes a panel unique (one panel per queue, one publish panel per vhost…).
   * When it is not the whole target, opening the kind for another target retargets the open panel.
   */
  key: (t: PanelTarget) => string;
  /** Restored state (from the webview, through disk): checked, never cast. */
  state: Check<S>;
  make: Make<S>;
}

const spec = <S extends { target: PanelTarget }>(s: KindSpec<S>) => s as unknown as KindSpec;
const perVhost = () => '';

const KINDS: Record<Kind, KindSpec> = {
  peek: spec({
    viewType: PEEK_VIEW_TYPE,
    title: (t) => `Peek: ${t.queue}`,
    key: (t) => `${t.queue}`,
    state: checkPeekState,
    make: (p, s, t, st) => new PeekPanel(p, s, t, st),
  }),
  publish: spec({
    viewType: PUBLISH_VIEW_TYPE,
    title: (t) => `Publish: ${t.profileName} ${t.vhost}`,
    key: perVhost,
    state: checkPublishState,
    make: (p, s, t, st) => new PublishPanel(p, s, t, st),
  }),
  tail: spec({
    viewType: TAIL_VIEW_TYPE,
    title: (t) => `Tail: ${t.queue ?? t.exchange}`,
    key: (t) => `${t.queue ?? ''}|${t.exchange ?? ''}`,
    state: checkTailState,
    make: (p, s, t, st) => new TailPanel(p, s, t, st),
  }),
  routing: spec({
    viewType: ROUTING_VIEW_TYPE,
    title: (t) => `Routing: ${t.profileName} ${t.vhost}`,
    key: perVhost,
    state: checkRoutingState,
    make: (p, s, t, st) => new RoutingPanel(p, s, t, st),
  }),
  rpc: spec({
    viewType: RPC_VIEW_TYPE,
    title: (t) => `RPC: ${t.queue ?? t.exchange ?? t.vhost}`,
    key: perVhost,
    state: checkRpcState,
    make: (p, s, t, st) => new RpcPanel(p, s, t, st),
  }),
  details: spec({
    viewType: DETAILS_VIEW_TYPE,
    title: (t) => (t.queue !== undefined ? `Queue: ${t.queue}` : `Exchange: ${t.exchange || '(AMQP default)'}`),
    key: (t) => (t.queue !== undefined ? `q|${t.queue}` : `x|${t.exchange ?? ''}`),
    state: checkStatsState,
    make: (p, s, t, st) => new DetailsPanel(p, s, t, st),
  }),
  overview: spec({
    viewType: OVERVIEW_VIEW_TYPE,
    // One per connection, named after it (the vhost does not matter: the overview is the broker's).
    title: (t) => `Overview: ${t.profileName}`,
    key: perVhost,
    state: checkStatsState,
    make: (p, s, t, st) => new OverviewPanel(p, s, t, st),
  }),
};

/**
 * Opens panels (one per kind and target, revealing an open one, retargeting a per-vhost one), restores
 * them after a reload, and keeps their titles distinct (naming the connection when two look alike).
 */
export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, { kind: Kind; panel: TrackedPanel }>();
  private readonly disposables: vscode.Disposable[] = [];

  private readonly services: PanelServices;

  constructor(services: PanelServices) {
    // Panels reach the publish form (e.g. a peeked message's "Edit and publish…") through their services.
    this.services = services = { ...services, publishDraft: (t, d, source) => this.publishDraft(t, d, source) };
    for (const [kind, spec] of Object.entries(KINDS) as [Kind, KindSpec][]) {
      this.disposables.push(
        vscode.window.registerWebviewPanelSerializer(spec.viewType, {
          deserializeWebviewPanel: async (panel, raw: unknown) => {
            const state = orUndefined(spec.state, raw);
            if (!state || !services.store.get(state.target.profileId)) {
              // Unreadable, or the connection was removed since: nothing sensible to restore.
              panel.dispose();
              return;
            }
            this.track(kind, spec.make(panel, services, state.target, state));
          },
        }),
      );
    }
  }

  show(kind: Kind, target: PanelTarget): TrackedPanel {
    const existing = this.open.get(this.key(kind, target))?.panel;
    if (existing) {
      // Opened for a named exchange or queue (not just "this vhost"): the panel follows it, visibly.
      if ((target.exchange !== undefined || target.queue !== undefined) && existing.retarget(target)) this.retitle();
      existing.panel.reveal();
      return existing;
    }
    const spec = KINDS[kind];
    const panel = vscode.window.createWebviewPanel(spec.viewType, spec.title(target), vscode.ViewColumn.Active, {});
    return this.track(kind, spec.make(panel, this.services, target));
  }

  /** Opens (or reuses) the publish panel for a vhost and fills in a draft. */
  publishDraft(target: PanelTarget, draft: Partial<PublishDraft>, source: string): void {
    const panel = this.show('publish', target) as unknown as PublishPanel;
    panel.loadDraft(draft, source);
  }

  private key(kind: Kind, t: PanelTarget): string {
    return JSON.stringify([kind, t.profileId, t.vhost, KINDS[kind].key(t)]);
  }

  private track(kind: Kind, panel: TrackedPanel): TrackedPanel {
    const key = this.key(kind, panel.target);
    this.open.set(key, { kind, panel });
    panel.onDidDispose(() => {
      if (this.open.get(key)?.panel !== panel) return;
      this.open.delete(key);
      this.retitle();
    });
    this.retitle();
    return panel;
  }

  /** Every open panel's title, with the connection's name wherever two would otherwise look alike. */
  private retitle(): void {
    const entries = [...this.open].map(([key, { kind, panel }]) => ({
      key,
      base: KINDS[kind].title(panel.target),
      profileId: panel.target.profileId,
      profileName: panel.target.profileName,
      vhost: panel.target.vhost,
    }));
    const titles = distinctTitles(entries);
    for (const [key, { panel }] of this.open) {
      const title = titles.get(key);
      if (title !== undefined && panel.panel.title !== title) panel.panel.title = title;
    }
  }

  dispose(): void {
    for (const { panel } of [...this.open.values()]) panel.dispose();
    this.open.clear();
    for (const d of this.disposables) d.dispose();
  }
}
