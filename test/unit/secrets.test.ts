/**
 * Passwords are never shown, whatever they contain: random passwords (full Unicode, URI
 * delimiters, spaces, control characters) go into well-formed (percent-encoded) and malformed
 * (raw) URIs and profiles, through every parse / format / redact path, the settings reader, the
 * error translator and Test Connection's error path; no text a user can see may contain them.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createServer } from 'node:net';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatAmqpUri, parseAmqpUri, redactUri, UriError, type UriProfile } from '../../src/core/uri';
import { normalizeProfiles, type ConnectionProfile } from '../../src/core/profile';
import { nameLengthProblem, validateQueueDeclare } from '../../src/core/arguments';
import { toBrokerError, redactSecrets, httpError, MAX_REASON_CHARS } from '../../src/broker/describe';
import { describeForUser } from '../../src/broker/errors';
import { probeConnection } from '../../src/broker/probe';
import { readCa } from '../../src/broker/session';

const SPECIAL = ['@', ':', '/', '#', '?', '%', ' ', '\u0000', '\n', '\t', '"', "'", '\\', '&', '=', '+', '[', ']'];
const OTHER = ['Z', 'q', '7', 'é', '€', '😀', '\u200b', '\u0085', '\uFFFD'];

/** Any characters: full Unicode, or a mix biased towards URI delimiters and control characters. */
const password = fc.oneof(
  fc.string({ unit: 'binary', minLength: 4, maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL, ...OTHER), minLength: 4, maxLength: 24 }),
);

const PROFILE: UriProfile = { host: 'rabbit.example', port: 5672, vhost: 'orders', username: 'app', tls: false };

/** Meaningful to look for: at least 4 characters, not plain letters/digits, not part of the rest of the URI. */
function lookFor(pw: string, rest: string): string[] {
  const forms = [pw, userinfoForm(pw)];
  try {
    forms.push(encodeURIComponent(pw));
  } catch {
    // lone surrogate: there is no encoded form
  }
  return forms.filter((f) => f.length >= 4 && /[^A-Za-z0-9]/.test(f) && !rest.includes(f));
}

/** The password as the URL standard writes it in a URI's userinfo (not encodeURIComponent's form). */
function userinfoForm(pw: string): string {
  const u = new URL('http://h/');
  u.password = pw;
  return u.password;
}

function visibleTexts(err: unknown): string[] {
  const out = [inspect(err, { depth: 8 }), describeForUser(err)];
  if (err instanceof Error) out.push(err.message, String(err.stack));
  if (err instanceof UriError) out.push(err.uri);
  return out;
}

function assertHidden(texts: readonly string[], forms: readonly string[], where: string): void {
  for (const text of texts) {
    for (const f of forms) {
      assert.ok(!text.includes(f), `${where}: the password ${JSON.stringify(f)} shows in ${JSON.stringify(text)}`);
    }
  }
}

const RAW_SHAPES: Array<(pw: string) => string> = [
  (pw) => `amqp://app:${pw}@rabbit.example/orders`,
  (pw) => `amqps://app:${pw}@rabbit.example:5671/orders?heartbeat=1e20`,
  (pw) => `amqp://app:${pw}@rabbit.example:notaport/vh`,
  (pw) => `amqp://app:${pw}@rabbit.example/vh/extra`,
  (pw) => `http://app:${pw}@rabbit.example:15672/api`,
  (pw) => `app:${pw}@rabbit.example`,
];

describe('property: a password never shows', () => {
  test('parse / format / redact / error translator, well-formed and raw URIs', () => {
    fc.assert(
      fc.property(password, fc.constantFrom(...RAW_SHAPES.keys()), (pw, shape) => {
        // Well formed: percent-encoded by formatAmqpUri, parsed back exactly.
        let encoded: string | undefined;
        try {
          encoded = formatAmqpUri(PROFILE, pw);
        } catch (err) {
          assert.ok(err instanceof UriError);
          assertHidden(visibleTexts(err), lookFor(pw, 'amqp://app:@rabbit.example/orders'), 'formatAmqpUri');
        }
        if (encoded !== undefined) {
          const forms = lookFor(pw, encoded.replace(`:${encodeURIComponent(pw)}@`, ':@'));
          const parsed = parseAmqpUri(encoded);
          assert.equal(parsed.password, pw);
          assert.deepEqual(parsed.profile, PROFILE);
          assertHidden([redactUri(encoded), redactSecrets(`connecting to ${encoded} failed`)], forms, 'encoded');
          const thrown = Object.assign(new Error(`connect ECONNREFUSED ${encoded}`), { code: 'ECONNREFUSED' });
          const withCause = Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: encoded });
          for (const e of [thrown, withCause]) {
            assertHidden(visibleTexts(toBrokerError(e, { host: 'rabbit.example' })), forms, 'toBrokerError (encoded)');
          }
        }

        // Malformed: the password as typed, unescaped.
        const raw = RAW_SHAPES[shape]!(pw);
        const forms = lookFor(pw, RAW_SHAPES[shape]!(''));
        assertHidden([redactUri(raw)], forms, 'redactUri(raw)');
        try {
          const parsed = parseAmqpUri(raw);
          // Accepted only when nothing had to be guessed: never another host, never a cut password.
          assert.equal(parsed.profile.host, 'rabbit.example');
          assert.equal(parsed.profile.username, 'app');
        } catch (err) {
          assert.ok(err instanceof UriError, String(err));
          assertHidden(visibleTexts(err), forms, 'parseAmqpUri(raw)');
        }
        const secrets = [pw];
        const errors = [
          new Error(`connect ECONNREFUSED ${raw}`),
          Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: raw }),
          new Error('wrapper', { cause: Object.assign(new Error(`bad ${raw}`), { url: raw }) }),
        ];
        for (const e of errors) {
          assertHidden(visibleTexts(toBrokerError(e, { secrets, service: 'management' })), forms, 'toBrokerError');
        }
        assertHidden([redactSecrets(`GET ${raw} failed`, secrets)], forms, 'redactSecrets');

        // Profiles as hand-edited in settings.json.
        const { problems } = normalizeProfiles([
          { host: 'rabbit.example', managementUrl: `http://app:${pw}@rabbit.example:15672` },
          { host: 'rabbit.example', managementUrl: `javascript:alert('${pw}')` },
          { host: 'rabbit.example', managementUrl: `ftp://app:${pw}@rabbit.example` },
          { host: 'rabbit.example', managementUrl: raw },
        ]);
        assertHidden(problems, lookFor(pw, ''), 'normalizeProfiles problems');
      }),
      { numRuns: 1000, includeErrorInReport: true },
    );
  });

  test('management HTTP error bodies: echoed Authorization headers, URLs with userinfo, JSON reasons, cut points', () => {
    fc.assert(
      fc.property(
        password,
        fc.constantFrom(401, 403, 404, 500, 502),
        fc.nat({ max: 400 }),
        fc.boolean(),
        (pw, status, pad, asJson) => {
          const basic = Buffer.from(`app:${pw}`, 'utf8').toString('base64');
          const secrets = [pw, basic];
          const urls = [pw, userinfoForm(pw)];
          try {
            urls.push(encodeURIComponent(pw));
          } catch {
            // lone surrogate
          }
          const echoed = [
            `authorization: Basic ${basic}`,
            `Authorization: Basic ${basic.slice(0, Math.max(4, pad % basic.length))}`,
            ...urls.map((u) => `upstream http://app:${u}@127.0.0.1:15672/api/overview`),
            `${'x'.repeat(pad)}${pw}${'y'.repeat(MAX_REASON_CHARS)}`,
          ].join('\r\n');
          const body = asJson ? JSON.stringify({ error: 'bad_gateway', reason: echoed }) : echoed;
          const err = httpError(
            { status, statusMessage: `Proxy error (${pw})`, body, request: 'GET /overview' },
            { service: 'management', host: '127.0.0.1', port: 15672, secrets },
          );
          const texts = visibleTexts(err);
          if (err.replyText !== undefined) texts.push(err.replyText);
          assertHidden(texts, [...lookFor(pw, ''), basic], 'httpError');
          for (const t of texts) assert.doesNotMatch(t, /\bBasic\s+(?!\*\*\*)\S/, 'an Authorization value shows');
          assert.ok(err.message.length < 2 * MAX_REASON_CHARS + 200, `${err.message.length} characters`);
        },
      ),
      { numRuns: 500, includeErrorInReport: true },
    );
  });

  test('describeForUser scrubs any error, not only BrokerErrors', () => {
    fc.assert(
      fc.property(password, (pw) => {
        let encoded: string;
        try {
          encoded = encodeURIComponent(pw);
        } catch {
          return;
        }
        const basic = Buffer.from(`app:${pw}`, 'utf8').toString('base64');
        const uri = `amqp://app:${encoded}@rabbit.example/orders`;
        const forms = lookFor(pw, 'amqp://app:@rabbit.example/orders').filter((f) => f !== pw || !/\s/.test(pw));
        for (const e of [
          new Error(`cannot open ${uri}`),
          new TypeError(`fetch failed for http://app:${userinfoForm(pw)}@rabbit.example:15672/api`),
          `request had authorization: Basic ${basic}`,
          { toString: () => `password=${encoded}` },
        ]) {
          const text = describeForUser(e);
          assertHidden(
            [text],
            [...forms, basic].filter((f) => f.length >= 4),
            'describeForUser',
          );
        }
      }),
      { numRuns: 300, includeErrorInReport: true },
    );
  });

  test("Test Connection's success line: a management URL with userinfo is shown without its password", async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.endsWith('/whoami')) res.end(JSON.stringify({ name: 'app', tags: ['administrator'] }));
      else if (req.url?.includes('/overview'))
        res.end(JSON.stringify({ rabbitmq_version: '9.9.9', cluster_name: 'c', product_name: 'RabbitMQ' }));
      else res.end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await fc.assert(
        fc.asyncProperty(password, async (pw) => {
          let encoded: string;
          try {
            encoded = encodeURIComponent(pw);
          } catch {
            return;
          }
          const managementUrl = `http://app:${encoded}@127.0.0.1:${port}`;
          const profile: ConnectionProfile = {
            id: 'p',
            name: 'p',
            host: '127.0.0.1',
            port: refusedPort,
            vhost: '/',
            username: 'app',
            tls: false,
            managementUrl,
          };
          const result = await probeConnection(profile, pw);
          assert.equal(result.management.ok, true, result.management.detail);
          assert.match(result.management.detail, new RegExp(`at http://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}$`));
          assertHidden([result.management.detail], lookFor(pw, managementUrl.split(encoded).join('')), 'probe ok');
        }),
        { numRuns: 50, includeErrorInReport: true },
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  let refusedPort = 0;
  before(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    refusedPort = typeof address === 'object' && address ? address.port : 1;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("Test Connection's error path (refused port, bad management URLs)", async () => {
    await fc.assert(
      fc.asyncProperty(password, fc.integer({ min: 0, max: 3 }), async (pw, which) => {
        const managementUrl = [
          `http://app:${pw}@127.0.0.1:${refusedPort}/`,
          `javascript:alert('${pw}')`,
          `ht tp://app:${pw}@127.0.0.1`,
          `http://127.0.0.1:${refusedPort}/${pw}`,
        ][which]!;
        const profile: ConnectionProfile = {
          id: 'p',
          name: 'p',
          host: '127.0.0.1',
          port: refusedPort,
          vhost: '/',
          username: 'app',
          tls: false,
          managementUrl,
        };
        const result = await probeConnection(profile, pw);
        assert.equal(result.amqp.ok, false);
        assert.equal(result.management.ok, false);
        const texts = [
          result.amqp.detail,
          result.management.detail,
          ...visibleTexts(result.amqp.error),
          ...visibleTexts(result.management.error),
        ];
        assertHidden(texts, lookFor(pw, managementUrl.split(pw).join('')), 'probeConnection');
      }),
      { numRuns: 100, includeErrorInReport: true },
    );
  });
});

describe('input checks', () => {
  test('normalizeProfiles drops a management URL that is not http(s), with a reason', () => {
    for (const url of ['javascript:alert(1)', 'ftp://rabbit/', 'not a url', 'file:///etc/passwd']) {
      const { profiles, problems } = normalizeProfiles([{ host: 'rabbit', managementUrl: url }]);
      assert.equal(profiles.length, 0, url);
      assert.match(problems[0]!, /management URL/, url);
    }
    const ok = normalizeProfiles([{ host: 'rabbit', managementUrl: 'https://rabbit:15671' }]);
    assert.equal(ok.profiles[0]!.managementUrl, 'https://rabbit:15671');
  });

  test('normalizeProfiles drops a host with control characters', () => {
    for (const host of ['rab\u0000bit', 'rab\nbit', 'rabbit\u007f']) {
      const { profiles, problems } = normalizeProfiles([{ host }]);
      assert.equal(profiles.length, 0);
      assert.match(problems[0]!, /control character/);
    }
  });

  test('a password with an unescaped delimiter is refused, not reinterpreted', () => {
    assert.throws(() => parseAmqpUri('amqp://app:my@pass#word@rabbit/orders'), /percent-encode/);
    assert.throws(() => parseAmqpUri('amqp://host?heartbeat=1e20'), /heartbeat/);
  });

  test('a CA file that is not PEM is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-ca-'));
    const der = join(dir, 'ca.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
    await assert.rejects(readCa(der), /is not a PEM certificate/);
    const pem = join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.match((await readCa(pem))!, /BEGIN CERTIFICATE/);
  });

  test('exchange and queue names over 255 bytes of UTF-8 are refused', () => {
    assert.equal(nameLengthProblem('Exchange', 'x'.repeat(255)), undefined);
    assert.match(nameLengthProblem('Exchange', 'x'.repeat(256))!, /255 bytes/);
    assert.match(nameLengthProblem('Queue', 'é'.repeat(128))!, /256/); // 128 characters, 256 bytes
    const spec = {
      name: '€'.repeat(86),
      type: 'classic' as const,
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: {},
    };
    assert.ok(validateQueueDeclare(spec).some((p) => /255 bytes/.test(p)));
  });
});
