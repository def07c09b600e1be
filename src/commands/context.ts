import * as vscode from 'vscode';
import type { ConnectionStore } from '../connections/store';
import type { SessionManager } from '../connections/sessions';
import type { ExplorerProvider } from '../explorer/provider';
import type { TopologyEvents } from '../explorer/topologyEvents';
import { connectionOf, vhostOf, type ExplorerNode } from '../explorer/nodes';
import type { ConnectionProfile } from '../core/profile';
import { describeForUser } from '../broker/errors';
import { causeIfClean } from '../broker/describe';
import { redactSecrets } from '../core/redact';
import { pick, safeCommand } from './ui';

/** What every command needs; built once in extension.ts. */
export interface CommandServices {
  store: ConnectionStore;
  sessions: SessionManager;
  explorer: ExplorerProvider;
  log: vscode.LogOutputChannel;
  /** Burrow's own changes, for the live tree (it refreshes again once the broker's statistics caught up). */
  topology?: TopologyEvents;
}

/** The profile a command applies to: from the tree node, else asked for. */
export async function resolveProfile(s: CommandServices, node: ExplorerNode | undefined): Promise<ConnectionProfile> {
  const conn = connectionOf(node);
  if (conn) return conn.profile;
  const profiles = s.store.list();
  if (profiles.length === 1) return profiles[0];
  const chosen = await pick(
    profiles.map((p) => ({ label: p.name, description: `${p.username}@${p.host}:${p.port}`, profile: p })),
    { title: 'Burrow: choose a connection' },
  );
  return chosen.profile;
}

/** The vhost a command applies to: from the tree node, else asked for (listed via the management API). */
export async function resolveVhost(
  s: CommandServices,
  node: ExplorerNode | undefined,
  profile: ConnectionProfile,
): Promise<string> {
  const v = vhostOf(node);
  if (v) return v.vhost;
  const session = await s.sessions.get(profile);
  const vhosts = await session.management.listVhosts();
  const chosen = await pick(
    vhosts.map((x) => ({
      label: x.name,
      description: x.name === profile.vhost ? 'default for this connection' : undefined,
    })),
    { title: 'Burrow: choose a virtual host' },
  );
  return chosen.label;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandFn = (s: CommandServices, ...args: any[]) => Promise<void>;

/** Registers commands wrapped by safeCommand (errors become notifications, never rejections). */
export function registerAll(s: CommandServices, commands: Record<string, CommandFn>): vscode.Disposable[] {
  return Object.entries(commands).map(([id, fn]) =>
    vscode.commands.registerCommand(
      id,
      safeCommand(s.log, id, (...args: unknown[]) => fn(s, ...args)),
    ),
  );
}

/**
 * How every command that changed something on the broker ends: one log line, one notification
 * ("Burrow: <message>") and the tree rows it affected re-rendered (`undefined` = the whole tree).
 * Failures end in safeCommand's error notification instead (see {@link attempt}).
 */
export function done(s: CommandServices, message: string, ...refresh: (ExplorerNode | undefined)[]): void {
  s.log.info(message);
  void vscode.window.showInformationMessage(`Burrow: ${message}`);
  if (refresh.includes(undefined)) s.explorer.refresh();
  else for (const node of new Set(refresh)) s.explorer.refresh(node);
  const vhosts = new Map<string, { profileId: string; vhost: string }>();
  for (const node of refresh) {
    const v = vhostOf(node);
    if (v) vhosts.set(`${v.profileId}\n${v.vhost}`, { profileId: v.profileId, vhost: v.vhost });
  }
  for (const v of vhosts.values()) s.topology?.fire({ ...v, queues: [], exchanges: [] });
}

/** A command's broker call failed: says what was being done, then the broker's code and text. */
export class CommandFailed extends Error {
  /** `secrets`: what the call sent that the session does not know (a new user's password), scrubbed too. */
  constructor(what: string, cause: unknown, secrets: readonly string[] = []) {
    super(redactSecrets(`${what} failed: ${describeForUser(cause)}`, secrets), causeIfClean(cause, secrets));
    this.name = 'CommandFailed';
  }
}

/**
 * Runs one broker call of a command; a failure names the action ("Set permissions of … failed: …").
 * `secrets` are scrubbed from the failure (a proxy may echo the request body with a new password).
 */
export async function attempt<T>(what: string, call: () => Promise<T>, secrets: readonly string[] = []): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new CommandFailed(what, err, secrets);
  }
}
