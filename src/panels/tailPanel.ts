import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import { RunScope } from './kit/scopes';
import type { PanelTarget } from '../protocol/common';
import {
  checkTailToHost,
  type TailMode,
  type TailState,
  type TailStats,
  type TailStatus,
  type TailToHost,
  type TailToWebview,
} from '../protocol/tail';
import { DEFAULT_BUFFER_BYTES, QueueTail, type TailBatch, type TailSpec } from '../broker/tail';
import { describeForUser } from '../broker/errors';
import type { CapturedMessage } from '../core/message';
import { createFilter } from '../core/messageFilter';
import { toDisplayMessage } from '../core/display';
import { TailList, entriesToNdjson, formatGapSeconds, listBatching, type ListView } from '../core/tailList';
import { searchPicker } from '../broker/pickerSearch';
import type { PanelServices } from './services';
import { openBodyInEditor } from './messageActions';
import { draftFromMessage } from '../core/messageDraft';

export const TAIL_VIEW_TYPE = 'burrow.tail';
const MIB = 1024 * 1024;

/**
 * The host half of the tail: owns the QueueTail (its ring buffer) and the list over it; after
 * each batch it sends the webview the rows of the window it shows (never the whole list).
 */
export class TailPanel extends BasePanel<TailToWebview, TailToHost> {
  private tail?: QueueTail;
  private mode?: TailMode;
  private status: TailStatus = 'idle';
  private statusDetail?: string;
  private readonly list = new TailList();
  /** What the webview shows; until it says, the end of the list. */
  private view: ListView = { from: 0, count: 50, follow: true };
  /** What belongs to the current run (its state subscription): disposed when the tail stops or restarts. */
  readonly run = new RunScope();

  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, state?: TailState) {
    super(panel, services, target, 'tail', checkTailToHost);
    this.disposables.push(this.run);
    const filter = state?.filter ?? '';
    if (filter.trim()) this.list.setFilter(createFilter(filter));
  }

  private bufferSize(): number {
    return Math.max(
      100,
      Math.min(1_000_000, vscode.workspace.getConfiguration('burrow.tail').get<number>('bufferSize', 10_000)),
    );
  }

  private bufferMegabytes(): number {
    return Math.max(
      1,
      Math.min(
        8192,
        vscode.workspace.getConfiguration('burrow.tail').get<number>('bufferMegabytes', DEFAULT_BUFFER_BYTES / MIB),
      ),
    );
  }

  protected async onReady(): Promise<void> {
    // The picker's first page only: typing searches the server (pickerSearch).
    const listed = await this.guarded((session) => searchPicker(session.management, this.target.vhost, 'exchange', ''));
    const exchanges = (listed?.items ?? []).map((x) => x.name).filter((n) => n !== '');
    this.post({ type: 'init', target: this.target, bufferSize: this.bufferSize(), exchanges });
    this.post({ type: 'status', status: this.status, detail: this.statusDetail, mode: this.mode });
    this.postWindow();
  }

  protected readonly handlers: MessageHandlers<TailToHost> = {
    start: (msg) => this.start(msg.mode),
    stop: () => this.stop(),
    pickerSearch: async (msg) => {
      const found = await this.guarded((session) =>
        searchPicker(session.management, this.target.vhost, msg.kind, msg.text),
      );
      if (found) this.reply(msg, { type: 'pickerMatches', ...found });
    },
    pause: () => {
      this.tail?.pause();
      this.setStatus('paused', 'Paused: messages keep arriving into the buffer and show up when you resume.');
    },
    resume: () => {
      this.tail?.resume();
      this.setStatus('running');
    },
    clear: () => {
      this.tail?.clear();
      this.list.clear();
      this.postWindow();
    },
    filter: (msg) => {
      this.list.setFilter(msg.text.trim() ? createFilter(msg.text) : undefined);
      this.postWindow();
    },
    view: (msg) => {
      this.view = { from: msg.from, count: msg.count, follow: msg.follow };
      this.postWindow();
    },
    select: (msg) => {
      const m = this.find(msg.id);
      if (m) this.reply(msg, { type: 'detail', message: toDisplayMessage(m), settled: this.list.settledOf(m.seq) });
      else this.post({ type: 'info', message: 'That message has left the buffer.' });
    },
    openBody: async (msg) => {
      const m = this.find(msg.id);
      if (m) await openBodyInEditor(m);
    },
    settle: (msg) => this.settle(msg.id, msg.action),
    export: () => this.export(),
    editAndPublish: (msg) => {
      const m = this.find(msg.id);
      if (!m) return void this.post({ type: 'info', message: 'That message has left the buffer.' });
      const { profileId, profileName, vhost } = this.target;
      this.services.publishDraft?.(
        { profileId, profileName, vhost },
        draftFromMessage(m),
        `a message tailed from ${this.target.queue !== undefined ? `queue ${this.target.queue}` : `exchange ${this.target.exchange}`}`,
      );
    },
  };

  private find(id: number): CapturedMessage | undefined {
    if (id <= 0) return undefined; // gap markers have negative ids
    return this.tail?.get(id);
  }

  private spec(mode: TailMode): TailSpec {
    const queue = this.target.queue;
    switch (mode.mode) {
      case 'tap':
        if (!queue) throw new Error('Tapping a queue needs a queue; choose "Tap an exchange" instead.');
        return { mode: 'tap', queue };
      case 'tap-exchange':
        if (!mode.exchange) throw new Error('Choose the exchange to tap.');
        return { mode: 'tap', exchange: mode.exchange, pattern: mode.pattern, arguments: mode.arguments };
      case 'consume':
        if (!queue) throw new Error('Consume mode needs a queue.');
        return { mode: 'consume', queue, prefetch: mode.prefetch, ack: mode.ack };
    }
  }

  private async start(mode: TailMode): Promise<void> {
    await this.stop();
    this.mode = mode;
    const session = await this.openSession();
    const tail = new QueueTail(session.amqp, this.target.vhost, this.spec(mode), {
      management: session.management,
      bufferSize: this.bufferSize(),
      bufferBytes: this.bufferMegabytes() * MIB,
      ...listBatching(this.bufferSize()),
      onBatch: (messages, stats) => this.onBatch(messages, stats),
    });
    this.tail = tail;
    this.list.attach(tail);
    this.run.add(
      tail.onStateChange((state, error) => {
        if (this.tail !== tail) return;
        if (state === 'reconnecting')
          this.setStatus(
            'reconnecting',
            'Connection lost: reconnecting… the tail resumes by itself (messages published meanwhile are not seen by a tap; the list will mark the gap).',
          );
        else if (state === 'running') {
          this.setStatus('running', this.notes());
          this.postWindow(); // a gap marker may have been added
        } else if (state === 'error')
          this.setStatus('error', error ? describeForUser(error) : 'The tail stopped with an error.');
        else if (state === 'stopped') this.setStatus('stopped');
      }),
    );
    this.setStatus('starting');
    this.postWindow();
    try {
      await tail.start();
      this.setStatus('running', this.notes());
    } catch (err) {
      this.setStatus('error', describeForUser(err));
      this.tail = undefined;
      await tail.stop().catch(() => undefined);
    }
  }

  private notes(): string | undefined {
    const t = this.tail;
    if (!t) return undefined;
    const parts: string[] = [];
    if (t.spec.mode === 'tap') {
      const keys = t.bindings.map((b) => `${b.exchange} ${b.routingKey || JSON.stringify(b.arguments)}`);
      parts.push(
        keys.length
          ? `Tapping ${keys.length} binding${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}.`
          : 'The queue has no bindings to tap.',
      );
    }
    parts.push(...t.notes);
    const gaps = t.gaps();
    if (gaps.length > 0) {
      const last = gaps[gaps.length - 1]!;
      parts.push(
        `Reconnected ${gaps.length === 1 ? 'once' : `${gaps.length} times`}: messages published during the gap${gaps.length === 1 ? '' : 's'} were not seen (last gap ${formatGapSeconds(last.durationMs)} at ${new Date(last.lostAt).toLocaleTimeString()}; marked in the list and in the export).`,
      );
    }
    return parts.join(' ') || undefined;
  }

  private onBatch(batch: TailBatch, stats: { received: number; dropped: number; ratePerSec: number }): void {
    this.list.add(batch.first, batch.last);
    this.postWindow(stats);
  }

  private fullStats(stats = this.tail?.stats() ?? { received: 0, dropped: 0, ratePerSec: 0 }): TailStats {
    return { ...stats, buffered: this.list.buffered, gaps: this.list.gapCount };
  }

  /** Sends the rows the webview shows (after a batch, or a change of the list or of the view). */
  private postWindow(stats?: { received: number; dropped: number; ratePerSec: number }): void {
    this.post(this.list.windowMessage(this.view, this.fullStats(stats)));
  }

  private settle(id: number, action: 'ack' | 'requeue' | 'reject'): void {
    const m = this.find(id);
    if (!this.tail || !m || m.deliveryTag === undefined) {
      this.post({
        type: 'error',
        message: 'That message cannot be settled any more (it left the buffer, or the tail was restarted).',
      });
      return;
    }
    const ok =
      action === 'ack'
        ? this.tail.ack(m.deliveryTag)
        : action === 'requeue'
          ? this.tail.nack(m.deliveryTag, { requeue: true })
          : this.tail.reject(m.deliveryTag, false);
    if (!ok) {
      this.post({
        type: 'error',
        message:
          'The broker no longer knows that delivery (the channel was re-opened after a reconnect); it was requeued.',
      });
      return;
    }
    const settled = action === 'ack' ? 'acked' : action === 'requeue' ? 'requeued' : 'rejected';
    this.list.markSettled(id, settled);
    this.post({ type: 'settled', id, settled });
  }

  private async export(): Promise<void> {
    const entries = this.list.entries();
    const count = entries.filter((e) => 'message' in e).length;
    const gaps = entries.length - count;
    if (entries.length === 0) {
      this.post({ type: 'info', message: 'Nothing to export yet.' });
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${(this.target.queue ?? this.target.exchange ?? 'tail').replace(/[^\w.-]+/g, '_')}-tail.ndjson`;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { NDJSON: ['ndjson', 'jsonl'] },
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(entriesToNdjson(entries)));
    const gapNote =
      gaps > 0
        ? ` and ${gaps} gap marker${gaps === 1 ? '' : 's'} ({"gap": …} lines where messages were missed while reconnecting)`
        : '';
    this.post({
      type: 'info',
      message: `Exported ${count} messages${gapNote} to ${vscode.workspace.asRelativePath(uri)}.`,
    });
  }

  private setStatus(status: TailStatus, detail?: string): void {
    this.status = status;
    this.statusDetail = detail;
    this.post({ type: 'status', status, detail, mode: this.mode });
  }

  private async stop(): Promise<void> {
    const tail = this.tail;
    this.run.dispose();
    if (!tail) return;
    await tail.stop().catch((err: unknown) => this.log.warn(`Stopping tail failed: ${describeForUser(err)}`));
    this.setStatus(
      'stopped',
      this.mode?.mode === 'consume'
        ? 'Stopped. Unacknowledged messages went back to the queue.'
        : 'Stopped. The temporary tap queue was deleted.',
    );
  }

  protected override onDispose(): void {
    void this.tail?.stop().catch(() => undefined);
    this.tail = undefined;
  }
}
