import * as vscode from 'vscode';
import {
  describeTarget,
  sameTarget,
  type CommonToWebview,
  type Numbered,
  type PanelTarget,
} from '../../protocol/common';
import { validate, type Check } from '../../protocol/validate';
import { describeForUser } from '../../broker/errors';
import type { BrokerSession } from '../../broker/session';
import type { PanelServices } from '../services';
import { panelHtml } from './html';
import { PostQueue } from './postQueue';
import { SessionScoped } from './scopes';

/** Posts of which only the newest matters while the webview is away (the full state is re-sent on 'ready'). */
const LATEST_ONLY = new Set([
  'window',
  'status',
  'progress',
  'busy',
  'connection',
  'blocked',
  'history',
  'templates',
  'suggestions',
]);

/** Omit over each member of a union. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One handler per message type the webview sends (besides 'ready'). */
export type MessageHandlers<M extends { type: string }> = {
  [K in Exclude<M['type'], 'ready'>]: (message: Extract<M, { type: K }>) => unknown;
};

export interface GuardOptions<T> {
  /** Show the busy state while it runs; a number is the total of a bulk job. */
  busy?: boolean | number;
  /** Whether a result counts as a success (reported to the tree and status bar); default: any result. */
  ok?: (result: T) => boolean;
}

/**
 * Base for Burrow's webview panels. It owns:
 * - the panel's identity: connection + vhost + target; `retarget` points it elsewhere, visibly;
 * - its session: what was built on a session (`sessionScoped`) is dropped when the session is
 *   closed or replaced, so the next call works without reopening the panel;
 * - the connection status of its broker, posted to every webview, and a refresh after a reconnect;
 * - `guarded()` broker calls: the busy state, success reported to the session, errors shown the same way;
 * - a checked protocol: every incoming message is validated (malformed ones are logged and dropped);
 * - a ready handshake: posts wait until the webview says 'ready', including after it was hidden
 *   (panels are not kept alive when hidden: the webview restores its UI state with getState/setState,
 *   and `onReady` sends the full picture again);
 * - everything disposable.
 */
export abstract class BasePanel<ToWebview extends { type: string }, ToHost extends { type: string }>
  implements vscode.Disposable
{
  private readonly outbox: PostQueue<ToWebview | CommonToWebview>;
  private disposed = false;
  private currentTarget: PanelTarget;
  private session?: BrokerSession;
  private readonly scoped: SessionScoped<BrokerSession, unknown>[] = [];
  private lastConnection?: string;
  protected readonly disposables: vscode.Disposable[] = [];
  protected readonly log: vscode.LogOutputChannel;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    protected readonly services: PanelServices,
    target: PanelTarget,
    script: string,
    private readonly check: Check<ToHost>,
    /** Extra stylesheets of the bundle (dist/webview/<name>.css), before media/panel.css. */
    styles: readonly string[] = [],
  ) {
    this.currentTarget = target;
    this.log = services.log;
    this.outbox = new PostQueue((m) => this.send(m), LATEST_ONLY);
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [
        vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview'),
        vscode.Uri.joinPath(services.extensionUri, 'media'),
      ],
    };
    panel.webview.html = panelHtml(panel.webview, services.extensionUri, script, panel.title, styles);
    const sessions = services.sessions;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      // Hidden = the webview is gone; it reloads when shown and says 'ready' again.
      panel.onDidChangeViewState(() => panel.visible || this.outbox.reset()),
      panel.onDidDispose(() => this.dispose()),
      sessions.onDidChangeStatus((id) => {
        if (id !== this.target.profileId) return;
        if (!sessions.isOpen(id)) this.dropSession();
        this.postConnection();
        this.onStatusChange();
      }),
      sessions.onDidReconnect(({ profileId, vhost }) => {
        if (profileId !== this.target.profileId || vhost !== this.target.vhost || !this.outbox.isReady) return;
        this.postConnection();
        this.refresh(); // the broker may have lost or changed things while the connection was down
      }),
      this.onDisposeEmitter,
    );
  }

  get target(): PanelTarget {
    return this.currentTarget;
  }

  /**
   * Points the panel at another target on the same connection and vhost (e.g. Publish Message…
   * on another exchange): the webview shows the new target and a notice, and resets what belonged
   * to the old one (routing key, repeat count). Returns false when nothing changed.
   */
  retarget(target: PanelTarget): boolean {
    if (sameTarget(target, this.currentTarget)) return false;
    this.currentTarget = target;
    this.post({ type: 'retarget', target, notice: this.retargetNotice(target) });
    this.onRetarget();
    this.refresh();
    return true;
  }

  protected retargetNotice(target: PanelTarget): string {
    return `Now pointing at ${describeTarget(target)}.`;
  }

  /** Panel-specific reset after a retarget (cached results of the old target). */
  protected onRetarget(): void {}

  /** Panel-specific reaction to a status change of the connection (e.g. publishing blocked). */
  protected onStatusChange(): void {}

  /** Posts to the webview, or holds it until the webview says it is ready. */
  protected post(message: ToWebview | CommonToWebview): void {
    if (!this.disposed) this.outbox.post(message);
  }

  /** Answers a numbered request: the reply carries its requestId. */
  protected reply(request: Numbered, message: Without<Extract<ToWebview, Numbered>, 'requestId'>): void {
    this.post({ ...message, requestId: request.requestId } as unknown as ToWebview);
  }

  private send(message: ToWebview | CommonToWebview): void {
    void this.panel.webview
      .postMessage(message)
      .then(undefined, (err: unknown) => this.log.warn(`postMessage failed: ${describeForUser(err)}`));
  }

  /** The broker session of the panel's connection (opened on first use). */
  protected async openSession(): Promise<BrokerSession> {
    const session = await this.services.sessions.get(this.target.profileId);
    if (session !== this.session) {
      this.dropSession();
      this.session = session;
    }
    return session;
  }

  /** Something built on the session (e.g. an RpcClient), dropped when the session is closed or replaced. */
  protected sessionScoped<T>(
    make: (session: BrokerSession) => T,
    drop?: (value: T) => void,
  ): SessionScoped<BrokerSession, T> {
    const scoped = new SessionScoped(make, drop);
    this.scoped.push(scoped as SessionScoped<BrokerSession, unknown>);
    return scoped;
  }

  private dropSession(): void {
    this.session = undefined;
    for (const s of this.scoped) s.dispose();
  }

  /**
   * Runs a broker call the same way in every panel: optionally busy while it runs; a success marks the
   * connection connected (tree, status bar); an error is shown in the panel's banner and logged.
   * Returns undefined when it failed.
   */
  protected async guarded<T>(
    run: (session: BrokerSession) => Promise<T>,
    options: GuardOptions<T> = {},
  ): Promise<T | undefined> {
    const busy = options.busy;
    if (busy !== undefined && busy !== false)
      this.post({ type: 'busy', busy: true, ...(typeof busy === 'number' ? { total: busy } : {}) });
    try {
      const result = await run(await this.openSession());
      if (!options.ok || options.ok(result)) this.services.sessions.reportOk(this.target.profileId);
      return result;
    } catch (err) {
      this.showError(err);
      return undefined;
    } finally {
      if (busy !== undefined && busy !== false) this.post({ type: 'busy', busy: false });
    }
  }

  protected showError(err: unknown): void {
    this.log.warn(`[${this.target.profileName}] ${this.constructor.name}: ${describeForUser(err)}`);
    this.post({ type: 'error', message: describeForUser(err) });
  }

  private postConnection(force = false): void {
    const sessions = this.services.sessions;
    const id = this.target.profileId;
    const message: CommonToWebview = { type: 'connection', state: sessions.status(id), detail: sessions.lastError(id) };
    const key = JSON.stringify(message);
    if (!force && key === this.lastConnection) return;
    this.lastConnection = key;
    this.post(message);
  }

  /** Sends the webview the full picture again (after a retarget or a reconnect). */
  protected refresh(): void {
    if (!this.outbox.isReady) return; // 'ready' will do it
    Promise.resolve(this.onReady()).catch((err: unknown) =>
      this.log.error(`panel refresh failed: ${describeForUser(err)}`),
    );
  }

  private receive(raw: unknown): void {
    const checked = validate(this.check, raw);
    if (!checked.ok) {
      this.log.warn(`${this.constructor.name}: ignored a malformed message from the webview (${checked.error})`);
      return;
    }
    const message = checked.value;
    if (message.type === 'ready') {
      const pending = this.outbox.open();
      this.postConnection(true);
      // The webview (re)loaded: give it the full picture first, then anything held meanwhile.
      Promise.resolve(this.onReady())
        .catch((err: unknown) => this.log.error(`panel init failed: ${describeForUser(err)}`))
        .finally(() => pending.forEach((m) => this.post(m)));
      return;
    }
    const handler = (this.handlers as unknown as Record<string, (m: ToHost) => unknown>)[message.type];
    Promise.resolve(handler?.call(this, message)).catch((err: unknown) => this.showError(err));
  }

  /** Called on the first 'ready' and after each reload: send the panel its complete state. */
  protected abstract onReady(): void | Promise<void>;
  /** What to do with each message from the webview (already checked). */
  protected abstract readonly handlers: MessageHandlers<ToHost>;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDisposeEmitter.fire();
    this.onDispose();
    this.dropSession();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** Panel-specific cleanup (stop consumers, cancel operations). */
  protected onDispose(): void {}
}
