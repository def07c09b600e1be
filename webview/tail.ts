import { html, nothing } from 'lit';
import './lib/elements';
import { PanelApp, UNCHANGED } from './lib/app';
import { formatSize, messageDetails, messageHead } from './lib/messageView';
import { ServerPicker } from './lib/serverPicker';
import type { DisplayMessage } from '../src/protocol/common';
import {
  checkTailState,
  type TailMode,
  type TailRow,
  type TailState,
  type TailStats,
  type TailStatus,
  type TailToHost,
  type TailToWebview,
} from '../src/protocol/tail';

const ROW_HEIGHT = 24;
/** Rows requested beyond each edge of the visible part, so that scrolling rarely shows a gap. */
const OVERSCAN = 20;

interface View {
  exchanges: string[];
  bufferSize: number;
  modeKind: 'tap' | 'tap-exchange' | 'consume';
  exchange: string;
  pattern: string;
  prefetch: number;
  ack: 'auto' | 'manual';
  filter: string;
  status: TailStatus;
  statusDetail?: string;
  /** Number of rows in the (host-side) list. */
  total: number;
  /** List index of rows[0]: the host sends only the window around what is visible. */
  from: number;
  rows: TailRow[];
  filtered: boolean;
  stats: TailStats;
  selected?: number;
  detail?: DisplayMessage;
  /** Settled state of the selected message (its row may be scrolled out of the window). */
  detailSettled?: TailRow['settled'];
  follow: boolean;
}

const app = new PanelApp<TailState, TailToWebview, TailToHost>(checkTailState);
const saved = app.saved;
const savedMode = saved?.mode;
const view: View = {
  exchanges: [],
  bufferSize: 10_000,
  modeKind: savedMode?.mode ?? 'tap',
  exchange: savedMode?.mode === 'tap-exchange' ? savedMode.exchange : '',
  pattern: savedMode?.mode === 'tap-exchange' ? savedMode.pattern : '#',
  prefetch: savedMode?.mode === 'consume' ? savedMode.prefetch : 100,
  ack: savedMode?.mode === 'consume' ? savedMode.ack : 'manual',
  filter: saved?.filter ?? '',
  status: 'idle',
  total: 0,
  from: 0,
  rows: [],
  filtered: false,
  stats: { received: 0, dropped: 0, ratePerSec: 0, buffered: 0 },
  follow: true,
};
const send = (m: TailToHost) => app.send(m);
const picker = new ServerPicker('exchange', (kind, text) => app.request({ type: 'pickerSearch', kind, text }));
const draw = () => app.draw();
const persist = () => app.persist();
const value = (e: Event) => (e.target as HTMLInputElement).value;

function mode(): TailMode {
  if (view.modeKind === 'tap-exchange') return { mode: 'tap-exchange', exchange: view.exchange, pattern: view.pattern };
  if (view.modeKind === 'consume') return { mode: 'consume', prefetch: Math.max(1, view.prefetch), ack: view.ack };
  return { mode: 'tap' };
}

function start(): void {
  app.clearBanners();
  if (view.modeKind === 'consume' && !confirmConsume) {
    confirmConsume = true;
    draw();
    return;
  }
  confirmConsume = false;
  send({ type: 'start', mode: mode() });
  persist();
}
let confirmConsume = false;

/** Visible rows (plus OVERSCAN on each side): what to ask the host for. */
function wantedView(): { from: number; count: number; follow: boolean } {
  const el = document.getElementById('list');
  const height = el?.clientHeight ?? 400;
  const visible = Math.ceil(height / ROW_HEIGHT) + 1;
  const first = Math.floor((el?.scrollTop ?? 0) / ROW_HEIGHT);
  const from = Math.max(0, first - OVERSCAN);
  return { from, count: first - from + visible + OVERSCAN, follow: view.follow };
}

let lastView = '';
/** Tells the host which rows to send, when that changed (at most once per frame, from drawNow). */
function syncView(): void {
  const v = wantedView();
  const key = `${v.follow ? 'end' : v.from}:${v.count}`;
  if (key === lastView) return;
  lastView = key;
  send({ type: 'view', ...v });
}

function list() {
  return html`<div id="list" class="list" style="height: 45vh" @scroll=${onScroll}>
    <div style=${`height: ${view.total * ROW_HEIGHT}px`}></div>
    ${view.rows.map((r, i) => {
      const index = view.from + i;
      if (r.gap) return gapRow(r, index);
      return html`<div
        class="row ${r.id === view.selected ? 'selected' : ''}"
        data-id=${r.id}
        style=${`top: ${index * ROW_HEIGHT}px; height: ${ROW_HEIGHT}px`}
        @click=${() => select(r.id)}
      >
        <span class="cell muted" style="width: 90px">${new Date(r.at).toLocaleTimeString()}</span>
        <span class="cell mono" style="width: 200px" title=${r.routingKey}>${r.routingKey === '' ? '(empty key)' : r.routingKey}</span>
        <span class="cell muted" style="width: 70px">${formatSize(r.size)}</span>
        ${r.redelivered ? html`<span class="badge warn">redelivered</span>` : nothing}
        ${r.settled ? html`<span class="badge">${r.settled}</span>` : nothing}
        <span class="cell mono preview" style="flex: 1">${r.preview}</span>
      </div>`;
    })}
  </div>`;
}

/** A gap marker: messages a tap missed while reconnecting. Not a message: not selectable, not a `.row`. */
function gapRow(r: TailRow, index: number) {
  const lost = r.gap ? new Date(r.gap.lostAt).toLocaleTimeString() : '';
  return html`<div
    class="gap-row"
    role="separator"
    title=${`Connection lost at ${lost}; the tap was set up again at ${new Date(r.at).toLocaleTimeString()}. Messages published in between never reached it.`}
    style=${`position: absolute; left: 0; right: 0; top: ${index * ROW_HEIGHT}px; height: ${ROW_HEIGHT}px; display: flex; gap: 10px; align-items: center; padding: 0 8px; box-sizing: border-box; white-space: nowrap; overflow: hidden; border-top: 1px dashed var(--vscode-editorWarning-foreground); border-bottom: 1px dashed var(--vscode-editorWarning-foreground); color: var(--vscode-editorWarning-foreground)`}
  >
    <span class="cell muted" style="width: 90px">${new Date(r.at).toLocaleTimeString()}</span>
    <span class="badge warn">gap</span>
    <span class="cell" style="flex: 1">${r.preview}</span>
  </div>`;
}

function onScroll(): void {
  const el = document.getElementById('list');
  if (el) view.follow = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 2;
  draw();
}

function select(id: number): void {
  view.selected = id;
  view.detail = undefined;
  app.request({ type: 'select', id });
  draw();
}

function modeControls() {
  const running =
    view.status === 'running' ||
    view.status === 'paused' ||
    view.status === 'starting' ||
    view.status === 'reconnecting';
  return html`<div class="toolbar">
      <vscode-radio-group .value=${view.modeKind} @change=${(e: Event) => ((view.modeKind = value(e) as View['modeKind']), (confirmConsume = false), persist(), draw())}>
        <vscode-radio name="mode" value="tap" ?checked=${view.modeKind === 'tap'} ?disabled=${running}>Tap the queue's bindings (non-destructive)</vscode-radio>
        <vscode-radio name="mode" value="tap-exchange" ?checked=${view.modeKind === 'tap-exchange'} ?disabled=${running}>Tap an exchange</vscode-radio>
        <vscode-radio name="mode" value="consume" ?checked=${view.modeKind === 'consume'} ?disabled=${running}>Consume (destructive)</vscode-radio>
      </vscode-radio-group>
    </div>
    ${
      view.modeKind === 'tap'
        ? html`<div class="muted">A temporary exclusive queue is bound to the same exchanges with the same keys as ${app.target?.queue ?? 'the queue'}: you see copies of new messages; the queue and its consumers are untouched.</div>`
        : nothing
    }
    ${
      view.modeKind === 'tap-exchange'
        ? html`<div class="toolbar">
          <label>Exchange</label>
          <vscode-single-select id="tap-exchange" combobox .value=${view.exchange} ?disabled=${running} @input=${picker.onInput} @change=${(e: Event) => ((view.exchange = value(e)), persist())}>
            ${picker.options(view.exchange || undefined, (x, sel) => html`<vscode-option value=${x.name} .selected=${sel}>${x.name}</vscode-option>`)}
          </vscode-single-select>
          ${picker.hint('exchange-more')}
          <label>Binding key / pattern</label>
          <vscode-textfield .value=${view.pattern} ?disabled=${running} @input=${(e: Event) => ((view.pattern = value(e)), persist())}></vscode-textfield>
        </div>`
        : nothing
    }
    ${
      view.modeKind === 'consume'
        ? html`<div class="toolbar">
            <label>Prefetch</label>
            <vscode-textfield type="number" min="1" style="width: 90px" .value=${String(view.prefetch)} ?disabled=${running} @input=${(e: Event) => ((view.prefetch = Number(value(e)) || 1), persist())}></vscode-textfield>
            <vscode-single-select .value=${view.ack} ?disabled=${running} @change=${(e: Event) => ((view.ack = value(e) as View['ack']), persist(), draw())}>
              <vscode-option value="manual">manual ack (ack / requeue / reject each)</vscode-option>
              <vscode-option value="auto">auto ack (messages are removed on delivery)</vscode-option>
            </vscode-single-select>
          </div>
          <div class="banner warning">Consume mode takes messages off the queue${view.ack === 'manual' ? ' (unacked ones go back when you stop)' : ''}. Other consumers will not see them.</div>`
        : nothing
    }
    <div class="toolbar">
      ${
        running
          ? html`<vscode-button id="stop" @click=${() => send({ type: 'stop' })}>Stop</vscode-button>
            ${
              view.status === 'paused'
                ? html`<vscode-button secondary @click=${() => send({ type: 'resume' })}>Resume</vscode-button>`
                : html`<vscode-button secondary @click=${() => send({ type: 'pause' })}>Pause</vscode-button>`
            }`
          : html`<vscode-button id="start" @click=${start}>${confirmConsume ? 'Really consume (destructive)?' : 'Start'}</vscode-button>`
      }
      <vscode-button secondary @click=${() => send({ type: 'clear' })}>Clear</vscode-button>
      <vscode-button secondary ?disabled=${view.total === 0} @click=${() => send({ type: 'export' })}>Export NDJSON…</vscode-button>
      <vscode-textfield
        id="filter"
        placeholder="Filter: routing key, headers, body"
        .value=${view.filter}
        @input=${(e: Event) => {
          view.filter = value(e);
          persist();
          send({ type: 'filter', text: view.filter });
        }}
      ></vscode-textfield>
      <span class="spacer"></span>
      <span class="badge ${view.status === 'running' ? 'ok' : view.status === 'error' ? 'err' : view.status === 'reconnecting' || view.status === 'paused' ? 'warn' : ''}" id="status">${view.status}</span>
    </div>`;
}

function page() {
  const t = app.target;
  const s = view.stats;
  const canSettle = view.detail?.deliveryTag !== undefined && view.detailSettled === undefined;
  return html`<h1>Tail ${t?.queue ? html`<span class="mono">${t.queue}</span>` : t?.exchange ? html`<span class="mono">${t.exchange}</span>` : nothing}</h1>
      <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}` : 'Loading…'} ${app.connectionBadge()}</div>
      ${modeControls()}
      ${view.statusDetail ? html`<div class="banner ${view.status === 'error' ? 'error' : view.status === 'reconnecting' ? 'warning' : ''}">${view.statusDetail}</div>` : nothing}
      ${app.banners()}
      <div class="muted" id="stats">
        ${s.received} received · ${s.ratePerSec}/s · ${view.total - (s.gaps ?? 0)} shown${view.filtered ? ' (filtered)' : ''} · ${s.dropped} dropped from the buffer of ${view.bufferSize}${s.gaps ? html` · <span id="gaps">${s.gaps} reconnect gap${s.gaps === 1 ? '' : 's'} (messages missed)</span>` : nothing}
      </div>
      ${list()}
      ${
        view.detail
          ? html`<div class="message">
            <div class="head">${messageHead(view.detail)}
              <vscode-button secondary class="edit-and-publish" title="Open this message in the publish form, every header with its AMQP type" @click=${() => send({ type: 'editAndPublish', id: view.detail!.id })}>Edit and publish…</vscode-button>
              ${
                canSettle
                  ? html`<span class="spacer"></span>
                    <vscode-button @click=${() => send({ type: 'settle', id: view.detail!.id, action: 'ack' })}>Ack</vscode-button>
                    <vscode-button secondary @click=${() => send({ type: 'settle', id: view.detail!.id, action: 'requeue' })}>Requeue</vscode-button>
                    <vscode-button secondary @click=${() => send({ type: 'settle', id: view.detail!.id, action: 'reject' })}>Reject</vscode-button>`
                  : nothing
              }
            </div>
            <div class="content">${messageDetails(view.detail, () => send({ type: 'openBody', id: view.detail!.id }))}</div>
          </div>`
          : view.selected !== undefined
            ? html`<div class="muted">Loading message…</div>`
            : html`<div class="muted">Select a message to see its properties, headers and body.</div>`
      }`;
}

function afterDraw(): void {
  if (view.follow) {
    const el = document.getElementById('list');
    if (el) el.scrollTop = el.scrollHeight;
  }
  syncView();
}

app.start({
  persist: (target) => ({ target, mode: mode(), filter: view.filter }),
  view: page,
  perFrame: true,
  afterDraw,
  on: {
    init: (msg) => {
      view.bufferSize = msg.bufferSize;
      view.exchanges = msg.exchanges;
      picker.seed(msg.exchanges.map((name) => ({ name, type: '' })));
      if (!view.exchange && msg.target.exchange) view.exchange = msg.target.exchange;
      if (view.filter) send({ type: 'filter', text: view.filter });
    },
    status: (msg) => {
      view.status = msg.status;
      view.statusDetail = msg.detail;
    },
    window: (msg) => {
      view.total = msg.total;
      view.from = msg.from;
      view.rows = msg.rows;
      view.filtered = msg.filtered;
      view.stats = msg.stats;
      if (msg.total === 0 && view.selected !== undefined) {
        view.selected = undefined;
        view.detail = undefined;
      }
    },
    // The reply to the latest 'select' (older replies are dropped by their requestId).
    detail: (msg) => {
      if (view.selected === undefined) return;
      view.detail = msg.message;
      view.detailSettled = msg.settled;
    },
    // An answer that changes nothing the picker shows (options, counts, hint) does not redraw the page.
    pickerMatches: (msg) => (picker.accept(msg) ? undefined : UNCHANGED),
    settled: (msg) => {
      const row = view.rows.find((r) => r.id === msg.id);
      if (row) row.settled = msg.settled;
      if (msg.id === view.selected) view.detailSettled = msg.settled;
    },
  },
});
window.addEventListener('resize', draw);
