import { html, nothing } from 'lit';
import './lib/elements';
import { PanelApp } from './lib/app';
import { ChartSet } from './lib/chart';
import { statsToolbar, chartBlock, rowsTable } from './lib/stats';
import {
  checkStatsState,
  type DetailsToWebview,
  type DetailsView,
  type StatsState,
  type StatsToHost,
} from '../src/protocol/details';

const app = new PanelApp<StatsState, DetailsToWebview, StatsToHost>(checkStatsState);
const state = { paused: app.saved?.paused === true, intervalSeconds: 0, view: undefined as DetailsView | undefined };
const charts = new ChartSet();

function bindings(v: DetailsView) {
  if (!v.bindings.length) return html`<div class="muted">No bindings.</div>`;
  return html`<table class="fields stats" id="bindings">
    <tr><th>Source</th><th>Destination</th><th>Routing key / arguments</th></tr>
    ${v.bindings.map(
      (b) => html`<tr>
        <td class="mono">${b.source === '' ? '(AMQP default)' : b.source}</td>
        <td class="mono">${b.destinationType === 'exchange' ? 'exchange ' : ''}${b.destination}</td>
        <td class="mono">${b.criteria}</td>
      </tr>`,
    )}
  </table>`;
}

function consumers(v: DetailsView) {
  const list = v.consumers ?? [];
  if (!list.length) return html`<div class="muted">No consumers.</div>`;
  return html`<table class="fields stats" id="consumers">
    <tr><th>Tag</th><th>Connection</th><th>Client</th><th>Ack</th><th>Prefetch</th><th>Unacked</th><th>Rate</th></tr>
    ${list.map(
      (c) => html`<tr>
        <td class="mono">${c.tag}</td>
        <td>${c.who}</td>
        <td>${c.library}</td>
        <td>${c.ack}</td>
        <td>${c.prefetch}</td>
        <td>${c.unacked}</td>
        <td>${c.rate}</td>
      </tr>`,
    )}
  </table>`;
}

function policy(v: DetailsView) {
  const p = v.policy;
  return html`<div id="policy">
    ${p.policy !== undefined ? html`<div>Policy: <span class="mono" id="policy-name">${p.policy}</span></div>` : nothing}
    ${p.operatorPolicy !== undefined ? html`<div>Operator policy: <span class="mono">${p.operatorPolicy}</span></div>` : nothing}
    ${p.definition.length ? html`<div class="muted">Effective definition</div>${rowsTable(p.definition, 'policy-definition')}` : nothing}
    ${p.note ? html`<div class="muted">${p.note}</div>` : nothing}
  </div>`;
}

function page() {
  const t = app.target;
  const v = state.view;
  const what = t?.queue !== undefined ? 'Queue' : 'Exchange';
  const name = t?.queue ?? (t?.exchange === '' ? '(AMQP default)' : t?.exchange) ?? '';
  return html`<h1>${what} <span class="mono">${name}</span></h1>
    <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}` : ''} ${app.connectionBadge()}</div>
    ${statsToolbar(app, state, (m) => app.send(m), v?.readAt)}
    ${app.banners()}
    ${
      v
        ? html`<div class="charts">${v.charts.map((c, i) => chartBlock(c, i))}</div>
            <h2>Facts</h2>
            ${rowsTable(v.facts, 'facts')}
            <h2>Arguments</h2>
            ${v.arguments.length ? rowsTable(v.arguments, 'arguments') : html`<div class="muted" id="arguments">No arguments.</div>`}
            <h2>Policy</h2>
            ${policy(v)}
            <h2>Bindings</h2>
            ${bindings(v)}
            ${v.kind === 'queue' ? html`<h2>Consumers</h2>${consumers(v)}` : nothing}`
        : html`<div class="muted">Loading…</div>`
    }`;
}

app.start({
  persist: (target) => ({ target, paused: state.paused }),
  view: page,
  afterDraw: () => charts.sync(document, state.view?.charts ?? []),
  on: {
    init: (msg) => {
      state.intervalSeconds = msg.intervalSeconds;
    },
    view: (msg) => {
      state.view = msg.view;
      app.error = undefined;
    },
  },
});
