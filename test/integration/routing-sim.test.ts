/**
 * The routing simulator against the real broker: declare a topology with one queue per
 * binding, publish many (exchange, routing key, headers) cases with a marker, read back
 * which queues got each marker, and require the simulator to predict exactly that set
 * (and the mandatory return for unroutable messages).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { RoutingSimulator, type SimExchange, type SimTopology } from '../../src/core/routing';
import { createTestVhost, deleteTestVhost, endpointOf, managementClientOf, uniqueVhost } from './helpers';
import { BROKERS } from '../brokers';

for (const B of BROKERS) {
  const VHOST = uniqueVhost('burrow-test-routing');

  interface XDecl {
    name: string;
    type: string;
    args?: Record<string, unknown>;
    internal?: boolean;
  }
  interface BDecl {
    source: string;
    /** Exchange destination; absent = a fresh queue named after the binding. */
    toExchange?: string;
    key: string;
    args?: Record<string, unknown>;
  }

  const EXCHANGES: XDecl[] = [
    { name: 't', type: 'topic' },
    { name: 'd', type: 'direct' },
    { name: 'f', type: 'fanout' },
    { name: 'int', type: 'fanout', internal: true },
    { name: 'h', type: 'headers' },
    { name: 'x1', type: 'fanout' },
    { name: 'x2', type: 'topic' },
    { name: 'withae', type: 'direct', args: { 'alternate-exchange': 'ae' } },
    { name: 'ae', type: 'fanout' },
    { name: 'ae2', type: 'topic' },
    { name: 'withae2', type: 'direct', args: { 'alternate-exchange': 'withae' } },
    { name: 'aeloop1', type: 'direct', args: { 'alternate-exchange': 'aeloop2' } },
    { name: 'aeloop2', type: 'direct', args: { 'alternate-exchange': 'aeloop1' } },
    { name: 'aedef', type: 'direct', args: { 'alternate-exchange': '' } },
    { name: 'aemissing', type: 'direct', args: { 'alternate-exchange': 'no-such-exchange' } },
    { name: 'fwd', type: 'fanout' },
    { name: 'deadend-src', type: 'direct', args: { 'alternate-exchange': 'ae' } },
    { name: 'deadend', type: 'direct' },
  ];

  // No pattern has more than two '#' words (3.10.8 can stall on those).
  const TOPIC_PATTERNS = [
    '*.info',
    'kern.*',
    '#.ne',
    'audit.#',
    '#',
    'a.*.c',
    '',
    '*',
    'a.#.c',
    '#.b.#',
    'a*.b',
    '*.*',
    'ключ.*',
    '#.#',
  ];

  const BINDINGS: BDecl[] = [
    ...TOPIC_PATTERNS.map((key) => ({ source: 't', key })),
    { source: 't', toExchange: 'x1', key: 'e2e.#' },
    { source: 't', toExchange: 'd', key: 'kern.*' },
    ...['a', 'b', '', 'kern.info', '.', 'A'].map((key) => ({ source: 'd', key })),
    { source: 'd', key: 'a' }, // second queue on the same key
    { source: 'f', key: '' },
    { source: 'f', key: 'ignored' },
    { source: 'f', toExchange: 'int', key: '' },
    { source: 'int', key: '' },
    { source: 'h', key: '', args: { 'x-match': 'all', format: 'pdf', type: 'report' } },
    { source: 'h', key: '', args: { 'x-match': 'any', format: 'pdf', type: 'report' } },
    { source: 'h', key: '', args: { 'x-match': 'all-with-x', 'x-tenant': 'acme', format: 'pdf' } },
    { source: 'h', key: '', args: { 'x-match': 'any-with-x', 'x-tenant': 'acme', format: 'zip' } },
    { source: 'h', key: 'keys are ignored', args: {} },
    { source: 'h', key: '', args: { 'x-match': 'any' } },
    { source: 'h', key: '', args: { 'x-match': 'all', n: 5 } },
    { source: 'h', key: '', args: { 'x-match': 'any', 'x-tenant': 'acme', level: 'error' } },
    // e2e with a cycle and a self loop
    { source: 'x1', key: '' },
    { source: 'x1', toExchange: 'x2', key: '' },
    { source: 'x2', key: '#.ne' },
    { source: 'x2', toExchange: 'x1', key: '#' },
    { source: 'x2', toExchange: 'x2', key: '#' },
    // alternate exchanges
    { source: 'withae', key: 'known' },
    { source: 'ae', key: '' },
    { source: 'ae', toExchange: 'ae2', key: '' },
    { source: 'ae2', key: 'kern.*' },
    { source: 'withae2', key: 'k2' },
    { source: 'aeloop2', key: 'loop' },
    { source: 'fwd', toExchange: 'withae', key: '' },
    { source: 'deadend-src', toExchange: 'deadend', key: 'x' },
  ];

  const KEYS = [
    '',
    '.',
    '..',
    'a..b',
    'a..c',
    'kern.info',
    'a.b.ne',
    'ne',
    'audit',
    'audit.x.y',
    'a.b.c',
    'a.x.y.c',
    'x',
    'info',
    '.info',
    'kern.',
    'e2e.ne',
    'e2e',
    'known',
    'k2',
    'loop',
    'a',
    'A',
    'b',
    'a*.b',
    'ab.b',
    'a.b',
    'ключ.x',
    'q.f.0',
    'q.t.0',
    'w.'.repeat(126) + 'ne', // 254 bytes
    'audit.' + 'x'.repeat(249), // 255 bytes
    'a.' + 'b.'.repeat(60) + 'c',
  ];
  const KEY_ENTRIES = [
    't',
    'd',
    'f',
    'x1',
    'x2',
    'withae',
    'withae2',
    'aeloop1',
    'aedef',
    'aemissing',
    'fwd',
    'deadend-src',
    '',
    'amq.topic',
  ];

  const HEADER_SETS: Array<Record<string, unknown>> = [
    {},
    { format: 'pdf', type: 'report' },
    { format: 'pdf' },
    { format: 'pdf', type: 'log' },
    { 'x-tenant': 'acme', format: 'pdf' },
    { 'x-tenant': 'acme' },
    { format: 'zip' },
    { format: 1 },
    { n: 5 },
    { n: '5' },
    { level: 'error' },
    { 'x-tenant': 'acme', type: 'report', format: 'pdf' },
  ];

  interface Case {
    exchange: string;
    key: string;
    headers: Record<string, unknown>;
  }

  function queueFor(i: number, b: BDecl): string {
    return `q.${b.source}.${i}`;
  }

  describe(`routing simulator vs RabbitMQ [${B.label}]`, { timeout: 120_000 }, () => {
    const mc = managementClientOf(B);
    const mgr = new AmqpConnectionManager(endpointOf(B));
    let sim: RoutingSimulator;
    let topology: SimTopology;
    const cases: Case[] = [];
    const delivered = new Map<string, Set<string>>(); // marker -> queues
    const returned = new Map<string, number>(); // marker -> reply code

    before(async () => {
      await createTestVhost(mc, VHOST);
      await mgr.withChannel(VHOST, async (ch) => {
        for (const x of EXCHANGES) {
          await ch.assertExchange(x.name, x.type, {
            durable: false,
            autoDelete: false,
            internal: x.internal ?? false,
            arguments: x.args ?? {},
          });
        }
        for (const [i, b] of BINDINGS.entries()) {
          if (b.toExchange !== undefined) {
            await ch.bindExchange(b.toExchange, b.source, b.key, b.args ?? {});
          } else {
            const q = queueFor(i, b);
            await ch.assertQueue(q, { durable: false, autoDelete: false });
            await ch.bindQueue(q, b.source, b.key, b.args ?? {});
          }
        }
      });

      // The simulator's topology, read back from the management API as the panel does it.
      const [exchanges, bindings, queues] = await Promise.all([
        mc.listExchanges(VHOST),
        mc.listBindings(VHOST),
        mc.listQueues(VHOST, { columns: ['name'] }),
      ]);
      topology = {
        vhost: VHOST,
        exchanges: exchanges.items.map((x): SimExchange => ({
          name: x.name,
          type: x.type,
          arguments: x.arguments,
          internal: x.internal,
        })),
        bindings: bindings.map((b) => ({
          source: b.source,
          destination: b.destination,
          destination_type: b.destination_type,
          routing_key: b.routing_key,
          arguments: b.arguments,
        })),
        queues: queues.items.map((q) => q.name),
      };
      sim = new RoutingSimulator(topology);

      for (const exchange of KEY_ENTRIES) for (const key of KEYS) cases.push({ exchange, key, headers: {} });
      for (const headers of HEADER_SETS)
        for (const key of ['', 'kern.info']) cases.push({ exchange: 'h', key, headers });
      // sender-selected distribution
      cases.push({ exchange: 't', key: 'nothing.here.at.all', headers: { CC: ['kern.info'] } });
      cases.push({ exchange: 'd', key: 'zzz', headers: { CC: ['a'], BCC: ['b'] } });
      cases.push({ exchange: '', key: 'q.f.0', headers: { CC: ['q.t.1', 'nope'] } });
      cases.push({ exchange: 'withae', key: 'nope', headers: { CC: ['known'] } });
      cases.push({ exchange: 'withae', key: 'nope', headers: { BCC: ['nope2'] } });

      const ch = await mgr.openChannel(VHOST, { confirm: true });
      ch.on('return', (msg) => {
        returned.set(String(msg.properties.messageId), (msg.fields as unknown as { replyCode: number }).replyCode);
      });
      try {
        for (const [i, c] of cases.entries()) {
          ch.publish(c.exchange, c.key, Buffer.from(`case ${i}`), {
            messageId: `m${i}`,
            headers: c.headers,
            mandatory: true,
          });
        }
        await ch.waitForConfirms();
        for (const q of topology.queues) {
          for (;;) {
            const m = await ch.get(q, { noAck: true });
            if (m === false) break;
            const id = String(m.properties.messageId);
            let set = delivered.get(id);
            if (!set) delivered.set(id, (set = new Set()));
            set.add(q);
          }
        }
      } finally {
        await ch.close();
      }
    });

    after(async () => {
      await mgr.dispose();
      await deleteTestVhost(mc, VHOST);
      mc.dispose();
    });

    test('the simulator sees the declared topology', () => {
      assert.ok(topology.exchanges.some((x) => x.name === 'withae' && x.arguments?.['alternate-exchange'] === 'ae'));
      assert.ok(topology.exchanges.some((x) => x.name === 'int' && x.internal === true));
      assert.ok(cases.length > 400, `${cases.length} cases`);
    });

    test('every case: simulated queues == queues the broker delivered to', () => {
      const mismatches: string[] = [];
      let routedSomewhere = 0;
      for (const [i, c] of cases.entries()) {
        const r = sim.route(c.exchange, c.key, c.headers);
        assert.deepEqual(r.errors, [], `case ${i}`);
        const actual = [...(delivered.get(`m${i}`) ?? [])].sort();
        if (actual.length) routedSomewhere++;
        const label = `${JSON.stringify(c.exchange)} ${JSON.stringify(c.key.length > 40 ? c.key.slice(0, 40) + '…' : c.key)} ${JSON.stringify(c.headers)}`;
        if (JSON.stringify(actual) !== JSON.stringify(r.queues)) {
          mismatches.push(`${label}: broker ${JSON.stringify(actual)} simulator ${JSON.stringify(r.queues)}`);
        }
        const wasReturned = returned.has(`m${i}`);
        if (wasReturned !== r.unroutable)
          mismatches.push(`${label}: broker returned=${wasReturned} simulator unroutable=${r.unroutable}`);
        if (wasReturned) assert.equal(returned.get(`m${i}`), 312);
      }
      assert.deepEqual(mismatches, []);
      assert.ok(routedSomewhere > 100, `${routedSomewhere} cases routed`);
      assert.ok(returned.size > 20, `${returned.size} cases returned`);
    });

    test('spot checks the broker agrees with (AE chain, AE to e2e, cycles)', () => {
      const at = (exchange: string, key: string) => {
        const i = cases.findIndex(
          (c) => c.exchange === exchange && c.key === key && Object.keys(c.headers).length === 0,
        );
        return [...(delivered.get(`m${i}`) ?? [])].sort();
      };
      const q = (source: string, pred: (b: BDecl) => boolean) => {
        const i = BINDINGS.findIndex((b) => b.source === source && pred(b));
        return queueFor(i, BINDINGS[i]!);
      };
      // withae2 -> (AE) withae -> (AE) ae -> q.ae.* and (e2e) ae2 'kern.*'
      assert.deepEqual(at('withae2', 'kern.info'), [q('ae', (b) => !b.toExchange), q('ae2', () => true)].sort());
      // cycle x1 <-> x2 and x2 self loop: each queue once
      assert.deepEqual(at('x1', 'e2e.ne'), [q('x1', (b) => !b.toExchange), q('x2', (b) => !b.toExchange)].sort());
      // AE loop terminates; AE to the default exchange routes nothing
      assert.deepEqual(at('aeloop1', 'loop'), [q('aeloop2', () => true)]);
      assert.deepEqual(at('aedef', 'q.f.0'), []);
    });

    test("errors the simulator predicts are the broker's", async () => {
      assert.match(sim.route('no-such', 'x').errors[0]!, /^404 NOT_FOUND/);
      assert.match(sim.route('int', 'x').errors[0]!, /^403 ACCESS_REFUSED/);
      for (const [exchange, code] of [
        ['no-such', 404],
        ['int', 403],
      ] as const) {
        await assert.rejects(
          mgr.withConfirmChannel(VHOST, async (ch) => {
            // waitForConfirms only says "channel closed": keep the broker's reason.
            let reason: unknown;
            ch.on('error', (e: unknown) => (reason = e));
            ch.publish(exchange, 'x', Buffer.from('x'));
            await ch.waitForConfirms().catch((e: unknown) => {
              throw reason ?? e;
            });
          }),
          (e: unknown) => e instanceof BrokerError && e.code === code,
        );
      }
    });
  });
}
