import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amqpIdentityFromServerProperties,
  compareBrokerIdentity,
  describeSide,
  managementIdentityFrom,
  type IdentityVerdict,
} from '../../src/core/brokerIdentity';
import { IdentityChecks, IdentityWarningNode } from '../../src/explorer/identity';
import { ErrorNode, RootNode, VhostNode, type ConnectionNode, type ExplorerContext } from '../../src/explorer/nodes';
import type { ManagementClient } from '../../src/broker/management';
import type { ConnectionProfile } from '../../src/core/profile';

// Measured on this machine's brokers (amqplib model.connection.serverProperties, /api/overview, /api/nodes).
const AMQP_4 = {
  capabilities: { publisher_confirms: true },
  cluster_name: 'rabbit4@vm',
  copyright: 'Copyright (c) 2007-2024 Broadcom Inc and/or its subsidiaries',
  platform: 'Erlang/OTP 27.3.4.1',
  product: 'RabbitMQ',
  version: '4.0.5',
};
const AMQP_3 = { cluster_name: 'rabbit@vm', platform: 'Erlang/OTP 25.2.3', product: 'RabbitMQ', version: '3.10.8' };
const OVERVIEW_3 = {
  cluster_name: 'rabbit@vm',
  rabbitmq_version: '3.10.8',
  node: 'rabbit@localhost',
  product_name: 'RabbitMQ',
  product_version: '3.10.8',
  management_version: '3.10.8',
};
const OVERVIEW_4 = {
  cluster_name: 'rabbit4@vm',
  rabbitmq_version: '4.0.5',
  node: 'rabbit4@localhost',
  product_name: 'RabbitMQ',
  product_version: '4.0.5',
  management_version: '4.0.5',
};
const NODES_3 = [
  {
    name: 'rabbit@localhost',
    applications: [
      { name: 'amqp_client', version: '3.10.8' },
      { name: 'rabbit', description: 'RabbitMQ', version: '3.10.8' },
    ],
  },
];
const NODES_4 = [
  { name: 'rabbit4@localhost', applications: [{ name: 'rabbit', description: 'RabbitMQ', version: '4.0.5' }] },
];

describe('broker identity: AMQP server properties vs management overview', () => {
  test('reads both sides (strings or Buffers from amqplib; missing fields left out)', () => {
    assert.deepEqual(amqpIdentityFromServerProperties(AMQP_4), {
      product: 'RabbitMQ',
      version: '4.0.5',
      clusterName: 'rabbit4@vm',
    });
    assert.deepEqual(
      amqpIdentityFromServerProperties({ product: Buffer.from('RabbitMQ'), version: Buffer.from('3.13.7') }),
      { product: 'RabbitMQ', version: '3.13.7' },
    );
    assert.deepEqual(amqpIdentityFromServerProperties(undefined), {});
    assert.deepEqual(managementIdentityFrom(OVERVIEW_3, NODES_3), {
      product: 'RabbitMQ',
      version: '3.10.8',
      clusterName: 'rabbit@vm',
      node: 'rabbit@localhost',
      nodes: [{ name: 'rabbit@localhost', version: '3.10.8' }],
    });
    assert.deepEqual(managementIdentityFrom({ rabbitmq_version: '3.7.0', cluster_name: 'c' }), {
      version: '3.7.0',
      clusterName: 'c',
    });
    assert.deepEqual(managementIdentityFrom(OVERVIEW_4, [{ name: 'n1' }, 'junk', null]).nodes, [{ name: 'n1' }]);
  });

  test('the issue-10 pair (AMQP 5673 = 4.0.5, management 15672 = 3.10.8): different, with a plain warning', () => {
    const v = compareBrokerIdentity(
      amqpIdentityFromServerProperties(AMQP_4),
      managementIdentityFrom(OVERVIEW_3, NODES_3),
    );
    assert.equal(v.status, 'different');
    assert.deepEqual(v.differences, ['cluster', 'version']);
    assert.equal(
      v.warning,
      'AMQP reaches RabbitMQ 4.0.5 (cluster rabbit4@vm) but the management URL reaches RabbitMQ 3.10.8 (cluster rabbit@vm, node rabbit@localhost): check the management URL',
    );
  });

  test('matching pairs: same, no warning', () => {
    for (const [a, o, n] of [
      [AMQP_3, OVERVIEW_3, NODES_3],
      [AMQP_4, OVERVIEW_4, NODES_4],
      [AMQP_4, OVERVIEW_4, undefined], // no /api/nodes (user without the monitoring tag)
    ] as const) {
      const v = compareBrokerIdentity(amqpIdentityFromServerProperties(a), managementIdentityFrom(o, n));
      assert.equal(v.status, 'same');
      assert.deepEqual(v.compared, ['cluster', 'product', 'version']);
      assert.equal(v.warning, undefined);
    }
  });

  test('same version, different cluster name: different (two brokers of one version on one host)', () => {
    const v = compareBrokerIdentity(
      { product: 'RabbitMQ', version: '3.13.7', clusterName: 'a@h' },
      { product: 'RabbitMQ', version: '3.13.7', clusterName: 'b@h', node: 'b@h' },
    );
    assert.equal(v.status, 'different');
    assert.deepEqual(v.differences, ['cluster']);
    assert.match(
      v.warning ?? '',
      /^AMQP reaches RabbitMQ 3\.13\.7 \(cluster a@h\) but the management URL reaches RabbitMQ 3\.13\.7 \(cluster b@h, node b@h\)/,
    );
  });

  test('rolling upgrade: same cluster, AMQP node on a version another cluster node runs: same', () => {
    const m = managementIdentityFrom(
      { cluster_name: 'prod', rabbitmq_version: '3.13.7', node: 'rabbit@a', product_name: 'RabbitMQ' },
      [
        { name: 'rabbit@a', applications: [{ name: 'rabbit', version: '3.13.7' }] },
        { name: 'rabbit@b', applications: [{ name: 'rabbit', version: '3.13.6' }] },
      ],
    );
    assert.equal(
      compareBrokerIdentity({ product: 'RabbitMQ', version: '3.13.6', clusterName: 'prod' }, m).status,
      'same',
    );
    // ...but not when no node runs that version, nor across cluster names.
    assert.equal(
      compareBrokerIdentity({ product: 'RabbitMQ', version: '3.12.0', clusterName: 'prod' }, m).status,
      'different',
    );
    assert.equal(
      compareBrokerIdentity({ product: 'RabbitMQ', version: '3.13.6', clusterName: 'other' }, m).status,
      'different',
    );
  });

  test('another product behind the management URL is a difference; product names compare case-insensitively', () => {
    assert.deepEqual(
      compareBrokerIdentity({ product: 'LavinMQ', version: '1.2' }, { product: 'RabbitMQ', version: '1.2' })
        .differences,
      ['product'],
    );
    assert.equal(
      compareBrokerIdentity({ product: 'rabbitmq', version: '4.0.5' }, { product: 'RabbitMQ', version: '4.0.5' })
        .status,
      'same',
    );
  });

  test('nothing to compare: unknown, never a warning', () => {
    const v = compareBrokerIdentity({ product: 'RabbitMQ' }, { clusterName: 'x' });
    assert.equal(v.status, 'unknown');
    assert.equal(v.warning, undefined);
  });

  test('describeSide', () => {
    assert.equal(describeSide({}), 'a broker');
    assert.equal(describeSide({ product: 'RabbitMQ', version: '4.0.5' }), 'RabbitMQ 4.0.5');
    assert.equal(
      describeSide({ product: 'RabbitMQ', version: '4.0.5', clusterName: 'c', nodes: [{ name: 'a' }, { name: 'b' }] }),
      'RabbitMQ 4.0.5 (cluster c, nodes a, b)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The tree: IdentityChecks caches verdicts, ConnectionNode shows them.

const PROFILE: ConnectionProfile = {
  id: 'c1',
  name: 'four',
  host: '127.0.0.1',
  port: 5673,
  vhost: '/',
  username: 'guest',
  tls: false,
  managementUrl: 'http://127.0.0.1:15672',
};
const MISMATCH = compareBrokerIdentity(
  amqpIdentityFromServerProperties(AMQP_4),
  managementIdentityFrom(OVERVIEW_3, NODES_3),
);
const MATCH = compareBrokerIdentity(
  amqpIdentityFromServerProperties(AMQP_4),
  managementIdentityFrom(OVERVIEW_4, NODES_4),
);

function treeWith(
  profile: ConnectionProfile,
  verdicts: (IdentityVerdict | undefined)[],
  opts: { recheckMs?: number; now?: () => number } = {},
) {
  const calls: ConnectionProfile[] = [];
  const changed: string[] = [];
  const errors = new Map<string, string>();
  let listed = 0;
  const checks = new IdentityChecks(
    async (p) => {
      calls.push(p);
      return verdicts.shift();
    },
    (id) => changed.push(id),
    opts,
  );
  const ctx: ExplorerContext = {
    profiles: () => [profile],
    management: async () => ({ listVhosts: async () => (listed++, [{ name: '/' }]) }) as unknown as ManagementClient,
    status: () => 'connected',
    lastError: (id) => errors.get(id),
    reportOk: (id) => void errors.delete(id),
    reportError: (id, err) => void errors.set(id, (err as Error).message),
    pageSize: () => 10,
    showSystemExchanges: () => true,
    identity: checks,
  };
  return { ctx, checks, calls, changed, errors, listed: () => listed };
}

describe('tree: AMQP and management reaching different brokers', () => {
  test('a mismatch becomes a warning row (click = Edit Connection), a description note and a tooltip line', async () => {
    const t = treeWith(PROFILE, [MISMATCH]);
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    assert.ok(
      !(await conn!.getChildren()).some((n) => n instanceof IdentityWarningNode),
      'no verdict before the check ends',
    );
    await t.checks.settled(PROFILE.id);
    assert.deepEqual(t.changed, ['c1'], 're-render the connection once the verdict arrives');
    const rows = await conn!.getChildren();
    assert.ok(rows[0] instanceof IdentityWarningNode);
    const row = rows[0]!.view();
    assert.equal(row.label, 'Management URL reaches another broker');
    assert.equal(row.description, 'AMQP: RabbitMQ 4.0.5 (rabbit4@vm) · management: RabbitMQ 3.10.8 (rabbit@vm)');
    assert.equal(row.tooltip, `${MISMATCH.warning}\n\nClick to edit the connection.`);
    assert.equal(row.command?.command, 'burrow.editConnection');
    assert.equal(row.icon?.codicon, 'warning');
    assert.ok(
      rows.slice(1).some((n) => n instanceof VhostNode),
      'the vhosts are still listed below the warning',
    );
    const view = conn!.view();
    assert.match(view.description ?? '', /⚠ management URL reaches another broker/);
    assert.match(
      view.tooltip ?? '',
      /⚠ AMQP reaches RabbitMQ 4\.0\.5 \(cluster rabbit4@vm\) but the management URL reaches RabbitMQ 3\.10\.8/,
    );
    assert.equal(t.calls.length, 1, 'checked once, not on every render');
  });

  test('a matching pair: no row, no note, no re-render', async () => {
    const t = treeWith(PROFILE, [MATCH]);
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    await conn!.getChildren();
    await t.checks.settled(PROFILE.id);
    assert.deepEqual(t.changed, []);
    assert.ok(!(await conn!.getChildren()).some((n) => n instanceof IdentityWarningNode || n instanceof ErrorNode));
    assert.doesNotMatch(conn!.view().description ?? '', /⚠/);
  });

  test('re-checked after recheckMs, and when the profile changes (a stale warning goes away at once)', async () => {
    let now = 0;
    const t = treeWith(PROFILE, [MISMATCH, MISMATCH, MATCH], { recheckMs: 1000, now: () => now });
    const root = new RootNode(t.ctx);
    const [conn] = (await root.getChildren()) as ConnectionNode[];
    await conn!.getChildren();
    await t.checks.settled('c1');
    now = 500;
    await conn!.getChildren();
    assert.equal(t.calls.length, 1, 'not due yet');
    now = 1500;
    await conn!.getChildren();
    await t.checks.settled('c1');
    assert.equal(t.calls.length, 2);
    assert.deepEqual(t.changed, ['c1'], 'same warning again: nothing to re-render');
    // The user fixes the management URL: the old warning no longer applies to the new profile.
    conn!.profile = { ...PROFILE, managementUrl: 'http://127.0.0.1:15673' };
    assert.equal(t.checks.warning(conn!.profile), undefined);
    await conn!.getChildren();
    await t.checks.settled('c1');
    assert.equal(t.calls.length, 3);
    assert.equal(t.calls[2]!.managementUrl, 'http://127.0.0.1:15673');
    assert.deepEqual(t.changed, ['c1', 'c1']);
    assert.ok(!(await conn!.getChildren()).some((n) => n instanceof IdentityWarningNode));
  });

  test('Test Connection records its verdict: the tree agrees at once without a second check', async () => {
    const t = treeWith(PROFILE, []);
    t.checks.record(PROFILE, MISMATCH);
    assert.deepEqual(t.changed, ['c1']);
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    assert.ok((await conn!.getChildren())[0] instanceof IdentityWarningNode);
    assert.equal(t.calls.length, 0);
    t.checks.record(PROFILE, MATCH);
    assert.deepEqual(t.changed, ['c1', 'c1']);
    assert.equal(t.checks.warning(PROFILE), undefined);
  });

  test('the same profile with its keys in another order (read back from settings) keeps its verdict', () => {
    const t = treeWith(PROFILE, []);
    const fromForm: ConnectionProfile = {
      host: '127.0.0.1',
      port: 5673,
      vhost: '/',
      username: 'guest',
      tls: false,
      name: 'four',
      id: 'c1',
      managementUrl: 'http://127.0.0.1:15672',
    };
    t.checks.record(fromForm, MISMATCH);
    assert.equal(t.checks.warning(PROFILE), MISMATCH.warning);
    assert.equal(
      t.checks.warning({ ...PROFILE, name: 'renamed' }),
      MISMATCH.warning,
      'a rename does not change the broker',
    );
    assert.equal(t.checks.warning({ ...PROFILE, managementUrl: 'http://127.0.0.1:15673' }), undefined);
  });

  test('a failing check shows nothing (unknown is not a mismatch)', async () => {
    const t = treeWith(PROFILE, []);
    (t.checks as unknown as { check: () => Promise<never> }).check = async () => {
      throw new Error('ECONNREFUSED');
    };
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    await conn!.getChildren();
    await t.checks.settled('c1');
    assert.ok(!(await conn!.getChildren()).some((n) => n instanceof IdentityWarningNode));
  });

  test('no management URL on a non-standard port: one error row asking for it; nothing listed, no check, status shows the error', async () => {
    const t = treeWith({ ...PROFILE, managementUrl: undefined }, [MATCH]);
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    const rows = await conn!.getChildren();
    assert.equal(rows.length, 1);
    const v = rows[0]!.view();
    assert.equal(v.label, 'Set the management URL for this connection');
    assert.equal(v.description, 'AMQP port 5673 is not a standard port (e.g. http://127.0.0.1:15673)');
    assert.match(
      v.tooltip ?? '',
      /^Set the management URL for this connection: AMQP port 5673 is not a standard port, so Burrow does not guess where the management API is \(e\.g\. http:\/\/127\.0\.0\.1:15673\)/,
    );
    assert.equal(v.command?.command, 'burrow.editConnection');
    assert.equal(v.icon?.codicon, 'error');
    assert.equal(t.listed(), 0, 'no management call to a guessed URL');
    assert.equal(t.calls.length, 0);
    assert.match(t.ctx.lastError('c1') ?? '', /^Set the management URL for this connection/);
  });

  test('without the identity check wired (older contexts) the connection node behaves as before', async () => {
    const t = treeWith(PROFILE, []);
    delete t.ctx.identity;
    const [conn] = (await new RootNode(t.ctx).getChildren()) as ConnectionNode[];
    const rows = await conn!.getChildren();
    assert.ok(rows[0] instanceof VhostNode);
  });
});
