/**
 * Windowing for long lists in the webviews: only the rows in (or near) the viewport are rendered,
 * the others are stood in for by padding above and below. Rows have a known or estimated height
 * (collapsed rows share one height; expanded ones are measured once drawn).
 */

/** Prefix sums of the heights: offsets[i] is the top of row i, offsets[n] the total height. */
export function rowOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i]! + Math.max(0, heights[i]!);
  return offsets;
}

/** The index of the row that contains `y` (clamped to 0..n-1; -1 for an empty list). */
export function rowAt(offsets: readonly number[], y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return -1;
  if (y <= 0) return 0;
  if (y >= offsets[n]!) return n - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface VisibleRange {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
  /** Space that stands in for the rows before `start`. */
  padTop: number;
  /** Space that stands in for the rows from `end` on. */
  padBottom: number;
}

/**
 * The rows to render for a viewport of `viewport` pixels whose top is `scrollTop` pixels into the
 * list, plus `overscan` rows on each side (so that scrolling rarely shows blank space).
 */
export function visibleRange(
  offsets: readonly number[],
  scrollTop: number,
  viewport: number,
  overscan: number,
): VisibleRange {
  const n = offsets.length - 1;
  const total = n > 0 ? offsets[n]! : 0;
  if (n <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const top = Math.max(0, Math.min(scrollTop, total));
  const first = rowAt(offsets, top);
  const last = rowAt(offsets, top + Math.max(0, viewport));
  const start = Math.max(0, first - Math.max(0, overscan));
  const end = Math.min(n, last + 1 + Math.max(0, overscan));
  return { start, end, padTop: offsets[start]!, padBottom: total - offsets[end]! };
}

/**
 * Where to scroll so that row `index` is fully visible (the current scrollTop when it already is):
 * for keyboard navigation through rows that may not be rendered.
 */
export function scrollToShow(offsets: readonly number[], index: number, scrollTop: number, viewport: number): number {
  const n = offsets.length - 1;
  if (index < 0 || index >= n) return scrollTop;
  const top = offsets[index]!;
  const bottom = offsets[index + 1]!;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.min(top, bottom - viewport);
  return scrollTop;
}
