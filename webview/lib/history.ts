import { html, nothing, type TemplateResult } from 'lit';

/** The "History" section of the publish and RPC panels: one row per recent request, newest first. */
export function historySection<E extends { at: number; outcome: string }>(
  history: E[],
  row: (entry: E) => { when: string; what: string; actions: TemplateResult },
  empty?: string,
): TemplateResult {
  return html`<vscode-collapsible title="History" description=${`${history.length} recent`}>
    <div style="padding: 8px">
      ${history.length === 0 && empty ? html`<div class="muted">${empty}</div>` : nothing}
      ${history.map((h) => {
        const r = row(h);
        return html`<div class="toolbar">
          <span class="muted">${r.when}</span>
          <span class="mono">${r.what}</span>
          <span class="muted">${h.outcome}</span>
          ${r.actions}
        </div>`;
      })}
    </div>
  </vscode-collapsible>`;
}
