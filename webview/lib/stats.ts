/** Parts the Details and Overview pages share: the refresh toolbar, a chart block, a name/value table. */
import { html, nothing } from 'lit';
import type { ChartData, StatsToHost } from '../../src/protocol/details';

export interface StatsUi {
  paused: boolean;
  intervalSeconds: number;
}

interface AppLike {
  busy: boolean;
  persist(): void;
  draw(): void;
}

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });

export function statsToolbar(app: AppLike, ui: StatsUi, send: (m: StatsToHost) => void, readAt?: number) {
  const auto =
    ui.paused || ui.intervalSeconds <= 0
      ? ui.paused
        ? 'auto-refresh paused'
        : 'auto-refresh off (burrow.explorer.autoRefreshSeconds)'
      : `refreshes every ${ui.intervalSeconds} s while visible`;
  return html`<div class="toolbar">
    <vscode-button id="refresh" @click=${() => send({ type: 'refresh' })}>Refresh</vscode-button>
    <vscode-button
      secondary
      id="pause"
      @click=${() => {
        ui.paused = !ui.paused;
        send({ type: 'pause', paused: ui.paused });
        app.persist();
        app.draw();
      }}
      >${ui.paused ? 'Resume' : 'Pause'}</vscode-button
    >
    ${app.busy ? html`<vscode-progress-ring></vscode-progress-ring>` : nothing}
    <span class="muted" id="read-at">${readAt !== undefined ? `read at ${time(readAt)} · ` : ''}${auto}</span>
  </div>`;
}

const current = (c: ChartData, v: number | undefined) =>
  v === undefined ? '—' : c.unit === 'msg/s' ? `${v >= 100 ? Math.round(v) : v.toFixed(1)}/s` : String(v);

/** A chart's heading with its current values, and the container the ChartSet fills (data-chart=index). */
export function chartBlock(c: ChartData, index: number) {
  return html`<div class="chart-block">
    <h2>${c.title} <span class="muted">(last 10 minutes${c.unit === 'msg/s' ? ', per second' : ''})</span></h2>
    <div class="muted chart-now">
      ${c.series.map((s) => html`<span class="chart-key" data-color=${s.color}>${s.label}: ${current(c, s.current)}</span> `)}
    </div>
    <div class="chart" data-chart=${String(index)}></div>
    ${c.x.length < 2 ? html`<div class="muted">No samples yet: the broker collects statistics every few seconds.</div>` : nothing}
  </div>`;
}

export function rowsTable(rows: readonly { name: string; value: string }[], id: string) {
  return html`<table class="fields" id=${id}>
    ${rows.map((r) => html`<tr><td class="name">${r.name}</td><td>${r.value}</td></tr>`)}
  </table>`;
}
