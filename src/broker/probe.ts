import type { ConnectionProfile } from '../core/profile';
import { deriveManagementUrl } from '../core/uri';
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
}

/**
 * "Test connection": logs in over AMQP and to the management API independently, so the user
 * learns which half is wrong (e.g. AMQP fine but management plugin disabled).
 */
export async function probeConnection(profile: ConnectionProfile, password: string): Promise<ProbeResult> {
  let ca: string | undefined;
  try {
    ca = await readCa(profile.caFile);
  } catch (err) {
    const half = { ok: false, detail: describeForUser(err), error: err };
    return { amqp: half, management: half };
  }
  const amqpHalf = (async (): Promise<ProbeHalf> => {
    try {
      const { serverProperties } = await testAmqpLogin(endpointFor(profile, password, ca), profile.vhost);
      const product = String(serverProperties.product ?? 'broker');
      const version = String(serverProperties.version ?? '');
      return { ok: true, detail: `logged in to ${product} ${version} (vhost ${profile.vhost})`.replace(/\s+/g, ' ') };
    } catch (err) {
      return { ok: false, detail: describeForUser(err), error: err };
    }
  })();
  const managementHalf = (async (): Promise<ProbeHalf> => {
    const client = new ManagementClient({
      baseUrl: deriveManagementUrl(profile),
      username: profile.username,
      password,
      ca,
      rejectUnauthorized: !profile.allowSelfSigned,
    });
    try {
      const [who, overview] = await Promise.all([client.whoami(), client.overview()]);
      const tags = who.tags.length ? who.tags.join(', ') : 'no tags';
      return { ok: true, detail: `user ${who.name} (${tags}) on RabbitMQ ${overview.rabbitmq_version}` };
    } catch (err) {
      return { ok: false, detail: describeForUser(err), error: err };
    } finally {
      client.dispose();
    }
  })();
  return { amqp: await amqpHalf, management: await managementHalf };
}
