import * as vscode from 'vscode';
import { validTarget, type PanelTarget } from '../protocol/common';
import type { PublishDraft } from '../protocol/publish';
import type { PanelServices } from './services';
import { PEEK_VIEW_TYPE, PeekPanel } from './peekPanel';
import { PUBLISH_VIEW_TYPE, PublishPanel } from './publishPanel';
import { TAIL_VIEW_TYPE, TailPanel } from './tailPanel';
import { ROUTING_VIEW_TYPE, RoutingPanel } from './routingPanel';
import { RPC_VIEW_TYPE, RpcPanel } from './rpcPanel';

interface TrackedPanel {
  readonly target: PanelTarget;
  readonly panel: vscode.WebviewPanel;
  readonly onDidDispose: vscode.Event<void>;
  dispose(): void;
}

type Kind = 'peek' | 'publish' | 'tail' | 'routing' | 'rpc';

interface KindSpec {
  viewType: string;
  title: (t: PanelTarget) => string;
  /** Which part of the target makes a panel unique (one panel per queue, one publish panel per vhost…). */
  key: (t: PanelTarget) => string;
  make: (panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: unknown) => TrackedPanel;
}

const KINDS: Record<Kind, KindSpec> = {
  peek: {
    viewType: PEEK_VIEW_TYPE,
    title: (t) => `Peek: ${t.queue}`,
    key: (t) => `${t.queue}`,
    make: (p, s, t, state) => new PeekPanel(p, s, t, state as object),
  },
  publish: {
    viewType: PUBLISH_VIEW_TYPE,
    title: (t) => `Publish: ${t.profileName} ${t.vhost}`,
    key: () => '',
    make: (p, s, t, state) => new PublishPanel(p, s, t, state as object),
  },
  tail: {
    viewType: TAIL_VIEW_TYPE,
    title: (t) => `Tail: ${t.queue ?? t.exchange}`,
    key: (t) => `${t.queue ?? ''}|${t.exchange ?? ''}`,
    make: (p, s, t, state) => new TailPanel(p, s, t, state as object),
  },
  routing: {
    viewType: ROUTING_VIEW_TYPE,
    title: (t) => `Routing: ${t.profileName} ${t.vhost}`,
    key: () => '',
    make: (p, s, t, state) => new RoutingPanel(p, s, t, state as object),
  },
  rpc: {
    viewType: RPC_VIEW_TYPE,
    title: (t) => `RPC: ${t.queue ?? t.exchange ?? t.vhost}`,
    key: () => '',
    make: (p, s, t, state) => new RpcPanel(p, s, t, state as object),
  },
};

/** Opens panels (one per kind and target, revealing an open one), and restores them after a reload. */
export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, TrackedPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: PanelServices) {
    for (const [kind, spec] of Object.entries(KINDS) as [Kind, KindSpec][]) {
      this.disposables.push(
        vscode.window.registerWebviewPanelSerializer(spec.viewType, {
          deserializeWebviewPanel: async (panel, state: unknown) => {
            const target = validTarget(state);
            if (!target || !services.store.get(target.profileId)) {
              // The connection was removed since: nothing sensible to restore.
              panel.dispose();
              return;
            }
            this.track(kind, spec.make(panel, services, target, state));
          },
        }),
      );
    }
  }

  show(kind: Kind, target: PanelTarget): TrackedPanel {
    const key = this.key(kind, target);
    const existing = this.open.get(key);
    if (existing) {
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
    this.open.set(key, panel);
    panel.onDidDispose(() => {
      if (this.open.get(key) === panel) this.open.delete(key);
    });
    return panel;
  }

  dispose(): void {
    for (const p of [...this.open.values()]) p.dispose();
    this.open.clear();
    for (const d of this.disposables) d.dispose();
  }
}
