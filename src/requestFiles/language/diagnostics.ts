/**
 * Diagnostics of `.amqp` files in the 'burrow-amqp' collection: the parser's own problems on open and
 * on every change (debounced), then the live ones of each request when its connection resolves and
 * its session is already open (diagnostics never open a session or ask for a password): unknown
 * connection, unknown exchange or queue, and for PUBLISH and CALL a routing key the live routing
 * tester says reaches no queue (a warning; its uncertain answers are information).
 */
import * as vscode from 'vscode';
import { checkRequestFile } from '../../core/requestFile/diagnostics';
import { liveRequests } from '../../core/requestFile/cursor';
import type { RequestProblem, Span } from '../../core/requestFile/types';
import { describeForUser } from '../../broker/errors';
import type { LiveTopology } from './live';
import { liveProblems } from './liveCheck';

export const DEBOUNCE_MS = 300;

/** The problems found without a broker. */
export function pureProblems(text: string): RequestProblem[] {
  return checkRequestFile(text, { env: process.env });
}

function toRange(s: Span): vscode.Range {
  return new vscode.Range(s.start.line, s.start.character, s.end.line, s.end.character);
}

const SEVERITY: Record<RequestProblem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(p: RequestProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(p.span), p.message, SEVERITY[p.severity]);
  d.source = 'burrow';
  d.code = p.code;
  return d;
}

export class RequestFileDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('burrow-amqp');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(
    private readonly live: LiveTopology,
    private readonly log: vscode.LogOutputChannel,
    /** Fires when connections or sessions change: every open file is checked again. */
    changes: vscode.Event<unknown>[],
  ) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        clearTimeout(this.timers.get(d.uri.toString()));
        this.timers.delete(d.uri.toString());
        this.collection.delete(d.uri);
      }),
      ...changes.map((ev) => ev(() => this.all(DEBOUNCE_MS))),
    );
    this.all(0);
  }

  private all(delay: number): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, delay);
  }

  schedule(doc: vscode.TextDocument, delay: number): void {
    if (doc.languageId !== 'amqp') return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(doc);
      }, delay),
    );
  }

  /** Pure problems at once, then the live ones (dropped if the text changed meanwhile). */
  async check(doc: vscode.TextDocument): Promise<void> {
    const version = doc.version;
    const text = doc.getText();
    const pure = pureProblems(text);
    this.collection.set(doc.uri, pure.map(toDiagnostic));
    const results = await Promise.all(
      liveRequests(text).map((r) =>
        liveProblems(r, this.live).catch((err: unknown) => {
          this.log.debug(`.amqp live check of ${r.target?.value ?? '?'} skipped: ${describeForUser(err)}`);
          return [] as RequestProblem[];
        }),
      ),
    );
    if (doc.isClosed || doc.version !== version) return;
    // Requests that share the file's @connection would each report it: once is enough.
    const seen = new Set<string>();
    const all = [...pure, ...results.flat()].filter((p) => {
      const k = `${JSON.stringify(p.span)}\0${p.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    this.collection.set(doc.uri, all.map(toDiagnostic));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
