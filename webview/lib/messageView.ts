import { html, nothing, type TemplateResult } from 'lit';
import type { DisplayField, DisplayMessage } from '../../src/protocol/common';

/**
 * Renders one message. Every piece of message content goes through Lit text bindings,
 * which set text, never HTML: a body like <img src=x onerror=…> shows as those characters.
 */
export function fieldsTable(fields: DisplayField[], withTypes = false): TemplateResult | typeof nothing {
  if (fields.length === 0) return nothing;
  return html`<table class="fields">
    ${fields.map(
      (f) => html`<tr>
        <td class="name">${f.name}</td>
        ${withTypes ? html`<td class="type">${f.type ?? ''}</td>` : nothing}
        <td>${f.value}</td>
      </tr>`,
    )}
  </table>`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function messageHead(m: DisplayMessage, index?: number): TemplateResult {
  return html`${index !== undefined ? html`<span class="muted">#${index + 1}</span>` : nothing}
    <span class="rk">${m.routingKey === '' ? '(empty routing key)' : m.routingKey}</span>
    <span class="muted">via ${m.exchange === '' ? '(AMQP default)' : m.exchange}</span>
    ${m.redelivered ? html`<span class="badge warn" title="The broker delivered this message before">redelivered</span>` : nothing}
    <span class="badge">${m.body.kind}</span>
    <span class="muted">${formatSize(m.size)}</span>`;
}

export function messageBody(m: DisplayMessage, onOpenFull?: () => void): TemplateResult {
  return html`<pre class="body ${m.body.kind}">${m.body.text}</pre>
    ${
      m.body.truncated
        ? html`<div class="muted">
          Showing the first part of a ${formatSize(m.size)} body.
          ${onOpenFull ? html`<vscode-button secondary @click=${onOpenFull}>Open full body in editor</vscode-button>` : nothing}
        </div>`
        : nothing
    }`;
}

export function messageDetails(m: DisplayMessage, onOpenFull?: () => void): TemplateResult {
  return html`${fieldsTable(m.properties)}
    ${m.headers.length ? html`<h2>Headers</h2>${fieldsTable(m.headers, true)}` : nothing}
    ${
      m.deaths.length
        ? html`<h2>Dead-lettered (x-death)</h2>
          ${m.deaths.map((rows) => fieldsTable(rows))}`
        : nothing
    }
    <h2>Body</h2>
    ${messageBody(m, onOpenFull)}`;
}
