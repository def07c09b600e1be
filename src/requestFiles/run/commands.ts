/**
 * Running `.amqp` requests from the editor: the CodeLens above each request (Send, Send ×N,
 * Send N…, Call, Peek, Route, Copy as code), their commands, the results view, and Copy as code
 * and Save as .amqp for the panels. `registerRequestRunner` is the one line in extension.ts.
 */
import * as vscode from 'vscode';
import { parseRequestFile } from '../../core/requestFile/parse';
import type { ParsedFile, ParsedRequest, RequestKind } from '../../core/requestFile/types';
import type { PanelServices } from '../../panels/services';
import { registerAll, type CommandServices } from '../../commands/context';
import { ask } from '../../commands/ui';
import { RequestRunner } from './runner';
import { ResultsView } from './resultsPanel';
import { codeRequestOf, codeTarget } from './codeRequest';
import { copyAsCode } from './copyAsCode';
import { registerSaveAsAmqp } from './saveAsAmqp';

export const AMQP_SELECTOR: vscode.DocumentSelector = [{ language: 'amqp' }, { pattern: '**/*.amqp' }];

const RUN_COMMAND: Readonly<Record<RequestKind, { id: string; title: string }>> = {
  publish: { id: 'burrow.requests.send', title: '$(send) Send' },
  call: { id: 'burrow.requests.call', title: '$(call-outgoing) Call' },
  peek: { id: 'burrow.requests.peek', title: '$(eye) Peek' },
  route: { id: 'burrow.requests.route', title: '$(symbol-namespace) Route' },
};

/** The parse of a document, kept per version (CodeLens asks often). */
class ParseCache {
  private readonly cache = new Map<string, { version: number; parsed: ParsedFile }>();
  get(doc: vscode.TextDocument): ParsedFile {
    const key = doc.uri.toString();
    const held = this.cache.get(key);
    if (held && held.version === doc.version) return held.parsed;
    const parsed = parseRequestFile(doc.getText());
    this.cache.set(key, { version: doc.version, parsed });
    return parsed;
  }
  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }
}

/** The repeat count a request asks for (`repeat: N`) as written ('1' when it does not say). */
export function repeatOf(request: ParsedRequest): string {
  const line = request.fields.find((f) => f.name.value.toLowerCase() === 'repeat');
  return line?.value.value.trim() || '1';
}

/** The lenses of one request: its run command(s), then Copy as code. */
export function lensesFor(uri: vscode.Uri, request: ParsedRequest, index: number): vscode.CodeLens[] {
  const s = request.span.start;
  const range = new vscode.Range(s.line, s.character, s.line, s.character);
  const run = RUN_COMMAND[request.kind];
  // Send sends one message; Send ×N the request's `repeat` (resolved: it may be a variable).
  const once = request.kind === 'publish' ? [uri, index, 1] : [uri, index];
  const lenses = [new vscode.CodeLens(range, { title: run.title, command: run.id, arguments: once })];
  if (request.kind === 'publish') {
    const n = repeatOf(request);
    if (n !== '1')
      lenses.push(new vscode.CodeLens(range, { title: `Send ×${n}`, command: run.id, arguments: [uri, index] }));
    lenses.push(
      new vscode.CodeLens(range, { title: 'Send N…', command: 'burrow.requests.sendN', arguments: [uri, index] }),
    );
  }
  lenses.push(
    new vscode.CodeLens(range, {
      title: '$(code) Copy as code',
      command: 'burrow.requests.copyAsCode',
      arguments: [uri, index],
    }),
  );
  return lenses;
}

class RequestLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly parses: ParseCache) {}
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    return this.parses.get(doc).requests.flatMap((r, i) => lensesFor(doc.uri, r, i));
  }
  dispose(): void {
    this.changed.dispose();
  }
}

/** (uri, index) from a CodeLens, or the active `.amqp` editor's request under the cursor. */
function requestArgs(parses: ParseCache, uri: unknown, index: unknown): { uri: vscode.Uri; index: number } {
  if (uri instanceof vscode.Uri && typeof index === 'number') return { uri, index };
  const editor = vscode.window.activeTextEditor;
  if (!editor || !vscode.languages.match(AMQP_SELECTOR, editor.document))
    throw new Error('Open an .amqp request file and put the cursor in a request.');
  const line = editor.selection.active.line;
  const requests = parses.get(editor.document).requests;
  const at = requests.findIndex((r) => r.span.start.line <= line && line <= r.span.end.line);
  if (at < 0) throw new Error('Put the cursor in a request (a ### block) of the file.');
  return { uri: editor.document.uri, index: at };
}

/** Shows the request named in a results key in its file. */
async function revealRequest(parses: ParseCache, key: string): Promise<void> {
  const hash = key.indexOf('#');
  const uri = vscode.Uri.parse(key.slice(0, hash));
  const name = key.slice(hash + 1);
  const doc = await vscode.workspace.openTextDocument(uri);
  const request = parses.get(doc).requests.find((r) => r.name === name);
  const pos = request ? new vscode.Position(request.span.start.line, 0) : new vscode.Position(0, 0);
  await vscode.window.showTextDocument(doc, {
    selection: new vscode.Range(pos, pos),
    viewColumn: vscode.ViewColumn.One,
  });
}

/** Registers the CodeLens, the commands and the results view; returns what to dispose. */
export function registerRequestRunner(services: PanelServices, cmd: CommandServices): vscode.Disposable[] {
  const parses = new ParseCache();
  const results = new ResultsView(services, (key) => void revealRequest(parses, key).catch(() => undefined));
  const runner = new RequestRunner(services, results);
  const lenses = new RequestLenses(parses);
  const run = async (_s: CommandServices, uri?: unknown, index?: unknown, count?: unknown) => {
    const a = requestArgs(parses, uri, index);
    await runner.run(a.uri, a.index, typeof count === 'number' ? { count } : {});
  };
  return [
    results,
    runner,
    lenses,
    vscode.languages.registerCodeLensProvider(AMQP_SELECTOR, lenses),
    vscode.workspace.onDidCloseTextDocument((d) => parses.forget(d)),
    ...registerAll(cmd, {
      'burrow.requests.send': run,
      'burrow.requests.call': run,
      'burrow.requests.peek': run,
      'burrow.requests.route': run,
      'burrow.requests.sendN': async (_s, uri?: unknown, index?: unknown) => {
        const a = requestArgs(parses, uri, index);
        const text = await ask({
          title: 'Burrow: send the request N times',
          prompt: 'How many messages? ({{$i}}, {{$uuid}}… give each its own values)',
          value: '10',
          validateInput: (v) =>
            /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 10_000_000
              ? undefined
              : 'A number from 1 to 10,000,000',
        });
        await runner.run(a.uri, a.index, { count: Number(text.trim()) });
      },
      'burrow.requests.copyAsCode': async (_s, uri?: unknown, index?: unknown) => {
        const a = requestArgs(parses, uri, index);
        const p = await runner.prepare(a.uri, a.index);
        const r = p.resolved;
        const file =
          (r.kind === 'publish' || r.kind === 'call') && r.bodyFile !== undefined
            ? await runner.readBodyFile(p.doc, r.bodyFile)
            : undefined;
        const built = codeRequestOf(r, file);
        if (!built.ok) throw new Error(`${p.request.name} cannot be copied as code: ${built.error}`);
        await copyAsCode(services.context.globalState, built.request, codeTarget(p.profile, r.vhost), p.request.name);
      },
      'burrow.requests.showResults': async () => void results.show(),
    }),
    ...registerSaveAsAmqp(cmd, services),
  ];
}
