/**
 * Definitions as code: export a vhost's or the whole broker's definitions to a file (normal form,
 * src/core/definitions.ts), CodeLenses on definitions files ("Diff with broker", "Apply to
 * broker"), and import from a file chosen anywhere. Diff opens VS Code's diff editor between the
 * live broker's normalized definitions (a read-only `burrow-defs:` document) and the file. Apply
 * and import show the plan as a read-only Markdown document, then ask in a modal; deletions and
 * re-creates run only after the modal's explicit "Apply, including deletions".
 */
import * as vscode from 'vscode';
import type { ManagementClient } from '../broker/management';
import { applyPlan, getDefinitions, messageCounts } from '../broker/managementDefinitions';
import { describeForUser } from '../broker/errors';
import { parseJsonWithPosition } from '../core/json';
import {
  formatDefinitions,
  isVhostLevel,
  looksLikeDefinitions,
  normalizeDefinitions,
  planDefinitions,
  planMarkdown,
  planSummary,
  scopeToVhost,
  sectionsOf,
  type JsonObject,
  type PlanStep,
} from '../core/definitions';
import type { ConnectionProfile } from '../core/profile';
import { vhostOf, type ExplorerNode } from '../explorer/nodes';
import { attempt, done, registerAll, resolveProfile, type CommandServices } from './context';
import { Cancelled, pick } from './ui';

export const DEFS_SCHEME = 'burrow-defs';
/** The files that get the schema and the CodeLenses (package.json jsonValidation uses the same patterns). */
export const DEFINITIONS_SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.definitions.json' },
  { pattern: '**/definitions.json' },
];

/** Where a file applies: chosen once per file and session, asked again from the lens' "Change target". */
interface Target {
  profile: ConnectionProfile;
  /** For a vhost-level file: the vhost it applies to. */
  vhost?: string;
}

/** Read-only documents: the broker's definitions (for the diff) and apply previews. */
class DefsDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.emitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

class DefinitionsLenses implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const parsed = parseJsonWithPosition(doc.getText());
    if (parsed.ok && !looksLikeDefinitions(parsed.value)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: 'Diff with broker', command: 'burrow.definitions.diff', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: 'Apply to broker', command: 'burrow.definitions.apply', arguments: [doc.uri] }),
    ];
  }
}

function parseFile(text: string, where: string): JsonObject {
  const parsed = parseJsonWithPosition(text);
  if (!parsed.ok) throw new Error(`${where} is not valid JSON: ${parsed.error}`);
  if (!looksLikeDefinitions(parsed.value)) {
    throw new Error(
      `${where} is not a definitions file (no "queues", "exchanges", "bindings", "vhosts", "users" or "policies" array)`,
    );
  }
  return normalizeDefinitions(parsed.value, { keepPasswordHashes: true });
}

async function chooseVhost(mc: ManagementClient, profile: ConnectionProfile, title: string): Promise<string> {
  const vhosts = await attempt('List virtual hosts', () => mc.listVhosts());
  const chosen = await pick(
    vhosts.map((v) => ({
      label: v.name,
      description: v.name === profile.vhost ? 'default for this connection' : undefined,
    })),
    { title, placeHolder: 'The file has one vhost’s definitions: the vhost it applies to' },
  );
  return chosen.label;
}

function hasHashes(defs: JsonObject): boolean {
  return (
    Array.isArray(defs.users) && defs.users.some((u) => typeof u === 'object' && u !== null && 'password_hash' in u)
  );
}

export function registerDefinitionsCommands(s: CommandServices): vscode.Disposable[] {
  const docs = new DefsDocuments();
  const targets = new Map<string, Target>();
  let previews = 0;

  async function targetFor(uri: vscode.Uri, vhostLevel: boolean, fresh = false): Promise<Target> {
    const known = targets.get(uri.toString());
    if (known && !fresh && (known.vhost !== undefined) === vhostLevel) return known;
    const profile = await resolveProfile(s, undefined);
    const mc = (await s.sessions.get(profile)).management;
    const vhost = vhostLevel
      ? await chooseVhost(mc, profile, 'Burrow: apply this definitions file to vhost…')
      : undefined;
    const t = { profile, vhost };
    targets.set(uri.toString(), t);
    return t;
  }

  /** The broker's side, normalized like the file (its vhost-level form for a vhost-level file). */
  async function brokerDefinitions(t: Target, keepHashes: boolean): Promise<JsonObject> {
    const mc = (await s.sessions.get(t.profile)).management;
    const raw = await attempt(`Export definitions${t.vhost !== undefined ? ` of vhost "${t.vhost}"` : ''}`, () =>
      getDefinitions(mc, t.vhost),
    );
    return normalizeDefinitions(raw, { keepPasswordHashes: keepHashes });
  }

  async function readUri(uri: vscode.Uri): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  }

  async function diff(_s: CommandServices, arg?: vscode.Uri): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new Error('Open a definitions file first');
    const name = uri.path.split('/').pop() ?? 'definitions.json';
    const file = parseFile(await readUri(uri), name);
    const t = await targetFor(uri, isVhostLevel(file));
    const broker = await brokerDefinitions(t, hasHashes(file));
    const where = t.vhost !== undefined ? `${t.profile.name}, vhost ${t.vhost}` : t.profile.name;
    const left = vscode.Uri.from({
      scheme: DEFS_SCHEME,
      path: `/${encodeURIComponent(t.profile.id)}/${encodeURIComponent(t.vhost ?? '*')}/broker.definitions.json`,
      query: uri.toString(),
    });
    docs.set(left, formatDefinitions(sectionsOf(broker, file)));
    await vscode.commands.executeCommand('vscode.diff', left, uri, `Broker (${where}) ↔ ${name}`);
  }

  async function applyFrom(uri: vscode.Uri, text: string, name: string, node?: ExplorerNode): Promise<void> {
    const file = parseFile(text, name);
    const vhostLevel = isVhostLevel(file);
    let t: Target;
    if (node && vhostOf(node)) {
      const profile = await resolveProfile(s, node);
      t = { profile, vhost: vhostLevel ? vhostOf(node)!.vhost : undefined };
    } else if (node) {
      // A connection row: that broker, never one remembered for the file or picked for it.
      const profile = await resolveProfile(s, node);
      const vhost = vhostLevel
        ? await chooseVhost((await s.sessions.get(profile)).management, profile, 'Burrow: import into vhost…')
        : undefined;
      t = { profile, vhost };
    } else t = await targetFor(uri, vhostLevel);
    const mc = (await s.sessions.get(t.profile)).management;
    const broker = await brokerDefinitions(t, hasHashes(file));
    const desired = t.vhost !== undefined ? scopeToVhost(file, t.vhost) : file;
    const current = t.vhost !== undefined ? scopeToVhost(broker, t.vhost) : broker;
    const plan = planDefinitions(desired, current, { protectedUsers: [t.profile.username] });
    const where = t.vhost !== undefined ? `${t.profile.name}, vhost "${t.vhost}"` : `${t.profile.name} (whole broker)`;
    if (!plan.steps.length) {
      void vscode.window.showInformationMessage(
        `Burrow: ${where} already matches ${name} (${plan.unchanged} unchanged).`,
      );
      return;
    }
    const counts = await messageCounts(mc, plan.steps);
    const preview = vscode.Uri.from({ scheme: DEFS_SCHEME, path: `/preview/${++previews}/Apply ${name}.md` });
    docs.set(preview, planMarkdown(plan, `Apply ${name} to ${where}`, counts));
    await vscode.window.showTextDocument(preview, { preview: true, viewColumn: vscode.ViewColumn.Beside });

    const destructive = plan.steps.filter((x) => x.action === 'delete' || x.action === 'recreate');
    const lost = [...counts.values()].reduce((a, b) => a + b, 0);
    const ALL = destructive.length ? 'Apply, including deletions' : 'Apply';
    const SAFE = 'Apply without deleting';
    const detail = [
      planSummary(plan),
      destructive.length
        ? `${destructive.length} object(s) will be deleted${plan.steps.some((x) => x.action === 'recreate') ? ' (some to be re-created: the broker cannot change them in place)' : ''}${lost ? `; ${lost} message(s) will be lost` : ''}. See the preview.`
        : 'Nothing will be deleted.',
    ].join('\n');
    const buttons = destructive.length && destructive.length < plan.steps.length ? [ALL, SAFE] : [ALL];
    const choice = await vscode.window.showWarningMessage(
      `Apply ${name} to ${where}?`,
      { modal: true, detail },
      ...buttons,
    );
    if (!choice) throw new Cancelled();
    const steps: PlanStep[] = choice === SAFE ? plan.steps.filter((x) => !destructive.includes(x)) : plan.steps;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Burrow: applying ${name}` },
      (progress) =>
        applyPlan(mc, steps, (n, step) =>
          progress.report({ message: `${n + 1}/${steps.length}: ${step.action} ${step.label}` }),
        ),
    );
    if (result.failed) {
      const f = result.failed;
      s.explorer.refresh();
      throw new Error(
        `Apply ${name}: ${result.done} of ${steps.length} step(s) done; ${f.step.action} ${f.step.label} failed: ${describeForUser(f.error)}. The steps after it were not run.`,
      );
    }
    done(
      s,
      `applied ${name} to ${where}: ${steps.length} step(s)${choice === SAFE ? ` (${destructive.length} deletion(s) skipped)` : ''}`,
      undefined,
    );
  }

  async function apply(_s: CommandServices, arg?: vscode.Uri): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new Error('Open a definitions file first');
    await applyFrom(uri, await readUri(uri), uri.path.split('/').pop() ?? 'definitions.json');
  }

  async function importFile(_s: CommandServices, node?: ExplorerNode): Promise<void> {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'Definitions (JSON)': ['json'] },
      title: 'Burrow: import definitions from…',
      openLabel: 'Preview import',
    });
    if (!chosen?.length) throw new Cancelled();
    const uri = chosen[0];
    await applyFrom(uri, await readUri(uri), uri.path.split('/').pop() ?? 'definitions.json', node);
  }

  async function exportDefs(_s: CommandServices, node?: ExplorerNode): Promise<void> {
    const profile = await resolveProfile(s, node);
    const mc = (await s.sessions.get(profile)).management;
    let vhost = vhostOf(node)?.vhost;
    if (vhost === undefined) {
      const scope = await pick(
        [
          { label: 'One virtual host', description: 'GET /api/definitions/{vhost}', whole: false },
          { label: 'Whole broker', description: 'vhosts, users, permissions, … (GET /api/definitions)', whole: true },
        ],
        { title: 'Burrow: export definitions of…' },
      );
      if (!scope.whole) vhost = await chooseVhost(mc, profile, 'Burrow: export definitions of vhost…');
    }
    let keepHashes = false;
    if (vhost === undefined) {
      const h = await pick(
        [
          { label: 'Leave out password hashes', keep: false },
          {
            label: 'Include password hashes',
            description: 'users[].password_hash: treat the file as a secret',
            keep: true,
          },
        ],
        { title: 'Burrow: users’ password hashes' },
      );
      keepHashes = h.keep;
    }
    const raw = await attempt(`Export definitions${vhost !== undefined ? ` of vhost "${vhost}"` : ''}`, () =>
      getDefinitions(mc, vhost),
    );
    const text = formatDefinitions(normalizeDefinitions(raw, { keepPasswordHashes: keepHashes }));
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const base = (vhost === undefined ? profile.name : `${profile.name}-${vhost === '/' ? 'default' : vhost}`).replace(
      /[^\w.-]+/g,
      '-',
    );
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.definitions.json`) : undefined,
      filters: { 'Definitions (JSON)': ['json'] },
      title: 'Burrow: save definitions as…',
    });
    if (!target) throw new Cancelled();
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    targets.set(target.toString(), { profile, vhost });
    await vscode.window.showTextDocument(target);
    s.log.info(
      `exported definitions of ${vhost !== undefined ? `vhost "${vhost}"` : 'the whole broker'} (${profile.name}) to ${target.fsPath}`,
    );
  }

  async function changeTarget(_s: CommandServices, arg?: vscode.Uri): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new Error('Open a definitions file first');
    const file = parseFile(await readUri(uri), uri.path.split('/').pop() ?? 'definitions.json');
    await targetFor(uri, isVhostLevel(file), true);
  }

  return [
    docs,
    vscode.workspace.registerTextDocumentContentProvider(DEFS_SCHEME, docs),
    vscode.languages.registerCodeLensProvider(DEFINITIONS_SELECTOR, new DefinitionsLenses()),
    ...registerAll(s, {
      'burrow.definitions.export': exportDefs,
      'burrow.definitions.diff': diff,
      'burrow.definitions.apply': apply,
      'burrow.definitions.import': importFile,
      'burrow.definitions.chooseTarget': changeTarget,
    }),
  ];
}
