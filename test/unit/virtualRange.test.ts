import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowAt, rowOffsets, scrollToShow, visibleRange } from '../../src/core/virtualRange';

test('rowOffsets: prefix sums, negative heights count as 0', () => {
  assert.deepEqual(rowOffsets([]), [0]);
  assert.deepEqual(rowOffsets([10, 20, -5, 5]), [0, 10, 30, 30, 35]);
});

test('rowAt: the row containing y, clamped', () => {
  const o = rowOffsets([10, 20, 30]);
  assert.equal(rowAt(rowOffsets([]), 5), -1);
  assert.equal(rowAt(o, -3), 0);
  assert.equal(rowAt(o, 0), 0);
  assert.equal(rowAt(o, 9.9), 0);
  assert.equal(rowAt(o, 10), 1);
  assert.equal(rowAt(o, 29), 1);
  assert.equal(rowAt(o, 30), 2);
  assert.equal(rowAt(o, 1000), 2);
});

test('visibleRange: empty list renders nothing', () => {
  assert.deepEqual(visibleRange(rowOffsets([]), 0, 500, 10), { start: 0, end: 0, padTop: 0, padBottom: 0 });
});

test('visibleRange: 1,000 fixed rows render only the viewport plus overscan, the padding stands in for the rest', () => {
  const o = rowOffsets(new Array<number>(1000).fill(30));
  const top = visibleRange(o, 0, 600, 5);
  assert.deepEqual(top, { start: 0, end: 26, padTop: 0, padBottom: (1000 - 26) * 30 });
  const mid = visibleRange(o, 15_000, 600, 5);
  assert.equal(mid.start, 495);
  assert.equal(mid.end, 526);
  assert.equal(mid.padTop, 495 * 30);
  assert.equal(mid.padTop + (mid.end - mid.start) * 30 + mid.padBottom, 30_000);
  const bottom = visibleRange(o, 1e9, 600, 5);
  assert.equal(bottom.end, 1000);
  assert.equal(bottom.padBottom, 0);
});

test('visibleRange: a tall (expanded) row is rendered while any part of it is in view', () => {
  const heights = new Array<number>(100).fill(30);
  heights[10] = 2000;
  const o = rowOffsets(heights);
  const r = visibleRange(o, 300 + 1500, 400, 0);
  assert.equal(r.start, 10);
  assert.equal(r.end, 11);
  const total = o[100]!;
  assert.equal(r.padTop + 2000 + r.padBottom, total);
});

test('visibleRange: negative scrollTop and viewport are clamped', () => {
  const o = rowOffsets([30, 30, 30]);
  assert.deepEqual(visibleRange(o, -50, -1, -2), { start: 0, end: 1, padTop: 0, padBottom: 60 });
});

test('scrollToShow: scrolls just enough to show a row, or not at all', () => {
  const o = rowOffsets(new Array<number>(100).fill(30));
  assert.equal(scrollToShow(o, 5, 0, 300), 0, 'already visible');
  assert.equal(scrollToShow(o, 20, 0, 300), 21 * 30 - 300, 'below: its bottom at the viewport bottom');
  assert.equal(scrollToShow(o, 2, 600, 300), 60, 'above: its top at the viewport top');
  assert.equal(scrollToShow(o, 200, 600, 300), 600, 'out of range: unchanged');
  const tall = rowOffsets([30, 1000, 30]);
  assert.equal(scrollToShow(tall, 1, 0, 300), 30, 'taller than the viewport: its top');
});
