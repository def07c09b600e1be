/**
 * The explorer's tree model, part 3: administration. Users (per connection) and a vhost's
 * permissions. No 'vscode' import.
 */
import type { ManagementClient, PermissionInfo, UserInfo } from '../broker/management';
import { permissionsSummary } from '../core/topology';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';

/** A fixed row (Users, Permissions) whose children come from one management API listing. */
abstract class ListingNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    key: string,
    private readonly row: Omit<NodeView, 'collapsible'>,
  ) {
    super(parent);
    this.id = `${parent.id}/${key}`;
  }
  view(): NodeView {
    return { ...this.row, collapsible: 'collapsed' };
  }
  protected abstract load(m: ManagementClient): Promise<ExplorerNode[]>;
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, (m) => this.load(m));
  }
}

export class UsersNode extends ListingNode {
  constructor(parent: ExplorerNode, ctx: ExplorerContext, profileId: string) {
    super(parent, ctx, profileId, 'users', {
      label: 'Users',
      tooltip: 'Users and their tags (administrator, monitoring, …)',
      contextValue: 'users',
      icon: { codicon: 'organization' },
    });
  }
  protected async load(m: ManagementClient): Promise<ExplorerNode[]> {
    const users = await m.listUsers();
    return users.sort((a, b) => a.name.localeCompare(b.name)).map((u) => new UserNode(this, this.profileId, u));
  }
}

/** A leaf row for one record of a listing: a user, a user's permissions in a vhost. */
abstract class RecordNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly profileId: string,
    key: string,
  ) {
    super(parent);
    this.id = `${parent.id}/${key}`;
  }
}

export class UserNode extends RecordNode {
  constructor(
    parent: ExplorerNode,
    profileId: string,
    readonly user: UserInfo,
  ) {
    super(parent, profileId, `u:${user.name}`);
  }
  get name(): string {
    return this.user.name;
  }
  view(): NodeView {
    const tags = this.user.tags.join(', ');
    return {
      label: this.user.name,
      description: tags || 'no tags',
      tooltip: `User ${this.user.name}\nTags: ${tags || 'none'}`,
      contextValue: 'user',
      icon: { codicon: this.user.tags.includes('administrator') ? 'shield' : 'account' },
      collapsible: 'none',
    };
  }
}

export class PermissionsNode extends ListingNode {
  constructor(
    parent: ExplorerNode,
    ctx: ExplorerContext,
    profileId: string,
    readonly vhost: string,
  ) {
    super(parent, ctx, profileId, 'permissions', {
      label: 'Permissions',
      tooltip: `Who may configure / write / read in ${vhost}`,
      contextValue: 'permissions',
      icon: { codicon: 'key' },
    });
  }
  protected async load(m: ManagementClient): Promise<ExplorerNode[]> {
    const perms = await m.vhostPermissions(this.vhost);
    if (perms.length === 0) return [new InfoNode(this, 'No user has access to this vhost')];
    return perms.sort((a, b) => a.user.localeCompare(b.user)).map((p) => new PermissionNode(this, this.profileId, p));
  }
}

export class PermissionNode extends RecordNode {
  constructor(
    parent: ExplorerNode,
    profileId: string,
    readonly permission: PermissionInfo,
  ) {
    super(parent, profileId, `p:${permission.user}`);
  }
  view(): NodeView {
    const p = this.permission;
    return {
      label: p.user,
      description: permissionsSummary(p),
      tooltip: `${p.user} in vhost ${p.vhost}\nconfigure: ${p.configure}\nwrite: ${p.write}\nread: ${p.read}`,
      contextValue: 'permission',
      icon: { codicon: 'person' },
      collapsible: 'none',
    };
  }
}
