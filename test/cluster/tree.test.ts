/**
 * Cluster awareness in the tree: the Nodes row marks a stopped node down, and a quorum queue whose
 * leader was on it shows its new leader and the member offline. The management client fails over
 * when the node whose management API is first is the one stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient } from '../../src/broker/management';
import { NodesGroupNode, type ClusterNodeRow } from '../../src/explorer/clusterNodes';
import { QueueNode } from '../../src/explorer/topologyNodes';
import type { ExplorerContext, ExplorerNode } from '../../src/explorer/base';
import { DEFAULT_PROFILE } from '../../src/core/profile';
import { poll } from '../wait';
import { clusterInfo, dropClusterVhost, makeClusterVhost, mgmt, mgmtUrl, ms, startApp, stopApp } from './cluster';

describe('cluster awareness in the tree', { timeout: 300_000 }, () => {
  let vhost: string;
  before(async () => {
    vhost = await makeClusterVhost('burrow-cluster-tree');
  });
  after(async () => {
    await dropClusterVhost(vhost);
  });

  test('stop a node: Nodes marks it down, the quorum queue shows its new leader; listing fails over', async () => {
    const mc = new ManagementClient({
      baseUrl: mgmtUrl(0),
      fallbackUrls: [mgmtUrl(1), mgmtUrl(2)],
      username: 'guest',
      password: 'guest',
    });
    const ctx: ExplorerContext = {
      profiles: () => [],
      management: async () => mc,
      status: () => 'connected',
      lastError: () => undefined,
      reportOk: () => undefined,
      reportError: () => undefined,
      pageSize: () => 100,
      showSystemExchanges: () => true,
    };
    const root = { id: 'root' } as ExplorerNode;
    const group = new NodesGroupNode(root, ctx, DEFAULT_PROFILE.id);
    const names = clusterInfo().nodes.map((n) => n.name);
    const v = encodeURIComponent(vhost);
    try {
      // Declared through node 1's management API: its leader is on node 1.
      await mgmt(0, 'PUT', `/queues/${v}/qq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await poll(
        'leader on node 1',
        async () => ((await mgmt(0, 'GET', `/queues/${v}/qq`)) as { leader?: string }).leader === names[0],
        10_000,
      );
      const rows = (await group.getChildren()) as ClusterNodeRow[];
      assert.deepEqual(
        rows.map((r) => `${r.view().label}: ${r.view().description}`),
        names.map((n) => `${n}: running`),
      );
      assert.match(group.view().description ?? '', /burrow-test-cluster · 3 nodes/);
      const queueRow = async () => {
        const q = (await mc.listQueues(vhost)).items.find((x) => x.name === 'qq')!;
        return new QueueNode(root, ctx, DEFAULT_PROFILE.id, vhost, q).view();
      };
      assert.match((await queueRow()).tooltip ?? '', new RegExp(`Leader: ${names[0]}`));

      const t0 = performance.now();
      await stopApp(0);
      const stoppedMs = performance.now() - t0;
      let markedMs = 0;
      await poll(
        'node 1 marked down',
        async () => {
          const r = (await group.getChildren()) as ClusterNodeRow[];
          const down = r.find((x) => x.node.name === names[0])?.view();
          if (down?.description === 'down' && down.contextValue === 'clusterNode.down') {
            markedMs = performance.now() - t0;
            return true;
          }
          return false;
        },
        30_000,
      );
      assert.match(group.view().description ?? '', /⚠ 1 down/);
      assert.equal(mc.currentUrl, mgmtUrl(1), 'management failed over to node 2');
      let leaderMs = 0;
      let row = await queueRow();
      await poll(
        'new leader shown',
        async () => {
          row = await queueRow();
          if (
            /Leader: burrow-c[23]@localhost/.test(row.tooltip ?? '') &&
            /2\/3 members online/.test(row.description ?? '')
          ) {
            leaderMs = performance.now() - t0;
            return true;
          }
          return false;
        },
        60_000,
      );
      assert.match(row.tooltip ?? '', /burrow-c1@localhost \(offline\)/);
      console.log(
        `  stop_app took ${ms(stoppedMs)}; node marked down ${ms(markedMs)} and the new leader shown ${ms(leaderMs)} after the stop began: ${row.description}`,
      );
    } finally {
      await startApp(0);
      await mgmt(1, 'DELETE', `/queues/${v}/qq`).catch(() => undefined);
      mc.dispose();
    }
  });
});
