/**
 * Copy as code (src/core/codegen): every language and kind generates; properties and typed headers
 * are written with the library's own types; string literals survive hostile content (checked by
 * running the Python and JavaScript snippets against stand-in client modules, and the Java one
 * with javac and java against the stubs in test/fixtures/java-stubs); no snippet carries a password.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { generateCode, sentType, toNode } from '../../src/core/codegen';
import { csString } from '../../src/core/codegen/dotnet';
import { goString } from '../../src/core/codegen/go';
import { javaString, JAVA_CLASS } from '../../src/core/codegen/java';
import { jsString } from '../../src/core/codegen/node';
import { pyString } from '../../src/core/codegen/python';
import { CODE_LANGUAGES, type CodeLanguage, type CodeRequest, type CodeTarget } from '../../src/core/codegen/types';
import { FIELD_TYPES } from '../../src/core/fieldTypes';

const TARGET: CodeTarget = { host: 'rabbit.example', port: 5671, vhost: 'my/vhost', tls: false, username: 'alice' };
const SECRET = 'hunter2-Sekr1t';

/** Every hostile thing for a string literal in one of the five languages. */
const HOSTILE =
  '"""\'\'\' ${x} `tpl` */ /* --> \\ \\u000a \\x41 \\0 \0 \x01 \x1b \x7f \r\n\t é 🐇 \u2028 \u2029 \u202e \ufeff \u0085 %s {0} end\\';
const HOSTILE_BYTES = new TextEncoder().encode(`${HOSTILE}\n{"json": [1, 2]}\n\nlast line`);
const BINARY = new Uint8Array([0x00, 0xff, 0xc3, 0x28, 0x80, 0x0a]);

const PROPERTIES = {
  contentType: 'application/x-test',
  contentEncoding: 'gzip-x',
  deliveryMode: 2,
  priority: 7,
  correlationId: 'corr-42',
  replyTo: 'replies-q',
  expiration: '60000',
  messageId: 'msg-42',
  timestamp: 1700000123,
  type: 'kind.x',
  userId: 'guest',
  appId: 'app-42',
};

const HEADERS = {
  i8: { '!': 'int8', value: -5 },
  u8: { '!': 'uint8', value: 200 },
  i16: { '!': 'int16', value: -1234 },
  u16: { '!': 'uint16', value: 60000 },
  i32: { '!': 'int32', value: -100000 },
  u32: { '!': 'uint32', value: 4294967295 },
  i64: { '!': 'int64', value: '9007199254740993' },
  f: { '!': 'float', value: 1.5 },
  d: { '!': 'double', value: 0.25 },
  dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  ts: { '!': 'timestamp', value: 1700000000 },
  bytes: new Uint8Array([0xff, 0x00]),
  jsonBytes: { '!': 'bytes', value: '/wA=' },
  nothing: null,
  yes: true,
  plain: 5,
  str: 'plain text',
  list: [{ '!': 'int16', value: 7 }, 'x'],
  nested: { deep: { '!': 'uint16', value: 9 } },
};

function publish(extra: Partial<CodeRequest & { kind: 'publish' }> = {}): CodeRequest {
  return {
    kind: 'publish',
    exchange: '',
    routingKey: 'orders',
    mandatory: true,
    properties: { ...PROPERTIES, headers: HEADERS },
    body: new TextEncoder().encode('{"n": 1}'),
    ...extra,
  } as CodeRequest;
}

const REQUESTS: Record<string, CodeRequest> = {
  publish: publish(),
  consume: { kind: 'consume', queue: 'task_queue', prefetch: 10 },
  'call (direct reply-to)': {
    kind: 'call',
    exchange: 'rpc',
    routingKey: 'fib',
    properties: { headers: HEADERS, contentType: 'text/plain' },
    body: new TextEncoder().encode('10'),
    timeoutMs: 5000,
    replyMode: 'direct-reply-to',
  },
  'call (callback queue)': {
    kind: 'call',
    exchange: '',
    routingKey: 'rpc_queue',
    properties: { correlationId: 'fixed-id' },
    body: BINARY,
    timeoutMs: 2500,
    replyMode: 'callback-queue',
  },
};

describe('every language and kind generates', () => {
  for (const lang of CODE_LANGUAGES)
    for (const [kind, req] of Object.entries(REQUESTS))
      test(`${lang}: ${kind}`, () => {
        for (const tls of [false, true]) {
          const g = generateCode(lang, req, { ...TARGET, tls });
          assert.equal(g.language, lang);
          assert.ok(g.install.length > 0);
          assert.match(g.code, /rabbit\.example/);
          assert.match(g.code, /5671/);
          assert.match(g.code, /RABBITMQ_PASSWORD/);
          assert.match(g.code, /RABBITMQ_USER/);
          assert.match(g.code, /alice/);
          assert.ok(
            g.code.includes(lang === 'java' || lang === 'go' || lang === 'dotnet' ? '"my/vhost"' : "'my/vhost'"),
          );
          if (tls) assert.match(g.code, /ssl|tls|amqps|Ssl/i);
          if (req.kind === 'consume') {
            assert.match(g.code, /task_queue/);
            assert.match(g.code, /10/);
            assert.match(g.code, /[Aa]ck/);
          }
          if (req.kind === 'call') {
            assert.match(
              g.code,
              req.replyMode === 'direct-reply-to'
                ? /amq\.rabbitmq\.reply-to/
                : /exclusive|queueDeclare\(\)|QueueDeclare/i,
            );
            assert.ok(g.code.includes(String(req.timeoutMs)) || g.code.includes(String(req.timeoutMs / 1000)));
          }
        }
        assert.deepEqual(
          [generateCode(lang, req, TARGET).languageId],
          [{ 'python-pika': 'python', 'node-amqplib': 'javascript', java: 'java', go: 'go', dotnet: 'csharp' }[lang]],
        );
      });
});

test('no snippet carries a password, even one handed over with the target', () => {
  const withSecret = { ...TARGET, password: SECRET } as CodeTarget;
  for (const lang of CODE_LANGUAGES)
    for (const req of Object.values(REQUESTS)) {
      const { code, install } = generateCode(lang, req, withSecret);
      assert.ok(!code.includes(SECRET) && !install.includes(SECRET), `${lang} ${req.kind}`);
      assert.ok(!/guest:guest|password\s*=\s*["'][^"']/i.test(code), `${lang} ${req.kind}: a password literal`);
    }
});

const PROPERTY_NAMES: Record<CodeLanguage, (k: string) => string> = {
  'python-pika': (k) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}=`,
  'node-amqplib': (k) => `${k}: `,
  java: (k) => `.${k}(`,
  go: (k) => `${k[0]!.toUpperCase()}${k.slice(1)}: `,
  dotnet: (k) => `${k[0]!.toUpperCase()}${k.slice(1)} = `,
};

test('every basic property is set, with its value', () => {
  for (const lang of CODE_LANGUAGES) {
    const { code } = generateCode(lang, publish(), TARGET);
    for (const [k, v] of Object.entries(PROPERTIES)) {
      assert.ok(code.includes(PROPERTY_NAMES[lang](k)), `${lang}: ${k}`);
      assert.ok(code.includes(String(v)), `${lang}: ${k} = ${v}`);
    }
  }
});

/** How each library writes each header (the value part of its line). */
const EXPECTED: Record<string, Record<CodeLanguage, string>> = {
  i8: {
    'python-pika': "'i8': -5,  # pika has no int8",
    'node-amqplib': "i8: { '!': 'int8', value: -5 }",
    java: '"i8", (byte) -5',
    go: '"i8": byte(251), // int8 -5',
    dotnet: '["i8"] = (sbyte)-5',
  },
  u8: {
    'python-pika': "'u8': 200,  # pika has no uint8",
    'node-amqplib': "u8: { '!': 'uint8', value: 200 }",
    java: '"u8", (short) 200); // amqp-client has no uint8',
    go: '"u8": int16(200), // amqp091-go sends a byte as int8',
    dotnet: '["u8"] = (byte)200',
  },
  i16: {
    'python-pika': "'i16': -1234,  # pika has no int16",
    'node-amqplib': "i16: { '!': 'int16', value: -1234 }",
    java: '"i16", (short) -1234',
    go: '"i16": int16(-1234),',
    dotnet: '["i16"] = (short)-1234',
  },
  u16: {
    'python-pika': "'u16': 60000,  # pika has no uint16",
    'node-amqplib': "u16: { '!': 'uint16', value: 60000 }",
    java: '"u16", 60000); // amqp-client has no uint16',
    go: '"u16": int32(60000), // amqp091-go has no uint16',
    dotnet: '["u16"] = (ushort)60000',
  },
  i32: {
    'python-pika': "'i32': -100000, 'u32'",
    'node-amqplib': "i32: { '!': 'int32', value: -100000 }",
    java: '"i32", -100000);',
    go: '"i32": int32(-100000),',
    dotnet: '["i32"] = -100000,',
  },
  u32: {
    'python-pika': "'u32': long(4294967295),  # pika has no uint32",
    'node-amqplib': "u32: { '!': 'uint32', value: 4294967295 }",
    java: '"u32", 4294967295L); // amqp-client has no uint32',
    go: '"u32": int64(4294967295), // amqp091-go has no uint32',
    dotnet: '["u32"] = 4294967295u',
  },
  i64: {
    'python-pika': "'i64': long(9007199254740993), 'f'",
    'node-amqplib': "i64: { '!': 'int64', value: '9007199254740993' }",
    java: '"i64", 9007199254740993L);',
    go: '"i64": int64(9007199254740993),',
    dotnet: '["i64"] = 9007199254740993L,',
  },
  f: {
    'python-pika': "'f': Decimal('1.5'),  # pika cannot send a float",
    'node-amqplib': "f: { '!': 'float', value: 1.5 }",
    java: '"f", 1.5f);',
    go: '"f": float32(1.5),',
    dotnet: '["f"] = 1.5f,',
  },
  d: {
    'python-pika': "'d': Decimal('0.25'),  # pika cannot send a double",
    'node-amqplib': "d: { '!': 'double', value: 0.25 }",
    java: '"d", 0.25d);',
    go: '"d": float64(0.25),',
    dotnet: '["d"] = 0.25d,',
  },
  dec: {
    'python-pika': "'dec': Decimal('123.45'), 'ts'",
    'node-amqplib': "dec: { '!': 'decimal', value: { places: 2, digits: 12345 } }",
    java: '"dec", new BigDecimal("123.45"));',
    go: '"dec": amqp.Decimal{Scale: 2, Value: 12345},',
    dotnet: '["dec"] = 123.45m,',
  },
  ts: {
    'python-pika': "'ts': datetime.fromtimestamp(1700000000, tz=timezone.utc),",
    'node-amqplib': "ts: { '!': 'timestamp', value: 1700000000 }",
    java: '"ts", new Date(1700000000L * 1000));',
    go: '"ts": time.Unix(1700000000, 0),',
    dotnet: '["ts"] = new AmqpTimestamp(1700000000),',
  },
  bytes: {
    'python-pika': "'bytes': base64.b64decode('/wA='),",
    'node-amqplib': "bytes: Buffer.from('/wA=', 'base64'),",
    java: '"bytes", Base64.getDecoder().decode("/wA="));',
    go: '"bytes": mustBase64("/wA="),',
    dotnet: '["bytes"] = new BinaryTableValue(Convert.FromBase64String("/wA=")),',
  },
  jsonBytes: {
    'python-pika': "'jsonBytes': base64.b64decode('/wA='),",
    'node-amqplib': "jsonBytes: Buffer.from('/wA=', 'base64'),",
    java: '"jsonBytes", Base64.getDecoder().decode("/wA="));',
    go: '"jsonBytes": mustBase64("/wA="),',
    dotnet: '["jsonBytes"] = new BinaryTableValue(Convert.FromBase64String("/wA=")),',
  },
  nothing: {
    'python-pika': "'nothing': None,",
    'node-amqplib': 'nothing: null,',
    java: '"nothing", null);',
    go: '"nothing": nil,',
    dotnet: '["nothing"] = null,',
  },
  yes: {
    'python-pika': "'yes': True,",
    'node-amqplib': 'yes: true,',
    java: '"yes", true);',
    go: '"yes": true,',
    dotnet: '["yes"] = true,',
  },
  plain: {
    'python-pika': "'plain': 5,  # pika has no int8",
    'node-amqplib': "plain: { '!': 'int8', value: 5 }",
    java: '"plain", (byte) 5);',
    go: '"plain": byte(5),',
    dotnet: '["plain"] = (sbyte)5,',
  },
  list: {
    'python-pika': "'list': [\n            7,  # pika has no int16: sent as an int32\n            'x',\n        ],",
    'node-amqplib': "list: [\n            { '!': 'int16', value: 7 },\n            'x',\n          ],",
    java: '"list", Arrays.<Object>asList(\n    (short) 7,\n    "x"\n));',
    go: '"list": []interface{}{\n\t\t\t\tint16(7),\n\t\t\t\t"x",\n\t\t\t},',
    dotnet: '["list"] = new List<object?>\n        {\n            (short)7,\n            "x",\n        },',
  },
  nested: {
    'python-pika': "'nested': {\n            'deep': 9,  # pika has no uint16: sent as an int32\n        },",
    'node-amqplib': "nested: {\n            deep: { '!': 'uint16', value: 9 },\n          },",
    java: '"nested", table(\n    "deep", 9 // amqp-client has no uint16: sent as an Integer (int32)\n));',
    go: '"nested": amqp.Table{\n\t\t\t\t"deep": int32(9), // amqp091-go has no uint16: sent as an int32\n\t\t\t},',
    dotnet: '["nested"] = new Dictionary<string, object?>\n        {\n            ["deep"] = (ushort)9,\n        },',
  },
};

test('typed headers are written with the library types (and a note where the library has none)', () => {
  for (const lang of CODE_LANGUAGES) {
    // Compared with white space collapsed (the layout is the formatter's business).
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    const code = flat(generateCode(lang, publish(), TARGET).code);
    for (const [name, byLang] of Object.entries(EXPECTED))
      assert.ok(code.includes(flat(byLang[lang])), `${lang}: header ${name}: expected\n${byLang[lang]}\nin\n${code}`);
  }
});

test('sentType: amqplib and .NET keep every type; the others map only what they lack', () => {
  const samples: Record<string, unknown> = {
    string: 's',
    bool: true,
    int8: { '!': 'int8', value: 1 },
    uint8: { '!': 'uint8', value: 1 },
    int16: { '!': 'int16', value: 1 },
    uint16: { '!': 'uint16', value: 1 },
    int32: { '!': 'int32', value: 1 },
    uint32: { '!': 'uint32', value: 1 },
    int64: { '!': 'int64', value: '1' },
    float: { '!': 'float', value: 0.5 },
    double: { '!': 'double', value: 0.5 },
    decimal: { '!': 'decimal', value: { places: 1, digits: 5 } },
    timestamp: { '!': 'timestamp', value: 1 },
    bytes: new Uint8Array([1]),
    void: null,
    array: [],
    table: {},
  };
  const mapped: Record<CodeLanguage, string[]> = {
    'node-amqplib': [],
    dotnet: [],
    'python-pika': ['int8', 'uint8', 'int16', 'uint16', 'uint32', 'float', 'double'],
    java: ['uint8', 'uint16', 'uint32'],
    go: ['uint8', 'uint16', 'uint32'],
  };
  for (const lang of CODE_LANGUAGES)
    for (const type of FIELD_TYPES) {
      const s = sentType(lang, toNode(samples[type]));
      assert.equal(s.type !== type, mapped[lang].includes(type), `${lang} ${type} -> ${s.type}`);
      assert.equal(s.note !== undefined, mapped[lang].includes(type), `${lang} ${type}: a note exactly when mapped`);
    }
  // Edge values the libraries cannot write as their own type.
  assert.equal(sentType('python-pika', toNode({ '!': 'double', value: Number.NaN })).type, 'string');
  assert.equal(sentType('java', toNode({ '!': 'decimal', value: { places: 0, digits: 4294967295 } })).type, 'string');
  assert.equal(sentType('go', toNode({ '!': 'decimal', value: { places: 0, digits: 4294967295 } })).type, 'decimal');
  assert.match(
    sentType('python-pika', toNode({ '!': 'decimal', value: { places: 2, digits: 100 } })).note ?? '',
    /zeros/,
  );
});

/** Decodes a Go or C# literal the way its compiler does, for the escapes the generators use. */
function decodeCLike(lit: string): string {
  assert.ok(lit.startsWith('"') && lit.endsWith('"'));
  const inner = lit.slice(1, -1);
  assert.ok(!/(^|[^\\])(\\\\)*"/.test(inner), 'no unescaped quote');
  const json = inner.replace(/\\(x[0-9a-f]{2}|0(?![0-7])|.)/g, (m, e: string) =>
    e.startsWith('x') ? `\\u00${e.slice(1)}` : e === '0' ? '\\u0000' : m,
  );
  return JSON.parse(`"${json}"`) as string;
}

/** True if no character needs escaping (controls, separators, BOM, bidirectional controls). */
const SAFE = (lit: string): boolean =>
  [...lit].every((ch) => {
    const cp = ch.codePointAt(0)!;
    return !(
      cp < 0x20 ||
      (cp >= 0x7f && cp <= 0x9f) ||
      [0x2028, 0x2029, 0xfeff].includes(cp) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069)
    );
  });

test('string literals: no raw control or separator characters, and they decode to the same text', () => {
  for (const [name, lit] of [
    ['python', pyString(HOSTILE)],
    ['js', jsString(HOSTILE)],
    ['java', javaString(HOSTILE)],
    ['go', goString(HOSTILE)],
    ['csharp', csString(HOSTILE)],
  ] as const)
    assert.ok(SAFE(lit), `${name}: ${lit}`);
  assert.equal(vm.runInNewContext(jsString(HOSTILE)), HOSTILE);
  assert.equal(decodeCLike(goString(HOSTILE)), HOSTILE);
  assert.equal(decodeCLike(csString(HOSTILE)), HOSTILE);
  // Java reads \uXXXX before anything else: never one for a line break, quote or backslash.
  assert.ok(!/\\u00(0a|0d|22|5c)/i.test(javaString(HOSTILE).replace(/\\\\/g, '')));
});

const PYTHON = '/usr/bin/python3';

test(
  'python: the literal and the whole publish snippet give back the same bytes',
  { skip: !existsSync(PYTHON) },
  () => {
    const out = execFileSync(PYTHON, [
      '-c',
      `import sys; sys.stdout.write(${pyString(HOSTILE)}.encode('utf-8').hex())`,
    ]);
    assert.equal(out.toString(), Buffer.from(HOSTILE, 'utf8').toString('hex'));
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-codegen-py-'));
    try {
      fakePika(dir);
      for (const body of [HOSTILE_BYTES, BINARY]) {
        const file = path.join(dir, 'publish.py');
        writeFileSync(
          file,
          generateCode('python-pika', publish({ body, exchange: HOSTILE, routingKey: HOSTILE }), TARGET).code,
        );
        const r = spawnSync(PYTHON, [file], { env: { PYTHONPATH: dir, RABBITMQ_PASSWORD: 'x' }, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
          r.stdout,
          `body ${Buffer.from(body).toString('hex')}\nrk ${Buffer.from(HOSTILE).toString('hex')}\nconfirmed\n`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('node: the whole publish snippet gives back the same bytes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-codegen-js-'));
  try {
    mkdirSync(path.join(dir, 'node_modules', 'amqplib'), { recursive: true });
    writeFileSync(
      path.join(dir, 'node_modules', 'amqplib', 'index.js'),
      `exports.connect = async () => ({
        createConfirmChannel: async () => ({
          on() {},
          publish(ex, rk, body, opts, cb) {
            console.log('body ' + body.toString('hex'));
            console.log('rk ' + Buffer.from(rk).toString('hex'));
            cb(null);
          },
        }),
        close: async () => {},
      });\n`,
    );
    for (const body of [HOSTILE_BYTES, BINARY]) {
      const file = path.join(dir, 'publish.js');
      writeFileSync(file, generateCode('node-amqplib', publish({ body, routingKey: HOSTILE }), TARGET).code);
      const r = spawnSync(process.execPath, [file], { env: { RABBITMQ_PASSWORD: 'x' }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        r.stdout,
        `body ${Buffer.from(body).toString('hex')}\nrk ${Buffer.from(HOSTILE).toString('hex')}\nconfirmed\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const STUBS = path.join(__dirname, '..', 'fixtures', 'java-stubs');
const HAS_JAVA = spawnSync('javac', ['-version']).status === 0 && spawnSync('java', ['-version']).status === 0;

test(
  'java: every snippet compiles against the amqp-client stubs, and the publish body decodes',
  { skip: !HAS_JAVA },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-codegen-java-'));
    try {
      const stubsOut = path.join(dir, 'stubs');
      const sources = readdirSync(path.join(STUBS, 'com', 'rabbitmq', 'client'))
        .filter((f) => f.endsWith('.java'))
        .map((f) => path.join(STUBS, 'com', 'rabbitmq', 'client', f));
      execFileSync('javac', ['-encoding', 'UTF-8', '-d', stubsOut, ...sources]);
      const cases: [string, CodeRequest][] = [
        ...Object.entries(REQUESTS),
        ['hostile publish', publish({ body: HOSTILE_BYTES })],
        ['binary publish', publish({ body: BINARY, mandatory: false, exchange: 'x' })],
      ];
      for (const [i, [name, req]] of cases.entries())
        for (const tls of [false, true]) {
          const src = path.join(dir, `${i}-${tls}`);
          mkdirSync(src);
          const cls = JAVA_CLASS[req.kind];
          const file = path.join(src, `${cls}.java`);
          writeFileSync(file, generateCode('java', req, { ...TARGET, tls }).code);
          const c = spawnSync('javac', ['-encoding', 'UTF-8', '-Xlint:all', '-cp', stubsOut, '-d', src, file], {
            encoding: 'utf8',
          });
          assert.equal(c.status, 0, `${name} (tls ${tls}): ${c.stderr}`);
          if (req.kind !== 'publish' || tls) continue;
          const r = spawnSync('java', ['-cp', `${stubsOut}${path.delimiter}${src}`, cls], {
            env: { ...process.env, RABBITMQ_PASSWORD: 'x' },
            encoding: 'utf8',
          });
          assert.equal(r.status, 0, r.stderr);
          assert.equal(r.stdout, `body ${Buffer.from(req.body).toString('hex')}\nconfirmed\n`, name);
        }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a header no library can send is a clear error, with its path', () => {
  const bad = publish({ properties: { headers: { outer: { list: [{ '!': 'nope', value: 1 }] } } } });
  for (const lang of CODE_LANGUAGES)
    assert.throws(() => generateCode(lang, bad, TARGET), /headers\.outer\.list\[0\]: a table with a field named '!'/);
  assert.throws(() => generateCode('cobol' as CodeLanguage, publish(), TARGET), /Unknown language 'cobol'/);
});

test('the default exchange is the empty name in every library', () => {
  for (const lang of CODE_LANGUAGES) {
    const { code } = generateCode(lang, publish(), TARGET);
    assert.match(code, /default exchange/, lang);
    assert.ok(
      code.includes(lang === 'python-pika' ? "exchange=''" : lang === 'node-amqplib' ? "publish('', 'orders'" : '""'),
      lang,
    );
  }
});

/** A stand-in pika package: prints the body and routing key of each publish in hex. */
function fakePika(dir: string): void {
  mkdirSync(path.join(dir, 'pika'));
  writeFileSync(
    path.join(dir, 'pika', 'exceptions.py'),
    'class UnroutableError(Exception):\n    pass\n\n\nclass NackError(Exception):\n    pass\n',
  );
  writeFileSync(path.join(dir, 'pika', 'compat.py'), 'class long(int):\n    pass\n');
  writeFileSync(
    path.join(dir, 'pika', '__init__.py'),
    [
      'from . import exceptions',
      '',
      'class PlainCredentials:',
      '    def __init__(self, user, password):',
      '        pass',
      '',
      'class ConnectionParameters:',
      '    def __init__(self, **kw):',
      '        pass',
      '',
      'class BasicProperties:',
      '    def __init__(self, **kw):',
      '        self.__dict__.update(kw)',
      '',
      'class _Channel:',
      '    def confirm_delivery(self):',
      '        pass',
      '',
      '    def basic_publish(self, exchange, routing_key, body, properties=None, mandatory=False):',
      "        print('body ' + body.hex())",
      "        print('rk ' + routing_key.encode('utf-8').hex())",
      '',
      'class BlockingConnection:',
      '    def __init__(self, params):',
      '        pass',
      '',
      '    def channel(self):',
      '        return _Channel()',
      '',
      '    def close(self):',
      '        pass',
      '',
    ].join('\n'),
  );
}
