import { html, nothing } from 'lit';
import './lib/elements';
import { exchangeOptions, fromOptionValue, toOptionValue } from './lib/exchangeSelect';
import { PanelApp } from './lib/app';
import {
  checkRoutingState,
  type LiveRouteView,
  type RoutingState,
  type RoutingToHost,
  type RoutingToWebview,
} from '../src/protocol/routing';
import { explainTopicMatch, routingKeyWarnings, topicPatternWarnings, type TopicMatchStep } from '../src/core/topic';

interface View {
  tab: 'offline' | 'live';
  pattern: string;
  keys: string;
  exchanges: { name: string; type: string }[];
  exchange: string;
  routingKey: string;
  headers: string;
  route?: LiveRouteView;
}

const app = new PanelApp<RoutingState, RoutingToWebview, RoutingToHost>(checkRoutingState);
const saved = app.saved;
const view: View = {
  tab: saved?.tab ?? 'offline',
  pattern: saved?.pattern ?? '*.info',
  keys: saved?.keys ?? 'kern.info\na.b.info\ninfo',
  exchanges: [],
  exchange: saved?.live?.exchange ?? 'amq.topic',
  routingKey: saved?.live?.routingKey ?? '',
  headers: saved?.live?.headers ?? '',
};
const send = (m: RoutingToHost) => app.send(m);
const draw = () => app.draw();
const persist = () => app.persist();
const value = (e: Event) => (e.target as HTMLInputElement).value;

function describeStep(s: TopicMatchStep): string {
  const took = s.took.length === 0 ? 'zero words' : s.took.map((w) => (w === '' ? '(empty word)' : `'${w}'`)).join(' ');
  if (s.patternWord === '#') return `# took ${took}`;
  if (s.patternWord === '*') return `* took ${took}`;
  return `'${s.patternWord}' matched ${took}`;
}

function offline() {
  const patternWarnings = topicPatternWarnings(view.pattern);
  const keys = view.keys.split('\n');
  if (keys.length > 1 && keys[keys.length - 1] === '') keys.pop();
  return html`<div class="grid">
      <label for="pattern">Binding pattern</label>
      <vscode-textfield id="pattern" .value=${view.pattern} @input=${(e: Event) => ((view.pattern = value(e)), persist(), draw())}></vscode-textfield>
      <label for="keys">Routing keys<br /><span class="muted">one per line</span></label>
      <vscode-textarea id="keys" rows="6" monospace .value=${view.keys} @input=${(e: Event) => ((view.keys = value(e)), persist(), draw())}></vscode-textarea>
    </div>
    ${patternWarnings.map((w) => html`<div class="banner warning">Pattern: ${w}</div>`)}
    <div class="muted">RabbitMQ's topic rules: words are split on '.', '*' is exactly one word, '#' is zero or more words, empty words count, matching is case-sensitive.</div>
    <table class="fields" id="offline-results">
      ${keys.map((key) => {
        const r = explainTopicMatch(view.pattern, key);
        const warnings = routingKeyWarnings(key);
        return html`<tr class="result" data-match=${r.matches ? 'yes' : 'no'}>
          <td>${r.matches ? html`<span class="badge ok">match</span>` : html`<span class="badge err">no match</span>`}</td>
          <td class="mono">${key === '' ? '(empty key)' : key}</td>
          <td class="muted">${r.matches ? r.steps.map(describeStep).join(' · ') : (r.reason ?? '')}${warnings.length ? ` · ${warnings.join('; ')}` : ''}</td>
        </tr>`;
      })}
    </table>`;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

let timer: ReturnType<typeof setTimeout> | undefined;
function routeSoon(): void {
  persist();
  clearTimeout(timer);
  timer = setTimeout(
    () => send({ type: 'route', exchange: view.exchange, routingKey: view.routingKey, headers: view.headers }),
    150,
  );
}

function live() {
  const r = view.route;
  const type = view.exchanges.find((x) => x.name === view.exchange)?.type;
  return html`<div class="grid">
      <label for="exchange">Exchange</label>
      ${
        view.exchanges.length === 0
          ? html`<span class="muted">loading exchanges…</span>`
          : html`<vscode-single-select id="exchange" combobox .value=${toOptionValue(view.exchange)} @change=${(e: Event) => ((view.exchange = fromOptionValue(value(e))), routeSoon(), draw())}>
        ${exchangeOptions(view.exchanges)}
      </vscode-single-select>`
      }
      <label for="live-key">Routing key</label>
      <vscode-textfield id="live-key" .value=${view.routingKey} @input=${(e: Event) => ((view.routingKey = value(e)), routeSoon())}></vscode-textfield>
      <label for="live-headers">Headers${type === 'headers' ? '' : html`<br /><span class="muted">(headers exchanges, CC/BCC)</span>`}</label>
      <vscode-textfield id="live-headers" placeholder="format=pdf, type=report" .value=${view.headers} @input=${(e: Event) => ((view.headers = value(e)), routeSoon())}></vscode-textfield>
    </div>
    <div class="toolbar">
      <vscode-button @click=${() => send({ type: 'route', exchange: view.exchange, routingKey: view.routingKey, headers: view.headers })}>Route</vscode-button>
      <vscode-button secondary @click=${() => send({ type: 'reload' })}>Reload topology</vscode-button>
      ${app.busy ? html`<vscode-progress-ring></vscode-progress-ring>` : nothing}
      ${r ? html`<span class="muted" id="topology-read" title="Only what this exchange can reach is read (its bindings, exchanges bound to it, alternate exchanges), then cached: Reload topology reads it again">topology read at ${new Date(r.topologyAt).toLocaleTimeString([], { hour12: false })}: ${count(r.counts.exchanges, 'exchange')}, ${count(r.counts.bindings, 'binding')}, ${count(r.counts.queues, 'queue')} reachable from ${r.exchange === '' ? '(AMQP default)' : r.exchange}</span>` : nothing}
    </div>
    ${
      r
        ? html`${r.errors.map((e) => html`<div class="banner error">${e}</div>`)} ${r.warnings.map((w) => html`<div class="banner warning">${w}</div>`)}
          <h2>Would be delivered to</h2>
          <div id="live-queues">
            ${
              r.queues.length
                ? r.queues.map((q) => html`<span class="badge ok mono">${q}</span> `)
                : r.mayReceive.some((m) => m.kind === 'queue')
                  ? html`<span class="muted">no queue for sure (see below)</span>`
                  : html`<span class="badge err">${r.errors.length ? 'refused' : 'unroutable'}</span> <span class="muted">${r.errors.length ? '' : 'no queue receives this message (a mandatory publish would be returned with 312 NO_ROUTE)'}</span>`
            }
            ${r.incomplete ? html`<div class="banner warning">Part of the route cannot be simulated (a plugin exchange type, or an alternate exchange that is not known), so more queues may receive the message.</div>` : nothing}
          </div>
          ${
            r.mayReceive.length
              ? html`<h2>May also receive (uncertain)</h2>
                <div class="muted">The topology read from the management API cannot settle these: each may or may not receive the message, for the reasons given.${r.mayBeUnroutable ? ' Whether a mandatory publish is returned (312 NO_ROUTE) depends on them too.' : ''}</div>
                <table class="fields" id="live-maybe">
                  ${r.mayReceive.map(
                    (m) => html`<tr data-kind=${m.kind}>
                      <td><span class="badge warn">maybe</span></td>
                      <td class="mono" style="white-space: nowrap">${m.kind === 'direct-reply-to' ? 'reply-to ' : ''}${m.destination}</td>
                      <td class="muted">${m.reasons.join('; ')}</td>
                    </tr>`,
                  )}
                </table>`
              : nothing
          }
          <h2>Bindings of ${r.exchange === '' ? '(AMQP default)' : r.exchange}</h2>
          <table class="fields">
            ${r.bindings.map(
              (b) => html`<tr>
                <td>${b.outcome === 'yes' ? html`<span class="badge ok">match</span>` : b.outcome === 'maybe' ? html`<span class="badge warn">maybe</span>` : html`<span class="badge">no</span>`}</td>
                <td class="mono" style="white-space: nowrap">${b.criteria}</td>
                <td style="white-space: nowrap">→ ${b.destinationType === 'exchange' ? 'exchange ' : ''}${b.destination}</td>
                <td class="muted">${b.reason}</td>
              </tr>`,
            )}
          </table>
          <h2>Route</h2>
          <pre class="body">${r.steps.join('\n')}</pre>`
        : nothing
    }`;
}

function page() {
  const t = app.target;
  return html`<h1>Routing-key tester</h1>
      <div class="subtitle">${t ? `${t.profileName} · vhost ${t.vhost}` : ''} ${app.connectionBadge()}</div>
      <div class="toolbar">
        <vscode-radio-group .value=${view.tab} @change=${(e: Event) => ((view.tab = value(e) as View['tab']), persist(), draw(), view.tab === 'live' && routeSoon())}>
          <vscode-radio name="tab" value="offline" ?checked=${view.tab === 'offline'}>Pattern vs keys (offline)</vscode-radio>
          <vscode-radio name="tab" value="live" ?checked=${view.tab === 'live'}>Live: route through this vhost's bindings</vscode-radio>
        </vscode-radio-group>
      </div>
      ${app.banners()}
      ${view.tab === 'offline' ? offline() : live()}`;
}

app.start({
  persist: (target) => ({
    target,
    tab: view.tab,
    pattern: view.pattern,
    keys: view.keys,
    live: { exchange: view.exchange, routingKey: view.routingKey, headers: view.headers },
  }),
  view: page,
  retarget: (target) => {
    if (target.exchange !== undefined) view.exchange = target.exchange;
    view.route = undefined;
  },
  on: {
    init: (msg) => {
      view.exchanges = msg.exchanges;
      app.error = undefined;
      if (msg.target.exchange && !saved?.live) view.exchange = msg.target.exchange;
      if (view.tab === 'live') routeSoon();
    },
    route: (msg) => {
      view.route = msg.view;
      app.error = undefined;
    },
  },
});
