/**
 * The explorer's tree model, part 1: what every node is (ExplorerNode, NodeView), what the model
 * needs from the outside world (ExplorerContext), and the rows shared by every level (errors,
 * notes). No 'vscode' import: the provider maps NodeView to TreeItem, so the model runs (and is
 * benchmarked/tested) in plain Node. The levels: nodes.ts (root, connections, vhosts),
 * topologyNodes.ts (exchanges, queues, bindings, consumers), adminNodes.ts (users, permissions).
 */
import type { ManagementClient } from '../broker/management';
import { describeForUser } from '../broker/errors';
import type { ConnectionProfile } from '../core/profile';
import type { ConnectionWarnings } from './identity';

export type SessionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export interface IconSpec {
  codicon: string;
  color?: string;
}

export interface NodeView {
  label: string;
  description?: string;
  tooltip?: string;
  contextValue: string;
  icon?: IconSpec;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /** The tooltip as Markdown (takes the place of `tooltip` in VS Code; `tooltip` stays the plain text). */
  tooltipMarkdown?: string;
  /** Command run when the row is clicked. */
  command?: { command: string; title: string };
}

/** What the tree model needs from the outside world. */
export interface ExplorerContext {
  profiles(): ConnectionProfile[];
  management(profileId: string): Promise<ManagementClient>;
  status(profileId: string): SessionStatus;
  lastError(profileId: string): string | undefined;
  /** vhost -> the broker's reason while it blocks publishing there (connection.blocked). Optional. */
  blocked?(profileId: string): ReadonlyMap<string, string>;
  /** The cluster node (host:port) the profile's AMQP connection is on, when known. Optional. */
  node?(profileId: string): string | undefined;
  reportOk(profileId: string): void;
  reportError(profileId: string, err: unknown): void;
  pageSize(): number;
  showSystemExchanges(): boolean;
  /** Optional: does the management URL reach the same broker as AMQP? (explorer/identity.ts) */
  identity?: ConnectionWarnings;
  /**
   * Optional: a node's data changed outside a getChildren VS Code asked for (a group's counts after
   * its pages came back). The provider re-renders it only if what it shows differs.
   */
  changed?(node: ExplorerNode): boolean;
  /** Optional: re-render a node and its children (which it has ready, fetched by poll). */
  reload?(node: ExplorerNode): void;
}

export abstract class ExplorerNode {
  abstract readonly id: string;
  abstract view(): NodeView;
  /** Set when the node's parent no longer lists it (a deleted queue): the live tree stops refreshing it. */
  detached = false;
  getChildren(): Promise<ExplorerNode[]> {
    return Promise.resolve([]);
  }
  /**
   * The live tree's refresh of an expanded node: re-fetches what its children show and asks the
   * context to re-render what changed (ctx.changed / ctx.reload). Rejects on a broker failure (the
   * refresh backs off). Absent: the node is not refreshed by the timer.
   */
  poll?(): Promise<void>;
  constructor(readonly parent: ExplorerNode | undefined) {}
}

/** A broker call that failed, shown in place of the children it was meant to produce. */
export class ErrorNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly message: string,
  ) {
    super(parent);
    this.id = `${parent.id}/!error`;
  }
  view(): NodeView {
    return {
      label: this.message,
      tooltip: this.message,
      contextValue: 'error',
      icon: { codicon: 'error', color: 'errorForeground' },
      collapsible: 'none',
    };
  }
}

export class InfoNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly message: string,
    key = 'info',
  ) {
    super(parent);
    this.id = `${parent.id}/!${key}`;
  }
  view(): NodeView {
    return { label: this.message, contextValue: 'info', icon: { codicon: 'info' }, collapsible: 'none' };
  }
}

/** Runs a management call for a node; failures become an error node and update the connection status. */
export async function guarded(
  ctx: ExplorerContext,
  profileId: string,
  parent: ExplorerNode,
  load: (m: ManagementClient) => Promise<ExplorerNode[]>,
): Promise<ExplorerNode[]> {
  try {
    const m = await ctx.management(profileId);
    const children = await load(m);
    ctx.reportOk(profileId);
    return children;
  } catch (err) {
    ctx.reportError(profileId, err);
    return [new ErrorNode(parent, describeForUser(err))];
  }
}
