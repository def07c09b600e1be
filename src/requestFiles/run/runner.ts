/**
 * Runs the requests of `.amqp` files from the editor: resolves one (file variables, environment),
 * picks its connection, opens the session, reads a `< file` body, runs it (execute.ts, the broker
 * half) and shows the result in the results view. The VS Code half only: decisions live in
 * execute.ts and core.
 */
import * as vscode from 'vscode';
import { parseRequestFile } from '../../core/requestFile/parse';
import { resolveRequest } from '../../core/requestFile/resolve';
import type { ParsedFile, ParsedRequest, ResolvedRequest } from '../../core/requestFile/types';
import type { ConnectionProfile } from '../../core/profile';
import { formatCount } from '../../core/format';
import type { BrokerSession } from '../../broker/session';
import { RpcClient } from '../../broker/rpc';
import { describeForUser } from '../../broker/errors';
import type { PanelServices } from '../../panels/services';
import { resultKey } from '../../protocol/results';
import { Cancelled, pick } from '../../commands/ui';
import { runCall, runPeek, runPublish, runRoute, type RunAnswer, type RunWhere } from './execute';
import type { ResultsView } from './resultsPanel';

/** Bodies read from `< file` are refused past this size (the publish panel's limit). */
export const FILE_BODY_LIMIT = 10 * 1024 * 1024;

/** What Send, Call, Peek and Route were asked to do (Send N… asks for N). */
export interface RunOptions {
  count?: number;
}

/** A request of an open document, resolved, with its connection and what the results view keys it by. */
export interface Prepared {
  doc: vscode.TextDocument;
  parsed: ParsedFile;
  request: ParsedRequest;
  resolved: ResolvedRequest;
  profile: ConnectionProfile;
  key: string;
  file: string;
}

export class RequestRunner implements vscode.Disposable {
  /** One RPC client per connection and vhost, rebuilt when the session is replaced. */
  private readonly rpc = new Map<string, { session: BrokerSession; client: RpcClient }>();

  constructor(
    private readonly services: PanelServices,
    private readonly results: ResultsView,
  ) {}

  /** The document's request at `index`, resolved, with its connection (asked for when the file does not say). */
  async prepare(uri: vscode.Uri, index: number): Promise<Prepared> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const parsed = parseRequestFile(doc.getText());
    const request = parsed.requests[index];
    if (!request) throw new Error(`There is no request ${index + 1} in ${vscode.workspace.asRelativePath(uri)}.`);
    const env = process.env;
    const defaults = {
      defaultTimeoutMs: Math.max(100, vscode.workspace.getConfiguration('burrow.rpc').get<number>('timeoutMs', 5000)),
    };
    const first = resolveRequest(parsed, request, { env, ...defaults });
    if (!first.ok) throw new Error(problemText(request, first.problems));
    const profile = await this.connectionFor(uri, first.value.connection);
    // Again with the connection's defaults (its vhost when neither the file nor the request names one).
    const again = resolveRequest(parsed, request, {
      env,
      ...defaults,
      defaultConnection: profile.name,
      defaultVhost: profile.vhost,
    });
    if (!again.ok) throw new Error(problemText(request, again.problems));
    return {
      doc,
      parsed,
      request,
      resolved: again.value,
      profile,
      key: resultKey(uri.toString(), request.name),
      file: vscode.workspace.asRelativePath(uri),
    };
  }

  /**
   * The connection a request names (by name, or by id), else the only one, else the one chosen
   * for this file before, else asked for (and remembered for the file).
   */
  private async connectionFor(uri: vscode.Uri, name: string | undefined): Promise<ConnectionProfile> {
    const profiles = this.services.store.list();
    if (name !== undefined) {
      const found = profiles.find((p) => p.name === name) ?? profiles.find((p) => p.id === name);
      if (!found)
        throw new Error(
          `No connection named '${name}'. Known connections: ${profiles.map((p) => p.name).join(', ') || 'none'}.`,
        );
      return found;
    }
    if (profiles.length === 1) return profiles[0];
    if (profiles.length === 0) throw new Error('Add a connection first (Burrow: Add Connection…).');
    const memo = this.services.context.workspaceState;
    const key = `burrow.requestConnection.${uri.toString()}`;
    const remembered = profiles.find((p) => p.id === memo.get<string>(key));
    if (remembered) return remembered;
    const chosen = await pick(
      profiles.map((p) => ({ label: p.name, description: `${p.username}@${p.host}:${p.port}`, profile: p })),
      {
        title: `Burrow: the connection for ${vscode.workspace.asRelativePath(uri)}`,
        placeHolder: 'Remembered for this file; or name one in the file with @connection = …',
      },
    );
    await memo.update(key, chosen.profile.id);
    return chosen.profile;
  }

  /** Reads a `< ./file` body relative to the request file (or the workspace folder of an untitled one). */
  async readBodyFile(doc: vscode.TextDocument, path: string): Promise<{ name: string; bytes: Uint8Array }> {
    const base =
      doc.uri.scheme === 'untitled' ? vscode.workspace.workspaceFolders?.[0]?.uri : vscode.Uri.joinPath(doc.uri, '..');
    if (!base) throw new Error(`Save the file first: the body file ${path} is read relative to it.`);
    const uri = /^(\/|[A-Za-z]:[\\/])/.test(path) ? vscode.Uri.file(path) : vscode.Uri.joinPath(base, path);
    let size: number;
    try {
      size = (await vscode.workspace.fs.stat(uri)).size;
    } catch {
      throw new Error(`Cannot read the body file ${path} (${uri.fsPath}): it does not exist.`);
    }
    if (size > FILE_BODY_LIMIT)
      throw new Error(
        `The body file ${path} is ${formatCount(size)} bytes; bodies are limited to ${formatCount(FILE_BODY_LIMIT)} bytes.`,
      );
    return { name: uri.path.split('/').pop() ?? path, bytes: await vscode.workspace.fs.readFile(uri) };
  }

  private rpcClient(session: BrokerSession, profileId: string, vhost: string): RpcClient {
    const key = JSON.stringify([profileId, vhost]);
    const held = this.rpc.get(key);
    if (held && held.session === session) return held.client;
    if (held) void held.client.dispose().catch(() => undefined);
    const client = new RpcClient(session.amqp, vhost);
    this.rpc.set(key, { session, client });
    return client;
  }

  /** Runs the request at `index` of the file and shows the result beside the editor. */
  async run(uri: vscode.Uri, index: number, opts: RunOptions = {}): Promise<void> {
    const p = await this.prepare(uri, index);
    const r = p.resolved;
    const where: RunWhere = { connection: p.profile.name, vhost: r.vhost };
    const view = this.results.show();
    const session = await this.services.sessions.get(p.profile.id);
    const fileBody =
      (r.kind === 'publish' || r.kind === 'call') && r.bodyFile !== undefined
        ? await this.readBodyFile(p.doc, r.bodyFile)
        : undefined;
    const count = opts.count ?? (r.kind === 'publish' || r.kind === 'call' ? r.repeat : 1);
    const what =
      r.kind === 'publish'
        ? `publishing ${count === 1 ? '1 message' : `${formatCount(count)} messages`}`
        : r.kind === 'call'
          ? count === 1
            ? 'waiting for the reply'
            : `calling ${formatCount(count)} times`
          : r.kind === 'peek'
            ? `peeking at ${r.queue}`
            : 'routing';
    view.running(p.key, p.file, p.request.name, `${what} (${p.profile.name}, vhost ${r.vhost})…`);
    let answer: RunAnswer;
    try {
      answer = await vscode.window.withProgress(
        {
          location: count > 1 ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
          title: `Burrow: ${p.request.name}: ${what}`,
          cancellable: true,
        },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          try {
            switch (r.kind) {
              case 'publish': {
                let last = 0;
                return await runPublish(session, where, r.draft, {
                  count,
                  fileBody,
                  signal: abort.signal,
                  onProgress: (done, total) => {
                    const pct = (done * 100) / total;
                    progress.report({
                      increment: pct - last,
                      message: `${formatCount(done)} of ${formatCount(total)}`,
                    });
                    last = pct;
                  },
                });
              }
              case 'call':
                return await runCall(this.rpcClient(session, p.profile.id, r.vhost), where, r.draft, {
                  fileBody: fileBody?.bytes,
                  signal: abort.signal,
                  count,
                  onProgress: (done, total) => progress.report({ message: `${done} of ${total}` }),
                });
              case 'peek':
                return await this.peek(session, where, r.queue, r.count);
              case 'route':
                return await runRoute(session, where, r.exchange, r.routingKey, r.headers);
            }
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (err) {
      if (err instanceof Cancelled) {
        view.add(p.key, p.file, p.request.name, cancelledEntry(r.kind, where));
        return;
      }
      view.add(p.key, p.file, p.request.name, errorEntry(r.kind, where, describeForUser(err)));
      this.services.log.warn(`[${p.profile.name}] ${p.request.name}: ${describeForUser(err)}`);
      return;
    }
    if (answer.type === 'invalid') {
      view.add(p.key, p.file, p.request.name, errorEntry(r.kind, where, `Nothing was sent: ${answer.message}`));
      return;
    }
    if (answer.type === 'confirm') return; // only peek asks, and it asked in this.peek
    if (answer.entry.status !== 'error') this.services.sessions.reportOk(p.profile.id);
    view.add(p.key, p.file, p.request.name, answer.entry);
  }

  /** The peek panel's question when the queue has consumers, then the peek again if the user says so. */
  private async peek(session: BrokerSession, where: RunWhere, queue: string, count: number): Promise<RunAnswer> {
    const first = await runPeek(session, where, queue, count);
    if (first.type !== 'confirm') return first;
    const choice = await vscode.window.showWarningMessage(first.message, { modal: true }, 'Peek anyway');
    if (choice !== 'Peek anyway') throw new Cancelled();
    return runPeek(session, where, queue, count, { confirmConsumers: true });
  }

  dispose(): void {
    for (const { client } of this.rpc.values()) void client.dispose().catch(() => undefined);
    this.rpc.clear();
  }
}

let nextLocalId = 1_000_000;
function localEntry(kind: ResolvedRequest['kind'], where: RunWhere, status: string, text: string) {
  return { id: nextLocalId++, at: Date.now(), kind, ...where, status, text, elapsedMs: 0 };
}
const errorEntry = (kind: ResolvedRequest['kind'], where: RunWhere, text: string) =>
  localEntry(kind, where, 'error', text);
const cancelledEntry = (kind: ResolvedRequest['kind'], where: RunWhere) =>
  localEntry(kind, where, 'cancelled', 'Cancelled: nothing was taken');

/** The problems that stop a request from running, as one message. */
export function problemText(
  request: ParsedRequest,
  problems: { message: string; span: { start: { line: number } } }[],
): string {
  const list = problems.map((p) => `line ${p.span.start.line + 1}: ${p.message}`).join('; ');
  return `${request.name} cannot run: ${list || 'it is not complete'}`;
}
