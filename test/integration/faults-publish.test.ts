/**
 * publishMany under connection faults, on both brokers: a connection lost mid-run is reported
 * as "unknown" (with the sequence numbers), never as "nacked" or "cancelled", and nothing that
 * was reported as confirmed is missing from the queue.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { publishMany, PublishManyError, type PublishManyResult, type PublishRequest } from '../../src/broker/publish';
import {
  BROKERS,
  endpointOf,
  makeVhost,
  dropVhost,
  startFaultProxy,
  poll,
  type FaultProxy,
  type TestBroker,
} from './helpers';

const COUNT = 50_000;

function request(queue: string): PublishRequest {
  return {
    exchange: '',
    routingKey: queue,
    body: Buffer.from('x'.repeat(200)),
    properties: { deliveryMode: 2, contentType: 'text/plain' },
  };
}

async function depth(B: TestBroker, vhost: string, queue: string): Promise<number> {
  const m = new AmqpConnectionManager(endpointOf(B));
  try {
    return (await m.withChannel(vhost, (ch) => ch.checkQueue(queue))).messageCount;
  } finally {
    await m.dispose();
  }
}

async function declare(B: TestBroker, vhost: string, queue: string): Promise<void> {
  const m = new AmqpConnectionManager(endpointOf(B));
  try {
    await m.withChannel(vhost, (ch) => ch.assertQueue(queue, { durable: true }));
  } finally {
    await m.dispose();
  }
}

/** Runs publishMany, injects `fault` once `after` messages are settled; returns the PublishManyError's result. */
async function publishWithFault(
  m: AmqpConnectionManager,
  vhost: string,
  queue: string,
  after: number,
  fault: () => void | Promise<void>,
): Promise<{ r: PublishManyResult; err: PublishManyError }> {
  let fired = false;
  let err: unknown;
  try {
    await publishMany(m, vhost, request(queue), COUNT, {
      windowSize: 1000,
      confirmTimeoutMs: 10_000,
      onProgress: (done) => {
        if (!fired && done >= after) {
          fired = true;
          void fault();
        }
      },
    });
  } catch (e) {
    err = e;
  }
  assert.ok(fired, 'the fault was injected');
  assert.ok(err instanceof PublishManyError, `a PublishManyError, got ${String(err)}`);
  return { r: err.result, err };
}

function checkAccounting(label: string, r: PublishManyResult, inQueue: number): void {
  console.log(
    `[${label}] confirmed ${r.confirmed}, nacked ${r.nacked}, unknown ${r.unknown}, not sent ${r.notSent}; in the queue ${inQueue} (${inQueue - r.confirmed} of the unknown arrived)`,
  );
  assert.equal(r.nacked, 0, 'a lost connection is not a nack');
  assert.equal(r.cancelled, false, 'a fault is not a cancel');
  assert.equal(r.returned, 0);
  assert.ok(r.unknown > 0, 'some messages were in flight');
  assert.equal(r.unknownSeqs.length, r.unknown);
  assert.equal(r.confirmed + r.unknown + r.notSent, COUNT);
  assert.equal(r.sent, r.confirmed + r.unknown);
  // sequence numbers: ascending, within 1..sent, and (window) the tail end of what was sent
  for (let i = 1; i < r.unknownSeqs.length; i++) assert.ok(r.unknownSeqs[i]! > r.unknownSeqs[i - 1]!);
  assert.ok(r.unknownSeqs[0]! >= 1 && r.unknownSeqs[r.unknownSeqs.length - 1]! <= r.sent);
  assert.ok(r.confirmed <= inQueue, `nothing confirmed is missing: confirmed ${r.confirmed} <= in queue ${inQueue}`);
  assert.ok(
    inQueue <= r.confirmed + r.unknown,
    `nothing beyond confirmed + unknown: ${inQueue} <= ${r.confirmed + r.unknown}`,
  );
}

for (const B of BROKERS) {
  describe(`publishMany under connection faults [${B.label}]`, () => {
    let vhost: string;
    let proxy: FaultProxy;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-faults-publish');
      proxy = await startFaultProxy(B.amqpPort);
    });
    after(async () => {
      await proxy.close();
      await dropVhost(B, vhost);
    });

    test(
      `broker closes the connection (close_all_connections --vhost) during ${COUNT} persistent messages`,
      { timeout: 120_000 },
      async () => {
        const queue = 'closed-by-broker';
        await declare(B, vhost, queue);
        const m = new AmqpConnectionManager(endpointOf(B), { backoff: { initialMs: 100, maxMs: 500 } });
        try {
          const { r, err } = await publishWithFault(m, vhost, queue, 1000, () =>
            B.ctl('close_all_connections', '--vhost', vhost, '--limit', '100', 'burrow fault test').then(
              () => undefined,
            ),
          );
          assert.equal(err.code, 320, err.message);
          assert.match(err.message, /unknown \(may or may not be in the queue\)/);
          checkAccounting(`${B.label} close_all_connections`, r, await depth(B, vhost, queue));
        } finally {
          await m.dispose();
        }
      },
    );

    test(
      `network reset (fault proxy) during ${COUNT} persistent messages; the next run works`,
      { timeout: 120_000 },
      async () => {
        const queue = 'reset-by-network';
        await declare(B, vhost, queue);
        const m = new AmqpConnectionManager(endpointOf(B, { port: proxy.port }), {
          backoff: { initialMs: 100, maxMs: 500 },
        });
        try {
          const { r } = await publishWithFault(m, vhost, queue, 3000, () => proxy.resetAll());
          const inQueue = await depth(B, vhost, queue);
          checkAccounting(`${B.label} reset`, r, inQueue);
          // The manager reconnects; re-sending only the unknown ones is what the panel offers.
          await poll(
            'publish connection back',
            () => m.state(vhost, 'publish') === 'connected' || m.state(vhost, 'publish') === 'idle',
            10_000,
          );
          const again = await publishMany(m, vhost, request(queue), 100);
          assert.equal(again.confirmed, 100);
          assert.equal(again.unknown, 0);
          assert.equal(again.cancelled, false);
        } finally {
          await m.dispose();
        }
      },
    );

    test('a user cancel is "cancelled", with no unknown', { timeout: 60_000 }, async () => {
      const queue = 'cancelled';
      await declare(B, vhost, queue);
      const m = new AmqpConnectionManager(endpointOf(B));
      const ac = new AbortController();
      try {
        const r = await publishMany(m, vhost, request(queue), COUNT, {
          signal: ac.signal,
          onProgress: (done) => {
            if (done >= 2000) ac.abort();
          },
        });
        assert.equal(r.cancelled, true);
        assert.equal(r.unknown, 0);
        assert.equal(r.nacked, 0);
        assert.ok(r.notSent > 0);
        assert.equal(await depth(B, vhost, queue), r.confirmed);
      } finally {
        await m.dispose();
      }
    });
  });
}
