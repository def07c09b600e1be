/**
 * The Connections view's model against both brokers: an amqplib connection with a client-provided
 * name, a channel with prefetch 3 and a consumer → the model lists it (library amqplib, prefetch 3,
 * the consumer); Close with a reason → the client gets connection.close with that reason and the
 * connection disappears from the listing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { ManagementClient } from '../../src/broker/management';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import type { ExplorerContext } from '../../src/explorer/nodes';
import {
  ChannelRow,
  ConnectionRow,
  ConnectionsRootNode,
  ConsumerRow,
  type ProfileConnectionsNode,
} from '../../src/connectionsView/model';
import { BROKERS, dropVhost, makeVhost, poll } from './helpers';

for (const B of BROKERS) {
  describe(`connections view [${B.label}]`, () => {
    const mc = new ManagementClient({ baseUrl: B.mgmtUrl, username: 'guest', password: 'guest' });
    const connectionName = `burrow-test-cv-${randomBytes(4).toString('hex')}`;
    const queue = 'cv.work';
    let vhost = '';
    let conn: amqp.ChannelModel | undefined;
    let root: ConnectionsRootNode;
    let profile: ProfileConnectionsNode;
    let closed: Promise<Error | undefined>;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-cv');
      conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(vhost)}`, {
        clientProperties: { connection_name: connectionName },
      });
      closed = new Promise((resolve) => conn!.on('close', (err?: Error) => resolve(err)));
      conn.on('error', () => undefined); // the forced close is also an 'error': expected here
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, { durable: false });
      await ch.prefetch(3);
      await ch.consume(queue, () => undefined, { noAck: false, consumerTag: 'cv-consumer' });
      const ctx: ExplorerContext = {
        profiles: () => [{ ...DEFAULT_PROFILE, port: B.amqpPort, vhost, managementUrl: B.mgmtUrl }],
        management: async () => mc,
        status: () => 'connected',
        lastError: () => undefined,
        reportOk: () => undefined,
        reportError: () => undefined,
        pageSize: () => 50,
        showSystemExchanges: () => true,
      };
      root = new ConnectionsRootNode(ctx);
      [profile] = (await root.getChildren()) as ProfileConnectionsNode[];
    });

    after(async () => {
      await conn?.close().catch(() => undefined);
      mc.dispose();
      if (vhost) await dropVhost(B, vhost);
    });

    test('the model lists the connection (amqplib), its channel with prefetch 3, and the consumer', async () => {
      root.setFilter(connectionName); // client-provided names are matched (the API filters broker names only)
      // The connection's state (running, blocked…) comes with the broker's stats emission, so a
      // connection listed right after it opened may say "unknown" for up to one interval (5 s).
      const running = new RegExp(`^guest · vhost ${vhost} · amqplib \\S+ · running`);
      const row = await poll(
        'the connection is listed as running',
        async () => {
          const r = (await profile.getChildren()).find((n): n is ConnectionRow => n instanceof ConnectionRow);
          return r && running.test(r.view().description!) ? r : undefined;
        },
        30_000,
        500,
      );
      assert.equal(row.view().label, connectionName);
      assert.match(row.view().description!, running);
      assert.match(row.view().tooltip!, /product: amqplib/);
      assert.equal(row.view().contextValue, 'clientConnection');
      // Channel statistics arrive with the broker's next stats emission (every 5 s).
      const channel = await poll(
        'the channel shows prefetch 3 and one consumer',
        async () => {
          const c = (await row.getChildren()).find((n): n is ChannelRow => n instanceof ChannelRow);
          return c && /^prefetch 3 · 0 unacked · 1 consumer$/.test(c.view().description!) ? c : undefined;
        },
        30_000,
        500,
      );
      assert.equal(channel.view().label, 'Channel 1');
      const consumers = (await channel.getChildren()).filter((n): n is ConsumerRow => n instanceof ConsumerRow);
      assert.equal(consumers.length, 1);
      assert.equal(consumers[0].view().label, queue);
      assert.equal(consumers[0].view().description, 'cv-consumer · manual ack · prefetch 3');
      // Unfiltered, the listing is paged on the server: the connection is there too.
      const all = await mc.listConnections({ vhost });
      assert.deepEqual(
        all.items.map((c) => c.user_provided_name ?? c.client_properties?.connection_name),
        [connectionName],
      );
    });

    test('Close with a reason: the client is told the reason, and the connection disappears', async () => {
      const row = (await profile.getChildren()).find((n): n is ConnectionRow => n instanceof ConnectionRow);
      assert.ok(row, 'listed');
      const reason = `cv test close ${randomBytes(3).toString('hex')}`;
      await mc.closeConnection(row.item.name, reason);
      const err = await closed;
      assert.ok(err, 'closed by the server, with an error');
      assert.match(err.message, new RegExp(reason));
      conn = undefined;
      await poll(
        'the connection is no longer listed',
        async () => !(await profile.getChildren()).some((n) => n instanceof ConnectionRow),
        15_000,
        250,
      );
    });
  });
}
