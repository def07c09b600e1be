import { html, nothing } from 'lit';
import './lib/elements';
import { PanelApp } from './lib/app';
import { messageDetails, messageHead } from './lib/messageView';
import { rowOffsets, scrollToShow, visibleRange, type VisibleRange } from '../src/core/virtualRange';
import type { DisplayMessage } from '../src/protocol/common';
import {
  checkPeekState,
  type PeekState,
  type PeekToHost,
  type PeekToWebview,
  type StreamOffset,
} from '../src/protocol/peek';

interface View {
  count: number;
  offset: 'first' | 'last' | 'next' | 'timestamp';
  timestamp: string;
  messages: DisplayMessage[];
  note?: string;
  summary?: string;
  /** Asked before peeking (the queue has consumers): 'Peek anyway' re-sends with confirmConsumers. */
  confirm?: string;
  limit?: string;
  withheld?: string;
  warnings: string[];
  offerIgnoreMemory: boolean;
  expanded: Set<number>;
  /** Index of the selected message (keyboard navigation moves it). */
  selected?: number;
}

/** Height of a collapsed message before it is measured (rows are measured once drawn). */
const ROW_ESTIMATE = 38;
/** Rows drawn beyond each edge of the viewport. */
const OVERSCAN = 8;

const app = new PanelApp<PeekState, PeekToWebview, PeekToHost>(checkPeekState);
const saved = app.saved;
const view: View = {
  count: saved?.count ?? 10,
  offset: 'first',
  timestamp: '',
  messages: [],
  warnings: [],
  offerIgnoreMemory: false,
  expanded: new Set(),
};
const send = (m: PeekToHost) => app.send(m);
const draw = () => app.draw();
const persist = () => app.persist();

function peek(extra: { confirmConsumers?: boolean; ignoreMemory?: boolean } = {}): void {
  app.clearBanners();
  view.confirm = undefined;
  let offset: StreamOffset | undefined;
  if (app.target?.queueType === 'stream') {
    offset = view.offset === 'timestamp' ? { timestamp: Date.parse(view.timestamp) || Date.now() } : view.offset;
  }
  send({ type: 'peek', count: view.count, offset, ...extra });
  persist();
}

function toggle(id: number): void {
  if (view.expanded.has(id)) view.expanded.delete(id);
  else view.expanded.add(id);
  draw();
}

// ----- the message list: virtualized (only the rows in and near the viewport are in the DOM) -----

/** Measured heights by message id and expanded state ("12:1"); rows not drawn yet use ROW_ESTIMATE. */
const measured = new Map<string, number>();
const heightKey = (m: DisplayMessage) => `${m.id}:${view.expanded.has(m.id) ? 1 : 0}`;
let range: VisibleRange = { start: 0, end: 0, padTop: 0, padBottom: 0 };
let offsets: number[] = [0];

/** The list's own scroll position: how far the viewport's top is into #messages. */
function listViewport(): { top: number; height: number } {
  const el = document.getElementById('messages');
  const listTop = el ? el.getBoundingClientRect().top + window.scrollY : 0;
  return { top: window.scrollY - listTop, height: window.innerHeight };
}

function computeRange(): VisibleRange {
  offsets = rowOffsets(view.messages.map((m) => measured.get(heightKey(m)) ?? ROW_ESTIMATE));
  const v = listViewport();
  return visibleRange(offsets, v.top, v.height, OVERSCAN);
}

/** A row to focus once it is drawn (keyboard navigation may scroll to a row not in the page yet). */
let focusIndex: number | undefined;

function select(index: number, focus = false): void {
  view.selected = index;
  if (focus) {
    focusIndex = index;
    const v = listViewport();
    const target = scrollToShow(offsets, index, v.top, v.height);
    if (target !== v.top) window.scrollBy(0, target - v.top);
  }
  draw();
}

function focusPending(): void {
  if (focusIndex === undefined) return;
  const head = document.querySelector<HTMLElement>(`#messages .message[data-index="${focusIndex}"] > .head`);
  if (!head) return;
  focusIndex = undefined;
  head.focus({ preventScroll: true });
}

function onKey(e: KeyboardEvent): void {
  const n = view.messages.length;
  if (n === 0) return;
  const at = view.selected ?? -1;
  const moves: Record<string, number> = {
    ArrowDown: at + 1,
    ArrowUp: at - 1,
    Home: 0,
    End: n - 1,
    PageDown: at + 10,
    PageUp: at - 10,
  };
  if (e.key in moves) {
    e.preventDefault();
    select(Math.max(0, Math.min(n - 1, moves[e.key]!)), true);
  } else if ((e.key === 'Enter' || e.key === ' ') && at >= 0 && (e.target as HTMLElement).classList.contains('head')) {
    e.preventDefault();
    toggle(view.messages[at]!.id);
  }
}

function messageList() {
  range = computeRange();
  const rows = view.messages.slice(range.start, range.end);
  return html`<div id="messages" role="list" aria-rowcount=${view.messages.length} style=${`padding-top: ${range.padTop}px; padding-bottom: ${range.padBottom}px`} @keydown=${onKey}>
    ${rows.map((m, k) => {
      const i = range.start + k;
      const open = view.expanded.has(m.id);
      return html`<div class="vrow" data-key=${heightKey(m)}>
        <div class="message ${open ? 'expanded' : ''} ${view.selected === i ? 'selected' : ''}" data-id=${m.id} data-index=${i} role="listitem">
          <div class="head" tabindex="0" aria-expanded=${open ? 'true' : 'false'} @click=${() => (select(i), toggle(m.id))}>${messageHead(m, i)}</div>
          ${
            open
              ? html`<div class="content">
                <div class="toolbar"><vscode-button secondary class="edit-and-publish" title="Open this message in the publish form, every header with its AMQP type" @click=${() => send({ type: 'editAndPublish', id: m.id })}>Edit and publish…</vscode-button>${
                  app.target?.queueType === 'stream'
                    ? nothing
                    : html`<vscode-button secondary class="delete-message" title="Delete exactly this message from the queue (asks first)" ?disabled=${app.busy} @click=${() => send({ type: 'deleteMessage', id: m.id })}>Delete this message…</vscode-button>`
                }</div>
                ${messageDetails(m, () => send({ type: 'openBody', id: m.id }))}
              </div>`
              : nothing
          }
        </div>
      </div>`;
    })}
  </div>`;
}

/** After a draw: measure the drawn rows; when a height changed, the padding is off — draw again. */
function measure(): void {
  focusPending();
  let changed = false;
  for (const el of document.querySelectorAll<HTMLElement>('#messages > .vrow')) {
    const key = el.dataset.key!;
    const h = el.offsetHeight;
    if (Math.abs((measured.get(key) ?? ROW_ESTIMATE) - h) > 0.5) {
      measured.set(key, h);
      changed = true;
    }
  }
  if (changed || rangeChanged()) scheduleDraw();
}

function rangeChanged(): boolean {
  const r = computeRange();
  return r.start !== range.start || r.end !== range.end;
}

let pending = false;
function scheduleDraw(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}
window.addEventListener(
  'scroll',
  () => {
    if (rangeChanged()) scheduleDraw();
  },
  { passive: true },
);
window.addEventListener('resize', scheduleDraw);

function page() {
  const t = app.target;
  const isStream = t?.queueType === 'stream';
  return html`<h1>Peek ${t ? html`<span class="mono">${t.queue}</span>` : nothing}</h1>
      <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}${t.queueType ? ` · ${t.queueType} queue` : ''}` : 'Loading…'} ${app.connectionBadge()}</div>
      <div class="toolbar">
        <label for="count">Messages</label>
        <vscode-textfield
          id="count"
          type="number"
          min="1"
          max="1000"
          .value=${String(view.count)}
          @input=${(e: Event) => (view.count = Number((e.target as HTMLInputElement).value) || 1)}
        ></vscode-textfield>
        ${
          isStream
            ? html`<label for="offset">from</label>
              <vscode-single-select id="offset" .value=${view.offset} @change=${(e: Event) => ((view.offset = (e.target as HTMLSelectElement).value as View['offset']), draw())}>
                <vscode-option value="first">first (oldest)</vscode-option>
                <vscode-option value="last">last chunk</vscode-option>
                <vscode-option value="next">next (new only)</vscode-option>
                <vscode-option value="timestamp">timestamp…</vscode-option>
              </vscode-single-select>
              ${
                view.offset === 'timestamp'
                  ? html`<vscode-textfield placeholder="2026-11-22T10:00:00Z" .value=${view.timestamp} @input=${(e: Event) => (view.timestamp = (e.target as HTMLInputElement).value)}></vscode-textfield>`
                  : nothing
              }`
            : nothing
        }
        <vscode-button id="peek" ?disabled=${app.busy} @click=${() => peek()}>Peek</vscode-button>
        ${app.busy ? html`<vscode-progress-ring></vscode-progress-ring>` : nothing}
        <span class="spacer"></span>
        <vscode-button secondary ?disabled=${view.messages.length === 0} @click=${() => send({ type: 'copy', ids: view.messages.map((m) => m.id) })}>Copy all as JSON</vscode-button>
        <vscode-button secondary ?disabled=${view.messages.length === 0} @click=${() => send({ type: 'save' })}>Save…</vscode-button>
        <vscode-button secondary id="copy-as-code" title="Copy a program that consumes this queue (Python, Node.js, Java, Go, .NET)" @click=${() => send({ type: 'copyAsCode', count: view.count })}>Copy as code…</vscode-button>
      </div>
      <div class="banner ${isStream ? '' : 'warning'}">
        ${
          isStream
            ? 'Stream queues are read from an offset without removing anything.'
            : t?.queueType === 'classic'
              ? 'Peeking takes messages from the head of the queue and puts them back in place: they come back marked redelivered.'
              : "Peeking takes messages from the head of the queue and puts them back in place, marked redelivered. On a quorum queue every peek counts as one delivery of each message shown, towards the queue's delivery limit: Burrow reads each message's count and stops taking messages before that could get one dropped."
        }
      </div>
      ${
        view.confirm
          ? html`<div class="banner warning" id="confirm" role="alert">
            ${view.confirm}
            <div class="toolbar">
              <vscode-button id="confirm-peek" @click=${() => peek({ confirmConsumers: true })}>Peek anyway</vscode-button>
              <vscode-button secondary id="confirm-cancel" @click=${() => ((view.confirm = undefined), draw())}>Cancel</vscode-button>
            </div>
          </div>`
          : nothing
      }
      ${view.warnings.map((w) => html`<div class="banner error" role="alert">${w}</div>`)}
      ${
        view.withheld
          ? html`<div class="banner warning" id="withheld">
            ${view.withheld}
            ${
              view.offerIgnoreMemory
                ? html`<div class="muted">If those messages have been consumed since, the head of the queue may hold new ones. If not, looking again takes the first message once more and may leave it with no return to spare.
                  <vscode-button secondary id="ignore-memory" @click=${() => peek({ confirmConsumers: true, ignoreMemory: true })}>Look at the first message anyway</vscode-button></div>`
                : nothing
            }
          </div>`
          : nothing
      }
      ${app.banners()}
      ${view.summary ? html`<div class="muted" id="summary">${view.summary}</div>` : nothing}
      ${view.note ? html`<div class="muted">${view.note}${view.limit ? html` · ${view.limit}` : nothing}</div>` : nothing}
      ${messageList()}`;
}

app.start({
  persist: (target) => ({ target, count: view.count }),
  view: page,
  afterDraw: measure,
  on: {
    init: (msg) => {
      if (!saved) view.count = msg.count;
    },
    confirm: (msg) => (view.confirm = msg.message),
    result: (msg) => {
      view.messages = msg.messages;
      view.note = msg.note;
      app.error = undefined;
      view.confirm = undefined;
      view.limit = msg.limit;
      view.withheld = msg.withheld;
      view.warnings = msg.warnings ?? [];
      view.offerIgnoreMemory = msg.offerIgnoreMemory === true;
      // Show everything expanded when there are few messages: that is what people peek for.
      view.expanded = new Set(msg.messages.length <= 5 ? msg.messages.map((m) => m.id) : []);
      view.selected = undefined;
      measured.clear();
      view.summary =
        `${msg.messages.length} message${msg.messages.length === 1 ? '' : 's'} in ${msg.tookMs} ms` +
        (msg.depthAfter !== undefined ? ` · queue depth now ${msg.depthAfter}` : '') +
        ` · ${new Date(msg.at).toLocaleTimeString()}`;
    },
  },
});
