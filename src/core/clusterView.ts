/**
 * Cluster awareness for the tree and the details: the cluster's nodes (running or down, alarms,
 * partitions) and where a queue lives (quorum: leader, members, which are online; stream: members;
 * classic: its node). The management API's fields differ between versions:
 *
 * - quorum queue: 3.10.8 has `leader`, `members`, `online` and no `node`; 4.x adds `node` (= leader).
 * - stream: 3.10.8 has `node` (the writer), `members`, `online` and no `leader`; 4.x adds `leader`.
 * - classic queue: `node` in both.
 */

/** The fields of /api/nodes this uses. */
export interface ClusterNodeInfo {
  name: string;
  running?: boolean;
  mem_alarm?: boolean;
  disk_free_alarm?: boolean;
  /** Nodes this node cannot see (a network partition). */
  partitions?: string[];
  type?: string;
  uptime?: number;
}

/** The fields of /api/queues this uses. */
export interface QueuePlacementFields {
  type?: string;
  node?: string;
  leader?: string;
  members?: string[];
  online?: string[];
  state?: string;
}

export interface QueuePlacement {
  kind: 'replicated' | 'single';
  /** Quorum queue leader / stream writer. */
  leader?: string;
  members: { name: string; online: boolean; leader: boolean }[];
  /** Classic queue: the node it lives on. */
  node?: string;
  /** Members not online (replicated), or [node] when a classic queue's node is down. */
  down: string[];
}

/** `rabbit@host` -> `rabbit@host`; a short form for descriptions: the part before '@'. */
export function shortNode(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

/**
 * Where a queue lives, from either version's fields; undefined when the listing has no placement
 * fields at all. `downNodes` (from /api/nodes) marks a classic queue's node down.
 */
export function queuePlacement(
  q: QueuePlacementFields,
  downNodes: ReadonlySet<string> = new Set(),
): QueuePlacement | undefined {
  const replicated = q.type === 'quorum' || q.type === 'stream' || Array.isArray(q.members);
  if (replicated && Array.isArray(q.members)) {
    const leader = q.leader ?? (q.type === 'stream' || q.type === 'quorum' ? q.node : undefined);
    const online = new Set(q.online ?? q.members);
    const members = q.members.map((name) => ({
      name,
      online: online.has(name) && !downNodes.has(name),
      leader: name === leader,
    }));
    return { kind: 'replicated', leader, members, down: members.filter((m) => !m.online).map((m) => m.name) };
  }
  if (typeof q.node === 'string') {
    const down = downNodes.has(q.node) || q.state === 'down';
    return { kind: 'single', node: q.node, members: [], down: down ? [q.node] : [] };
  }
  return undefined;
}

/** Tooltip / details lines: "Leader: …", "Members: a (leader), b, c (offline)", or "Node: …". */
export function placementLines(p: QueuePlacement | undefined): string[] {
  if (!p) return [];
  if (p.kind === 'single') return [`Node: ${p.node}${p.down.length ? ' (down)' : ''}`];
  const members = p.members
    .map((m) => `${m.name}${m.leader ? ' (leader)' : ''}${m.online ? '' : ' (offline)'}`)
    .join(', ');
  const online = p.members.filter((m) => m.online).length;
  return [
    ...(p.leader ? [`Leader: ${p.leader}`] : []),
    `Members: ${members} — ${online} of ${p.members.length} online`,
  ];
}

/** A short warning for the row's description, or '' when every member / the node is up. */
export function placementBadge(p: QueuePlacement | undefined): string {
  if (!p || p.down.length === 0) return '';
  if (p.kind === 'single') return `⚠ node ${shortNode(p.node ?? '')} down`;
  const online = p.members.length - p.down.length;
  return `⚠ ${online}/${p.members.length} members online`;
}

/** A node row: running / down, alarms, partitions. */
export function clusterNodeView(n: ClusterNodeInfo): { description: string; tooltip: string; down: boolean } {
  const down = n.running === false;
  const alarms = [n.mem_alarm ? 'memory alarm' : '', n.disk_free_alarm ? 'disk alarm' : ''].filter(Boolean);
  const partitions = n.partitions ?? [];
  const parts = [
    down ? 'down' : 'running',
    ...alarms,
    partitions.length ? `partitioned from ${partitions.map(shortNode).join(', ')}` : '',
  ].filter(Boolean);
  const tooltip = [
    `Node ${n.name}: ${down ? 'down (not running)' : 'running'}`,
    n.type ? `Type: ${n.type}` : '',
    alarms.length ? `Alarms: ${alarms.join(', ')} (publishing is blocked cluster-wide)` : 'Alarms: none',
    partitions.length ? `Network partition: cannot see ${partitions.join(', ')}` : 'Partitions: none',
  ]
    .filter(Boolean)
    .join('\n');
  return { description: parts.join(' · '), tooltip, down };
}
