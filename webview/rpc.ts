import { html, nothing } from 'lit';
import './lib/elements';
import { fromOptionValue, toOptionValue } from './lib/exchangeSelect';
import { exchangeOption, ServerPicker } from './lib/serverPicker';
import { PanelApp, UNCHANGED } from './lib/app';
import { headerRowsEditor } from './lib/headerRows';
import { historySection } from './lib/history';
import { messageDetails } from './lib/messageView';
import type { PanelTarget } from '../src/protocol/common';
import {
  checkRpcState,
  type RpcDraft,
  type RpcHistoryEntry,
  type RpcManyView,
  type RpcResultView,
  type RpcState,
  type RpcToHost,
  type RpcToWebview,
} from '../src/protocol/rpc';
import { parseJsonWithPosition } from '../src/core/json';

interface View {
  exchanges: { name: string; type: string }[];
  draft: RpcDraft;
  count: number;
  progress?: { done: number; total: number };
  result?: RpcResultView;
  many?: RpcManyView;
  history: RpcHistoryEntry[];
}

const app = new PanelApp<RpcState, RpcToWebview, RpcToHost>(checkRpcState);
const saved = app.saved;
const fresh = (): RpcDraft => ({
  exchange: '',
  routingKey: 'rpc_queue',
  bodyMode: 'text',
  body: '10',
  contentType: 'text/plain',
  headers: [],
  timeoutMs: 5000,
  replyMode: 'direct-reply-to',
});
const picker = new ServerPicker('exchange', (kind, text) => app.request({ type: 'pickerSearch', kind, text }), true);
const view: View = { exchanges: [], draft: saved?.draft ?? fresh(), count: saved?.count ?? 1, history: [] };
let initialised = !!saved?.draft;
const send = (m: RpcToHost) => app.send(m);
const draw = () => app.draw();
const persist = () => app.persist();
const value = (e: Event) => (e.target as HTMLInputElement).value;

/** Requests go to the target: the queue by the default exchange, or the exchange. */
function aimAt(t: PanelTarget): void {
  if (t.queue) {
    view.draft.exchange = '';
    view.draft.routingKey = t.queue;
  } else if (t.exchange !== undefined) view.draft.exchange = t.exchange;
}

function update(f: (d: RpcDraft) => void): void {
  f(view.draft);
  app.error = undefined;
  persist();
  draw();
}

function call(): void {
  app.clearBanners();
  view.result = undefined;
  view.many = undefined;
  send({ type: 'call', draft: structuredClone(view.draft), count: view.count });
  draw();
}

function statusBadge(status: RpcResultView['status']) {
  return html`<span class="badge ${status === 'reply' ? 'ok' : status === 'cancelled' ? 'warn' : 'err'}">${status}</span>`;
}

function page() {
  const d = view.draft;
  const t = app.target;
  const json = d.bodyMode === 'json' ? parseJsonWithPosition(d.body) : undefined;
  const r = view.result;
  return html`<h1>RPC</h1>
      <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}` : ''} ${app.connectionBadge()}</div>
      <div class="grid">
        <label for="exchange">Exchange</label>
        ${
          view.exchanges.length === 0
            ? html`<span class="muted">loading exchanges…</span>`
            : html`<div>
          <vscode-single-select id="exchange" combobox .value=${toOptionValue(d.exchange)} @input=${picker.onInput} @change=${(e: Event) => update((x) => (x.exchange = fromOptionValue(value(e))))}>
            ${picker.options(d.exchange, exchangeOption)}
          </vscode-single-select>
          ${picker.hint('exchange-more')}
        </div>`
        }
        <label for="routingKey">${d.exchange === '' ? 'Request queue' : 'Routing key'}</label>
        <vscode-textfield id="routingKey" .value=${d.routingKey} @input=${(e: Event) => update((x) => (x.routingKey = value(e)))}></vscode-textfield>
        <label for="replyMode">Reply path</label>
        <vscode-single-select id="replyMode" .value=${d.replyMode} @change=${(e: Event) => update((x) => (x.replyMode = value(e) as RpcDraft['replyMode']))}>
          <vscode-option value="direct-reply-to">direct reply-to (amq.rabbitmq.reply-to)</vscode-option>
          <vscode-option value="callback-queue">temporary callback queue</vscode-option>
        </vscode-single-select>
        <label for="timeout">Timeout (ms)</label>
        <vscode-textfield id="timeout" type="number" min="1" .value=${String(d.timeoutMs)} @input=${(e: Event) => update((x) => (x.timeoutMs = Number(value(e)) || 0))}></vscode-textfield>
        <label for="contentType">Content type</label>
        <vscode-textfield id="contentType" .value=${d.contentType} @input=${(e: Event) => update((x) => (x.contentType = value(e)))}></vscode-textfield>
        <label>Body</label>
        <vscode-radio-group .value=${d.bodyMode} @change=${(e: Event) => update((x) => (x.bodyMode = value(e) as RpcDraft['bodyMode']))}>
          <vscode-radio name="bodyMode" value="text" ?checked=${d.bodyMode === 'text'}>Text</vscode-radio>
          <vscode-radio name="bodyMode" value="json" ?checked=${d.bodyMode === 'json'}>JSON</vscode-radio>
        </vscode-radio-group>
      </div>
      <vscode-textarea id="body" rows="5" monospace .value=${d.body} @input=${(e: Event) => update((x) => (x.body = value(e)))}></vscode-textarea>
      ${json && !json.ok ? html`<div class="banner error">Invalid JSON at line ${json.line}, column ${json.column}: ${json.error}</div>` : nothing}
      <vscode-collapsible title="Headers" description=${d.headers.length ? `${d.headers.length}` : 'none'} ?open=${d.headers.length > 0}>
        <div style="padding: 8px">${headerRowsEditor(d.headers, (mutate) => update((x) => mutate(x.headers)))}</div>
      </vscode-collapsible>
      <div class="toolbar">
        <vscode-button id="call" ?disabled=${app.busy} @click=${call}>${view.count > 1 ? `Call ${view.count} times` : 'Call'}</vscode-button>
        <label for="count">times</label>
        <vscode-textfield id="count" type="number" min="1" style="width: 100px" .value=${String(view.count)} @input=${(e: Event) => ((view.count = Math.max(1, Number(value(e)) || 1)), persist(), draw())}></vscode-textfield>
        ${app.busy ? html`<vscode-progress-ring></vscode-progress-ring><vscode-button secondary @click=${() => send({ type: 'cancel' })}>Cancel</vscode-button>` : nothing}
        ${app.busy && view.progress ? html`<span class="muted">${view.progress.done} / ${view.progress.total}</span>` : nothing}
        <span class="spacer"></span>
        <vscode-button secondary id="copy-as-code" title="Copy a program that makes this call (Python, Node.js, Java, Go, .NET)" @click=${() => send({ type: 'copyAsCode', draft: structuredClone(view.draft) })}>Copy as code…</vscode-button>
      </div>
      ${app.banners()}
      ${
        r
          ? html`<div id="result" class="message" data-status=${r.status}>
            <div class="head">${statusBadge(r.status)} <span id="result-text">${r.text}</span>
              ${r.correlationId ? html`<span class="muted">correlation id ${r.correlationId}</span>` : nothing}</div>
            <div class="content">
              ${r.reply ? messageDetails(r.reply) : nothing}
              ${
                r.strays.length
                  ? html`<h2>Stray replies (correlation id did not match)</h2>
                    <table class="fields">${r.strays.map((s) => html`<tr><td class="name">${s.correlationId}</td><td class="mono">${s.preview}</td></tr>`)}</table>`
                  : nothing
              }
            </div>
          </div>`
          : nothing
      }
      ${view.many ? html`<div class="banner ${view.many.failed ? 'warning' : 'ok'}" id="many">${view.many.text}</div>` : nothing}
      ${historySection(view.history, (h) => ({
        when: new Date(h.at).toLocaleTimeString(),
        what: `${h.draft.exchange || '(default)'} → ${h.draft.routingKey}: ${h.draft.body.slice(0, 60)}`,
        actions: html`<vscode-button secondary @click=${() => ((view.draft = structuredClone(h.draft)), persist(), call())}>Re-send</vscode-button>`,
      }))}`;
}

app.start({
  persist: (target) => ({ target, draft: view.draft, count: view.count }),
  view: page,
  retarget: (target) => {
    aimAt(target);
    view.count = 1;
    view.result = undefined;
    view.many = undefined;
  },
  on: {
    // An answer that changes nothing the picker shows (options, counts, hint) does not redraw the page.
    pickerMatches: (msg) => (picker.accept(msg) ? undefined : UNCHANGED),
    init: (msg) => {
      view.exchanges = msg.exchanges;
      picker.seed(msg.exchanges);
      view.history = msg.history;
      if (!initialised) {
        view.draft.timeoutMs = msg.defaultTimeoutMs;
        aimAt(msg.target);
        initialised = true;
      }
    },
    busy: (msg) => {
      if (!msg.busy) view.progress = undefined;
    },
    progress: (msg) => (view.progress = msg),
    result: (msg) => (view.result = msg.result),
    many: (msg) => (view.many = msg.result),
    history: (msg) => (view.history = msg.history),
    validation: (msg) => (app.error = msg.message),
  },
});
