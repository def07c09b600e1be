/**
 * The explorer's tree model, part 3: administration. Users (per connection) and a vhost's
 * permissions. No 'vscode' import.
 */
import type { PermissionInfo, UserInfo } from '../broker/management';
import { permissionsSummary } from '../core/topology';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';

export class UsersNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string) {
    super(parent);
    this.id = `${parent.id}/users`;
  }
  view(): NodeView {
    return { label: 'Users', tooltip: 'Users and their tags (administrator, monitoring, …)', contextValue: 'users', icon: { codicon: 'organization' }, collapsible: 'collapsed' };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const users = await m.listUsers();
      return users.sort((a, b) => a.name.localeCompare(b.name)).map((u) => new UserNode(this, this.profileId, u));
    });
  }
}

export class UserNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly profileId: string, readonly user: UserInfo) {
    super(parent);
    this.id = `${parent.id}/u:${user.name}`;
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

export class PermissionsNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly ctx: ExplorerContext, readonly profileId: string, readonly vhost: string) {
    super(parent);
    this.id = `${parent.id}/permissions`;
  }
  view(): NodeView {
    return { label: 'Permissions', tooltip: `Who may configure / write / read in ${this.vhost}`, contextValue: 'permissions', icon: { codicon: 'key' }, collapsible: 'collapsed' };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, async (m) => {
      const perms = await m.vhostPermissions(this.vhost);
      if (perms.length === 0) return [new InfoNode(this, 'No user has access to this vhost')];
      return perms.sort((a, b) => a.user.localeCompare(b.user)).map((p) => new PermissionNode(this, this.profileId, p));
    });
  }
}

export class PermissionNode extends ExplorerNode {
  readonly id: string;
  constructor(parent: ExplorerNode, readonly profileId: string, readonly permission: PermissionInfo) {
    super(parent);
    this.id = `${parent.id}/p:${permission.user}`;
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
