/** Shared setup for integration tests: a throw-away vhost on the local broker. */
import { randomBytes } from 'node:crypto';
import { ManagementClient } from '../../src/broker/management';
import type { AmqpEndpoint } from '../../src/broker/amqp';

export const MGMT_URL = 'http://127.0.0.1:15672';
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

export const ENDPOINT: AmqpEndpoint = { host: '127.0.0.1', port: 5672, tls: false, username: 'guest', password: 'guest' };

export function newManagementClient(): ManagementClient {
  return new ManagementClient({ baseUrl: MGMT_URL, username: 'guest', password: 'guest' });
}

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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const AUTH = 'Basic ' + Buffer.from('guest:guest').toString('base64');

/**
 * The management API through plain fetch, independent of the ManagementClient under test
 * (used to set up and check what the code under test did). DELETE of a missing object is fine.
 */
export async function mgmt(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(MGMT_URL + path, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) throw new Error(`${method} ${path} -> ${res.status} ${await res.text()}`);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Both brokers: every integration test file runs its tests once per broker of test/brokers.ts,
// with the broker's version in the test names:
//
//   for (const B of BROKERS) describe(`peek [${B.label}]`, () => { … endpointOf(B) … });

export { BROKERS, broker4, startFaultProxy, waitFor, type TestBroker, type FaultProxy } from '../brokers';
import type { TestBroker } from '../brokers';

export function endpointOf(b: TestBroker, extra: Partial<AmqpEndpoint> = {}): AmqpEndpoint {
  return { host: '127.0.0.1', port: b.amqpPort, tls: false, username: 'guest', password: 'guest', ...extra };
}

export function managementClientOf(b: TestBroker): ManagementClient {
  return new ManagementClient({ baseUrl: b.mgmtUrl, username: 'guest', password: 'guest' });
}

/** Creates a uniquely named vhost on the broker with full permissions for guest (through plain fetch). */
export async function makeVhost(b: TestBroker, prefix = 'burrow-test'): Promise<string> {
  const vhost = uniqueVhost(prefix);
  await b.mgmt('PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {});
  await b.mgmt('PUT', `/api/permissions/${encodeURIComponent(vhost)}/guest`, { configure: '.*', write: '.*', read: '.*' });
  return vhost;
}

export async function dropVhost(b: TestBroker, vhost: string): Promise<void> {
  await b.mgmt('DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
}
