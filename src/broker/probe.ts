import type { ConnectionProfile } from '../core/profile';
import { redactUri, resolveManagementUrl } from '../core/uri';
import {
  amqpIdentityFromServerProperties,
  compareBrokerIdentity,
  managementIdentityFrom,
  type AmqpSideIdentity,
  type IdentityVerdict,
  type ManagementSideIdentity,
} from '../core/brokerIdentity';
import { testAmqpLogin } from './amqp';
import { describeForUser } from './errors';
import { ManagementClient } from './management';
import { endpointFor, readCa } from './session';

export interface ProbeHalf {
  ok: boolean;
  /** On success what the broker said about itself; on failure the reason, with the broker's code. */
  detail: string;
  error?: unknown;
}

export interface ProbeResult {
  amqp: ProbeHalf;
  management: ProbeHalf;
  /**
   * Whether both halves reached the same cluster (cluster name, product, version, compared by
   * core/brokerIdentity). Present only when both halves logged in; `warning` is set when they differ.
   */
  identity?: IdentityVerdict;
}

/**
 * "Test connection": logs in over AMQP and to the management API independently, so the user
 * learns which half is wrong (e.g. AMQP fine but management plugin disabled), then checks that
 * both reached the same cluster (a management URL pointing at another broker on the same host
 * is otherwise invisible: both halves succeed).
 */
export async function probeConnection(profile: ConnectionProfile, password: string): Promise<ProbeResult> {
  let ca: string | undefined;
  try {
    ca = await readCa(profile.caFile);
  } catch (err) {
    const half = { ok: false, detail: describeForUser(err), error: err };
    return { amqp: half, management: half };
  }
  let amqpSide: AmqpSideIdentity | undefined;
  let managementSide: ManagementSideIdentity | undefined;
  const amqpHalf = (async (): Promise<ProbeHalf> => {
    try {
      const { serverProperties } = await testAmqpLogin(endpointFor(profile, password, ca), profile.vhost);
      amqpSide = amqpIdentityFromServerProperties(serverProperties);
      const product = amqpSide.product ?? 'broker';
      const cluster = amqpSide.clusterName ? ` (cluster ${amqpSide.clusterName})` : '';
      return {
        ok: true,
        detail: `logged in to ${product} ${amqpSide.version ?? ''}${cluster}, vhost ${profile.vhost}`.replace(
          /\s+/g,
          ' ',
        ),
      };
    } catch (err) {
      return { ok: false, detail: describeForUser(err), error: err };
    }
  })();
  const managementHalf = (async (): Promise<ProbeHalf> => {
    const where = resolveManagementUrl(profile);
    if (where.problem) return { ok: false, detail: where.problem.message, error: where.problem };
    // Created inside the try: a bad (hand-edited) URL is a reported failure, not an unhandled rejection.
    let client: ManagementClient | undefined;
    try {
      client = new ManagementClient({
        baseUrl: where.url,
        username: profile.username,
        password,
        ca,
        rejectUnauthorized: !profile.allowSelfSigned,
      });
      const [who, overview, nodes] = await Promise.all([
        client.whoami(),
        client.overview(),
        // Needs the monitoring tag; without it the check uses the overview alone.
        client
          .request<unknown>('GET', '/nodes', undefined, { query: { columns: 'name,applications' } })
          .catch(() => undefined),
      ]);
      managementSide = managementIdentityFrom(overview as unknown as Record<string, unknown>, nodes);
      const tags = who.tags.length ? who.tags.join(', ') : 'no tags';
      const cluster = overview.cluster_name ? ` (cluster ${overview.cluster_name})` : '';
      return {
        ok: true,
        detail: `user ${who.name} (${tags}) on RabbitMQ ${overview.rabbitmq_version}${cluster} at ${redactUri(where.url)}`,
      };
    } catch (err) {
      return { ok: false, detail: describeForUser(err), error: err };
    } finally {
      client?.dispose();
    }
  })();
  const result: ProbeResult = { amqp: await amqpHalf, management: await managementHalf };
  if (amqpSide && managementSide) result.identity = compareBrokerIdentity(amqpSide, managementSide);
  return result;
}
