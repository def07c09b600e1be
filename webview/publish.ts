import { html, nothing } from 'lit';
import './lib/elements';
import { fromOptionValue, toOptionValue } from './lib/exchangeSelect';
import { exchangeOption, ServerPicker } from './lib/serverPicker';
import { PanelApp, UNCHANGED } from './lib/app';
import { headerRowsEditor } from './lib/headerRows';
import { historySection } from './lib/history';
import type { PanelTarget } from '../src/protocol/common';
import {
  bodyContentType,
  checkPublishState,
  emptyDraft,
  UNKNOWN_EXPLANATION,
  type BodyMode,
  type ExchangeOption,
  type HistoryEntry,
  type PublishDraft,
  type PublishResult,
  type PublishState,
  type PublishTemplate,
  type PublishToHost,
  type PublishToWebview,
} from '../src/protocol/publish';
import { parseJsonWithPosition } from '../src/core/json';
import { draftHasTemplateVars, hasTemplateVars } from '../src/core/templateVars';

interface View {
  draft: PublishDraft;
  count: number;
  exchanges: ExchangeOption[];
  suggestions: string[];
  progress?: Extract<PublishToWebview, { type: 'progress' }>;
  results: PublishResult[];
  history: HistoryEntry[];
  templates: PublishTemplate[];
  templatesFile?: string;
  templateName: string;
  validation?: { field: string; message: string };
  loadedFrom?: string;
  /** The broker's reason while it blocks publishing on this vhost. */
  blocked?: string;
}

const app = new PanelApp<PublishState, PublishToWebview, PublishToHost>(checkPublishState);
const saved = app.saved;
const view: View = {
  draft: saved?.draft ?? emptyDraft(),
  count: saved?.count ?? 1,
  exchanges: [],
  suggestions: [],
  results: [],
  history: [],
  templates: [],
  templateName: '',
};
let initialised = !!saved?.draft;
const send = (m: PublishToHost) => app.send(m);
const draw = () => app.draw();
const persist = () => app.persist();
const picker = new ServerPicker('exchange', (kind, text) => app.request({ type: 'pickerSearch', kind, text }), true);
const suggest = () => app.request({ type: 'suggest', exchange: view.draft.exchange });

/** A draft aimed at the target: the default exchange with the queue's name as routing key, or the exchange. */
const aimedAt = (t: PanelTarget, deliveryMode: 1 | 2) =>
  emptyDraft(t.exchange ?? '', t.queue && !t.exchange ? t.queue : '', deliveryMode);

function update(mutate: (d: PublishDraft) => void): void {
  mutate(view.draft);
  view.validation = undefined;
  persist();
  draw();
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

function jsonStatus(): { ok: boolean; text: string } | undefined {
  if (view.draft.bodyMode !== 'json') return undefined;
  // With template variables the body is JSON once expanded: the host checks each message.
  if (hasTemplateVars(view.draft.body)) return undefined;
  const r = parseJsonWithPosition(view.draft.body);
  return r.ok
    ? { ok: true, text: 'valid JSON' }
    : { ok: false, text: `Invalid JSON at line ${r.line}, column ${r.column}: ${r.error}` };
}

function publish(): void {
  app.clearBanners();
  const status = jsonStatus();
  if (status && !status.ok) {
    view.validation = { field: 'body', message: status.text };
    draw();
    return;
  }
  send({ type: 'publish', draft: structuredClone(view.draft), count: view.count });
}

function selectExchange(name: string): void {
  update((d) => (d.exchange = name));
  view.suggestions = [];
  suggest();
}

function formatJson(): void {
  const r = parseJsonWithPosition(view.draft.body);
  if (r.ok) update((d) => (d.body = JSON.stringify(r.value, null, 2)));
}

const field = (name: string) =>
  view.validation?.field === name
    ? html`<div class="banner error" role="alert">${view.validation.message}</div>`
    : nothing;

function propField(label: string, key: Exclude<keyof PublishDraft['properties'], 'deliveryMode'>, placeholder = '') {
  return html`<label for=${`p-${key}`}>${label}</label>
    <vscode-textfield id=${`p-${key}`} placeholder=${placeholder} .value=${view.draft.properties[key]} @input=${(e: Event) => update((d) => (d.properties[key] = value(e)))}></vscode-textfield>`;
}

function headersTable() {
  return html`${headerRowsEditor(view.draft.headers, (mutate) => update((d) => mutate(d.headers)))} ${field('headers')}`;
}

function resultBadge(kind: PublishResult['kind']) {
  const cls =
    kind === 'confirmed' ? 'ok' : kind === 'returned' || kind === 'cancelled' || kind === 'unknown' ? 'warn' : 'err';
  return html`<span class="badge ${cls}">${kind}</span>`;
}

function page() {
  const t = app.target;
  const d = view.draft;
  const status = jsonStatus();
  const templated = draftHasTemplateVars(d);
  const exchangeType = [...view.exchanges, ...picker.items].find((x) => x.name === d.exchange)?.type;
  return html`<h1>Publish</h1>
      <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}` : 'Loading…'} ${app.connectionBadge()}</div>
      ${app.banners()}
      ${
        view.blocked !== undefined
          ? html`<div class="banner warning" role="status" id="blocked">The broker blocks publishing on this vhost: ${view.blocked}. Publishes fail at once until the alarm clears; peek, tail and browsing still work.</div>`
          : nothing
      }
      ${view.loadedFrom ? html`<div class="banner">Loaded ${view.loadedFrom}.</div>` : nothing}
      <div class="grid">
        <label for="exchange">Exchange</label>
        <div>
          <vscode-single-select id="exchange" combobox .value=${toOptionValue(d.exchange)} @input=${picker.onInput} @change=${(e: Event) => selectExchange(fromOptionValue(value(e)))}>
            ${picker.options(d.exchange, exchangeOption)}
          </vscode-single-select>
          ${picker.hint('exchange-more')}
        </div>
        <label class="top" for="routingKey">${d.exchange === '' ? 'Queue (routing key)' : 'Routing key'}</label>
        <div>
          <vscode-textfield id="routingKey" .value=${d.routingKey} placeholder=${exchangeType === 'topic' ? 'e.g. kern.info' : ''} @input=${(e: Event) => update((x) => (x.routingKey = value(e)))}></vscode-textfield>
          ${
            view.suggestions.length
              ? html`<div class="toolbar">${view.suggestions.slice(0, 24).map((k) => html`<vscode-button secondary title="Use this routing key" @click=${() => update((x) => (x.routingKey = k))}>${k === '' ? '(empty)' : k}</vscode-button>`)}</div>`
              : nothing
          }
          ${field('routingKey')}
        </div>
        <label for="mandatory">Mandatory</label>
        <vscode-checkbox id="mandatory" ?checked=${d.mandatory} @change=${(e: Event) => update((x) => (x.mandatory = (e.target as HTMLInputElement).checked))}
          >report unroutable messages (basic.return) instead of dropping them</vscode-checkbox
        >
      </div>

      <vscode-collapsible title="Properties" description=${`${d.properties.deliveryMode === 2 ? 'persistent' : 'transient'} · ${d.properties.contentType.trim() || bodyContentType(d.bodyMode)}`}>
        <div class="grid" style="padding: 8px">
          <label for="p-deliveryMode">Delivery mode</label>
          <vscode-single-select id="p-deliveryMode" .value=${String(d.properties.deliveryMode)} @change=${(e: Event) => update((x) => (x.properties.deliveryMode = value(e) === '1' ? 1 : 2))}>
            <vscode-option value="2">2 — persistent</vscode-option>
            <vscode-option value="1">1 — transient</vscode-option>
          </vscode-single-select>
          ${propField('Content type', 'contentType', `${bodyContentType(d.bodyMode)} (follows the body type)`)} ${propField('Content encoding', 'contentEncoding', 'gzip')}
          ${propField('Priority', 'priority', '0–255')} ${field('priority')} ${propField('Correlation id', 'correlationId')}
          ${propField('Reply to', 'replyTo')} ${propField('Expiration (ms)', 'expiration', '60000')} ${field('expiration')}
          ${propField('Message id', 'messageId')} ${propField('Timestamp', 'timestamp', 'now, epoch seconds or ISO date')} ${field('timestamp')}
          ${propField('Type', 'type')} ${propField('User id', 'userId', 'must equal the login user')} ${propField('App id', 'appId')}
        </div>
      </vscode-collapsible>

      <vscode-collapsible title="Headers" description=${d.headers.length ? `${d.headers.length}` : 'none'} ?open=${d.headers.length > 0}>
        <div style="padding: 8px">${headersTable()}</div>
      </vscode-collapsible>

      <h2>Body</h2>
      <div class="toolbar">
        <vscode-radio-group .value=${d.bodyMode} @change=${(e: Event) => update((x) => (x.bodyMode = value(e) as BodyMode))}>
          <vscode-radio name="bodyMode" value="json" ?checked=${d.bodyMode === 'json'}>JSON</vscode-radio>
          <vscode-radio name="bodyMode" value="text" ?checked=${d.bodyMode === 'text'}>Text</vscode-radio>
          <vscode-radio name="bodyMode" value="base64" ?checked=${d.bodyMode === 'base64'}>Binary (base64)</vscode-radio>
        </vscode-radio-group>
        ${d.bodyMode === 'json' ? html`<vscode-button secondary ?disabled=${!status?.ok} @click=${formatJson}>Format</vscode-button>` : nothing}
        <vscode-button secondary @click=${() => send({ type: 'loadFile' })}>Load file…</vscode-button>
        ${status ? html`<span class=${status.ok ? 'muted' : ''} id="json-status">${status.ok ? '✓ valid JSON' : ''}</span>` : nothing}
      </div>
      <vscode-textarea id="body" class="mono" rows="12" monospace .value=${d.body} @input=${(e: Event) => update((x) => (x.body = value(e)))}></vscode-textarea>
      ${status && !status.ok ? html`<div class="banner error" role="alert">${status.text}</div>` : field('body')}
      <div class="muted" id="template-hint">
        Templates are expanded per message in the body, headers and properties: {{$i}} (1, 2, …), {{$index}} (0, 1, …), {{$uuid}}, {{$timestamp}} (epoch seconds),
        {{$isoTimestamp}}, {{$randomInt min max}} (max excluded).${templated ? ' This draft uses them; JSON is checked after expansion.' : ''}
      </div>

      <div class="toolbar">
        <vscode-button id="publish" ?disabled=${app.busy} @click=${publish}>${view.count > 1 ? `Publish ${view.count} times` : 'Publish'}</vscode-button>
        <label for="count">times</label>
        <vscode-textfield id="count" type="number" min="1" style="width: 110px" .value=${String(view.count)} @input=${(e: Event) => ((view.count = Math.max(1, Number(value(e)) || 1)), persist(), draw())}></vscode-textfield>
        ${app.busy ? html`<vscode-progress-ring></vscode-progress-ring><vscode-button secondary @click=${() => send({ type: 'cancel' })}>Cancel</vscode-button>` : nothing}
        <span class="spacer"></span>
        <vscode-button secondary id="copy-as-code" title="Copy a program that publishes this message (Python, Node.js, Java, Go, .NET)" @click=${() => send({ type: 'copyAsCode', draft: structuredClone(view.draft) })}>Copy as code…</vscode-button>
        ${
          app.busy && view.progress
            ? html`<span class="muted">${view.progress.done} / ${view.progress.total} · ${view.progress.ratePerSec} msg/s · ${view.progress.returned} returned · ${view.progress.nacked} nacked</span>`
            : nothing
        }
      </div>

      <div id="results">
        ${view.results.map(
          (
            r,
          ) => html`<div class="toolbar result" data-kind=${r.kind}>${resultBadge(r.kind)}<span>${r.text}</span><span class="muted">${new Date(r.at).toLocaleTimeString()}</span></div>
            ${
              r.counts && r.count > 1
                ? html`<div class="muted counts">confirmed ${r.counts.confirmed} · returned ${r.counts.returned} · nacked ${r.counts.nacked} · unknown ${r.counts.unknown}${r.counts.notSent ? ` · not sent ${r.counts.notSent}` : ''}</div>`
                : nothing
            }
            ${
              r.resendable
                ? html`<div class="banner warning unknown">
                  <div>${UNKNOWN_EXPLANATION}</div>
                  <div class="toolbar">
                    <vscode-button secondary ?disabled=${app.busy} @click=${() => send({ type: 'resendUnknown', resultId: r.id })}>${`Re-send the ${r.resendable} unknown`}</vscode-button>
                    <span class="muted">Messages that did arrive will be duplicated.</span>
                  </div>
                </div>`
                : nothing
            }`,
        )}
      </div>

      <vscode-collapsible title="Templates" description=${view.templatesFile ?? ''}>
        <div style="padding: 8px">
          <div class="toolbar">
            <vscode-textfield placeholder="template name" .value=${view.templateName} @input=${(e: Event) => (view.templateName = value(e))}></vscode-textfield>
            <vscode-button secondary @click=${() => view.templateName.trim() && send({ type: 'saveTemplate', name: view.templateName.trim(), draft: structuredClone(view.draft) })}>Save current as template</vscode-button>
          </div>
          ${view.templates.length === 0 ? html`<div class="muted">No templates yet. They are stored in ${view.templatesFile ?? '.burrow/templates.json'} in your workspace, so you can commit them.</div>` : nothing}
          ${view.templates.map(
            (tpl) => html`<div class="toolbar">
              <span class="mono">${tpl.name}</span><span class="muted">${tpl.draft.exchange || '(default)'} · ${tpl.draft.routingKey}</span>
              <vscode-button secondary @click=${() => ((view.draft = structuredClone(tpl.draft)), (view.loadedFrom = `template ${tpl.name}`), persist(), draw())}>Load</vscode-button>
              <vscode-button secondary @click=${() => send({ type: 'publish', draft: structuredClone(tpl.draft), count: 1 })}>Send</vscode-button>
              <vscode-button secondary class="save-amqp" title="Save as a request in an .amqp file" @click=${() => send({ type: 'saveAsAmqp', name: tpl.name, draft: structuredClone(tpl.draft) })}>Save as .amqp…</vscode-button>
              <vscode-button secondary @click=${() => send({ type: 'deleteTemplate', name: tpl.name })}>Delete</vscode-button>
            </div>`,
          )}
        </div>
      </vscode-collapsible>

      ${historySection(
        view.history,
        (h) => ({
          when: new Date(h.at).toLocaleString(),
          what: `${h.draft.exchange || '(default)'} → ${h.draft.routingKey}`,
          actions: html`<vscode-button secondary @click=${() => ((view.draft = structuredClone(h.draft)), (view.loadedFrom = 'from history'), persist(), draw())}>Load</vscode-button>
            <vscode-button secondary @click=${() => send({ type: 'publish', draft: structuredClone(h.draft), count: 1 })}>Re-send</vscode-button>
            <vscode-button secondary class="save-amqp" title="Save as a request in an .amqp file" @click=${() => send({ type: 'saveAsAmqp', name: '', draft: structuredClone(h.draft) })}>Save as .amqp…</vscode-button>`,
        }),
        'Nothing published from this connection yet.',
      )}`;
}

app.start({
  persist: (target) => ({ target, draft: view.draft, count: view.count }),
  view: page,
  // Another exchange or queue: aim the draft there, and never keep the old repeat count.
  retarget: (target) => {
    view.draft = {
      ...aimedAt(target, view.draft.properties.deliveryMode),
      properties: view.draft.properties,
      headers: view.draft.headers,
      bodyMode: view.draft.bodyMode,
      body: view.draft.body,
    };
    view.count = 1;
    view.suggestions = [];
    view.validation = undefined;
    view.loadedFrom = undefined;
    initialised = true;
  },
  on: {
    // An answer that changes nothing the picker shows (options, counts, hint) does not redraw the page.
    pickerMatches: (msg) => (picker.accept(msg) ? undefined : UNCHANGED),
    init: (msg) => {
      view.exchanges = msg.exchanges;
      picker.seed(msg.exchanges);
      view.history = msg.history;
      view.templates = msg.templates;
      view.templatesFile = msg.templatesFile;
      if (!initialised) {
        view.draft = aimedAt(msg.target, msg.defaultDeliveryMode);
        initialised = true;
      }
      suggest();
    },
    suggestions: (msg) => (view.suggestions = msg.keys),
    loadDraft: (msg) => {
      view.draft = {
        ...view.draft,
        ...msg.draft,
        properties: { ...view.draft.properties, ...(msg.draft.properties ?? {}) },
      };
      view.loadedFrom = msg.source;
      // A panel opened to load this draft: 'init' must not replace it with the empty aimed draft.
      initialised = true;
      persist();
    },
    busy: (msg) => {
      if (!msg.busy) view.progress = undefined;
    },
    progress: (msg) => (view.progress = msg),
    result: (msg) => {
      view.results = [msg.result, ...view.results].slice(0, 20);
      app.error = undefined;
    },
    history: (msg) => (view.history = msg.history),
    templates: (msg) => {
      view.templates = msg.templates;
      view.templatesFile = msg.templatesFile;
    },
    validation: (msg) => (view.validation = { field: msg.field, message: msg.message }),
    blocked: (msg) => (view.blocked = msg.reason),
  },
});
