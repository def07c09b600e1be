import type { ConnectionMessage, DisplayMessage, ErrorMessage, PanelTarget, ReadyMessage } from './common';

export type StreamOffset = 'first' | 'last' | 'next' | { timestamp: number } | { offset: number };

export type PeekToWebview =
  | { type: 'init'; target: PanelTarget; count: number }
  | { type: 'busy'; busy: boolean }
  | { type: 'result'; messages: DisplayMessage[]; note: string; tookMs: number; depthBefore?: number; depthAfter?: number; at: number }
  | { type: 'info'; message: string }
  | ErrorMessage
  | ConnectionMessage;

export type PeekToHost =
  | ReadyMessage
  | { type: 'peek'; count: number; offset?: StreamOffset }
  | { type: 'openBody'; id: number }
  | { type: 'copy'; ids: number[] }
  | { type: 'save' };

/** What the webview persists with setState (and the serializer restores from). */
export interface PeekState {
  target: PanelTarget;
  count: number;
}
