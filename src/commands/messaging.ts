import * as vscode from 'vscode';
import { ExchangeNode, QueueNode, connectionOf, vhostOf, type ExplorerNode } from '../explorer/nodes';
import type { PanelManager } from '../panels/panelManager';
import type { PanelTarget } from '../protocol/common';
import { parseJsonWithPosition } from '../core/json';
import { queueType } from '../core/topology';
import { registerAll, resolveProfile, resolveVhost, type CommandServices } from './context';
import { ask, pick } from './ui';

async function targetFor(s: CommandServices, node: ExplorerNode | undefined): Promise<PanelTarget> {
  const profile = connectionOf(node)?.profile ?? (await resolveProfile(s, node));
  const vhost = vhostOf(node)?.vhost ?? (await resolveVhost(s, node, profile));
  const target: PanelTarget = { profileId: profile.id, profileName: profile.name, vhost };
  if (node instanceof QueueNode) {
    target.queue = node.name;
    target.queueType = queueType(node.queue);
  }
  if (node instanceof ExchangeNode) target.exchange = node.name;
  return target;
}

/** Asks for a queue name when a queue command runs from the palette. */
async function queueTarget(s: CommandServices, node: ExplorerNode | undefined): Promise<PanelTarget> {
  const target = await targetFor(s, node);
  if (target.queue !== undefined) return target;
  const session = await s.sessions.get(target.profileId);
  const name = await ask({ title: `Queue in ${target.vhost}`, prompt: 'Queue name' });
  const q = await session.management.getQueue(target.vhost, name);
  return { ...target, queue: q.name, queueType: queueType(q) };
}

/**
 * The queue or exchange of a Details command: the tree node's, else picked from the vhost's queues
 * and exchanges (first 500 of each, as the bind command lists them).
 */
async function detailsTarget(s: CommandServices, node: ExplorerNode | undefined): Promise<PanelTarget> {
  const target = await targetFor(s, node);
  if (target.queue !== undefined || target.exchange !== undefined) return target;
  const m = (await s.sessions.get(target.profileId)).management;
  const [queues, exchanges] = await Promise.all([
    m.listQueues(target.vhost, { page: 1, pageSize: 500 }),
    m.listExchanges(target.vhost, { page: 1, pageSize: 500 }),
  ]);
  const items = [
    { label: 'Queues', kind: vscode.QuickPickItemKind.Separator },
    ...queues.items.map((q) => ({ label: q.name, description: `queue · ${queueType(q)}`, queue: q })),
    { label: 'Exchanges', kind: vscode.QuickPickItemKind.Separator },
    ...exchanges.items.map((x) => ({
      label: x.name === '' ? '(AMQP default)' : x.name,
      description: `exchange · ${x.type}`,
      exchange: x.name,
    })),
  ] as (vscode.QuickPickItem & { queue?: (typeof queues.items)[number]; exchange?: string })[];
  const chosen = await pick(items, {
    title: `Burrow: Show Details (${target.vhost})`,
    placeHolder: 'Queue or exchange',
  });
  if (chosen.queue) return { ...target, queue: chosen.queue.name, queueType: queueType(chosen.queue) };
  return { ...target, exchange: chosen.exchange ?? '' };
}

export function registerMessagingCommands(s: CommandServices, panels: PanelManager): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.peek': async (_s, node?: ExplorerNode) => void panels.show('peek', await queueTarget(s, node)),
    'burrow.publish': async (_s, node?: ExplorerNode) => void panels.show('publish', await targetFor(s, node)),
    'burrow.tail': async (_s, node?: ExplorerNode) => {
      const target = node instanceof ExchangeNode ? await targetFor(s, node) : await queueTarget(s, node);
      panels.show('tail', target);
    },
    'burrow.routingTester': async (_s, node?: ExplorerNode) => void panels.show('routing', await targetFor(s, node)),
    'burrow.rpc': async (_s, node?: ExplorerNode) => void panels.show('rpc', await targetFor(s, node)),
    'burrow.showDetails': async (_s, node?: ExplorerNode) => void panels.show('details', await detailsTarget(s, node)),
    'burrow.showOverview': async (_s, node?: ExplorerNode) => {
      // The overview is the broker's: the connection's own vhost stands for it (no vhost is asked for).
      const profile = await resolveProfile(s, node);
      panels.show('overview', { profileId: profile.id, profileName: profile.name, vhost: profile.vhost });
    },
    'burrow.publishSelection': async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) throw new Error('Open an editor with the message body first.');
      const selection = editor.selection;
      const text = selection.isEmpty ? editor.document.getText() : editor.document.getText(selection);
      const isJson =
        editor.document.languageId === 'json' ||
        editor.document.languageId === 'jsonc' ||
        parseJsonWithPosition(text).ok;
      const target = await targetFor(s, undefined);
      panels.publishDraft(
        target,
        { body: text, bodyMode: isJson ? 'json' : 'text' },
        selection.isEmpty
          ? `the body from ${vscode.workspace.asRelativePath(editor.document.uri)}`
          : 'the body from the editor selection',
      );
    },
  });
}
