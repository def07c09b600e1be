/**
 * The live diagnostics of `.amqp` requests (src/requestFiles/language/liveCheck.ts) against a real
 * topology on each broker: an exchange with bindings, a key that routes, one that does not, an
 * unknown exchange and queue, an unknown connection, and a session that is not open (nothing live).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionProfile } from '../../src/core/profile';
import { BrokerSession } from '../../src/broker/session';
import { liveRequests } from '../../src/core/requestFile/cursor';
import { LiveTopology } from '../../src/requestFiles/language/live';
import { liveProblems } from '../../src/requestFiles/language/liveCheck';
import { BROKERS, dropVhost, makeVhost } from './helpers';

for (const B of BROKERS) {
  describe(`.amqp live diagnostics [${B.label}]`, { timeout: 60_000 }, () => {
    let vhost = '';
    let session: BrokerSession;
    let open = true;
    let live: LiveTopology;
    const profile = (): ConnectionProfile => ({
      id: `reqlang-${B.id}`,
      name: 'local',
      host: '127.0.0.1',
      port: B.amqpPort,
      vhost,
      username: 'guest',
      tls: false,
      managementUrl: B.mgmtUrl,
    });

    before(async () => {
      vhost = await makeVhost(B, 'burrow-reqlang');
      const v = encodeURIComponent(vhost);
      await B.mgmt('PUT', `/api/exchanges/${v}/logs`, { type: 'topic', durable: false });
      await B.mgmt('PUT', `/api/queues/${v}/crit`, { durable: false });
      await B.mgmt('PUT', `/api/queues/${v}/hq`, { durable: false });
      await B.mgmt('POST', `/api/bindings/${v}/e/logs/q/crit`, { routing_key: '*.critical' });
      await B.mgmt('POST', `/api/bindings/${v}/e/amq.headers/q/hq`, {
        routing_key: '',
        arguments: { 'x-match': 'all', format: 'pdf' },
      });
      session = await BrokerSession.open(profile(), 'guest');
      live = new LiveTopology({
        profiles: () => [profile(), { ...profile(), id: 'other', name: 'other' }],
        hasPassword: () => Promise.resolve(true),
        session: () => Promise.resolve(session),
        isOpen: () => open,
      });
    });

    after(async () => {
      await session?.dispose();
      if (vhost) await dropVhost(B, vhost);
    });

    const problemsOf = async (text: string) => {
      const reqs = liveRequests(`@connection = local\n@vhost = ${vhost}\n${text}`);
      assert.equal(reqs.length, 1);
      return liveProblems(reqs[0]!, live);
    };

    test('a key that routes: no problem; through the default exchange too', async () => {
      assert.deepEqual(await problemsOf('### a\nPUBLISH logs kern.critical\n\nhello'), []);
      assert.deepEqual(await problemsOf('### a\nPUBLISH "" crit'), []);
      assert.deepEqual(await problemsOf('### a\nCALL logs disk.critical'), []);
    });

    test('a key that reaches no queue: a warning on the key', async () => {
      const p = await problemsOf('### a\nPUBLISH logs kern.info\n\nhello');
      assert.deepEqual(
        p.map((x) => [x.severity, x.code, x.span.start.line, x.span.start.character]),
        [['warning', 'unroutable', 3, 13]],
      );
      const d = await problemsOf('### a\nPUBLISH "" no-such-queue');
      assert.equal(d[0]?.code, 'unroutable');
    });

    test('headers exchange: the typed headers decide', async () => {
      assert.deepEqual(await problemsOf('### a\nPUBLISH amq.headers x\nheader format:string = pdf'), []);
      const p = await problemsOf('### a\nPUBLISH amq.headers x\nheader format = doc');
      assert.equal(p[0]?.code, 'unroutable');
    });

    test('unknown exchange and queue: errors on the name', async () => {
      const x = await problemsOf('### a\nPUBLISH nope k');
      assert.deepEqual(
        x.map((p) => [p.severity, p.code, p.message]),
        [['error', 'unknown-exchange', `no exchange 'nope' in vhost '${vhost}' on 'local'`]],
      );
      assert.equal((await problemsOf('### a\nROUTE nope k'))[0]?.code, 'unknown-exchange');
      const q = await problemsOf('### a\nPEEK nope 3');
      assert.deepEqual(
        q.map((p) => [p.code, p.span.start.character, p.span.end.character]),
        [['unknown-queue', 5, 9]],
      );
      assert.deepEqual(await problemsOf('### a\nPEEK crit 3'), []);
      // ROUTE only checks the exchange: its key is the question, not a mistake.
      assert.deepEqual(await problemsOf('### a\nROUTE logs kern.info'), []);
    });

    test('unknown connection, and nothing live while the session is not open', async () => {
      const p = await problemsOf('### a\nPUBLISH logs kern.info\nconnection: prod');
      assert.deepEqual(
        p.map((x) => [x.code, x.message]),
        [['unknown-connection', "unknown connection 'prod' (known: 'local', 'other')"]],
      );
      open = false;
      try {
        assert.deepEqual(await problemsOf('### a\nPUBLISH nope k'), []);
      } finally {
        open = true;
      }
    });
  });
}
