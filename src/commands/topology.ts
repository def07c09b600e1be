import * as vscode from 'vscode';
import {
  QUEUE_ARGUMENTS,
  parseArgumentValue,
  parseArgumentsInput,
  queueDeclareArguments,
  validateQueueDeclare,
  nameLengthProblem,
  type QueueDeclareSpec,
  type QueueType,
} from '../core/arguments';
import { exchangeDisplayName, bindingCriteria } from '../core/topology';
import { formatCount } from '../core/format';
import { topicPatternWarnings } from '../core/topic';
import {
  BindingNode,
  ExchangeNode,
  ExchangesGroupNode,
  LoadMoreNode,
  QueueNode,
  QueuesGroupNode,
  TapQueueNode,
  UserNode,
  ConsumerNode,
  VhostNode,
  connectionOf,
  vhostOf,
  type ExplorerNode,
} from '../explorer/nodes';
import { ask, confirmDanger, pick, pickMany, pickName } from './ui';
import { attempt, done, registerAll, resolveProfile, resolveVhost, type CommandServices } from './context';
import type { BrokerSession } from '../broker/session';
import type { QueueInfo } from '../broker/management';
import { removeBinding } from '../broker/bindings';
import { searchPicker } from '../broker/pickerSearch';
import { headersForAmqp } from '../broker/publish';
import type * as amqp from 'amqplib';

async function target(
  s: CommandServices,
  node: ExplorerNode | undefined,
): Promise<{ session: BrokerSession; vhost: string; profileId: string }> {
  const profile = await resolveProfile(s, node);
  const vhost = await resolveVhost(s, node, profile);
  return { session: await s.sessions.get(profile), vhost, profileId: profile.id };
}

function argumentsValidator(v: string): string | undefined {
  const r = parseArgumentsInput(v);
  return r.ok ? undefined : r.error;
}

/** The arguments as amqplib takes them (typed values as they are, byte arrays as Buffers). */
function requireArguments(text: string): Record<string, unknown> {
  const r = parseArgumentsInput(text);
  if (!r.ok) throw new Error(r.error);
  return headersForAmqp(r.value, 0, 'arguments') as Record<string, unknown>;
}

const TYPED_ARGUMENTS_HINT =
  'key=value or key:type=value (int8…int64, float, double, decimal, timestamp, bytes, void…)';

/** The group a vhost-level change affects, if it is in the tree (else undefined: the whole tree). */
function groupRow(node: ExplorerNode | undefined, kind: 'queues' | 'exchanges'): ExplorerNode | undefined {
  const vhostNode = vhostOf(node);
  return vhostNode && (kind === 'queues' ? vhostNode.queues : vhostNode.exchanges);
}

async function declareQueue(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const { session, vhost } = await target(s, node);
  const title = `Burrow: declare queue in ${vhost}`;
  const name = (
    await ask({
      title,
      prompt: 'Queue name (empty for a server-named queue)',
      placeHolder: 'orders',
      validateInput: (v) => nameLengthProblem('Queue', v.trim()),
    })
  ).trim();
  const type = (
    await pick(
      [
        { label: 'classic', description: 'the default queue type' },
        { label: 'quorum', description: 'replicated, durable, for data safety' },
        { label: 'stream', description: 'append-only log, non-destructive reads' },
      ],
      { title, placeHolder: 'Queue type' },
    )
  ).label as QueueType;
  let durable = true;
  let exclusive = false;
  let autoDelete = false;
  if (type === 'classic') {
    const flags = await pickMany(
      [
        { label: 'durable', description: 'survives a broker restart', picked: true },
        { label: 'exclusive', description: "used by one connection only (Burrow's); deleted when it closes" },
        { label: 'auto-delete', description: 'deleted when the last consumer unsubscribes' },
      ],
      { title, placeHolder: 'Flags' },
    );
    durable = flags.some((f) => f.label === 'durable');
    exclusive = flags.some((f) => f.label === 'exclusive');
    autoDelete = flags.some((f) => f.label === 'auto-delete');
  }
  const offered = QUEUE_ARGUMENTS.filter((a) => a.types.includes(type));
  const chosen = await pickMany(
    [
      ...offered.map((a) => ({ label: a.key, description: a.label, detail: a.hint, info: a })),
      {
        label: 'other…',
        description: 'any key=value arguments',
        detail: 'e.g. x-queue-leader-locator=balanced',
        info: undefined,
      },
    ],
    { title, placeHolder: 'Arguments (optional)' },
  );
  const args: Record<string, unknown> = {};
  for (const c of chosen) {
    if (c.info) {
      const info = c.info;
      const text = await ask({
        title: `${title}: ${info.label}`,
        prompt: `${info.key} — ${info.hint}${info.values ? ` (${info.values.join(' | ')})` : ''}`,
        validateInput: (v) => {
          const r = parseArgumentValue(info, v);
          return r.ok ? undefined : r.error;
        },
      });
      const r = parseArgumentValue(info, text);
      if (r.ok) args[info.key] = r.value;
    } else {
      Object.assign(
        args,
        requireArguments(
          await ask({
            title,
            prompt: `Extra arguments: ${TYPED_ARGUMENTS_HINT}, or a JSON object`,
            validateInput: argumentsValidator,
          }),
        ),
      );
    }
  }
  const spec: QueueDeclareSpec = { name, type, durable, exclusive, autoDelete, arguments: args };
  const problems = validateQueueDeclare(spec);
  if (problems.length) throw new Error(`Cannot declare queue: ${problems.join('; ')}`);
  const declared = await attempt(`Declare queue '${name}'`, () =>
    session.amqp.withChannel(vhost, (ch) =>
      ch.assertQueue(name, { durable, exclusive, autoDelete, arguments: queueDeclareArguments(spec) }),
    ),
  );
  done(s, `declared ${type} queue '${declared.queue}' in vhost '${vhost}'.`, groupRow(node, 'queues'));
}

async function declareExchange(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const { session, vhost } = await target(s, node);
  const title = `Burrow: declare exchange in ${vhost}`;
  const name = (
    await ask({
      title,
      prompt: 'Exchange name',
      validateInput: (v) =>
        !v.trim()
          ? 'Required'
          : v.startsWith('amq.')
            ? "Names starting with 'amq.' are reserved"
            : nameLengthProblem('Exchange', v.trim()),
    })
  ).trim();
  let types = ['direct', 'fanout', 'topic', 'headers'];
  try {
    const overview = await session.management.overview();
    const more = (overview as { exchange_types?: { name: string }[] }).exchange_types?.map((t) => t.name);
    if (more?.length) types = [...new Set([...types, ...more])];
  } catch {
    // plugin exchange types are a nicety; the four standard ones always exist
  }
  const type = (
    await pick(
      types.map((label) => ({ label })),
      { title, placeHolder: 'Exchange type' },
    )
  ).label;
  const flags = await pickMany(
    [
      { label: 'durable', description: 'survives a broker restart', picked: true },
      { label: 'auto-delete', description: 'deleted when its last binding is removed' },
      { label: 'internal', description: 'publishers cannot publish to it directly (exchange-to-exchange only)' },
    ],
    { title, placeHolder: 'Flags' },
  );
  const alternate = (
    await ask({ title, prompt: 'Alternate exchange for unroutable messages (optional)', placeHolder: 'unrouted' })
  ).trim();
  const extra = requireArguments(
    await ask({
      title,
      prompt: `Extra arguments (optional): ${TYPED_ARGUMENTS_HINT}, or JSON`,
      validateInput: argumentsValidator,
    }),
  );
  const has = (f: string) => flags.some((x) => x.label === f);
  await attempt(`Declare exchange '${name}'`, () =>
    session.amqp.withChannel(vhost, (ch) =>
      ch.assertExchange(name, type, {
        durable: has('durable'),
        autoDelete: has('auto-delete'),
        internal: has('internal'),
        alternateExchange: alternate || undefined,
        arguments: extra,
      }),
    ),
  );
  done(s, `declared ${type} exchange '${name}' in vhost '${vhost}'.`, groupRow(node, 'exchanges'));
}

async function askBindingCriteria(
  title: string,
  exchangeType: string | undefined,
): Promise<{ key: string; args: Record<string, unknown> }> {
  if (exchangeType === 'fanout') return { key: '', args: {} };
  if (exchangeType === 'headers') {
    const text = await ask({
      title,
      prompt: `Header arguments: x-match=all|any|all-with-x|any-with-x, then ${TYPED_ARGUMENTS_HINT}, or a JSON object`,
      value: 'x-match=all, ',
      validateInput: argumentsValidator,
    });
    return { key: '', args: requireArguments(text) };
  }
  const key = await ask({
    title,
    prompt:
      exchangeType === 'topic'
        ? 'Binding pattern: words separated by dots; * = one word, # = zero or more'
        : 'Routing key',
    validateInput: (v) =>
      exchangeType === 'topic'
        ? topicPatternWarnings(v).join('; ') || undefined
        : new TextEncoder().encode(v).length > 255
          ? 'Routing keys are limited to 255 bytes'
          : undefined,
  });
  return { key, args: {} };
}

async function bind(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof QueueNode) && !(node instanceof ExchangeNode))
    throw new Error('Choose a queue or an exchange in the Burrow tree to bind it.');
  const { session, vhost } = await target(s, node);
  const m = session.management;
  // Names are searched on the server as the user types: no cap on how many the vhost has.
  const types = new Map<string, string>();
  const exchanges = (text: string) => searchPicker(m, vhost, 'exchange', text);
  let source: string;
  let destination: string;
  let destinationType: 'queue' | 'exchange';
  if (node instanceof QueueNode) {
    destination = node.name;
    destinationType = 'queue';
    source = await pickName(`Bind queue '${destination}'`, 'Source exchange', exchanges, (n) => n !== '', types);
  } else {
    source = node.name;
    types.set(source, node.exchange.type);
    destinationType = (
      await pick([{ label: 'queue' }, { label: 'exchange' }], {
        title: `Bind from exchange '${source}'`,
        placeHolder: 'Destination kind',
      })
    ).label as 'queue' | 'exchange';
    destination = await pickName(
      `Bind from exchange '${source}'`,
      `Destination ${destinationType}`,
      destinationType === 'queue' ? (text) => searchPicker(m, vhost, 'queue', text) : exchanges,
      (n) => n !== '' && (destinationType === 'queue' || n !== source),
      new Map(),
    );
  }
  // A typed source that was not listed: its type from the broker (it decides what to ask next).
  const sourceType =
    types.get(source) ??
    (await m.getExchange(vhost, source).then(
      (x) => x.type,
      () => undefined,
    ));
  const { key, args } = await askBindingCriteria(`Bind ${source} → ${destination}`, sourceType);
  const criteria = bindingCriteria({
    source,
    destination,
    destination_type: destinationType,
    routing_key: key,
    arguments: args,
  });
  await attempt(`Bind ${exchangeDisplayName(source)} → ${destinationType} '${destination}'`, () =>
    session.amqp.withChannel(vhost, (ch) =>
      destinationType === 'queue'
        ? ch.bindQueue(destination, source, key, args)
        : ch.bindExchange(destination, source, key, args),
    ),
  );
  done(s, `bound exchange '${source}' → ${destinationType} '${destination}' (${criteria}) in vhost '${vhost}'.`, node);
}

async function unbind(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof BindingNode)) throw new Error('Choose a binding in the Burrow tree.');
  const b = node.binding;
  if (b.source === '') throw new Error("The default exchange's bindings are implicit and cannot be removed.");
  const ok = await confirmDanger(
    `Remove the binding ${exchangeDisplayName(b.source)} → ${b.destination}?`,
    `${b.destination_type} '${b.destination}' in vhost '${node.vhost}' stops receiving messages routed by: ${bindingCriteria(b)}`,
    'Remove Binding',
  );
  if (!ok) return;
  const session = await s.sessions.get(node.profileId);
  // By properties_key through the management API: it names the arguments with their AMQP types,
  // which the listing's JSON loses (an AMQP unbind with those would silently remove nothing).
  await attempt(`Remove the binding ${exchangeDisplayName(b.source)} → ${b.destination}`, () =>
    removeBinding(session.management, { ...b, vhost: node.vhost }),
  );
  done(
    s,
    `removed the binding ${exchangeDisplayName(b.source)} → ${b.destination_type} '${b.destination}' (${bindingCriteria(b)}) in vhost '${node.vhost}'.`,
    node.parent,
  );
}

/** What differs between purging and deleting a queue. */
interface QueueTeardown {
  verb: 'Purge' | 'Delete';
  button: string;
  /** What the confirmation says is lost, from the queue's current counts. */
  consequence(q: QueueInfo): string;
  run(ch: amqp.Channel, queue: string): Promise<{ messageCount: number }>;
  /** The "done" sentence, with the broker's message count. */
  outcome(queue: string, messages: string): string;
}

/**
 * Purges or deletes a queue: a modal question naming the queue and what it holds (read fresh from
 * the broker), the AMQP call, then the "done" notification with the broker's message count.
 */
async function tearDownQueue(s: CommandServices, node: ExplorerNode | undefined, op: QueueTeardown): Promise<void> {
  if (!(node instanceof QueueNode)) throw new Error('Choose a queue in the Burrow tree.');
  const session = await s.sessions.get(node.profileId);
  const q = await session.management.getQueue(node.vhost, node.name);
  if (!(await confirmDanger(`${op.verb} queue '${node.name}' in vhost '${node.vhost}'?`, op.consequence(q), op.button)))
    return;
  const result = await attempt(`${op.verb} queue '${node.name}'`, () =>
    session.amqp.withChannel(node.vhost, (ch) => op.run(ch, node.name)),
  );
  done(s, op.outcome(node.name, formatCount(result.messageCount)), node.parent);
}

const PURGE: QueueTeardown = {
  verb: 'Purge',
  button: 'Purge',
  consequence: (q) =>
    `It holds ${formatCount(q.messages_ready ?? 0)} ready messages (and ${formatCount(q.messages_unacknowledged ?? 0)} unacknowledged, which are kept). The ready messages are deleted and cannot be recovered.`,
  run: (ch, queue) => ch.purgeQueue(queue),
  outcome: (queue, messages) => `purged ${messages} messages from queue '${queue}'.`,
};

const DELETE: QueueTeardown = {
  verb: 'Delete',
  button: 'Delete Queue',
  consequence: (q) =>
    `It holds ${formatCount(q.messages ?? 0)} messages and has ${formatCount(q.consumers ?? 0)} consumers. The queue, its messages and its bindings are removed.`,
  run: (ch, queue) => ch.deleteQueue(queue),
  outcome: (queue, messages) => `deleted queue '${queue}' (${messages} messages).`,
};

async function deleteExchange(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof ExchangeNode)) throw new Error('Choose an exchange in the Burrow tree.');
  const session = await s.sessions.get(node.profileId);
  const [out, incoming] = await Promise.all([
    session.management.exchangeBindingsAsSource(node.vhost, node.name),
    session.management.exchangeBindingsAsDestination(node.vhost, node.name),
  ]);
  const ok = await confirmDanger(
    `Delete exchange '${node.name}' in vhost '${node.vhost}'?`,
    `It has ${out.length} outgoing and ${incoming.length} incoming bindings, which are removed with it. Messages published to it afterwards fail with 404 NOT_FOUND.`,
    'Delete Exchange',
  );
  if (!ok) return;
  await attempt(`Delete exchange '${node.name}'`, () =>
    session.amqp.withChannel(node.vhost, (ch) => ch.deleteExchange(node.name)),
  );
  done(s, `deleted exchange '${node.name}' in vhost '${node.vhost}'.`, node.parent);
}

async function copyName(_s: CommandServices, node?: ExplorerNode): Promise<void> {
  const name =
    node instanceof QueueNode ||
    node instanceof TapQueueNode ||
    node instanceof ExchangeNode ||
    node instanceof UserNode ||
    node instanceof ConsumerNode
      ? node.name
      : node instanceof VhostNode
        ? node.vhost
        : undefined;
  if (name !== undefined) await vscode.env.clipboard.writeText(name);
}

async function filter(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof QueuesGroupNode) && !(node instanceof ExchangesGroupNode)) return;
  const value = await ask({
    title: `Filter ${node instanceof QueuesGroupNode ? 'queues' : 'exchanges'} in ${node.vhost}`,
    prompt: 'Text to find in names (* and ? allowed), or /regex/. Filtering happens on the broker. Empty clears.',
    value: node.filter,
  });
  node.setFilter(value);
  s.explorer.refresh(node);
}

async function clearFilter(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof QueuesGroupNode) && !(node instanceof ExchangesGroupNode)) return;
  node.setFilter('');
  s.explorer.refresh(node);
}

async function loadMore(s: CommandServices, node?: ExplorerNode): Promise<void> {
  if (!(node instanceof LoadMoreNode)) return;
  const group = node.group as QueuesGroupNode | ExchangesGroupNode;
  await vscode.window.withProgress({ location: { viewId: 'burrow.explorer' } }, () => group.loadMore());
  s.explorer.refresh(group);
}

async function refresh(s: CommandServices, node?: ExplorerNode): Promise<void> {
  const conn = connectionOf(node);
  s.explorer.refresh(node ?? conn);
}

export function registerTopologyCommands(s: CommandServices): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.refresh': refresh,
    'burrow.filter': filter,
    'burrow.clearFilter': clearFilter,
    'burrow.loadMore': loadMore,
    'burrow.copyName': copyName,
    'burrow.declareQueue': declareQueue,
    'burrow.declareExchange': declareExchange,
    'burrow.bind': bind,
    'burrow.unbind': unbind,
    'burrow.purgeQueue': (_s, node?: ExplorerNode) => tearDownQueue(s, node, PURGE),
    'burrow.deleteQueue': (_s, node?: ExplorerNode) => tearDownQueue(s, node, DELETE),
    'burrow.deleteExchange': deleteExchange,
  });
}
