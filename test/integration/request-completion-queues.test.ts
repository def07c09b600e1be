/**
 * `.amqp` completion of queues (PEEK's target, the default exchange's routing key) on a vhost with
 * more queues than any one page of the management API (600 > 500): the queues are searched on the
 * server with what is typed (src/requestFiles/language/live.ts, searchedTargets.ts), so a queue
 * past the first 500 by name is offered once part of its name is typed.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerSession } from '../../src/broker/session';
import { cursorContext, scopeAt } from '../../src/core/requestFile/cursor';
import { PICKER_PAGE } from '../../src/protocol/picker';
import { LiveTopology } from '../../src/requestFiles/language/live';
import {
  defaultExchangeKeys,
  peekQueueEntries,
  typedSoFar,
  type SearchedList,
} from '../../src/requestFiles/language/searchedTargets';
import { BROKERS, createTestVhost, deleteTestVhost, managementClientOf, uniqueVhost } from './helpers';

const QUEUES = 600;
const name = (i: number) => `pq.${String(i).padStart(4, '0')}`;

for (const B of BROKERS)
  describe(`.amqp queue completion searches the server, no cap [${B.label}]`, { timeout: 120_000 }, () => {
    const mc = managementClientOf(B);
    const vhost = uniqueVhost('burrow-test-reqq');
    const session = { profile: { id: `reqq-${B.id}` }, management: mc } as unknown as BrokerSession;
    const live = new LiveTopology({
      profiles: () => [],
      hasPassword: () => Promise.resolve(true),
      session: () => Promise.resolve(session),
      isOpen: () => true,
    });

    before(async () => {
      await createTestVhost(mc, vhost);
      const res = await B.mgmt('POST', `/api/definitions/${encodeURIComponent(vhost)}`, {
        queues: Array.from({ length: QUEUES }, (_, i) => ({
          name: name(i),
          durable: false,
          auto_delete: false,
          arguments: {},
        })),
      });
      assert.ok(res.ok, `definitions import: ${res.status}`);
    });
    after(() => deleteTestVhost(mc, vhost));

    /** What completion offers at the end of the request line `line` (the file's vhost is the test's). */
    async function completeAtEnd(line: string): Promise<SearchedList> {
      const text = `@vhost = ${vhost}\n### q\n${line}`;
      const pos = { line: 2, character: line.length };
      const ctx = cursorContext(text, pos);
      const scope = scopeAt(text, pos.line);
      assert.equal(scope.vhost, vhost);
      const typed = typedSoFar(line.slice(ctx.kind === 'none' ? 0 : ctx.range.start.character, pos.character));
      if (ctx.kind === 'target' && ctx.verb === 'peek')
        return peekQueueEntries(await live.queues(session, scope.vhost, typed));
      if (ctx.kind === 'routing-key' && scope.target === '')
        return defaultExchangeKeys(await live.queues(session, scope.vhost, typed));
      throw new Error(`unexpected context ${ctx.kind} for ${line}`);
    }

    test('the setup means something: the last queue is past the first page of 500', async () => {
      const first500 = await mc.listQueues(vhost, { page: 1, pageSize: 500, columns: ['name'] });
      assert.equal(first500.totalCount, QUEUES);
      assert.ok(!first500.items.some((q) => q.name === name(QUEUES - 1)));
    });

    test('nothing typed: one page, incomplete (VS Code asks again as the user types)', async () => {
      const list = await completeAtEnd('PEEK ');
      assert.equal(list.entries.length, PICKER_PAGE);
      assert.equal(list.incomplete, true);
      assert.deepEqual(list.entries[0], { name: name(0), detail: 'classic queue, 0 ready' });
    });

    test('typing a prefix of a queue past the first 500 offers it', async () => {
      // 'pq.05' matches pq.0500…pq.0599: 100, more than a page, still incomplete.
      const partial = await completeAtEnd('PEEK pq.05');
      assert.equal(partial.incomplete, true);
      assert.equal(partial.entries[0]!.name, name(500));
      const list = await completeAtEnd('PEEK pq.059');
      assert.deepEqual(
        list.entries.map((e) => e.name),
        Array.from({ length: 10 }, (_, i) => name(590 + i)),
      );
      assert.equal(list.incomplete, false, 'every match is in the list');
      // A quoted target is searched without its quote.
      const quoted = await completeAtEnd('PEEK "pq.0599');
      assert.deepEqual(
        quoted.entries.map((e) => e.name),
        [name(599)],
      );
    });

    test("the default exchange's routing key is the same search", async () => {
      const list = await completeAtEnd('PUBLISH "" pq.0599');
      assert.deepEqual(list.entries, [{ name: name(599), detail: 'queue (default exchange)' }]);
      assert.equal(list.incomplete, false);
    });
  });
