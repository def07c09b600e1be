import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefreshScheduler, type Clock, type RefreshHost } from '../../src/core/refreshScheduler';

/** A clock whose timers run only when the test says so. */
function fakeClock() {
  let next = 1;
  const timers = new Map<number, { fn: () => void; ms: number }>();
  const clock: Clock = {
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimeout: (h) => void timers.delete(h as number),
  };
  return {
    clock,
    pending: () => [...timers.values()].map((t) => t.ms),
    /** Runs the pending timer (there is at most one) and lets its refreshes settle. */
    async fire(): Promise<void> {
      const [entry] = [...timers.entries()];
      assert.ok(entry, 'a timer is armed');
      timers.delete(entry[0]);
      entry[1].fn();
      await settle();
    },
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function host(over: Partial<RefreshHost<string>> = {}) {
  const calls: string[] = [];
  let visible = true;
  let fail = false;
  const h: RefreshHost<string> = {
    intervalMs: () => 5000,
    visible: () => visible,
    targets: () => ['queues', 'q1'],
    refresh: async (t) => {
      calls.push(t);
      if (fail) throw new Error('down');
    },
    ...over,
  };
  return {
    h,
    calls,
    setVisible: (v: boolean) => (visible = v),
    setFail: (v: boolean) => (fail = v),
  };
}

test('each tick refreshes exactly the targets the host names (the expanded, visible nodes), every interval', async () => {
  const c = fakeClock();
  let targets = ['queues', 'q1'];
  const x = host({ targets: () => targets });
  const s = new RefreshScheduler(x.h, c.clock);
  s.update();
  assert.deepEqual(c.pending(), [5000]);
  assert.deepEqual(x.calls, [], 'nothing before the first tick');
  await c.fire();
  assert.deepEqual(x.calls, ['queues', 'q1']);
  targets = ['exchanges']; // q1 collapsed, exchanges expanded
  await c.fire();
  assert.deepEqual(x.calls, ['queues', 'q1', 'exchanges']);
  assert.deepEqual(c.pending(), [5000]);
});

test('paused while hidden: no timer, no refresh; showing the view refreshes at once and re-arms', async () => {
  const c = fakeClock();
  const x = host();
  const s = new RefreshScheduler(x.h, c.clock);
  s.update();
  x.setVisible(false);
  s.update();
  assert.deepEqual(c.pending(), [], 'no timer while hidden');
  x.setVisible(true);
  s.resume();
  await settle();
  assert.deepEqual(x.calls, ['queues', 'q1']);
  assert.deepEqual(c.pending(), [5000]);
  // Hidden between arming and firing: the tick does nothing and stops.
  x.setVisible(false);
  await c.fire();
  assert.deepEqual(x.calls, ['queues', 'q1']);
  assert.deepEqual(c.pending(), []);
});

test('errors back off: the delay doubles up to 60 s and resets after a good tick', async () => {
  const c = fakeClock();
  const x = host();
  const s = new RefreshScheduler(x.h, c.clock);
  s.update();
  x.setFail(true);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    await c.fire();
    delays.push(c.pending()[0]);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  x.setFail(false);
  await c.fire();
  assert.deepEqual(c.pending(), [5000]);
});

test('0 seconds = off; never two refreshes of one target at once', async () => {
  const c = fakeClock();
  let interval = 0;
  const releases: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const x = host({
    intervalMs: () => interval,
    targets: () => ['queues'],
    refresh: () =>
      new Promise<void>((resolve) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        releases.push(() => {
          running--;
          resolve();
        });
      }),
  });
  const s = new RefreshScheduler(x.h, c.clock);
  s.update();
  assert.deepEqual(c.pending(), [], 'off');
  interval = 5000;
  s.update();
  void c.fire(); // tick 1 starts a refresh that hangs
  await settle();
  assert.equal(running, 1);
  // An operation asks for the same group now: it waits for the running one, then runs once.
  const now = s.refreshNow(['queues']);
  const now2 = s.refreshNow(['queues']);
  // Another tick (e.g. visibility resume) skips the busy target.
  void s.tick();
  await settle();
  assert.equal(running, 1);
  assert.ok(s.busy('queues'));
  releases.shift()!();
  await settle();
  assert.equal(running, 1, 'the follow-up after the operation runs alone');
  releases.shift()!();
  assert.deepEqual(await now, [true]);
  assert.deepEqual(await now2, [true]);
  assert.equal(maxRunning, 1);
  assert.equal(releases.length, 0, 'two operations during one refresh cost one extra refresh');
  s.dispose();
  assert.deepEqual(c.pending(), []);
});
