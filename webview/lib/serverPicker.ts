import { html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import {
  PICKER_DEBOUNCE_MS,
  pickerHint,
  samePickerMatches,
  type PickerItem,
  type PickerKind,
  type PickerMatches,
} from '../../src/protocol/picker';
import { toOptionValue } from './exchangeSelect';

/**
 * The options of a combobox vscode-single-select that searches the server: typing (debounced)
 * asks the host for one page of names containing the text, so the select never holds more than
 * a page (PICKER_PAGE) of options, however many exchanges or queues the vhost has. The select's
 * own (fuzzy) filter still narrows the page as the user types, before the server's answer arrives.
 */
export class ServerPicker {
  items: PickerItem[] = [];
  matched = 0;
  total = 0;
  /** What was last sent to the host. */
  text = '';
  /** The text of the answer shown (the hint names it: its counts are for that text). */
  shownText = '';
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `search` sends { type: 'pickerSearch', kind, text } (a numbered request); `withDefault` adds
   * the default exchange ('') to an exchange picker whatever the text.
   */
  constructor(
    private readonly kind: PickerKind,
    private readonly search: (kind: PickerKind, text: string) => void,
    private readonly withDefault = false,
  ) {}

  /** The first page, as the panel's init message brought it (the counts come with the first search). */
  seed(items: PickerItem[]): void {
    this.items = items;
    this.matched = this.total = items.length;
    this.search(this.kind, this.text);
  }

  /** `@input` on the vscode-single-select: the combobox's text field bubbles its input events. */
  readonly onInput = (e: Event): void => {
    const input = e.composedPath()[0];
    if (!(input instanceof HTMLInputElement)) return;
    const text = input.value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (text === this.text) return;
      this.text = text;
      this.search(this.kind, text);
    }, PICKER_DEBOUNCE_MS);
  };

  /**
   * The host's answer (stale ones are already dropped by their requestId). False when it changes
   * nothing the picker shows (same options, counts and hint): then the panel skips its redraw (the
   * whole page's render, for nothing new).
   */
  accept(m: PickerMatches): boolean {
    if (m.kind !== this.kind) return false;
    if (samePickerMatches(this.shown(), m)) return false;
    this.items = m.items;
    this.matched = m.matched;
    this.total = m.total;
    this.shownText = m.text;
    return true;
  }

  private shown() {
    return { items: this.items, matched: this.matched, total: this.total, text: this.shownText };
  }

  /** Options for the select: the page, plus the selected name (and the default exchange) when missing. */
  /**
   * The selected option is marked `selected`: the select re-reads its options' state whenever they
   * change (slotchange), and would otherwise lose its value when a search brings new options.
   */
  options(
    selected: string | undefined,
    render: (item: PickerItem, selected: boolean) => TemplateResult,
  ): TemplateResult {
    const items = this.items.filter((x) => this.withDefault || x.name !== '');
    const extra: PickerItem[] = [];
    if (this.withDefault && !items.some((x) => x.name === '')) extra.push({ name: '', type: 'direct' });
    if (selected !== undefined && (selected !== '' || this.withDefault) && !items.some((x) => x.name === selected))
      if (!extra.some((x) => x.name === selected)) extra.push({ name: selected, type: '' });
    return html`${repeat(
      [...extra, ...items],
      (x) => x.name,
      (x) => render(x, x.name === selected),
    )}`;
  }

  /** "N more — type to narrow" next to the select, when the page does not hold every match. */
  hint(id: string): TemplateResult | typeof nothing {
    const text = pickerHint(this.shown());
    return text ? html`<span class="muted picker-hint" id=${id}>${text}</span>` : nothing;
  }
}

/** An exchange option (the default exchange as amq.default, see exchangeSelect.ts). */
export const exchangeOption = (x: PickerItem, selected: boolean): TemplateResult =>
  html`<vscode-option value=${toOptionValue(x.name)} description=${x.type} .selected=${selected}>${x.name === '' ? '(AMQP default)' : x.name}</vscode-option>`;
