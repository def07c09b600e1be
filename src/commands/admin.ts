import type * as vscode from 'vscode';
import { formatCount } from '../core/format';
import { permissionsSummary } from '../core/topology';
import { PermissionNode, UserNode, VhostNode, vhostOf, connectionOf, type ExplorerNode } from '../explorer/nodes';
import { ask, confirmDanger, pick, pickMany } from './ui';
import { attempt, done, registerAll, resolveProfile, resolveVhost, type CommandServices } from './context';

const USER_TAGS = [
  { label: 'administrator', description: 'everything, including users and vhosts' },
  { label: 'monitoring', description: 'read all connections, channels and node data' },
  { label: 'policymaker', description: 'policies and parameters in accessible vhosts' },
  { label: 'management', description: 'management UI / API login, own vhosts only' },
  { label: 'impersonator', description: 'may forge user-id' },
];

function validRegex(v: string): string | undefined {
  try {
    new RegExp(v);
    return undefined;
  } catch (err) {
    return `Not a valid regular expression: ${(err as Error).message}`;
  }
}

/**
 * The Permissions row of `vhost` under the node's connection, where the tree shows it; else the
 * connection row (or the whole tree from the palette).
 */
function permissionsRow(node: ExplorerNode | undefined, vhost: string): ExplorerNode | undefined {
  const conn = connectionOf(node);
  return conn?.vhostNode(vhost)?.permissions ?? conn;
}

async function createVhost(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const session = await s.sessions.get(profile);
  const name = await ask({
    title: 'Burrow: create virtual host',
    prompt: 'Name',
    validateInput: (v) => (v ? undefined : 'Required'),
  });
  const description = await ask({ title: 'Burrow: create virtual host', prompt: 'Description (optional)' });
  await attempt(`Create vhost '${name}'`, () => session.management.createVhost(name, description || undefined));
  // The creator usually wants to use it right away.
  await attempt(`Grant ${profile.username} permissions on the new vhost '${name}'`, () =>
    session.management.setPermissions(name, profile.username, { configure: '.*', write: '.*', read: '.*' }),
  );
  done(s, `created vhost '${name}' and granted ${profile.username} full permissions on it.`, connectionOf(node));
}

async function deleteVhost(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const vhostNode = vhostOf(node);
  if (!(vhostNode instanceof VhostNode)) throw new Error('Choose a virtual host in the Burrow tree.');
  const session = await s.sessions.get(vhostNode.profileId);
  const queues = await session.management.listQueues(vhostNode.vhost, { page: 1, pageSize: 10 });
  const vhosts = await session.management.listVhosts();
  const messages = vhosts.find((v) => v.name === vhostNode.vhost)?.messages ?? 0;
  const ok = await confirmDanger(
    `Delete virtual host '${vhostNode.vhost}'?`,
    `It holds ${formatCount(queues.totalCount)} queues with ${formatCount(messages)} messages. Every exchange, queue, binding, message and permission in it is removed.`,
    'Delete Virtual Host',
  );
  if (!ok) return;
  await attempt(`Delete vhost '${vhostNode.vhost}'`, () => session.management.deleteVhost(vhostNode.vhost));
  done(s, `deleted vhost '${vhostNode.vhost}'.`, connectionOf(node));
}

async function createUser(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const session = await s.sessions.get(profile);
  const title = 'Burrow: create user';
  const name = await ask({ title, prompt: 'User name', validateInput: (v) => (v ? undefined : 'Required') });
  const password = await ask({
    title,
    prompt: `Password for ${name}`,
    password: true,
    validateInput: (v) => (v ? undefined : 'Required'),
  });
  const tags = await pickMany(USER_TAGS, { title, placeHolder: 'Tags (none = can only use AMQP)' });
  await attempt(
    `Create user '${name}'`,
    () =>
      session.management.createUser(
        name,
        password,
        tags.map((t) => t.label),
      ),
    [password],
  );
  done(
    s,
    `created user '${name}'${tags.length ? ` (${tags.map((t) => t.label).join(', ')})` : ''}. Grant it permissions on a vhost with "Set Permissions…".`,
    connectionOf(node),
  );
}

async function deleteUser(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof UserNode)) throw new Error('Choose a user in the Burrow tree.');
  const profile = await resolveProfile(s, node);
  const self = node.name === profile.username ? ' This is the user Burrow logs in with.' : '';
  const ok = await confirmDanger(
    `Delete user '${node.name}'?`,
    `Its permissions are removed and its connections can no longer log in.${self}`,
    'Delete User',
  );
  if (!ok) return;
  const session = await s.sessions.get(profile);
  await attempt(`Delete user '${node.name}'`, () => session.management.deleteUser(node.name));
  done(s, `deleted user '${node.name}'.`, connectionOf(node));
}

async function setUserTags(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof UserNode)) throw new Error('Choose a user in the Burrow tree.');
  const session = await s.sessions.get(await resolveProfile(s, node));
  const current = new Set(node.user.tags);
  const tags = await pickMany(
    USER_TAGS.map((t) => ({ ...t, picked: current.has(t.label) })),
    { title: `Burrow: tags of ${node.name}` },
  );
  const names = tags.map((t) => t.label);
  await attempt(`Set the tags of '${node.name}'`, () => session.management.setUserTags(node.name, names));
  done(s, `user '${node.name}' now has ${names.length ? `the tags ${names.join(', ')}` : 'no tags'}.`, node.parent);
}

async function setPermissions(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const session = await s.sessions.get(profile);
  const vhost = await resolveVhost(s, node, profile);
  let user: string;
  let existing = { configure: '.*', write: '.*', read: '.*' };
  if (node instanceof PermissionNode) {
    user = node.permission.user;
    existing = node.permission;
  } else if (node instanceof UserNode) {
    user = node.name;
  } else {
    const users = await session.management.listUsers();
    user = (
      await pick(
        users.map((u) => ({ label: u.name, description: u.tags.join(', ') })),
        { title: `Permissions in ${vhost}`, placeHolder: 'User' },
      )
    ).label;
    const perm = (await session.management.vhostPermissions(vhost)).find((p) => p.user === user);
    if (perm) existing = perm;
  }
  const title = `Burrow: permissions of ${user} in ${vhost}`;
  const configure = await ask({
    title,
    prompt: 'Configure regex (declare/delete resources); empty = none',
    value: existing.configure,
    validateInput: validRegex,
  });
  const write = await ask({
    title,
    prompt: 'Write regex (publish to exchanges, bind); empty = none',
    value: existing.write,
    validateInput: validRegex,
  });
  const read = await ask({
    title,
    prompt: 'Read regex (consume from queues, bind); empty = none',
    value: existing.read,
    validateInput: validRegex,
  });
  await attempt(`Set permissions of '${user}' in vhost '${vhost}'`, () =>
    session.management.setPermissions(vhost, user, { configure, write, read }),
  );
  done(
    s,
    `set permissions of '${user}' in vhost '${vhost}': ${permissionsSummary({ configure, write, read })}.`,
    permissionsRow(node, vhost),
  );
}

async function deletePermissions(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof PermissionNode)) throw new Error('Choose a permission in the Burrow tree.');
  const p = node.permission;
  const ok = await confirmDanger(
    `Remove ${p.user}'s permissions in '${p.vhost}'?`,
    `${p.user} can no longer use vhost ${p.vhost}.`,
    'Remove',
  );
  if (!ok) return;
  const session = await s.sessions.get(node.profileId);
  await attempt(`Remove the permissions of '${p.user}' in vhost '${p.vhost}'`, () =>
    session.management.deletePermissions(p.vhost, p.user),
  );
  done(s, `removed the permissions of '${p.user}' in vhost '${p.vhost}'.`, node.parent);
}

export function registerAdminCommands(s: CommandServices): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.createVhost': createVhost,
    'burrow.deleteVhost': deleteVhost,
    'burrow.createUser': createUser,
    'burrow.deleteUser': deleteUser,
    'burrow.setUserTags': setUserTags,
    'burrow.setPermissions': setPermissions,
    'burrow.deletePermissions': deletePermissions,
  });
}
