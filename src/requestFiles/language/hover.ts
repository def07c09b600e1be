/**
 * Hover in `.amqp` files: an exchange (type, flags, alternate exchange, its bindings) or a queue
 * (type, ready and unacknowledged messages, consumers, delivery limit) from the live broker; a
 * `{{variable}}` with its value, a dynamic value with what it gives (an environment variable is
 * said to be set or not, its value is not shown).
 */
import * as vscode from 'vscode';
import { DYNAMIC_VALUES, itemAt, scopeAt, type CursorItem } from '../../core/requestFile/cursor';
import { effectiveDeliveryLimit } from '../../core/deliveryLimit';
import { getOperatorPolicies, getPolicies } from '../../broker/management';
import type { BrokerSession } from '../../broker/session';
import type { LiveTopology } from './live';

const MAX_BINDINGS = 8;
const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';

export class RequestFileHover implements vscode.HoverProvider {
  constructor(
    private readonly live: LiveTopology,
    private readonly env: () => Readonly<Record<string, string | undefined>> = () => process.env,
  ) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const text = doc.getText();
    const it = itemAt(text, pos);
    if (!it) return undefined;
    const r = new vscode.Range(it.span.start.line, it.span.start.character, it.span.end.line, it.span.end.character);
    if (it.kind === 'variable')
      return new vscode.Hover(new vscode.MarkdownString(this.variable(it, text, pos.line)), r);
    const scope = scopeAt(text, pos.line);
    const c = this.live.connection(scope.connection);
    if (!c.ok) return undefined;
    try {
      const s = await this.live.quietSession(c.profile);
      if (!s) return undefined;
      const md =
        it.kind === 'queue' ? await this.queue(s, scope.vhost, it.name) : await this.exchange(s, scope.vhost, it.name);
      return new vscode.Hover(new vscode.MarkdownString(md), r);
    } catch {
      return undefined;
    }
  }

  private variable(it: Extract<CursorItem, { kind: 'variable' }>, text: string, line: number): string {
    if (!it.dynamic) {
      const v = scopeAt(text, line).variables.get(it.name);
      return v === undefined
        ? `${code(it.name)}: no \`@${it.name} = …\` in this file`
        : `${code(it.name)} = ${code(v)}`;
    }
    const [name, ...args] = it.name.split(/\s+/);
    if (name === '$env' || name === '$processEnv') {
      const n = args[0] ?? '';
      return `Environment variable ${code(n)}: ${this.env()[n] !== undefined ? 'set' : '**not set**'}`;
    }
    const d = DYNAMIC_VALUES.find((x) => x.name === name);
    return d ? `${code(it.name)}: ${d.doc}` : `${code(it.name)}: unknown dynamic value`;
  }

  private async exchange(s: BrokerSession, vhost: string, name: string): Promise<string> {
    if (name === '') return 'The **default exchange**: routes each message to the queue named by its routing key.';
    const x = await this.live.exchange(s, vhost, name);
    if (!x) return `No exchange ${code(name)} in vhost ${code(vhost)} on ${code(s.profile.name)}`;
    const flags = [
      x.durable ? 'durable' : 'transient',
      x.auto_delete ? 'auto-delete' : '',
      x.internal ? 'internal' : '',
    ]
      .filter(Boolean)
      .join(', ');
    const lines = [`**${x.name}**: ${x.type} exchange (${flags})`];
    const ae = x.arguments?.['alternate-exchange'];
    if (ae !== undefined) lines.push(`alternate exchange: ${code(String(ae))}`);
    else if (x.policy) lines.push(`policy: ${code(x.policy)} (may set an alternate exchange)`);
    const bs = await this.live.bindings(s, vhost, name);
    lines.push(`${bs.length} binding${bs.length === 1 ? '' : 's'}${bs.length ? ':' : ''}`);
    const shown = bs.slice(0, MAX_BINDINGS).map((b) => {
      const args = Object.entries(b.arguments ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      return `- ${code(b.routing_key || '(empty key)')} → ${b.destination_type} ${code(b.destination)}${args ? ` ${code(args)}` : ''}`;
    });
    if (bs.length > MAX_BINDINGS) shown.push(`- … and ${bs.length - MAX_BINDINGS} more`);
    return [...lines.map((l) => l + '  '), ...shown].join('\n');
  }

  private async queue(s: BrokerSession, vhost: string, name: string): Promise<string> {
    const q = await this.live.queue(s, vhost, name);
    if (!q) return `No queue ${code(name)} in vhost ${code(vhost)} on ${code(s.profile.name)}`;
    const lines = [
      `**${q.name}**: ${q.type ?? 'classic'} queue${q.durable ? '' : ' (transient)'}${q.exclusive ? ', exclusive' : ''}`,
      `ready: ${q.messages_ready ?? 0}, unacknowledged: ${q.messages_unacknowledged ?? 0}, consumers: ${q.consumers ?? 0}`,
    ];
    if (q.type === 'quorum') {
      const [version, policies, operatorPolicies] = await Promise.all([
        this.live.brokerVersion(s),
        getPolicies(s.management, vhost).catch(() => undefined),
        getOperatorPolicies(s.management, vhost).catch(() => undefined),
      ]);
      const major = Number.parseInt(version ?? '4', 10);
      const limit = effectiveDeliveryLimit({
        queueName: q.name,
        queueType: q.type,
        arguments: q.arguments,
        brokerMajor: Number.isFinite(major) ? major : 4,
        ...(policies ? { policies } : {}),
        ...(operatorPolicies ? { operatorPolicies } : {}),
      });
      lines.push(`delivery limit: ${limit.limit ?? 'none'} (${limit.source}${limit.guessed ? ', guessed' : ''})`);
    }
    return lines.join('  \n');
  }
}
