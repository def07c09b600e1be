/**
 * Test Connection and the tree check that the AMQP port and the management URL of a profile
 * reach the same broker (issue 10, item 9). Runs on both brokers; the mismatch cases pair one
 * broker's AMQP port with the other broker's management URL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeConnection } from '../../src/broker/probe';
import type { ConnectionProfile } from '../../src/core/profile';
import { IdentityChecks, IdentityWarningNode } from '../../src/explorer/identity';
import { ErrorNode, RootNode, VhostNode, type ExplorerContext, type ExplorerNode } from '../../src/explorer/nodes';
import { BrokerSession } from '../../src/broker/session';
import { BROKERS, dropVhost, makeVhost, type TestBroker } from './helpers';

function profileOf(b: TestBroker, vhost: string, extra: Partial<ConnectionProfile> = {}): ConnectionProfile {
  return {
    id: `identity-${b.id}`,
    name: `identity ${b.label}`,
    host: '127.0.0.1',
    port: b.amqpPort,
    vhost,
    username: 'guest',
    tls: false,
    ...extra,
  };
}

/** An explorer context over real sessions, with the identity check wired as extension.ts wires it. */
function treeContext(profile: ConnectionProfile): {
  ctx: ExplorerContext;
  checks: IdentityChecks;
  sessions: BrokerSession[];
  changed: string[];
} {
  const sessions: BrokerSession[] = [];
  const changed: string[] = [];
  const errors = new Map<string, string>();
  const ctx: ExplorerContext = {
    profiles: () => [profile],
    management: async () => {
      const s = await BrokerSession.open(profile, 'guest');
      sessions.push(s);
      return s.management;
    },
    status: (id) => (errors.has(id) ? 'error' : 'connected'),
    lastError: (id) => errors.get(id),
    reportOk: (id) => void errors.delete(id),
    reportError: (id, err) => void errors.set(id, String((err as Error).message ?? err)),
    pageSize: () => 50,
    showSystemExchanges: () => true,
  };
  const checks = new IdentityChecks(
    async (p) => (await probeConnection(p, 'guest')).identity,
    (id) => changed.push(id),
  );
  ctx.identity = checks;
  return { ctx, checks, sessions, changed };
}

for (const B of BROKERS) {
  const other = BROKERS.find((x) => x.id !== B.id);
  describe(`management URL and broker identity [${B.label}]`, () => {
    let vhost = '';
    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-identity');
    });
    after(async () => {
      await dropVhost(B, vhost);
    });

    test(`AMQP ${B.amqpPort} + its own management URL: same broker, no warning`, async () => {
      const r = await probeConnection(profileOf(B, vhost, { managementUrl: B.mgmtUrl }), 'guest');
      assert.equal(r.amqp.ok, true, r.amqp.detail);
      assert.equal(r.management.ok, true, r.management.detail);
      assert.equal(r.identity?.status, 'same', JSON.stringify(r.identity));
      assert.equal(r.identity?.warning, undefined);
      assert.match(r.management.detail, new RegExp(`RabbitMQ ${B.version.replace(/\./g, '\\.')}`));
    });

    test(
      `AMQP ${B.amqpPort} + the other broker's management URL: a plain mismatch warning`,
      { skip: !other && 'only one broker configured' },
      async () => {
        const r = await probeConnection(profileOf(B, vhost, { managementUrl: other!.mgmtUrl }), 'guest');
        assert.equal(r.amqp.ok, true, r.amqp.detail);
        assert.equal(r.management.ok, true, r.management.detail);
        assert.equal(r.identity?.status, 'different', JSON.stringify(r.identity));
        const w = r.identity?.warning ?? '';
        assert.match(
          w,
          new RegExp(
            `^AMQP reaches RabbitMQ ${B.version.replace(/\./g, '\\.')} \\(cluster [^)]+\\) but the management URL reaches RabbitMQ ${other!.version.replace(/\./g, '\\.')} \\(cluster [^)]+\\): check the management URL`,
          ),
        );
      },
    );

    test('no management URL: derived only for the standard ports, otherwise an explicit error (never another broker)', async () => {
      const r = await probeConnection(profileOf(B, vhost), 'guest');
      assert.equal(r.amqp.ok, true, r.amqp.detail);
      if (B.amqpPort === 5672) {
        assert.equal(r.management.ok, true, r.management.detail);
        assert.equal(r.identity?.status, 'same', JSON.stringify(r.identity));
      } else {
        assert.equal(r.management.ok, false, r.management.detail);
        assert.match(
          r.management.detail,
          new RegExp(`^Set the management URL for this connection: AMQP port ${B.amqpPort} is not a standard port`),
        );
        assert.notEqual(r.identity?.status, 'same');
      }
    });

    test(
      'TLS pair: AMQPS + https management URL with the CA file reach the same broker',
      { skip: !B.amqpsPort && `${B.label} has no TLS listener here` },
      async () => {
        const r = await probeConnection(
          profileOf(B, vhost, {
            host: 'localhost',
            port: B.amqpsPort!,
            tls: true,
            caFile: B.caFile,
            managementUrl: `https://localhost:${B.mgmtsPort!}`,
          }),
          'guest',
        );
        assert.equal(r.amqp.ok, true, r.amqp.detail);
        assert.equal(r.management.ok, true, r.management.detail);
        assert.equal(r.identity?.status, 'same', JSON.stringify(r.identity));
        assert.equal(r.identity?.warning, undefined);
      },
    );

    test(
      'tree: the connection node shows the mismatch as a warning row and in its tooltip',
      { skip: !other && 'only one broker configured' },
      async () => {
        const profile = profileOf(B, vhost, { managementUrl: other!.mgmtUrl });
        const { ctx, checks, sessions, changed } = treeContext(profile);
        try {
          const [conn] = await new RootNode(ctx).getChildren();
          const first = await conn!.getChildren(); // starts the check
          assert.ok(!first.some((n) => n instanceof IdentityWarningNode), 'no verdict yet');
          await checks.settled(profile.id);
          assert.deepEqual(changed, [profile.id], 'the connection node is re-rendered once');
          const rows = await conn!.getChildren();
          assert.ok(rows[0] instanceof IdentityWarningNode, rows.map((n) => n.view().label).join(', '));
          assert.match(rows[0]!.view().tooltip ?? '', /check the management URL/);
          assert.match(conn!.view().tooltip ?? '', /AMQP reaches RabbitMQ .* but the management URL reaches RabbitMQ/);
          assert.match(conn!.view().description ?? '', /management URL/);
        } finally {
          await Promise.all(sessions.map((s) => s.dispose()));
        }
      },
    );

    test('tree: a matching pair shows no warning row', async () => {
      const profile = profileOf(B, vhost, { managementUrl: B.mgmtUrl });
      const { ctx, checks, sessions, changed } = treeContext(profile);
      try {
        const [conn] = await new RootNode(ctx).getChildren();
        await conn!.getChildren();
        await checks.settled(profile.id);
        assert.deepEqual(changed, [], 'no warning, nothing to re-render');
        const rows = await conn!.getChildren();
        const labels = (nodes: ExplorerNode[]) => nodes.map((n) => n.view().label);
        assert.ok(
          !rows.some((n) => n instanceof IdentityWarningNode || n instanceof ErrorNode),
          labels(rows).join(', '),
        );
        assert.ok(
          rows.some((n) => n instanceof VhostNode && n.vhost === vhost),
          'lists the test vhost of this broker',
        );
        assert.doesNotMatch(conn!.view().tooltip ?? '', /management URL reaches/);
      } finally {
        await Promise.all(sessions.map((s) => s.dispose()));
      }
    });

    test(
      'tree: a non-standard AMQP port without a management URL asks for one instead of listing another broker',
      { skip: B.amqpPort === 5672 && 'this broker listens on the standard port' },
      async () => {
        const profile = profileOf(B, vhost);
        const { ctx, sessions } = treeContext(profile);
        try {
          const [conn] = await new RootNode(ctx).getChildren();
          const rows = await conn!.getChildren();
          assert.equal(rows.length, 1, rows.map((n) => n.view().label).join(', '));
          assert.match(rows[0]!.view().label, /Set the management URL for this connection/);
          assert.equal(rows[0]!.view().command?.command, 'burrow.editConnection');
          assert.ok(!rows.some((n) => n instanceof VhostNode));
          assert.match(ctx.lastError(profile.id) ?? '', /Set the management URL/);
        } finally {
          await Promise.all(sessions.map((s) => s.dispose()));
        }
      },
    );
  });
}
