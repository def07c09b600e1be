/**
 * What a panel posts to its webview, held while the webview is not listening: before its first
 * 'ready', and again after it was hidden (panels are not kept alive when hidden, so the webview
 * reloads and says 'ready' once more). State-like messages (the tail window, a status, progress)
 * keep only their latest copy: the full state is re-sent on 'ready' anyway. Pure: unit-tested.
 */
export class PostQueue<M extends { type: string }> {
  private ready = false;
  private queue: M[] = [];

  constructor(
    private readonly send: (message: M) => void,
    /** Types of which only the newest queued message matters. */
    private readonly latestOnly: ReadonlySet<string> = new Set(),
    private readonly limit = 1000,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  get pending(): readonly M[] {
    return this.queue;
  }

  post(message: M): void {
    if (this.ready) {
      this.send(message);
      return;
    }
    if (this.latestOnly.has(message.type)) this.queue = this.queue.filter((m) => m.type !== message.type);
    this.queue.push(message);
    if (this.queue.length > this.limit) this.queue.splice(0, this.queue.length - this.limit);
  }

  /** The webview went away (hidden, reloading): hold posts until it says 'ready' again. */
  reset(): void {
    this.ready = false;
  }

  /** The webview said 'ready': later posts go straight through; returns what was held, oldest first. */
  open(): M[] {
    this.ready = true;
    const held = this.queue;
    this.queue = [];
    return held;
  }
}
