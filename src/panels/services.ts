import type * as vscode from 'vscode';
import type { SessionManager } from '../connections/sessions';
import type { ConnectionStore } from '../connections/store';
import type { PanelTarget } from '../protocol/common';
import type { PublishDraft } from '../protocol/publish';
import type { TopologyEvents } from '../explorer/topologyEvents';

/** What the panels need from the rest of the extension. */
export interface PanelServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  sessions: SessionManager;
  store: ConnectionStore;
  context: vscode.ExtensionContext;
  /** Announces what a panel changed on the broker (publish → the vhost's queues), for the live tree. */
  topology?: TopologyEvents;
  /** Opens (or reuses) the vhost's publish panel with this draft; set by the PanelManager. */
  publishDraft?(target: PanelTarget, draft: Partial<PublishDraft>, source: string): void;
}
