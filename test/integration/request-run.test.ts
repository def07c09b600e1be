import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { RpcClient } from '../../src/broker/rpc';
import { emptyDraft, type PublishDraft } from '../../src/protocol/publish';
import type { RpcDraft } from '../../src/protocol/rpc';
import type { ResultEntry } from '../../src/protocol/results';
import {
  runCall,
  runPeek,
  runPublish,
  runRoute,
  type RunAnswer,
  type RunSession,
} from '../../src/requestFiles/run/execute';
import { createVhost, dropVhost, endpointOf, managementClientOf, poll } from './helpers';
import { BROKERS } from '../brokers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, type DemoHandle } from '../../scripts/demoServer';
import { parseRequestFile } from '../../src/core/requestFile/parse';
import { resolveRequest } from '../../src/core/requestFile/resolve';
import type { ResolvedRequest } from '../../src/core/requestFile/types';

const entryOf = (a: RunAnswer): ResultEntry => {
  assert.equal(a.type, 'entry', JSON.stringify(a));
  return (a as Extract<RunAnswer, { type: 'entry' }>).entry;
};

function draft(over: Partial<PublishDraft> = {}): PublishDraft {
  return { ...emptyDraft('', 'orders'), ...over };
}

for (const B of BROKERS) {
  describe(`.amqp request runner (execute) [${B.label}]`, { timeout: 120_000 }, () => {
    const VHOST = `burrow-test-reqrun-${randomBytes(4).toString('hex')}`;
    const where = { connection: 'test', vhost: VHOST };
    let mgr: AmqpConnectionManager;
    let session: RunSession;
    let helper: amqp.ChannelModel;
    let ch: amqp.Channel;
    const url = `amqp://guest:guest@127.0.0.1:${B.amqpPort}/${encodeURIComponent(VHOST)}`;

    const take = async (queue: string): Promise<amqp.GetMessage> => {
      const m = await ch.get(queue, { noAck: true });
      assert.ok(m, `a message in ${queue}`);
      return m;
    };

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: 'burrow-test-reqrun' }));
      session = { amqp: mgr, management: managementClientOf(B) } as RunSession;
      helper = await amqp.connect(url);
      helper.on('error', () => undefined);
      ch = await helper.createChannel();
      await ch.assertQueue('orders', { durable: false });
      await ch.assertQueue('bulk', { durable: false });
      await ch.assertQueue('files', { durable: false });
      await ch.assertQueue('watched', { durable: false });
      await ch.assertExchange('logs', 'topic', { durable: false });
      await ch.bindQueue('orders', 'logs', 'kern.*');
      await ch.assertExchange('nowhere', 'direct', { durable: false });
      // An RPC responder that echoes the body upper-cased, with a header.
      await ch.assertQueue('upper', { durable: false });
      await ch.consume('upper', (m) => {
        if (!m) return;
        ch.sendToQueue(m.properties.replyTo as string, Buffer.from(m.content.toString().toUpperCase()), {
          correlationId: m.properties.correlationId as string,
          contentType: 'text/plain',
          headers: { answered: 'yes' },
        });
        ch.ack(m);
      });
    });

    after(async () => {
      await helper?.close().catch(() => undefined);
      await mgr?.dispose();
      session?.management.dispose();
      await dropVhost(B, VHOST);
    });

    test('publish: variables filled in per message, typed headers, confirmed; the entry shows what was sent', async () => {
      const a = await runPublish(
        session,
        where,
        draft({
          exchange: 'logs',
          routingKey: 'kern.critical',
          headers: [
            { name: 'x-retries', type: 'int32', value: '3' },
            { name: 'trace', type: 'string', value: '{{$uuid}}' },
          ],
          bodyMode: 'json',
          body: '{"n": {{$i}}}',
        }),
        { count: 1 },
      );
      const e = entryOf(a);
      assert.equal(e.status, 'confirmed', e.text);
      const m = await take('orders');
      assert.equal(m.content.toString(), '{"n": 1}');
      assert.equal(m.properties.headers?.['x-retries'], 3);
      assert.match(String(m.properties.headers?.trace), /^[0-9a-f-]{36}$/);
      // The results view shows exactly that: the expanded body and the typed headers.
      assert.equal(e.sent?.body.text.replace(/\s+/g, ''), '{"n":1}');
      assert.deepEqual(
        e.sent?.headers.find((h) => h.name === 'x-retries'),
        { name: 'x-retries', value: '3', type: 'int32' },
      );
      assert.equal(e.sent?.headers.find((h) => h.name === 'trace')?.value, m.properties.headers?.trace);
      assert.equal(e.sent?.routingKey, 'kern.critical');
      assert.equal(e.connection, 'test');
      assert.equal(e.vhost, VHOST);
    });

    test('publish: an unroutable key is returned with the broker code and text', async () => {
      const e = entryOf(
        await runPublish(session, where, draft({ exchange: 'nowhere', routingKey: 'x' }), { count: 1 }),
      );
      assert.equal(e.status, 'returned');
      assert.match(e.text, /312 NO_ROUTE/);
    });

    test('publish: a missing exchange is an error with 404', async () => {
      const e = entryOf(await runPublish(session, where, draft({ exchange: 'missing-x' }), { count: 1 }));
      assert.equal(e.status, 'error');
      assert.match(e.text, /404/);
    });

    test('publish ×N: each message has its own {{$i}}, counts reported, progress called', async () => {
      let progress = 0;
      const e = entryOf(
        await runPublish(session, where, draft({ routingKey: 'bulk', bodyMode: 'text', body: 'msg {{$i}}' }), {
          count: 25,
          onProgress: () => progress++,
        }),
      );
      assert.equal(e.status, 'confirmed', e.text);
      assert.deepEqual(e.counts, { confirmed: 25, returned: 0, nacked: 0, unknown: 0, notSent: 0 });
      assert.ok(progress > 0);
      const bodies: string[] = [];
      for (let i = 0; i < 25; i++) bodies.push((await take('bulk')).content.toString());
      assert.deepEqual(
        bodies,
        Array.from({ length: 25 }, (_, i) => `msg ${i + 1}`),
      );
    });

    test('publish ×N: a template that breaks message 7 stops the run before message 1', async () => {
      const a = await runPublish(
        session,
        where,
        draft({
          routingKey: 'bulk',
          properties: { ...draft().properties, priority: '{{$index}}0' },
          bodyMode: 'text',
          body: 'x',
        }),
        { count: 30 },
      );
      assert.equal(a.type, 'invalid');
      assert.match((a as { message: string }).message, /Message 27/);
      const q = await ch.checkQueue('bulk');
      assert.equal(q.messageCount, 0);
    });

    test('publish: a < file body is sent byte for byte', async () => {
      const bytes = new Uint8Array([0, 1, 2, 255, 254, 0x7b, 0x7d]);
      const e = entryOf(
        await runPublish(session, where, draft({ routingKey: 'files', bodyMode: 'json', body: '' }), {
          count: 1,
          fileBody: { name: 'blob.bin', bytes },
        }),
      );
      assert.equal(e.status, 'confirmed', e.text);
      const m = await take('files');
      assert.deepEqual([...m.content], [...bytes]);
      assert.equal(m.properties.contentType, 'application/octet-stream');
    });

    test('call: the reply, its properties and the round-trip time', async () => {
      const client = new RpcClient(mgr, VHOST);
      try {
        const rpc: RpcDraft = {
          exchange: '',
          routingKey: 'upper',
          bodyMode: 'text',
          body: 'hello {{$i}}',
          contentType: '',
          headers: [],
          timeoutMs: 5000,
          replyMode: 'direct-reply-to',
        };
        const e = entryOf(await runCall(client, where, rpc));
        assert.equal(e.status, 'reply', e.text);
        assert.equal(e.reply?.body.text, 'HELLO 1');
        assert.ok((e.rttMs ?? -1) >= 0);
        assert.deepEqual(e.reply?.headers.find((h) => h.name === 'answered')?.value, 'yes');
        assert.equal(e.sent?.body.text, 'hello 1');
        const none = entryOf(await runCall(client, where, { ...rpc, routingKey: 'no-such-queue', timeoutMs: 500 }));
        assert.notEqual(none.status, 'reply');
      } finally {
        await client.dispose();
      }
    });

    test('peek: asks first when the queue has consumers, takes nothing until confirmed, messages stay', async () => {
      await ch.assertQueue('peeked', { durable: false });
      for (let i = 1; i <= 3; i++) ch.sendToQueue('peeked', Buffer.from(`p${i}`), { headers: { i } });
      await poll('three messages in the queue', async () => (await ch.checkQueue('peeked')).messageCount === 3);
      const plain = entryOf(await runPeek(session, where, 'peeked', 10));
      assert.deepEqual(
        plain.peek?.messages.map((m) => m.body.text),
        ['p1', 'p2', 'p3'],
      );
      assert.equal(plain.peek?.depthAfter, 3);

      const other = await helper.createChannel();
      await other.prefetch(1);
      const { consumerTag } = await other.consume('watched', () => undefined);
      try {
        ch.sendToQueue('watched', Buffer.from('w'));
        const a = await runPeek(session, where, 'watched', 5);
        assert.equal(a.type, 'confirm');
        assert.match((a as { message: string }).message, /consumer/i);
        const ok = await runPeek(session, where, 'watched', 5, { confirmConsumers: true });
        assert.equal(ok.type, 'entry');
      } finally {
        await other.cancel(consumerTag);
        await other.close();
      }
    });

    test('peek: a stream is read from its first message, nothing removed; a missing queue is a 404', async () => {
      await ch.assertQueue('events', { durable: true, arguments: { 'x-queue-type': 'stream' } });
      const confirm = await helper.createConfirmChannel();
      for (let i = 1; i <= 3; i++) confirm.sendToQueue('events', Buffer.from(`e${i}`));
      await confirm.waitForConfirms();
      await confirm.close();
      const e = entryOf(await runPeek(session, where, 'events', 10));
      assert.deepEqual(
        e.peek?.messages.map((m) => m.body.text),
        ['e1', 'e2', 'e3'],
      );
      const again = entryOf(await runPeek(session, where, 'events', 10));
      assert.equal(again.peek?.messages.length, 3);
      await assert.rejects(() => runPeek(session, where, 'no-such-queue', 1), /404|NOT_FOUND/);
    });

    test('route: the queues a key reaches, and an unroutable key', async () => {
      const reached = entryOf(await runRoute(session, where, 'logs', 'kern.info', {}));
      assert.equal(reached.status, 'ok', reached.text);
      assert.deepEqual(reached.route?.queues, ['orders']);
      const none = entryOf(await runRoute(session, where, 'logs', 'user.info', {}));
      assert.equal(none.status, 'unroutable');
      assert.deepEqual(none.route?.queues, []);
    });
  });
}

// demo/requests.amqp, as a newcomer runs it after `npm run demo`: parsed, resolved and run request
// by request (the runner's path without VS Code), on a throw-away vhost with the demo topology.
for (const B of BROKERS) {
  describe(`demo/requests.amqp runs against the demo topology [${B.label}]`, { timeout: 120_000 }, () => {
    const VHOST = `burrow-test-reqdemo-${randomBytes(4).toString('hex')}`;
    const where = { connection: 'localhost', vhost: VHOST };
    let mgr: AmqpConnectionManager;
    let session: RunSession;
    let demo: DemoHandle | undefined;
    let client: RpcClient;
    const text = readFileSync(join(__dirname, '..', '..', 'demo', 'requests.amqp'), 'utf8').replace(
      /^@vhost = .*$/m,
      `@vhost = ${VHOST}`,
    );
    const parsed = parseRequestFile(text);
    const resolved = (name: RegExp): ResolvedRequest => {
      const request = parsed.requests.find((r) => name.test(r.name));
      assert.ok(request, `a request named ${name}`);
      const r = resolveRequest(parsed, request, { env: {} });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    };

    before(async () => {
      await createVhost(B, VHOST);
      demo = await startDemo({ url: `amqp://guest:guest@127.0.0.1:${B.amqpPort}`, vhost: VHOST });
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: 'burrow-test-reqdemo' }));
      session = { amqp: mgr, management: managementClientOf(B) } as RunSession;
      client = new RpcClient(mgr, VHOST);
    });

    after(async () => {
      await client?.dispose();
      await demo?.stop().catch(() => undefined);
      await mgr?.dispose();
      session?.management.dispose();
      await dropVhost(B, VHOST);
    });

    test('the file parses without problems and every request resolves to the test vhost', () => {
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.requests.length, 5);
      for (const r of parsed.requests) {
        const x = resolveRequest(parsed, r, { env: {} });
        assert.ok(x.ok && x.value.vhost === VHOST && x.value.connection === 'localhost', r.name);
      }
    });

    test('Send: the critical log is confirmed; Send ×10: ten confirmed', async () => {
      const one = resolved(/Critical/);
      assert.equal(one.kind, 'publish');
      if (one.kind !== 'publish') return;
      const e = entryOf(await runPublish(session, where, one.draft, { count: one.repeat }));
      assert.equal(e.status, 'confirmed', e.text);
      assert.equal(e.sent?.routingKey, 'kern.critical');
      const ten = resolved(/Ten info/);
      if (ten.kind !== 'publish') return assert.fail('publish');
      assert.equal(ten.repeat, 10);
      const e10 = entryOf(await runPublish(session, where, ten.draft, { count: ten.repeat }));
      assert.equal(e10.counts?.confirmed, 10, e10.text);
    });

    test('Call: the Fibonacci responder answers 55', async () => {
      const call = resolved(/Fibonacci/);
      if (call.kind !== 'call') return assert.fail('call');
      const e = entryOf(await runCall(client, where, call.draft, { count: call.repeat }));
      assert.equal(e.status, 'reply', e.text);
      assert.equal(e.reply?.body.text, '55');
    });

    test('Peek: task_queue is peeked; Route: kern.info reaches the queues bound to topic_logs', async () => {
      const peek = resolved(/waiting/);
      if (peek.kind !== 'peek') return assert.fail('peek');
      const p = await runPeek(session, where, peek.queue, peek.count);
      // The demo's worker may consume task_queue: then the peek asks first, as the panel does.
      assert.ok(p.type === 'entry' || p.type === 'confirm', JSON.stringify(p));
      const route = resolved(/kern.info/);
      if (route.kind !== 'route') return assert.fail('route');
      const e = entryOf(await runRoute(session, where, route.exchange, route.routingKey, route.headers));
      assert.equal(e.status, 'ok', e.text);
      assert.ok((e.route?.queues.length ?? 0) >= 1, e.text);
    });
  });
}
