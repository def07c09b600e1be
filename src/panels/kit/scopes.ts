/** Lifetimes inside a panel: one run (a tail start) and one broker session. Pure: unit-tested. */

export interface Disposable {
  dispose(): void;
}

/**
 * Disposables that belong to one run (e.g. one tail start): dispose() ends the run and empties
 * the group, which the next run fills again; nothing piles up in the panel's lifetime list.
 */
export class RunScope implements Disposable {
  private items: Disposable[] = [];

  add(...items: Disposable[]): void {
    this.items.push(...items);
  }

  get size(): number {
    return this.items.length;
  }

  dispose(): void {
    for (const d of this.items.splice(0)) d.dispose();
  }
}

/**
 * Something built on one broker session (an RpcClient…): built on first use, built again when the
 * session is another one, and dropped when the session is closed (Disconnect, Set Password, an
 * edited connection), so the next call works without reopening the panel.
 */
export class SessionScoped<S extends object, T> implements Disposable {
  private current?: { session: S; value: T };

  constructor(
    private readonly make: (session: S) => T,
    private readonly drop: (value: T) => void = () => undefined,
  ) {}

  get(session: S): T {
    if (this.current?.session !== session) {
      this.dispose();
      this.current = { session, value: this.make(session) };
    }
    return this.current.value;
  }

  get value(): T | undefined {
    return this.current?.value;
  }

  dispose(): void {
    const c = this.current;
    this.current = undefined;
    if (c) this.drop(c.value);
  }
}
