import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { findJsonError, oneLineJson, parseJsonWithPosition, prettyJson } from '../../src/core/json';

/** jsonc-parser's own first error for text (strict JSON), to compare positions with. */
function jsoncFirstError(text: string): ParseError | undefined {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors[0];
}

function error(text: string) {
  const r = parseJsonWithPosition(text);
  assert.equal(r.ok, false, `${JSON.stringify(text)} should not parse`);
  if (r.ok) throw new Error('unreachable');
  return r;
}

describe('parseJsonWithPosition', () => {
  test('valid JSON', () => {
    assert.deepEqual(parseJsonWithPosition('{"a":[1]}'), { ok: true, value: { a: [1] } });
  });

  test('"at position N" becomes line and column', () => {
    const r = parseJsonWithPosition('{\n  "a": 1\n  "b": 2\n}');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.offset, 13);
    assert.equal(r.line, 3);
    assert.equal(r.column, 3);
    assert.match(r.error, /line 3, column 3/);
    assert.doesNotMatch(r.error, /position/);
    assert.equal(r.message, 'Comma expected');
    assert.equal(r.error, 'Comma expected at line 3, column 3');
  });

  test('messages without a position are located by the scanner', () => {
    const r = parseJsonWithPosition('{"a": }');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.offset, 6);
    assert.equal(r.column, 7);
    assert.doesNotMatch(r.error, /is not valid JSON/);
    const h = parseJsonWithPosition('hello');
    assert.equal(h.ok, false);
    if (!h.ok) assert.equal(h.offset, 0);
  });

  test('unexpected end points after the last character', () => {
    const r = parseJsonWithPosition('[1,\n2');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.line, 2);
    assert.equal(r.column, 2);
    const e = parseJsonWithPosition('');
    assert.equal(e.ok, false);
  });

  test('findJsonError on assorted inputs (the inputs of the former hand-written locator)', () => {
    const at = (t: string) => findJsonError(t)?.offset;
    assert.equal(at('{"a":1,}'), 7);
    assert.equal(at('[1 2]'), 3);
    assert.equal(at('{"a":1} x'), 8);
    assert.equal(at('"abc'), 4);
    assert.equal(at('tru'), 0, 'an unknown word is reported where it starts');
    assert.equal(at('[01]'), 2);
  });
});

describe('findJsonError', () => {
  test("positions of structural errors are jsonc-parser's, with line and column", () => {
    const cases: Array<[text: string, line: number, column: number, message: RegExp]> = [
      ['{"a": 1,}', 1, 9, /^Property name expected/],
      ['{"a" 1}', 1, 6, /^Colon expected$/],
      ['[1,\n 2\n 3]', 3, 2, /^Comma expected$/],
      ['[1,]', 1, 4, /^Value expected$/],
      ['{\n  "a": [1, 2', 2, 13, /^Closing bracket expected$/],
      ['{"a": 1', 1, 8, /^Closing brace expected$/],
      ['{"a": 1} {}', 1, 10, /^End of input expected/],
      ['{"k": 1 // note\n}', 1, 9, /^Comments are not allowed in JSON$/],
      ["{'a': 1}", 1, 2, /^Invalid symbol "'a'"$/],
      ['NaN', 1, 1, /^Invalid symbol "NaN"$/],
      ['', 1, 1, /^Value expected$/],
    ];
    for (const [text, line, column, message] of cases) {
      const e = findJsonError(text);
      assert.ok(e, JSON.stringify(text));
      assert.deepEqual([e.line, e.column], [line, column], JSON.stringify(text));
      assert.match(e.message, message, JSON.stringify(text));
      const theirs = jsoncFirstError(text);
      assert.ok(theirs);
      assert.equal(
        e.offset,
        theirs.offset,
        `${JSON.stringify(text)}: jsonc-parser says ${printParseErrorCode(theirs.error)} at ${theirs.offset}`,
      );
    }
  });

  test('errors that end a token early point after it, errors inside a string at the character', () => {
    const cases: Array<[text: string, offset: number, message: RegExp]> = [
      ['"abc', 4, /^Unterminated string$/],
      ['["ab\ncd"]', 4, /^Unterminated string$/], // a line break ends the string
      ['1.', 2, /^Unexpected end of number$/],
      ['[1e]', 3, /^Unexpected end of number$/],
      ['"ok \\\\ then \\x"', 12, /^Invalid escape character/], // the backslash of \x, not the escaped one before it
      ['"a\\u12"', 2, /^Invalid unicode escape/],
      ['"tab\there"', 4, /^Control character in string/],
    ];
    for (const [text, offset, message] of cases) {
      const e = findJsonError(text);
      assert.ok(e, JSON.stringify(text));
      assert.equal(e.offset, offset, JSON.stringify(text));
      assert.equal(e.column, offset + 1, JSON.stringify(text));
      assert.match(e.message, message, JSON.stringify(text));
      // jsonc-parser reports the whole token; the position is inside or just after it.
      const theirs = jsoncFirstError(text);
      assert.ok(theirs && theirs.offset <= offset && offset <= theirs.offset + theirs.length, JSON.stringify(text));
    }
  });

  test('non-ASCII text: columns count UTF-16 code units, as VS Code positions do', () => {
    const e = findJsonError('{"名前": "値",}');
    assert.deepEqual([e?.line, e?.column, e?.offset], [1, 12, 11]);
    const emoji = findJsonError('{\n  "😀": "é",\n  "ü" 1\n}');
    assert.deepEqual([emoji?.line, emoji?.column], [3, 7]);
    assert.match(emoji!.message, /^Colon expected$/);
    const nbsp = findJsonError('[1,\u00a02]');
    assert.deepEqual(
      [nbsp?.offset, nbsp?.message],
      [3, 'Invalid symbol "\u00a02"'],
      'a no-break space is no JSON whitespace',
    );
  });

  test('\r\n and a lone \r end lines too', () => {
    assert.deepEqual(pick(findJsonError('{\r\n"a": 1\r\n"b": 2}')), [3, 1]);
    assert.deepEqual(pick(findJsonError('[1,\r2\r3]')), [3, 1]);
  });

  test('huge input: the error near the end of 6 MB is found, and an early one too', () => {
    const body = '[' + '{"id":12345,"name":"x"},'.repeat(250_000);
    const late = findJsonError(body + ']');
    assert.equal(late?.offset, body.length);
    assert.equal(late?.column, body.length + 1);
    assert.match(late!.message, /^Value expected$/);
    const early = findJsonError('[1 ' + body);
    assert.equal(early?.offset, 3);
  });

  test('nesting too deep for jsonc-parser: still an error with a position, no exception', () => {
    const deep = '['.repeat(200_000);
    const r = error(deep);
    assert.equal(r.offset, deep.length);
    assert.equal(r.line, 1);
    assert.doesNotMatch(r.error, /position/);
  });

  test('valid JSON has no error, and jsonc-parser agrees with JSON.parse on mutated documents', () => {
    for (const t of [
      '{}',
      '[]',
      '0',
      '-0.5e+3',
      '"\\u00e9\\n"',
      'true',
      ' null ',
      '{"a":[1,{"b":null}],"a":2}',
      '"\ud800"',
    ]) {
      JSON.parse(t);
      assert.equal(findJsonError(t), undefined, t);
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const JUNK = [
      '',
      ' ',
      ',',
      ':',
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      '0',
      '-',
      '.',
      'e',
      '+',
      't',
      'x',
      '\u0001',
      '\n',
      '01',
      'tru',
      '\\u12',
      '/',
      '*',
      '\u00a0',
    ];
    const doc = JSON.stringify({ a: [1, -2.5e3, true, null, 'é "q" \\'], b: { c: '', d: [[], {}] }, e: 0 }, null, 1);
    for (let i = 0; i < 3000; i++) {
      let t = doc;
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
        const p = Math.floor(rnd() * (t.length + 1));
        t = t.slice(0, p) + JUNK[Math.floor(rnd() * JUNK.length)] + t.slice(p + (rnd() < 0.5 ? 1 : 0));
      }
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      assert.equal(findJsonError(t) === undefined, valid, JSON.stringify(t));
    }
  });
});

describe('prettyJson / oneLineJson', () => {
  test('oneLineJson is prettyJson with whitespace runs collapsed, cut to maxChars', () => {
    const text = '{"a":1,"b":[1,2,{"c":"x   y\u00a0z"}],"d":{},"e":[ ],"f":"  "}';
    assert.equal(oneLineJson(text, 1000), prettyJson(text).replace(/\s+/g, ' '));
    assert.equal(oneLineJson(text, 1000), '{ "a": 1, "b": [ 1, 2, { "c": "x y z" } ], "d": {}, "e": [], "f": " " }');
    assert.equal(oneLineJson(text, 10), '{ "a": 1, ');
    assert.equal(oneLineJson('  12345678901234567890 ', 160), '12345678901234567890');
  });

  test('prettyJson stops soon after maxChars', () => {
    const big = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ i })));
    const out = prettyJson(big, 100);
    assert.ok(out.length > 100 && out.length < 200, `${out.length} chars`);
    assert.ok(prettyJson(big).startsWith(out));
  });
});

function pick(e: { line: number; column: number } | undefined): [number, number] | undefined {
  return e && [e.line, e.column];
}
