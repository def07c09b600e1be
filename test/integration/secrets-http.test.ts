/**
 * Issue 12, "HTTP error bodies go into error messages unscrubbed": a misconfigured proxy in front
 * of the management API answers every request with an error whose body (or status line) echoes
 * the request headers, `Authorization: Basic …` included, or a URL with the password in its
 * userinfo. A ManagementClient, a BrokerSession (with a capturing logger) and Test Connection are
 * pointed at such a proxy, with a real user on each broker whose password is full of awkward
 * characters; nothing a user can see (message, String(err), stack, every cause, inspect output,
 * describeForUser, replyText, the probe's detail, log lines) may contain the password, its
 * percent-encodings, the base64 of `user:password`, half of any of these, or `Basic <value>`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ManagementClient } from '../../src/broker/management';
import { BrokerError, describeForUser } from '../../src/broker/errors';
import { MAX_REASON_CHARS } from '../../src/broker/describe';
import { probeConnection } from '../../src/broker/probe';
import { BrokerSession } from '../../src/broker/session';
import type { ConnectionProfile } from '../../src/core/profile';
import { BROKERS, dropVhost, makeVhost } from './helpers';

/** Every URI delimiter, a space, a quote, a backslash, a percent sequence, non-ASCII and an astral character. */
const PW = `p@ss:w/rd %20#?&="'\\+;é😀x`;
const USER = `burrow-secrets-${process.pid}`;
const BASIC_VALUE = Buffer.from(`${USER}:${PW}`, 'utf8').toString('base64');

/** The password as a URL's userinfo carries it (WHATWG encoding, which differs from encodeURIComponent). */
function urlForm(pw: string): string {
  const u = new URL('http://127.0.0.1/');
  u.username = USER;
  u.password = pw;
  return u.password;
}

const FORBIDDEN = [PW, encodeURIComponent(PW), urlForm(PW), BASIC_VALUE];
/** Halves of each form: a body cut before it is scrubbed leaves half a secret behind. */
const HALVES = FORBIDDEN.flatMap((f) => [f.slice(0, Math.ceil(f.length / 2)), f.slice(Math.floor(f.length / 2))]);

/** Everything reachable from an error that a user (or a log) can see. */
function visible(err: unknown): string[] {
  const out = [describeForUser(err), String(err), inspect(err, { depth: Infinity, showHidden: true })];
  try {
    out.push(JSON.stringify(err));
  } catch {
    /* circular: inspect covers it */
  }
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) out.push(e.message, String(e.stack));
    if (e instanceof BrokerError && e.replyText !== undefined) out.push(e.replyText);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function assertClean(texts: readonly string[], where: string): void {
  for (const text of texts) {
    for (const f of [...FORBIDDEN, ...HALVES]) {
      assert.ok(!text.includes(f), `${where}: ${JSON.stringify(f)} shows in ${JSON.stringify(text.slice(0, 2000))}`);
    }
    assert.doesNotMatch(text, /\bBasic\s+(?!\*\*\*)\S/i, `${where}: an Authorization value shows`);
  }
}

type Mode =
  | 'text-502'
  | 'json-500'
  | 'json-object-500'
  | 'text-401'
  | 'json-401'
  | 'status-line'
  | 'url-userinfo'
  | 'cut-point'
  | 'huge'
  | 'huge-json';

const MODES: Mode[] = [
  'text-502',
  'json-500',
  'json-object-500',
  'text-401',
  'json-401',
  'status-line',
  'url-userinfo',
  'cut-point',
  'huge',
  'huge-json',
];

/** The request's headers as a proxy echoes them: one `Name: value` per line. */
function headerLines(req: http.IncomingMessage): string {
  const lines: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return lines.join('\r\n');
}

/** A proxy that answers everything with an error echoing what it was sent; `mode` says how. */
async function echoProxy(): Promise<{ port: number; setMode(m: Mode): void; close(): Promise<void> }> {
  let mode: Mode = 'text-502';
  const server = http.createServer((req, res) => {
    const headers = headerLines(req);
    const auth = req.headers.authorization ?? '';
    const port = (server.address() as AddressInfo).port;
    const urls = [PW, encodeURIComponent(PW), urlForm(PW)]
      .map((p) => `http://${USER}:${p}@127.0.0.1:${port}${req.url ?? '/'}`)
      .join(' and ');
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (mode) {
      case 'text-502':
        return text(
          502,
          `502 Bad Gateway\r\nupstream closed; request was:\r\n${req.method} ${req.url}\r\n${headers}\r\n`,
        );
      case 'json-500':
        return json(500, { error: 'bad_gateway', reason: `upstream failed for request with headers ${headers}` });
      case 'json-object-500':
        return json(500, { error: 'bad_gateway', reason: JSON.stringify(req.headers) });
      case 'text-401':
        res.setHeader('www-authenticate', 'Basic realm="proxy"');
        return text(401, `Unauthorized: ${headers}`);
      case 'json-401':
        return json(401, { error: 'not_authorised', reason: `Login failed: authorization=${auth}` });
      case 'status-line':
        // A proxy that puts what it received in its status line (no line breaks allowed there).
        res.writeHead(502, `Bad Gateway (authorization ${auth})`, { 'content-type': 'text/plain' });
        return res.end('');
      case 'url-userinfo':
        return text(502, `could not reach ${urls}`);
      case 'cut-point': {
        // Each secret straddles a place where a careless scrubber would cut (at 200 characters, the
        // old limit, and at MAX_REASON_CHARS), with more than its first half before the cut.
        const before = (cut: number, at: number) => 'x'.repeat(cut - Math.ceil(PW.length / 2) - 2 - at);
        const first = `${before(200, 0)}${PW}`;
        const second = `${first}${before(MAX_REASON_CHARS, first.length)}${PW}`;
        return text(502, `${second} Basic ${BASIC_VALUE} ${'w'.repeat(500)}`);
      }
      case 'huge': {
        const filler = 'z'.repeat(1024 * 1024);
        return text(502, `${headers}\r\n${urls}\r\n${filler}\r\n${headers}\r\n${urls}`);
      }
      case 'huge-json':
        return json(500, { error: 'bad_gateway', reason: `${urls} ${'z'.repeat(1024 * 1024)} ${headers}` });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    setMode: (m) => (mode = m),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function failure(p: Promise<unknown>): Promise<BrokerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BrokerError, `expected a BrokerError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

for (const B of BROKERS)
  describe(`secrets in HTTP error bodies and logs [${B.label}]`, () => {
    let proxy: Awaited<ReturnType<typeof echoProxy>>;
    let vhost = '';
    const profile = (): ConnectionProfile => ({
      id: 'secrets',
      name: 'secrets',
      host: '127.0.0.1',
      port: B.amqpPort,
      vhost,
      username: USER,
      tls: false,
      managementUrl: `http://127.0.0.1:${proxy.port}`,
    });

    before(async () => {
      proxy = await echoProxy();
      vhost = await makeVhost(B, 'burrow-test-secrets');
      const put = await B.mgmt('PUT', `/api/users/${encodeURIComponent(USER)}`, { password: PW, tags: 'management' });
      assert.ok(put.ok, `create user: ${put.status}`);
      await B.mgmt('PUT', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(USER)}`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
    });

    after(async () => {
      await B.mgmt('DELETE', `/api/users/${encodeURIComponent(USER)}`);
      await dropVhost(B, vhost);
      await proxy.close();
    });

    test('ManagementClient: every echoing error, as text and JSON, says why without the secrets', async () => {
      const mc = new ManagementClient({
        baseUrl: `http://127.0.0.1:${proxy.port}`,
        username: USER,
        password: PW,
      });
      try {
        for (const mode of MODES) {
          proxy.setMode(mode);
          const err = await failure(mc.overview());
          assertClean(visible(err), mode);
          // Still says what failed: the status, and for 401 a login failure.
          if (mode.endsWith('401')) assert.equal(err.source, 'auth', mode);
          else assert.match(err.message, /\(50[02] /, mode);
          assert.ok(err.message.length < MAX_REASON_CHARS + 400, `${mode}: ${err.message.length} characters`);
          if (mode.startsWith('huge') || mode === 'cut-point')
            assert.match(err.message, /… \(\d+ more characters\)$/, mode);
          if (mode === 'text-502') assert.match(err.message, /authorization: \*\*\*/i, mode);
        }
      } finally {
        mc.dispose();
      }
    });

    test('Test Connection: AMQP logs in with the awkward password, the echoing management half fails clean', async () => {
      for (const mode of MODES) {
        proxy.setMode(mode);
        const result = await probeConnection(profile(), PW);
        assert.equal(result.amqp.ok, true, `${mode}: ${result.amqp.detail}`);
        assert.equal(result.management.ok, false, mode);
        assertClean(
          [result.amqp.detail, result.management.detail, ...visible(result.management.error)],
          `probe ${mode}`,
        );
      }
    });

    test('Test Connection against the real management API, with the password in the URL too: the success line hides it', async () => {
      const managementUrl = `http://${USER}:${encodeURIComponent(PW)}@127.0.0.1:${B.mgmtPort}`;
      const result = await probeConnection({ ...profile(), managementUrl }, PW);
      assert.equal(result.amqp.ok, true, result.amqp.detail);
      assert.equal(result.management.ok, true, result.management.detail);
      assert.match(result.management.detail, new RegExp(`at http://${USER}:\\*\\*\\*@127\\.0\\.0\\.1:${B.mgmtPort}$`));
      assertClean([result.amqp.detail, result.management.detail], 'probe ok');
    });

    test('a session logs nothing secret: a refused AMQP login and an echoing management API', async () => {
      const lines: string[] = [];
      const wrong = `${PW}-wrong`;
      const session = await BrokerSession.open(profile(), wrong, (level, message) => lines.push(`${level} ${message}`));
      try {
        const amqpErr = await failure(session.amqp.connection(vhost));
        assert.equal(amqpErr.source, 'auth');
        proxy.setMode('text-502');
        const httpErr = await failure(session.management.overview());
        assert.ok(lines.length > 0, 'the refused login is logged');
        const texts = [...lines, ...visible(amqpErr), ...visible(httpErr)];
        assertClean(texts, 'session');
        for (const t of texts) assert.ok(!t.includes(wrong) && !t.includes(encodeURIComponent(wrong)), t);
      } finally {
        await session.dispose();
      }
    });
  });
