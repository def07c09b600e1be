import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/profile';
import type { ConnectionState } from '../broker/amqp';
import { BrokerSession } from '../broker/session';
import { describeForUser } from '../broker/errors';
import type { ConnectionStore } from './store';
import type { SessionStatus } from '../explorer/nodes';

export type { SessionStatus };

interface Entry {
  profileKey: string;
  session: Promise<BrokerSession>;
  lastError?: string;
  ok: boolean;
  amqpState: ConnectionState;
  /** vhost -> the broker's reason, while it blocks publishing there (connection.blocked). */
  blocked: Map<string, string>;
  /** The node(s) (host:port) the AMQP connections are on; see BrokerSession.currentNode. */
  node?: string;
  subscriptions: { dispose(): void }[];
}

/**
 * Opens one BrokerSession per profile on first use and keeps it until the profile
 * changes, is removed, or the user disconnects. Tracks a status per profile for the
 * tree and the status bar.
 */
export class SessionManager implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = new vscode.EventEmitter<string>();
  /** Fires with the profile id whose status changed. */
  readonly onDidChangeStatus = this.emitter.event;
  private readonly reconnectEmitter = new vscode.EventEmitter<{ profileId: string; vhost: string }>();
  /** Fires after an AMQP connection of a profile came back after a drop. */
  readonly onDidReconnect = this.reconnectEmitter.event;
  private readonly storeSubscription: vscode.Disposable;

  constructor(
    private readonly store: ConnectionStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.storeSubscription = store.onDidChange(() => this.dropStale());
  }

  /** The session for a profile, opened on first use. Rejects if no password is known. */
  get(profileOrId: ConnectionProfile | string): Promise<BrokerSession> {
    const profile = typeof profileOrId === 'string' ? this.store.get(profileOrId) : profileOrId;
    if (!profile) return Promise.reject(new Error(`Unknown connection '${String(profileOrId)}'`));
    const key = JSON.stringify(profile);
    const existing = this.entries.get(profile.id);
    if (existing && existing.profileKey === key) return existing.session;
    if (existing) this.close(profile.id);
    const entry: Entry = {
      profileKey: key,
      ok: false,
      amqpState: 'idle',
      blocked: new Map(),
      subscriptions: [],
      session: undefined as never,
    };
    entry.session = this.open(profile, entry);
    entry.session.catch((err) => {
      // A failed open is not cached: the next call tries again (e.g. after the password is set).
      if (this.entries.get(profile.id) === entry) this.entries.delete(profile.id);
      this.reportError(profile.id, err);
    });
    this.entries.set(profile.id, entry);
    this.emitter.fire(profile.id);
    return entry.session;
  }

  private async open(profile: ConnectionProfile, entry: Entry): Promise<BrokerSession> {
    const password = await this.store.getPassword(profile);
    if (password === undefined) {
      throw new Error(`No password stored for '${profile.name}'. Use "Burrow: Set Password…" on the connection.`);
    }
    const session = await BrokerSession.open(profile, password, (level, message) =>
      this.log[level](`[${profile.name}] ${message}`),
    );
    entry.subscriptions.push(
      session.amqp.onStateChange(
        (change) => {
          entry.amqpState = session.amqp.overallState();
          const node = session.currentNode();
          if (node !== undefined && node !== entry.node && change.state === 'connected' && profile.hosts?.length)
            this.log.info(`[${profile.name}] AMQP connected to cluster node ${node}`);
          if (node !== undefined || change.state !== 'connected') entry.node = node ?? entry.node;
          const which = change.purpose === 'publish' ? 'publishing connection' : 'connection';
          if (change.state === 'reconnecting') {
            this.log.warn(
              `[${profile.name}] AMQP ${which} to vhost '${change.vhost}' lost; reconnecting (attempt ${change.attempt ?? 1})`,
            );
          } else if (
            change.state === 'error' &&
            (change.error?.code === 'VHOST_DELETED' || change.error?.code === 530)
          ) {
            // The tree refreshes on this status change and no longer lists the vhost.
            this.log.warn(
              `[${profile.name}] vhost '${change.vhost}' is gone (deleted, or no permission): its ${which} is closed and not retried`,
            );
          }
          this.emitter.fire(profile.id);
        },
        { all: true },
      ),
      session.amqp.onReconnected((vhost) => {
        this.log.info(`[${profile.name}] AMQP connection to vhost '${vhost}' re-established`);
        this.reconnectEmitter.fire({ profileId: profile.id, vhost });
      }),
      session.amqp.onBlockedChange((e) => {
        const before = entry.blocked.get(e.vhost);
        entry.blocked = session.amqp.blockedVhosts();
        const now = entry.blocked.get(e.vhost);
        if (before === now) return;
        if (now !== undefined)
          this.log.warn(
            `[${profile.name}] the broker blocks publishing on vhost '${e.vhost}': ${now}. Publishes fail at once until it clears; reads keep working.`,
          );
        else this.log.info(`[${profile.name}] the broker no longer blocks publishing on vhost '${e.vhost}'`);
        this.emitter.fire(profile.id);
      }),
    );
    this.log.info(`[${profile.name}] session opened (${profile.username}@${profile.host}:${profile.port})`);
    return session;
  }

  /** Has a session been opened (or is opening) for this profile? */
  isOpen(profileId: string): boolean {
    return this.entries.has(profileId);
  }

  status(profileId: string): SessionStatus {
    const entry = this.entries.get(profileId);
    if (!entry) return this.errors.has(profileId) ? 'error' : 'idle';
    switch (entry.amqpState) {
      case 'reconnecting':
        return 'reconnecting';
      case 'connecting':
        return 'connecting';
      case 'error':
        return 'error';
    }
    if (entry.lastError) return 'error';
    if (entry.ok || entry.amqpState === 'connected') return 'connected';
    return 'connecting';
  }

  /** The cluster node (host:port) the profile's AMQP connections are on, once one is open. */
  node(profileId: string): string | undefined {
    return this.entries.get(profileId)?.node;
  }

  /** vhost -> the broker's reason, for each vhost where the broker blocks publishing (a resource alarm). */
  blocked(profileId: string): ReadonlyMap<string, string> {
    return this.entries.get(profileId)?.blocked ?? new Map<string, string>();
  }

  lastError(profileId: string): string | undefined {
    return this.entries.get(profileId)?.lastError ?? this.errors.get(profileId);
  }

  private readonly errors = new Map<string, string>();

  /** Called by the tree and commands after a broker call succeeded. */
  reportOk(profileId: string): void {
    const entry = this.entries.get(profileId);
    this.errors.delete(profileId);
    if (!entry || (entry.ok && !entry.lastError)) return;
    entry.ok = true;
    entry.lastError = undefined;
    this.emitter.fire(profileId);
  }

  /** Called by the tree and commands after a broker call failed. */
  reportError(profileId: string, err: unknown): void {
    const text = describeForUser(err);
    const entry = this.entries.get(profileId);
    // Only a new error changes anything; re-reporting the same one must not re-render (and re-fetch) forever.
    if ((entry ? entry.lastError : this.errors.get(profileId)) === text) return;
    if (entry) entry.lastError = text;
    else this.errors.set(profileId, text);
    this.emitter.fire(profileId);
  }

  /** Closes the session of a profile (the next use opens a new one). */
  close(profileId: string): void {
    const entry = this.entries.get(profileId);
    this.errors.delete(profileId);
    if (!entry) return;
    this.entries.delete(profileId);
    for (const s of entry.subscriptions) s.dispose();
    entry.session.then(
      (s) => s.dispose().catch((err) => this.log.warn(`Closing session failed: ${describeForUser(err)}`)),
      () => undefined,
    );
    this.emitter.fire(profileId);
  }

  private dropStale(): void {
    const current = new Map(this.store.list().map((p) => [p.id, JSON.stringify(p)]));
    for (const [id, entry] of this.entries) {
      if (current.get(id) !== entry.profileKey) this.close(id);
    }
  }

  async disposeAsync(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map(async (e) => (await e.session).dispose()));
  }

  dispose(): void {
    this.storeSubscription.dispose();
    void this.disposeAsync();
    this.emitter.dispose();
    this.reconnectEmitter.dispose();
  }
}
