import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorNode,
  PoliciesGroupNode,
  PolicyNode,
  QueueNode,
  RootNode,
  type ExplorerContext,
  type ExplorerNode,
} from '../../src/explorer/nodes';
import type { ManagementClient, PolicyInfo, QueueInfo } from '../../src/broker/management';
import { BrokerError } from '../../src/broker/errors';
import { policyPath } from '../../src/broker/managementPolicies';
import { DEFAULT_PROFILE } from '../../src/core/profile';

const policy = (name: string, priority: number, extra: Partial<PolicyInfo> = {}): PolicyInfo => ({
  vhost: 'v',
  name,
  pattern: '^a',
  'apply-to': 'queues',
  priority,
  definition: { 'max-length': 5 },
  ...extra,
});

function group(request: (method: string, path: string) => Promise<unknown>): {
  node: PoliciesGroupNode;
  errors: unknown[];
} {
  const errors: unknown[] = [];
  const management = { request } as unknown as ManagementClient;
  const ctx: ExplorerContext = {
    profiles: () => [DEFAULT_PROFILE],
    management: async () => management,
    status: () => 'connected',
    lastError: () => undefined,
    reportOk: () => undefined,
    reportError: (_id, err) => void errors.push(err),
    pageSize: () => 10,
    showSystemExchanges: () => true,
  };
  const root = new RootNode(ctx);
  return { node: new PoliciesGroupNode(root, ctx, DEFAULT_PROFILE.id, 'v'), errors };
}

const views = (nodes: ExplorerNode[]) =>
  nodes.map((n) => [n.view().label, n.view().description, n.view().contextValue]);

test('Policies group: policies by priority, then operator policies marked', async () => {
  const { node } = group(async (_m, path) =>
    path.startsWith('/operator-policies')
      ? [policy('cap', 0, { definition: { 'max-length': 1000 } })]
      : [policy('low', 1), policy('high', 9, { pattern: '.*', 'apply-to': 'all' })],
  );
  const children = await node.getChildren();
  assert.deepEqual(views(children), [
    ['high', '.* · all · 9', 'policy'],
    ['low', '^a · queues · 1', 'policy'],
    ['cap', 'operator · ^a · queues · 0', 'operatorPolicy'],
  ]);
  const tip = children[2].view().tooltip ?? '';
  assert.match(tip, /^Operator policy cap/);
  assert.match(tip, /"max-length": 1000/);
  assert.ok(children.every((c) => c instanceof PolicyNode));
});

test('Policies group: a 403 on operator policies is one error row, the policies stay', async () => {
  const { node, errors } = group(async (_m, path) => {
    if (path.startsWith('/operator-policies'))
      throw new BrokerError('Access refused', 'management', 403, 'Not authorised');
    return [policy('p', 0)];
  });
  const children = await node.getChildren();
  assert.equal(children.length, 2);
  assert.ok(children[0] instanceof PolicyNode);
  assert.ok(children[1] instanceof ErrorNode);
  assert.match(children[1].view().label, /Operator policies could not be read.*403/);
  assert.deepEqual(errors, []);
});

test('Policies group: another failure fails the group; nothing: "No policies"', async () => {
  const failing = group(async () => {
    throw new BrokerError('connect ECONNREFUSED', 'network', 'ECONNREFUSED');
  });
  const rows = await failing.node.getChildren();
  assert.equal(rows.length, 1);
  assert.ok(rows[0] instanceof ErrorNode);
  assert.equal(failing.errors.length, 1);
  const empty = group(async () => []);
  assert.deepEqual(
    (await empty.node.getChildren()).map((n) => n.view().label),
    ['No policies'],
  );
});

test('queue and exchange tooltips name the policy and the effective definition', () => {
  const ctx = group(async () => []).node.ctx;
  const q: QueueInfo = {
    name: 'a1',
    vhost: 'v',
    type: 'quorum',
    durable: true,
    auto_delete: false,
    exclusive: false,
    arguments: {},
    policy: 'high',
    operator_policy: 'cap',
    effective_policy_definition: { 'max-length': 5, 'dead-letter-exchange': 'dlx' },
  };
  const row = new QueueNode(new RootNode(ctx), ctx, DEFAULT_PROFILE.id, 'v', q);
  const tip = row.view().tooltip ?? '';
  assert.match(tip, /Policy: high \(operator: cap\)\n {2}max-length: 5\n {2}dead-letter-exchange: dlx/);
  assert.ok((row.view().tooltipMarkdown ?? '').includes('Policy: high \\(operator: cap\\)'));
  const plain = new QueueNode(new RootNode(ctx), ctx, DEFAULT_PROFILE.id, 'v', {
    ...q,
    policy: undefined,
    operator_policy: undefined,
    effective_policy_definition: [],
  });
  assert.doesNotMatch(plain.view().tooltip ?? '', /Policy/);
});

test('policy paths encode vhost and name', () => {
  assert.equal(policyPath('policy', '/', 'a b'), '/policies/%2F/a%20b');
  assert.equal(policyPath('operator', 'v', 'x/y'), '/operator-policies/v/x%2Fy');
});
