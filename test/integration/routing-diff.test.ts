/**
 * Differential test of the live routing tester (issue 13): random topologies and messages from a
 * fixed seed, declared on each broker over AMQP (alternate exchanges as arguments and by policies,
 * priority ties included; exchange-to-exchange bindings with cycles; direct/topic/fanout/headers;
 * headers arguments with strings, void values, arrays and typed values), published with mandatory, and every
 * delivered set compared
 * with the answers of LazyTopology (the panel's reader: only what each exchange can reach, never
 * GET /api/bindings/{vhost}), which must equal the simulator on the whole vhost (readTopology)
 * message by message. No answer may be wrong: the queues it is sure of got
 * the message, every queue that got it was sure or listed as "may also receive", and the
 * mandatory return is what it says whenever it is sure.
 *
 * Bounded for `npm test`: 3 topologies × 150 messages per broker. A longer run:
 *   BURROW_ROUTING_DIFF=long (20 topologies × 400 messages), BURROW_ROUTING_DIFF_SEED=<n>.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { RoutingSimulator, type RouteResult } from '../../src/core/routing';
import { matchExchangePolicy } from '../../src/core/exchangePolicy';
import { LazyTopology, readTopology } from '../../src/broker/routingTopology';
import { BROKERS, dropVhost, makeVhost, managementClientOf, poll } from './helpers';

const LONG = process.env.BURROW_ROUTING_DIFF === 'long';
const TOPOLOGIES = LONG ? 20 : 3;
const MESSAGES = LONG ? 400 : 150;
const SEED = Number(process.env.BURROW_ROUTING_DIFF_SEED ?? 13);

/** mulberry32: a small, fixed PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Headers = Record<string, unknown>;
interface XDecl {
  name: string;
  type: string;
  ae?: string;
}
interface BDecl {
  source: string;
  dest: string;
  toExchange: boolean;
  key: string;
  args?: Headers;
}
interface PDecl {
  name: string;
  pattern: string;
  applyTo: string;
  priority: number;
  ae: string;
}
interface Msg {
  id: string;
  exchange: string;
  key: string;
  headers: Headers;
}
interface Topo {
  exchanges: XDecl[];
  bindings: BDecl[];
  queues: string[];
  policies: PDecl[];
  messages: Msg[];
}

const WORDS = ['a', 'b', 'c', 'kern', 'info'];
const TYPES = ['direct', 'topic', 'fanout', 'headers'];
const T = (t: string, value: unknown) => ({ '!': t, value });
// Typed values too (amqplib's typed notation, for bindings over AMQP and for headers): integer
// widths, a whole double, 32-bit floats, timestamps (milliseconds from 3.13), bytes, nested tables.
const HVALUES: unknown[] = [
  'a',
  'b',
  'undefined',
  null,
  ['a', null],
  ['a', 'undefined'],
  ['a', 'b'],
  T('int8', 5),
  T('int64', '5'),
  T('double', 5),
  T('float', 1.1),
  T('double', 1.1),
  T('timestamp', 5),
  5000,
  Buffer.from('a'),
  { n: 1 },
  { n: T('int64', '1') },
  { s: 'a' },
];

function generate(r: () => number, n: number): Topo {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const key = (max = 3) => Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick(WORDS)).join('.');
  const pattern = () => {
    const words = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick([...WORDS, '*', '*']));
    if (chance(0.4)) words.splice(Math.floor(r() * (words.length + 1)), 0, '#'); // at most one '#'
    return words.join('.');
  };
  const headersArgs = (): Headers => {
    const args: Headers = {};
    if (chance(0.5)) args['x-match'] = pick(['all', 'any', 'all-with-x', 'any-with-x']);
    for (const k of ['k1', 'k2', 'x-k']) if (chance(0.45)) args[k] = pick(HVALUES);
    if (chance(0.1)) args.BCC = ['a'];
    if (chance(0.1)) args.CC = ['b'];
    return args;
  };

  const count = 5 + Math.floor(r() * 5);
  const exchanges: XDecl[] = [];
  for (let i = 0; i < count; i++) exchanges.push({ name: `x${i}`, type: pick(TYPES) });
  for (const x of exchanges) if (chance(0.25)) x.ae = chance(0.85) ? pick(exchanges).name : 'no-such-exchange';
  const policies: PDecl[] = [];
  const policyCount = Math.floor(r() * 3);
  for (let i = 0; i < policyCount; i++)
    policies.push({
      name: `p${i}`,
      pattern: pick(['^x[0-3]$', '^x[2-6]$', 'x1', '^x', '[13579]$']),
      applyTo: pick(['exchanges', 'all', 'queues']),
      priority: Math.floor(r() * 3), // ties happen: the exchange listing says which policy the broker kept
      ae: pick(exchanges).name,
    });

  const queues: string[] = [];
  const bindings: BDecl[] = [];
  for (const x of exchanges) {
    const nb = 1 + Math.floor(r() * 5);
    for (let i = 0; i < nb; i++) {
      const toExchange = chance(0.25);
      let dest: string;
      if (toExchange) dest = pick(exchanges).name;
      else if (queues.length > 0 && chance(0.25)) dest = pick(queues);
      else {
        dest = `q${n}.${queues.length}`;
        queues.push(dest);
      }
      const b: BDecl = { source: x.name, dest, toExchange, key: x.type === 'topic' ? pattern() : key(2) };
      if (x.type === 'headers') b.args = headersArgs();
      bindings.push(b);
    }
  }

  const messages: Msg[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const headers: Headers = {};
    for (const k of ['k1', 'k2', 'x-k']) if (chance(0.5)) headers[k] = pick(HVALUES);
    if (chance(0.1)) headers.CC = [key(2)];
    if (chance(0.1)) headers.BCC = [chance(0.5) ? 'a' : key(2)];
    const toDefault = chance(0.05);
    messages.push({
      id: `t${n}.m${i}`,
      exchange: toDefault ? '' : pick(exchanges).name,
      key: toDefault && queues.length ? pick(queues) : key(),
      headers,
    });
  }
  return { exchanges, bindings, queues, policies, messages };
}

for (const B of BROKERS) {
  describe(`routing tester differential test [${B.label}]`, { timeout: LONG ? 900_000 : 180_000 }, () => {
    const mc = managementClientOf(B);
    after(() => mc.dispose());
    const totals = { messages: 0, exact: 0, uncertain: 0, wrong: 0 };

    for (let t = 0; t < TOPOLOGIES; t++) {
      test(`topology ${t} (seed ${SEED}): every answer is exact or marked uncertain`, async (ctx) => {
        const topo = generate(rng(SEED * 1000 + t), t);
        const vhost = await makeVhost(B, 'burrow-test-routing-diff');
        const conn = await amqp.connect({
          hostname: '127.0.0.1',
          port: B.amqpPort,
          username: 'guest',
          password: 'guest',
          vhost,
        });
        try {
          const ch = await conn.createConfirmChannel();
          for (const x of topo.exchanges)
            await ch.assertExchange(x.name, x.type, {
              durable: false,
              arguments: x.ae !== undefined ? { 'alternate-exchange': x.ae } : {},
            });
          for (const q of topo.queues) await ch.assertQueue(q, { durable: false });
          for (const b of topo.bindings) {
            if (b.toExchange) await ch.bindExchange(b.dest, b.source, b.key, b.args ?? {});
            else await ch.bindQueue(b.dest, b.source, b.key, b.args ?? {});
          }
          const V = encodeURIComponent(vhost);
          for (const p of topo.policies)
            await B.mgmt('PUT', `/api/policies/${V}/${p.name}`, {
              pattern: p.pattern,
              'apply-to': p.applyTo,
              priority: p.priority,
              definition: { 'alternate-exchange': p.ae },
            });
          // Policies reach exchanges asynchronously: wait until the listing shows a policy on
          // each exchange some policy matches (which is also a check of the policy matching).
          const asListed = topo.policies.map((p) => ({
            name: p.name,
            pattern: p.pattern,
            'apply-to': p.applyTo,
            priority: p.priority,
          }));
          await poll('policies applied', async () => {
            const xs = (await mc.listExchanges(vhost)).items;
            return topo.exchanges.every(
              (x) =>
                (xs.find((l) => l.name === x.name)?.policy !== undefined) ===
                (matchExchangePolicy(x.name, asListed).name !== undefined),
            );
          });

          // The panel's lazy reader, its requests counted; one reader for all messages (cached).
          const asked: string[] = [];
          const request = mc.request.bind(mc);
          mc.request = ((...a: Parameters<typeof request>) => {
            asked.push(`${a[0]} ${a[1]}`);
            return request(...a);
          }) as typeof mc.request;
          const lazy = new LazyTopology(mc, vhost);
          const routes = new Map<string, RouteResult>();
          try {
            for (const m of topo.messages) routes.set(m.id, (await lazy.route(m.exchange, m.key, m.headers)).result);
          } finally {
            mc.request = request;
          }
          assert.deepEqual(
            asked.filter((a) => a === `GET /bindings/${V}` || a === `GET /queues/${V}`),
            [],
            'the lazy reader listed every binding or queue of the vhost',
          );
          const sim = new RoutingSimulator(await readTopology(mc, vhost));
          for (const m of topo.messages)
            assert.deepEqual(routes.get(m.id), sim.route(m.exchange, m.key, m.headers), `${m.id}: lazy != whole vhost`);

          const returned = new Set<string>();
          ch.on('return', (m: amqp.Message) => returned.add(String(m.properties.messageId)));
          for (const m of topo.messages)
            ch.publish(m.exchange, m.key, Buffer.from(m.id), { messageId: m.id, headers: m.headers, mandatory: true });
          await ch.waitForConfirms();
          const delivered = new Map<string, string[]>();
          for (const q of topo.queues)
            for (;;) {
              const got = await ch.get(q, { noAck: true });
              if (got === false) break;
              const id = String(got.properties.messageId);
              delivered.set(id, [...(delivered.get(id) ?? []), q]);
            }
          await ch.close();

          const wrong: string[] = [];
          let uncertain = 0;
          for (const m of topo.messages) {
            const r = routes.get(m.id)!;
            assert.deepEqual(r.errors, [], m.id);
            const actual = (delivered.get(m.id) ?? []).sort();
            const maybe = r.mayReceive.map((x) => x.destination);
            const bad =
              r.queues.some((q) => !actual.includes(q)) ||
              actual.some((q) => !r.queues.includes(q) && !maybe.includes(q)) ||
              (!r.mayBeUnroutable && !r.incomplete && returned.has(m.id) !== r.unroutable);
            if (bad)
              wrong.push(
                `${m.id} ${JSON.stringify(m.exchange)} ${JSON.stringify(m.key)} ${JSON.stringify(m.headers)}: broker ${JSON.stringify(actual)} returned=${returned.has(m.id)}; sure ${JSON.stringify(r.queues)} maybe ${JSON.stringify(maybe)} unroutable=${r.unroutable}`,
              );
            if (r.mayReceive.length > 0 || r.mayBeUnroutable) uncertain++;
          }
          totals.messages += topo.messages.length;
          totals.wrong += wrong.length;
          totals.uncertain += uncertain;
          totals.exact += topo.messages.length - uncertain - wrong.length;
          ctx.diagnostic(
            `${topo.exchanges.length} exchanges, ${topo.bindings.length} bindings, ${topo.policies.length} policies; ${topo.messages.length} messages: ${wrong.length} wrong, ${uncertain} uncertain`,
          );
          assert.deepEqual(wrong, []);
        } finally {
          await conn.close().catch(() => undefined);
          await dropVhost(B, vhost);
        }
      });
    }

    test('totals', (ctx) => {
      ctx.diagnostic(
        `${totals.messages} messages: ${totals.exact} exact, ${totals.uncertain} uncertain, ${totals.wrong} wrong`,
      );
      assert.equal(totals.wrong, 0);
      // uncertainty is the exception, not the answer
      assert.ok(totals.uncertain < totals.messages / 2, JSON.stringify(totals));
    });
  });
}
