/**
 * The `.amqp` language features (grammar, configuration and snippets are in package.json):
 * completion, hover, per-request folding and diagnostics. Composed by extension.ts.
 */
import * as vscode from 'vscode';
import type { ConnectionStore } from '../../connections/store';
import type { SessionManager } from '../../connections/sessions';
import { RequestFileCompletion } from './completion';
import { RequestFileDiagnostics } from './diagnostics';
import { RequestFileHover } from './hover';
import { LiveTopology } from './live';
import { requestFoldingRanges } from '../../core/requestFile/cursor';

export interface RequestFileLanguageDeps {
  store: ConnectionStore;
  sessions: SessionManager;
  log: vscode.LogOutputChannel;
}

const SELECTOR: vscode.DocumentSelector = { language: 'amqp' };

export function registerRequestFileLanguage(deps: RequestFileLanguageDeps): vscode.Disposable[] {
  const live = new LiveTopology({
    profiles: () => deps.store.list(),
    hasPassword: async (p) => (await deps.store.getPassword(p)) !== undefined,
    session: (p) => deps.sessions.get(p),
    isOpen: (id) => deps.sessions.isOpen(id),
  });
  return [
    vscode.languages.registerCompletionItemProvider(SELECTOR, new RequestFileCompletion(live), ' ', '{', ':', '"', '='),
    vscode.languages.registerHoverProvider(SELECTOR, new RequestFileHover(live)),
    vscode.languages.registerFoldingRangeProvider(SELECTOR, {
      provideFoldingRanges: (doc) =>
        requestFoldingRanges(doc.getText().split(/\r?\n/)).map(
          (r) => new vscode.FoldingRange(r.start, r.end, vscode.FoldingRangeKind.Region),
        ),
    }),
    new RequestFileDiagnostics(live, deps.log, [deps.store.onDidChange, deps.sessions.onDidChangeStatus]),
  ];
}
