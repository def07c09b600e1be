/**
 * The one way tests wait (unit, integration, end-to-end, scripts).
 *
 *   - waitForEvent: when the thing announces itself (an event, a callback, a stream 'close'), wait
 *     for that, with a deadline.
 *   - poll: when nothing announces it (the management API's stats, a DOM, a file), check until it
 *     holds, with a deadline; the error names what was awaited and the last error seen.
 *
 * No test sleeps a fixed time before checking that "nothing happened": publish a marker after the
 * thing that must not happen and wait for the marker instead, or wait for the broker's own answer.
 * `pause` exists only to shape a fault on purpose (let a producer run while the network is down);
 * it is never a wait for a result.
 */

/** Something that can stop listening: a Disposable, or a plain unsubscribe function. */
export type Unsubscribe = { dispose(): void } | (() => void) | void;

/**
 * Calls `fn` until it returns a value that is not undefined, null or false (0 and '' count as
 * values) and resolves with it; an exception counts as "not yet" and is reported if the deadline
 * passes. Rejects after `timeoutMs` with an error naming `what`.
 */
export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Subscribes with `subscribe(resolve)` and resolves with the first value passed to `resolve`;
 * unsubscribes either way. Rejects after `timeoutMs` with an error naming `what`.
 *
 *   const reconnected = waitForEvent<string>('onReconnected', (done) => m.onReconnected(done));
 *   const closed = waitForEvent('the connection to close', (done) => conn.once('close', done));
 */
export function waitForEvent<T = void>(
  what: string,
  subscribe: (resolve: (v: T) => void) => Unsubscribe,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const off = () => {
      if (typeof sub === 'function') sub();
      else sub?.dispose();
    };
    const timer = setTimeout(() => {
      settled = true;
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub: Unsubscribe = subscribe((v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // subscribe() may call back synchronously, before `sub` is assigned: unsubscribe afterwards.
      queueMicrotask(off);
      resolve(v);
    });
  });
}

/** Resolves with `p`'s outcome, or rejects when it has not settled after `timeoutMs` (a hang detector). */
export function within<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Lets every callback already queued run (timers due now, I/O callbacks, microtasks): one full turn of the event loop. */
export function drainEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Waits a fixed time on purpose, to shape a fault (e.g. keep the network down for 1.5 s). Never a wait for a result. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
