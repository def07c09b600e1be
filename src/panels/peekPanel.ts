import * as vscode from 'vscode';
import { BasePanel } from './basePanel';
import type { PeekState, PeekToHost, PeekToWebview } from '../protocol/peek';
import type { PanelTarget } from '../protocol/common';
import type { CapturedMessage } from '../core/message';
import { toExportable } from '../core/message';
import { toDisplayMessage } from '../core/display';
import { peekMessages, peekStream } from '../broker/peek';
import { describeForUser } from '../broker/errors';
import type { PanelServices } from './services';
import { openBodyInEditor, saveMessages } from './messageActions';

export const PEEK_VIEW_TYPE = 'burrow.peek';

/** Non-destructive look at the head of a queue (basic.get + requeue, or stream offsets). */
export class PeekPanel extends BasePanel<PeekToWebview, PeekToHost> {
  private messages: CapturedMessage[] = [];
  private last?: Extract<PeekToWebview, { type: 'result' }>;
  private count: number;
  /** A freshly opened panel peeks at once (a restored one waits for the user). */
  private autoPeek: boolean;

  constructor(panel: vscode.WebviewPanel, private readonly services: PanelServices, readonly target: PanelTarget, state?: Partial<PeekState>) {
    super(panel, services.extensionUri, 'peek', services.log);
    this.count = state?.count ?? 10;
    this.autoPeek = state === undefined;
    panel.title = `Peek: ${target.queue}`;
  }

  protected async onReady(): Promise<void> {
    this.post({ type: 'init', target: this.target, count: this.count });
    if (this.last) this.post(this.last);
    else if (this.autoPeek) {
      this.autoPeek = false;
      await this.peek(this.count, undefined);
    }
  }

  protected async onMessage(msg: PeekToHost): Promise<void> {
    switch (msg.type) {
      case 'peek':
        await this.peek(msg.count, msg.offset);
        return;
      case 'openBody': {
        const m = this.messages.find((x) => x.seq === msg.id);
        if (m) await openBodyInEditor(m);
        return;
      }
      case 'copy': {
        const chosen = this.messages.filter((m) => msg.ids.includes(m.seq));
        await vscode.env.clipboard.writeText(JSON.stringify(chosen.map(toExportable), null, 2));
        this.post({ type: 'info', message: `Copied ${chosen.length} message${chosen.length === 1 ? '' : 's'} as JSON (bodies in base64, re-publishable).` });
        return;
      }
      case 'save':
        await saveMessages(this.messages, `${this.target.queue}-peek.json`);
        return;
    }
  }

  private async peek(count: number, offset: Extract<PeekToHost, { type: 'peek' }>['offset']): Promise<void> {
    this.count = Math.max(1, Math.min(1000, Math.floor(count) || 1));
    const queue = this.target.queue as string;
    this.post({ type: 'busy', busy: true });
    const started = Date.now();
    try {
      const session = await this.services.sessions.get(this.target.profileId);
      let note: string;
      let depthBefore: number | undefined;
      if (this.target.queueType === 'stream') {
        const r = await peekStream(session.amqp, this.target.vhost, queue, this.count, offset ?? 'first');
        this.messages = r.messages;
        note = r.note;
      } else {
        const r = await peekMessages(session.amqp, this.target.vhost, queue, this.count, { queueType: this.target.queueType });
        this.messages = r.messages;
        note = r.note;
        depthBefore = r.queueDepthBefore;
      }
      const depthAfter = await session.amqp
        .withChannel(this.target.vhost, (ch) => ch.checkQueue(queue))
        .then((q) => q.messageCount)
        .catch(() => undefined);
      this.last = {
        type: 'result',
        messages: this.messages.map((m) => toDisplayMessage(m)),
        note,
        tookMs: Date.now() - started,
        depthBefore,
        depthAfter,
        at: Date.now(),
      };
      this.post(this.last);
      this.services.sessions.reportOk(this.target.profileId);
    } catch (err) {
      this.showError(err);
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }

  protected showError(err: unknown): void {
    this.post({ type: 'error', message: describeForUser(err) });
  }
}
