/**
 * Policies and operator policies over the management API: create/update and delete (listing is
 * getPolicies / getOperatorPolicies in management.ts). PUT /api/policies/{vhost}/{name} creates or
 * replaces; the broker answers 400 with its reason for an invalid pattern, definition or apply-to.
 */
import { apiPath, getOperatorPolicies, getPolicies, type ManagementClient, type PolicyInfo } from './management';

export type PolicyKind = 'policy' | 'operator';

/** What a PUT sends (the body the management API expects). */
export interface PolicyBody {
  pattern: string;
  definition: Record<string, unknown>;
  priority: number;
  'apply-to': string;
}

function base(kind: PolicyKind): string {
  return kind === 'operator' ? 'operator-policies' : 'policies';
}

/** The API path of one policy (name and vhost encoded). */
export function policyPath(kind: PolicyKind, vhost: string, name: string): string {
  return apiPath(base(kind), vhost, name);
}

/** Creates or replaces a policy (PUT); 400 with the broker's reason when it refuses it. */
export async function putPolicy(
  mc: ManagementClient,
  kind: PolicyKind,
  vhost: string,
  name: string,
  body: PolicyBody,
): Promise<void> {
  await mc.request('PUT', policyPath(kind, vhost, name), body);
}

/** Deletes a policy; 404 when it does not exist. */
export async function deletePolicy(mc: ManagementClient, kind: PolicyKind, vhost: string, name: string): Promise<void> {
  await mc.request('DELETE', policyPath(kind, vhost, name));
}

/** One policy (404 when absent). */
export function getPolicy(mc: ManagementClient, kind: PolicyKind, vhost: string, name: string): Promise<PolicyInfo> {
  return mc.request<PolicyInfo>('GET', policyPath(kind, vhost, name));
}

/** A vhost's policies and operator policies, each undefined when this user may not read it. */
export interface VhostPolicies {
  policies?: PolicyInfo[];
  operatorPolicies?: PolicyInfo[];
  /** The broker's major version (how policy values merge); 4 when the overview is not readable. */
  brokerMajor: number;
}

/**
 * Reads both policy lists (and the broker's major version unless given) in parallel. A list the
 * user may not read (401/403: operator policies need an administrator) is left undefined, so
 * callers can say so instead of showing a definition with a part silently missing.
 */
export async function readVhostPolicies(
  mc: ManagementClient,
  vhost: string,
  brokerMajor?: number,
): Promise<VhostPolicies> {
  const [policies, operatorPolicies, major] = await Promise.all([
    getPolicies(mc, vhost).catch(() => undefined),
    getOperatorPolicies(mc, vhost).catch(() => undefined),
    brokerMajor ?? readBrokerMajor(mc),
  ]);
  return {
    ...(policies ? { policies } : {}),
    ...(operatorPolicies ? { operatorPolicies } : {}),
    brokerMajor: Number.isFinite(major) ? major : 4,
  };
}

/** The broker's major version from GET /api/overview (one column); NaN when not readable. */
async function readBrokerMajor(mc: ManagementClient): Promise<number> {
  try {
    const o = await mc.request<{ rabbitmq_version?: string }>('GET', '/overview', undefined, {
      query: { columns: 'rabbitmq_version' },
    });
    return Number.parseInt(o.rabbitmq_version ?? '', 10);
  } catch {
    return NaN;
  }
}
