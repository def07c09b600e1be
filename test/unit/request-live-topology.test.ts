import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionProfile } from '../../src/core/profile';
import type { BrokerSession } from '../../src/broker/session';
import type { ListOptions } from '../../src/broker/management';
import { PICKER_PAGE } from '../../src/protocol/picker';
import { BrokerError } from '../../src/broker/errors';
import { LIST_TTL_MS, LiveTopology, ROUTING_RELOAD_MS } from '../../src/requestFiles/language/live';
import {
  defaultExchangeKeys,
  exchangeEntries,
  peekQueueEntries,
  typedSoFar,
} from '../../src/requestFiles/language/searchedTargets';

const profile = (id: string, name = id): ConnectionProfile => ({
  id,
  name,
  host: 'h',
  port: 5672,
  vhost: '/',
  username: 'u',
  tls: false,
});

/** A session whose management client counts calls; getQueue answers 404 for 'missing'. */
function fakeSession(p: ConnectionProfile) {
  const calls: string[] = [];
  const queueCalls: ListOptions[] = [];
  let fail = false;
  const management = {
    // 1,200 exchanges: more than any one page; the fake filters like the API (substring).
    listExchanges: async (vhost: string, opts: ListOptions) => {
      calls.push(`exchanges ${vhost} ${JSON.stringify(opts)}`);
      const all = Array.from({ length: 1200 }, (_, i) => ({ name: `ex-${String(i).padStart(4, '0')}`, type: 'topic' }));
      const hit = all.filter((x) => x.name.includes(opts.name ?? ''));
      const items = hit.slice(0, opts.pageSize);
      return {
        items,
        page: 1,
        pageSize: opts.pageSize,
        pageCount: 1,
        filteredCount: hit.length,
        totalCount: all.length,
      };
    },
    // 1,200 queues too ('q-0000'…'q-1199'), 'q1' first, filtered like the API.
    listQueues: async (vhost: string, opts: ListOptions) => {
      calls.push(`queues ${vhost}${opts.name ? ` ${opts.name}` : ''}`);
      queueCalls.push(opts);
      if (fail) throw new Error('down');
      const all = [
        { name: 'q1', type: 'quorum', messages_ready: 3 },
        ...Array.from({ length: 1199 }, (_, i) => ({ name: `q-${String(i + 1).padStart(4, '0')}` })),
      ];
      const hit = all.filter((x) => x.name.includes(opts.name ?? ''));
      return {
        items: hit.slice(0, opts.pageSize),
        page: 1,
        pageSize: opts.pageSize,
        pageCount: 1,
        filteredCount: hit.length,
        totalCount: all.length,
      };
    },
    getQueue: async (_v: string, name: string) => {
      calls.push(`queue ${name}`);
      if (name === 'missing') throw new BrokerError('not found', 'management', 404);
      return { name };
    },
  };
  const session = { profile: p, management } as unknown as BrokerSession;
  return { session, calls, queueCalls, setFail: (f: boolean) => (fail = f) };
}

function setup(opts: { profiles: ConnectionProfile[]; open?: string[]; passwords?: string[] }) {
  let now = 1000;
  const opened: string[] = [];
  const sessions = new Map(opts.profiles.map((p) => [p.id, fakeSession(p)]));
  const live = new LiveTopology({
    profiles: () => opts.profiles,
    hasPassword: async (p) => (opts.passwords ?? []).includes(p.id),
    session: async (p) => {
      opened.push(p.id);
      return sessions.get(p.id)!.session;
    },
    isOpen: (id) => (opts.open ?? []).includes(id),
    now: () => now,
  });
  return { live, opened, sessions, tick: (ms: number) => (now += ms) };
}

test('connections: by name (or id), the only one when none is named, unknown names with the known ones', () => {
  const one = setup({ profiles: [profile('a', 'local')] }).live;
  assert.equal(one.connection(undefined).ok, true);
  assert.equal(one.connection('local').ok, true);
  assert.deepEqual(one.connection('prod'), { ok: false, unknown: 'prod', known: ['local'] });
  const two = setup({ profiles: [profile('a'), profile('b')] }).live;
  assert.deepEqual(two.connection(undefined), { ok: false, known: ['a', 'b'] });
});

test('sessions: never opened without a stored password; diagnostics only use open ones', async () => {
  const { live, opened } = setup({ profiles: [profile('a'), profile('b')], passwords: ['b'], open: [] });
  assert.equal(await live.quietSession(profile('a')), undefined);
  assert.ok(await live.quietSession(profile('b')));
  assert.equal(await live.openSession(profile('b')), undefined);
  assert.deepEqual(opened, ['b']);
});

test('listings are cached a few seconds per connection and vhost; failures are not kept', async () => {
  const { live, sessions, tick } = setup({ profiles: [profile('a')] });
  const f = sessions.get('a')!;
  await live.queues(f.session, '/');
  await live.queues(f.session, '/');
  await live.queues(f.session, 'v');
  assert.deepEqual(f.calls, ['queues /', 'queues v']);
  tick(LIST_TTL_MS);
  await live.queues(f.session, '/');
  assert.equal(f.calls.length, 3);
  f.setFail(true);
  tick(LIST_TTL_MS);
  await assert.rejects(live.queues(f.session, '/'));
  f.setFail(false);
  assert.equal((await live.queues(f.session, '/')).items[0]!.name, 'q1');
  assert.equal(await live.queue(f.session, '/', 'missing'), undefined);
  assert.deepEqual(await live.queue(f.session, '/', 'q1'), { name: 'q1' });
});

test('one routing reader per connection and vhost, reloaded at most every 10 s', () => {
  const { live, sessions, tick } = setup({ profiles: [profile('a')] });
  const s = sessions.get('a')!.session;
  const r = live.routing(s, '/');
  let reloads = 0;
  r.reload = () => void reloads++;
  assert.equal(live.routing(s, '/'), r);
  assert.notEqual(live.routing(s, 'v'), r);
  tick(ROUTING_RELOAD_MS - 1);
  live.routing(s, '/');
  assert.equal(reloads, 0);
  tick(1);
  live.routing(s, '/');
  live.routing(s, '/');
  assert.equal(reloads, 1);
});

test('exchanges are searched on the server with the typed text: one page, no cap, cached per text', async () => {
  const { live, sessions } = setup({ profiles: [profile('a')], open: ['a'] });
  const f = sessions.get('a')!;
  const first = await live.exchanges(f.session, '/');
  assert.equal(first.items.length, PICKER_PAGE);
  assert.equal(first.total, 1200);
  assert.ok(first.matched > first.items.length, 'more than a page: the completion list is incomplete');
  // An exchange far past any page of 500 is found by typing part of its name.
  const typed = await live.exchanges(f.session, '/', '1199');
  assert.deepEqual(
    typed.items.map((x) => x.name),
    ['ex-1199'],
  );
  assert.equal(typed.matched, 1);
  await live.exchanges(f.session, '/', '1199');
  assert.deepEqual(
    f.calls.map((c) => JSON.parse(c.slice(c.indexOf('{'))) as ListOptions),
    [
      { page: 1, pageSize: PICKER_PAGE, name: '', columns: ['name', 'type'] },
      { page: 1, pageSize: PICKER_PAGE, name: '1199', columns: ['name', 'type'] },
    ],
  );
});

test('the bind command and the .amqp completion list exchanges through the server-side search, never a capped page', async () => {
  const { readFileSync } = await import('node:fs');
  for (const file of ['src/commands/topology.ts', 'src/requestFiles/language/live.ts']) {
    const src = readFileSync(file, 'utf8');
    assert.doesNotMatch(src, /listExchanges\(/, `${file} lists exchanges page by page`);
    assert.match(src, /searchPicker\(/, file);
  }
  // Queues too: one page of the names containing the typed text, never a first page of 500.
  const live = readFileSync('src/requestFiles/language/live.ts', 'utf8');
  assert.doesNotMatch(live, /pageSize: 500/);
});

test('queues (PEEK completion, default-exchange keys) are searched on the server with the typed text: one page, no cap, cached per text', async () => {
  const { live, sessions } = setup({ profiles: [profile('a')], open: ['a'] });
  const f = sessions.get('a')!;
  const first = await live.queues(f.session, '/');
  assert.equal(first.items.length, PICKER_PAGE);
  assert.equal(first.total, 1200);
  assert.equal(first.matched, 1200);
  const list = peekQueueEntries(first);
  assert.equal(list.incomplete, true, 'more than a page: VS Code must ask again as the user types');
  assert.deepEqual(list.entries[0], { name: 'q1', detail: 'quorum queue, 3 ready' });
  assert.deepEqual(list.entries[1], { name: 'q-0001', detail: 'classic queue, 0 ready' });
  assert.ok(!list.entries.some((e) => e.name === 'q-1199'), 'q-1199 is far past the first page');
  // Typing part of its name finds it, and the list is complete (VS Code filters the rest itself).
  const typed = await live.queues(f.session, '/', typedSoFar('q-119'));
  const found = peekQueueEntries(typed);
  assert.deepEqual(
    found.entries.map((e) => e.name),
    ['q-1190', 'q-1191', 'q-1192', 'q-1193', 'q-1194', 'q-1195', 'q-1196', 'q-1197', 'q-1198', 'q-1199'],
  );
  assert.equal(found.incomplete, false);
  // The default exchange's routing keys are the same search.
  assert.deepEqual(defaultExchangeKeys(typed).entries.at(-1), { name: 'q-1199', detail: 'queue (default exchange)' });
  await live.queues(f.session, '/', 'q-119');
  assert.deepEqual(f.queueCalls, [
    { page: 1, pageSize: PICKER_PAGE, name: '', columns: ['name', 'type', 'messages_ready'] },
    { page: 1, pageSize: PICKER_PAGE, name: 'q-119', columns: ['name', 'type', 'messages_ready'] },
  ]);
});

test('completion lists: the typed text drops an opening quote; the default exchange is not listed among exchanges', () => {
  assert.equal(typedSoFar('"ord'), 'ord');
  assert.equal(typedSoFar('ord'), 'ord');
  assert.equal(typedSoFar(''), '');
  const m = {
    kind: 'exchange' as const,
    text: '',
    items: [
      { name: '', type: 'direct' },
      { name: 'logs', type: 'fanout' },
    ],
    matched: 2,
    total: 2,
  };
  assert.deepEqual(exchangeEntries(m), { entries: [{ name: 'logs', detail: 'fanout exchange' }], incomplete: false });
  assert.equal(exchangeEntries({ ...m, matched: 3 }).incomplete, true);
});
