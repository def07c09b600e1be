import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64ToBytes,
  base64ToBytesLoop,
  base64UsesBuffer,
  bytesToBase64,
  bytesToBase64Loop,
} from '../../src/core/base64';
import { buildHeaders, formatXDeath, headerType, typedHeaders } from '../../src/core/fieldValues';
import { prettyJson } from '../../src/core/json';
import {
  captureMessage,
  captureProperties,
  PROPERTY_NAMES,
  sameProperties,
  type CapturedMessage,
} from '../../src/core/message';
import { decodeBody, hexDump } from '../../src/core/messageBody';
import { fromExportable, parseExported, toExportable, toNdjson } from '../../src/core/messageExport';
import { createFilter, filterMessages, matchesFilter } from '../../src/core/messageFilter';

const enc = (s: string) => new TextEncoder().encode(s);

function msg(over: Partial<CapturedMessage> = {}): CapturedMessage {
  const body = over.body ?? enc('hello');
  return {
    seq: 1,
    exchange: 'orders',
    routingKey: 'order.created',
    redelivered: false,
    properties: {},
    body,
    size: body.length,
    receivedAt: 0,
    ...over,
  };
}

describe('decodeBody', () => {
  test('JSON without content type is pretty-printed with 2 spaces', () => {
    const r = decodeBody(enc('{"a":1,"b":[1,2,{"c":null}],"d":{},"e":[]}'));
    assert.equal(r.kind, 'json');
    assert.equal(r.text, JSON.stringify({ a: 1, b: [1, 2, { c: null }], d: {}, e: [] }, null, 2));
    assert.equal(r.truncated, false);
    assert.equal(r.size, 42);
  });

  test('pretty-printing keeps number literals, escapes and duplicate keys verbatim', () => {
    const r = decodeBody(
      enc('{"big":12345678901234567890,"f":1.0,"s":"a\\u00e9\\"b","k":1,"k":2}'),
      'application/json',
    );
    assert.equal(r.kind, 'json');
    assert.match(r.text, /"big": 12345678901234567890/);
    assert.match(r.text, /"f": 1\.0/);
    assert.match(r.text, /"s": "a\\u00e9\\"b"/);
    assert.match(r.text, /"k": 1,\n {2}"k": 2/);
  });

  test('prettyJson equals JSON.stringify for ordinary documents', () => {
    const doc = { x: 'a b', y: [true, false, null, -1.5e3], z: { nested: { deep: ['q'] } } };
    assert.equal(prettyJson(JSON.stringify(doc)), JSON.stringify(doc, null, 2));
    assert.equal(prettyJson(' [ ] '), '[]');
    assert.equal(prettyJson('"str"'), '"str"');
  });

  test('application/json that does not parse is text with the raw content', () => {
    const r = decodeBody(enc('{"a": oops}'), 'application/json; charset=utf-8');
    assert.equal(r.kind, 'text');
    assert.equal(r.text, '{"a": oops}');
  });

  test('plain text, including tabs and newlines', () => {
    const r = decodeBody(enc('héllo\tworld\r\nline 2'), 'text/plain');
    assert.deepEqual(r, { kind: 'text', text: 'héllo\tworld\r\nline 2', truncated: false, size: 20 });
  });

  test('empty body is empty text', () => {
    assert.deepEqual(decodeBody(new Uint8Array(0)), { kind: 'text', text: '', truncated: false, size: 0 });
  });

  test('HTML stays verbatim text', () => {
    const r = decodeBody(enc('<img src=x onerror=alert(1)>'), 'text/html');
    assert.equal(r.kind, 'text');
    assert.equal(r.text, '<img src=x onerror=alert(1)>');
  });

  test('invalid UTF-8 is shown as a hex dump', () => {
    const bytes = new Uint8Array([0x48, 0x69, 0xff, 0xfe, 0x00, 0x41]);
    const r = decodeBody(bytes, 'text/plain');
    assert.equal(r.kind, 'binary');
    assert.equal(r.text, '00000000  48 69 ff fe 00 41                                 |Hi...A|');
  });

  test('valid UTF-8 with control characters is binary', () => {
    const r = decodeBody(enc('abc\u0001def'));
    assert.equal(r.kind, 'binary');
    assert.match(r.text, /^00000000 {2}61 62 63 01 64 65 66/);
  });

  test('hex dump layout: 16 bytes per line, gap after 8, ASCII column', () => {
    const bytes = new Uint8Array(20).map((_, i) => 0x41 + i);
    const lines = hexDump(bytes).split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|');
    assert.equal(lines[1], '00000010  51 52 53 54                                       |QRST|');
    assert.equal(lines[0].length, lines[1].length + 12);
  });

  test('maxChars truncates text and hex', () => {
    const t = decodeBody(enc('x'.repeat(500)), undefined, { maxChars: 100 });
    assert.equal(t.text.length, 100);
    assert.equal(t.truncated, true);
    assert.equal(t.size, 500);
    const b = decodeBody(new Uint8Array(10_000), undefined, { maxChars: 1000 });
    assert.equal(b.kind, 'binary');
    assert.equal(b.truncated, true);
    assert.ok(b.text.length <= 1000, `hex text is ${b.text.length} chars`);
    const j = decodeBody(enc(JSON.stringify({ a: 'y'.repeat(300) })), undefined, { maxChars: 50 });
    assert.equal(j.kind, 'json');
    assert.equal(j.truncated, true);
    assert.equal(j.text.length, 50);
  });

  test('truncation does not split a surrogate pair', () => {
    const r = decodeBody(enc('a😀b'), undefined, { maxChars: 2 });
    assert.equal(r.text, 'a');
    assert.equal(r.truncated, true);
  });

  test('a 50 MB body is decoded from its first bytes only, truncated', () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x61); // 'a'
    big[0] = 0x7b; // '{' — looks like JSON, must still not be parsed whole
    // Past the prefix that is looked at: invalid UTF-8 and a control character, which would make
    // the whole body binary if it were decoded whole. (How fast this is: bench/rowWorstCase.ts.)
    big[big.length - 2] = 0xff;
    big[big.length - 1] = 0x01;
    const r = decodeBody(big, 'application/json');
    assert.equal(r.truncated, true);
    assert.equal(r.size, big.length);
    assert.equal(r.text.length, 100_000);
    assert.equal(r.kind, 'json');

    const text = decodeBody(big);
    assert.equal(text.kind, 'text');

    const bin = new Uint8Array(50 * 1024 * 1024); // zeros: binary
    const rb = decodeBody(bin);
    assert.equal(rb.kind, 'binary');
    assert.equal(rb.truncated, true);
    assert.ok(rb.text.length <= 100_000);
  });

  test('a large body cut in the middle of a UTF-8 sequence is still text', () => {
    const big = enc('é'.repeat(3_000_000)); // 6 MB, 2 bytes per char
    const r = decodeBody(big, undefined, { maxChars: 1001 });
    assert.equal(r.kind, 'text');
    assert.equal(r.text, 'é'.repeat(1001));
  });
});

describe('headers', () => {
  test('typedHeaders reports AMQP types', () => {
    const rows = typedHeaders({
      s: 'text',
      i: 42,
      f: 1.5,
      b: true,
      n: null,
      a: [1, 'x'],
      t: { k: 'v' },
      ts: { '!': 'timestamp', value: 1_700_000_000 },
      by: new Uint8Array([1, 2, 255]),
      dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
    });
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    assert.deepEqual(
      rows.map((r) => r.type),
      ['string', 'int8', 'double', 'bool', 'void', 'array', 'table', 'timestamp', 'bytes', 'decimal'],
    );
    assert.equal(byName.s.value, 'text');
    assert.equal(byName.i.value, '42');
    assert.equal(byName.n.value, 'null');
    assert.equal(byName.a.value, '[1,"x"]');
    assert.equal(byName.t.value, '{"k":"v"}');
    assert.equal(byName.ts.value, '2023-11-14T22:13:20.000Z (1700000000)');
    assert.equal(byName.by.value, '3 bytes: 0102ff');
    assert.equal(byName.dec.value, '123.45');
    assert.equal(headerType(undefined), 'void');
    assert.deepEqual(typedHeaders(undefined), []);
  });

  test('formatXDeath', () => {
    const rows = formatXDeath({
      'x-death': [
        {
          count: 3,
          reason: 'rejected',
          queue: 'work',
          time: { '!': 'timestamp', value: 1_700_000_000 },
          exchange: 'jobs',
          'routing-keys': ['job.a', 'job.b'],
          'original-expiration': '5000',
        },
        { count: 1, reason: 'expired', queue: 'delay', exchange: '', 'routing-keys': ['work'] },
        'garbage',
      ],
    });
    assert.equal(rows.length, 2);
    assert.deepEqual(
      { ...rows[0], fields: undefined },
      {
        queue: 'work',
        exchange: 'jobs',
        reason: 'rejected',
        count: 3,
        time: '2023-11-14T22:13:20.000Z',
        routingKeys: ['job.a', 'job.b'],
        originalExpiration: '5000',
        fields: undefined,
      },
    );
    assert.ok(rows[0].fields.some((f) => f.name === 'routing keys' && f.value === 'job.a, job.b'));
    assert.ok(rows[1].fields.some((f) => f.name === 'exchange' && f.value === '(AMQP default)'));
    assert.deepEqual(formatXDeath({}), []);
    assert.deepEqual(formatXDeath(undefined), []);
    assert.deepEqual(formatXDeath({ 'x-death': 'nope' }), []);
  });

  test('buildHeaders: rows of old drafts (number, boolean, null, json) send what they sent before, typed', () => {
    const r = buildHeaders([
      { name: 'a', type: 'string', value: ' 12 ' },
      { name: 'b', type: 'number', value: '12' },
      { name: 'c', type: 'number', value: '-1.5e2' },
      { name: 'd', type: 'boolean', value: 'TRUE' },
      { name: 'e', type: 'null', value: 'ignored' },
      { name: 'f', type: 'json', value: '{"x":[1,2]}' },
      { name: 'g', type: 'json', value: '[1.5]' },
      { name: 'h', type: 'number', value: '0.25' },
      { name: '', type: 'string', value: '' },
    ]);
    const int8 = (value: number) => ({ '!': 'int8', value });
    assert.deepEqual(r, {
      ok: true,
      headers: {
        a: ' 12 ',
        b: int8(12),
        c: { '!': 'int16', value: -150 },
        d: true,
        e: null,
        f: { x: [int8(1), int8(2)] },
        g: [{ '!': 'double', value: 1.5 }],
        h: { '!': 'double', value: 0.25 },
      },
    });
  });

  test('buildHeaders errors name the row', () => {
    const err = (inputs: Parameters<typeof buildHeaders>[0]) => {
      const r = buildHeaders(inputs);
      assert.equal(r.ok, false);
      return r.ok ? '' : r.error;
    };
    assert.match(err([{ name: 'n', type: 'number', value: '12abc' }]), /Header 1 'n': double needs a number/);
    assert.match(err([{ name: 'n', type: 'number', value: '' }]), /needs a number/);
    assert.match(err([{ name: 'b', type: 'boolean', value: 'yes' }]), /true or false/);
    assert.match(err([{ name: 'j', type: 'json', value: '"scalar"' }]), /table needs a JSON object/);
    assert.match(err([{ name: 'j', type: 'json', value: 'null' }]), /table needs a JSON object/);
    assert.match(err([{ name: 'j', type: 'json', value: '{"a":}' }]), /line 1, column 6/);
    assert.match(
      err([
        { name: 'x', type: 'string', value: '1' },
        { name: 'x', type: 'string', value: '2' },
      ]),
      /'x' appears more than once/,
    );
    assert.match(err([{ name: '', type: 'string', value: 'v' }]), /name is empty/);
  });
});

describe('export / import', () => {
  const original = msg({
    redelivered: true,
    body: new Uint8Array([0xff, 0x00, 0x41]),
    properties: {
      contentType: 'application/octet-stream',
      deliveryMode: 2,
      priority: 5,
      messageId: 'm-1',
      timestamp: 1_700_000_000,
      expiration: '60000',
      headers: {
        bin: new Uint8Array([1, 2, 3]),
        ts: { '!': 'timestamp', value: 5 },
        nested: { list: [new Uint8Array([9])] },
        n: null,
      },
    },
  });

  test('round trip through JSON', () => {
    const exported = toExportable(original);
    assert.equal(exported.bodyBase64, '/wBB');
    assert.equal(exported.bodyText, undefined);
    assert.deepEqual(exported.properties.headers, {
      bin: { '!': 'bytes', value: 'AQID' },
      ts: { '!': 'timestamp', value: 5 },
      nested: { list: [{ '!': 'bytes', value: 'CQ==' }] },
      n: null,
    });
    const back = fromExportable(JSON.parse(JSON.stringify(exported)));
    assert.equal(back.ok, true);
    if (!back.ok) return;
    assert.deepEqual(back.message, {
      exchange: 'orders',
      routingKey: 'order.created',
      redelivered: true,
      properties: original.properties,
      body: original.body,
    });
  });

  test('bodyText is present for UTF-8 bodies and accepted alone', () => {
    const e = toExportable(msg({ body: enc('{"a":1}') }));
    assert.equal(e.bodyText, '{"a":1}');
    const r = fromExportable({ exchange: 'x', routingKey: 'k', bodyText: 'hi' });
    assert.equal(r.ok, true);
    if (r.ok) assert.deepEqual([...r.message.body], [...enc('hi')]);
  });

  test('fromExportable validates', () => {
    const bad = (o: unknown, re: RegExp) => {
      const r = fromExportable(o);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, re);
    };
    bad(null, /message object/);
    bad([], /message object/);
    bad({ exchange: 1, bodyText: '' }, /'exchange' must be a string/);
    bad({ routingKey: 'k' }, /no body/);
    bad({ bodyBase64: 'ab!c' }, /unexpected character '!' at position 2/);
    bad({ bodyText: '', properties: { deliveryMode: 3 } }, /deliveryMode/);
    bad({ bodyText: '', properties: { priority: 'high' } }, /priority' must be a number/);
    bad({ bodyText: '', properties: { contentTyp: 'x' } }, /Unknown property 'contentTyp'/);
    bad({ bodyText: '', properties: { headers: [] } }, /headers' must be an object/);
    bad({ bodyText: '', properties: { headers: { b: { '!': 'bytes', value: '*' } } } }, /Invalid base64/);
    bad({ bodyText: '', routingKey: 'k'.repeat(256) }, /255/);
  });

  test('toNdjson and parseExported', () => {
    const nd = toNdjson([msg({ seq: 1 }), msg({ seq: 2, routingKey: 'b' })]);
    const lines = nd.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1]).routingKey, 'b');
    const p = parseExported(nd);
    assert.equal(p.ok, true);
    if (p.ok)
      assert.deepEqual(
        p.messages.map((m) => m.routingKey),
        ['order.created', 'b'],
      );
    const arr = parseExported(JSON.stringify([toExportable(msg())], null, 2));
    assert.equal(arr.ok, true);
    const broken = parseExported(lines[0] + '\n{oops}\n');
    assert.equal(broken.ok, false);
    if (!broken.ok) assert.match(broken.error, /^Line 2: /);
  });
});

describe('filter', () => {
  const m = msg({
    exchange: 'Billing',
    routingKey: 'invoice.Paid',
    properties: { headers: { Tenant: 'ACME', attempt: 3, blob: new Uint8Array([1]) } },
    body: enc('{"customer":"Zoë"}'),
  });

  test('matches routing key, exchange, header names and values, body (case-insensitive)', () => {
    assert.ok(matchesFilter(m, 'INVOICE'));
    assert.ok(matchesFilter(m, 'billing'));
    assert.ok(matchesFilter(m, 'tenant'));
    assert.ok(matchesFilter(m, 'acme'));
    assert.ok(matchesFilter(m, '3'));
    assert.ok(matchesFilter(m, 'zoë'));
    assert.ok(matchesFilter(m, ''));
    assert.ok(!matchesFilter(m, 'nothing-like-this'));
  });

  test('only the first 64 KB of the body is searched', () => {
    const body = new Uint8Array(70 * 1024).fill(0x2e);
    body.set(enc('needle-early'), 100);
    body.set(enc('needle-late'), 68 * 1024);
    const big = msg({ body });
    assert.ok(matchesFilter(big, 'needle-early'));
    assert.ok(!matchesFilter(big, 'needle-late'));
  });

  test('filterMessages / createFilter', () => {
    const list = [m, msg({ routingKey: 'other', body: enc('x') })];
    assert.deepEqual(filterMessages(list, 'paid'), [m]);
    assert.equal(list.filter(createFilter('OTHER')).length, 1);
  });
});

describe('base64', () => {
  test('round trips all lengths and bytes', () => {
    for (let len = 0; len < 70; len++) {
      const bytes = new Uint8Array(len).map((_, i) => (i * 37 + len) & 255);
      const b64 = bytesToBase64(bytes);
      assert.equal(b64, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(base64ToBytes(b64), bytes);
    }
    const all = new Uint8Array(256).map((_, i) => i);
    assert.deepEqual(base64ToBytes(bytesToBase64(all)), all);
  });

  test('large input', () => {
    const bytes = new Uint8Array(1_000_003).map((_, i) => i & 255);
    const b64 = bytesToBase64(bytes);
    assert.equal(b64, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(base64ToBytes(b64), bytes);
  });

  test('accepts whitespace, missing padding and base64url', () => {
    assert.deepEqual([...base64ToBytes('aGVs\nbG8=')], [...enc('hello')]);
    assert.deepEqual([...base64ToBytes('aGVsbG8')], [...enc('hello')]);
    assert.deepEqual([...base64ToBytes('-_8')], [0xfb, 0xff]);
  });

  test('clear errors on invalid input', () => {
    assert.throws(() => base64ToBytes('ab$d'), /Invalid base64: unexpected character '\$' at position 2/);
    assert.throws(() => base64ToBytes('abcde'), /Invalid base64: the length/);
    assert.throws(() => base64ToBytes('ab=c'), /data after '=' padding/);
    assert.throws(() => base64ToBytes('a==='), /padding/);
    assert.throws(() => base64ToBytes('abc=='), /padding/);
    assert.throws(() => base64ToBytes('=='), /padding/);
    assert.throws(() => base64ToBytes('a='), /Invalid base64/);
    assert.throws(() => base64ToBytes('ab c\u00e9'), /unexpected character/);
  });

  test('the host goes through Buffer; the portable loop (the webview) gives the same results and errors', () => {
    assert.equal(base64UsesBuffer, true);
    for (let len = 0; len < 40; len++) {
      const bytes = new Uint8Array(len).map((_, i) => (i * 91 + len * 7) & 255);
      const b64 = bytesToBase64Loop(bytes);
      assert.equal(b64, bytesToBase64(bytes));
      assert.deepEqual(base64ToBytesLoop(b64), base64ToBytes(b64));
      assert.deepEqual(base64ToBytesLoop(b64.replace(/=+$/, '')), bytes);
    }
    for (const bad of ['ab$d', 'abcde', 'ab=c', 'a===', 'abc==', '=', 'a=', 'ab\u00ffcd', 'ab.d']) {
      let host = '';
      let loop = '';
      try {
        base64ToBytes(bad);
      } catch (err) {
        host = (err as Error).message;
      }
      try {
        base64ToBytesLoop(bad);
      } catch (err) {
        loop = (err as Error).message;
      }
      assert.ok(loop !== '', bad);
      assert.equal(host, loop, bad);
    }
    const sub = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    assert.equal(bytesToBase64(sub), 'AQID');
  });

  test('decoded bodies are plain Uint8Arrays that own their memory', () => {
    const small = base64ToBytes('aGVsbG8=');
    assert.equal(Object.getPrototypeOf(small), Uint8Array.prototype);
    assert.equal(small.buffer.byteLength, 5);
    const big = base64ToBytes(bytesToBase64(new Uint8Array(100_000).fill(7)));
    assert.equal(Object.getPrototypeOf(big), Uint8Array.prototype);
    assert.equal(big.byteLength, 100_000);
  });
});

describe('captureMessage', () => {
  test('copies defined properties only and views the body without copying', () => {
    const content = Buffer.from('xxpayloadyy').subarray(2, 9);
    const c = captureMessage(
      {
        content,
        fields: { exchange: 'e', routingKey: 'k', redelivered: true, deliveryTag: 7 },
        properties: { contentType: 'text/plain', headers: { h: 1 }, messageId: undefined, priority: 0 },
      },
      3,
      1234,
      7,
    );
    assert.equal(c.body.buffer, content.buffer);
    assert.ok(!Buffer.isBuffer(c.body));
    assert.equal(new TextDecoder().decode(c.body), 'payload');
    assert.deepEqual(c.properties, { contentType: 'text/plain', headers: { h: 1 }, priority: 0 });
    assert.equal(c.size, 7);
    assert.equal(c.deliveryTag, 7);
    assert.equal(c.seq, 3);
  });
});

describe('captureProperties / sameProperties (unrolled for the hot path)', () => {
  /** amqplib's shape: every property present, one value per name. */
  const full = () =>
    Object.fromEntries(
      PROPERTY_NAMES.map((name, i) => [
        name,
        name === 'deliveryMode' || name === 'priority' || name === 'timestamp' ? i + 1 : `v${i}`,
      ]),
    );

  test('captureProperties keeps every property in PROPERTY_NAMES, and headers', () => {
    const raw = { ...full(), headers: { h: 1 } };
    assert.deepEqual(captureProperties(raw), raw);
    assert.deepEqual(captureProperties({ contentType: undefined, headers: null }), {});
  });

  test('sameProperties notices a difference in any property in PROPERTY_NAMES', () => {
    assert.ok(sameProperties(full(), full()));
    for (const name of PROPERTY_NAMES) {
      const other = { ...full(), [name]: 'different' };
      assert.equal(sameProperties(full(), other), false, name);
      assert.equal(sameProperties({ ...full(), [name]: undefined }, full()), false, name);
    }
  });

  test('sameProperties: equal only without headers (empty ones count as none)', () => {
    assert.ok(sameProperties({ ...full(), headers: {} }, { ...full(), headers: undefined }));
    assert.equal(sameProperties({ ...full(), headers: { h: 1 } }, { ...full(), headers: { h: 1 } }), false);
  });
});
