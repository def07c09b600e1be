/**
 * The `.amqp` TextMate grammar (syntaxes/amqp.tmLanguage.json), run by VS Code's own engine
 * (vscode-textmate on vscode-oniguruma) on a sample file. Embedded JSON resolves to VS Code's JSON
 * grammar, copied into test/unit/fixtures (MIT, from microsoft/vscode extensions/json), so the test
 * needs no code-server download.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const ROOT = join(__dirname, '..', '..');
const GRAMMARS: Record<string, string> = {
  'source.amqp': join(ROOT, 'syntaxes', 'amqp.tmLanguage.json'),
  'source.json': join(__dirname, 'fixtures', 'JSON.tmLanguage.json'),
};

let grammarPromise: Promise<textmate.IGrammar> | undefined;
function grammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) => {
        const path = GRAMMARS[scopeName];
        return path ? textmate.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
      },
    });
    const g = await registry.loadGrammar('source.amqp');
    if (!g) throw new Error('source.amqp did not load');
    return g;
  })();
  return grammarPromise;
}

interface Token {
  line: number;
  text: string;
  scopes: string[];
}

async function tokenize(text: string): Promise<Token[]> {
  const g = await grammar();
  let stack = textmate.INITIAL;
  const out: Token[] = [];
  text.split('\n').forEach((line, i) => {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  });
  return out;
}

/** The scopes of the token that is exactly `text` on line `line` (0-based). */
function scopesAt(tokens: Token[], line: number, text: string): string[] {
  const t = tokens.find((x) => x.line === line && x.text.trim() === text);
  assert.ok(
    t,
    `no token '${text}' on line ${line}: ${JSON.stringify(tokens.filter((x) => x.line === line).map((x) => x.text))}`,
  );
  return t.scopes;
}

function has(tokens: Token[], line: number, text: string, scope: string): void {
  const scopes = scopesAt(tokens, line, text);
  assert.ok(
    scopes.some((s) => s === scope || s.startsWith(scope + '.')),
    `'${text}' (line ${line}) should have ${scope}: ${scopes.join(' ')}`,
  );
}

function lacks(tokens: Token[], line: number, text: string, scope: string): void {
  const scopes = scopesAt(tokens, line, text);
  assert.ok(!scopes.some((s) => s.startsWith(scope)), `'${text}' (line ${line}) should not have ${scope}: ${scopes}`);
}

const SAMPLE = [
  /* 0 */ '# orders demo',
  /* 1 */ '@host = orders',
  /* 2 */ '@connection = localhost',
  /* 3 */ '',
  /* 4 */ '### Critical kernel log',
  /* 5 */ 'PUBLISH topic_logs kern.critical',
  /* 6 */ 'content-type: application/json',
  /* 7 */ 'delivery-mode: 2',
  /* 8 */ 'header x-retries:int32 = 3',
  /* 9 */ 'header trace = {{$uuid}}',
  /* 10 */ 'mandatory: true',
  /* 11 */ '',
  /* 12 */ '{"msg": "disk {{host}} full", "n": {{$i}}, "ok": true}',
  /* 13 */ '',
  /* 14 */ '### Fibonacci',
  /* 15 */ 'CALL "" rpc_queue',
  /* 16 */ 'timeout: 5s',
  /* 17 */ '// a comment',
  /* 18 */ '',
  /* 19 */ '10 {"not": "json"}',
  /* 20 */ '### What is waiting',
  /* 21 */ 'PEEK task_queue 10',
  /* 22 */ '',
  /* 23 */ '### Where does it go',
  /* 24 */ 'ROUTE amq.headers {{host}}',
  /* 25 */ 'header format:string = pdf',
  /* 26 */ '',
  /* 27 */ '### body starts with a bracket, no content type',
  /* 28 */ 'publish "" task_queue',
  /* 29 */ '',
  /* 30 */ '[1, 2, {"a": null}]',
  /* 31 */ '### file body',
  /* 32 */ 'PUBLISH "" task_queue',
  /* 33 */ '',
  /* 34 */ '< ./payload.bin',
].join('\n');

test('comments, file variables and request separators', async () => {
  const t = await tokenize(SAMPLE);
  has(t, 0, '#', 'punctuation.definition.comment.amqp');
  has(t, 0, 'orders demo', 'comment.line.number-sign.amqp');
  has(t, 17, 'a comment', 'comment.line.double-slash.amqp');
  has(t, 1, '@', 'punctuation.definition.variable.amqp');
  has(t, 1, 'host', 'variable.other.definition.amqp');
  has(t, 1, '=', 'keyword.operator.assignment.amqp');
  has(t, 1, 'orders', 'string.unquoted.variable-value.amqp');
  has(t, 4, '###', 'punctuation.separator.request.amqp');
  has(t, 4, 'Critical kernel log', 'entity.name.section.request.amqp');
  has(t, 20, '###', 'punctuation.separator.request.amqp');
  lacks(t, 20, '###', 'comment');
  lacks(t, 20, '###', 'meta.embedded');
});

test('request lines: verbs, exchanges, queues, routing keys and counts', async () => {
  const t = await tokenize(SAMPLE);
  has(t, 5, 'PUBLISH', 'keyword.other.verb.amqp');
  has(t, 5, 'topic_logs', 'entity.name.type.exchange.amqp');
  has(t, 5, 'kern.critical', 'string.unquoted.routing-key.amqp');
  has(t, 15, 'CALL', 'keyword.other.verb.amqp');
  has(t, 15, '""', 'string.quoted.double.amqp');
  has(t, 15, 'rpc_queue', 'string.unquoted.routing-key.amqp');
  has(t, 21, 'PEEK', 'keyword.other.verb.amqp');
  has(t, 21, 'task_queue', 'entity.name.type.queue.amqp');
  has(t, 21, '10', 'constant.numeric.count.amqp');
  has(t, 24, 'ROUTE', 'keyword.other.verb.amqp');
  has(t, 24, 'amq.headers', 'entity.name.type.exchange.amqp');
  has(t, 24, 'host', 'variable.other.amqp');
  has(t, 28, 'publish', 'keyword.other.verb.amqp');
});

test('fields, typed headers and variables', async () => {
  const t = await tokenize(SAMPLE);
  has(t, 6, 'content-type', 'support.type.property-name.amqp');
  has(t, 6, 'application/json', 'string.unquoted.field-value.amqp');
  has(t, 7, 'delivery-mode', 'support.type.property-name.amqp');
  has(t, 7, ':', 'punctuation.separator.key-value.amqp');
  has(t, 7, '2', 'constant.numeric.amqp');
  has(t, 10, 'true', 'constant.language.boolean.amqp');
  has(t, 16, '5s', 'constant.numeric.amqp');
  has(t, 8, 'header', 'keyword.other.header.amqp');
  has(t, 8, 'x-retries', 'support.type.property-name.header.amqp');
  has(t, 8, 'int32', 'storage.type.field-type.amqp');
  has(t, 8, '=', 'keyword.operator.assignment.amqp');
  has(t, 8, '3', 'string.unquoted.header-value.amqp');
  has(t, 25, 'string', 'storage.type.field-type.amqp');
  has(t, 9, 'trace', 'support.type.property-name.header.amqp');
  has(t, 9, '{{', 'punctuation.definition.variable.begin.amqp');
  has(t, 9, '$uuid', 'support.function.dynamic-variable.amqp');
  has(t, 9, '}}', 'punctuation.definition.variable.end.amqp');
});

test('JSON bodies: by content type, or when the body starts with { or [; variables inside them', async () => {
  const t = await tokenize(SAMPLE);
  has(t, 12, 'msg', 'meta.embedded.block.json');
  has(t, 12, 'msg', 'support.type.property-name.json');
  has(t, 12, 'true', 'constant.language.json');
  // {{host}} inside a JSON string, {{$i}} as a bare value
  has(t, 12, 'host', 'variable.other.amqp');
  has(t, 12, '$i', 'support.function.dynamic-variable.amqp');
  has(t, 30, 'null', 'constant.language.json');
  has(t, 30, '1', 'constant.numeric.json');
  // a text body that merely contains braces is text
  has(t, 19, '10 {"not": "json"}', 'string.unquoted.body.amqp');
  lacks(t, 19, '10 {"not": "json"}', 'meta.embedded');
  has(t, 34, '<', 'keyword.operator.file.amqp');
  has(t, 34, './payload.bin', 'string.unquoted.path.amqp');
});

test('a request after a JSON body starts afresh (the body ends at ###)', async () => {
  const t = await tokenize(SAMPLE);
  lacks(t, 15, 'CALL', 'meta.embedded');
  lacks(t, 31, '###', 'meta.embedded');
  // An unclosed JSON object does not swallow the next request.
  const u = await tokenize('### a\nPUBLISH x y\n\n{"a": [1,\n### b\nPEEK q 3');
  has(u, 4, '###', 'punctuation.separator.request.amqp');
  has(u, 5, 'PEEK', 'keyword.other.verb.amqp');
  has(u, 5, 'q', 'entity.name.type.queue.amqp');
});

test('a request before the first ### (the format allows one)', async () => {
  const t = await tokenize('@a = 1\nPEEK task_queue 3\n### b\nPUBLISH x y');
  has(t, 1, 'PEEK', 'keyword.other.verb.amqp');
  has(t, 1, 'task_queue', 'entity.name.type.queue.amqp');
  has(t, 2, '###', 'punctuation.separator.request.amqp');
});

test('demo/requests.amqp: every request line and separator is recognized, nothing is marked invalid', async () => {
  const text = readFileSync(join(ROOT, 'demo', 'requests.amqp'), 'utf8');
  const t = await tokenize(text);
  text.split('\n').forEach((line, i) => {
    const verb = /^(PUBLISH|CALL|PEEK|ROUTE)\b/.exec(line);
    if (verb) has(t, i, verb[1]!, 'keyword.other.verb.amqp');
    if (line.startsWith('###')) has(t, i, '###', 'punctuation.separator.request.amqp');
  });
  assert.deepEqual(
    t.filter((x) => x.scopes.some((s) => s.startsWith('invalid'))),
    [],
  );
});

test('CALL <queue> (one name) marks the name as a queue', async () => {
  const t = await tokenize('### fib\nCALL rpc_queue\ntimeout: 5s\n\n10\n### two\nCALL "" rpc_queue');
  has(t, 1, 'rpc_queue', 'entity.name.type.queue.amqp');
  has(t, 2, '5s', 'constant.numeric.amqp');
  has(t, 6, '""', 'entity.name.type.exchange.amqp');
  has(t, 6, 'rpc_queue', 'string.unquoted.routing-key.amqp');
});
