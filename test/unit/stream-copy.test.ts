import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeStreamCopyResult,
  describeStreamStart,
  parseStreamStart,
  planStreamCopy,
  resumeOffset,
  streamOffsetOf,
  withoutStreamOffset,
} from '../../src/core/streamCopy';
import { queueTarget } from '../../src/core/messageMove';

test('the x-stream-offset header is dropped, and only it', () => {
  const typed = { '!': 'int64', value: '7' };
  assert.deepEqual(withoutStreamOffset({ messageId: 'a', headers: { 'x-stream-offset': typed } }), { messageId: 'a' });
  assert.deepEqual(withoutStreamOffset({ headers: { a: 1, 'x-stream-offset': typed, b: 'x' } }), {
    headers: { a: 1, b: 'x' },
  });
  const none = { messageId: 'b', headers: { a: 1 } };
  assert.equal(withoutStreamOffset(none), none, 'unchanged when absent');
  const original = { headers: { 'x-stream-offset': typed, k: 2 } };
  withoutStreamOffset(original);
  assert.deepEqual(original, { headers: { 'x-stream-offset': typed, k: 2 } }, 'the input is not changed');
  assert.deepEqual(
    Object.keys(withoutStreamOffset({ headers: { z: 1, 'x-stream-offset': typed, a: 2 } }).headers!),
    ['z', 'a'],
    'order kept',
  );
});

test('the offset of a delivered message, plain or typed', () => {
  assert.equal(streamOffsetOf({ 'x-stream-offset': 12 }), 12);
  assert.equal(streamOffsetOf({ 'x-stream-offset': { '!': 'int64', value: '9007199254740' } }), 9007199254740);
  assert.equal(streamOffsetOf({ 'x-stream-offset': { '!': 'int64', value: '90071992547409930' } }), undefined);
  assert.equal(streamOffsetOf({}), undefined);
  assert.equal(streamOffsetOf(undefined), undefined);
});

test('planning: where to start and where to stop', () => {
  assert.deepEqual(planStreamCopy({ kind: 'first' }, 'all', 999), { from: 'first', limit: undefined, lastOffset: 999 });
  assert.deepEqual(planStreamCopy({ kind: 'first' }, 10, 999), { from: 'first', limit: 10, lastOffset: 999 });
  assert.deepEqual(planStreamCopy({ kind: 'last', count: 50 }, 'all', 999), {
    from: { offset: 950 },
    limit: 50,
    lastOffset: 999,
  });
  assert.deepEqual(planStreamCopy({ kind: 'last', count: 50 }, 20, 999), {
    from: { offset: 950 },
    limit: 20,
    lastOffset: 999,
  });
  assert.deepEqual(planStreamCopy({ kind: 'last', count: 5000 }, 'all', 999), {
    from: { offset: 0 },
    limit: 5000,
    lastOffset: 999,
  });
  assert.deepEqual(planStreamCopy({ kind: 'offset', offset: 400 }, 100, 999), {
    from: { offset: 400 },
    limit: 100,
    lastOffset: 999,
  });
  assert.match(
    planStreamCopy({ kind: 'offset', offset: 1000 }, 'all', 999).nothing ?? '',
    /past the stream's last offset \(999\)/,
  );
  assert.deepEqual(planStreamCopy({ kind: 'offset', offset: 999 }, 'all', 999).nothing, undefined);
  assert.deepEqual(planStreamCopy({ kind: 'timestamp', ms: 5000 }, 'all', 3), {
    from: { timestamp: 5000 },
    limit: undefined,
    lastOffset: 3,
  });
  assert.match(planStreamCopy({ kind: 'first' }, 'all', undefined).nothing ?? '', /empty/);
  assert.match(planStreamCopy({ kind: 'first' }, 0, 5).nothing ?? '', /count of 0/);
});

test('the resume offset is the first message not confirmed', () => {
  assert.equal(
    resumeOffset([], () => true),
    undefined,
  );
  assert.equal(
    resumeOffset([10, 11, 12], () => true),
    13,
  );
  assert.equal(
    resumeOffset([10, 11, 12], (i) => i < 1),
    11,
  );
  assert.equal(
    resumeOffset([10, 11, 12], (i) => i !== 0),
    10,
    'a later confirm does not move it past an unconfirmed one',
  );
});

test('starts typed by people', () => {
  assert.deepEqual(parseStreamStart('first'), { kind: 'first' });
  assert.deepEqual(parseStreamStart(''), { kind: 'first' });
  assert.deepEqual(parseStreamStart('last 1,000'), { kind: 'last', count: 1000 });
  assert.equal(parseStreamStart('last 0'), undefined);
  assert.deepEqual(parseStreamStart('offset 12_345'), { kind: 'offset', offset: 12345 });
  assert.deepEqual(parseStreamStart('0'), { kind: 'offset', offset: 0 });
  assert.deepEqual(parseStreamStart('2026-12-04T10:00:00Z'), { kind: 'timestamp', ms: Date.UTC(2026, 11, 4, 10) });
  assert.equal(parseStreamStart('yesterday'), undefined);
  assert.equal(parseStreamStart('-3'), undefined);
  assert.equal(describeStreamStart({ kind: 'last', count: 1000 }), 'the last 1,000');
  assert.equal(describeStreamStart({ kind: 'offset', offset: 5 }), 'from offset 5');
  assert.equal(describeStreamStart({ kind: 'timestamp', ms: 0 }), 'from 1970-01-01T00:00:00.000Z');
});

test('the summary: counts, offsets, what a re-run would do', () => {
  const zero = { taken: 0, done: 0, possibleDuplicates: 0, certainDuplicates: 0, returned: 0, skipped: 0, lost: 0 };
  assert.equal(
    describeStreamCopyResult({ ...zero, taken: 1000, done: 1000 }, 'done', 's', queueTarget('t'), 500, {
      first: 0,
      last: 999,
      resume: 1000,
    }),
    "Copied 1,000 messages from stream 's' to queue 't' (offsets 0–999, 2000 msg/s); the stream is unchanged.",
  );
  const fault = describeStreamCopyResult(
    { ...zero, taken: 5000, done: 4700, possibleDuplicates: 300 },
    'fault',
    's',
    queueTarget('t'),
    1000,
    { first: 0, last: 4999, resume: 4700 },
    'The run stopped: connection lost.',
  );
  assert.match(fault, /^Copied 4,700 messages/);
  assert.match(
    fault,
    /300 messages in flight when the connection failed .* copying again from offset 4700 would duplicate those that are/,
  );
  assert.match(fault, /the stream is unchanged\. The run stopped: connection lost\.$/);
  const cancelled = describeStreamCopyResult({ ...zero, taken: 10, done: 10 }, 'cancelled', 's', queueTarget('t'), 0, {
    first: 5,
    last: 14,
    resume: 15,
  });
  assert.equal(
    cancelled,
    "Copied 10 messages from stream 's' to queue 't' (offsets 5–14); cancelled; to go on, copy from offset 15; the stream is unchanged.",
  );
});
