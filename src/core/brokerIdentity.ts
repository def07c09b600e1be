/**
 * Do a profile's AMQP port and management URL reach the same RabbitMQ cluster?
 *
 * AMQP tells who it is in connection.start's server properties (`product`, `version`,
 * `cluster_name`; no node name). The management API tells it in `/api/overview`
 * (`product_name`, `rabbitmq_version`, `cluster_name`, `node`) and `/api/nodes` (node names and
 * each node's `rabbit` application version). This module compares the two. Pure logic.
 *
 * Limits: two separate brokers with the same cluster name, product and version cannot be told
 * apart this way (cluster names default to the first node's name, e.g. rabbit@hostname, so they
 * usually differ).
 */

/** What the AMQP connection says about the broker (connection.start server properties). */
export interface AmqpSideIdentity {
  product?: string;
  version?: string;
  clusterName?: string;
}

export interface ManagementNodeIdentity {
  name: string;
  /** Version of the node's `rabbit` application, when /api/nodes listed it. */
  version?: string;
}

/** What the management API says about the broker. */
export interface ManagementSideIdentity {
  product?: string;
  version?: string;
  clusterName?: string;
  /** The node that answered /api/overview. */
  node?: string;
  /** Every node of the cluster, from /api/nodes. */
  nodes?: ManagementNodeIdentity[];
}

export type IdentityDifference = 'cluster' | 'product' | 'version';

export interface IdentityVerdict {
  /** 'unknown' when the two sides shared no field to compare. */
  status: 'same' | 'different' | 'unknown';
  /** Fields compared (present on both sides). */
  compared: IdentityDifference[];
  differences: IdentityDifference[];
  amqp: AmqpSideIdentity;
  management: ManagementSideIdentity;
  /** One plain sentence for the user when status is 'different'. */
  warning?: string;
}

/** Server properties as amqplib hands them over (strings, sometimes Buffers for longstr). */
export function amqpIdentityFromServerProperties(props: Record<string, unknown> | undefined): AmqpSideIdentity {
  const p = props ?? {};
  return dropUndefined({ product: text(p.product), version: text(p.version), clusterName: text(p.cluster_name) });
}

/**
 * From `/api/overview` and (optionally) `/api/nodes?columns=name,applications`. Tolerates
 * missing fields (old versions have no product_name; a user without the monitoring tag may get
 * no node list).
 */
export function managementIdentityFrom(
  overview: Record<string, unknown> | undefined,
  nodes?: unknown,
): ManagementSideIdentity {
  const o = overview ?? {};
  const out: ManagementSideIdentity = dropUndefined({
    product: text(o.product_name),
    // rabbitmq_version is what AMQP's `version` carries; product_version may be a distribution's own.
    version: text(o.rabbitmq_version) ?? text(o.product_version),
    clusterName: text(o.cluster_name),
    node: text(o.node),
  });
  if (Array.isArray(nodes)) {
    const list: ManagementNodeIdentity[] = [];
    for (const n of nodes) {
      if (typeof n !== 'object' || n === null) continue;
      const rec = n as Record<string, unknown>;
      const name = text(rec.name);
      if (!name) continue;
      const apps = Array.isArray(rec.applications) ? (rec.applications as unknown[]) : [];
      const rabbit = apps.find(
        (a) => typeof a === 'object' && a !== null && (a as Record<string, unknown>).name === 'rabbit',
      ) as Record<string, unknown> | undefined;
      const version = text(rabbit?.version);
      list.push(version ? { name, version } : { name });
    }
    out.nodes = list;
  }
  return out;
}

/**
 * Compares both sides field by field; a field missing on either side is not compared.
 * A version difference is forgiven when the cluster names match and some node of the
 * management side's cluster runs the AMQP side's version (a rolling upgrade).
 */
export function compareBrokerIdentity(amqp: AmqpSideIdentity, management: ManagementSideIdentity): IdentityVerdict {
  const compared: IdentityDifference[] = [];
  const differences: IdentityDifference[] = [];
  const check = (
    field: IdentityDifference,
    a: string | undefined,
    m: string | undefined,
    same: (a: string, m: string) => boolean,
  ) => {
    if (a === undefined || m === undefined) return;
    compared.push(field);
    if (!same(a, m)) differences.push(field);
  };
  check('cluster', amqp.clusterName, management.clusterName, (a, m) => a === m);
  check('product', amqp.product, management.product, (a, m) => a.toLowerCase() === m.toLowerCase());
  const clusterMatches = compared.includes('cluster') && !differences.includes('cluster');
  check(
    'version',
    amqp.version,
    management.version,
    (a, m) => a === m || (clusterMatches && (management.nodes ?? []).some((n) => n.version === a)),
  );
  const status = compared.length === 0 ? 'unknown' : differences.length === 0 ? 'same' : 'different';
  const verdict: IdentityVerdict = { status, compared, differences, amqp, management };
  if (status === 'different') {
    verdict.warning = `AMQP reaches ${describeSide(amqp)} but the management URL reaches ${describeSide(management)}: check the management URL`;
  }
  return verdict;
}

/** "RabbitMQ 4.0.5 (cluster rabbit4@vm)", or with the node: "RabbitMQ 3.10.8 (cluster rabbit@vm, node rabbit@localhost)". */
export function describeSide(side: AmqpSideIdentity & { node?: string; nodes?: ManagementNodeIdentity[] }): string {
  const name = [side.product ?? 'a broker', side.version].filter(Boolean).join(' ');
  const nodeNames = side.nodes && side.nodes.length > 0 ? side.nodes.map((n) => n.name) : side.node ? [side.node] : [];
  const details = [
    side.clusterName ? `cluster ${side.clusterName}` : undefined,
    nodeNames.length === 1
      ? `node ${nodeNames[0]}`
      : nodeNames.length > 1
        ? `nodes ${nodeNames.join(', ')}`
        : undefined,
  ].filter(Boolean);
  return details.length > 0 ? `${name} (${details.join(', ')})` : name;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v).trim() || undefined;
  return undefined;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
