import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  reconcileDuplicates,
  MoveLedger,
  describeMoveResult,
  describeTarget,
  nextBatchSize,
  parseMoveCount,
  queueTarget,
  ratePerSecond,
  sourceRefusal,
} from '../../src/core/messageMove';

test('a move settles a message only after confirm, ack and proof of the ack', () => {
  const l = new MoveLedger('move');
  const a = l.take();
  const b = l.take();
  const c = l.take();
  const d = l.take();
  l.sent(a);
  l.sent(b);
  l.sent(c);
  l.confirmed(a);
  l.confirmed(b);
  l.acked(a);
  l.settleAcked([a]);
  // a settled; b confirmed (not acked); c sent; d taken, never sent
  assert.deepEqual(l.result(), {
    taken: 4,
    done: 1,
    possibleDuplicates: 2,
    certainDuplicates: 1,
    returned: 1,
    skipped: 0,
    lost: 0,
  });
  l.acked(b);
  assert.equal(l.result().possibleDuplicates, 2, 'an ack without proof stays a possible duplicate');
  assert.equal(l.result().certainDuplicates, 0, 'it may or may not be back in the source');
  l.settleAcked([b]);
  assert.equal(l.result().done, 2);
  assert.deepEqual(l.indicesIn('sent'), [c]);
  assert.deepEqual(l.indicesIn('taken'), [d]);
});

test('an ack sent before the confirm counts as lost (the invariant the broker code keeps)', () => {
  const l = new MoveLedger('move');
  const a = l.take();
  l.sent(a);
  l.acked(a);
  assert.equal(l.result().lost, 1);
  assert.equal(l.state(a), 'sent');
});

test('a refused publish stays in the source; a copy is done on confirm', () => {
  const m = new MoveLedger('move');
  const a = m.take();
  m.sent(a);
  m.failed(a);
  assert.deepEqual(m.result(), {
    taken: 1,
    done: 0,
    possibleDuplicates: 0,
    certainDuplicates: 0,
    returned: 1,
    skipped: 0,
    lost: 0,
    duplicates: 0, // nothing in flight: none
  });
  const c = new MoveLedger('copy');
  const x = c.take();
  c.sent(x);
  c.confirmed(x);
  assert.equal(c.state(x), 'settled');
  assert.equal(c.result().done, 1);
  assert.equal(c.result().possibleDuplicates, 0);
  // a second confirm (or one for a message never sent) changes nothing
  c.confirmed(x);
  assert.equal(c.result().done, 1);
});

test('batches: a move takes full batches; a limited copy takes 1, 2, 4, … like peek', () => {
  assert.equal(nextBatchSize({ mode: 'move', remaining: 10_000, batch: 500, step: 0, limited: true }), 500);
  assert.equal(nextBatchSize({ mode: 'move', remaining: 120, batch: 500, step: 3, limited: false }), 120);
  assert.deepEqual(
    [0, 1, 2, 3, 9, 10].map((step) =>
      nextBatchSize({ mode: 'copy', remaining: 1000, batch: 500, step, limited: true }),
    ),
    [1, 2, 4, 8, 500, 500],
  );
  assert.equal(nextBatchSize({ mode: 'copy', remaining: 1000, batch: 500, step: 0, limited: false }), 500);
  assert.equal(nextBatchSize({ mode: 'copy', remaining: 0, batch: 500, step: 0, limited: false }), 0);
});

test('counts typed by people', () => {
  assert.equal(parseMoveCount('all'), 'all');
  assert.equal(parseMoveCount(' ALL '), 'all');
  assert.equal(parseMoveCount(''), 'all');
  assert.equal(parseMoveCount('10,000'), 10_000);
  assert.equal(parseMoveCount('10_000'), 10_000);
  assert.equal(parseMoveCount('0'), undefined);
  assert.equal(parseMoveCount('-3'), undefined);
  assert.equal(parseMoveCount('1.5'), undefined);
  assert.equal(parseMoveCount('ten'), undefined);
  assert.equal(parseMoveCount('99999999999999999999'), undefined);
});

test('targets, refusals, rate and the summary line', () => {
  assert.equal(describeTarget(queueTarget('q')), "queue 'q'");
  assert.equal(describeTarget({ exchange: 'x', routingKey: 'k' }), "exchange 'x' with routing key 'k'");
  assert.equal(describeTarget({ exchange: 'x', routingKey: '' }), "exchange 'x' (empty routing key)");
  assert.match(sourceRefusal('move', 'stream') ?? '', /cannot be moved out of a stream/);
  assert.equal(sourceRefusal('copy', 'stream'), undefined, 'a stream is copied by streamCopy.ts');
  assert.equal(sourceRefusal('move', 'quorum'), undefined);
  assert.equal(sourceRefusal('copy', 'classic'), undefined);
  assert.equal(ratePerSecond(500, 0), 0);
  assert.equal(ratePerSecond(500, 250), 2000);
  const text = describeMoveResult(
    'move',
    { taken: 5000, done: 4500, possibleDuplicates: 500, certainDuplicates: 12, returned: 0, skipped: 0, lost: 0 },
    'fault',
    'a',
    queueTarget('b'),
    2000,
    'The run stopped: connection lost.',
  );
  assert.match(text, /^Moved 4,500 messages from queue 'a' to queue 'b' \(2250 msg\/s\)/);
  assert.match(text, /500 possible duplicates .*12 certainly are/);
  assert.match(text, /lost: 0\./);
  assert.match(text, /The run stopped: connection lost\.$/);
  const cancelled = describeMoveResult(
    'copy',
    { taken: 3, done: 3, possibleDuplicates: 0, certainDuplicates: 0, returned: 0, skipped: 0, lost: 0 },
    'cancelled',
    'a',
    { exchange: 'x', routingKey: 'k' },
    0,
  );
  assert.equal(cancelled, "Copied 3 messages from queue 'a' to exchange 'x' with routing key 'k'; cancelled; lost: 0.");
});

test('skipped messages stay in the source and are counted apart', () => {
  const l = new MoveLedger('move');
  const a = l.take();
  const b = l.take();
  l.skipped(a);
  l.sent(b);
  l.confirmed(b);
  l.acked(b);
  l.settleAcked([b]);
  assert.deepEqual(l.result(), {
    taken: 2,
    done: 1,
    possibleDuplicates: 0,
    certainDuplicates: 0,
    returned: 1,
    skipped: 1,
    lost: 0,
    duplicates: 0, // nothing in flight: none
  });
  l.sent(a);
  assert.equal(l.state(a), 'skipped', 'a skipped message is never sent');
});

test('exact duplicates after a fault, from the queues depths', () => {
  const q = (messages: number, consumers = 0) => ({ messages, consumers });
  // 1,000 in the source; 400 settled, 50 acked (ack fate unknown), 30 confirmed, 20 sent (publish fate unknown).
  const base = {
    source: { name: 'src', before: q(1000), after: q(1000 - 400 - 50 + 10) },
    targets: [{ name: 'dst', before: q(7), after: q(7 + 400 + 50 + 30 + 5), sure: 480, open: 20 }],
    unknownTarget: 0,
    settled: 400,
    acked: 50,
    confirmed: 30,
  };
  // 10 of the acked ones are still in the source, 5 of the sent ones reached the target: 30 + 10 + 5.
  assert.deepEqual(reconcileDuplicates(base), { exact: true, duplicates: 45, ackedStillInSource: 10, sentArrived: 5 });
  // Nothing open: the confirmed ones are the duplicates.
  assert.deepEqual(
    reconcileDuplicates({
      ...base,
      source: { ...base.source, after: q(550) },
      targets: [{ ...base.targets[0], after: q(487) }],
    }),
    { exact: true, duplicates: 30, ackedStillInSource: 0, sentArrived: 0 },
  );
  // Two target queues (a replay): each queue's own arrivals.
  const two = reconcileDuplicates({
    ...base,
    targets: [
      { name: 'a', before: q(0), after: q(300 + 2), sure: 300, open: 5 },
      { name: 'b', before: q(1), after: q(1 + 180 + 3), sure: 180, open: 15 },
    ],
  });
  assert.deepEqual(two, { exact: true, duplicates: 45, ackedStillInSource: 10, sentArrived: 5 });

  const refused = (r: ReturnType<typeof reconcileDuplicates>) => (r.exact ? '' : r.why);
  assert.match(
    refused(reconcileDuplicates({ ...base, unknownTarget: 3 })),
    /3 messages went to a target that is not one known queue/,
  );
  assert.match(
    refused(reconcileDuplicates({ ...base, targets: [{ ...base.targets[0], after: q(600, 1) }] })),
    /queue 'dst' has consumers/,
  );
  assert.match(
    refused(reconcileDuplicates({ ...base, source: { ...base.source, before: q(1000, 2) } })),
    /'src' has consumers/,
  );
  // Another publisher on the target: more than the run can explain.
  assert.match(
    refused(reconcileDuplicates({ ...base, targets: [{ ...base.targets[0], after: q(7 + 480 + 21) }] })),
    /'dst' holds 508 messages, which the run alone cannot explain \(487–507\)/,
  );
  // Another consumer on the target: fewer than surely arrived.
  assert.match(
    refused(reconcileDuplicates({ ...base, targets: [{ ...base.targets[0], after: q(486) }] })),
    /cannot explain/,
  );
  // The source: more than every acked one back, or fewer than what surely went back.
  assert.match(
    refused(reconcileDuplicates({ ...base, source: { ...base.source, after: q(601) } })),
    /source holds 601/,
  );
  assert.match(
    refused(reconcileDuplicates({ ...base, source: { ...base.source, after: q(549) } })),
    /source holds 549/,
  );
  assert.match(
    refused(reconcileDuplicates({ ...base, targets: [{ ...base.targets[0], name: 'src' }] })),
    /source is also a target/,
  );
});

test('the summary gives the exact duplicates when they were counted, else the bounds and why', () => {
  const counts = {
    taken: 100,
    done: 50,
    possibleDuplicates: 50,
    certainDuplicates: 10,
    returned: 0,
    skipped: 0,
    lost: 0,
  };
  const exact = describeMoveResult('move', { ...counts, duplicates: 23 }, 'fault', 'a', queueTarget('b'), 0);
  assert.match(
    exact,
    /23 duplicates \(the connection failed while 50 messages were in flight; counted afterwards from the queues' depths: each is now both in the source and in the target\)/,
  );
  assert.doesNotMatch(exact, /possible/);
  assert.match(
    describeMoveResult('move', { ...counts, duplicates: 0 }, 'fault', 'a', queueTarget('b'), 0),
    /0 duplicates .*none is now both/,
  );
  const bounds = describeMoveResult(
    'move',
    { ...counts, duplicatesNote: 'the target is not a single queue' },
    'fault',
    'a',
    queueTarget('b'),
    0,
  );
  assert.match(
    bounds,
    /50 possible duplicates .* 10 certainly are; not counted exactly: the target is not a single queue\)/,
  );
});
