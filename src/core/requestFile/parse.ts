/**
 * The `.amqp` parser (types.ts and README "Request files" describe the format). Pure, never
 * throws: whatever it cannot read becomes a problem with a span. It reads the shape only; field
 * values are checked when a request is resolved (resolve.ts), after variables are filled in.
 *
 * Decisions (README documents them):
 * - a line starting with `###` starts a block, the rest of the line names the request; text before
 *   the first `###` may hold file variables, comments, and one request;
 * - `#` (not `###`) and `//` start comment lines before a request line and among its fields;
 *   in a body they are body text;
 * - `@name = value` lines define file variables anywhere before a request line;
 * - the request line is `VERB args…` (verb case-insensitive); names are bare words or JSON strings
 *   in double quotes; `""` and `(default)` are the default exchange; `CALL <queue>` (one name) is
 *   the default exchange with the queue as routing key;
 * - field lines (`name: value`, `header name[:type] = value`) follow the request line up to the
 *   first blank line; the body starts at the next non-blank line and ends before the next `###`,
 *   trailing blank lines dropped; a body whose first line is `< path` is a file body.
 */
import { splitTypedKey } from '../arguments';
import type {
  BodySource,
  FieldLine,
  FileVariable,
  HeaderLine,
  Located,
  ParsedFile,
  ParsedRequest,
  RequestKind,
  RequestProblem,
  Span,
} from './types';
import { FIELD_NAMES, suggestName } from './fields';

/** The request verbs, as the format writes them (completion, snippets). */
export const REQUEST_VERBS = ['PUBLISH', 'CALL', 'PEEK', 'ROUTE'] as const;

const VERBS: Readonly<Record<string, RequestKind>> = {
  PUBLISH: 'publish',
  CALL: 'call',
  PEEK: 'peek',
  ROUTE: 'route',
};

export const VARIABLE_LINE = /^@([A-Za-z_][\w.-]*)\s*=\s?(.*)$/;
const FIELD_LINE = /^([A-Za-z][\w-]*)\s*:(.*)$/;

const span = (line: number, start: number, end: number): Span => ({
  start: { line, character: start },
  end: { line, character: end },
});

/** The lines of a text without their line breaks (\n, \r\n or \r, as VS Code splits them). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

const isBlank = (l: string) => l.trim() === '';
const isComment = (l: string) => {
  const t = l.trimStart();
  return (t.startsWith('#') && !t.startsWith('###')) || t.startsWith('//');
};
const isSeparator = (l: string) => l.startsWith('###');

/** A located piece of one line, trimmed; `from`..`to` are character offsets in the line. */
function locate(line: number, text: string, from: number, to = text.length): Located {
  let s = from;
  let e = to;
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  return { value: text.slice(s, e), span: span(line, s, e) };
}

interface Token extends Located {
  quoted: boolean;
}

/** Bare words and JSON strings of the request line after the verb. */
function tokenize(line: number, text: string, from: number, problems: RequestProblem[]): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      const closed = i < text.length;
      i = Math.min(i + 1, text.length);
      const raw = text.slice(start, i);
      let value = raw.slice(1, closed ? -1 : undefined);
      try {
        if (!closed) throw new Error('unterminated');
        value = JSON.parse(raw) as string;
      } catch {
        problems.push({
          span: span(line, start, i),
          severity: 'error',
          message: closed
            ? `Invalid escape in ${raw}: names in quotes are JSON strings (\\" \\\\ \\u0041…)`
            : 'Unterminated quoted name: add the closing "',
          code: 'syntax',
        });
      }
      tokens.push({ value, span: span(line, start, i), quoted: true });
    } else {
      // A bare word runs to the next space outside {{…}} ({{$env NAME}} is one word).
      while (i < text.length && !/\s/.test(text[i]!)) {
        const close = text.startsWith('{{', i) ? text.indexOf('}}', i + 2) : -1;
        i = close >= 0 ? close + 2 : i + 1;
      }
      const value = text.slice(start, i);
      tokens.push({ value: value === '(default)' ? '' : value, span: span(line, start, i), quoted: false });
    }
  }
  return tokens;
}

const located = (t: Token): Located => ({ value: t.value, span: t.span });

/** The first `=` after `from` that is not inside a double-quoted name; -1 if none. */
function equalsOutsideQuotes(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '=' && !quoted) return i;
  }
  return -1;
}

/** Parses a `header name[:type] = value` line (`rest` starts after the word `header`). */
function headerLine(line: number, text: string, from: number, problems: RequestProblem[]): HeaderLine | undefined {
  const whole = span(line, 0, text.length);
  const eq = equalsOutsideQuotes(text, from);
  const left = locate(line, text, from, eq < 0 ? text.length : eq);
  const { key, type } = splitTypedKey(left.value);
  if (eq < 0 && type !== 'void') {
    problems.push({
      span: whole,
      severity: 'error',
      message: 'Expected header <name>[:<type>] = <value>, e.g. header x-retries:int32 = 3',
      code: 'syntax',
    });
    return undefined;
  }
  if (key === '') {
    problems.push({ span: whole, severity: 'error', message: 'The header has no name', code: 'syntax' });
    return undefined;
  }
  const nameStart = left.span.start.character;
  let name: Located = { value: key, span: span(line, nameStart, nameStart + key.length) };
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) {
    try {
      name = { ...name, value: JSON.parse(key) as string };
    } catch {
      /* kept as written */
    }
  }
  const header: HeaderLine = {
    name,
    value: eq < 0 ? { value: '', span: span(line, text.length, text.length) } : locate(line, text, eq + 1),
    span: whole,
  };
  if (type !== undefined) {
    const typeStart = left.span.start.character + left.value.lastIndexOf(':') + 1;
    const typeText = text.slice(typeStart, left.span.end.character);
    const offset = typeText.length - typeText.trimStart().length;
    header.type = { value: type, span: span(line, typeStart + offset, typeStart + offset + type.length) };
  }
  return header;
}

interface Block {
  /** Line of `###`, or -1 for the text before the first one. */
  sep: number;
  name: string;
  from: number;
  /** Exclusive. */
  to: number;
}

export function parseRequestFile(text: string): ParsedFile {
  const lines = splitLines(typeof text === 'string' ? text : '');
  const problems: RequestProblem[] = [];
  const variables: FileVariable[] = [];
  const requests: ParsedRequest[] = [];

  const blocks: Block[] = [];
  let current: Block = { sep: -1, name: '', from: 0, to: lines.length };
  lines.forEach((l, i) => {
    if (!isSeparator(l)) return;
    current.to = i;
    blocks.push(current);
    current = { sep: i, name: l.slice(3).trim(), from: i + 1, to: lines.length };
  });
  blocks.push(current);

  for (const block of blocks) {
    let i = block.from;
    // Variables, comments and blank lines up to the request line.
    for (; i < block.to; i++) {
      const l = lines[i]!;
      if (isBlank(l) || isComment(l)) continue;
      const v = VARIABLE_LINE.exec(l.trim());
      if (v) {
        const lead = l.length - l.trimStart().length;
        const nameEnd = lead + 1 + v[1]!.length;
        variables.push({
          name: { value: v[1]!, span: span(i, lead + 1, nameEnd) },
          value: locate(i, l, l.indexOf('=', nameEnd) + 1),
        });
        continue;
      }
      break;
    }
    if (i >= block.to) continue;
    const lineText = lines[i]!;
    const lead = lineText.length - lineText.trimStart().length;
    const verbMatch = /^(\S+)/.exec(lineText.slice(lead));
    const verb = verbMatch ? verbMatch[1]!.toUpperCase() : '';
    const kind = VERBS[verb];
    if (!kind) {
      const near =
        verb.length >= 3
          ? suggestName(
              verb.toLowerCase(),
              REQUEST_VERBS.map((v) => v.toLowerCase()),
            )
          : undefined;
      problems.push({
        span: span(i, lead, lineText.length),
        severity: 'error',
        message: near
          ? `Unknown request '${verbMatch![1]}': did you mean ${near.toUpperCase()}?`
          : 'Expected a request line: PUBLISH, CALL, PEEK or ROUTE (or a comment, or @name = value)',
        code: 'syntax',
      });
      continue;
    }
    const request = parseRequest(lines, i, lead, kind, block, requests.length + 1, problems);
    requests.push(request);
  }
  return { variables, requests, problems };
}

function parseRequest(
  lines: string[],
  at: number,
  lead: number,
  kind: RequestKind,
  block: Block,
  ordinal: number,
  problems: RequestProblem[],
): ParsedRequest {
  const text = lines[at]!;
  const verbEnd = lead + (/^\S+/.exec(text.slice(lead))?.[0].length ?? 0);
  const requestLine = span(at, lead, text.length);
  const tokens = tokenize(at, text, verbEnd, problems);
  const verbName = text.slice(lead, verbEnd).toUpperCase();
  const noName = { value: '', span: span(at, verbEnd, verbEnd) };
  let target: Located = noName;
  let routingKey: Located | undefined;
  let count: Located | undefined;
  const max = 2;
  if (tokens.length === 0) {
    const what = kind === 'peek' ? 'a queue' : 'an exchange ("" or (default) for the default exchange)';
    problems.push({ span: requestLine, severity: 'error', message: `${verbName} needs ${what}`, code: 'no-target' });
  } else if (kind === 'call' && tokens.length === 1) {
    // CALL rpc_queue: through the default exchange, straight to the queue.
    target = { value: '', span: span(at, tokens[0]!.span.start.character, tokens[0]!.span.start.character) };
    routingKey = located(tokens[0]!);
  } else {
    target = located(tokens[0]!);
    if (tokens[1]) {
      if (kind === 'peek') count = located(tokens[1]);
      else routingKey = located(tokens[1]);
    }
  }
  if (tokens.length > max) {
    const extra = tokens[max]!;
    const usage: Record<RequestKind, string> = {
      publish: 'PUBLISH <exchange> [<routing-key>]',
      call: 'CALL <exchange> <routing-key> (or CALL <queue>)',
      peek: 'PEEK <queue> [<count>]',
      route: 'ROUTE <exchange> [<routing-key>]',
    };
    problems.push({
      span: { start: extra.span.start, end: tokens[tokens.length - 1]!.span.end },
      severity: 'error',
      message: `Too many words: ${usage[kind]}; put names with spaces in double quotes`,
      code: 'syntax',
    });
  }

  const fields: FieldLine[] = [];
  const headers: HeaderLine[] = [];
  let i = at + 1;
  for (; i < block.to; i++) {
    const l = lines[i]!;
    if (isBlank(l)) break;
    if (isComment(l)) continue;
    const ll = l.length - l.trimStart().length;
    const h = /^header(\s+|$)/i.exec(l.slice(ll));
    if (h) {
      const header = headerLine(i, l, ll + h[0].length, problems);
      if (header) headers.push(header);
      continue;
    }
    const f = FIELD_LINE.exec(l.slice(ll));
    if (!f) {
      problems.push({
        span: span(i, ll, l.length),
        severity: 'error',
        message: 'Expected a field (name: value) or a header line; a body comes after a blank line',
        code: 'syntax',
      });
      continue;
    }
    const name = f[1]!.toLowerCase();
    const nameSpan = span(i, ll, ll + f[1]!.length);
    if (name === 'header' || name === 'headers') {
      problems.push({
        span: nameSpan,
        severity: 'error',
        message: 'A header is written header <name>[:<type>] = <value>, e.g. header x-retries:int32 = 3',
        code: 'syntax',
      });
      continue;
    }
    if (!FIELD_NAMES.includes(name)) {
      const near = suggestName(name, FIELD_NAMES);
      problems.push({
        span: nameSpan,
        severity: 'error',
        message: `Unknown field '${f[1]}'${near ? `: did you mean '${near}'?` : ''}`,
        code: 'unknown-field',
      });
      continue;
    }
    fields.push({
      name: { value: name, span: nameSpan },
      value: locate(i, l, l.indexOf(':', ll) + 1),
      span: span(i, 0, l.length),
    });
  }

  // The body: from the first non-blank line after the blank line, to the block's last non-blank line.
  let end = block.to;
  while (end > i && isBlank(lines[end - 1]!)) end--;
  let start = i;
  while (start < end && isBlank(lines[start]!)) start++;
  let body: BodySource = { kind: 'none' };
  if (start < end) {
    const first = lines[start]!;
    const file = /^\s*<\s+(\S.*)$/.exec(first);
    if (file) {
      body = { kind: 'file', path: locate(start, first, first.indexOf('<') + 1) };
      if (start + 1 < end)
        problems.push({
          span: { start: { line: start + 1, character: 0 }, end: { line: end - 1, character: lines[end - 1]!.length } },
          severity: 'warning',
          message: 'The body is the file named on the line above (< path): these lines are not sent',
          code: 'syntax',
        });
    } else {
      const last = lines[end - 1]!;
      body = {
        kind: 'inline',
        text: {
          value: lines.slice(start, end).join('\n'),
          span: { start: { line: start, character: 0 }, end: { line: end - 1, character: last.length } },
        },
      };
    }
  }
  const blockStart = block.sep >= 0 ? block.sep : at;
  const lastLine = Math.max(at, end - 1);
  return {
    kind,
    name: block.name || `request ${ordinal}`,
    span: { start: { line: blockStart, character: 0 }, end: { line: lastLine, character: lines[lastLine]!.length } },
    requestLine,
    target,
    ...(routingKey ? { routingKey } : {}),
    ...(count ? { count } : {}),
    fields,
    headers,
    body,
  };
}

/** The request whose block holds `line` (CodeLens, "run the request under the cursor"), if any. */
export function requestAtLine(file: ParsedFile, line: number): ParsedRequest | undefined {
  return file.requests.find((r) => r.span.start.line <= line && line <= r.span.end.line);
}
