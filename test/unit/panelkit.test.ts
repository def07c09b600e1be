import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostQueue } from '../../src/panels/kit/postQueue';
import { RunScope, SessionScoped } from '../../src/panels/kit/scopes';
import { distinctTitles } from '../../src/panels/kit/titles';

type M = { type: string; n?: number };

test('posts wait for ready, and wait again after the webview was hidden (one-shot posts such as loadDraft are not lost)', () => {
  const sent: M[] = [];
  const q = new PostQueue<M>((m) => sent.push(m), new Set(['window']));
  q.post({ type: 'loadDraft', n: 1 });
  assert.deepEqual(sent, [], 'nothing goes to a webview that has not said ready');
  assert.deepEqual(q.open(), [{ type: 'loadDraft', n: 1 }]);
  q.post({ type: 'result', n: 2 });
  assert.deepEqual(sent, [{ type: 'result', n: 2 }]);
  // Hidden: the webview is gone until it reloads and says ready again.
  q.reset();
  assert.equal(q.isReady, false);
  q.post({ type: 'loadDraft', n: 3 });
  assert.equal(sent.length, 1, 'held while hidden');
  assert.deepEqual(q.open(), [{ type: 'loadDraft', n: 3 }]);
});

test('while the webview is away, state-like posts keep only their latest copy; the queue is bounded', () => {
  const q = new PostQueue<M>(() => undefined, new Set(['window', 'status']), 5);
  for (let n = 0; n < 1000; n++) q.post({ type: 'window', n });
  q.post({ type: 'status', n: 1 });
  q.post({ type: 'info', n: 1 });
  q.post({ type: 'status', n: 2 });
  assert.deepEqual(q.pending, [
    { type: 'window', n: 999 },
    { type: 'info', n: 1 },
    { type: 'status', n: 2 },
  ]);
  for (let n = 0; n < 10; n++) q.post({ type: 'error', n });
  assert.equal(q.pending.length, 5);
  assert.deepEqual(q.pending[4], { type: 'error', n: 9 });
});

test('a run scope is emptied at each stop: subscriptions of earlier runs do not pile up', () => {
  const scope = new RunScope();
  let live = 0;
  const subscribe = () => {
    live++;
    return { dispose: () => void live-- };
  };
  for (let run = 0; run < 50; run++) {
    scope.dispose(); // stop (start() stops the previous run first)
    scope.add(subscribe());
    assert.equal(scope.size, 1);
  }
  assert.equal(live, 1, 'only the current run is subscribed');
  scope.dispose();
  assert.equal(live, 0);
});

test('something built on a session is rebuilt for a new session and dropped when the session closes', () => {
  const made: string[] = [];
  const dropped: string[] = [];
  const scoped = new SessionScoped<{ id: string }, string>(
    (s) => (made.push(s.id), `client-${s.id}`),
    (c) => dropped.push(c),
  );
  const a = { id: 'a' };
  assert.equal(scoped.get(a), 'client-a');
  assert.equal(scoped.get(a), 'client-a');
  assert.deepEqual(made, ['a'], 'reused while the session lives');
  // Set Password / Disconnect: the session is replaced.
  const b = { id: 'b' };
  assert.equal(scoped.get(b), 'client-b');
  assert.deepEqual(dropped, ['client-a']);
  scoped.dispose(); // closed
  assert.equal(scoped.value, undefined);
  assert.deepEqual(dropped, ['client-a', 'client-b']);
  assert.equal(scoped.get(b), 'client-b');
  assert.deepEqual(made, ['a', 'b', 'b']);
});

test('titles name the connection when two panels would look alike, and the vhost when that still does not tell them apart', () => {
  const e = (key: string, base: string, profileId: string, vhost = '/') => ({
    key,
    base,
    profileId,
    profileName: profileId === 'p4' ? 'localhost-4' : 'localhost',
    vhost,
  });
  const alone = distinctTitles([e('1', 'RPC: rpc_queue', 'p3')]);
  assert.equal(alone.get('1'), 'RPC: rpc_queue');
  const two = distinctTitles([
    e('1', 'RPC: rpc_queue', 'p3'),
    e('2', 'RPC: rpc_queue', 'p4'),
    e('3', 'Peek: orders', 'p3'),
  ]);
  assert.equal(two.get('1'), 'RPC: rpc_queue · localhost');
  assert.equal(two.get('2'), 'RPC: rpc_queue · localhost-4');
  assert.equal(two.get('3'), 'Peek: orders', 'a title nobody shares stays short');
  const vhosts = distinctTitles([e('1', 'Tail: q', 'p3', 'a'), e('2', 'Tail: q', 'p3', 'b')]);
  assert.equal(vhosts.get('1'), 'Tail: q · vhost a');
  assert.equal(vhosts.get('2'), 'Tail: q · vhost b');
  assert.equal(
    new Set([
      ...distinctTitles([
        e('1', 'Tail: q', 'p3', 'a'),
        e('2', 'Tail: q', 'p3', 'b'),
        e('3', 'Tail: q', 'p4', 'a'),
      ]).values(),
    ]).size,
    3,
  );
});
