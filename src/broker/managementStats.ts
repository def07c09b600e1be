/**
 * Management API reads for the Details and Overview panels: a queue or an exchange with its sample
 * windows, the overview, the nodes and the feature flags. Replies are returned as the broker sent
 * them (unknown JSON) and read defensively by src/core/detailsView.ts, since 3.10 and 4.0 differ.
 */
import { describeForUser } from './errors';
import { apiPath, exchangeSegment, type ManagementClient } from './management';
import { readVhostPolicies } from './managementPolicies';
import { channelsByName, connectionsByName } from './consumerStats';
import { consumerChannelName, consumerConnectionName } from '../core/consumers';
import { exchangeDetails, overviewView, queueDetails, type DetailsView, type OverviewView } from '../core/detailsView';
import { SAMPLE_QUERY } from '../core/statsSamples';

/** GET /api/queues/{vhost}/{name} with the last 10 minutes of samples. */
export function getQueueStats(mc: ManagementClient, vhost: string, name: string): Promise<unknown> {
  return mc.request<unknown>('GET', apiPath('queues', vhost, name), undefined, { query: SAMPLE_QUERY });
}

/** GET /api/exchanges/{vhost}/{name} with the last 10 minutes of samples. */
export function getExchangeStats(mc: ManagementClient, vhost: string, name: string): Promise<unknown> {
  return mc.request<unknown>('GET', apiPath('exchanges', vhost, exchangeSegment(name)), undefined, {
    query: SAMPLE_QUERY,
  });
}

/** GET /api/overview (all columns) with the last 10 minutes of samples. */
export function getOverviewStats(mc: ManagementClient): Promise<unknown> {
  return mc.request<unknown>('GET', '/overview', undefined, { query: SAMPLE_QUERY });
}

/** GET /api/nodes. */
export async function getNodes(mc: ManagementClient): Promise<unknown[]> {
  const nodes = await mc.request<unknown>('GET', '/nodes');
  return Array.isArray(nodes) ? nodes : [];
}

/**
 * GET /api/feature-flags; its error text when the broker does not answer it (an older broker, or a
 * user without the monitoring tag), so the rest of the overview still shows.
 */
export async function getFeatureFlags(mc: ManagementClient): Promise<unknown[] | { error: string }> {
  try {
    const flags = await mc.request<unknown>('GET', '/feature-flags');
    return Array.isArray(flags) ? flags : { error: 'The broker did not return a list of feature flags.' };
  } catch (err) {
    return { error: `Feature flags could not be read: ${describeForUser(err)}` };
  }
}

/** Everything the queue Details panel shows: the queue, its bindings, its consumers' channels and connections. */
export async function readQueueDetails(mc: ManagementClient, vhost: string, name: string): Promise<DetailsView> {
  const [raw, bindings] = await Promise.all([getQueueStats(mc, vhost, name), mc.queueBindings(vhost, name)]);
  const consumers = (raw as { consumer_details?: unknown }).consumer_details;
  const list = Array.isArray(consumers) ? (consumers as unknown[]) : [];
  const channelNames = list.map(consumerChannelName).filter((n): n is string => !!n);
  const connectionNames = list.map(consumerConnectionName).filter((n): n is string => !!n);
  // Consumer figures are extras: without them the rows show what consumer_details says.
  const [channels, connections] = await Promise.all([
    channelsByName(mc, vhost, channelNames).catch(() => new Map()),
    connectionsByName(mc, vhost, connectionNames).catch(() => new Map()),
  ]);
  return queueDetails(raw, bindings, channels, connections);
}

/** Everything the exchange Details panel shows: the exchange, its bindings both ways, its effective policy. */
export async function readExchangeDetails(mc: ManagementClient, vhost: string, name: string): Promise<DetailsView> {
  const [raw, asSource, asDestination, read] = await Promise.all([
    getExchangeStats(mc, vhost, name),
    mc.exchangeBindingsAsSource(vhost, name),
    name === '' ? Promise.resolve([]) : mc.exchangeBindingsAsDestination(vhost, name),
    // A user without the policymaker tag may not read policies, nor a non-administrator the
    // operator policies: the rest still shows, and the panel says what could not be read.
    readVhostPolicies(mc, vhost),
  ]);
  return exchangeDetails(raw, { asSource, asDestination }, read.policies, Date.now(), {
    operatorPolicies: read.operatorPolicies,
    brokerMajor: read.brokerMajor,
  });
}

/** Everything the Overview panel shows. */
export async function readOverview(mc: ManagementClient): Promise<OverviewView> {
  const [overview, nodes, flags] = await Promise.all([getOverviewStats(mc), getNodes(mc), getFeatureFlags(mc)]);
  return overviewView(overview, nodes, flags);
}
