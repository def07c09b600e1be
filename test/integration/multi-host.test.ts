/**
 * Profiles with several hosts against the single test brokers (the real failover is in the cluster
 * suite, test/cluster/): a node that refuses is skipped, a refused login stops at once, and when
 * no node accepts the error names every node tried. The management client skips a dead URL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { ManagementClient } from '../../src/broker/management';
import { randomBytes } from 'node:crypto';
import type { StateChange } from '../../src/broker/amqp';
import { BROKERS, closeConnectionByName, endpointOf, pause, poll, startFaultProxy } from './helpers';

/** A local port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const B of BROKERS) {
  describe(`several hosts in one profile [${B.label}]`, () => {
    test('a node that refuses is skipped; the connection reports the node it is on', async () => {
      const dead = await deadPort();
      const m = new AmqpConnectionManager(
        endpointOf(B, { port: dead, hosts: [{ host: '127.0.0.1', port: B.amqpPort }] }),
      );
      try {
        await m.withChannel('/', (ch) => ch.checkExchange('amq.direct'));
        assert.equal(m.node('/'), `127.0.0.1:${B.amqpPort}`);
        assert.deepEqual(m.connectedNodes(), [`127.0.0.1:${B.amqpPort}`]);
      } finally {
        await m.dispose();
      }
    });

    test('a lost connection reconnects at once, to the next node first (the lost one last)', async () => {
      // Two addresses of the same broker stand for two nodes.
      const name = `burrow-multi-${randomBytes(4).toString('hex')}`;
      const m = new AmqpConnectionManager(
        endpointOf(B, { connectionName: name, hosts: [{ host: 'localhost', port: B.amqpPort }] }),
      );
      const changes: StateChange[] = [];
      m.onStateChange((e) => changes.push(e));
      try {
        await m.connection('/');
        assert.equal(m.node('/'), `127.0.0.1:${B.amqpPort}`);
        await pause(1100); // a connection that lived less than a second waits for the backoff (next test)
        await poll('the broker lists the connection', async () => {
          try {
            await closeConnectionByName(B, name);
            return true;
          } catch {
            return false;
          }
        });
        await poll('reconnected to the other node', () => m.node('/') === `localhost:${B.amqpPort}`, 10_000);
        const reconnecting = changes.find((e) => e.state === 'reconnecting');
        assert.equal(reconnecting?.nextRetryMs, 0, 'the first attempt goes at once');
        assert.deepEqual(
          changes.filter((e) => e.state === 'connected').map((e) => e.node),
          [`127.0.0.1:${B.amqpPort}`, `localhost:${B.amqpPort}`],
        );
      } finally {
        await m.dispose();
      }
    });

    test('a connection lost right after it opened waits for the backoff (no tight loop on a flapping node)', async () => {
      // The first node is a proxy that resets the connection a moment after it opened.
      const proxy = await startFaultProxy(B.amqpPort);
      const name = `burrow-multi-${randomBytes(4).toString('hex')}`;
      const m = new AmqpConnectionManager(
        endpointOf(B, {
          connectionName: name,
          port: proxy.port,
          hosts: [{ host: 'localhost', port: B.amqpPort }],
        }),
      );
      const changes: StateChange[] = [];
      m.onStateChange((e) => changes.push(e));
      try {
        await m.connection('/');
        assert.equal(m.node('/'), `127.0.0.1:${proxy.port}`);
        proxy.resetAll();
        await poll('reconnected to the other node', () => m.node('/') === `localhost:${B.amqpPort}`, 10_000);
        const reconnecting = changes.find((e) => e.state === 'reconnecting');
        assert.ok((reconnecting?.nextRetryMs ?? 0) > 0, `waited ${reconnecting?.nextRetryMs} ms`);
      } finally {
        await m.dispose();
        await proxy.close();
      }
    });

    test('a refused login stops at once (the nodes share users)', async () => {
      const dead = await deadPort();
      const m = new AmqpConnectionManager(
        endpointOf(B, {
          password: 'wrong-password',
          hosts: [{ host: '127.0.0.1', port: dead }],
        }),
      );
      try {
        await assert.rejects(m.connection('/'), (err: unknown) => {
          assert.ok(err instanceof BrokerError);
          assert.equal(err.source, 'auth');
          assert.doesNotMatch(err.message, /tried/);
          assert.doesNotMatch(err.message, /wrong-password/);
          return true;
        });
      } finally {
        await m.dispose();
      }
    });

    test('no node accepts: the error names every node tried', async () => {
      const [a, b] = [await deadPort(), await deadPort()];
      const m = new AmqpConnectionManager(
        endpointOf(B, { port: a, hosts: [{ host: '127.0.0.1', port: b }], connectTimeoutMs: 2000 }),
      );
      try {
        await assert.rejects(m.connection('/'), (err: unknown) => {
          assert.ok(err instanceof BrokerError);
          assert.match(
            err.message,
            new RegExp(
              `no cluster node accepted the connection \\(tried 127\\.0\\.0\\.1:${a}, 127\\.0\\.0\\.1:${b}\\)`,
            ),
          );
          return true;
        });
      } finally {
        await m.dispose();
      }
    });

    test('the management client skips a management URL that refuses', async () => {
      const mc = new ManagementClient({
        baseUrl: `http://127.0.0.1:${await deadPort()}`,
        fallbackUrls: [B.mgmtUrl],
        username: 'guest',
        password: 'guest',
      });
      try {
        const vhosts = await mc.listVhosts();
        assert.ok(vhosts.some((v) => v.name === '/'));
        assert.equal(mc.currentUrl, B.mgmtUrl);
      } finally {
        mc.dispose();
      }
    });
  });
}
