/**
 * The live tree's clock: every interval, refreshes the targets the host names (the expanded and
 * visible tree nodes), all at once and in parallel. Pure: timers come from a Clock, so tests drive
 * it with a fake one.
 * - Paused while the host is not visible (no timer runs); resume() refreshes at once.
 * - On a failed tick the delay doubles, up to 60 s; a tick without failures resets it.
 * - Never two refreshes of one target at once: a tick skips a target still refreshing, and
 *   refreshNow (after Burrow's own operations) runs it once more after the running one.
 */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RefreshHost<K> {
  /** The base interval in ms; 0 = off. */
  intervalMs(): number;
  visible(): boolean;
  /** What a tick refreshes now (expanded and visible). */
  targets(): K[];
  /** Rejects when the refresh failed (the scheduler backs off). */
  refresh(target: K): Promise<void>;
}

export const MAX_BACKOFF_MS = 60_000;

export class RefreshScheduler<K> {
  private timer: unknown;
  private failures = 0;
  private disposed = false;
  private readonly inflight = new Map<K, Promise<boolean>>();
  private readonly again = new Map<K, Promise<boolean>>();

  constructor(
    private readonly host: RefreshHost<K>,
    private readonly clock: Clock,
  ) {}

  /** The delay before the next tick: the interval, doubled per failed tick in a row, at most 60 s. */
  get delayMs(): number {
    const base = this.host.intervalMs();
    if (base <= 0) return 0;
    return Math.min(Math.max(base, MAX_BACKOFF_MS), base * 2 ** this.failures);
  }

  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** (Re)arms the timer after a setting or visibility change: stops while hidden or off. */
  update(): void {
    this.cancel();
    if (this.disposed || !this.host.visible() || this.host.intervalMs() <= 0) return;
    this.timer = this.clock.setTimeout(() => void this.tick(), this.delayMs);
  }

  /** The view became visible again: refresh now, then keep the rhythm. */
  resume(): void {
    this.cancel();
    if (this.host.intervalMs() > 0 && this.host.visible()) void this.tick();
  }

  /** One tick: every target not already refreshing, in parallel; then the next tick is armed. */
  async tick(): Promise<void> {
    this.timer = undefined;
    if (this.disposed || !this.host.visible()) return;
    const results = await Promise.all(
      this.host.targets().map((t) => (this.inflight.has(t) ? Promise.resolve(true) : this.run(t))),
    );
    this.failures = results.every(Boolean) ? 0 : this.failures + 1;
    if (!this.timer) this.update();
  }

  /** Refreshes these targets at once (after an operation); one already running is run once more after it. */
  refreshNow(targets: readonly K[]): Promise<boolean[]> {
    return Promise.all(
      targets.map((t) => {
        const running = this.inflight.get(t);
        if (!running) return this.run(t);
        let next = this.again.get(t);
        if (!next) {
          next = running.then(() => {
            this.again.delete(t);
            return this.run(t);
          });
          this.again.set(t, next);
        }
        return next;
      }),
    );
  }

  /** True while a refresh of this target runs. */
  busy(target: K): boolean {
    return this.inflight.has(target);
  }

  private run(target: K): Promise<boolean> {
    const p = this.host.refresh(target).then(
      () => true,
      () => false,
    );
    const tracked = p.finally(() => this.inflight.delete(target));
    this.inflight.set(target, tracked);
    return tracked;
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}
