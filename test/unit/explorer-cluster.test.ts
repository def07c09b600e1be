import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionNode, type ExplorerContext, type ExplorerNode, type SessionStatus } from '../../src/explorer/nodes';
import { NodesGroupNode } from '../../src/explorer/clusterNodes';
import type { ManagementClient } from '../../src/broker/management';
import { DEFAULT_PROFILE, type ConnectionProfile } from '../../src/core/profile';

function ctx(node: string | undefined, status: SessionStatus = 'connected'): ExplorerContext {
  return {
    profiles: () => [],
    management: async () => ({}) as ManagementClient,
    status: () => status,
    lastError: () => undefined,
    node: () => node,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => 10,
    showSystemExchanges: () => true,
  };
}

const cluster: ConnectionProfile = {
  ...DEFAULT_PROFILE,
  id: 'c',
  name: 'cluster',
  port: 5681,
  hosts: [
    { host: 'localhost', port: 5682 },
    { host: 'localhost', port: 5683 },
  ],
};

test('a cluster profile shows its node count and the node its connection is on', () => {
  const v = new ConnectionNode(undefined as never, ctx('127.0.0.1:5682'), cluster).view();
  assert.match(v.description!, /3 nodes · on 127\.0\.0\.1:5682 · connected/);
  assert.match(v.tooltip!, /Cluster nodes: localhost:5681, localhost:5682, localhost:5683/);
  assert.match(v.tooltip!, /Connected to node 127\.0\.0\.1:5682/);
});

test('not connected, or a single-host profile: no node shown', () => {
  assert.doesNotMatch(new ConnectionNode(undefined as never, ctx('x:1', 'idle'), cluster).view().description!, / on /);
  const single = { ...DEFAULT_PROFILE, id: 's', name: 's' };
  const v = new ConnectionNode(undefined as never, ctx('127.0.0.1:5672'), single).view();
  assert.doesNotMatch(v.description!, /nodes| on /);
  assert.doesNotMatch(v.tooltip!, /Cluster nodes/);
});

test('the Nodes row: drawn again with its summary after the first listing; the live tree re-lists it', async () => {
  const nodes = [
    { name: 'burrow-c1@localhost', running: true },
    { name: 'burrow-c2@localhost', running: true },
  ];
  const mc = { listNodes: async () => nodes.map((n) => ({ ...n })), clusterName: async () => 'c' };
  const changed: string[] = [];
  const reloaded: string[] = [];
  const c: ExplorerContext = {
    ...ctx(undefined),
    management: async () => mc as unknown as ManagementClient,
    changed: (n) => (changed.push(n.view().description ?? ''), true),
    reload: (n) => reloaded.push(n.view().description ?? ''),
  };
  const group = new NodesGroupNode({ id: 'root' } as ExplorerNode, c, 'p');
  await group.poll(); // not listed yet: nothing to refresh
  assert.deepEqual(reloaded, []);
  assert.equal(group.view().description, undefined);
  await group.getChildren();
  assert.deepEqual(changed, ['c · 2 nodes'], 'the row is drawn again with its summary');
  await group.poll();
  assert.deepEqual(reloaded, [], 'nothing changed: no re-render');
  nodes[1]!.running = false;
  await group.poll();
  assert.deepEqual(reloaded, ['c · 2 nodes · ⚠ 1 down'], 'a node went down: the group re-renders');
});
