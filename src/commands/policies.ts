/**
 * Create / edit / delete policies and operator policies (the Policies group of a vhost). The
 * editing flow asks for name, pattern, apply-to, priority and the definition (JSON), then shows
 * which queues and exchanges the pattern matches (src/core/policies.ts previewPolicy) before
 * saving. A broker refusal (400 with its reason) re-opens the flow with everything typed so far.
 */
import * as vscode from 'vscode';
import { getOperatorPolicies, getPolicies, type ManagementClient } from '../broker/management';
import { deletePolicy, putPolicy, type PolicyBody, type PolicyKind } from '../broker/managementPolicies';
import { BrokerError, describeForUser } from '../broker/errors';
import { parseJsonWithPosition } from '../core/json';
import {
  applyToValues,
  checkPolicyDefinition,
  compilePattern,
  previewPolicy,
  refusalReason,
  unreadablePoliciesNote,
  type PolicyDef,
  type PolicyTarget,
} from '../core/policies';
import { PolicyNode, PoliciesGroupNode, connectionOf, vhostOf, type ExplorerNode } from '../explorer/nodes';
import {
  attempt,
  CommandFailed,
  done,
  registerAll,
  resolveProfile,
  resolveVhost,
  type CommandServices,
} from './context';
import { ask, Cancelled, confirmDanger, pick } from './ui';

const KIND_WORD: Record<PolicyKind, string> = { policy: 'policy', operator: 'operator policy' };

/** What the user typed; kept across attempts so a refusal loses nothing. */
interface Draft {
  name: string;
  pattern: string;
  applyTo: string;
  priority: string;
  definition: string;
}

function checkPriority(text: string): string | undefined {
  return /^\s*-?\d+\s*$/.test(text) ? undefined : 'A whole number (higher wins)';
}

async function brokerMajor(m: ManagementClient): Promise<number> {
  const o = await m.overview();
  const major = Number.parseInt(o.rabbitmq_version ?? o.product_version ?? '', 10);
  return Number.isFinite(major) ? major : 4;
}

async function targetsOf(m: ManagementClient, vhost: string): Promise<PolicyTarget[]> {
  const [queues, exchanges] = await Promise.all([
    m.listQueues(vhost, { columns: ['name', 'type'] }),
    m.listExchanges(vhost, { columns: ['name'] }),
  ]);
  return [
    ...queues.items.map((q) => ({ kind: 'queue' as const, name: q.name, queueType: q.type ?? 'classic' })),
    ...exchanges.items.filter((x) => x.name !== '').map((x) => ({ kind: 'exchange' as const, name: x.name })),
  ];
}

/** The Policies row for the vhost under the node's connection, where the tree shows it. */
function policiesRow(node: ExplorerNode | undefined, vhost: string): ExplorerNode | undefined {
  if (node instanceof PoliciesGroupNode) return node;
  if (node instanceof PolicyNode) return node.parent;
  const conn = connectionOf(node);
  return conn?.vhostNode(vhost)?.policies ?? conn;
}

function refreshRows(node: ExplorerNode | undefined, vhost: string): (ExplorerNode | undefined)[] {
  const v = connectionOf(node)?.vhostNode(vhost) ?? vhostOf(node);
  const rows = [policiesRow(node, vhost), v?.queues, v?.exchanges].filter((n) => n !== undefined);
  return rows.length ? rows : [undefined]; // from the palette, with nothing to go on: the whole tree
}

/**
 * The flow for one policy: inputs (pre-filled from `draft`), preview, PUT. Loops on refusal with
 * the previous text; returns the saved draft.
 */
async function editFlow(
  m: ManagementClient,
  kind: PolicyKind,
  vhost: string,
  draft: Draft,
  fixedName: boolean,
): Promise<Draft> {
  const major = await brokerMajor(m);
  const title = `Burrow: ${fixedName ? 'edit' : 'create'} ${KIND_WORD[kind]} in ${vhost}`;
  let problem: string | undefined;
  for (;;) {
    if (problem) {
      void vscode.window.showErrorMessage(`Burrow: ${problem}`);
    }
    if (!fixedName) {
      draft.name = await ask({
        title,
        prompt: 'Name',
        value: draft.name,
        validateInput: (v) => (v.trim() ? undefined : 'Required'),
      });
    }
    draft.pattern = await ask({
      title,
      prompt: 'Pattern: a regular expression searched in queue / exchange names (^ and $ anchor it)',
      value: draft.pattern,
      validateInput: (v) => {
        if (!v) return 'Required (.* matches everything)';
        const c = compilePattern(v);
        return c.ok
          ? undefined
          : {
              message: `${c.error} — the broker may still accept it; no preview`,
              severity: vscode.InputBoxValidationSeverity.Warning,
            };
      },
    });
    const applyTo = await pick(
      // The current value first, so Enter keeps it.
      [draft.applyTo, ...applyToValues(major).filter((a) => a !== draft.applyTo)].map((a) => ({ label: a })),
      { title, placeHolder: `Apply to (current: ${draft.applyTo})` },
    );
    draft.applyTo = applyTo.label;
    draft.priority = await ask({
      title,
      prompt: 'Priority (the matching policy with the highest priority is applied)',
      value: draft.priority,
      validateInput: checkPriority,
    });
    draft.definition = await ask({
      title,
      prompt: `Definition as a JSON object, e.g. {"max-length": 1000, "dead-letter-exchange": "dlx"}`,
      value: draft.definition,
      validateInput: checkPolicyDefinition,
    });
    const definition = parseJsonWithPosition(draft.definition);
    if (!definition.ok) continue; // validateInput prevents it; keep the text and ask again
    const body: PolicyBody = {
      pattern: draft.pattern,
      definition: definition.value as Record<string, unknown>,
      priority: Number.parseInt(draft.priority, 10),
      'apply-to': draft.applyTo,
    };
    const proceed = await confirmPreview(m, kind, vhost, draft.name, body, major, title);
    if (!proceed) {
      problem = undefined;
      continue;
    }
    try {
      await putPolicy(m, kind, vhost, draft.name, body);
      return draft;
    } catch (err) {
      // 400: the broker refused what was typed (pattern, key, value, apply-to): let the user fix it.
      if (err instanceof BrokerError && err.code === 400) {
        problem = `the broker refused ${KIND_WORD[kind]} '${draft.name}' (400): ${refusalReason(err.replyText ?? describeForUser(err))}. Your input is kept: fix it and try again.`;
        continue;
      }
      throw new CommandFailed(`Save ${KIND_WORD[kind]} '${draft.name}' in vhost '${vhost}'`, err);
    }
  }
}

/** Shows what the pattern matches; true: save, false: change the inputs. */
async function confirmPreview(
  m: ManagementClient,
  kind: PolicyKind,
  vhost: string,
  name: string,
  body: PolicyBody,
  major: number,
  title: string,
): Promise<boolean> {
  const [targets, read] = await Promise.all([
    targetsOf(m, vhost),
    // Unreadable (a user without the rights): the preview still shows the matches, and says so.
    (kind === 'operator' ? getOperatorPolicies(m, vhost) : getPolicies(m, vhost)).then(
      (list) => ({ list, unread: undefined }),
      (err: unknown) => ({
        list: [],
        unread: unreadablePoliciesNote(
          kind === 'operator',
          err instanceof BrokerError && typeof err.code === 'number' ? err.code : undefined,
          describeForUser(err),
        ),
      }),
    ),
  ]);
  const others = read.list;
  const draft: PolicyDef = {
    name,
    pattern: body.pattern,
    'apply-to': body['apply-to'],
    priority: body.priority,
    definition: body.definition,
  };
  const preview = previewPolicy(draft, others, targets, major);
  type Item = vscode.QuickPickItem & { action?: 'save' | 'edit' };
  const items: Item[] = [
    { label: `$(check) Save ${KIND_WORD[kind]} '${name}'`, description: preview.summary, action: 'save' },
    { label: '$(edit) Change the inputs', action: 'edit' },
  ];
  if (read.unread) {
    items.push({ label: 'Not known', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: `$(warning) ${read.unread}` });
  }
  if (preview.rows.length) items.push({ label: 'Matches', kind: vscode.QuickPickItemKind.Separator });
  for (const r of preview.rows.slice(0, 200)) {
    items.push({
      label: `$(${r.target.kind === 'queue' ? 'inbox' : 'arrow-swap'}) ${r.target.name}`,
      description: r.target.kind === 'queue' ? `${r.target.queueType ?? 'classic'} queue` : 'exchange',
      detail: r.wins ? 'this policy would apply' : `not applied: ${r.reason}`,
    });
  }
  for (;;) {
    const chosen = await pick(items, {
      title,
      placeHolder:
        preview.error ??
        `'${body.pattern}' ${preview.summary}${read.unread ? ` (other ${kind === 'operator' ? 'operator policies' : 'policies'} not readable)` : ''}`,
      matchOnDescription: true,
    });
    if (chosen.action === 'save') return true;
    if (chosen.action === 'edit') return false;
  }
}

async function createPolicyOf(kind: PolicyKind, s: CommandServices, node?: ExplorerNode): Promise<void> {
  const profile = await resolveProfile(s, node);
  const vhost = await resolveVhost(s, node, profile);
  const session = await s.sessions.get(profile);
  const saved = await editFlow(
    session.management,
    kind,
    vhost,
    {
      name: '',
      pattern: '',
      applyTo: kind === 'operator' ? 'queues' : 'all',
      priority: '0',
      definition: '{}',
    },
    false,
  );
  done(s, `saved ${KIND_WORD[kind]} '${saved.name}' in vhost '${vhost}'.`, ...refreshRows(node, vhost));
}

async function editPolicy(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof PolicyNode)) throw new Error('Choose a policy in the Burrow tree.');
  const session = await s.sessions.get(node.profileId);
  const p = node.policy;
  const saved = await editFlow(
    session.management,
    node.kind,
    node.vhost,
    {
      name: p.name,
      pattern: p.pattern,
      applyTo: p['apply-to'] ?? 'all',
      priority: String(p.priority ?? 0),
      definition: JSON.stringify(p.definition ?? {}),
    },
    true,
  );
  done(s, `saved ${KIND_WORD[node.kind]} '${saved.name}' in vhost '${node.vhost}'.`, ...refreshRows(node, node.vhost));
}

async function deletePolicyCmd(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof PolicyNode)) throw new Error('Choose a policy in the Burrow tree.');
  const word = KIND_WORD[node.kind];
  const ok = await confirmDanger(
    `Delete ${word} '${node.name}' in '${node.vhost}'?`,
    `The queues and exchanges it applies to lose its settings (${Object.keys(node.policy.definition ?? {}).join(', ') || 'none'}); a lower-priority policy may apply to them instead.`,
    'Delete',
  );
  if (!ok) throw new Cancelled();
  const session = await s.sessions.get(node.profileId);
  await attempt(`Delete ${word} '${node.name}'`, () =>
    deletePolicy(session.management, node.kind, node.vhost, node.name),
  );
  done(s, `deleted ${word} '${node.name}' in vhost '${node.vhost}'.`, ...refreshRows(node, node.vhost));
}

export function registerPolicyCommands(s: CommandServices): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.createPolicy': (svc, node?: ExplorerNode) => createPolicyOf('policy', svc, node),
    'burrow.createOperatorPolicy': (svc, node?: ExplorerNode) => createPolicyOf('operator', svc, node),
    'burrow.editPolicy': editPolicy,
    'burrow.deletePolicy': deletePolicyCmd,
  });
}
