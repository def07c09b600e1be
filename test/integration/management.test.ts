import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as amqp from 'amqplib';
import { ManagementClient } from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';
import { BROKERS } from '../brokers';
import { poll } from '../wait';

for (const B of BROKERS) {
  const BASE = B.mgmtUrl;
  const AMQP_URL = `amqp://guest:guest@127.0.0.1:${B.amqpPort}`;
  const rnd = () => randomBytes(4).toString('hex');
  const VHOST = `burrow-test-${rnd()}`;

  async function rejectsWith(p: Promise<unknown>): Promise<BrokerError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof BrokerError, `expected BrokerError, got ${String(e)}`);
      return e;
    }
    assert.fail('expected a rejection');
  }

  describe(`ManagementClient (real broker) [${B.label}]`, () => {
    const mc = new ManagementClient({ baseUrl: BASE, username: 'guest', password: 'guest' });

    before(async () => {
      await mc.createVhost(VHOST, 'burrow integration test');
      await mc.setPermissions(VHOST, 'guest', { configure: '.*', write: '.*', read: '.*' });
    });

    after(async () => {
      try {
        await mc.deleteVhost(VHOST);
      } finally {
        mc.dispose();
      }
    });

    test('overview', async () => {
      const o = await mc.overview();
      assert.match(o.rabbitmq_version, /^\d+\.\d+/);
      assert.match(o.management_version, /^\d+\.\d+/);
      assert.equal(typeof o.cluster_name, 'string');
    });

    test('whoami', async () => {
      const w = await mc.whoami();
      assert.equal(w.name, 'guest');
      assert.ok(Array.isArray(w.tags));
      assert.ok(w.tags.includes('administrator'));
    });

    test('vhost create / list / delete (and "/" is listed)', async () => {
      const name = `burrow-test-${rnd()}/with slash`;
      await mc.createVhost(name, 'tmp');
      try {
        const list = await mc.listVhosts();
        assert.ok(list.some((v) => v.name === '/'));
        const mine = list.find((v) => v.name === name);
        assert.ok(mine, 'created vhost is listed');
        assert.equal(mine.description, 'tmp');
      } finally {
        await mc.deleteVhost(name);
      }
      assert.ok(!(await mc.listVhosts()).some((v) => v.name === name));
    });

    describe('queues and exchanges', () => {
      const queueNames = Array.from({ length: 25 }, (_, i) => `q-${String(i).padStart(2, '0')}`);

      // Fixtures through plain HTTP: Burrow changes topology over AMQP, its management client only lists and administers.
      const at = (...segments: string[]) => `/api/${segments.map(encodeURIComponent).join('/')}`;
      before(async () => {
        await Promise.all(queueNames.map((q) => B.mgmt('PUT', at('queues', VHOST, q), { durable: false })));
        await B.mgmt('PUT', at('queues', VHOST, 'special/ queue#?%'), {
          durable: true,
          arguments: { 'x-queue-type': 'quorum' },
        });
        await B.mgmt('PUT', at('exchanges', VHOST, 'burrow.topic'), { type: 'topic', durable: false });
        await B.mgmt('PUT', at('exchanges', VHOST, 'burrow.fanout'), { type: 'fanout', durable: false });
      });

      test('listQueues paging: 25 queues, pageSize 10 -> 3 pages; page 4 is empty', async () => {
        const opts = { pageSize: 10, name: '^q-', useRegex: true };
        const p1 = await mc.listQueues(VHOST, { ...opts, page: 1 });
        assert.equal(p1.items.length, 10);
        assert.equal(p1.page, 1);
        assert.equal(p1.pageSize, 10);
        assert.equal(p1.pageCount, 3);
        assert.equal(p1.filteredCount, 25);
        assert.equal(p1.totalCount, 26);
        const p3 = await mc.listQueues(VHOST, { ...opts, page: 3 });
        assert.equal(p3.items.length, 5);
        const p4 = await mc.listQueues(VHOST, { ...opts, page: 4 });
        assert.deepEqual(p4.items, []);
        assert.equal(p4.page, 4);
        assert.equal(p4.pageCount, 3);
        assert.equal(p4.filteredCount, 25);
        const p2 = await mc.listQueues(VHOST, { ...opts, page: 2 });
        const all = [...p1.items, ...p2.items, ...p3.items].map((q) => q.name).sort();
        assert.deepEqual(all, queueNames);
        // default columns: what the tree needs
        const q = p1.items[0]!;
        assert.equal(q.vhost, VHOST);
        assert.equal(q.type, 'classic');
        assert.equal(q.durable, false);
        // counts appear only after the first stats emission (~5 s) for a fresh queue
        assert.ok(q.messages === undefined || typeof q.messages === 'number');
        assert.ok(q.consumers === undefined || q.consumers === 0);
        // 4.x records the queue type of a queue declared without arguments as an argument.
        assert.deepEqual(q.arguments, B.major >= 4 ? { 'x-queue-type': 'classic' } : {});
        assert.equal((q as unknown as Record<string, unknown>).garbage_collection, undefined);
      });

      test('listQueues without page returns everything as one page', async () => {
        const all = await mc.listQueues(VHOST);
        assert.equal(all.items.length, 26);
        assert.equal(all.pageCount, 1);
        assert.equal(all.totalCount, 26);
        const quorum = all.items.find((q) => q.name === 'special/ queue#?%');
        assert.ok(quorum);
        assert.equal(quorum.type, 'quorum');
        // name filter without page: walked on the server, merged
        const filtered = await mc.listQueues(VHOST, { name: 'q-1', useRegex: false });
        assert.deepEqual(
          filtered.items.map((q) => q.name).sort(),
          queueNames.filter((n) => n.includes('q-1')),
        );
      });

      test('server-side regex name filter', async () => {
        const p = await mc.listQueues(VHOST, { page: 1, pageSize: 100, name: '^q-2[0-2]$', useRegex: true });
        assert.deepEqual(p.items.map((q) => q.name).sort(), ['q-20', 'q-21', 'q-22']);
        assert.equal(p.filteredCount, 3);
        assert.equal(p.totalCount, 26);
        const ex = await mc.listExchanges(VHOST, { page: 1, pageSize: 100, name: '^burrow\\.', useRegex: true });
        assert.deepEqual(ex.items.map((e) => e.name).sort(), ['burrow.fanout', 'burrow.topic']);
      });

      test('listExchanges paging (incl. the default exchange)', async () => {
        const all = await mc.listExchanges(VHOST);
        const names = all.items.map((e) => e.name);
        assert.ok(names.includes(''));
        assert.ok(names.includes('amq.topic'));
        assert.ok(names.includes('burrow.topic'));
        const p1 = await mc.listExchanges(VHOST, { page: 1, pageSize: 3 });
        assert.equal(p1.items.length, 3);
        assert.equal(p1.totalCount, all.items.length);
        assert.equal(p1.pageCount, Math.ceil(all.items.length / 3));
        const t = all.items.find((e) => e.name === 'burrow.topic');
        assert.deepEqual(t && [t.type, t.durable, t.internal], ['topic', false, false]);
        assert.equal(all.items.find((e) => e.name === '')?.type, 'direct');
      });

      test('getQueue with special characters in the name; 404 is a management BrokerError', async () => {
        const q = await mc.getQueue(VHOST, 'special/ queue#?%');
        assert.equal(q.name, 'special/ queue#?%');
        assert.equal(q.type, 'quorum');
        const e = await rejectsWith(mc.getQueue(VHOST, 'does-not-exist'));
        assert.equal(e.source, 'management');
        assert.equal(e.code, 404);
        assert.equal(e.replyText, 'Not Found');
        assert.match(e.message, /404/);
      });

      test('bindings: of a queue, of an exchange as source and as destination, of a vhost', async () => {
        await B.mgmt('POST', at('bindings', VHOST, 'e', 'burrow.topic', 'q', 'q-00'), {
          routing_key: 'orders.*.created',
          arguments: { 'x-note': 'a' },
        });
        await B.mgmt('POST', at('bindings', VHOST, 'e', 'burrow.fanout', 'e', 'burrow.topic'), {
          routing_key: 'ignored',
          arguments: {},
        });
        const qb = await mc.queueBindings(VHOST, 'q-00');
        // default-exchange binding + ours
        assert.ok(qb.some((b) => b.source === '' && b.routing_key === 'q-00'));
        const mine = qb.find((b) => b.source === 'burrow.topic');
        assert.ok(mine);
        assert.equal(mine.destination_type, 'queue');
        assert.equal(mine.routing_key, 'orders.*.created');
        assert.deepEqual(mine.arguments, { 'x-note': 'a' });
        assert.equal(typeof mine.properties_key, 'string');

        const src = await mc.exchangeBindingsAsSource(VHOST, 'burrow.topic');
        assert.deepEqual(
          src.map((b) => [b.destination, b.destination_type]),
          [['q-00', 'queue']],
        );
        const dst = await mc.exchangeBindingsAsDestination(VHOST, 'burrow.topic');
        assert.deepEqual(
          dst.map((b) => [b.source, b.destination_type, b.routing_key]),
          [['burrow.fanout', 'exchange', 'ignored']],
        );
        const defaultSrc = await mc.exchangeBindingsAsSource(VHOST, '');
        assert.ok(defaultSrc.length >= 26);
        const all = await mc.listBindings(VHOST);
        assert.ok(all.some((b) => b.source === 'burrow.fanout' && b.destination === 'burrow.topic'));
      });

      test('queueConsumers shows prefetch and ack mode', async () => {
        const conn = await amqp.connect(`${AMQP_URL}/${encodeURIComponent(VHOST)}`, {
          clientProperties: { connection_name: `burrow-test-${rnd()}` },
        });
        conn.on('error', () => undefined);
        try {
          const ch = await conn.createChannel();
          await ch.prefetch(7);
          const { consumerTag } = await ch.consume('q-02', () => undefined, { noAck: false });
          const ch2 = await conn.createChannel();
          await ch2.consume('q-03', () => undefined, { noAck: true });

          // A queue lists its consumers once the broker has emitted their stats (every 5 s by default).
          const qc = await poll(
            'the consumer of q-02 listed with its queue',
            async () => {
              const l = await mc.queueConsumers(VHOST, 'q-02');
              return l.length >= 1 ? l : undefined;
            },
            10_000,
            250,
          );
          assert.deepEqual(
            qc.map((x) => x.consumer_tag),
            [consumerTag],
          );
          const c = qc[0]!;
          assert.equal(c.queue.name, 'q-02');
          assert.equal(c.queue.vhost, VHOST);
          assert.equal(c.prefetch_count, 7);
          assert.equal(c.ack_required, true);
          assert.equal(c.exclusive, false);
          const auto = await poll(
            'the consumer of q-03 listed with its queue',
            async () => {
              const l = await mc.queueConsumers(VHOST, 'q-03');
              return l.length >= 1 ? l : undefined;
            },
            10_000,
            250,
          );
          assert.equal(auto[0]?.ack_required, false);
          assert.deepEqual(await mc.queueConsumers(VHOST, 'q-04'), []);
        } finally {
          await conn.close().catch(() => undefined);
        }
      });
    });

    test('users and permissions: create / list / delete', async () => {
      const user = `burrow-test-user-${rnd()}`;
      await mc.createUser(user, 's3cr3t-pw', ['monitoring', 'policymaker']);
      try {
        const users = await mc.listUsers();
        const u = users.find((x) => x.name === user);
        assert.ok(u);
        assert.deepEqual([...u.tags].sort(), ['monitoring', 'policymaker']);
        assert.ok(users.every((x) => Array.isArray(x.tags)));

        await mc.setPermissions(VHOST, user, { configure: '^$', write: 'amq\\.topic', read: '.*' });
        const vp = await mc.vhostPermissions(VHOST);
        const p = vp.find((x) => x.user === user);
        assert.deepEqual(p && { ...p }, { user, vhost: VHOST, configure: '^$', write: 'amq\\.topic', read: '.*' });

        // the new user can log in and whoami works
        const uc = new ManagementClient({ baseUrl: BASE, username: user, password: 's3cr3t-pw' });
        try {
          const w = await uc.whoami();
          assert.equal(w.name, user);
          // setUserTags keeps the password
          await mc.setUserTags(user, ['management']);
          assert.deepEqual(await uc.whoami(), { name: user, tags: ['management'] });
        } finally {
          uc.dispose();
        }

        await mc.deletePermissions(VHOST, user);
        assert.ok(!(await mc.vhostPermissions(VHOST)).some((x) => x.user === user));
      } finally {
        await mc.deleteUser(user);
      }
      assert.ok(!(await mc.listUsers()).some((x) => x.name === user));
    });

    describe('errors', () => {
      test('wrong password -> auth 401, message without the password', async () => {
        const pw = `wrong-${rnd()}-pw`;
        const bad = new ManagementClient({ baseUrl: BASE, username: 'guest', password: pw });
        try {
          const e = await rejectsWith(bad.overview());
          assert.equal(e.source, 'auth');
          assert.equal(e.code, 401);
          assert.match(e.message, /Management API login failed \(401 Unauthorized\)/);
          assert.ok(!e.message.includes(pw));
          assert.ok(!String(e.replyText).includes(pw));
          assert.ok(!e.message.includes(Buffer.from(`guest:${pw}`).toString('base64')));
          assert.ok(!JSON.stringify({ ...e, message: e.message, stack: e.stack }).includes(pw));
        } finally {
          bad.dispose();
        }
      });

      test('connection refused -> network ECONNREFUSED', async () => {
        const c = new ManagementClient({ baseUrl: 'http://127.0.0.1:1', username: 'guest', password: 'topsecret' });
        try {
          const e = await rejectsWith(c.overview());
          assert.equal(e.source, 'network');
          assert.equal(e.code, 'ECONNREFUSED');
          assert.match(e.message, /127\.0\.0\.1:1/);
          assert.ok(!e.message.includes('topsecret'));
        } finally {
          c.dispose();
        }
      });

      test('https against the plain http port -> tls error with a hint', async () => {
        const c = new ManagementClient({
          baseUrl: BASE.replace(/^http:/, 'https:'),
          username: 'guest',
          password: 'guest',
        });
        try {
          const e = await rejectsWith(c.overview());
          assert.ok(e.source === 'tls' || e.source === 'network', e.source);
          assert.match(e.message, /plain http port/);
        } finally {
          c.dispose();
        }
      });

      test('timeout -> network ETIMEDOUT', async () => {
        const sockets = new Set<Socket>();
        const server = http.createServer(() => undefined); // never answers
        server.on('connection', (s) => sockets.add(s));
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const port = (server.address() as AddressInfo).port;
        const c = new ManagementClient({
          baseUrl: `http://127.0.0.1:${port}`,
          username: 'u',
          password: 'p',
          timeoutMs: 300,
        });
        try {
          const t0 = Date.now();
          const e = await rejectsWith(c.overview());
          assert.equal(e.source, 'network');
          assert.equal(e.code, 'ETIMEDOUT');
          assert.ok(Date.now() - t0 < 2000);
        } finally {
          c.dispose();
          for (const s of sockets) s.destroy();
          await new Promise((r) => server.close(r));
        }
      });
    });

    describe('TLS and path prefix (local self-signed https server)', () => {
      let dir = '';
      let cert = '';
      let server: https.Server | undefined;
      let port = 0;
      const seen: { url?: string; auth?: string }[] = [];

      before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-tls-'));
        try {
          execFileSync(
            'openssl',
            [
              'req',
              '-x509',
              '-newkey',
              'rsa:2048',
              '-nodes',
              '-days',
              '1',
              '-subj',
              '/CN=127.0.0.1',
              '-addext',
              'subjectAltName=IP:127.0.0.1',
              '-keyout',
              path.join(dir, 'key.pem'),
              '-out',
              path.join(dir, 'cert.pem'),
            ],
            { stdio: 'ignore' },
          );
        } catch {
          return; // openssl not available: the tests below skip
        }
        cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
        server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
          seen.push({ url: req.url, auth: req.headers.authorization });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ name: 'tls-user', tags: 'administrator, monitoring' }));
        });
        await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
        port = (server.address() as AddressInfo).port;
      });

      after(async () => {
        if (server) {
          server.closeAllConnections();
          await new Promise((r) => server!.close(r));
        }
        fs.rmSync(dir, { recursive: true, force: true });
      });

      test('self-signed is rejected by default with source tls', async (t) => {
        if (!server) return t.skip('no openssl');
        const c = new ManagementClient({ baseUrl: `https://127.0.0.1:${port}`, username: 'u', password: 'p' });
        try {
          const e = await rejectsWith(c.whoami());
          assert.equal(e.source, 'tls');
          assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
          // Says what is wrong and what to do, like the AMQP side (not just the code).
          assert.match(e.message, /certificate is self-signed; set a CA file for this connection/, e.message);
          assert.match(e.message, /\(DEPTH_ZERO_SELF_SIGNED_CERT\)/, e.message);
        } finally {
          c.dispose();
        }
      });

      test('rejectUnauthorized: false and ca both work; prefix honoured; string tags normalized', async (t) => {
        if (!server) return t.skip('no openssl');
        const a = new ManagementClient({
          baseUrl: `https://127.0.0.1:${port}/rabbitmq/`,
          username: 'u',
          password: 'p',
          rejectUnauthorized: false,
        });
        const b = new ManagementClient({
          baseUrl: `https://127.0.0.1:${port}/rabbitmq`,
          username: 'u',
          password: 'p',
          ca: cert,
        });
        try {
          assert.deepEqual(await a.whoami(), { name: 'tls-user', tags: ['administrator', 'monitoring'] });
          assert.deepEqual(await b.whoami(), { name: 'tls-user', tags: ['administrator', 'monitoring'] });
          assert.equal(seen.at(-1)?.url, '/rabbitmq/api/whoami');
          assert.equal(seen.at(-1)?.auth, `Basic ${Buffer.from('u:p').toString('base64')}`);
        } finally {
          a.dispose();
          b.dispose();
        }
      });
    });
  });
}
