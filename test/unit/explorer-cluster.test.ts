import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionNode, type ExplorerContext, type SessionStatus } from '../../src/explorer/nodes';
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
