import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samePickerMatches, type PickerMatches } from '../../src/protocol/picker';
import { ServerPicker } from '../../webview/lib/serverPicker';

const page = (names: string[], type = 'direct') => names.map((name) => ({ name, type }));
const answer = (over: Partial<PickerMatches>): PickerMatches => ({
  kind: 'exchange',
  text: '',
  items: page(['a', 'b']),
  matched: 2,
  total: 2,
  ...over,
});

test('samePickerMatches: equal names, types, order and counts with the same hint', () => {
  assert.ok(samePickerMatches(answer({}), answer({})));
  // Every match is shown: no hint, so the text makes no difference.
  assert.ok(samePickerMatches(answer({ text: 'a' }), answer({ text: 'b' })));
  // A fresh copy of the same page is equal (the host sends new arrays).
  assert.ok(samePickerMatches(answer({ items: page(['a', 'b']) }), answer({ items: page(['a', 'b']) })));
});

test('samePickerMatches: any change the picker would show is a difference', () => {
  const base = answer({});
  assert.ok(!samePickerMatches(base, answer({ items: page(['a']) })), 'fewer options');
  assert.ok(!samePickerMatches(base, answer({ items: page(['a', 'c']) })), 'another name');
  assert.ok(!samePickerMatches(base, answer({ items: page(['b', 'a']) })), 'another order');
  assert.ok(!samePickerMatches(base, answer({ items: page(['a', 'b'], 'topic') })), 'another type');
  assert.ok(!samePickerMatches(base, answer({ total: 3 })), 'another total');
  assert.ok(!samePickerMatches(answer({ matched: 5 }), answer({ matched: 6 })), 'another count of matches');
  // Same page and counts, but the hint names the text: "3 more containing “e”" is not "… “ex”".
  const more = { items: page(['a', 'b']), matched: 5, total: 9 };
  assert.ok(!samePickerMatches({ ...more, text: 'e' }, { ...more, text: 'ex' }));
  assert.ok(samePickerMatches({ ...more, text: 'ex' }, { ...more, text: 'ex' }));
});

test('ServerPicker.accept: an answer equal to what is shown is not taken (no redraw)', () => {
  const searches: string[] = [];
  const picker = new ServerPicker('exchange', (_kind, text) => searches.push(text), true);
  picker.seed(page(['a', 'b']));
  assert.deepEqual(searches, ['']);
  // The seed holds the first page; the first answer brings the counts.
  assert.equal(picker.accept(answer({ matched: 2, total: 2 })), false, 'the seed already shows it');
  assert.equal(picker.accept(answer({ matched: 60, total: 60 })), true, 'the counts are new');
  assert.equal(picker.matched, 60);
  const items = picker.items;
  assert.equal(picker.accept(answer({ matched: 60, total: 60 })), false, 'the same answer again');
  assert.equal(picker.items, items, 'the shown page is kept as it is');
  assert.equal(picker.accept(answer({ items: page(['b']), matched: 1, total: 60, text: 'b' })), true);
  assert.deepEqual(
    picker.items.map((x) => x.name),
    ['b'],
  );
  assert.equal(picker.shownText, 'b');
  // Another kind's answer is never taken.
  assert.equal(picker.accept(answer({ kind: 'queue', items: page(['q']) })), false);
  assert.deepEqual(
    picker.items.map((x) => x.name),
    ['b'],
  );
});

test("ServerPicker: the hint names the answer's text, not text typed since", () => {
  const picker = new ServerPicker('queue', () => undefined);
  picker.seed([]);
  picker.accept({ kind: 'queue', text: 'or', items: page(['order-1', 'order-2'], ''), matched: 7, total: 700 });
  picker.text = 'ord'; // typed and sent, not answered yet
  const hint = picker.hint('more') as { values: unknown[] };
  assert.deepEqual(hint.values.slice(-1), ['5 more containing “or” — type to narrow']);
  // Same page and counts for "ord": the hint's text changes, so it is drawn.
  assert.equal(
    picker.accept({ kind: 'queue', text: 'ord', items: page(['order-1', 'order-2'], ''), matched: 7, total: 700 }),
    true,
  );
  assert.deepEqual((picker.hint('more') as { values: unknown[] }).values.slice(-1), [
    '5 more containing “ord” — type to narrow',
  ]);
});
