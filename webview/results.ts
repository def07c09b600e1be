import { html, nothing, type TemplateResult } from 'lit';
import './lib/elements';
import { PanelApp } from './lib/app';
import { fieldsTable, messageDetails, messageHead } from './lib/messageView';
import {
  addResult,
  checkResultsState,
  statusTone,
  type RequestResults,
  type ResultEntry,
  type ResultsState,
  type ResultsToHost,
  type ResultsToWebview,
} from '../src/protocol/results';

/**
 * Burrow Results: read-only. Every text from a message or the broker goes through Lit text
 * bindings (bodies are shown as text, never as HTML).
 */
interface View {
  requests: RequestResults[];
  focus?: string;
  running?: { key: string; file: string; request: string; text: string };
  /** Entry ids shown expanded (the newest entry of the focused request always is). */
  expanded: Set<number>;
  /** Peeked messages opened (lists of more than 5) or closed (lists of up to 5). */
  opened: Set<string>;
  collapsed: Set<string>;
}

const app = new PanelApp<ResultsState, ResultsToWebview, ResultsToHost>(checkResultsState);
const view: View = {
  requests: app.saved?.requests ?? [],
  focus: app.saved?.focus,
  expanded: new Set(),
  opened: new Set(),
  collapsed: new Set(),
};
const send = (m: ResultsToHost) => app.send(m);
const draw = () => app.draw();

function toggle(id: number): void {
  if (view.expanded.has(id)) view.expanded.delete(id);
  else view.expanded.add(id);
  draw();
}

const time = (at: number) => new Date(at).toLocaleTimeString();

function publishDetails(e: ResultEntry): TemplateResult {
  const c = e.counts;
  return html`${
    c
      ? html`<div class="muted">
          ${c.confirmed} confirmed · ${c.returned} returned · ${c.nacked} nacked · ${c.unknown} unknown ·
          ${c.notSent} not sent
        </div>`
      : nothing
  }
    ${
      e.sent
        ? html`<h2>Sent${e.count && e.count > 1 ? ` (message 1 of ${e.count})` : ''}</h2>
          <div class="message"><div class="head">${messageHead(e.sent)}</div>
          <div class="content">${messageDetails(e.sent)}</div></div>`
        : nothing
    }`;
}

function callDetails(e: ResultEntry): TemplateResult {
  return html`${
    e.reply
      ? html`<h2>Reply${e.rttMs !== undefined ? ` in ${e.rttMs.toFixed(2)} ms` : ''}</h2>
        <div class="message reply"><div class="head">${messageHead(e.reply)}</div>
        <div class="content">${messageDetails(e.reply)}</div></div>`
      : nothing
  }
    ${
      e.sent
        ? html`<h2>Request sent</h2>
          <div class="message"><div class="head">${messageHead(e.sent)}</div>
          <div class="content">${messageDetails(e.sent)}</div></div>`
        : nothing
    }`;
}

function peekDetails(e: ResultEntry): TemplateResult | typeof nothing {
  const p = e.peek;
  if (!p) return nothing;
  return html`<div class="muted">${p.note}${p.limit ? ` · ${p.limit}` : ''}${
    p.depthBefore !== undefined ? ` · depth before ${p.depthBefore}` : ''
  }</div>
    ${(p.warnings ?? []).map((w) => html`<div class="banner error" role="alert">${w}</div>`)}
    ${p.withheld ? html`<div class="banner warning">${p.withheld}</div>` : nothing}
    ${p.messages.map((m, i) => {
      // As in the peek panel: a few messages are shown whole, more are listed and opened by a click.
      const key = `${e.id}:${m.id}:${i}`;
      const open = p.messages.length <= 5 ? !view.collapsed.has(key) : view.opened.has(key);
      const flip = () => {
        const set = p.messages.length <= 5 ? view.collapsed : view.opened;
        if (set.has(key)) set.delete(key);
        else set.add(key);
        draw();
      };
      return html`<div class="message peeked"><div class="head" @click=${flip}>${messageHead(m, i)}</div>
        ${open ? html`<div class="content">${messageDetails(m)}</div>` : nothing}</div>`;
    })}`;
}

function routeDetails(e: ResultEntry): TemplateResult | typeof nothing {
  const r = e.route;
  if (!r) return nothing;
  return html`<h2>Queues</h2>
    ${r.queues.length ? html`<ul class="route-queues">${r.queues.map((q) => html`<li class="mono">${q}</li>`)}</ul>` : html`<div class="muted">none for sure</div>`}
    ${
      r.mayReceive.length
        ? html`<h2>May also receive (uncertain)</h2>
          ${fieldsTable(r.mayReceive.map((m) => ({ name: `${m.destination} (${m.kind})`, value: m.reasons.join('; ') })))}`
        : nothing
    }
    ${r.mayBeUnroutable ? html`<div class="banner warning">It may reach no queue: a mandatory publish may be returned.</div>` : nothing}
    ${r.warnings.map((w) => html`<div class="banner warning">${w}</div>`)}
    ${r.steps.length ? html`<h2>How</h2><pre class="body text">${r.steps.join('\n')}</pre>` : nothing}`;
}

function entryView(e: ResultEntry, open: boolean): TemplateResult {
  const details =
    e.kind === 'publish'
      ? publishDetails(e)
      : e.kind === 'call'
        ? callDetails(e)
        : e.kind === 'peek'
          ? peekDetails(e)
          : routeDetails(e);
  return html`<div class="message result-entry" data-id=${e.id} data-status=${e.status}>
    <div class="head" @click=${() => toggle(e.id)}>
      <span class="badge ${statusTone(e.status)}">${e.status}</span>
      <span class="muted">${time(e.at)}</span>
      <span class="muted">${e.connection} · vhost ${e.vhost}</span>
      <span class="result-text">${e.text}</span>
    </div>
    ${open ? html`<div class="content">${details}</div>` : nothing}
  </div>`;
}

function requestView(r: RequestResults): TemplateResult {
  return html`<h1>${r.request}</h1>
    <div class="subtitle">
      <a href="#" @click=${(ev: Event) => (ev.preventDefault(), send({ type: 'reveal', key: r.key }))}>${r.file}</a>
      · ${r.entries.length} run${r.entries.length === 1 ? '' : 's'} (the last 20 are kept)
      <vscode-button secondary @click=${() => send({ type: 'clear', key: r.key })}>Clear</vscode-button>
    </div>
    ${r.entries.map((e, i) => entryView(e, i === 0 || view.expanded.has(e.id)))}`;
}

function page(): TemplateResult {
  const focused = view.requests.find((r) => r.key === view.focus) ?? view.requests[0];
  const others = view.requests.filter((r) => r !== focused);
  const running = view.running;
  return html`${app.banners()}
    ${
      running
        ? html`<div class="banner" id="running" role="status"><vscode-progress-ring></vscode-progress-ring> ${running.request}: ${running.text}</div>`
        : nothing
    }
    ${
      focused
        ? requestView(focused)
        : html`<h1>Burrow Results</h1>
          <div class="muted">Run a request of an .amqp file (Send, Call, Peek or Route above it): its results show here.</div>`
    }
    ${
      others.length
        ? html`<h2>Other requests</h2>
          ${others.map(
            (r) => html`<div class="toolbar">
              <a href="#" @click=${(ev: Event) => (ev.preventDefault(), (view.focus = r.key), app.persist(), draw())}>${r.request}</a>
              <span class="muted">${r.file}</span>
              ${r.entries[0] ? html`<span class="badge ${statusTone(r.entries[0].status)}">${r.entries[0].status}</span> <span class="muted">${time(r.entries[0].at)}</span>` : nothing}
            </div>`,
          )}`
        : nothing
    }`;
}

app.start({
  persist: (target) => ({ target, requests: view.requests, focus: view.focus }),
  view: page,
  on: {
    init: (msg) => {
      view.requests = msg.requests;
      view.focus = msg.focus;
    },
    running: (msg) => {
      view.running = msg;
      view.focus = msg.key;
    },
    entry: (msg) => {
      view.requests = addResult(view.requests, msg.key, msg.file, msg.request, msg.entry);
      view.focus = msg.key;
      if (view.running?.key === msg.key) view.running = undefined;
      app.error = undefined;
      app.persist();
    },
  },
});
