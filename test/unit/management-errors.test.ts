/**
 * The management client's errors go through the one translator (src/broker/describe.ts): checked
 * here against a local HTTP server that echoes hostile content, no broker needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ManagementClient } from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';

const PW = 'Zq7/p@ss:word';
const BASIC = Buffer.from(`admin:${PW}`).toString('base64');

function leaks(e: unknown): string[] {
  const everything = `${String(e)}\n${inspect(e, { depth: Infinity, showHidden: true })}\n${JSON.stringify(e)}`;
  return [PW, encodeURIComponent(PW), BASIC].filter((s) => everything.includes(s));
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

test('an invalid management URL with a password in it: the URL error (input holds the URL) is not attached', () => {
  let thrown: unknown;
  try {
    new ManagementClient({
      baseUrl: `http://admin:${encodeURIComponent(PW)}@[not-a-host/`,
      username: 'admin',
      password: PW,
    });
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof BrokerError);
  assert.equal(thrown.code, 'EINVALIDURL');
  assert.equal(thrown.cause, undefined);
  assert.deepEqual(leaks(thrown), []);
});

test('a server that echoes the Authorization header and the password in its error bodies: never in the BrokerError', async () => {
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (req.url?.endsWith('/whoami')) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_authorised', reason: `Login failed with ${auth} (password ${PW})` }));
    } else if (req.url?.includes('/api/overview')) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`Bad request\r\nAuthorization: ${auth}\r\n`);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${auth} ${PW}</html>`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const mc = new ManagementClient({ baseUrl: `http://127.0.0.1:${port}`, username: 'admin', password: PW });
  try {
    const login = await failure(mc.whoami());
    assert.equal(login.source, 'auth');
    assert.match(
      login.message,
      /^Management API login failed \(401 Unauthorized\): Login failed with Basic \*\*\* \(password \*\*\*\)$/,
    );
    assert.deepEqual(leaks(login), []);
    const bad = await failure(mc.overview());
    assert.equal(bad.code, 400);
    assert.match(bad.message, /Authorization: \*\*\*/);
    assert.deepEqual(leaks(bad), []);
    const notJson = await failure(mc.listVhosts());
    assert.match(notJson.message, /non-JSON response \(200\)/);
    assert.deepEqual(leaks(notJson), []);
  } finally {
    mc.dispose();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('connection refused: a network error that names the management API and its port', async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r)); // the port is now closed
  const mc = new ManagementClient({
    baseUrl: `http://admin:${encodeURIComponent(PW)}@127.0.0.1:${port}`,
    username: 'admin',
    password: PW,
  });
  try {
    const e = await failure(mc.overview());
    assert.equal(e.source, 'network');
    assert.equal(e.code, 'ECONNREFUSED');
    assert.match(
      e.message,
      new RegExp(`management API at 127\\.0\\.0\\.1:${port}: connection refused \\(is the management plugin enabled`),
    );
    assert.deepEqual(leaks(e), []);
  } finally {
    mc.dispose();
  }
});
