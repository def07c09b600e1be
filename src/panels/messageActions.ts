import * as vscode from 'vscode';
import type { CapturedMessage } from '../core/message';
import { decodeBody } from '../core/messageBody';
import { toExportable } from '../core/messageExport';

/** Opens a whole body (not the truncated preview) in an untitled editor. */
export async function openBodyInEditor(m: CapturedMessage): Promise<void> {
  const decoded = decodeBody(m.body, m.properties.contentType, { maxChars: Number.MAX_SAFE_INTEGER });
  const language = decoded.kind === 'json' ? 'json' : 'plaintext';
  const doc = await vscode.workspace.openTextDocument({ content: decoded.text, language });
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Saves messages as a JSON array (bodies base64), which the publish panel can load again. */
export async function saveMessages(messages: CapturedMessage[], suggestedName: string): Promise<void> {
  if (messages.length === 0) {
    void vscode.window.showInformationMessage('Burrow: there are no messages to save.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, suggestedName) : undefined,
    filters: { JSON: ['json'] },
    title: 'Save messages',
  });
  if (!target) return;
  const text = JSON.stringify(messages.map(toExportable), null, 2);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(
    `Burrow: saved ${messages.length} messages to ${vscode.workspace.asRelativePath(target)}.`,
  );
}
