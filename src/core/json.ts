/**
 * JSON text helpers, on jsonc-parser (the parser VS Code's own JSON support uses):
 * - parseJsonWithPosition: JSON.parse, and on failure the first syntax error with its line,
 *   column and a message that reads the same in the host and in any webview engine;
 * - prettyJson / oneLineJson: re-lay out valid JSON token by token, so that number literals,
 *   string escapes and duplicate keys stay exactly as sent.
 *
 * Validity is always JSON.parse's verdict (jsonc-parser in strict mode agrees with it, and is
 * only asked where the error is). Pure and browser-safe; the webview bundles import it too.
 */
import { createScanner, printParseErrorCode, visit } from 'jsonc-parser';

export type JsonParseResult =
  | { ok: true; value: unknown }
  /** error: "<message> at line L, column C"; message: the same without the position. */
  | { ok: false; error: string; message: string; line: number; column: number; offset: number };

/** Where and why a text is not JSON. line and column are 1-based; columns count UTF-16 code units, as VS Code's positions do. */
export interface JsonError {
  message: string;
  /** Character offset of the error in the text. */
  offset: number;
  line: number;
  column: number;
}

/** JSON.parse with a clear error: the first syntax error's message, line and column. */
export function parseJsonWithPosition(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const found = findJsonError(text) ?? engineError(text, e);
    return {
      ok: false,
      error: `${found.message} at line ${found.line}, column ${found.column}`,
      message: found.message,
      line: found.line,
      column: found.column,
      offset: found.offset,
    };
  }
}

/** jsonc-parser's error codes (printParseErrorCode names) in words. */
const MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol',
  InvalidNumberFormat: 'Invalid number format',
  PropertyNameExpected: 'Property name expected (a string in double quotes)',
  ValueExpected: 'Value expected',
  ColonExpected: 'Colon expected',
  CommaExpected: 'Comma expected',
  CloseBraceExpected: 'Closing brace expected',
  CloseBracketExpected: 'Closing bracket expected',
  EndOfFileExpected: 'End of input expected (there is more after the JSON value)',
  InvalidCommentToken: 'Comments are not allowed in JSON',
  UnexpectedEndOfComment: 'Unexpected end of comment',
  UnexpectedEndOfString: 'Unterminated string',
  UnexpectedEndOfNumber: 'Unexpected end of number',
  InvalidUnicode: 'Invalid unicode escape (\\u needs 4 hex digits)',
  InvalidEscapeCharacter: 'Invalid escape character in string',
  InvalidCharacter: 'Control character in string (escape it, e.g. \\n or \\u0001)',
};

/** The longest run of a string token that is valid JSON string content: the error of an invalid string is right after it. */
// eslint-disable-next-line no-control-regex
const VALID_STRING_PREFIX = /^"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*/;
const STOP = Symbol('first JSON error found');

/**
 * The first syntax error in text by strict JSON rules (no comments, no trailing commas), or
 * undefined if there is none. Stops at the first error, so a huge text with an early error is
 * cheap. Errors that end a token too early (an unterminated string, "1.") point after the token,
 * errors inside a string at the offending character, the others at the start of the token.
 */
export function findJsonError(text: string): JsonError | undefined {
  let found: JsonError | undefined;
  try {
    visit(
      text,
      {
        onError(code, offset, length, startLine, startCharacter) {
          const name = printParseErrorCode(code);
          let message = MESSAGES[name] ?? name;
          let delta = 0;
          const token = text.slice(offset, offset + length);
          if (name === 'UnexpectedEndOfString' || name === 'UnexpectedEndOfNumber') delta = length;
          else if (name === 'InvalidUnicode' || name === 'InvalidEscapeCharacter' || name === 'InvalidCharacter')
            delta = VALID_STRING_PREFIX.exec(token)?.[0].length ?? 0;
          else if (name === 'InvalidSymbol')
            message += ` ${JSON.stringify(token.length > 20 ? `${token.slice(0, 20)}…` : token)}`;
          // A token never spans a line break (a string stops at one), so the column moves with the offset.
          found = { message, offset: offset + delta, line: startLine + 1, column: startCharacter + delta + 1 };
          throw STOP;
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch (e) {
    // jsonc-parser recurses per nesting level: a very deeply nested text can overflow the stack
    // before the error is reached. Then there is no position to report.
    if (e !== STOP && !(e instanceof RangeError)) throw e;
  }
  return found;
}

/**
 * The engine's own message and position (the end of the text if it names none), for when
 * jsonc-parser found nothing to report: only a text nested too deeply for it.
 */
function engineError(text: string, e: unknown): JsonError {
  const raw = e instanceof Error ? e.message : String(e);
  const position = /\s+(?:in JSON\s+)?at position (\d+)/.exec(raw);
  const offset = position ? Math.min(Number(position[1]), text.length) : text.length;
  const message =
    (position ? raw.replace(position[0], '') : raw).replace(/,\s*"[\s\S]*" is not valid JSON$/, '').trim() ||
    'Invalid JSON';
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    // Line breaks as jsonc-parser counts them: \n, \r\n, or a lone \r.
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { message, offset, line, column: offset - lineStart + 1 };
}

/** jsonc-parser's SyntaxKind values (a const enum in its typings, so not importable as values). */
export const JSON_TOKEN = {
  OPEN_BRACE: 1,
  CLOSE_BRACE: 2,
  OPEN_BRACKET: 3,
  CLOSE_BRACKET: 4,
  COMMA: 5,
  COLON: 6,
  NULL: 7,
  TRUE: 8,
  FALSE: 9,
  STRING: 10,
  NUMBER: 11,
  EOF: 17,
} as const;
const { OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, COLON, STRING, EOF } = JSON_TOKEN;

const WHITESPACE_RUNS = /\s+/g;

/**
 * Lays out valid JSON text token by token: between tokens `gap(depth)` (a line break and
 * indentation, or one space), `{}` and `[]` for empty containers, ": " after keys. Stops soon
 * after the output passes maxChars. With collapseStrings, whitespace runs inside strings become
 * one space (what /\s+/g → ' ' does to the whole text, as structural whitespace is never next to
 * a string's content).
 */
function layOut(text: string, maxChars: number, gap: (depth: number) => string, collapseStrings: boolean): string {
  const scanner = createScanner(text, true);
  let out = '';
  let depth = 0;
  for (let token = scanner.scan(); token !== EOF && out.length <= maxChars; token = scanner.scan()) {
    switch (token) {
      case OPEN_BRACE:
      case OPEN_BRACKET: {
        const after = scanner.getPosition();
        if (scanner.scan() === token + 1) {
          out += token === OPEN_BRACE ? '{}' : '[]';
          break;
        }
        scanner.setPosition(after);
        depth++;
        out += (token === OPEN_BRACE ? '{' : '[') + gap(depth);
        break;
      }
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        depth--;
        out += gap(depth) + (token === CLOSE_BRACE ? '}' : ']');
        break;
      case COMMA:
        out += ',' + gap(depth);
        break;
      case COLON:
        out += ': ';
        break;
      default: {
        const offset = scanner.getTokenOffset();
        const literal = text.slice(offset, offset + scanner.getTokenLength());
        out += collapseStrings && token === STRING ? literal.replace(WHITESPACE_RUNS, ' ') : literal;
      }
    }
  }
  return out;
}

/**
 * Re-indents valid JSON text with 2 spaces without going through JS values, so number
 * literals (12345678901234567890, 1.0), string escapes and duplicate keys stay exactly as
 * sent. For ordinary documents the output equals JSON.stringify(JSON.parse(text), null, 2).
 * The input must be valid JSON. With maxChars, stops soon after the output reaches that length
 * (the result is then longer than maxChars, never much longer).
 */
export function prettyJson(text: string, maxChars = Infinity): string {
  const indents: string[] = [];
  return layOut(text, maxChars, (depth) => indents[depth] ?? (indents[depth] = '\n' + '  '.repeat(depth)), false);
}

/**
 * Valid JSON text laid out as prettyJson would, with every line break + indentation as one
 * space and whitespace runs in strings collapsed ("{ "a": 1, "b": [ 2 ] }"): prettyJson's
 * output with /\s+/g → ' ', cut to maxChars. The input must be valid JSON.
 */
export function oneLineJson(text: string, maxChars: number): string {
  const out = layOut(text, maxChars, () => ' ', true);
  return out.length > maxChars ? out.slice(0, maxChars) : out;
}
