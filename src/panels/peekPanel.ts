import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import { checkPeekToHost, type PeekState, type PeekToHost, type PeekToWebview } from '../protocol/peek';
import type { PanelTarget } from '../protocol/common';
import type { CapturedMessage } from '../core/message';
import { toExportable } from '../core/messageExport';
import { toDisplayMessage } from '../core/display';
import { peekMessages, queueDeliveryLimit } from '../broker/peek';
import { peekStream } from '../broker/peekStream';
import { BrokerError } from '../broker/errors';
import { peekSafetyTexts } from '../core/deliveryLimit';
import type { PanelServices } from './services';
import { openBodyInEditor, saveMessages } from './messageActions';
import { draftFromMessage } from '../core/messageDraft';
import { consumeCodeRequest } from '../requestFiles/run/codeRequest';
import { panelCopyAsCode } from '../requestFiles/run/copyAsCode';
import { deleteOneMessage } from '../broker/deleteOne';
import { deleteCaveat, fingerprintOf } from '../core/deleteOne';

export const PEEK_VIEW_TYPE = 'burrow.peek';

/**
 * Non-destructive look at the head of a queue (take + requeue, or stream offsets). Before taking
 * anything on a queue with consumers it asks (a 'confirm' round trip); on quorum queues it reads
 * the effective delivery limit and shows what the peek left out to stay clear of it.
 */
export class PeekPanel extends BasePanel<PeekToWebview, PeekToHost> {
  private messages: CapturedMessage[] = [];
  private last?: Extract<PeekToWebview, { type: 'result' }>;
  private count: number;
  /** A freshly opened panel peeks at once (a restored one waits for the user). */
  private autoPeek: boolean;

  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: PeekState) {
    super(panel, services, target, 'peek', checkPeekToHost);
    this.count = state?.count ?? 10;
    this.autoPeek = state === undefined;
  }

  protected async onReady(): Promise<void> {
    this.post({ type: 'init', target: this.target, count: this.count });
    if (this.last) this.post(this.last);
    else if (this.autoPeek) {
      this.autoPeek = false;
      await this.peek({ type: 'peek', count: this.count });
    }
  }

  protected readonly handlers: MessageHandlers<PeekToHost> = {
    peek: (msg) => this.peek(msg),
    openBody: async (msg) => {
      const m = this.messages.find((x) => x.seq === msg.id);
      if (m) await openBodyInEditor(m);
    },
    copy: async (msg) => {
      const chosen = this.messages.filter((m) => msg.ids.includes(m.seq));
      await vscode.env.clipboard.writeText(JSON.stringify(chosen.map(toExportable), null, 2));
      this.post({
        type: 'info',
        message: `Copied ${chosen.length} message${chosen.length === 1 ? '' : 's'} as JSON (bodies in base64, re-publishable).`,
      });
    },
    save: () => saveMessages(this.messages, `${this.target.queue}-peek.json`),
    copyAsCode: async (msg) => {
      const request = consumeCodeRequest(this.target.queue as string, msg.count);
      const text = await panelCopyAsCode(this.services, this.target, request, `a consumer of ${this.target.queue}`);
      this.post({ type: 'info', message: text });
    },
    deleteMessage: (msg) => this.deleteMessage(msg.id),
    editAndPublish: (msg) => {
      const i = this.messages.findIndex((x) => x.seq === msg.id);
      if (i < 0) return;
      const { profileId, profileName, vhost } = this.target;
      this.services.publishDraft?.(
        { profileId, profileName, vhost },
        draftFromMessage(this.messages[i]),
        `message ${i + 1} peeked from queue ${this.target.queue}`,
      );
    },
  };

  /**
   * Deletes one peeked message after a modal confirmation that spells out what happens to the
   * messages ahead of it (src/broker/deleteOne.ts); on success it leaves the list, the others stay.
   */
  private async deleteMessage(id: number): Promise<void> {
    const i = this.messages.findIndex((x) => x.seq === id);
    if (i < 0) return;
    const queue = this.target.queue as string;
    const m = this.messages[i];
    const position = i + 1;
    const ahead = position - 1;
    const detail =
      `Burrow takes the first ${position} message${position === 1 ? '' : 's'} of the queue, checks that #${position} is still this message (message id and body), acknowledges only it, and gives the other ${ahead} back. ` +
      deleteCaveat(this.target.queueType) +
      ' It refuses when the queue has consumers. The deleted message cannot be recovered.';
    const ok = await vscode.window.showWarningMessage(
      `Delete message #${position} from queue '${queue}'?`,
      { modal: true, detail },
      'Delete Message',
    );
    if (ok !== 'Delete Message') return;
    await this.guarded(
      async (session) => {
        const limit =
          this.target.queueType === 'classic'
            ? undefined
            : await queueDeliveryLimit(session.management, this.target.vhost, queue).catch(() => undefined);
        const r = await deleteOneMessage(session.amqp, this.target.vhost, queue, fingerprintOf(position, m), {
          queueType: limit?.queueType ?? this.target.queueType,
          deliveryLimit: limit?.guessed && limit.limit === null ? undefined : limit?.limit,
        });
        this.messages.splice(i, 1);
        if (this.last) {
          this.last = { ...this.last, messages: this.last.messages.filter((x) => x.id !== id) };
          this.post(this.last);
        }
        this.post({
          type: 'info',
          message: `Deleted message #${position} from queue '${queue}'${r.returned > 0 ? `; the ${r.returned} message${r.returned === 1 ? '' : 's'} ahead of it ${r.returned === 1 ? 'is' : 'are'} back in place, marked redelivered` : ''}.`,
        });
        this.services.log.info(`Deleted message #${position} from queue '${queue}' in vhost '${this.target.vhost}'.`);
        return true;
      },
      { busy: true, ok: (done) => done },
    );
  }

  private async peek(msg: Extract<PeekToHost, { type: 'peek' }>): Promise<void> {
    this.count = Math.max(1, Math.min(1000, Math.floor(msg.count) || 1));
    const queue = this.target.queue as string;
    const started = Date.now();
    await this.guarded(
      async (session) => {
        let note: string;
        let depthBefore: number | undefined;
        let safety: ReturnType<typeof peekSafetyTexts> = { warnings: [] };
        let offerIgnoreMemory = false;
        if (this.target.queueType === 'stream') {
          const r = await peekStream(session.amqp, this.target.vhost, queue, this.count, msg.offset ?? 'first');
          this.messages = r.messages;
          note = r.note;
        } else {
          // The delivery limit, when the queue may have one: read through the management API; when
          // that fails the peek assumes RabbitMQ 4's default (and says so).
          let limit: Awaited<ReturnType<typeof queueDeliveryLimit>> | undefined;
          if (this.target.queueType !== 'classic')
            limit = await queueDeliveryLimit(session.management, this.target.vhost, queue).catch(() => undefined);
          const queueType = limit?.queueType ?? this.target.queueType;
          // Policies unreadable and nothing else sets a limit: one may still apply, so peek as if
          // the limit were 4.x's default (peekMessages' assumption for an unknown limit).
          if (limit?.guessed && limit.limit === null && queueType === 'quorum') limit = undefined;
          try {
            const r = await peekMessages(session.amqp, this.target.vhost, queue, this.count, {
              queueType,
              deliveryLimit: limit?.limit,
              refuseIfConsumers: msg.confirmConsumers !== true,
              ignoreMemory: msg.ignoreMemory === true,
            });
            this.messages = r.messages;
            note = r.note;
            depthBefore = r.queueDepthBefore;
            safety = peekSafetyTexts({
              queueType,
              deliveryLimit: r.deliveryLimit,
              limitSource: limit?.source,
              withheld: r.withheld,
              atRisk: r.atRisk,
            });
            offerIgnoreMemory =
              r.withheld !== undefined && r.messages.length === 0 && /peeked at earlier/.test(r.withheld.reason);
          } catch (err) {
            if (err instanceof BrokerError && err.code === 'PEEK_HAS_CONSUMERS') {
              this.post({ type: 'confirm', kind: 'consumers', message: `${err.message}. Nothing has been taken yet.` });
              return false;
            }
            throw err;
          }
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
          limit: safety.limit,
          withheld: safety.withheld,
          warnings: safety.warnings.length > 0 ? safety.warnings : undefined,
          offerIgnoreMemory: offerIgnoreMemory || undefined,
        };
        this.post(this.last);
        return true;
      },
      { busy: true, ok: (done) => done },
    );
  }
}
