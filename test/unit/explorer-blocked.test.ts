import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionNode,
  VhostNode,
  blockedSummary,
  type ExplorerContext,
  type SessionStatus,
} from '../../src/explorer/nodes';
import type { ManagementClient } from '../../src/broker/management';
import { DEFAULT_PROFILE } from '../../src/core/profile';

function ctx(blocked: Map<string, string>, status: SessionStatus = 'connected'): ExplorerContext {
  return {
    profiles: () => [],
    management: async () => ({}) as ManagementClient,
    status: () => status,
    lastError: () => undefined,
    blocked: () => blocked,
    reportOk: () => undefined,
    reportError: () => undefined,
    pageSize: () => 10,
    showSystemExchanges: () => true,
  };
}

const profile = { ...DEFAULT_PROFILE, id: 'p1', name: 'local' };

test('a vhost where the broker blocks publishing shows the reason; the others do not', () => {
  const c = ctx(new Map([['orders', 'low on memory']]));
  const conn = new ConnectionNode(undefined as never, c, profile);
  const orders = new VhostNode(conn, c, 'p1', 'orders').view();
  assert.equal(orders.description, 'blocked: low on memory');
  assert.match(orders.tooltip!, /blocks publishing: low on memory .*peek, tail and browsing keep working/);
  assert.equal(orders.icon?.codicon, 'warning');
  const other = new VhostNode(conn, c, 'p1', 'other').view();
  assert.equal(other.description, undefined);
  const v = conn.view();
  assert.match(v.description!, /publishing blocked/);
  assert.match(v.tooltip!, /vhost 'orders': low on memory/);
});

test('nothing blocked: no extra text (and a context without blocked() works)', () => {
  const c = ctx(new Map());
  const conn = new ConnectionNode(undefined as never, c, profile);
  assert.doesNotMatch(conn.view().description!, /blocked/);
  const { blocked: _unused, ...rest } = c;
  void _unused;
  const old = new ConnectionNode(undefined as never, rest as ExplorerContext, profile);
  assert.doesNotMatch(old.view().tooltip!, /blocked/);
  assert.equal(blockedSummary(undefined), '');
});
