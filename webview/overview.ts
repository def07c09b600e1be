import { html, nothing } from 'lit';
import './lib/elements';
import { PanelApp } from './lib/app';
import { ChartSet } from './lib/chart';
import { chartBlock, rowsTable, statsToolbar } from './lib/stats';
import {
  checkStatsState,
  type OverviewToWebview,
  type OverviewView,
  type StatsState,
  type StatsToHost,
} from '../src/protocol/details';

const app = new PanelApp<StatsState, OverviewToWebview, StatsToHost>(checkStatsState);
const state = { paused: app.saved?.paused === true, intervalSeconds: 0, view: undefined as OverviewView | undefined };
const charts = new ChartSet();

function nodes(v: OverviewView) {
  if (!v.nodes.length) return html`<div class="muted">No nodes listed (the user may lack the monitoring tag).</div>`;
  return html`<table class="fields stats" id="nodes">
    <tr>
      <th>Node</th><th>State</th><th>Uptime</th><th>Memory</th><th>Disk</th><th>File descriptors</th><th>Sockets</th><th>Processes</th><th>Alarms</th>
    </tr>
    ${v.nodes.map(
      (n) => html`<tr>
        <td class="mono node-name">${n.name}</td>
        <td>${n.running ? html`<span class="badge ok">running</span>` : html`<span class="badge err">stopped</span>`} <span class="muted">${n.type}</span></td>
        <td>${n.uptime}</td>
        <td>${n.memory}</td>
        <td>${n.disk}</td>
        <td>${n.fileDescriptors}</td>
        <td>${n.sockets}</td>
        <td>${n.processes}</td>
        <td>${n.alarms.length ? n.alarms.map((a) => html`<span class="badge err">${a} alarm</span> `) : html`<span class="muted">none</span>`}</td>
      </tr>`,
    )}
  </table>`;
}

function listeners(v: OverviewView) {
  if (!v.listeners.length) return html`<div class="muted">No listeners listed.</div>`;
  return html`<table class="fields stats" id="listeners">
    <tr><th>Node</th><th>Protocol</th><th>Address</th><th>Port</th></tr>
    ${v.listeners.map(
      (l) =>
        html`<tr><td class="mono">${l.node}</td><td>${l.protocol}</td><td class="mono">${l.address}</td><td>${l.port}</td></tr>`,
    )}
  </table>`;
}

function featureFlags(v: OverviewView) {
  if (!v.featureFlags)
    return html`<div class="muted" id="feature-flags">${v.featureFlagsNote ?? 'Not available.'}</div>`;
  return html`<vscode-collapsible title=${`Feature flags (${v.featureFlags.length})`} id="feature-flags">
    <table class="fields stats">
      <tr><th>Name</th><th>State</th><th>Stability</th></tr>
      ${v.featureFlags.map(
        (f) =>
          html`<tr><td class="mono">${f.name}</td><td>${f.state === 'enabled' ? f.state : html`<span class="badge warn">${f.state}</span>`}</td><td>${f.stability}</td></tr>`,
      )}
    </table>
  </vscode-collapsible>`;
}

function page() {
  const t = app.target;
  const v = state.view;
  return html`<h1>Overview <span class="mono">${t?.profileName ?? ''}</span></h1>
    <div class="subtitle">${v ? html`cluster <span class="mono" id="cluster-name">${v.clusterName}</span>` : ''} ${app.connectionBadge()}</div>
    ${statsToolbar(app, state, (m) => app.send(m), v?.readAt)}
    ${app.banners()}
    ${
      v
        ? html`<div class="columns">
              <div><h2>Versions</h2>${rowsTable(v.versions, 'versions')}</div>
              <div><h2>Totals</h2>${rowsTable(v.totals, 'totals')}</div>
            </div>
            <div class="charts">${chartBlock(v.chart, 0)}</div>
            <h2>Nodes</h2>
            ${nodes(v)}
            <h2>Listeners</h2>
            ${listeners(v)}
            <h2>Feature flags</h2>
            ${featureFlags(v)}`
        : html`<div class="muted">Loading…</div>`
    }
    ${nothing}`;
}

app.start({
  persist: (target) => ({ target, paused: state.paused }),
  view: page,
  afterDraw: () => charts.sync(document, state.view ? [state.view.chart] : []),
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
