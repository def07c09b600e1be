/**
 * Where a move's or a replay's targets deliver, for the exact count of duplicates after a fault
 * (core/messageMove.ts reconcileDuplicates): the one queue each target routes to, read with the
 * live routing tester (routingTopology.ts LazyTopology), when that is certain.
 *
 * A target counts only when the simulator's answer is one queue for sure, nothing that "may also
 * receive", no unknown (plugin) exchange type, no error, and no headers exchange on the way (its
 * answer depends on each message's headers, and a target is checked once, without them). A
 * message carrying CC or BCC headers is not counted by moveMessages either (it may reach more).
 */
import type { DuplicateCounting, MoveTarget } from '../core/messageMove';
import type { LazyTopology } from './routingTopology';

const keyOf = (t: MoveTarget) => `${t.exchange}\u0000${t.routingKey}`;

export async function singleQueueCounting(lazy: LazyTopology, targets: MoveTarget[]): Promise<DuplicateCounting> {
  const queueByTarget = new Map<string, string>();
  const distinct = new Map(targets.map((t) => [keyOf(t), t]));
  for (const [key, t] of distinct) {
    const r = await lazy.route(t.exchange, t.routingKey, {});
    const single =
      r.result.queues.length === 1 &&
      r.result.mayReceive.length === 0 &&
      !r.result.incomplete &&
      !r.result.unroutable &&
      !r.result.mayBeUnroutable &&
      r.result.errors.length === 0 &&
      !r.topology.exchanges.some((x) => x.type === 'headers');
    if (single) queueByTarget.set(key, r.result.queues[0]);
  }
  return {
    queues: [...new Set(queueByTarget.values())].sort(),
    queueOf: (to) => queueByTarget.get(keyOf(to)),
  };
}
