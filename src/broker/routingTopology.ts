/**
 * The routing tester's view of a vhost, read through the management API: exchanges (with the
 * policy the broker applied to each), bindings, queues, policies and operator policies.
 */
import { getOperatorPolicies, getPolicies, type ManagementClient } from './management';
import type { SimTopology } from '../core/routing';

/**
 * Reads a vhost's whole topology (every page) for the simulator, with its policies (alternate
 * exchanges set by policy). The binding arguments are the management API's rendering, which is
 * not exact: the simulator is told so (lossyArguments) and marks what depends on it as uncertain.
 */
export async function readTopology(m: ManagementClient, vhost: string): Promise<SimTopology> {
  const [exchanges, queues, bindings, policies, operatorPolicies, brokerVersion] = await Promise.all([
    readAllPages((page) => m.listExchanges(vhost, { page, pageSize: 500 })),
    readAllPages((page) => m.listQueues(vhost, { page, pageSize: 500, columns: ['name'] })),
    m.listBindings(vhost),
    // Without the policies (a user without the policymaker or monitoring tag may not read them),
    // an exchange whose listing names a policy gets an uncertain alternate exchange.
    getPolicies(m, vhost).catch(() => undefined),
    // Operator policies cannot set an alternate exchange; read for the rule's sake, optional.
    getOperatorPolicies(m, vhost).catch(() => undefined),
    // How headers bindings compare values depends on the version (headerEquality.ts); unknown: maybes.
    m.overview().then(
      (o) => o.rabbitmq_version,
      () => undefined,
    ),
  ]);
  const listsPolicies = exchanges.some((x) => x.policy !== undefined);
  return {
    vhost,
    lossyArguments: true,
    ...(brokerVersion ? { brokerVersion } : {}),
    ...(policies ? { policies } : {}),
    ...(operatorPolicies ? { operatorPolicies } : {}),
    exchanges: exchanges.map((x) => ({
      name: x.name,
      type: x.type,
      arguments: x.arguments,
      internal: x.internal,
      // The listing names the policy the broker applied, and leaves the field out when none does
      // (3.10 and 4.x). Should no exchange carry the field while policies exist, the API may not
      // report it at all: then the simulator works the policy out itself (undefined).
      policy: x.policy ?? (listsPolicies || !policies?.length ? null : undefined),
    })),
    bindings: bindings.map((b) => ({
      source: b.source,
      destination: b.destination,
      destination_type: b.destination_type as 'queue' | 'exchange',
      routing_key: b.routing_key,
      arguments: b.arguments,
    })),
    queues: queues.map((q) => q.name),
  };
}

async function readAllPages<T>(read: (page: number) => Promise<{ items: T[]; pageCount: number }>): Promise<T[]> {
  const first = await read(1);
  const all = [...first.items];
  for (let page = 2; page <= first.pageCount; page++) all.push(...(await read(page)).items);
  return all;
}
