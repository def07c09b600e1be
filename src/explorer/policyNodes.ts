/**
 * The explorer's tree model, part 4: a vhost's Policies group (policies and operator policies).
 * Listing either needs access to the vhost; changing a policy needs the policymaker or
 * administrator tag, an operator policy the administrator tag. A 401/403 on the operator listing
 * becomes one error row below the user policies, not a failed group.
 * No 'vscode' import.
 */
import { getOperatorPolicies, getPolicies, type ManagementClient, type PolicyInfo } from '../broker/management';
import type { PolicyKind } from '../broker/managementPolicies';
import { BrokerError, describeForUser } from '../broker/errors';
import { policyDescription, policyTooltip } from '../core/policies';
import { ErrorNode, ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';

export class PoliciesGroupNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
  ) {
    super(parent);
    this.id = `${parent.id}/policies`;
  }
  view(): NodeView {
    return {
      label: 'Policies',
      tooltip: `Policies and operator policies of ${this.vhost}: settings (TTL, max length, dead-lettering…) applied to the queues and exchanges whose names match a pattern`,
      contextValue: 'policies',
      icon: { codicon: 'law' },
      collapsible: 'collapsed',
    };
  }
  override getChildren(): Promise<ExplorerNode[]> {
    return guarded(this.ctx, this.profileId, this, (m) => this.load(m));
  }
  private async load(m: ManagementClient): Promise<ExplorerNode[]> {
    const [policies, operator] = await Promise.all([
      getPolicies(m, this.vhost),
      getOperatorPolicies(m, this.vhost).then(
        (ps) => ({ ps }),
        (err: unknown) => {
          if (err instanceof BrokerError && (err.code === 401 || err.code === 403)) return { err };
          throw err;
        },
      ),
    ]);
    const rows: ExplorerNode[] = sortPolicies(policies).map((p) => new PolicyNode(this, this.profileId, p, 'policy'));
    if ('ps' in operator)
      rows.push(...sortPolicies(operator.ps).map((p) => new PolicyNode(this, this.profileId, p, 'operator')));
    else
      rows.push(
        new ErrorNode(this, `Operator policies could not be read by this user: ${describeForUser(operator.err)}`),
      );
    return rows.length ? rows : [new InfoNode(this, 'No policies')];
  }
}

/** Highest priority first, then by name (the order the broker's own listing uses is by priority). */
function sortPolicies(ps: PolicyInfo[]): PolicyInfo[] {
  return [...ps].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.name.localeCompare(b.name));
}

export class PolicyNode extends ExplorerNode {
  readonly id: string;
  constructor(
    parent: PoliciesGroupNode,
    readonly profileId: string,
    readonly policy: PolicyInfo,
    readonly kind: PolicyKind,
  ) {
    super(parent);
    this.id = `${parent.id}/${kind === 'operator' ? 'op' : 'p'}:${policy.name}`;
  }
  get name(): string {
    return this.policy.name;
  }
  get vhost(): string {
    return (this.parent as PoliciesGroupNode).vhost;
  }
  view(): NodeView {
    const op = this.kind === 'operator';
    return {
      label: this.policy.name,
      description: `${op ? 'operator · ' : ''}${policyDescription(this.policy)}`,
      tooltip: policyTooltip(this.policy, op),
      contextValue: op ? 'operatorPolicy' : 'policy',
      icon: { codicon: op ? 'shield' : 'law' },
      collapsible: 'none',
    };
  }
}
