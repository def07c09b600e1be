import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterNodeView, placementBadge, placementLines, queuePlacement, shortNode } from '../../src/core/clusterView';

const c = (n: number) => `burrow-c${n}@localhost`;

test('quorum queue, 4.x fields (node = leader): leader, members, online', () => {
  const p = queuePlacement({
    type: 'quorum',
    node: c(1),
    leader: c(1),
    members: [c(1), c(2), c(3)],
    online: [c(1), c(2), c(3)],
  });
  assert.equal(p?.leader, c(1));
  assert.deepEqual(p?.down, []);
  assert.deepEqual(placementLines(p), [
    `Leader: ${c(1)}`,
    `Members: ${c(1)} (leader), ${c(2)}, ${c(3)} — 3 of 3 online`,
  ]);
  assert.equal(placementBadge(p), '');
});

test('quorum queue, 3.10.8 fields (no node), one member offline', () => {
  const p = queuePlacement({ type: 'quorum', leader: c(2), members: [c(1), c(2), c(3)], online: [c(2), c(3)] });
  assert.equal(p?.leader, c(2));
  assert.deepEqual(p?.down, [c(1)]);
  assert.match(
    placementLines(p)[1]!,
    /burrow-c1@localhost \(offline\), burrow-c2@localhost \(leader\).* 2 of 3 online/,
  );
  assert.equal(placementBadge(p), '⚠ 2/3 members online');
});

test('stream: 3.10.8 has node (the writer) and no leader; 4.x has both', () => {
  const old = queuePlacement({ type: 'stream', node: c(3), members: [c(3)], online: [c(3)] });
  assert.equal(old?.leader, c(3));
  const now = queuePlacement({ type: 'stream', node: c(1), leader: c(1), members: [c(1), c(2)], online: [c(1), c(2)] });
  assert.equal(now?.members.length, 2);
});

test('classic queue: its node, marked down from /api/nodes or its state', () => {
  const up = queuePlacement({ type: 'classic', node: c(1), state: 'running' });
  assert.deepEqual(placementLines(up), [`Node: ${c(1)}`]);
  const down = queuePlacement({ type: 'classic', node: c(1) }, new Set([c(1)]));
  assert.deepEqual(placementLines(down), [`Node: ${c(1)} (down)`]);
  assert.equal(placementBadge(down), '⚠ node burrow-c1 down');
  assert.equal(placementBadge(queuePlacement({ type: 'classic', node: c(2), state: 'down' })), '⚠ node burrow-c2 down');
  assert.equal(queuePlacement({ type: 'classic' }), undefined);
  assert.deepEqual(placementLines(undefined), []);
});

test('a down node from /api/nodes marks a member offline even when online lags', () => {
  const p = queuePlacement(
    { type: 'quorum', leader: c(1), members: [c(1), c(2)], online: [c(1), c(2)] },
    new Set([c(2)]),
  );
  assert.deepEqual(p?.down, [c(2)]);
});

test('node rows: running / down, alarms, partitions', () => {
  assert.deepEqual(clusterNodeView({ name: c(1), running: true }).description, 'running');
  const bad = clusterNodeView({ name: c(2), running: true, mem_alarm: true, partitions: [c(3)] });
  assert.equal(bad.description, 'running · memory alarm · partitioned from burrow-c3');
  assert.match(bad.tooltip, /Alarms: memory alarm/);
  assert.match(bad.tooltip, /Network partition: cannot see burrow-c3@localhost/);
  const down = clusterNodeView({ name: c(3), running: false });
  assert.equal(down.down, true);
  assert.equal(down.description, 'down');
  assert.equal(shortNode('rabbit'), 'rabbit');
});

test('queue details: Leader and Members for a quorum queue (3.10.8 fields), Node for a classic queue', async () => {
  const { queueDetails } = await import('../../src/core/detailsView');
  const facts = (raw: unknown) => Object.fromEntries(queueDetails(raw, []).facts.map((f) => [f.name, f.value]));
  const qq = facts({ name: 'q', type: 'quorum', leader: c(2), members: [c(1), c(2)], online: [c(2)] });
  assert.equal(qq.Leader, c(2));
  assert.equal(qq.Members, `${c(1)} (offline), ${c(2)} (1 of 2 online)`);
  assert.equal(qq.Node, undefined);
  assert.equal(facts({ name: 'q', type: 'classic', node: c(3) }).Node, c(3));
  assert.equal(facts({ name: 'q' }).Node, '—');
});
