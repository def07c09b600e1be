/**
 * "Move Messages…" and "Copy Messages…" on a queue in the tree: choose the target (a queue, or an
 * exchange and a routing key) and how many, confirm, then a cancellable progress notification with
 * the rate, and a notification with the counts (src/broker/moveMessages.ts does the work; a copy
 * from a stream asks where to start and src/broker/streamCopy.ts reads it from there).
 */
import * as vscode from 'vscode';
import { QueueNode, type ExplorerNode } from '../explorer/nodes';
import { queueType } from '../core/topology';
import { MAX_PEEK, peekMessages, queueDeliveryLimit } from '../broker/peek';
import { searchQueue } from '../broker/searchQueue';
import { toExportable } from '../core/messageExport';
import type { CapturedMessage } from '../core/message';
import { moveMessages, type MoveOptions, type MoveProgress, type MoveResult } from '../broker/moveMessages';
import { singleQueueCounting } from '../broker/duplicateCounting';
import { LazyTopology } from '../broker/routingTopology';
import { copyFromStream } from '../broker/streamCopy';
import { describeStreamStart, parseStreamStart, type StreamCopyStart } from '../core/streamCopy';
import { REPLAY_HEADER, replayGroups, replayPreview, replayRoute } from '../core/deadLetter';
import {
  MAX_COPY,
  describeTarget,
  parseMoveCount,
  queueTarget,
  sourceRefusal,
  type DuplicateCounting,
  type MoveMode,
  type MoveTarget,
} from '../core/messageMove';
import { formatCount } from '../core/format';
import { registerAll, type CommandServices } from './context';
import { ask, confirmDanger, pick, pickMany, pickName } from './ui';
import { searchPicker } from '../broker/pickerSearch';

const EXCHANGE_ITEM = '$(arrow-swap) An exchange and a routing key…';

/**
 * The delivery limit to pass on: a limit that could not be read ("no limit", guessed because the
 * policies were unreadable) becomes undefined, which the broker layer treats as the careful 4.x
 * default, as peek does; undefined (classic queue, or nothing read) stays undefined.
 */
function knownLimit(limit: { limit: number | null; guessed?: boolean } | undefined): number | null | undefined {
  if (limit === undefined) return undefined;
  return limit.guessed && limit.limit === null ? undefined : limit.limit;
}

async function chooseTarget(s: CommandServices, node: QueueNode, mode: MoveMode): Promise<MoveTarget> {
  const m = (await s.sessions.get(node.profileId)).management;
  // Names are searched on the server as the user types (pickerSearch.ts): no cap on how many the vhost has.
  const types = new Map<string, string>();
  const chosen = await pickName(
    `Burrow: ${mode === 'move' ? 'Move' : 'Copy'} messages from '${node.name}' to…`,
    'A queue of the same vhost (through the default exchange; type to search), or an exchange',
    (text) => searchPicker(m, node.vhost, 'queue', text),
    (n) => n !== node.name,
    types,
    [
      { label: EXCHANGE_ITEM, alwaysShow: true },
      { label: 'Queues', kind: vscode.QuickPickItemKind.Separator },
    ],
  );
  if (chosen !== EXCHANGE_ITEM) return queueTarget(chosen);
  const exchange = await pickName(
    'Burrow: target exchange',
    'Exchange (type to search)',
    (text) => searchPicker(m, node.vhost, 'exchange', text),
    (n) => n !== '',
    types,
  );
  const routingKey = await ask({
    title: `Routing key for exchange '${exchange}'`,
    prompt: 'Routing key (may be empty)',
  });
  return { exchange, routingKey };
}

async function moveOrCopy(s: CommandServices, node: ExplorerNode | undefined, mode: MoveMode): Promise<void> {
  if (!(node instanceof QueueNode)) throw new Error('Choose a queue in the Burrow tree.');
  const type = queueType(node.queue);
  const refusal = sourceRefusal(mode, type);
  if (refusal) throw new Error(refusal);
  if (type === 'stream') return copyStream(s, node);
  const session = await s.sessions.get(node.profileId);
  const target = await chooseTarget(s, node, mode);
  const q = await session.management.getQueue(node.vhost, node.name);
  const ready = q.messages_ready ?? q.messages ?? 0;
  const countText = await ask({
    title: `How many messages to ${mode} (${formatCount(ready)} ready)`,
    prompt: `A number, or "all" (the ${formatCount(ready)} ready now)`,
    value: 'all',
    validateInput: (v) =>
      parseMoveCount(v) === undefined
        ? 'A positive whole number, or "all"'
        : mode === 'copy' && (parseMoveCount(v) === 'all' ? ready : (parseMoveCount(v) as number)) > MAX_COPY
          ? `A copy holds every copied message until it ends: at most ${formatCount(MAX_COPY)}`
          : undefined,
  });
  const count = parseMoveCount(countText) ?? 'all';
  const what = count === 'all' ? `all ${formatCount(ready)} ready messages` : `${formatCount(count)} messages`;
  const detail =
    mode === 'move'
      ? `Each message is published to ${describeTarget(target)} with publisher confirms and removed from '${node.name}' only after the broker confirmed it, so none can be lost. If the connection fails, the messages in flight go back to '${node.name}' and may also have reached the target: Burrow reports them as possible duplicates.` +
        ((q.consumers ?? 0) > 0 ? ` The queue has ${q.consumers} consumers: they keep taking messages meanwhile.` : '')
      : `Each message is published to ${describeTarget(target)} with publisher confirms; Burrow holds the copied messages until the copy ends, then gives them all back to '${node.name}' in their places, marked redelivered.` +
        (type === 'quorum'
          ? ' On a quorum queue that counts as one delivery of each message: Burrow stops before a message would reach the delivery limit.'
          : '');
  const verb = mode === 'move' ? 'Move' : 'Copy';
  if (!(await confirmDanger(`${verb} ${what} from queue '${node.name}' to ${describeTarget(target)}?`, detail, verb)))
    return;
  const limit =
    type === 'classic'
      ? undefined
      : await queueDeliveryLimit(session.management, node.vhost, node.name).catch(() => undefined);
  // To an exchange: the queue it routes to, for an exact count of duplicates after a fault.
  const countIn =
    mode === 'move' && target.exchange !== ''
      ? await countingFor(s, session.management, node.vhost, [target])
      : undefined;
  await runWithProgress(s, node, `${mode === 'move' ? 'moving' : 'copying'} messages`, target, {
    mode,
    count,
    queueType: type,
    deliveryLimit: knownLimit(limit),
    ...(countIn ? { countIn } : {}),
  });
}

/** The one queue each target routes to (see broker/duplicateCounting.ts); undefined when that cannot be read. */
async function countingFor(
  s: CommandServices,
  m: ConstructorParameters<typeof LazyTopology>[0],
  vhost: string,
  targets: MoveTarget[],
): Promise<DuplicateCounting | undefined> {
  try {
    return await singleQueueCounting(new LazyTopology(m, vhost), targets);
  } catch (err) {
    s.log.warn(
      `Could not read where the targets route (duplicates after a fault will be given as bounds): ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}

/**
 * "Copy Messages…" on a stream: the target, where to start (first, the last N, a time, an offset)
 * and how many; the stream is read from there (src/broker/streamCopy.ts) and never changes.
 */
async function copyStream(s: CommandServices, node: QueueNode): Promise<void> {
  const target = await chooseTarget(s, node, 'copy');
  const where = await pick(
    [
      { label: 'From the first message', start: 'first' as const },
      { label: 'The last N messages…', start: 'last' as const },
      { label: 'From a time…', description: 'the first chunk written at or after it', start: 'timestamp' as const },
      { label: 'From an offset…', start: 'offset' as const },
    ],
    { title: `Burrow: copy from stream '${node.name}': where to start`, placeHolder: 'Starting offset' },
  );
  let start: StreamCopyStart = { kind: 'first' };
  let count: number | 'all' = 'all';
  if (where.start === 'last') {
    const n = await ask({
      title: `Copy the last N messages of '${node.name}'`,
      prompt: 'How many (the last ones written before the copy starts)',
      value: '100',
      validateInput: (v) => (typeof parseMoveCount(v) === 'number' ? undefined : 'A positive whole number'),
    });
    start = { kind: 'last', count: parseMoveCount(n) as number };
    count = start.count;
  } else {
    if (where.start === 'timestamp') {
      const t = await ask({
        title: `Copy from '${node.name}' from a time`,
        prompt: 'A date and time (ISO 8601, e.g. 2026-12-04T10:00:00Z)',
        value: new Date(Date.now() - 3_600_000).toISOString(),
        validateInput: (v) => (parseStreamStart(v)?.kind === 'timestamp' ? undefined : 'An ISO 8601 date and time'),
      });
      start = parseStreamStart(t) ?? start;
    } else if (where.start === 'offset') {
      const o = await ask({
        title: `Copy from '${node.name}' from an offset`,
        prompt: 'A stream offset (a whole number ≥ 0)',
        value: '0',
        validateInput: (v) => (parseStreamStart(`offset ${v}`)?.kind === 'offset' ? undefined : 'A whole number ≥ 0'),
      });
      start = parseStreamStart(`offset ${o}`) ?? start;
    }
    const countText = await ask({
      title: `How many messages to copy from '${node.name}' (${describeStreamStart(start)})`,
      prompt: 'A number, or "all" (every message up to the end of the stream when the copy starts)',
      value: 'all',
      validateInput: (v) => (parseMoveCount(v) === undefined ? 'A positive whole number, or "all"' : undefined),
    });
    count = parseMoveCount(countText) ?? 'all';
  }
  const what =
    start.kind === 'last'
      ? `the last ${formatCount(start.count)} messages`
      : `${count === 'all' ? 'all messages' : `${formatCount(count)} messages`} ${describeStreamStart(start)}`;
  const detail =
    `The stream is read from the chosen offset and does not change (reading a stream removes nothing). Each message is published to ${describeTarget(target)} exactly as the stream delivers it (less the x-stream-offset header the broker adds), in order, with publisher confirms. ` +
    'The copy stops at the end of the stream as it is when it starts. If the connection fails, the summary says how many messages are certainly in the target, how many were in flight (maybe in the target), and the offset to copy from again.';
  if (!(await confirmDanger(`Copy ${what} from stream '${node.name}' to ${describeTarget(target)}?`, detail, 'Copy')))
    return;
  const session = await s.sessions.get(node.profileId);
  await runWithProgress(
    s,
    node,
    'copying messages',
    target,
    { mode: 'copy', count, queueType: 'stream' },
    (signal, onProgress) =>
      copyFromStream(session.amqp, node.vhost, node.name, target, { start, count, signal, onProgress }),
  );
}

/** Runs moveMessages (or `run`) under a cancellable progress notification (count, rate), then reports the counts. */
async function runWithProgress(
  s: CommandServices,
  node: QueueNode,
  doing: string,
  target: MoveTarget,
  options: MoveOptions,
  run?: (signal: AbortSignal, onProgress: (p: MoveProgress) => void) => Promise<MoveResult>,
): Promise<void> {
  const session = await s.sessions.get(node.profileId);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Burrow: ${doing} from '${node.name}'`,
      cancellable: true,
    },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let shown = 0;
      const onProgress = (p: MoveProgress) => {
        const pct = p.total > 0 ? (p.counts.taken / p.total) * 100 : 0;
        progress.report({
          increment: Math.max(0, pct - shown),
          message: `${formatCount(p.counts.done)} of ${formatCount(p.total)} · ${Math.round(p.ratePerSecond)} msg/s`,
        });
        shown = Math.max(shown, pct);
      };
      try {
        return run
          ? await run(ac.signal, onProgress)
          : await moveMessages(session.amqp, node.vhost, node.name, target, {
              ...options,
              signal: ac.signal,
              onProgress,
            });
      } finally {
        sub.dispose();
      }
    },
  );
  s.log.info(result.summary);
  if (result.end === 'fault' || result.end === 'stopped')
    void vscode.window.showWarningMessage(`Burrow: ${result.summary}`);
  else void vscode.window.showInformationMessage(`Burrow: ${result.summary}`);
  s.explorer.refresh(node.parent);
}

/** How many messages a replay looks at for its filter choices and preview. */
const REPLAY_PREVIEW = 1000;

async function replayDeadLetters(s: CommandServices, node: ExplorerNode | undefined): Promise<void> {
  if (!(node instanceof QueueNode)) throw new Error('Choose a dead-letter queue in the Burrow tree.');
  const type = queueType(node.queue);
  const refusal = sourceRefusal('move', type);
  if (refusal) throw new Error(refusal);
  const session = await s.sessions.get(node.profileId);
  const limit =
    type === 'classic'
      ? undefined
      : await queueDeliveryLimit(session.management, node.vhost, node.name).catch(() => undefined);
  const peeked = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Burrow: reading the dead letters in '${node.name}'` },
    () =>
      peekMessages(session.amqp, node.vhost, node.name, REPLAY_PREVIEW, {
        queueType: type,
        deliveryLimit: knownLimit(limit),
      }),
  );
  const { groups, withoutDeath } = replayGroups(peeked.messages);
  if (groups.length === 0)
    throw new Error(
      `None of the first ${formatCount(peeked.messages.length)} messages of '${node.name}' has an x-death header: there is nothing to replay.`,
    );
  const chosen = await pickMany(
    groups.map((g) => ({
      label: `${g.reason} in '${g.queue}'`,
      description: `${formatCount(g.count)} of the first ${formatCount(peeked.messages.length)}`,
      picked: true,
      group: g,
    })),
    {
      title: `Burrow: replay dead letters from '${node.name}': which ones (x-death reason and queue)`,
      placeHolder: withoutDeath > 0 ? `${withoutDeath} messages without x-death stay` : 'Reason and source queue',
    },
  );
  if (chosen.length === 0) return;
  const text = await ask({
    title: 'Only messages containing (optional)',
    prompt: "Text to find in routing key, exchange, headers or body (the tail filter's match); empty for all",
  });
  const filter = { groups: chosen.map((c) => ({ reason: c.group.reason, queue: c.group.queue })), text };
  const route = replayRoute(filter);
  const preview = replayPreview(peeked.messages, filter);
  const going = preview.rows.filter((r) => r.count > 0);
  for (const x of new Set(going.map((r) => r.target.exchange)))
    if (x !== '')
      await session.amqp
        .withChannel(node.vhost, (ch) => ch.checkExchange(x))
        .catch((err: unknown) => {
          throw new Error(
            `The original exchange '${x}' of some of these messages cannot be used: ${err instanceof Error ? err.message : String(err)}`,
          );
        });
  const lines = going.map(
    (r) =>
      `→ ${describeTarget(r.target)}: ${formatCount(r.count)} (#${r.positions.join(', #')}${r.count > r.positions.length ? ', …' : ''})`,
  );
  const detail =
    `Of the first ${formatCount(peeked.messages.length)} messages:\n${lines.join('\n')}\n${formatCount(preview.staying)} stay in '${node.name}'.\n\n` +
    `Every message of the queue is looked at with the same rule. Each one that matches is published to its original exchange with its first original routing key (from x-death), exactly as it is (x-death included), with publisher confirms, and removed from '${node.name}' only after the confirm: none can be lost; if the connection fails, the ones in flight are reported as possible duplicates. ` +
    `"Replay and Tag" adds the header ${REPLAY_HEADER} (the time of the replay).`;
  const total = preview.rows.reduce((n, r) => n + r.count, 0);
  const answer = await vscode.window.showWarningMessage(
    `Replay ${formatCount(total)} dead letters (of the first ${formatCount(peeked.messages.length)}) from '${node.name}'?`,
    { modal: true, detail },
    'Replay',
    'Replay and Tag',
  );
  if (answer === undefined) return;
  const countIn = await countingFor(
    s,
    session.management,
    node.vhost,
    going.map((r) => r.target),
  );
  await runWithProgress(
    s,
    node,
    'replaying dead letters',
    { exchange: '', routingKey: '' },
    {
      mode: 'move',
      count: 'all',
      queueType: type,
      deliveryLimit: knownLimit(limit),
      route,
      targetLabel: 'their original exchanges',
      ...(countIn ? { countIn } : {}),
      verb: 'Replayed',
      ...(answer === 'Replay and Tag' ? { tagHeader: { name: REPLAY_HEADER, value: new Date().toISOString() } } : {}),
    },
  );
}

/** The most messages a search looks at. */
const SEARCH_MAX = MAX_COPY;

/**
 * "Search Messages…": the tail filter's text, how many messages (streams: from the first), then a
 * live list of the matches as they are found (the title shows the progress; closing it cancels).
 * Choosing a match opens it as JSON (every property and typed header, body in base64).
 */
async function searchMessages(s: CommandServices, node: ExplorerNode | undefined): Promise<void> {
  if (!(node instanceof QueueNode)) throw new Error('Choose a queue in the Burrow tree.');
  const type = queueType(node.queue);
  const text = await ask({
    title: `Search messages in '${node.name}'`,
    prompt:
      "Text to find (case-insensitive) in routing key, exchange, header names and values, or the first 64 KB of the body (the tail filter's match)",
  });
  const maxText = await ask({
    title: `How many messages to look at in '${node.name}'${type === 'stream' ? ' (from the first)' : ''}`,
    prompt: `A number up to ${formatCount(type === 'stream' ? MAX_PEEK : SEARCH_MAX)}, or "all"`,
    value: '1000',
    validateInput: (v) => (parseMoveCount(v) === undefined ? 'A positive whole number, or "all"' : undefined),
  });
  const parsed = parseMoveCount(maxText) ?? 'all';
  const cap = type === 'stream' ? MAX_PEEK : SEARCH_MAX;
  const max = parsed === 'all' ? cap : Math.min(parsed, cap);
  const session = await s.sessions.get(node.profileId);
  const limit =
    type === 'classic' || type === 'stream'
      ? undefined
      : await queueDeliveryLimit(session.management, node.vhost, node.name).catch(() => undefined);

  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { message: CapturedMessage }>();
  qp.title = `Searching '${node.name}' for "${text}"…`;
  qp.placeholder = 'Matches appear as they are found; choose one to open it as JSON. Close to cancel.';
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.busy = true;
  qp.ignoreFocusOut = true;
  const ac = new AbortController();
  const items: (vscode.QuickPickItem & { message: CapturedMessage })[] = [];
  let scanned = 0;
  let total = max;
  let flush: NodeJS.Timeout | undefined;
  const show = () => {
    flush = undefined;
    qp.items = [...items];
    qp.title = `Searching '${node.name}' for "${text}": ${formatCount(items.length)} matches in ${formatCount(scanned)} of ${formatCount(total)}…`;
  };
  const later = () => (flush ??= setTimeout(show, 100));
  qp.onDidHide(() => {
    ac.abort();
    qp.dispose();
  });
  qp.onDidAccept(() => {
    const chosen = qp.selectedItems[0];
    if (!chosen) return;
    void vscode.workspace
      .openTextDocument({ content: JSON.stringify(toExportable(chosen.message), null, 2), language: 'json' })
      .then((doc) => vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true }));
  });
  qp.show();
  const decoder = new TextDecoder();
  const r = await searchQueue(session.amqp, node.vhost, node.name, text, {
    max,
    queueType: type,
    deliveryLimit: knownLimit(limit),
    signal: ac.signal,
    onMatch: (m, position) => {
      items.push({
        label: `#${position}  ${m.routingKey === '' ? '(empty routing key)' : m.routingKey}`,
        description: decoder.decode(m.body.subarray(0, 200)).replace(/\s+/g, ' ').slice(0, 120),
        detail: [
          m.properties.messageId ? `message id ${m.properties.messageId}` : '',
          m.exchange ? `via ${m.exchange}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
        message: m,
      });
      later();
    },
    onProgress: (n, t) => {
      scanned = n;
      total = t;
      later();
    },
  }).catch((err: unknown) => {
    qp.dispose();
    throw err;
  });
  if (flush) clearTimeout(flush);
  scanned = r.scanned;
  show();
  qp.busy = false;
  qp.title =
    `${formatCount(r.matches)} matches for "${text}" in ${formatCount(r.scanned)} messages of '${node.name}'` +
    (r.end === 'cancelled' ? ' (cancelled)' : '') +
    (r.reason ? ` — ${r.reason}` : '') +
    (type === 'stream' ? '' : ' · every message is back in place');
  s.log.info(qp.title);
}

export function registerMessageOpCommands(s: CommandServices): vscode.Disposable[] {
  return registerAll(s, {
    'burrow.moveMessages': (_s, node?: ExplorerNode) => moveOrCopy(s, node, 'move'),
    'burrow.copyMessages': (_s, node?: ExplorerNode) => moveOrCopy(s, node, 'copy'),
    'burrow.replayDeadLetters': replayDeadLetters,
    'burrow.searchMessages': searchMessages,
  });
}
