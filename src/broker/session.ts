import { readFile } from 'node:fs/promises';
import type { ConnectionProfile } from '../core/profile';
import { managementUrlsFor } from '../core/cluster';
import { deriveManagementUrl } from '../core/uri';
import { AmqpConnectionManager, type AmqpEndpoint } from './amqp';
import { BrokerError } from './errors';
import { ManagementClient } from './management';

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Everything Burrow holds open for one connection profile: a management API client
 * and an AMQP connection manager (one lazily opened connection per vhost).
 * Contains the password in memory only; never logs it.
 */
export class BrokerSession {
  readonly management: ManagementClient;
  readonly amqp: AmqpConnectionManager;

  private constructor(
    readonly profile: ConnectionProfile,
    management: ManagementClient,
    amqp: AmqpConnectionManager,
  ) {
    this.management = management;
    this.amqp = amqp;
  }

  static async open(profile: ConnectionProfile, password: string, log?: Logger): Promise<BrokerSession> {
    const ca = await readCa(profile.caFile);
    const rejectUnauthorized = !profile.allowSelfSigned;
    // One management URL per node; deriveManagementUrl throws the "set the management URL" error.
    const urls = managementUrlsFor(profile) ?? [deriveManagementUrl(profile)];
    const management = new ManagementClient({
      baseUrl: urls[0]!,
      fallbackUrls: urls.slice(1),
      username: profile.username,
      password,
      ca,
      rejectUnauthorized,
    });
    const amqp = new AmqpConnectionManager(endpointFor(profile, password, ca), { log });
    return new BrokerSession(profile, management, amqp);
  }

  /**
   * The node(s) this session's AMQP connections are on (host:port), or the first node's management
   * host when no AMQP connection is open; for the tree and the status bar.
   */
  currentNode(): string | undefined {
    const nodes = this.amqp.connectedNodes();
    return nodes.length ? nodes.join(', ') : undefined;
  }

  async dispose(): Promise<void> {
    this.management.dispose();
    await this.amqp.dispose();
  }
}

export function endpointFor(profile: ConnectionProfile, password: string, ca?: string): AmqpEndpoint {
  return {
    host: profile.host,
    port: profile.port,
    tls: profile.tls,
    username: profile.username,
    password,
    ca,
    rejectUnauthorized: !profile.allowSelfSigned,
    connectionName: `Burrow (${profile.name})`,
    ...(profile.hosts?.length ? { hosts: profile.hosts } : {}),
    ...(profile.shuffleHosts ? { shuffleHosts: true } : {}),
  };
}

export async function readCa(caFile: string | undefined): Promise<string | undefined> {
  if (!caFile) return undefined;
  let text: string;
  try {
    text = await readFile(caFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BrokerError(`Cannot read CA file ${caFile}: ${code ?? String(err)}`, 'tls', code, undefined, {
      cause: err,
    });
  }
  // Node ignores a CA that is not PEM (DER, a key, any other file) without a word, and the TLS
  // error would then say "set a CA file" although one is set.
  if (!PEM_CERT_RE.test(text)) {
    throw new BrokerError(
      `CA file ${caFile} is not a PEM certificate (expected a "-----BEGIN CERTIFICATE-----" block; convert DER with: openssl x509 -inform der -in ca.der -out ca.pem)`,
      'tls',
      'ENOTPEM',
    );
  }
  return text;
}

const PEM_CERT_RE =
  /-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----[\s\S]+?-----END (?:TRUSTED |X509 )?CERTIFICATE-----/;
