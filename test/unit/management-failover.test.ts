import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManagementHttp } from '../../src/broker/managementHttp';

/** A management stand-in answering every request with `status` and its own name. */
async function server(name: string, status: number): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status < 300 ? { node: name } : { error: 'boom', reason: name }));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

/** A port nothing listens on. */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

test('a refused node is skipped, the node that answered is used first from then on', async () => {
  const dead = await deadUrl();
  const b = await server('b', 200);
  const c = await server('c', 200);
  const m = new ManagementHttp({ baseUrl: dead, fallbackUrls: [b.url, c.url], username: 'u', password: 'secret' });
  try {
    assert.deepEqual(await m.request('GET', '/overview'), { node: 'b' });
    assert.equal(m.currentUrl, b.url);
    assert.deepEqual(await m.request('GET', '/queues'), { node: 'b' });
    assert.deepEqual(b.hits, ['GET /api/overview', 'GET /api/queues']);
    assert.deepEqual(c.hits, []);
  } finally {
    m.dispose();
    await b.close();
    await c.close();
  }
});

test('5xx fails over for GET, not for POST; 4xx never fails over', async () => {
  const a = await server('a', 503);
  const b = await server('b', 200);
  const m = new ManagementHttp({ baseUrl: a.url, fallbackUrls: [b.url], username: 'u', password: 'secret' });
  try {
    assert.deepEqual(await m.request('GET', '/nodes'), { node: 'b' });
    const m2 = new ManagementHttp({ baseUrl: a.url, fallbackUrls: [b.url], username: 'u', password: 'secret' });
    await assert.rejects(m2.request('POST', '/x', {}), (e: Error & { code?: unknown }) => e.code === 503);
    m2.dispose();
    const n = await server('n', 404);
    const m3 = new ManagementHttp({ baseUrl: n.url, fallbackUrls: [b.url], username: 'u', password: 'secret' });
    await assert.rejects(m3.request('GET', '/queues/%2F/q'), (e: Error & { code?: unknown }) => e.code === 404);
    m3.dispose();
    await n.close();
    assert.deepEqual(b.hits, ['GET /api/nodes']);
  } finally {
    m.dispose();
    await a.close();
    await b.close();
  }
});

test('when no node answers, the error says so and names the first failure, never the password', async () => {
  const m = new ManagementHttp({
    baseUrl: await deadUrl(),
    fallbackUrls: [await deadUrl()],
    username: 'u',
    password: 'secret',
  });
  try {
    await assert.rejects(m.request('GET', '/overview'), (e: Error) => {
      assert.match(e.message, /no management node answered; first: /);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  } finally {
    m.dispose();
  }
});
