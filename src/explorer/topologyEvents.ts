/**
 * Burrow's own changes to a vhost's topology or queue contents (publish from a panel, purge,
 * declare, bind, unbind, delete), announced so the live tree refreshes the affected groups at once
 * instead of at its next tick. Built once in extension.ts and handed to the panels and commands.
 * No 'vscode' import.
 */
export interface TopologyChange {
  profileId: string;
  vhost: string;
  /** Queues whose rows changed (names; [] = some queue of the vhost). */
  queues?: readonly string[];
  /** Exchanges whose rows changed (names; [] = some exchange of the vhost). */
  exchanges?: readonly string[];
}

export class TopologyEvents {
  private readonly listeners = new Set<(change: TopologyChange) => void>();

  fire(change: TopologyChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  onDidChange(listener: (change: TopologyChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
