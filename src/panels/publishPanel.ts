import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { BasePanel, type MessageHandlers } from './kit/basePanel';
import { describeTarget, type PanelTarget } from '../protocol/common';
import {
  checkPublishToHost,
  summarisePublishMany,
  type HistoryEntry,
  type PublishDraft,
  type PublishResult,
  type PublishState,
  type PublishTemplate,
  type PublishToHost,
  type PublishToWebview,
} from '../protocol/publish';
import {
  draftToRequest,
  normalizeDraft,
  parseTemplatesFile,
  serializeTemplates,
  TEMPLATES_FILE,
} from '../core/publishDraft';
import { bodyFromFile } from '../core/fileBody';
import { checkBatch, draftHasTemplateVars, replayableContexts, requestAt } from '../core/templateVars';
import {
  publishMany,
  publishMessage,
  PublishManyError,
  type PublishManyResult,
  type PublishOutcome,
} from '../broker/publish';
import { BrokerError, describeForUser } from '../broker/errors';
import { formatCount } from '../core/format';
import type { PanelServices } from './services';
import type { BrokerSession } from '../broker/session';
import { recordHistory } from './history';
import { withTypedRows } from '../core/headerRows';
import { publishCodeRequest } from '../requestFiles/run/codeRequest';
import { panelCopyAsCode } from '../requestFiles/run/copyAsCode';
import { searchPicker } from '../broker/pickerSearch';

export const PUBLISH_VIEW_TYPE = 'burrow.publish';
const HISTORY_LIMIT = 30;
const HISTORY_BODY_LIMIT = 64 * 1024;
const FILE_LIMIT = 10 * 1024 * 1024;

/** Publish form: any exchange, all properties, typed headers, confirms + mandatory, history and templates. */
export class PublishPanel extends BasePanel<PublishToWebview, PublishToHost> {
  private abort?: AbortController;
  private resultId = 0;
  /** The latest result with unknown messages: what a re-send would publish again. */
  private unknown?: { resultId: number; draft: PublishDraft; count: number };
  private lastBlocked?: string;
  private lastDraft?: PublishDraft;

  constructor(panel: vscode.WebviewPanel, services: PanelServices, target: PanelTarget, _state?: PublishState) {
    super(panel, services, target, 'publish', checkPublishToHost);
  }

  protected override onStatusChange(): void {
    this.postBlocked();
  }

  protected override retargetNotice(target: PanelTarget): string {
    return `Now publishing to ${describeTarget(target)}: the routing key and the repeat count were reset.`;
  }

  protected override onRetarget(): void {
    // A re-send offer belongs to the old target.
    this.unknown = undefined;
  }

  /** Tells the webview whether the broker blocks publishing on this vhost (only when it changed). */
  private postBlocked(force = false): void {
    const reason = this.services.sessions.blocked(this.target.profileId).get(this.target.vhost);
    if (!force && reason === this.lastBlocked) return;
    this.lastBlocked = reason;
    this.post({ type: 'blocked', reason });
  }

  /** Fills the form from elsewhere (editor selection, a saved message). */
  loadDraft(draft: Partial<PublishDraft>, source: string): void {
    this.post({ type: 'loadDraft', draft, source });
    this.panel.reveal();
  }

  protected async onReady(): Promise<void> {
    const { exchanges, deliveryMode } = (await this.guarded((session) => this.topology(session))) ?? {
      exchanges: [{ name: '', type: 'direct' }],
      deliveryMode: 2 as const,
    };
    const templates = await this.readTemplates();
    this.post({
      type: 'init',
      target: this.target,
      exchanges,
      defaultDeliveryMode: deliveryMode,
      history: this.history(),
      templates: templates.templates,
      templatesFile: templates.file,
    });
    this.postBlocked(true);
  }

  private async topology(
    session: BrokerSession,
  ): Promise<{ exchanges: { name: string; type: string }[]; deliveryMode: 1 | 2 }> {
    const m = session.management;
    const queue = this.target.queue;
    // The picker's first page only: typing searches the server (pickerSearch), however many there are.
    const [xs, targetQueue] = await Promise.all([
      searchPicker(m, this.target.vhost, 'exchange', ''),
      queue
        ? m.getQueue(this.target.vhost, queue).catch((e: unknown) => {
            if (e instanceof BrokerError && e.code === 404) return undefined;
            throw e;
          })
        : undefined,
    ]);
    const exchanges = xs.items;
    if (!exchanges.some((x) => x.name === '')) exchanges.unshift({ name: '', type: 'direct' });
    // Persistent by default, unless the queue this panel was opened on is transient.
    const deliveryMode: 1 | 2 = targetQueue && !targetQueue.durable ? 1 : 2;
    return { exchanges, deliveryMode };
  }

  protected readonly handlers: MessageHandlers<PublishToHost> = {
    publish: (msg) => this.publish(msg.draft, msg.count),
    cancel: () => this.abort?.abort(),
    resendUnknown: (msg) => this.resendUnknown(msg.resultId),
    suggest: async (msg) => {
      const keys = await this.guarded((session) => this.suggestions(session, msg.exchange));
      if (keys) this.reply(msg, { type: 'suggestions', exchange: msg.exchange, keys });
    },
    loadFile: () => this.loadFile(),
    pickerSearch: async (msg) => {
      const found = await this.guarded((session) =>
        searchPicker(session.management, this.target.vhost, msg.kind, msg.text),
      );
      if (found) this.reply(msg, { type: 'pickerMatches', ...found });
    },
    saveTemplate: (msg) => this.saveTemplate(msg.name, msg.draft),
    deleteTemplate: (msg) => this.deleteTemplate(msg.name),
    refreshTopology: () => this.onReady(),
    copyAsCode: async (msg) => {
      const built = publishCodeRequest(msg.draft);
      if (!built.ok) {
        this.post({ type: 'error', message: `Copy as code: ${built.error}` });
        return;
      }
      const text = await panelCopyAsCode(this.services, this.target, built.request, 'this message');
      this.post({ type: 'info', message: text });
    },
    saveAsAmqp: (msg) =>
      vscode.commands.executeCommand(
        'burrow.requests.saveDraft',
        msg.draft,
        msg.name,
        this.target.profileId,
        this.target.vhost,
      ),
  };

  /** Routing keys worth suggesting: the keys of the exchange's bindings (queue names for the default exchange). */
  private async suggestions(session: BrokerSession, exchange: string): Promise<string[]> {
    // The form shows 24 suggestions: one small page of queue names, not the whole vhost.
    if (exchange === '')
      return (
        await session.management.listQueues(this.target.vhost, { page: 1, pageSize: 24, columns: ['name'] })
      ).items.map((q) => q.name);
    const bindings = await session.management.exchangeBindingsAsSource(this.target.vhost, exchange);
    return [...new Set(bindings.map((b) => b.routing_key))].sort();
  }

  /** Re-sends the messages whose outcome was unknown, after a warning about duplicates. */
  private async resendUnknown(resultId: number): Promise<void> {
    const u = this.unknown;
    if (!u || u.resultId !== resultId) {
      this.post({ type: 'error', message: 'Only the latest result with unknown messages can be re-sent.' });
      return;
    }
    const choice = await vscode.window.showWarningMessage(
      `Re-send ${formatCount(u.count)} message${u.count === 1 ? '' : 's'} whose outcome is unknown?`,
      {
        modal: true,
        detail:
          'The connection was lost before the broker confirmed them: some or all of them may already be in the queue, and re-sending those creates duplicates. Check the queue depth first if duplicates matter.',
      },
      'Re-send',
    );
    if (choice !== 'Re-send') return;
    this.unknown = undefined;
    await this.publish(u.draft, u.count);
  }

  private async publish(draft: PublishDraft, countRaw: number): Promise<void> {
    // Template variables ({{$i}}, {{$uuid}}…) give each message its own values. The whole batch
    // is expanded and checked before anything is sent (within a time budget; messages past it
    // are checked as they are sent), with contexts that give each message the uuid and random
    // numbers it was checked with.
    const templated = draftHasTemplateVars(draft);
    const count = Math.max(1, Math.min(10_000_000, Math.floor(countRaw) || 1));
    const seed = randomBytes(16);
    const ctxAt = replayableContexts([
      seed.readUInt32LE(0),
      seed.readUInt32LE(4),
      seed.readUInt32LE(8),
      seed.readUInt32LE(12),
    ]);
    let checking = false;
    if (templated && count > 1) {
      checking = true;
      this.post({ type: 'busy', busy: true });
      const check = await checkBatch(draft, count, ctxAt);
      if (!check.ok) {
        this.post({ type: 'busy', busy: false });
        this.post({ type: 'validation', field: check.field, message: check.error });
        return;
      }
    }
    const converted = templated ? requestAt(draft, ctxAt(0)) : draftToRequest(draft);
    if (!converted.ok) {
      if (checking) this.post({ type: 'busy', busy: false });
      this.post({ type: 'validation', field: converted.field, message: converted.error });
      return;
    }
    const req = converted.request;
    const messageAt = templated
      ? (index: number) => {
          if (index === 0) return req;
          const r = requestAt(draft, ctxAt(index));
          if (!r.ok) throw new Error(r.error);
          return r.request;
        }
      : undefined;
    let session: BrokerSession;
    try {
      session = await this.openSession();
    } catch (err) {
      if (checking) this.post({ type: 'busy', busy: false });
      throw err;
    }
    const started = Date.now();
    this.post({ type: 'busy', busy: true, total: count });
    let result: PublishResult;
    try {
      if (count === 1) {
        this.lastDraft = draft;
        const outcome = await publishMessage(session.amqp, this.target.vhost, req);
        result = this.single(outcome, req.exchange, req.routingKey, Date.now() - started);
      } else {
        this.abort = new AbortController();
        let lastPost = 0;
        let r: PublishManyResult;
        let fault: string | undefined;
        try {
          r = await publishMany(session.amqp, this.target.vhost, req, count, {
            signal: this.abort.signal,
            messageAt,
            onProgress: (done, counts) => {
              const now = Date.now();
              if (now - lastPost < 100 && done < count) return;
              lastPost = now;
              const elapsed = Math.max(1, now - started);
              this.post({
                type: 'progress',
                done,
                total: count,
                confirmed: counts.confirmed,
                returned: counts.returned,
                nacked: counts.nacked,
                ratePerSec: Math.round((done * 1000) / elapsed),
              });
            },
          });
        } catch (err) {
          if (!(err instanceof PublishManyError)) throw err;
          r = err.result;
          fault = describeForUser(err.cause instanceof BrokerError ? err.cause : err);
        }
        const id = ++this.resultId;
        const summary = summarisePublishMany(r, count, fault);
        result = {
          id,
          at: Date.now(),
          ...summary,
          count,
          elapsedMs: r.elapsedMs,
          counts: {
            confirmed: r.confirmed,
            returned: r.returned,
            nacked: r.nacked,
            unknown: r.unknown,
            notSent: r.notSent,
          },
          ...(r.unknown > 0 ? { resendable: r.unknown } : {}),
        };
        if (r.unknown > 0) this.unknown = { resultId: id, draft, count: r.unknown };
        if (fault === undefined) this.services.sessions.reportOk(this.target.profileId);
      }
      if (count === 1 && result.kind !== 'error') this.services.sessions.reportOk(this.target.profileId);
    } catch (err) {
      result = {
        id: ++this.resultId,
        at: Date.now(),
        kind: 'error',
        text: describeForUser(err),
        count,
        elapsedMs: Date.now() - started,
      };
    } finally {
      this.abort = undefined;
      this.post({ type: 'busy', busy: false });
    }
    this.post({ type: 'result', result });
    if (result.kind !== 'error' || (result.counts?.confirmed ?? 0) > 0)
      this.services.topology?.fire({ profileId: this.target.profileId, vhost: this.target.vhost, queues: [] });
    await this.remember(draft, result.text);
  }

  private single(outcome: PublishOutcome, exchange: string, routingKey: string, elapsedMs: number): PublishResult {
    const where = `${exchange === '' ? '(AMQP default)' : exchange} with key '${routingKey}'`;
    const base = { id: ++this.resultId, at: Date.now(), count: 1, elapsedMs };
    switch (outcome.status) {
      case 'confirmed':
        return {
          ...base,
          kind: 'confirmed',
          text: `Confirmed by the broker: published to ${where} in ${elapsedMs} ms`,
        };
      case 'returned':
        return {
          ...base,
          kind: 'returned',
          text: `Returned as unroutable (${outcome.replyCode} ${outcome.replyText}): no queue is bound to ${where}`,
        };
      case 'nacked':
        return { ...base, kind: 'nacked', text: `Nacked by the broker: it could not take the message (${where})` };
      case 'error': {
        // No confirm and no nack: the message may or may not have arrived.
        const code = outcome.error.code;
        const unknown =
          code === 'CONFIRM_TIMEOUT' ||
          code === 'CONNECTION_LOST' ||
          code === 'CHANNEL_CLOSED' ||
          (code === 'BLOCKED' && /may still be delivered/.test(outcome.error.message));
        if (unknown) {
          this.unknown = { resultId: base.id, draft: this.lastDraft!, count: 1 };
          return { ...base, kind: 'unknown', text: `${describeForUser(outcome.error)}`, resendable: 1 };
        }
        return { ...base, kind: 'error', text: describeForUser(outcome.error) };
      }
    }
  }

  private historyKey(): string {
    return `burrow.publishHistory.${this.target.profileId}`;
  }

  private history(): HistoryEntry[] {
    // Entries saved before typed header rows get their rows migrated.
    return withTypedRows(this.services.context.globalState.get<HistoryEntry[]>(this.historyKey(), []));
  }

  private async remember(draft: PublishDraft, outcome: string): Promise<void> {
    if (draft.body.length > HISTORY_BODY_LIMIT) return;
    const history = await recordHistory(
      this.services.context.globalState,
      this.historyKey(),
      draft,
      outcome,
      HISTORY_LIMIT,
    );
    this.post({ type: 'history', history: withTypedRows(history) });
  }

  private templatesUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, TEMPLATES_FILE) : undefined;
  }

  private async readTemplates(): Promise<{ templates: PublishTemplate[]; file?: string }> {
    const uri = this.templatesUri();
    if (!uri) return { templates: [] };
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const { templates, problems } = parseTemplatesFile(text);
      if (problems.length) this.post({ type: 'error', message: `Templates: ${problems.join('; ')}` });
      return { templates, file: TEMPLATES_FILE };
    } catch {
      return { templates: [], file: TEMPLATES_FILE };
    }
  }

  private async saveTemplate(name: string, draft: PublishDraft): Promise<void> {
    const uri = this.templatesUri();
    if (!uri) {
      this.post({
        type: 'error',
        message: 'Open a folder to save templates: they are stored in .burrow/templates.json so they can be committed.',
      });
      return;
    }
    const clean = normalizeDraft(draft);
    if (!clean || !name.trim()) return;
    const { templates } = await this.readTemplates();
    const next = [...templates.filter((t) => t.name !== name.trim()), { name: name.trim(), draft: clean }];
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(serializeTemplates(next)));
    this.post({ type: 'templates', templates: next, templatesFile: TEMPLATES_FILE });
  }

  private async deleteTemplate(name: string): Promise<void> {
    const uri = this.templatesUri();
    if (!uri) return;
    const { templates } = await this.readTemplates();
    const next = templates.filter((t) => t.name !== name);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(serializeTemplates(next)));
    this.post({ type: 'templates', templates: next, templatesFile: TEMPLATES_FILE });
  }

  private async loadFile(): Promise<void> {
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Message body from file' });
    const uri = files?.[0];
    if (!uri) return;
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > FILE_LIMIT) {
      this.post({
        type: 'error',
        message: `That file is ${formatCount(stat.size)} bytes; the publish panel takes bodies up to ${formatCount(FILE_LIMIT)} bytes.`,
      });
      return;
    }
    const bytes = await vscode.workspace.fs.readFile(uri);
    const name = uri.path.split('/').pop() ?? '';
    const { bodyMode, body, note } = bodyFromFile(name, bytes);
    this.post({
      type: 'loadDraft',
      draft: { bodyMode, body },
      source: `file ${name} (${formatCount(bytes.length)} bytes, ${note})`,
    });
  }

  protected override onDispose(): void {
    this.abort?.abort();
  }
}
