import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from '../../panels/kit/basePanel';
import type { PanelServices } from '../../panels/services';
import type { PanelTarget } from '../../protocol/common';
import { orUndefined } from '../../protocol/validate';
import {
  addResult,
  checkResultsState,
  checkResultsToHost,
  type RequestResults,
  type ResultEntry,
  type ResultsState,
  type ResultsToHost,
  type ResultsToWebview,
} from '../../protocol/results';

export const RESULTS_VIEW_TYPE = 'burrow.results';
const TITLE = 'Burrow Results';

/**
 * The results view is not tied to one connection (each entry names its own): its panel target is
 * this placeholder, which no session has, so the panel shows no connection badge.
 */
export const RESULTS_TARGET: PanelTarget = { profileId: '', profileName: TITLE, vhost: '' };

/**
 * "Burrow Results": the read-only history of the requests run from `.amqp` files, per request
 * (file + name), newest first. The webview persists the history (setState), so it comes back
 * after a reload through the serializer (ResultsView).
 */
export class ResultsPanel extends BasePanel<ResultsToWebview, ResultsToHost> {
  private requests: RequestResults[];
  private focus?: string;

  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    state: ResultsState | undefined,
    private readonly onReveal: (key: string) => void,
  ) {
    super(panel, services, RESULTS_TARGET, 'results', checkResultsToHost);
    this.requests = state?.requests ?? [];
    this.focus = state?.focus;
  }

  protected onReady(): void {
    this.post({ type: 'init', target: RESULTS_TARGET, requests: this.requests, focus: this.focus });
  }

  /** A request is running: the view shows it until its entry arrives. */
  running(key: string, file: string, request: string, text: string): void {
    this.focus = key;
    this.post({ type: 'running', key, file, request, text });
  }

  add(key: string, file: string, request: string, run: ResultEntry): void {
    // Ids are unique within the view (restored entries included): the webview drops a repeated id.
    const id = Math.max(0, ...this.requests.flatMap((r) => r.entries.map((e) => e.id))) + 1;
    const entry = { ...run, id };
    this.requests = addResult(this.requests, key, file, request, entry);
    this.focus = key;
    this.post({ type: 'entry', key, file, request, entry });
  }

  protected readonly handlers: MessageHandlers<ResultsToHost> = {
    clear: (msg) => {
      this.requests = msg.key === undefined ? [] : this.requests.filter((r) => r.key !== msg.key);
      if (this.focus === msg.key || msg.key === undefined) this.focus = undefined;
      this.onReady();
    },
    reveal: (msg) => this.onReveal(msg.key),
  };
}

/** Opens the one results panel beside the editor (without taking the focus) and restores it after a reload. */
export class ResultsView implements vscode.Disposable {
  private current?: ResultsPanel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly services: PanelServices,
    private readonly onReveal: (key: string) => void,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, raw: unknown) => {
          // Checked, never cast: a history that does not fit is dropped (the view starts empty).
          this.attach(new ResultsPanel(panel, services, orUndefined(checkResultsState, raw), onReveal));
        },
      }),
    );
  }

  /** The panel, opened beside the active editor if it is not open; revealed without taking the focus. */
  show(): ResultsPanel {
    if (this.current) {
      if (!this.current.panel.visible) this.current.panel.reveal(undefined, true);
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {},
    );
    return this.attach(new ResultsPanel(panel, this.services, undefined, this.onReveal));
  }

  private attach(panel: ResultsPanel): ResultsPanel {
    this.current?.dispose();
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    return panel;
  }

  dispose(): void {
    this.current?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
