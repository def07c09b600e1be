/**
 * Completion in `.amqp` files: verbs; exchanges (PUBLISH, CALL, ROUTE) or queues (PEEK) of the
 * request's connection and vhost; routing keys from the exchange's bindings (queue names for the
 * default exchange); field names and values (connections and vhosts included); header names and
 * types; `{{` variables and dynamic values. Reads only listings (cached a few seconds): it never
 * takes a message or opens a panel, and any error means no live items.
 */
import * as vscode from 'vscode';
import {
  cursorContext,
  DYNAMIC_VALUES,
  fileVariables,
  HEADER_TYPES,
  CONTENT_TYPES,
  scopeAt,
  type CursorContext,
  type RequestScope,
} from '../../core/requestFile/cursor';
import type { Span } from '../../core/requestFile/types';
import { FIELDS, fieldSpec } from '../../core/requestFile/fields';
import type { BrokerSession } from '../../broker/session';
import type { LiveTopology } from './live';
import {
  defaultExchangeKeys,
  exchangeEntries,
  peekQueueEntries,
  typedSoFar,
  type SearchedList,
} from './searchedTargets';

const VERBS: readonly [string, string][] = [
  ['PUBLISH', 'PUBLISH exchange routing-key: publish a message'],
  ['CALL', 'CALL exchange routing-key: RPC request, waits for the reply'],
  ['PEEK', 'PEEK queue [count]: look at messages without losing them'],
  ['ROUTE', 'ROUTE exchange routing-key: where would it go? (nothing is sent)'],
];

/** Header names RabbitMQ itself reads on a published message. */
const STANDARD_HEADERS: readonly [string, string][] = [
  ['CC', 'More routing keys (array of strings), seen by the consumers'],
  ['BCC', 'More routing keys (array of strings), removed before delivery'],
  ['x-delay', 'Delay in ms (rabbitmq_delayed_message_exchange)'],
];

const range = (s: Span) => new vscode.Range(s.start.line, s.start.character, s.end.line, s.end.character);

export class RequestFileCompletion implements vscode.CompletionItemProvider {
  constructor(private readonly live: LiveTopology) {}

  async provideCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
  ): Promise<vscode.CompletionItem[] | vscode.CompletionList> {
    const text = doc.getText();
    const ctx = cursorContext(text, pos);
    if (ctx.kind === 'none') return [];
    const scope = scopeAt(text, pos.line);
    try {
      return await this.items(ctx, scope, doc, pos);
    } catch {
      return []; // a broker that cannot be reached offers nothing live
    }
  }

  private async items(
    ctx: Exclude<CursorContext, { kind: 'none' }>,
    scope: RequestScope,
    doc: vscode.TextDocument,
    pos: vscode.Position,
  ): Promise<vscode.CompletionItem[] | vscode.CompletionList> {
    const r = range(ctx.range);
    const item = (label: string, kind: vscode.CompletionItemKind, detail?: string, insert?: string) => {
      const i = new vscode.CompletionItem(label, kind);
      i.range = r;
      if (detail) i.detail = detail;
      if (insert !== undefined) i.insertText = insert;
      return i;
    };
    switch (ctx.kind) {
      case 'verb':
        return VERBS.map(([v, d]) => item(v, vscode.CompletionItemKind.Keyword, d, `${v} `));
      case 'field-name': {
        const out = FIELDS.filter((f) => !scope.kind || f.kinds.includes(scope.kind)).map((f) =>
          item(f.name, vscode.CompletionItemKind.Property, f.description, `${f.name}: `),
        );
        const h = item('header', vscode.CompletionItemKind.Keyword, 'A typed header: header name:type = value');
        h.insertText = new vscode.SnippetString('header ${1:name}:${2|' + HEADER_TYPES.join(',') + '|} = $0');
        return [...out, h];
      }
      case 'header-type':
        return HEADER_TYPES.map((t) => item(t, vscode.CompletionItemKind.TypeParameter));
      case 'variable': {
        const after = doc.lineAt(pos.line).text.slice(pos.character);
        const close = /^\s*\}\}/.test(after) ? '' : '}}';
        const vars = [...fileVariables(doc.getText().split(/\r?\n/))].map(([n, v]) =>
          item(n, vscode.CompletionItemKind.Variable, v, `${n}${close}`),
        );
        const dyn = DYNAMIC_VALUES.map((d) => {
          const i = item(d.name, vscode.CompletionItemKind.Function, d.doc);
          i.insertText = new vscode.SnippetString(
            '\\' + d.insert.replace(/ (\w+) (\w+)$/, ' ${1:$1} ${2:$2}').replace(/ NAME$/, ' ${1:NAME}') + close,
          );
          return i;
        });
        return [...vars, ...dyn];
      }
      case 'field-value':
        return this.fieldValues(ctx.field, scope, item);
    }
    // The rest needs the broker.
    const s = await this.session(scope);
    if (!s) return [];
    // Exchanges and queues are searched on the server with what is typed: however many the vhost
    // has, the list is one page of those containing it, asked again as the user types while more
    // match (an incomplete list).
    const typed = () => (pos.isAfter(r.start) ? typedSoFar(doc.getText(new vscode.Range(r.start, pos))) : '');
    const searched = (found: SearchedList, kind: vscode.CompletionItemKind, first: vscode.CompletionItem[] = []) =>
      new vscode.CompletionList(
        [...first, ...found.entries.map((e) => item(e.name, kind, e.detail))],
        found.incomplete,
      );
    switch (ctx.kind) {
      case 'target':
        if (ctx.verb === 'peek')
          return searched(
            peekQueueEntries(await this.live.queues(s, scope.vhost, typed())),
            vscode.CompletionItemKind.Module,
          );
        return searched(
          exchangeEntries(await this.live.exchanges(s, scope.vhost, typed())),
          vscode.CompletionItemKind.Class,
          [item('""', vscode.CompletionItemKind.Class, 'the default exchange (routes to the queue named by the key)')],
        );
      case 'routing-key': {
        if (scope.target === undefined) return [];
        if (scope.target === '')
          return searched(
            defaultExchangeKeys(await this.live.queues(s, scope.vhost, typed())),
            vscode.CompletionItemKind.Value,
          );
        const keys = new Map<string, string[]>();
        for (const b of await this.live.bindings(s, scope.vhost, scope.target)) {
          if (b.routing_key === '') continue;
          keys.set(b.routing_key, [...(keys.get(b.routing_key) ?? []), b.destination]);
        }
        return [...keys].map(([k, dests]) => item(k, vscode.CompletionItemKind.Value, `→ ${dests.join(', ')}`));
      }
      case 'header-name': {
        const out = STANDARD_HEADERS.map(([n, d]) => item(n, vscode.CompletionItemKind.Field, d));
        if (scope.target) {
          const names = new Set<string>();
          for (const b of await this.live.bindings(s, scope.vhost, scope.target).catch(() => []))
            for (const k of Object.keys(b.arguments ?? {})) if (!k.startsWith('x-')) names.add(k);
          for (const n of names)
            out.push(item(n, vscode.CompletionItemKind.Field, `binding argument of ${scope.target}`));
        }
        return out;
      }
    }
  }

  private async fieldValues(
    field: string,
    scope: RequestScope,
    item: (label: string, kind: vscode.CompletionItemKind, detail?: string) => vscode.CompletionItem,
  ): Promise<vscode.CompletionItem[]> {
    if (field === 'connection') {
      return this.live.connectionNames().map((n) => item(n, vscode.CompletionItemKind.Reference, 'Burrow connection'));
    }
    if (field === 'vhost') {
      const s = await this.session(scope);
      return s ? (await this.live.vhosts(s)).map((v) => item(v, vscode.CompletionItemKind.Folder, 'vhost')) : [];
    }
    const values =
      field === 'content-type'
        ? CONTENT_TYPES
        : field === 'message-id' || field === 'correlation-id'
          ? ['{{$uuid}}']
          : (fieldSpec(field)?.values ?? []);
    return values.map((v) => item(v, vscode.CompletionItemKind.EnumMember));
  }

  private async session(scope: RequestScope): Promise<BrokerSession | undefined> {
    const c = this.live.connection(scope.connection);
    return c.ok ? this.live.quietSession(c.profile) : undefined;
  }
}
