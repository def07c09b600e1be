import { requestId, type Numbered } from './common';
import { literal, object, str } from './validate';

/**
 * Server-side pickers (exchange / queue): the webview sends what was typed, the host asks the
 * management API for one page of names containing it (name=<text>&use_regex=false), so the
 * webview never holds (nor draws) a whole vhost's list, however big.
 */
export type PickerKind = 'exchange' | 'queue';

/**
 * How many matches a picker shows; beyond that it says "N more — type to narrow". The select's
 * dropdown (vscode-elements) is not virtualized: on every key it filters and redraws each option
 * it holds, so a key costs in proportion to this page (bench:ui: 100 options made a key over
 * 1,000 exchanges 1.58× a key over 10 on 3.10.8). 50 is more than the dropdown shows at once.
 */
export const PICKER_PAGE = 50;
/** Typing pauses this long before a search goes to the host. */
export const PICKER_DEBOUNCE_MS = 150;

export interface PickerItem {
  name: string;
  type: string;
}

export interface PickerMatches {
  kind: PickerKind;
  text: string;
  /** At most PICKER_PAGE, in the broker's (name) order. */
  items: PickerItem[];
  /** How many names contain the text (the API's filtered_count). */
  matched: number;
  /** How many there are in the vhost (total_count). */
  total: number;
}

export type PickerSearch = { type: 'pickerSearch'; kind: PickerKind; text: string } & Numbered;
export type PickerReply = { type: 'pickerMatches' } & PickerMatches & Numbered;

export const checkPickerSearch = object({ kind: literal<PickerKind>('exchange', 'queue'), text: str, requestId });

/** What a picker draws from an answer: its options, its counts and the text its hint names. */
export type PickerShown = Pick<PickerMatches, 'items' | 'matched' | 'total' | 'text'>;

/**
 * Whether an answer would draw exactly what the picker shows: the same names and types in the
 * same order, the same counts, and the same hint. Then the webview skips its redraw.
 */
export function samePickerMatches(a: PickerShown, b: PickerShown): boolean {
  return (
    a.matched === b.matched &&
    a.total === b.total &&
    a.items.length === b.items.length &&
    a.items.every((x, i) => x.name === b.items[i]!.name && x.type === b.items[i]!.type) &&
    pickerHint(a) === pickerHint(b)
  );
}

/** "Showing 100 of 10,000 — type to narrow" (nothing when every match is shown). */
export function pickerHint(m: Pick<PickerMatches, 'items' | 'matched' | 'text'>): string | undefined {
  const more = m.matched - m.items.length;
  if (more <= 0) return undefined;
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(more)} more${m.text ? ` containing “${m.text}”` : ''} — type to narrow`;
}
