import * as vscode from 'vscode';
import { newProfileId, type ConnectionProfile } from '../core/profile';
import {
  checkManagementUrlInput,
  managementUrlField,
  managementUrlToStore,
  profileLabel,
  redactUri,
  hostProblem,
  resolveManagementUrl,
  vhostOrDefault,
} from '../core/uri';
import { formatHostList, managementUrlsFor, parseAmqpUriList, parseHostList } from '../core/cluster';
import { probeConnection } from '../broker/probe';
import { Cancelled, ask, confirmDanger, pick, yesNo } from './ui';
import { registerAll, resolveProfile, type CommandServices } from './context';
import type { ExplorerNode } from '../explorer/nodes';

function hostListProblem(text: string, port: number): string | undefined {
  try {
    parseHostList(text, port);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Asks for the cluster's other nodes ("host:port, host:port"; empty = a single node). */
async function askHosts(title: string, p: ConnectionProfile): Promise<ConnectionProfile> {
  const text = await ask({
    title,
    prompt: `The cluster's other nodes, tried after ${p.host}:${p.port} when it cannot be reached or goes down (empty = a single node)`,
    placeHolder: 'rabbit2:5672, rabbit3:5672',
    value: formatHostList(p.hosts ?? []),
    validateInput: (v) => hostListProblem(v, p.port),
  });
  const hosts = parseHostList(text, p.port);
  const next: ConnectionProfile = { ...p, hosts: hosts.length ? hosts : undefined };
  if (!hosts.length) delete next.hosts;
  return next;
}

/** Asks for one management URL per node (empty = derived from the first node's). */
async function askManagementUrls(title: string, p: ConnectionProfile): Promise<ConnectionProfile> {
  const derived = managementUrlsFor({ ...p, managementUrls: undefined }) ?? [];
  const text = await ask({
    title,
    // Shown redacted: a URL from settings.json may carry a password (which this input refuses).
    prompt: `One management URL per node, in node order (empty = derived: ${derived.map(redactUri).join(', ') || 'none'})`,
    value: (p.managementUrls ?? []).map(redactUri).join(', '),
    validateInput: (v) =>
      v
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((u) => checkManagementUrlInput(u, true))
        .find((x) => x !== undefined),
  });
  const urls = text.split(/[\s,]+/).filter(Boolean);
  const next: ConnectionProfile = { ...p, managementUrls: urls };
  if (!urls.length) delete next.managementUrls;
  return next;
}

function validPort(text: string): string | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : 'A port is a whole number from 1 to 65535';
}

/**
 * Asks for the management URL of a draft profile: prefilled with the default that goes with its
 * AMQP port (5672 → http://host:15672, 5671 → https://host:15671), or empty and required with a
 * prompt naming the port when there is no such default. Returns what to store (undefined = default).
 */
async function askManagementUrl(title: string, draft: ConnectionProfile): Promise<string | undefined> {
  const field = managementUrlField(draft);
  const entered = await ask({
    title,
    prompt: field.prompt,
    value: field.value,
    placeHolder: field.example,
    validateInput: (v) => checkManagementUrlInput(v, field.required),
  });
  return managementUrlToStore(draft, entered);
}

async function askPassword(profileName: string, username: string): Promise<string> {
  return ask({
    title: `Password for ${username} on ${profileName}`,
    password: true,
    prompt: 'Stored in VS Code secret storage, never in settings',
  });
}

/** Runs "test connection" and reports both halves in one notification. Returns true when both passed. */
export async function testAndReport(s: CommandServices, profile: ConnectionProfile): Promise<boolean> {
  const password = await s.store.getPassword(profile);
  if (password === undefined) {
    void vscode.window
      .showWarningMessage(`Burrow: no password stored for ${profile.name}.`, 'Set Password')
      .then((c) => {
        if (c) void vscode.commands.executeCommand('burrow.setPassword', profile.id);
      });
    return false;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Burrow: testing ${profile.name}…` },
    () => probeConnection(profile, password),
  );
  const line = (name: string, half: { ok: boolean; detail: string }) => `${name} ${half.ok ? '✓' : '✗'} ${half.detail}`;
  const text = `${profile.name}: ${line('AMQP', result.amqp)} — ${line('Management', result.management)}`;
  s.log.info(`Test connection ${profileLabel(profile)}: ${text}`);
  s.explorer.root.ctx.identity?.record?.(profile, result.identity);
  const mismatch = result.identity?.warning;
  if (result.amqp.ok && result.management.ok && mismatch) {
    // Both halves logged in, but not to the same broker: the tree would show the other one.
    s.log.warn(`Test connection ${profileLabel(profile)}: ${mismatch}`);
    void vscode.window
      .showWarningMessage(`Burrow: ${profile.name}: ${mismatch}.`, { detail: text }, 'Edit Connection')
      .then((c) => {
        if (c) void vscode.commands.executeCommand('burrow.editConnection', profile.id);
      });
    return false;
  }
  if (result.amqp.ok && result.management.ok) {
    void vscode.window.showInformationMessage(`Burrow: ${text}`);
    s.sessions.reportOk(profile.id);
    return true;
  }
  s.sessions.reportError(profile.id, result.amqp.ok ? result.management.error : result.amqp.error);
  void vscode.window.showErrorMessage(`Burrow: ${text}`, 'Edit Connection', 'Set Password').then((c) => {
    if (c === 'Edit Connection') void vscode.commands.executeCommand('burrow.editConnection', profile.id);
    if (c === 'Set Password') void vscode.commands.executeCommand('burrow.setPassword', profile.id);
  });
  return false;
}

async function addConnection(s: CommandServices): Promise<void> {
  const title = 'Burrow: add connection';
  const host = (
    await ask({
      title,
      prompt: 'Host name or IP address of the broker',
      value: 'localhost',
      validateInput: (v) => (v.trim() ? hostProblem(v) : 'Required'),
    })
  ).trim();
  const tls = await yesNo(title, 'Use TLS (amqps)?', false);
  const port = Number(
    await ask({ title, prompt: 'AMQP port', value: tls ? '5671' : '5672', validateInput: validPort }),
  );
  const vhost = vhostOrDefault(
    await ask({ title, prompt: 'Default virtual host (empty = the default vhost /)', value: '/' }),
  );
  const username = await ask({
    title,
    prompt: 'User name',
    value: 'guest',
    validateInput: (v) => (v ? undefined : 'Required'),
  });
  const password = await ask({ title, prompt: `Password for ${username} (kept in secret storage)`, password: true });
  const draft: ConnectionProfile = await askHosts(title, { id: '', name: host, host, port, vhost, username, tls });
  const managementUrl = await askManagementUrl(title, draft);
  const name =
    (await ask({ title, prompt: 'Display name', value: host === 'localhost' ? `localhost:${port}` : host })).trim() ||
    host;
  const profile: ConnectionProfile = {
    ...draft,
    name,
    id: newProfileId(
      name,
      s.store.list().map((p) => p.id),
    ),
  };
  if (managementUrl !== undefined) profile.managementUrl = managementUrl;
  await s.store.save(profile, password);
  s.log.info(`Added connection ${profileLabel(profile)}`);
  s.explorer.refresh();
  await testAndReport(s, profile);
}

async function addConnectionFromUri(s: CommandServices, uriArg?: unknown): Promise<void> {
  const title = 'Burrow: add connection from URI';
  const uri =
    typeof uriArg === 'string'
      ? uriArg
      : await ask({
          title,
          prompt:
            'amqp://user:password@host:port/vhost or amqps://… (the password is moved to secret storage); several URIs separated by commas for a cluster',
          placeHolder: 'amqp://guest:guest@localhost:5672/%2F',
          validateInput: (v) => {
            try {
              parseAmqpUriList(v.trim());
              return undefined;
            } catch (err) {
              return (err as Error).message;
            }
          },
        });
  const parsed = parseAmqpUriList(uri.trim());
  const defaultName = parsed.profile.host;
  const name =
    typeof uriArg === 'string'
      ? defaultName
      : (await ask({ title, prompt: 'Display name', value: defaultName })).trim() || defaultName;
  const profile: ConnectionProfile = {
    ...parsed.profile,
    name,
    id: newProfileId(
      name,
      s.store.list().map((p) => p.id),
    ),
  };
  if (parsed.hosts.length) profile.hosts = parsed.hosts;
  // An AMQP URI says nothing about the management API: take the default for the port, or ask.
  if (resolveManagementUrl(profile).problem) {
    const managementUrl = await askManagementUrl(title, profile);
    if (managementUrl !== undefined) profile.managementUrl = managementUrl;
  }
  const password = parsed.password ?? (await askPassword(name, profile.username));
  await s.store.save(profile, password);
  s.log.info(`Added connection ${redactUri(uri.trim())}`);
  s.explorer.refresh();
  await testAndReport(s, profile);
}

type EditField = vscode.QuickPickItem & { field: keyof ConnectionProfile | 'password' | 'done' };

async function editConnection(s: CommandServices, arg?: ExplorerNode | string): Promise<void> {
  let profile = typeof arg === 'string' ? s.store.get(arg) : await resolveProfile(s, arg);
  if (!profile) throw new Error(`Unknown connection '${String(arg)}'`);
  let password: string | undefined;
  for (;;) {
    const p: ConnectionProfile = profile;
    const items: EditField[] = [
      { label: '$(check) Save and test', field: 'done' },
      { label: 'Host', description: p.host, field: 'host' },
      { label: 'Port', description: String(p.port), field: 'port' },
      { label: 'Virtual host', description: p.vhost, field: 'vhost' },
      { label: 'User name', description: p.username, field: 'username' },
      { label: 'Password', description: password !== undefined ? 'changed' : 'unchanged', field: 'password' },
      { label: 'TLS (amqps)', description: p.tls ? 'on' : 'off', field: 'tls' },
      { label: 'CA file', description: p.caFile ?? 'system CAs', field: 'caFile' },
      {
        label: 'Allow self-signed certificates',
        description: p.allowSelfSigned ? 'yes' : 'no',
        field: 'allowSelfSigned',
      },
      { label: 'Management URL', description: managementUrlDescription(p), field: 'managementUrl' },
      {
        label: 'Other cluster nodes',
        description: p.hosts?.length ? formatHostList(p.hosts) : 'none (a single node)',
        field: 'hosts',
      },
      {
        label: 'Node order',
        description: p.shuffleHosts ? 'shuffled' : 'as listed',
        field: 'shuffleHosts',
      },
      {
        label: 'Management URLs of the nodes',
        description: (managementUrlsFor(p) ?? []).map(redactUri).join(', ') || 'none',
        field: 'managementUrls',
      },
    ];
    const choice = await pick(items, { title: `Burrow: edit ${p.name}`, placeHolder: 'Pick a field to change' });
    const title = `Edit ${p.name}: ${choice.label}`;
    switch (choice.field) {
      case 'done':
        await s.store.save(p, password);
        s.sessions.close(p.id);
        s.explorer.refresh();
        await testAndReport(s, p);
        return;
      case 'host':
        profile = {
          ...p,
          host: (
            await ask({ title, value: p.host, validateInput: (v) => (v.trim() ? hostProblem(v) : 'Required') })
          ).trim(),
        };
        break;
      case 'port':
        profile = await withManagementUrl(title, {
          ...p,
          port: Number(await ask({ title, value: String(p.port), validateInput: validPort })),
        });
        break;
      case 'vhost':
        profile = {
          ...p,
          vhost: vhostOrDefault(
            await ask({ title, prompt: 'Virtual host (empty = the default vhost /)', value: p.vhost }),
          ),
        };
        break;
      case 'username':
        profile = {
          ...p,
          username: await ask({ title, value: p.username, validateInput: (v) => (v ? undefined : 'Required') }),
        };
        break;
      case 'password':
        password = await askPassword(p.name, p.username);
        break;
      case 'tls': {
        const tls = !p.tls;
        const port = p.port === 5672 && tls ? 5671 : p.port === 5671 && !tls ? 5672 : p.port;
        profile = await withManagementUrl(title, { ...p, tls, port });
        break;
      }
      case 'caFile': {
        const files = await vscode.window.showOpenDialog({
          title: 'CA certificate (PEM)',
          canSelectMany: false,
          filters: { PEM: ['pem', 'crt', 'cer'], All: ['*'] },
        });
        profile = { ...p, caFile: files?.[0]?.fsPath };
        break;
      }
      case 'allowSelfSigned':
        profile = { ...p, allowSelfSigned: !p.allowSelfSigned || undefined };
        break;
      case 'managementUrl':
        profile = { ...p, managementUrl: await askManagementUrl(title, p) };
        break;
      case 'hosts':
        profile = await askHosts(title, p);
        break;
      case 'shuffleHosts':
        profile = { ...p, shuffleHosts: !p.shuffleHosts || undefined };
        break;
      case 'managementUrls':
        profile = await askManagementUrls(title, p);
        break;
    }
  }
}

function managementUrlDescription(p: ConnectionProfile): string {
  const where = resolveManagementUrl(p);
  if (where.problem) return `⚠ not set: required for AMQP port ${p.port}`;
  return where.derived ? `${where.url} (default for port ${p.port})` : redactUri(where.url);
}

/**
 * After a port or TLS change: a profile left without a usable management URL asks for one at once.
 * Dismissing that prompt keeps the other edits (the field list then shows "⚠ not set").
 */
async function withManagementUrl(title: string, p: ConnectionProfile): Promise<ConnectionProfile> {
  if (!resolveManagementUrl(p).problem) return p;
  try {
    return { ...p, managementUrl: await askManagementUrl(`${title}: management URL`, p) };
  } catch (err) {
    if (err instanceof Cancelled) return p;
    throw err;
  }
}

async function renameConnection(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const name = (
    await ask({
      title: 'Burrow: rename connection',
      value: profile.name,
      validateInput: (v) => (v.trim() ? undefined : 'Required'),
    })
  ).trim();
  await s.store.save({ ...profile, name });
  s.explorer.refresh();
}

async function removeConnection(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const ok = await confirmDanger(
    `Remove the connection '${profile.name}'?`,
    `${profileLabel(profile)}\nIts stored password is deleted too. Nothing on the broker changes.`,
    'Remove',
  );
  if (!ok) return;
  s.sessions.close(profile.id);
  await s.store.remove(profile.id);
  s.explorer.refresh();
}

async function setPassword(s: CommandServices, arg?: ExplorerNode | string): Promise<void> {
  const profile = typeof arg === 'string' ? s.store.get(arg) : await resolveProfile(s, arg);
  if (!profile) return;
  const password = await askPassword(profile.name, profile.username);
  await s.store.setPassword(profile.id, password);
  s.sessions.close(profile.id);
  s.explorer.refresh();
}

async function testConnection(s: CommandServices, arg?: ExplorerNode | string): Promise<void> {
  const profile = typeof arg === 'string' ? s.store.get(arg) : await resolveProfile(s, arg);
  if (profile) await testAndReport(s, profile);
}

async function disconnect(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  s.sessions.close(profile.id);
  s.explorer.refresh();
}

export function registerConnectionCommands(s: CommandServices): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.addConnection': addConnection,
    'burrow.addConnectionFromUri': addConnectionFromUri,
    'burrow.editConnection': editConnection,
    'burrow.renameConnection': renameConnection,
    'burrow.removeConnection': removeConnection,
    'burrow.setPassword': setPassword,
    'burrow.testConnection': testConnection,
    'burrow.disconnect': disconnect,
  });
}
