import type * as vscode from 'vscode';
import type { SessionManager } from '../connections/sessions';
import type { ConnectionStore } from '../connections/store';

/** What the panels need from the rest of the extension. */
export interface PanelServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  sessions: SessionManager;
  store: ConnectionStore;
  context: vscode.ExtensionContext;
}
