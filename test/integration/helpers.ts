/** Shared setup for integration tests: throw-away vhosts on the test brokers (test/brokers.ts). */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { ManagementClient } from '../../src/broker/management';
import { AmqpConnectionManager, type AmqpEndpoint } from '../../src/broker/amqp';

export function uniqueVhost(prefix = 'burrow-test'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates the vhost and gives guest full permissions on it. */
export async function createTestVhost(mc: ManagementClient, vhost: string): Promise<void> {
  await mc.createVhost(vhost);
  await mc.setPermissions(vhost, 'guest', { configure: '.*', write: '.*', read: '.*' });
}

/** Deletes the vhost, ignoring "not found". */
export async function deleteTestVhost(mc: ManagementClient, vhost: string): Promise<void> {
  try {
    await mc.deleteVhost(vhost);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 404) throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Both brokers: every integration test file runs its tests once per broker of test/brokers.ts,
// with the broker's version in the test names:
//
//   for (const B of BROKERS) describe(`peek [${B.label}]`, () => { … endpointOf(B) … });

export {
  BROKERS,
  broker4,
  startFaultProxy,
  connectionByName,
  closeConnectionByName,
  type TestBroker,
  type FaultProxy,
} from '../brokers';
export { poll, waitForEvent, within, drainEventLoop, pause } from '../wait';
import { startFaultProxy as startProxy, type TestBroker } from '../brokers';

export function endpointOf(b: TestBroker, extra: Partial<AmqpEndpoint> = {}): AmqpEndpoint {
  return { host: '127.0.0.1', port: b.amqpPort, tls: false, username: 'guest', password: 'guest', ...extra };
}

export function managementClientOf(b: TestBroker): ManagementClient {
  return new ManagementClient({ baseUrl: b.mgmtUrl, username: 'guest', password: 'guest' });
}

/** Creates the named vhost on the broker with full permissions for guest (through plain fetch). */
export async function createVhost(b: TestBroker, vhost: string): Promise<void> {
  await b.mgmt('PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {});
  await b.mgmt('PUT', `/api/permissions/${encodeURIComponent(vhost)}/guest`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
}

/** Creates a uniquely named vhost on the broker with full permissions for guest (through plain fetch). */
export async function makeVhost(b: TestBroker, prefix = 'burrow-test'): Promise<string> {
  const vhost = uniqueVhost(prefix);
  await createVhost(b, vhost);
  return vhost;
}

export async function dropVhost(b: TestBroker, vhost: string): Promise<void> {
  await b.mgmt('DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
}

/** How a fault test cuts the connections through its proxy (see cutWhenTaken). */
export type ProxyCut = 'reset' | 'confirms lost, then reset';

/**
 * Runs `run` with a connection manager whose connections go through a new fault proxy, and an
 * `onTaken` for the run: the first time the count taken reaches `at`, every connection is cut.
 * 'reset' resets them at once; 'confirms lost, then reset' first drops everything the broker sends
 * (what the client publishes still arrives, but neither confirms nor deliveries come back), then
 * resets them `muteMs` later. Asserts that the cut happened; disposes the manager and closes the
 * proxy afterwards, whatever happened.
 */
export async function cutWhenTaken<T>(
  b: TestBroker,
  connectionName: string,
  cut: { at: number; how: ProxyCut; muteMs?: number },
  run: (mgr: AmqpConnectionManager, onTaken: (n: number) => void) => Promise<T>,
): Promise<T> {
  const proxy = await startProxy(b.amqpPort);
  let mgr: AmqpConnectionManager | undefined;
  let fired = false;
  const onTaken = (n: number) => {
    if (fired || n < cut.at) return;
    fired = true;
    if (cut.how === 'reset') proxy.resetAll();
    else {
      proxy.muteBroker();
      setTimeout(() => proxy.resetAll(), cut.muteMs ?? 1_000);
    }
  };
  try {
    mgr = new AmqpConnectionManager(endpointOf(b, { port: proxy.port, connectionName }));
    const result = await run(mgr, onTaken);
    assert.ok(fired, 'the fault was injected');
    return result;
  } finally {
    await mgr?.dispose();
    await proxy.close();
  }
}
