import * as vscode from 'vscode';
import { normalizeDraft } from '../../core/publishDraft';
import { draftAsRequest } from './draftText';
import type { PanelServices } from '../../panels/services';
import { registerAll, type CommandServices } from '../../commands/context';
import { pick } from '../../commands/ui';

/**
 * "Save as .amqp" from the publish panel's history and templates: the draft becomes a request
 * (serializeDraft), in a new untitled `amqp` document or appended to a chosen `.amqp` file.
 */
export async function saveDraftAsAmqp(
  draftIn: unknown,
  name: string,
  where: { connection?: string; vhost?: string } = {},
): Promise<void> {
  const draft = normalizeDraft(draftIn);
  if (!draft) throw new Error('Nothing to save: the publish form sent no draft.');
  const text = draftAsRequest(draft, name, where);
  const files = await vscode.workspace.findFiles('**/*.amqp', '**/node_modules/**', 200);
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
    { label: '$(new-file) New untitled .amqp file' },
    ...files.map((uri) => ({ label: `$(file) ${vscode.workspace.asRelativePath(uri)}`, uri })),
  ];
  const chosen = await pick(items, {
    title: 'Burrow: save the message as an .amqp request',
    placeHolder: 'A new file, or add it to the end of a file',
  });
  if (!chosen.uri) {
    const doc = await vscode.workspace.openTextDocument({ language: 'amqp', content: text });
    await vscode.window.showTextDocument(doc);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(chosen.uri);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  const current = doc.getText();
  const sep = current === '' ? '' : current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, end, sep + text);
  await vscode.workspace.applyEdit(edit);
  const editor = await vscode.window.showTextDocument(doc);
  const last = new vscode.Position(doc.lineCount - 1, 0);
  editor.revealRange(new vscode.Range(last, last));
}

export function registerSaveAsAmqp(cmd: CommandServices, services: PanelServices): vscode.Disposable[] {
  return registerAll(cmd, {
    /** (draft, name?, target?): from the publish panel's history and template list. */
    'burrow.requests.saveDraft': async (_s, draft?: unknown, name?: unknown, connection?: unknown, vhost?: unknown) => {
      const profile = typeof connection === 'string' ? services.store.get(connection) : undefined;
      await saveDraftAsAmqp(draft, typeof name === 'string' ? name : '', {
        ...(profile ? { connection: profile.name } : {}),
        ...(typeof vhost === 'string' ? { vhost } : {}),
      });
    },
  });
}
