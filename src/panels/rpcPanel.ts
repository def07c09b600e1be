import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import type { PanelTarget } from '../protocol/common';
import {
  checkRpcToHost,
  type RpcDraft,
  type RpcHistoryEntry,
  type RpcResultView,
  type RpcState,
  type RpcToHost,
  type RpcToWebview,
} from '../protocol/rpc';
import { RpcClient, type RpcOutcome, type RpcRequest } from '../broker/rpc';
import { describeForUser } from '../broker/errors';
import { buildHeaders } from '../core/fieldValues';
import { parseJsonWithPosition } from '../core/json';
import { decodeBody } from '../core/messageBody';
import { toDisplayMessage } from '../core/display';
import { captureMessage } from '../core/message';
import { searchPicker } from '../broker/pickerSearch';
import type { PanelServices } from './services';
import { recordHistory } from './history';
import { withTypedRows } from '../core/headerRows';
import { callCodeRequest } from '../requestFiles/run/codeRequest';
import { panelCopyAsCode } from '../requestFiles/run/copyAsCode';

export const RPC_VIEW_TYPE = 'burrow.rpc';
const HISTORY_LIMIT = 20;

/** Request/reply against a service: direct reply-to or a callback queue, correlation ids, timeouts, latency stats. */
export class RpcPanel extends BasePanel<RpcToWebview, RpcToHost> {
  /** Bound to one session: dropped when Disconnect / Set Password / an edit closes it, rebuilt on the next call. */
  private readonly client = this.sessionScoped(
    (session) => new RpcClient(session.amqp, this.target.vhost),
    (client) => void client.dispose().catch(() => undefined),
  );
  private abort?: AbortController;
  private resultId = 0;
  private last?: RpcResultView;

  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, _state?: RpcState) {
    super(panel, services, target, 'rpc', checkRpcToHost);
  }

  protected override onRetarget(): void {
    this.last = undefined;
  }

  private timeoutDefault(): number {
    return Math.max(100, vscode.workspace.getConfiguration('burrow.rpc').get<number>('timeoutMs', 5000));
  }

  private historyKey(): string {
    return `burrow.rpcHistory.${this.target.profileId}`;
  }

  protected async onReady(): Promise<void> {
    // The picker's first page only: typing searches the server (pickerSearch).
    const listed = await this.guarded((session) => searchPicker(session.management, this.target.vhost, 'exchange', ''));
    const exchanges = listed?.items ?? [{ name: '', type: 'direct' }];
    this.post({
      type: 'init',
      target: this.target,
      exchanges,
      defaultTimeoutMs: this.timeoutDefault(),
      history: withTypedRows(this.services.context.globalState.get<RpcHistoryEntry[]>(this.historyKey(), [])),
    });
    if (this.last) this.post({ type: 'result', result: this.last });
  }

  protected readonly handlers: MessageHandlers<RpcToHost> = {
    cancel: () => this.abort?.abort(),
    pickerSearch: async (msg) => {
      const found = await this.guarded((session) =>
        searchPicker(session.management, this.target.vhost, msg.kind, msg.text),
      );
      if (found) this.reply(msg, { type: 'pickerMatches', ...found });
    },
    call: (msg) => this.call(msg.draft, msg.count),
    copyAsCode: async (msg) => {
      const built = callCodeRequest(msg.draft);
      if (!built.ok) {
        this.post({ type: 'validation', message: built.error });
        return;
      }
      const text = await panelCopyAsCode(this.services, this.target, built.request, 'this call');
      this.post({ type: 'info', message: text });
    },
  };

  private request(draft: RpcDraft, signal: AbortSignal): RpcRequest | string {
    if (draft.bodyMode === 'json') {
      const parsed = parseJsonWithPosition(draft.body);
      if (!parsed.ok) return `Invalid JSON at line ${parsed.line}, column ${parsed.column}: ${parsed.error}`;
    }
    const headers = buildHeaders(draft.headers);
    if (!headers.ok) return headers.error;
    const timeoutMs = Math.floor(draft.timeoutMs);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1) return 'The timeout is a positive number of milliseconds';
    const properties: RpcRequest['properties'] = {};
    if (draft.contentType.trim()) properties.contentType = draft.contentType.trim();
    if (Object.keys(headers.headers).length) properties.headers = headers.headers;
    return {
      exchange: draft.exchange,
      routingKey: draft.routingKey,
      body: new TextEncoder().encode(draft.body),
      properties,
      timeoutMs,
      replyMode: draft.replyMode,
      signal,
    };
  }

  private async call(draft: RpcDraft, countRaw: number): Promise<void> {
    const count = Math.max(1, Math.min(100_000, Math.floor(countRaw) || 1));
    this.abort = new AbortController();
    const req = this.request(draft, this.abort.signal);
    if (typeof req === 'string') {
      this.post({ type: 'validation', message: req });
      return;
    }
    const signal = this.abort.signal;
    await this.guarded(
      async (session) => {
        const client = this.client.get(session);
        if (count === 1) {
          const outcome = await client.call(req);
          this.last = this.view(outcome);
          this.post({ type: 'result', result: this.last });
          await this.remember(draft, this.last.text);
          return outcome.status !== 'error';
        } else {
          let lastPost = 0;
          const r = await client.callMany(req, count, {
            signal,
            onProgress: (done, total) => {
              const now = Date.now();
              if (now - lastPost < 100 && done < total) return;
              lastPost = now;
              this.post({ type: 'progress', done, total });
            },
          });
          const f = (n: number) => `${n.toFixed(2)} ms`;
          const failures = r.firstFailure ? ` First failure: ${this.view(r.firstFailure).text}` : '';
          const text = `${r.cancelled ? 'Cancelled: ' : ''}${r.ok} of ${count} answered, ${r.failed} failed. Latency min ${f(r.min)}, median ${f(r.median)}, p95 ${f(r.p95)}, max ${f(r.max)}.${failures}`;
          this.post({
            type: 'many',
            result: {
              n: count,
              ok: r.ok,
              failed: r.failed,
              min: r.min,
              median: r.median,
              p95: r.p95,
              max: r.max,
              text,
            },
          });
          await this.remember(draft, text);
          return r.ok > 0;
        }
        // Only an answered call says the connection works (an error outcome may be a refused login).
      },
      { busy: true, ok: (answered) => answered },
    );
    this.abort = undefined;
  }

  private view(o: RpcOutcome): RpcResultView {
    const base = { id: ++this.resultId, at: Date.now(), strays: [] as RpcResultView['strays'] };
    const strays = (list: { correlationId: string | undefined; body: Uint8Array; receivedAt: number }[]) =>
      list.map((s) => ({
        correlationId: s.correlationId ?? '(none)',
        preview: decodeBody(s.body, undefined, { maxChars: 200 }).text,
        at: s.receivedAt,
      }));
    switch (o.status) {
      case 'reply': {
        const reply = toDisplayMessage(
          captureMessage(
            {
              content: o.reply.body,
              fields: { exchange: o.reply.exchange, routingKey: o.reply.routingKey, redelivered: false },
              properties: o.reply.properties,
            },
            base.id,
            Date.now(),
          ),
        );
        return {
          ...base,
          status: 'reply',
          text: `Reply in ${o.rttMs.toFixed(2)} ms`,
          rttMs: o.rttMs,
          correlationId: o.correlationId,
          reply,
          strays: strays(o.strays),
        };
      }
      case 'timeout':
        return {
          ...base,
          status: 'timeout',
          text: `No reply within ${o.timeoutMs} ms (correlation id ${o.correlationId})`,
          correlationId: o.correlationId,
          strays: strays(o.strays),
        };
      case 'unroutable':
        return {
          ...base,
          status: 'unroutable',
          text: `Returned as unroutable (${o.replyCode} ${o.replyText}): no queue is bound for that exchange and routing key`,
        };
      case 'no-consumer':
        return { ...base, status: 'no-consumer', text: o.message };
      case 'cancelled':
        return { ...base, status: 'cancelled', text: 'Cancelled' };
      case 'error':
        return { ...base, status: 'error', text: describeForUser(o.error) };
    }
  }

  private async remember(draft: RpcDraft, outcome: string): Promise<void> {
    const history = await recordHistory(
      this.services.context.globalState,
      this.historyKey(),
      draft,
      outcome,
      HISTORY_LIMIT,
    );
    this.post({ type: 'history', history: withTypedRows(history) });
  }

  protected override onDispose(): void {
    this.abort?.abort();
  }
}
