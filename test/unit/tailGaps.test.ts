import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageRing } from '../../src/core/messageRing';
import {
  TailList,
  entriesToNdjson,
  formatGapSeconds,
  gapText,
  type GapMarker,
  type TailBuffer,
} from '../../src/core/tailList';
import { parseExported } from '../../src/core/messageExport';
import { createFilter } from '../../src/core/messageFilter';

const enc = new TextEncoder();

/** A ring (messages k1..kN, routing key even.N / odd.N) with gap markers, as QueueTail exposes them. */
function setup(n: number, maxMessages = 1000) {
  const ring = new MessageRing({ maxMessages, maxBytes: 1 << 20 });
  let gaps: GapMarker[] = [];
  let ids = 0;
  const buffer: TailBuffer = {
    firstSeq: () => ring.firstSeq(),
    lastSeq: () => ring.lastSeq(),
    get: (s) => ring.get(s),
    gaps: () => (gaps = gaps.filter((g) => g.afterSeq >= ring.firstSeq() - 1)),
  };
  const list = new TailList();
  list.attach(buffer);
  const push = (count: number, add = true) => {
    const first = ring.lastSeq() + 1;
    for (let i = 0; i < count; i++) {
      const seq = ring.lastSeq() + 1;
      ring.push('ex', seq % 2 === 0 ? `even.${seq}` : `odd.${seq}`, false, {}, enc.encode(`m${seq}`), 1000 + seq);
    }
    if (add) list.add(first, ring.lastSeq());
  };
  const gap = (durationMs = 7500) => {
    gaps.push({
      id: ++ids,
      afterSeq: ring.lastSeq(),
      lostAt: 10_000,
      resumedAt: 10_000 + durationMs,
      durationMs,
      text: gapText(durationMs),
    });
  };
  push(n);
  return { ring, list, push, gap };
}

/** Row labels: message seqs, and 'G1', 'G2'… for gap markers. */
const labels = (rows: { id: number; gap?: unknown }[]) => rows.map((r) => (r.gap ? `G${-r.id}` : r.id));

test('the gap text gives the duration with one decimal', () => {
  assert.equal(gapText(7500), 'reconnected: messages published during the 7.5 s gap were not seen');
  assert.equal(formatGapSeconds(1234), '1.2 s');
  assert.equal(formatGapSeconds(12), '0.1 s', 'never "0.0 s"');
  assert.equal(formatGapSeconds(61_000), '61.0 s');
});

test('a gap marker is a row after the message it follows, counted apart from messages', () => {
  const { list, push, gap } = setup(3);
  gap();
  push(2);
  assert.equal(list.length, 6);
  assert.equal(list.gapCount, 1);
  assert.equal(list.messages().length, 5, 'messages() lists messages only');
  const w = list.window({ from: 0, count: 10, follow: false });
  assert.deepEqual(labels(w.rows), [1, 2, 3, 'G1', 4, 5]);
  const g = w.rows[3]!;
  assert.equal(g.preview, 'reconnected: messages published during the 7.5 s gap were not seen');
  assert.deepEqual(g.gap, { lostAt: 10_000, durationMs: 7500 });
  assert.ok(g.id < 0);
});

test('a gap marker shows at once at the end of the list, before any new message', () => {
  const { list, gap } = setup(2);
  gap(300);
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: true }).rows), [1, 2, 'G1']);
});

test('windows scroll over gap markers: indexes count them as rows', () => {
  const { list, push, gap } = setup(5);
  gap();
  push(5);
  gap(1000);
  gap(2000); // two reconnects with nothing in between
  push(5);
  // 1..5 G1 6..10 G2 G3 11..15
  assert.equal(list.length, 18);
  assert.deepEqual(labels(list.window({ from: 4, count: 3, follow: false }).rows), [5, 'G1', 6]);
  assert.deepEqual(labels(list.window({ from: 10, count: 4, follow: false }).rows), [10, 'G2', 'G3', 11]);
  assert.deepEqual(labels(list.window({ from: 0, count: 3, follow: true }).rows), [13, 14, 15]);
  const all = labels(list.window({ from: 0, count: 100, follow: false }).rows);
  assert.deepEqual(all, [1, 2, 3, 4, 5, 'G1', 6, 7, 8, 9, 10, 'G2', 'G3', 11, 12, 13, 14, 15]);
  // Every window of 3 agrees with the whole list.
  for (let from = 0; from <= 15; from++)
    assert.deepEqual(
      labels(list.window({ from, count: 3, follow: false }).rows),
      all.slice(from, from + 3),
      `from ${from}`,
    );
});

test('with a filter, gap markers stay in the list between the matching messages', () => {
  const { list, push, gap } = setup(4);
  gap();
  push(4);
  list.setFilter(createFilter('even'));
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [2, 4, 'G1', 6, 8]);
  assert.equal(list.length, 5);
  assert.equal(list.gapCount, 1);
  list.setFilter(createFilter('nothing matches'));
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), ['G1']);
});

test('a paused list shows a marker only once the messages before it are listed', () => {
  const { list, push, gap } = setup(2);
  push(2, false); // buffered while paused
  gap();
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [1, 2]);
  list.add(3, 4);
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [1, 2, 3, 4, 'G1']);
});

test('markers leave with the messages before them (the one right before the first buffered message stays)', () => {
  const { list, push, gap } = setup(3, 5);
  gap();
  push(2); // 1..5, G after 3
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [1, 2, 3, 'G1', 4, 5]);
  push(3); // ring keeps 4..8: G1 (after 3) sits at the top
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), ['G1', 4, 5, 6, 7, 8]);
  push(1); // 5..9: message 4 left, and G1 with it
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [5, 6, 7, 8, 9]);
  assert.equal(list.gapCount, 0);
});

test('the NDJSON export has a {"gap": …} line in order among the messages, and reading it back skips it', () => {
  const { list, push, gap } = setup(2);
  gap(7500);
  push(1);
  const nd = list.toNdjson();
  const lines = nd
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.map((l) => (l.gap ? 'gap' : l.bodyText)),
    ['m1', 'm2', 'gap', 'm3'],
  );
  assert.deepEqual(lines[2], {
    gap: {
      lostAt: new Date(10_000).toISOString(),
      resumedAt: new Date(17_500).toISOString(),
      durationMs: 7500,
      text: 'reconnected: messages published during the 7.5 s gap were not seen',
    },
  });
  assert.equal(entriesToNdjson(list.entries()), nd);
  const back = parseExported(nd);
  assert.ok(back.ok);
  assert.deepEqual(
    back.messages.map((m) => new TextDecoder().decode(m.body)),
    ['m1', 'm2', 'm3'],
  );
});

test('a list without gaps (or a buffer without gaps()) is unchanged', () => {
  const ring = new MessageRing({ maxMessages: 10, maxBytes: 1 << 20 });
  for (let i = 0; i < 3; i++) ring.push('ex', 'k', false, {}, enc.encode('x'), 0);
  const list = new TailList();
  list.attach(ring);
  assert.equal(list.length, 3);
  assert.equal(list.gapCount, 0);
  assert.deepEqual(labels(list.window({ from: 0, count: 10, follow: false }).rows), [1, 2, 3]);
});
