import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { BrokerError } from '../../src/broker/errors';
import { publishMany, publishMessage } from '../../src/broker/publish';
import { peekMessages } from '../../src/broker/peek';
import { fieldNumber } from '../../src/core/fieldTypes';
import type { MessageProperties } from '../../src/core/message';
import { requestAt } from '../../src/core/templateVars';
import { emptyDraft } from '../../src/protocol/publish';

import { createVhost, dropVhost, endpointOf } from './helpers';
import { BROKERS } from '../brokers';

for (const B of BROKERS) {
  const VHOST = `burrow-test-publish-${randomBytes(4).toString('hex')}`;

  const enc = (s: string) => new TextEncoder().encode(s);

  describe(`publish against the real broker [${B.label}]`, () => {
    let mgr: AmqpConnectionManager;

    before(async () => {
      await createVhost(B, VHOST);
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: `burrow-test-publish` }));
      await mgr.withChannel(VHOST, async (ch) => {
        await ch.assertExchange('ex', 'topic', { durable: false });
        await ch.assertQueue('q', { durable: false });
        await ch.bindQueue('q', 'ex', 'order.*');
        await ch.assertQueue('many', { durable: false });
      });
    });

    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, VHOST);
    });

    test('a routed message is confirmed, with every property preserved', async () => {
      const properties: MessageProperties = {
        contentType: 'application/json',
        contentEncoding: 'identity',
        deliveryMode: 2,
        priority: 3,
        correlationId: 'corr-1',
        replyTo: 'replies',
        expiration: '600000',
        messageId: 'msg-1',
        timestamp: 1_700_000_000,
        type: 'order.created',
        userId: 'guest',
        appId: 'burrow-tests',
        headers: {
          s: 'x',
          n: 42,
          f: 1.5,
          b: true,
          v: null,
          t: { k: 'v' },
          a: [1, 'two'],
          bytes: new Uint8Array([0, 255]),
        },
      };
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: 'ex',
        routingKey: 'order.created',
        body: enc('{"id":1}'),
        properties,
      });
      assert.deepEqual(outcome, { status: 'confirmed' });
      const { messages } = await peekMessages(mgr, VHOST, 'q', 10);
      assert.equal(messages.length, 1);
      const m = messages[0];
      const { headers, ...rest } = m.properties;
      const { headers: sentHeaders, ...sentRest } = properties;
      assert.deepEqual(rest, sentRest);
      // Plain numbers come back with the type amqplib sent them as.
      assert.deepEqual(headers, {
        ...sentHeaders,
        n: { '!': 'int8', value: 42 },
        f: { '!': 'double', value: 1.5 },
        a: [{ '!': 'int8', value: 1 }, 'two'],
      });
      assert.equal(new TextDecoder().decode(m.body), '{"id":1}');
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('q'));
    });

    test('an unroutable message comes back as returned 312 NO_ROUTE', async () => {
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: 'ex',
        routingKey: 'nobody.listens.here',
        body: enc('x'),
        properties: {},
      });
      assert.deepEqual(outcome, { status: 'returned', replyCode: 312, replyText: 'NO_ROUTE' });
      // without mandatory it is simply confirmed (and dropped)
      const quiet = await publishMessage(mgr, VHOST, {
        exchange: 'ex',
        routingKey: 'nobody',
        body: enc('x'),
        properties: {},
        mandatory: false,
      });
      assert.deepEqual(quiet, { status: 'confirmed' });
    });

    test('a missing exchange is a 404 error and the connection keeps working', async () => {
      const conn = await mgr.connection(VHOST);
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: 'no-such-exchange',
        routingKey: 'k',
        body: enc('x'),
        properties: {},
      });
      assert.equal(outcome.status, 'error');
      if (outcome.status !== 'error') return;
      assert.ok(outcome.error instanceof BrokerError);
      assert.equal(outcome.error.code, 404);
      assert.match(outcome.error.replyText ?? '', /no exchange 'no-such-exchange'/);
      assert.match(outcome.error.message, /no exchange 'no-such-exchange'/);
      assert.equal(await mgr.connection(VHOST), conn, 'same connection');
      const again = await publishMessage(mgr, VHOST, {
        exchange: '',
        routingKey: 'many',
        body: enc('ok'),
        properties: {},
      });
      assert.deepEqual(again, { status: 'confirmed' });
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('many'));
    });

    test('a NaN or infinite header is refused before sending: the connection stays up (RabbitMQ would close it with 541)', async () => {
      const conn = await mgr.connection(VHOST);
      for (const value of [Number.NaN, Infinity]) {
        const outcome = await publishMessage(mgr, VHOST, {
          exchange: '',
          routingKey: 'many',
          body: enc('x'),
          properties: { headers: { ok: 1, bad: { '!': 'double', value } } },
        });
        assert.equal(outcome.status, 'error');
        if (outcome.status === 'error') assert.match(outcome.error.message, /headers\.bad is NaN or infinite/);
      }
      assert.equal(await mgr.connection(VHOST), conn, 'same connection');
      const again = await publishMessage(mgr, VHOST, {
        exchange: '',
        routingKey: 'many',
        body: enc('ok'),
        properties: { headers: { d: { '!': 'double', value: 1.5 } } },
      });
      assert.deepEqual(again, { status: 'confirmed' });
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('many'));
    });

    test('a user-id that is not the logged-in user is a 406 error', async () => {
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: '',
        routingKey: 'many',
        body: enc('x'),
        properties: { userId: 'someone-else' },
      });
      assert.equal(outcome.status, 'error');
      if (outcome.status === 'error') {
        assert.equal(outcome.error.code, 406);
        assert.match(outcome.error.message, /user_id property set to 'someone-else'/);
      }
    });

    test('invalid property values are an error outcome, not a throw', async () => {
      const outcome = await publishMessage(mgr, VHOST, {
        exchange: '',
        routingKey: 'many',
        body: enc('x'),
        properties: { priority: 'high' as unknown as number },
      });
      assert.equal(outcome.status, 'error');
    });

    test('publishMany: 1000 messages all confirmed, progress reported', async () => {
      let lastDone = -1;
      const r = await publishMany(
        mgr,
        VHOST,
        { exchange: '', routingKey: 'many', body: enc('payload'), properties: {} },
        1000,
        {
          windowSize: 100,
          onProgress: (done) => {
            assert.ok(done >= lastDone);
            lastDone = done;
          },
        },
      );
      assert.equal(r.confirmed, 1000);
      assert.equal(r.nacked, 0);
      assert.equal(r.returned, 0);
      assert.equal(r.cancelled, false);
      assert.equal(lastDone, 1000);
      const depth = await mgr.withChannel(VHOST, (ch) => ch.checkQueue('many'));
      assert.equal(depth.messageCount, 1000);
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('many'));
    });

    test('publishMany with template variables: each message gets its own body, headers and properties', async () => {
      const draft = emptyDraft('', 'many');
      draft.body = '{"n": {{$i}}, "id": "{{$uuid}}"}';
      draft.headers = [{ name: 'seq', type: 'int8', value: '{{$index}}' }];
      draft.properties.messageId = 'm-{{$i}}';
      const ctx = (index: number) => ({ index, nowMs: Date.now(), uuid: () => `u${index}`, random: Math.random });
      const first = requestAt(draft, ctx(0));
      assert.ok(first.ok);
      if (!first.ok) return;
      const r = await publishMany(mgr, VHOST, first.request, 5, {
        messageAt: (i) => {
          const m = requestAt(draft, ctx(i));
          if (!m.ok) throw new Error(m.error);
          return m.request;
        },
      });
      assert.equal(r.confirmed, 5);
      const got = await mgr.withChannel(VHOST, async (ch) => {
        const out: { body: string; seq: unknown; id: unknown; ct: unknown }[] = [];
        for (let k = 0; k < 5; k++) {
          const m = await ch.get('many', { noAck: true });
          if (!m) break;
          const p = m.properties;
          out.push({
            body: m.content.toString(),
            seq: fieldNumber(p.headers?.seq),
            id: p.messageId,
            ct: p.contentType,
          });
        }
        return out;
      });
      assert.deepEqual(
        got,
        [0, 1, 2, 3, 4].map((i) => ({
          body: `{"n": ${i + 1}, "id": "u${i}"}`,
          seq: i,
          id: `m-${i + 1}`,
          ct: 'application/json',
        })),
      );
    });

    test('publishMany counts returned messages', async () => {
      const r = await publishMany(
        mgr,
        VHOST,
        { exchange: 'ex', routingKey: 'unrouted', body: enc('x'), properties: {} },
        50,
      );
      assert.deepEqual(
        { confirmed: r.confirmed, returned: r.returned, nacked: r.nacked },
        { confirmed: 0, returned: 50, nacked: 0 },
      );
    });

    test('publishMany can be cancelled', async () => {
      const ac = new AbortController();
      const r = await publishMany(
        mgr,
        VHOST,
        { exchange: '', routingKey: 'many', body: enc('payload'), properties: {} },
        1_000_000,
        {
          signal: ac.signal,
          onProgress: (done) => {
            if (done > 0) ac.abort();
          },
        },
      );
      assert.equal(r.cancelled, true);
      assert.ok(r.confirmed > 0 && r.confirmed < 1_000_000, `confirmed ${r.confirmed}`);
      const depth = await mgr.withChannel(VHOST, (ch) => ch.checkQueue('many'));
      assert.equal(depth.messageCount, r.confirmed, 'everything sent was confirmed and is in the queue');
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('many'));
      // already aborted: nothing is sent
      const none = await publishMany(
        mgr,
        VHOST,
        { exchange: '', routingKey: 'many', body: enc('p'), properties: {} },
        10,
        { signal: ac.signal },
      );
      assert.equal(none.confirmed, 0);
      assert.equal(none.cancelled, true);
    });

    test('publishMany to a missing exchange throws a 404 BrokerError', async () => {
      await assert.rejects(
        publishMany(mgr, VHOST, { exchange: 'missing', routingKey: 'k', body: enc('x'), properties: {} }, 100),
        (err: unknown) => err instanceof BrokerError && err.code === 404 && /no exchange 'missing'/.test(err.message),
      );
      assert.deepEqual(
        await publishMessage(mgr, VHOST, { exchange: '', routingKey: 'many', body: enc('ok'), properties: {} }),
        { status: 'confirmed' },
      );
      await mgr.withChannel(VHOST, (ch) => ch.purgeQueue('many'));
    });
  });
}
