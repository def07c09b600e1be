/**
 * Copy as code on the wire: the generated pika snippet (Debian's python3-pika, run with
 * /usr/bin/python3) and the generated amqplib snippet (node) publish a request with every basic
 * property and headers of every AMQP type; Burrow publishes the same request with its own
 * publishMessage. A raw consumer that keeps the exact AMQP types (typedFrames.ts) reads all three
 * back and compares property by property and header by header with types: amqplib must be
 * byte-identical to Burrow; pika must differ only where sentType() says pika has no such type
 * (the README's table), and then keep the value. The RPC snippets run against a tiny responder,
 * the consume snippets against a queue holding a message (its ack is checked), and on the 4.x node
 * the publish snippets connect over TLS (amqps, verifying the test CA).
 *
 * scripts/ensure-test-tools.sh installs python3-pika (npm run test:integration calls it).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { publishMessage } from '../../src/broker/publish';
import { keepFieldTypes, rawPropertiesOf } from '../../src/broker/typedFrames';
import { generateCode, sentType, toNode } from '../../src/core/codegen';
import type { CodeLanguage, CodeRequest, CodeTarget } from '../../src/core/codegen/types';
import { fieldNumber, fieldTypeOf } from '../../src/core/fieldTypes';
import { PROPERTY_NAMES, type MessageProperties } from '../../src/core/message';
import { createVhost, dropVhost, endpointOf, poll, waitForEvent } from './helpers';
import { BROKERS } from '../brokers';

const PYTHON = '/usr/bin/python3';
const HAS_PIKA = spawnSync(PYTHON, ['-c', 'import pika']).status === 0;
const NODE_PATH = path.resolve(__dirname, '..', '..', 'node_modules');

/** Every field type, nested ones and edge values included (the shape of roundtrip.test.ts). */
const HEADERS = {
  int8: { '!': 'int8', value: -5 },
  uint8: { '!': 'uint8', value: 200 },
  int16: { '!': 'int16', value: -1234 },
  uint16: { '!': 'uint16', value: 60000 },
  int32: { '!': 'int32', value: -100000 },
  uint32: { '!': 'uint32', value: 4294967295 },
  uint32small: { '!': 'uint32', value: 7 },
  int64: { '!': 'int64', value: '9007199254740993' },
  int64min: { '!': 'int64', value: '-9223372036854775808' },
  int64five: { '!': 'int64', value: '5' },
  float: { '!': 'float', value: 1.5 },
  double: { '!': 'double', value: 2 },
  doubleFraction: { '!': 'double', value: 0.1 },
  decimal: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  decimalZeros: { '!': 'decimal', value: { places: 3, digits: 1500 } },
  timestamp: { '!': 'timestamp', value: 1700000000 },
  bytes: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]),
  void: null,
  bool: false,
  string: 'lapin 🐇 ü "\'\\ \u2028 ${x}',
  plain: 300,
  table: { w: { '!': 'uint16', value: 7 }, z: 'last', a: [{ '!': 'int64', value: '-1' }, null, 'x'] },
  array: [{ '!': 'float', value: 0.5 }, null, { '!': 'int8', value: 1 }, { inner: { '!': 'double', value: -0.25 } }],
  emptyTable: {},
  emptyArray: [],
};

const PROPERTIES: MessageProperties = {
  contentType: 'application/x-burrow-test',
  contentEncoding: 'identity',
  deliveryMode: 2,
  priority: 7,
  correlationId: 'corr-1',
  replyTo: 'replies',
  expiration: '600000',
  messageId: 'msg-1',
  timestamp: 1700000123,
  type: 'test.type',
  userId: 'guest',
  appId: 'burrow-codegen',
  headers: HEADERS,
};

const TEXT_BODY = Buffer.from('{"msg": "disk full", "quote": "\\"\\"\\"", "nul": "\u0000"}\nline 2 ${x} */\n', 'utf8');
const BINARY_BODY = Buffer.from([0x00, 0xff, 0x7b, 0xc3, 0x28, 0x0a, 0x80]);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a snippet to its end (a publish or a call). */
function runSnippet(
  lang: CodeLanguage,
  code: string,
  dir: string,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const file = path.join(
    dir,
    lang === 'python-pika' ? `s-${randomBytes(3).toString('hex')}.py` : `s-${randomBytes(3).toString('hex')}.js`,
  );
  writeFileSync(file, code);
  const child = startSnippet(lang, file, extraEnv);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return waitForEvent<Run>(
    `the ${lang} snippet to finish`,
    (done) => void child.on('close', (status) => done({ status, stdout, stderr })),
    30_000,
  );
}

function startSnippet(lang: CodeLanguage, file: string, extraEnv: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH ?? '', RABBITMQ_PASSWORD: 'guest', NODE_PATH, ...extraEnv };
  return lang === 'python-pika' ? spawn(PYTHON, ['-u', file], { env }) : spawn(process.execPath, [file], { env });
}

/**
 * Compares a header value as the snippet sent it with Burrow's own, recursively: the snippet's
 * type must be what sentType() says for the library, and the value Burrow's when the type is the
 * same (for a mapped integer: the same number).
 */
function compareValue(lang: CodeLanguage, where: string, requested: unknown, burrow: unknown, snippet: unknown): void {
  const n = toNode(requested);
  const s = sentType(lang, n);
  if (n.t === 'array') {
    assert.ok(Array.isArray(snippet) && Array.isArray(burrow), `${where}: an array`);
    assert.equal(snippet.length, burrow.length, `${where}: length`);
    (requested as unknown[]).forEach((x, i) => compareValue(lang, `${where}[${i}]`, x, burrow[i], snippet[i]));
    return;
  }
  if (n.t === 'table') {
    const b = burrow as Record<string, unknown>;
    const sn = snippet as Record<string, unknown>;
    assert.deepEqual(Object.keys(sn), Object.keys(b), `${where}: names`);
    for (const [k, x] of Object.entries(requested as Record<string, unknown>))
      compareValue(lang, `${where}.${k}`, x, b[k], sn[k]);
    return;
  }
  assert.equal(fieldTypeOf(snippet), s.type, `${where}: ${lang} sends ${s.type} (${s.note ?? 'its own type'})`);
  if (s.type === n.t && s.note === undefined) assert.deepEqual(snippet, burrow, `${where}: value`);
  else if (/int|timestamp/.test(n.t) && /int/.test(s.type))
    assert.equal(fieldNumber(snippet), fieldNumber(burrow), `${where}: the same number`);
}

for (const B of BROKERS) {
  const SUFFIX = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-codegen-${SUFFIX}`;
  const TARGET: CodeTarget = { host: '127.0.0.1', port: B.amqpPort, vhost: VHOST, tls: false, username: 'guest' };

  describe(
    `Copy as code snippets on the wire [${B.label}]`,
    { skip: HAS_PIKA ? false : 'python3-pika missing: run scripts/ensure-test-tools.sh' },
    () => {
      let mgr: AmqpConnectionManager;
      let raw: amqp.ChannelModel;
      let dir: string;

      before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), 'burrow-codegen-'));
        await createVhost(B, VHOST);
        mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-codegen-${SUFFIX}` }));
        raw = await amqp.connect({
          hostname: '127.0.0.1',
          port: B.amqpPort,
          username: 'guest',
          password: 'guest',
          vhost: VHOST,
        });
        assert.equal(
          keepFieldTypes(raw.connection, (reason) => assert.fail(reason)),
          true,
        );
        const ch = await raw.createChannel();
        for (const q of ['burrow', 'python-pika', 'node-amqplib', 'work', 'rpc']) await ch.assertQueue(q);
        await ch.close();
      });

      after(async () => {
        await raw?.close().catch(() => undefined);
        await mgr?.dispose();
        await dropVhost(B, VHOST);
        if (dir) rmSync(dir, { recursive: true, force: true });
      });

      async function take(queue: string): Promise<amqp.GetMessage> {
        const ch = await raw.createChannel();
        try {
          const msg = await ch.get(queue, { noAck: true });
          assert.ok(msg, `a message in ${queue}`);
          return msg;
        } finally {
          await ch.close();
        }
      }

      for (const [bodyName, body] of [
        ['text', TEXT_BODY],
        ['binary', BINARY_BODY],
      ] as const)
        test(`publish (${bodyName} body): pika and amqplib send what Burrow sends, type by type`, async () => {
          const request = (routingKey: string): CodeRequest => ({
            kind: 'publish',
            exchange: '',
            routingKey,
            mandatory: true,
            properties: PROPERTIES,
            body,
          });
          const outcome = await publishMessage(mgr, VHOST, {
            exchange: '',
            routingKey: 'burrow',
            body,
            properties: PROPERTIES,
            mandatory: true,
          });
          assert.deepEqual(outcome, { status: 'confirmed' });
          for (const lang of ['python-pika', 'node-amqplib'] as const) {
            const run = await runSnippet(lang, generateCode(lang, request(lang), TARGET).code, dir);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /confirmed/);
          }
          const burrow = await take('burrow');
          for (const lang of ['python-pika', 'node-amqplib'] as const) {
            const got = await take(lang);
            assert.deepEqual(Buffer.from(got.content), Buffer.from(burrow.content), `${lang}: body bytes`);
            for (const k of PROPERTY_NAMES)
              assert.deepEqual(got.properties[k], burrow.properties[k], `${lang}: property ${k}`);
            compareValue(lang, `${lang} headers`, HEADERS, burrow.properties.headers, got.properties.headers);
            if (lang === 'node-amqplib')
              assert.equal(
                Buffer.from(rawPropertiesOf(got.properties)!).toString('hex'),
                Buffer.from(rawPropertiesOf(burrow.properties)!).toString('hex'),
                'amqplib: property bytes identical to Burrow',
              );
          }
        });

      test(
        'TLS: the snippets connect with amqps and verify the broker certificate',
        { skip: B.amqpsPort && B.caFile ? false : 'this broker has no AMQPS port' },
        async () => {
          // The private CA of the test node: Python's ssl and Node's tls take it from these variables.
          const env = { SSL_CERT_FILE: B.caFile!, NODE_EXTRA_CA_CERTS: B.caFile! };
          const tlsTarget: CodeTarget = { ...TARGET, host: 'localhost', port: B.amqpsPort!, tls: true };
          for (const lang of ['python-pika', 'node-amqplib'] as const) {
            const code = generateCode(
              lang,
              {
                kind: 'publish',
                exchange: '',
                routingKey: lang,
                mandatory: true,
                properties: {},
                body: Buffer.from(`over TLS from ${lang}`),
              },
              tlsTarget,
            ).code;
            const run = await runSnippet(lang, code, dir, env);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /confirmed/);
            assert.equal((await take(lang)).content.toString(), `over TLS from ${lang}`);
          }
        },
      );

      test('publish to a key no queue is bound to: the mandatory message comes back (returned)', async () => {
        for (const lang of ['python-pika', 'node-amqplib'] as const) {
          const code = generateCode(
            lang,
            {
              kind: 'publish',
              exchange: 'amq.direct',
              routingKey: 'nowhere',
              mandatory: true,
              properties: {},
              body: TEXT_BODY,
            },
            TARGET,
          ).code;
          const run = await runSnippet(lang, code, dir);
          assert.equal(run.status, 0, run.stderr);
          assert.match(run.stdout, /returned/, lang);
        }
      });

      test('RPC call snippets get the reply of a responder (direct reply-to and a callback queue)', async () => {
        const ch = await raw.createChannel();
        await ch.consume('rpc', (m) => {
          if (!m) return;
          ch.sendToQueue(m.properties.replyTo as string, Buffer.from(`pong:${m.content.toString()}`), {
            correlationId: m.properties.correlationId as string,
          });
          ch.ack(m);
        });
        try {
          for (const lang of ['python-pika', 'node-amqplib'] as const)
            for (const replyMode of ['direct-reply-to', 'callback-queue'] as const) {
              const code = generateCode(
                lang,
                {
                  kind: 'call',
                  exchange: '',
                  routingKey: 'rpc',
                  properties: { headers: { n: { '!': 'int64', value: '10' } } },
                  body: Buffer.from('10'),
                  timeoutMs: 5000,
                  replyMode,
                },
                TARGET,
              ).code;
              const run = await runSnippet(lang, code, dir);
              assert.equal(run.status, 0, `${lang} ${replyMode}: ${run.stderr}`);
              assert.match(run.stdout, /reply .*pong:10/, `${lang} ${replyMode}`);
            }
        } finally {
          await ch.close();
        }
      });

      test('an RPC call with no responder ends with a clear timeout', async () => {
        const ch = await raw.createChannel();
        await ch.assertQueue('silent');
        await ch.close();
        for (const lang of ['python-pika', 'node-amqplib'] as const) {
          const code = generateCode(
            lang,
            {
              kind: 'call',
              exchange: '',
              routingKey: 'silent',
              properties: {},
              body: Buffer.from('x'),
              timeoutMs: 300,
              replyMode: 'direct-reply-to',
            },
            TARGET,
          ).code;
          const run = await runSnippet(lang, code, dir);
          assert.notEqual(run.status, 0, lang);
          assert.match(run.stderr, /no reply within/, lang);
        }
      });

      test('consume snippets receive a waiting message and ack it', async () => {
        for (const lang of ['python-pika', 'node-amqplib'] as const) {
          const send = async (text: string) => {
            const ch = await raw.createConfirmChannel();
            ch.sendToQueue('work', Buffer.from(text));
            await ch.waitForConfirms();
            await ch.close();
          };
          await send(`job for ${lang}`);
          const file = path.join(dir, lang === 'python-pika' ? 'consume.py' : 'consume.js');
          writeFileSync(file, generateCode(lang, { kind: 'consume', queue: 'work', prefetch: 5 }, TARGET).code);
          const child = startSnippet(lang, file);
          let out = '';
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          const printed = (text: string) =>
            waitForEvent(
              `the ${lang} consumer to print '${text}'`,
              (done) => {
                const check = () => {
                  if (out.includes(text)) done();
                };
                child.stdout.on('data', check);
                check();
                return () => child.stdout.off('data', check);
              },
              20_000,
            ).catch((e: Error) => assert.fail(`${e.message}: ${err}`));
          await printed(`job for ${lang}`);
          // A marker after the job: the handler ran to its end (the ack) for the job before the
          // marker was handled. Then SIGINT: the snippet closes its connection, and whatever it
          // has not acked goes back to the queue.
          await send(`marker for ${lang}`);
          await printed(`marker for ${lang}`);
          const closed = waitForEvent<number | null>(
            `the ${lang} consumer to exit`,
            (done) => void child.on('close', done),
          );
          child.kill('SIGINT');
          await closed;
          const ch = await raw.createChannel();
          // The queue drops a dead channel's consumers and requeues its unacked messages in one step.
          await poll("no consumer left on 'work'", async () => (await ch.checkQueue('work')).consumerCount === 0);
          const left: string[] = [];
          for (let m = await ch.get('work', { noAck: true }); m; m = await ch.get('work', { noAck: true }))
            left.push(m.content.toString());
          await ch.close();
          assert.ok(!left.includes(`job for ${lang}`), `${lang}: the job was acked (left: ${left.join(', ')})`);
        }
      });
    },
  );
}
