import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFromFile } from '../../src/core/fileBody';
import { base64ToBytes } from '../../src/core/base64';

const enc = (s: string) => new TextEncoder().encode(s);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

test('a .json file loads as JSON text, not base64', () => {
  assert.deepEqual(bodyFromFile('order.json', enc('{\n  "id": 1\n}\n')), {
    bodyMode: 'json',
    body: '{\n  "id": 1\n}\n',
    note: 'JSON',
  });
  assert.equal(bodyFromFile('ORDER.JSON', enc('[1, 2]')).bodyMode, 'json');
  assert.equal(bodyFromFile('n.json', enc('42')).bodyMode, 'json', 'any JSON value in a .json file');
});

test('a .json file that does not parse still loads as JSON, so the form shows the error', () => {
  const r = bodyFromFile('broken.json', enc('{"a": }'));
  assert.equal(r.bodyMode, 'json');
  assert.equal(r.body, '{"a": }');
});

test('content that parses as a JSON object or array loads as JSON whatever the extension', () => {
  assert.equal(bodyFromFile('payload.txt', enc(' {"a": [1, 2]}')).bodyMode, 'json');
  assert.equal(bodyFromFile('noext', enc('[{"a": 1}]')).bodyMode, 'json');
  assert.equal(bodyFromFile('notes.txt', enc('{ not json')).bodyMode, 'text');
  assert.equal(bodyFromFile('n.txt', enc('42')).bodyMode, 'text', 'a bare number in a .txt file stays text');
});

test('UTF-8 text (txt, csv) loads as text, exactly', () => {
  assert.deepEqual(bodyFromFile('hello.txt', enc('héllo wörld ✓\n')), {
    bodyMode: 'text',
    body: 'héllo wörld ✓\n',
    note: 'text',
  });
  const csv = 'id,name\n1,"a, b"\r\n2,c\n';
  assert.deepEqual(bodyFromFile('rows.csv', enc(csv)), { bodyMode: 'text', body: csv, note: 'text' });
});

test('PNG bytes, NUL bytes and invalid UTF-8 load as binary base64, byte for byte', () => {
  const png = bodyFromFile('logo.png', PNG);
  assert.equal(png.bodyMode, 'base64');
  assert.deepEqual(base64ToBytes(png.body), PNG);
  assert.match(png.note, /^binary/);
  const nul = bodyFromFile('a.txt', enc('abc\0def'));
  assert.equal(nul.bodyMode, 'base64');
  assert.equal(nul.note, 'binary: contains NUL bytes');
  const bad = new Uint8Array([0x61, 0xc3, 0x28, 0x62]); // 0xc3 0x28: invalid two-byte sequence
  const r = bodyFromFile('latin.txt', bad);
  assert.equal(r.bodyMode, 'base64');
  assert.equal(r.note, 'binary: not UTF-8 text');
  assert.deepEqual(base64ToBytes(r.body), bad);
  assert.equal(bodyFromFile('x.json', new Uint8Array([0x7b, 0xff, 0x7d])).bodyMode, 'base64', 'even named .json');
});

test('an empty file is an empty text body (also when named .json)', () => {
  assert.deepEqual(bodyFromFile('empty.txt', new Uint8Array()), { bodyMode: 'text', body: '', note: 'text' });
  assert.equal(bodyFromFile('empty.json', new Uint8Array()).bodyMode, 'text');
});

test('a byte order mark is kept in text (same bytes sent) and dropped from JSON', () => {
  const bom = [0xef, 0xbb, 0xbf];
  const text = bodyFromFile('bom.txt', new Uint8Array([...bom, ...enc('hi')]));
  assert.equal(text.bodyMode, 'text');
  assert.equal(text.body, '\uFEFFhi');
  assert.deepEqual(enc(text.body), new Uint8Array([...bom, ...enc('hi')]));
  const json = bodyFromFile('bom.json', new Uint8Array([...bom, ...enc('{"a":1}')]));
  assert.deepEqual(json, { bodyMode: 'json', body: '{"a":1}', note: 'JSON, byte order mark dropped' });
  assert.equal(bodyFromFile('bom.txt', new Uint8Array([...bom, ...enc('[1]')])).bodyMode, 'json');
});
