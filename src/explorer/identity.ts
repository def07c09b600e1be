/**
 * The tree's side of the "same broker?" check: a connection whose management URL reaches
 * another broker than its AMQP port (or that has no management URL at all) says so on its
 * node, instead of silently listing another broker's vhosts. No 'vscode' import.
 */
import type { ConnectionProfile } from '../core/profile';
import type { IdentityVerdict } from '../core/brokerIdentity';
import { resolveManagementUrl } from '../core/uri';
import { ExplorerNode, type NodeView } from './base';
import type { ConnectionNode } from './nodes';

/** What ConnectionNode asks of the check (ExplorerContext.identity). */
export interface ConnectionWarnings {
  /** The mismatch warning last found for this profile, if any. Cheap: never starts a check. */
  warning(profile: ConnectionProfile): string | undefined;
  /**
   * Rows to show first under the connection; starts a check when one is due. `stop` means
   * "show only these rows" (no management URL: listing anything would be a guess).
   */
  rows(conn: ConnectionNode): { rows: ExplorerNode[]; stop: boolean };
  /** Records a verdict found elsewhere (Test Connection). */
  record?(profile: ConnectionProfile, verdict: IdentityVerdict | undefined): void;
}

/**
 * A warning shown as the first row under a connection: a short label, the particulars as the
 * description, the whole sentence as the tooltip; clicking it opens Edit Connection.
 */
export class IdentityWarningNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    /** The whole sentence (tooltip). */
    readonly message: string,
    readonly severity: 'warning' | 'error' = 'warning',
    readonly short?: { label: string; description?: string },
  ) {
    super(parent);
    this.id = `${parent.id}/!identity`;
  }
  view(): NodeView {
    return {
      label: this.short?.label ?? this.message,
      description: this.short?.description,
      tooltip: `${this.message}\n\nClick to edit the connection.`,
      contextValue: 'warning',
      icon:
        this.severity === 'error'
          ? { codicon: 'error', color: 'errorForeground' }
          : { codicon: 'warning', color: 'list.warningForeground' },
      collapsible: 'none',
      command: { command: 'burrow.editConnection', title: 'Edit Connection' },
    };
  }
}

/** "AMQP: RabbitMQ 4.0.5 (rabbit4@vm) · management: RabbitMQ 3.10.8 (rabbit@vm)" */
function sidesInBrief(v: IdentityVerdict): string {
  const side = (x: { product?: string; version?: string; clusterName?: string }) =>
    [x.product ?? 'broker', x.version, x.clusterName ? `(${x.clusterName})` : undefined].filter(Boolean).join(' ');
  return `AMQP: ${side(v.amqp)} · management: ${side(v.management)}`;
}

interface Entry {
  key: string;
  verdict?: IdentityVerdict;
  checkedAt?: number;
  running?: Promise<void>;
}

export interface IdentityChecksOptions {
  /** A profile is checked again at most this often (default 5 minutes); Test Connection records its own result at once. */
  recheckMs?: number;
  now?: () => number;
}

/**
 * Runs the AMQP-vs-management identity check once per profile (and again when the profile
 * changes or after `recheckMs`), caches the verdict, and calls `changed` when a profile's
 * warning appears, changes or goes away, so the tree re-renders that connection.
 */
export class IdentityChecks implements ConnectionWarnings {
  private readonly entries = new Map<string, Entry>();
  private readonly recheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly check: (profile: ConnectionProfile) => Promise<IdentityVerdict | undefined>,
    private readonly changed: (profileId: string) => void,
    opts: IdentityChecksOptions = {},
  ) {
    this.recheckMs = opts.recheckMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  warning(profile: ConnectionProfile): string | undefined {
    return this.verdict(profile)?.warning;
  }

  /** The last verdict for this profile (as it is now), if any. */
  verdict(profile: ConnectionProfile): IdentityVerdict | undefined {
    const e = this.entries.get(profile.id);
    return e && e.key === keyOf(profile) ? e.verdict : undefined;
  }

  rows(conn: ConnectionNode): { rows: ExplorerNode[]; stop: boolean } {
    const profile = conn.profile;
    const where = resolveManagementUrl(profile);
    if (where.problem) {
      conn.ctx.reportError(profile.id, where.problem);
      const label = 'Set the management URL for this connection';
      return {
        rows: [
          new IdentityWarningNode(conn, where.problem.message, 'error', {
            label,
            description: `${where.problem.reason} (e.g. ${where.problem.example})`,
          }),
        ],
        stop: true,
      };
    }
    this.ensure(profile);
    const v = this.verdict(profile);
    if (!v?.warning) return { rows: [], stop: false };
    return {
      rows: [
        new IdentityWarningNode(conn, v.warning, 'warning', {
          label: 'Management URL reaches another broker',
          description: sidesInBrief(v),
        }),
      ],
      stop: false,
    };
  }

  /** Starts a check for the profile unless one is running or the last one is recent enough. */
  ensure(profile: ConnectionProfile): void {
    const key = keyOf(profile);
    let e = this.entries.get(profile.id);
    if (!e || e.key !== key) {
      const before = e?.verdict?.warning;
      e = { key };
      this.entries.set(profile.id, e);
      if (before !== undefined) this.changed(profile.id); // the old profile's warning no longer applies
    }
    if (e.running || (e.checkedAt !== undefined && this.now() - e.checkedAt < this.recheckMs)) return;
    const entry = e;
    entry.running = this.check(profile)
      .catch(() => undefined)
      .then((verdict) => {
        entry.running = undefined;
        if (this.entries.get(profile.id) !== entry) return;
        this.store(profile.id, entry, verdict);
      });
  }

  /** Records a verdict found elsewhere (Test Connection), so the tree agrees with it at once. */
  record(profile: ConnectionProfile, verdict: IdentityVerdict | undefined): void {
    const key = keyOf(profile);
    let e = this.entries.get(profile.id);
    if (!e || e.key !== key) {
      e = { key };
      this.entries.set(profile.id, e);
    }
    this.store(profile.id, e, verdict);
  }

  /** Resolves when no check is running for the profile (for tests). */
  async settled(profileId: string): Promise<void> {
    await this.entries.get(profileId)?.running;
  }

  forget(profileId: string): void {
    this.entries.delete(profileId);
  }

  private store(profileId: string, entry: Entry, verdict: IdentityVerdict | undefined): void {
    const before = entry.verdict?.warning;
    entry.verdict = verdict;
    entry.checkedAt = this.now();
    if (verdict?.warning !== before) this.changed(profileId);
  }
}

/**
 * What the verdict depends on, in a fixed order: the same profile read back from settings has
 * its keys in another order (and Test Connection may hold a copy built by a form).
 */
function keyOf(p: ConnectionProfile): string {
  return JSON.stringify([
    p.host,
    p.port,
    p.tls,
    p.vhost,
    p.username,
    p.managementUrl ?? null,
    p.caFile ?? null,
    p.allowSelfSigned ?? false,
  ]);
}
