import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The tree's context menus are driven by `viewItem` when-clauses in package.json. A loose
 * regex (/^queue/ also matches the "queues" group) once put Purge and Delete on the group
 * rows; this evaluates every clause against the contextValues the tree model produces.
 */
interface MenuItem {
  command: string;
  when: string;
  group?: string;
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { menus: { 'view/item/context': MenuItem[] }; commands: { command: string }[] };
};
const items = pkg.contributes.menus['view/item/context'];

/** Evaluates the subset of when-clause syntax the manifest uses: `a && b`, `x == y`, `viewItem =~ /re/`. */
function applies(when: string, viewItem: string): boolean {
  return when.split('&&').every((raw) => {
    const clause = raw.trim();
    const regex = /^viewItem =~ \/(.*)\/$/.exec(clause);
    if (regex) return new RegExp(regex[1]).test(viewItem);
    const eq = /^(\w+) == ([\w.]+)$/.exec(clause);
    if (eq) return eq[1] === 'view' ? eq[2] === 'burrow.explorer' : eq[1] === 'viewItem' && eq[2] === viewItem;
    throw new Error(`unsupported when clause: ${clause}`);
  });
}

function commandsFor(viewItem: string): Set<string> {
  return new Set(items.filter((i) => applies(i.when, viewItem)).map((i) => i.command));
}

// Every contextValue produced by src/explorer/nodes.ts.
const expected: Record<string, { has: string[]; not: string[] }> = {
  connection: {
    has: ['burrow.testConnection', 'burrow.removeConnection', 'burrow.createVhost', 'burrow.showOverview'],
    not: ['burrow.disconnect', 'burrow.purgeQueue'],
  },
  'connection.open': {
    has: ['burrow.disconnect', 'burrow.editConnection', 'burrow.showOverview'],
    not: ['burrow.deleteQueue', 'burrow.showDetails'],
  },
  vhost: {
    has: [
      'burrow.declareQueue',
      'burrow.declareExchange',
      'burrow.deleteVhost',
      'burrow.publish',
      'burrow.routingTester',
    ],
    not: ['burrow.purgeQueue', 'burrow.peek', 'burrow.showDetails', 'burrow.showOverview'],
  },
  queues: {
    has: ['burrow.declareQueue', 'burrow.filter'],
    not: [
      'burrow.purgeQueue',
      'burrow.deleteQueue',
      'burrow.peek',
      'burrow.publish',
      'burrow.clearFilter',
      'burrow.bind',
    ],
  },
  'queues.filtered': { has: ['burrow.clearFilter', 'burrow.declareQueue'], not: ['burrow.deleteQueue'] },
  exchanges: {
    has: ['burrow.declareExchange', 'burrow.filter'],
    not: ['burrow.deleteExchange', 'burrow.publish', 'burrow.tail', 'burrow.bind'],
  },
  'queue.classic': {
    has: [
      'burrow.peek',
      'burrow.tail',
      'burrow.publish',
      'burrow.purgeQueue',
      'burrow.deleteQueue',
      'burrow.bind',
      'burrow.copyName',
      'burrow.rpc',
      'burrow.showDetails',
    ],
    not: ['burrow.deleteExchange', 'burrow.showOverview'],
  },
  'queue.quorum': { has: ['burrow.peek', 'burrow.deleteQueue', 'burrow.showDetails'], not: [] },
  'queue.stream': {
    has: ['burrow.peek', 'burrow.tail', 'burrow.showDetails', 'burrow.copyMessages'],
    not: ['burrow.moveMessages', 'burrow.replayDeadLetters'],
  },
  exchange: {
    has: [
      'burrow.deleteExchange',
      'burrow.bind',
      'burrow.tail',
      'burrow.publish',
      'burrow.routingTester',
      'burrow.showDetails',
    ],
    not: ['burrow.purgeQueue', 'burrow.peek'],
  },
  'exchange.system': {
    has: ['burrow.bind', 'burrow.tail', 'burrow.publish', 'burrow.showDetails'],
    not: ['burrow.deleteExchange'],
  },
  'exchange.default': {
    has: ['burrow.publish', 'burrow.showDetails'],
    not: ['burrow.deleteExchange', 'burrow.bind', 'burrow.tail'],
  },
  binding: { has: ['burrow.unbind'], not: ['burrow.deleteQueue'] },
  'binding.default': { has: [], not: ['burrow.unbind'] },
  consumer: { has: ['burrow.copyName'], not: ['burrow.deleteQueue'] },
  // Burrow's own tap queue (a running Tail's): nothing that would destroy it or treat it as a work queue.
  tapQueue: {
    has: ['burrow.copyName'],
    not: [
      'burrow.purgeQueue',
      'burrow.deleteQueue',
      'burrow.bind',
      'burrow.peek',
      'burrow.tail',
      'burrow.publish',
      'burrow.rpc',
      'burrow.deleteExchange',
      'burrow.showDetails',
    ],
  },
  users: { has: ['burrow.createUser'], not: ['burrow.deleteUser', 'burrow.setPermissions'] },
  user: { has: ['burrow.deleteUser', 'burrow.setUserTags', 'burrow.setPermissions'], not: ['burrow.createUser'] },
  permissions: { has: ['burrow.setPermissions'], not: ['burrow.deletePermissions'] },
  permission: { has: ['burrow.setPermissions', 'burrow.deletePermissions'], not: [] },
  policies: {
    has: ['burrow.createPolicy', 'burrow.createOperatorPolicy'],
    not: ['burrow.deletePolicy', 'burrow.editPolicy'],
  },
  policy: { has: ['burrow.editPolicy', 'burrow.deletePolicy', 'burrow.createPolicy'], not: ['burrow.deleteQueue'] },
  operatorPolicy: { has: ['burrow.editPolicy', 'burrow.deletePolicy'], not: ['burrow.deleteQueue'] },
  error: { has: [], not: ['burrow.deleteQueue', 'burrow.purgeQueue'] },
  loadMore: { has: [], not: ['burrow.deleteQueue'] },
};

for (const [viewItem, { has, not }] of Object.entries(expected)) {
  test(`context menu of '${viewItem}' rows`, () => {
    const commands = commandsFor(viewItem);
    for (const c of has) assert.ok(commands.has(c), `${c} should be offered on ${viewItem}`);
    for (const c of not) assert.ok(!commands.has(c), `${c} must not be offered on ${viewItem}`);
  });
}

test('every menu entry names a contributed command', () => {
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const i of items) assert.ok(contributed.has(i.command), i.command);
});
