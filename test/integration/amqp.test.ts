import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { AmqpConnectionManager, testAmqpLogin, type AmqpEndpoint, type StateChange } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';

import { BROKERS, closeConnectionByName } from '../brokers';
import { drainEventLoop, poll, waitForEvent } from '../wait';

for (const B of BROKERS) {
  const suffix = randomBytes(4).toString('hex');
  const VHOST = `burrow-test-${suffix}`;
  const DOOMED_VHOST = `burrow-test-${suffix}-doomed`;
  const USER = `burrow-test-${suffix}`;
  const USER_PW = `pw-${randomBytes(6).toString('hex')}`;

  async function createVhost(vhost: string, user = 'guest'): Promise<void> {
    await B.mgmt('PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {});
    await B.mgmt('PUT', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
  }

  const forceClose = (connectionName: string) => closeConnectionByName(B, connectionName);

  /** A TCP proxy to the broker that can be "unplugged" (sockets destroyed, port closed) and plugged back in. */
  class UnpluggableProxy {
    private server?: net.Server;
    private readonly sockets = new Set<net.Socket>();
    port = 0;

    async plugIn(): Promise<void> {
      this.server = net.createServer((client) => {
        const upstream = net.connect(B.amqpPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => this.sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      const server = this.server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, '127.0.0.1', () => resolve());
      });
      this.port = (server.address() as net.AddressInfo).port;
    }

    async unplug(): Promise<void> {
      for (const s of this.sockets) s.destroy();
      const server = this.server;
      this.server = undefined;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  function endpoint(overrides: Partial<AmqpEndpoint> = {}): AmqpEndpoint {
    return {
      host: '127.0.0.1',
      port: B.amqpPort,
      tls: false,
      username: 'guest',
      password: 'guest',
      connectTimeoutMs: 5000,
      ...overrides,
    };
  }

  describe(`AmqpConnectionManager against the real broker [${B.label}]`, () => {
    const managers: AmqpConnectionManager[] = [];
    const manager = (
      ep: AmqpEndpoint = endpoint(),
      options?: ConstructorParameters<typeof AmqpConnectionManager>[1],
    ) => {
      const m = new AmqpConnectionManager(ep, options);
      managers.push(m);
      return m;
    };

    before(async () => {
      await createVhost(VHOST);
    });

    after(async () => {
      await Promise.allSettled(managers.map((m) => m.dispose()));
      // Every manager is disposed: no reconnect timer or heartbeat interval may be left behind
      // (checked before deleting the vhosts, which would close leaked connections for us).
      const leaked = process.getActiveResourcesInfo().includes('Timeout');
      await B.mgmt('DELETE', `/api/vhosts/${encodeURIComponent(VHOST)}`).catch(() => undefined);
      await B.mgmt('DELETE', `/api/vhosts/${encodeURIComponent(DOOMED_VHOST)}`).catch(() => undefined);
      await B.mgmt('DELETE', `/api/users/${encodeURIComponent(USER)}`).catch(() => undefined);
      assert.ok(!leaked, 'a timer survived dispose()');
    });

    test('opens lazily, once, and reuses the connection', async () => {
      const m = manager();
      const events: StateChange[] = [];
      m.onStateChange((e) => events.push(e));
      assert.equal(m.state(VHOST), 'idle');
      assert.equal(m.overallState(), 'idle');
      const [a, b] = await Promise.all([m.connection(VHOST), m.connection(VHOST)]);
      assert.equal(a, b, 'concurrent callers share one connection');
      assert.equal(await m.connection(VHOST), a, 'later callers reuse it');
      assert.equal(m.state(VHOST), 'connected');
      assert.equal(m.overallState(), 'connected');
      assert.deepEqual(
        events.map((e) => [e.vhost, e.state]),
        [
          [VHOST, 'connecting'],
          [VHOST, 'connected'],
        ],
      );
    });

    test('a channel error rejects with the reply code and leaves the connection open', async () => {
      const m = manager();
      const conn = await m.connection(VHOST);
      await assert.rejects(
        m.withChannel(VHOST, (ch) => ch.checkQueue('no-such-queue')),
        (err: unknown) => {
          assert.ok(err instanceof BrokerError);
          assert.equal(err.source, 'amqp');
          assert.equal(err.code, 404);
          assert.match(err.replyText ?? '', /NOT_FOUND - no queue 'no-such-queue'/);
          return true;
        },
      );
      // basic.get on a missing queue too
      await assert.rejects(
        m.withChannel(VHOST, (ch) => ch.get('no-such-queue')),
        (err: unknown) => err instanceof BrokerError && err.code === 404,
      );
      const ok = await m.withChannel(VHOST, async (ch) => {
        const q = await ch.assertQueue('', { exclusive: true });
        return q.queue;
      });
      assert.match(ok, /^amq\.gen-/);
      assert.equal(await m.connection(VHOST), conn, 'same connection object');
      assert.equal(m.state(VHOST), 'connected');
    });

    test('confirm channel publish + get round trip', async () => {
      const m = manager();
      const queue = `burrow-test-q-${suffix}`;
      try {
        await m.withConfirmChannel(VHOST, async (ch) => {
          await ch.assertQueue(queue, { durable: false });
          ch.sendToQueue(queue, Buffer.from('hello burrow'), { contentType: 'text/plain' });
          await ch.waitForConfirms();
        });
        const body = await m.withChannel(VHOST, async (ch) => {
          const msg = await ch.get(queue, { noAck: true });
          return msg === false ? undefined : msg.content.toString();
        });
        assert.equal(body, 'hello burrow');
      } finally {
        await m.withChannel(VHOST, (ch) => ch.deleteQueue(queue));
      }
    });

    test('a long-lived channel from openChannel survives its own errors without breaking the connection', async () => {
      const m = manager();
      const conn = await m.connection(VHOST);
      const ch = await m.openChannel(VHOST);
      const closed = new Promise<void>((r) => ch.once('close', () => r()));
      await assert.rejects(ch.checkQueue('no-such-queue'));
      await closed;
      assert.equal(await m.connection(VHOST), conn);
      const confirm = await m.openChannel(VHOST, { confirm: true });
      await confirm.close();
    });

    test('wrong password -> auth error without the password', async () => {
      const password = `wrong-${randomBytes(6).toString('hex')}`;
      const m = manager(endpoint({ password }));
      const events: StateChange[] = [];
      m.onStateChange((e) => events.push(e));
      await assert.rejects(m.connection(VHOST), (err: unknown) => {
        assert.ok(err instanceof BrokerError);
        assert.equal(err.source, 'auth');
        assert.equal(err.code, 403);
        assert.match(err.message, /login refused for user 'guest'/);
        assert.ok(!err.message.includes(password));
        assert.ok(!String(err.stack).includes(password));
        return true;
      });
      assert.equal(m.state(VHOST), 'error');
      assert.equal(m.overallState(), 'error');
      assert.deepEqual(
        events.map((e) => e.state),
        ['connecting', 'error'],
        'no retry loop after a first failure',
      );
      await assert.rejects(
        testAmqpLogin(endpoint({ password }), '/'),
        (err: unknown) => err instanceof BrokerError && err.source === 'auth',
      );
    });

    test('connection refused -> network ECONNREFUSED; the next call tries again', async () => {
      const m = manager(endpoint({ port: 1 }));
      for (let i = 0; i < 2; i++) {
        await assert.rejects(m.connection('/'), (err: unknown) => {
          assert.ok(err instanceof BrokerError);
          assert.equal(err.source, 'network');
          assert.equal(err.code, 'ECONNREFUSED');
          assert.match(err.message, /127\.0\.0\.1:1\b/);
          return true;
        });
        assert.equal(m.state('/'), 'error');
      }
    });

    test('unknown vhost -> clear 530 error', async () => {
      const m = manager();
      const vhost = `burrow-test-${suffix}-missing`;
      await assert.rejects(m.connection(vhost), (err: unknown) => {
        assert.ok(err instanceof BrokerError);
        assert.equal(err.code, 530);
        assert.ok(err.message.includes(`vhost '${vhost}'`), err.message);
        return true;
      });
      assert.equal(m.state(vhost), 'error');
    });

    test('testAmqpLogin returns server properties', async () => {
      const { serverProperties } = await testAmqpLogin(endpoint(), '/');
      assert.equal(serverProperties.product, 'RabbitMQ');
    });

    test('reconnects after the connection is force-closed by an admin', async () => {
      const connectionName = `burrow-test-${suffix}-reconnect`;
      const m = manager(endpoint({ connectionName }), { backoff: { initialMs: 200 } });
      const events: StateChange[] = [];
      m.onStateChange((e) => events.push(e));
      const reconnected = waitForEvent<string>('onReconnected', (resolve) => m.onReconnected(resolve));
      const first = await m.connection(VHOST);
      const reconnecting = waitForEvent<StateChange>('reconnecting', (resolve) =>
        m.onStateChange((e) => {
          if (e.state === 'reconnecting') resolve(e);
        }),
      );

      await forceClose(connectionName);
      const r = await reconnecting;
      assert.equal(r.attempt, 1);
      assert.ok(typeof r.nextRetryMs === 'number' && r.nextRetryMs >= 0 && r.nextRetryMs <= 30_000);
      assert.equal(r.error?.code, 320);
      assert.equal(m.state(VHOST), 'reconnecting');
      // Callers during reconnection wait for the in-flight attempt instead of opening another connection.
      const viaChannel = m.withChannel(VHOST, async (ch) => (await ch.assertQueue('', { exclusive: true })).queue);
      assert.equal(await reconnected, VHOST);
      assert.match(await viaChannel, /^amq\.gen-/);
      assert.equal(m.state(VHOST), 'connected');
      const second = await m.connection(VHOST);
      assert.notEqual(second, first);
      assert.deepEqual(
        events.map((e) => e.state),
        ['connecting', 'connected', 'reconnecting', 'connected'],
      );
      // Exactly one broker connection with that name afterwards (the management API drops the closed one a moment later).
      await poll('exactly one connection with that name in the management API', async () => {
        const list = (await (await B.mgmt('GET', '/api/connections?columns=client_properties')).json()) as {
          client_properties?: { connection_name?: string };
        }[];
        return list.filter((c) => c.client_properties?.connection_name === connectionName).length === 1;
      });
    });

    test('reconnects after a network drop, retrying while the port refuses connections', async () => {
      const proxy = new UnpluggableProxy();
      await proxy.plugIn();
      try {
        const m = manager(endpoint({ port: proxy.port }), { backoff: { initialMs: 50, maxMs: 200 } });
        const reconnected = waitForEvent<string>('onReconnected', (resolve) => m.onReconnected(resolve));
        const failures: StateChange[] = [];
        const threeAttempts = waitForEvent<void>('three reconnecting events', (resolve) =>
          m.onStateChange((e) => {
            if (e.state === 'reconnecting') failures.push(e);
            if (failures.length >= 3) resolve();
          }),
        );
        await m.connection(VHOST);
        await proxy.unplug();
        await threeAttempts;
        assert.equal(failures[0]?.error?.source, 'network', 'the drop itself');
        assert.equal(failures[1]?.error?.code, 'ECONNREFUSED', 'a failed attempt');
        assert.deepEqual(
          failures.map((e) => e.attempt),
          [1, 2, 3],
        );
        assert.equal(m.state(VHOST), 'reconnecting');
        await proxy.plugIn();
        assert.equal(await reconnected, VHOST);
        assert.equal(m.state(VHOST), 'connected');
        assert.equal(await m.withChannel(VHOST, async () => 'ok'), 'ok');
        await m.dispose();
      } finally {
        await proxy.unplug();
      }
    });

    test('login refused while reconnecting stops the retry loop', async () => {
      await B.mgmt('PUT', `/api/users/${encodeURIComponent(USER)}`, { password: USER_PW, tags: '' });
      await B.mgmt('PUT', `/api/permissions/${encodeURIComponent(VHOST)}/${encodeURIComponent(USER)}`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
      const connectionName = `burrow-test-${suffix}-authstop`;
      const m = manager(endpoint({ username: USER, password: USER_PW, connectionName }), {
        backoff: { initialMs: 100 },
      });
      await m.connection(VHOST);
      await B.mgmt('PUT', `/api/users/${encodeURIComponent(USER)}`, {
        password: `changed-${randomBytes(4).toString('hex')}`,
        tags: '',
      });
      const errored = waitForEvent<StateChange>('error state', (resolve) =>
        m.onStateChange((e) => {
          if (e.state === 'error') resolve(e);
        }),
      );
      await forceClose(connectionName);
      const e = await errored;
      assert.equal(e.error?.source, 'auth');
      assert.equal(e.error?.code, 403);
      assert.ok(!e.error?.message.includes(USER_PW));
      // A retry would be announced ('reconnecting') when scheduled: after the queued callbacks ran, 'error' is still the last word.
      await drainEventLoop();
      assert.equal(m.state(VHOST), 'error', 'no further attempts');
      assert.equal(e.nextRetryMs, undefined, 'no retry scheduled');
    });

    test('dispose during a failing reconnect loop cancels timers and closes everything', async () => {
      await createVhost(DOOMED_VHOST);
      // The DOOMED_VHOST connection goes through a proxy that is then unplugged: reconnecting fails
      // (ECONNREFUSED) and keeps retrying. (A deleted vhost no longer loops: see faults-connection.test.ts.)
      const proxy = new UnpluggableProxy();
      await proxy.plugIn();
      const m = manager(endpoint({ port: proxy.port }), { backoff: { initialMs: 100, maxMs: 400 } });
      const events: StateChange[] = [];
      m.onStateChange((e) => events.push(e));
      await m.connection(DOOMED_VHOST);
      await m.connection(VHOST);
      const retried = waitForEvent<void>('second reconnect attempt', (resolve) =>
        m.onStateChange((e) => {
          if (e.vhost === DOOMED_VHOST && e.state === 'reconnecting' && (e.attempt ?? 0) >= 2) resolve();
        }),
      );
      await proxy.unplug();
      await retried;
      assert.equal(m.overallState(), 'reconnecting');
      const pending = m.connection(DOOMED_VHOST);
      await m.dispose();
      await m.dispose(); // idempotent
      await assert.rejects(pending, (err: unknown) => err instanceof BrokerError && err.code === 'closed');
      await assert.rejects(m.connection(VHOST), (err: unknown) => err instanceof BrokerError && err.code === 'closed');
      await assert.rejects(
        m.withChannel(VHOST, async () => 1),
        (err: unknown) => err instanceof BrokerError && err.code === 'closed',
      );
      assert.equal(m.state(VHOST), 'closed');
      assert.equal(m.state(DOOMED_VHOST), 'closed');
      assert.equal(m.overallState(), 'closed');
      const last = events.slice(-2).map((e) => e.state);
      assert.deepEqual(last, ['closed', 'closed']);
      // Timers are checked for every manager in after(); a leaked timer or socket would also keep this process from exiting.
    });
  });
}
