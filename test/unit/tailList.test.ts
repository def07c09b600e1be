import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageRing } from '../../src/core/messageRing';
import { MAX_WINDOW_ROWS, TailList, listBatching } from '../../src/core/tailList';
import { createFilter } from '../../src/core/messageFilter';

const enc = new TextEncoder();

/** A ring with messages k1..kN (routing key = body), all handed to the list. */
function setup(
  n: number,
  maxMessages = 1000,
): { ring: MessageRing; list: TailList; push: (count: number, add?: boolean) => void } {
  const ring = new MessageRing({ maxMessages, maxBytes: 1 << 20 });
  const list = new TailList();
  list.attach(ring);
  const push = (count: number, add = true) => {
    const first = ring.lastSeq() + 1;
    for (let i = 0; i < count; i++) {
      const seq = ring.lastSeq() + 1;
      const key = seq % 2 === 0 ? `even.${seq}` : `odd.${seq}`;
      ring.push('ex', key, false, {}, enc.encode(`{"n":${seq}}`), 1000 + seq);
    }
    if (add) list.add(first, ring.lastSeq());
  };
  push(n);
  return { ring, list, push };
}
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

test('following the end: the window is the last `count` rows, with the total', () => {
  const { list } = setup(100);
  const w = list.window({ from: 0, count: 10, follow: true });
  assert.equal(w.total, 100);
  assert.equal(w.from, 90);
  assert.deepEqual(ids(w.rows), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  assert.equal(w.rows[0]!.preview, '{ "n": 91 }');
  assert.equal(w.rows[0]!.kind, 'json');
  assert.equal(w.rows[0]!.routingKey, 'odd.91');
});

test('a scrolled window starts where asked, clamped to the list', () => {
  const { list } = setup(100);
  assert.deepEqual(ids(list.window({ from: 5, count: 3, follow: false }).rows), [6, 7, 8]);
  const past = list.window({ from: 500, count: 10, follow: false });
  assert.equal(past.from, 90, 'a window past the end shows the last rows');
  assert.deepEqual(ids(past.rows), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  const small = setup(3).list.window({ from: 0, count: 50, follow: false });
  assert.deepEqual([small.total, small.from, ids(small.rows)], [3, 0, [1, 2, 3]]);
});

test('hostile or broken view requests are clamped: no negative, NaN or huge windows', () => {
  const { list } = setup(2000, 5000);
  assert.equal(list.window({ from: 0, count: 1e9, follow: true }).rows.length, MAX_WINDOW_ROWS);
  assert.equal(list.window({ from: -5, count: 3, follow: false }).from, 0);
  const nan = list.window({ from: Number.NaN, count: Number.NaN, follow: false });
  assert.deepEqual([nan.from, nan.rows.length], [0, 0]);
  assert.equal(list.window({ from: 1.7, count: 2.9, follow: false }).rows.length, 2);
});

test('the list ends at the last batch handed over: a paused tail keeps buffering without moving the list', () => {
  const { ring, list, push } = setup(10);
  push(5, false); // received while paused: in the ring, not yet given to the list
  assert.equal(ring.lastSeq(), 15);
  assert.equal(list.length, 10);
  assert.deepEqual(ids(list.window({ from: 0, count: 3, follow: true }).rows), [8, 9, 10]);
  list.add(11, 15); // resumed
  assert.deepEqual(ids(list.window({ from: 0, count: 3, follow: true }).rows), [13, 14, 15]);
});

test('messages leaving the buffer leave the list (and the indexes move with them)', () => {
  const { list, push } = setup(10, 10);
  push(5);
  assert.equal(list.length, 10);
  assert.deepEqual(ids(list.window({ from: 0, count: 2, follow: false }).rows), [6, 7]);
});

test('a filter lists only matching messages, from the buffer and from new batches; matches that leave the buffer go', () => {
  const { list, push } = setup(10, 20);
  list.setFilter(createFilter('even'));
  assert.ok(list.filtered);
  assert.equal(list.length, 5);
  assert.deepEqual(ids(list.window({ from: 0, count: 100, follow: true }).rows), [2, 4, 6, 8, 10]);
  push(20); // seqs 11..30; the buffer keeps 11..30
  assert.equal(list.length, 10);
  assert.deepEqual(ids(list.window({ from: 0, count: 3, follow: false }).rows), [12, 14, 16]);
  assert.deepEqual(
    list.messages().map((m) => m.seq),
    [12, 14, 16, 18, 20, 22, 24, 26, 28, 30],
  );
  list.setFilter(undefined);
  assert.equal(list.length, 20);
  assert.equal(list.filtered, false);
});

test('settled marks show on rows, survive a window change, and go with clear()', () => {
  const { ring, list } = setup(5);
  list.markSettled(3, 'acked');
  list.markSettled(4, 'rejected');
  const rows = list.window({ from: 0, count: 5, follow: false }).rows;
  assert.deepEqual(
    rows.map((r) => r.settled),
    [undefined, undefined, 'acked', 'rejected', undefined],
  );
  assert.equal(list.settledOf(3), 'acked');
  ring.clear();
  list.clear();
  assert.equal(list.length, 0);
  assert.equal(list.settledOf(3), undefined);
  assert.deepEqual(list.window({ from: 0, count: 5, follow: true }), { total: 0, from: 0, rows: [] });
});

test('attach() lists a new tail from scratch; an empty list has an empty window', () => {
  const list = new TailList();
  assert.deepEqual(list.window({ from: 0, count: 5, follow: true }), { total: 0, from: 0, rows: [] });
  const { ring } = setup(4);
  list.markSettled(1, 'acked');
  list.attach(ring);
  assert.equal(list.length, 4);
  assert.equal(list.settledOf(1), undefined);
});

test('buffered counts what the ring holds, whichever bound dropped the rest, filter or not', () => {
  const { ring, list, push } = setup(5, 3);
  assert.equal(list.buffered, 3);
  list.setFilter(createFilter('even'));
  assert.equal(list.buffered, 3);
  ring.clear();
  list.clear();
  assert.equal(list.buffered, 0);
  push(2);
  assert.equal(list.buffered, 2);
  // a byte bound: 3 bodies of 400 B in 1,000 B keep 2 (not min(received, maxMessages) = 3)
  const small = new MessageRing({ maxMessages: 100, maxBytes: 1000, chunkBytes: 100 });
  const l2 = new TailList();
  l2.attach(small);
  for (let i = 0; i < 3; i++) small.push('ex', 'k', false, {}, new Uint8Array(400), 1);
  assert.equal(l2.buffered, 2);
  assert.equal(new TailList().buffered, 0);
});

test('windowMessage is the panel post: rows, total, stats and whether a filter is on', () => {
  const { list } = setup(3);
  const stats = { received: 3, dropped: 0, ratePerSec: 1, buffered: 3 };
  const msg = list.windowMessage({ from: 0, count: 2, follow: true }, stats);
  assert.equal(msg.type, 'window');
  assert.deepEqual([msg.total, msg.from, ids(msg.rows), msg.filtered], [3, 1, [2, 3], false]);
  assert.equal(msg.stats, stats);
  // What crosses to the webview is plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(msg)), msg);
});

test('the panel batches by time only, never by size beyond its buffer', () => {
  assert.deepEqual(listBatching(10_000), { flushIntervalMs: 100, maxBatch: 10_000 });
});
