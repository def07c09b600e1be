import { html, nothing, render, type TemplateResult } from 'lit';
import type { CommonToWebview, ConnectionMessage, Numbered, PanelTarget } from '../../src/protocol/common';
import { orUndefined, type Check } from '../../src/protocol/validate';
import { getState, onMessage, post, ready, setState } from './bridge';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A handler returns this when its message changed nothing on the page: the app does not draw. */
export const UNCHANGED: unique symbol = Symbol('unchanged');
type Handlers<M extends { type: string }> = {
  [K in M['type']]?: (message: Extract<M, { type: K }>) => unknown;
};

export interface AppSpec<S extends { target: PanelTarget }, ToWebview extends { type: string }> {
  /** The state to persist (with setState) after a change; called only once the target is known. */
  persist: (target: PanelTarget) => S;
  /** The panel's page; `app.banners()` and `app.connectionBadge()` are the shared parts. */
  view: () => TemplateResult;
  /** Handlers of the panel's own messages (and extra work for common ones: they run after the app's). */
  on: Handlers<ToWebview>;
  /** The host pointed the panel at another target: reset what belonged to the old one. */
  retarget?: (target: PanelTarget) => void;
  /** Draw at most once per frame (for panels that get many messages a second). */
  perFrame?: boolean;
  /** After each draw (e.g. keep a list scrolled). */
  afterDraw?: () => void;
}

/**
 * The webview half every panel shares: restored state (checked), persisting it, the message switch
 * with the common messages (error, info, busy, connection, retarget) handled once, numbered
 * requests whose stale replies are dropped, banners, the connection badge, and the 'ready'
 * handshake. Every text goes through Lit text bindings: nothing from a message becomes HTML.
 */
export class PanelApp<
  S extends { target: PanelTarget },
  ToWebview extends { type: string },
  ToHost extends { type: string },
> {
  readonly saved: S | undefined;
  target?: PanelTarget;
  busy = false;
  error?: string;
  info?: string;
  /** Shown after a retarget ("Now publishing to exchange logs…"). */
  notice?: string;
  connection?: ConnectionMessage;
  private spec!: AppSpec<S, ToWebview>;
  private readonly root = document.getElementById('app') as HTMLElement;
  private nextRequest = 1;
  /** request type -> the id of its latest request: only its reply is taken. */
  private readonly latest = new Map<string, number>();
  private scheduled = false;

  /** `state` checks what getState restores (a bad state is dropped, not trusted). */
  constructor(state: Check<S>) {
    this.saved = orUndefined(state, getState());
    this.target = this.saved?.target;
  }

  send(message: ToHost): void {
    post(message);
  }

  /** Sends a numbered request; a reply to an older request of the same type is dropped. */
  request(message: Without<Extract<ToHost, Numbered>, 'requestId'>): void {
    const requestId = this.nextRequest++;
    this.latest.set(message.type as string, requestId);
    post({ ...message, requestId });
  }

  persist(): void {
    if (this.target) setState(this.spec.persist(this.target));
  }

  /** Clears the banners a new action replaces. */
  clearBanners(): void {
    this.error = undefined;
    this.info = undefined;
  }

  draw(): void {
    if (!this.spec.perFrame) return this.drawNow();
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.drawNow();
    });
  }

  drawNow(): void {
    render(this.spec.view(), this.root);
    this.spec.afterDraw?.();
  }

  banners(): TemplateResult {
    return html`${this.notice ? html`<div class="banner" id="notice" role="status">${this.notice}</div>` : nothing}
      ${this.error ? html`<div class="banner error" id="error" role="alert">${this.error}</div>` : nothing}
      ${this.info ? html`<div class="banner ok" id="info">${this.info}</div>` : nothing}`;
  }

  /** The broker's connection state, when it is not simply connected. */
  connectionBadge(): TemplateResult | typeof nothing {
    const c = this.connection;
    if (!c || c.state === 'connected' || c.state === 'idle') return nothing;
    return html`· <span class="badge ${c.state === 'error' ? 'err' : 'warn'}" id="connection" title=${c.detail ?? ''}>${c.state === 'reconnecting' ? 'connection lost, reconnecting…' : c.state}</span>`;
  }

  /** Starts the app: listens, draws, and tells the host it is ready (the host answers with the full state). */
  start(spec: AppSpec<S, ToWebview>): void {
    this.spec = spec;
    onMessage<ToWebview | CommonToWebview>((message) => {
      if (!this.accept(message)) return;
      this.common(message as CommonToWebview);
      // Every panel's 'init' carries its target; the panel's handler runs next, then the state is saved.
      const init = message.type === 'init' ? (message as { target?: PanelTarget }) : undefined;
      if (init?.target) this.target = init.target;
      const handler = (spec.on as Record<string, ((m: unknown) => unknown) | undefined>)[message.type];
      const outcome = handler?.(message);
      if (init) this.persist();
      if (outcome !== UNCHANGED) this.draw();
    });
    this.drawNow();
    ready();
  }

  /** A reply to a superseded request is dropped. */
  private accept(message: { type: string; requestId?: unknown }): boolean {
    if (message.requestId === undefined) return true;
    return [...this.latest.values()].includes(message.requestId as number);
  }

  private common(message: CommonToWebview): void {
    switch (message.type) {
      case 'error':
        this.error = message.message;
        return;
      case 'info':
        this.info = message.message;
        return;
      case 'busy':
        this.busy = message.busy;
        return;
      case 'connection':
        this.connection = message;
        return;
      case 'retarget':
        this.target = message.target;
        this.notice = message.notice;
        this.error = undefined;
        this.spec.retarget?.(message.target);
        this.persist();
        return;
    }
  }
}
