/**
 * The header rows of the publish and RPC forms: name, AMQP type (every FieldType), value, and an
 * inline error per row. Values are rendered as text only.
 */
import { html, nothing } from 'lit';
import type { HeaderRow } from '../../src/protocol/publish';
import { ROW_PLACEHOLDERS, ROW_TYPES, ROW_TYPE_LABELS, isFieldType, parseRowValue } from '../../src/core/headerRows';
import { hasTemplateVars } from '../../src/core/templateVars';

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** The row's problem, checked as the host will check it; rows with template variables are checked per message by the host. */
export function headerRowError(row: HeaderRow, index: number): string | undefined {
  const name = row.name.trim();
  if (name === '' && row.value.trim() === '') return undefined;
  if (hasTemplateVars(row.value)) return undefined;
  const where = `Header ${index + 1}${name ? ` '${name}'` : ''}`;
  if (name === '') return `${where}: the name is empty`;
  const r = parseRowValue(row.type, row.value, where);
  return r.ok ? undefined : r.error;
}

/**
 * The rows, a type dropdown each, and "Add header". `update` applies a change to the rows (and
 * persists and redraws).
 */
export function headerRowsEditor(rows: HeaderRow[], update: (mutate: (rows: HeaderRow[]) => void) => void) {
  return html`${rows.map((h, i) => {
    const error = headerRowError(h, i);
    return html`<div class="toolbar header-row" data-index=${i}>
          <vscode-textfield class="header-name" placeholder="name" .value=${h.name} @input=${(e: Event) => update((r) => (r[i].name = value(e)))}></vscode-textfield>
          <vscode-single-select class="header-type" title="AMQP type" .value=${h.type} @change=${(e: Event) => {
            const t = value(e);
            if (isFieldType(t)) update((r) => (r[i].type = t));
          }}>
            ${ROW_TYPES.map((t) => html`<vscode-option value=${t}>${ROW_TYPE_LABELS[t]}</vscode-option>`)}
          </vscode-single-select>
          ${
            h.type === 'void'
              ? html`<span class="muted">no value</span>`
              : html`<vscode-textfield class="header-value" placeholder=${ROW_PLACEHOLDERS[h.type]} .value=${h.value} @input=${(e: Event) => update((r) => (r[i].value = value(e)))}></vscode-textfield>`
          }
          <vscode-button secondary @click=${() => update((r) => r.splice(i, 1))}>Remove</vscode-button>
        </div>
        ${error ? html`<div class="banner error header-error" role="alert">${error}</div>` : nothing}`;
  })}
    <vscode-button secondary @click=${() => update((r) => r.push({ name: '', type: 'string', value: '' }))}>Add header</vscode-button>`;
}
