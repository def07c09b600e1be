/**
 * Work survives the loss of a node: the connection is on node 1 (its profile lists all three),
 * node 1's Erlang VM is killed (kill -9) in the middle of the work, then restarted. Prints the
 * measured failover times and loss counts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as amqp from 'amqplib';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { ManagementClient } from '../../src/broker/management';
import { PublishManyError, publishMany } from '../../src/broker/publish';
import { QueueTail } from '../../src/broker/tail';
import { RpcClient } from '../../src/broker/rpc';
import { peekMessages } from '../../src/broker/peek';
import { poll } from '../wait';
import {
  amqpAddr,
  clusterEndpoint,
  clusterInfo,
  dropClusterVhost,
  killNode,
  makeClusterVhost,
  mgmt,
  mgmtUrl,
  ms,
  restartNode,
} from './cluster';

const seqOf = (body: Uint8Array): number => Number(Buffer.from(body).toString('utf8'));

describe('cluster failover (kill -9 of the node the connection is on)', { timeout: 600_000 }, () => {
  let vhost: string;
  before(async () => {
    const info = clusterInfo();
    console.log(
      `  cluster start-up ${ms(info.freshStartMs ?? info.startMs)}, beam.smp RSS of the three nodes ${info.rssMb} MB`,
    );
    vhost = await makeClusterVhost();
  });
  after(async () => {
    await dropClusterVhost(vhost);
  });

  test('connect tries the nodes in order and reconnects to the next one; management fails over', async () => {
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const mc = new ManagementClient({
      baseUrl: mgmtUrl(0),
      fallbackUrls: [mgmtUrl(1), mgmtUrl(2)],
      username: 'guest',
      password: 'guest',
    });
    const nodes: string[] = [];
    m.onStateChange((e) => {
      if (e.state === 'connected' && e.node) nodes.push(e.node);
    });
    try {
      // A quorum queue: a classic queue lives on one node and is unavailable while that node is down.
      await m.withChannel(vhost, (ch) =>
        ch.assertQueue('probe', { durable: true, arguments: { 'x-queue-type': 'quorum' } }),
      );
      assert.equal(m.node(vhost), amqpAddr(0));
      assert.equal((await mc.listQueues(vhost)).items.length, 1);
      const killedAt = killNode(0);
      await poll(
        'reconnected to another node',
        () => m.node(vhost) !== undefined && m.node(vhost) !== amqpAddr(0),
        30_000,
      );
      const amqpMs = performance.now() - killedAt;
      assert.equal(m.node(vhost), amqpAddr(1), 'the next node in the list');
      await m.withChannel(vhost, (ch) => ch.checkQueue('probe'));
      const t0 = performance.now();
      const queues = await mc.listQueues(vhost);
      const mgmtMs = performance.now() - t0;
      assert.equal(queues.items.length, 1);
      assert.equal(mc.currentUrl, mgmtUrl(1));
      console.log(`  AMQP failover 1 -> 2 in ${ms(amqpMs)}; management listing with node 1 down in ${ms(mgmtMs)}`);
      assert.deepEqual(nodes, [amqpAddr(0), amqpAddr(1)]);
    } finally {
      mc.dispose();
      await m.dispose();
      console.log(`  node 1 restarted and rejoined in ${ms(await restartNode(0))}`);
    }
  });

  test('a tap tail resumes on another node, with the gap marked', async () => {
    const pub = new AmqpConnectionManager(clusterEndpoint(2));
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const seen: number[] = [];
    const tail = new QueueTail(
      m,
      vhost,
      { mode: 'tap', exchange: 'amq.fanout', pattern: '' },
      {
        onBatch: (b) => {
          for (const msg of b.messages()) seen.push(seqOf(msg.body));
        },
        flushIntervalMs: 20,
      },
    );
    let stop = false;
    let sent = 0;
    const publisher = (async () => {
      const ch = await pub.openChannel(vhost, { confirm: true });
      while (!stop) {
        sent++;
        ch.publish('amq.fanout', '', Buffer.from(String(sent)));
        await new Promise((r) => setTimeout(r, 20));
      }
      await ch.waitForConfirms();
      await pub.closeChannel(ch);
    })();
    try {
      await tail.start();
      assert.equal(m.node(vhost), amqpAddr(0));
      await poll('tail receives', () => seen.length > 20, 10_000);
      const killedAt = killNode(0);
      const sentAtKill = sent;
      await poll('tail resumes with new messages', () => seen.some((s) => s > sentAtKill + 5), 60_000);
      const resumeMs = performance.now() - killedAt;
      stop = true;
      await publisher;
      const gaps = tail.gaps();
      assert.ok(gaps.length >= 1, 'the gap is marked');
      assert.notEqual(m.node(vhost), amqpAddr(0));
      // Messages published while the tap was gone: between the first and the last seen, not seen.
      const got = new Set(seen);
      let missed = 0;
      for (let s = Math.min(...seen); s <= Math.max(...seen); s++) if (!got.has(s)) missed++;
      console.log(
        `  tap tail resumed on ${m.node(vhost)} ${ms(resumeMs)} after the kill; gap marked: ${gaps[0]!.text}; ${missed} messages published during the gap not seen (${got.size} seen)`,
      );
      assert.ok(resumeMs < 15_000, `resumes within 15 s (${ms(resumeMs)})`);
    } finally {
      stop = true;
      await publisher.catch(() => undefined);
      await tail.stop();
      await m.dispose();
      await pub.dispose();
      await restartNode(0);
    }
  });

  test('a consume tail on a quorum queue resumes on another node: nothing lost', async () => {
    const pub = new AmqpConnectionManager(clusterEndpoint(2));
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const Q = 'qq-tail';
    const seen: number[] = [];
    await m.withChannel(vhost, async (ch) => {
      await ch.assertQueue(Q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await ch.bindQueue(Q, 'amq.fanout', '');
    });
    const tail = new QueueTail(
      m,
      vhost,
      { mode: 'consume', queue: Q, prefetch: 50, ack: 'auto' },
      {
        onBatch: (b) => {
          for (const msg of b.messages()) seen.push(seqOf(msg.body));
        },
        flushIntervalMs: 20,
      },
    );
    let stop = false;
    let sent = 0;
    const publisher = (async () => {
      const ch = await pub.openChannel(vhost, { confirm: true });
      while (!stop) {
        sent++;
        ch.publish('amq.fanout', '', Buffer.from(String(sent)), { persistent: true });
        await new Promise((r) => setTimeout(r, 20));
      }
      await ch.waitForConfirms();
      await pub.closeChannel(ch);
    })();
    try {
      await tail.start();
      await poll('tail receives', () => seen.length > 20, 10_000);
      const killedAt = killNode(0);
      const sentAtKill = sent;
      await poll('tail resumes with new messages', () => seen.some((x) => x > sentAtKill + 5), 60_000);
      const resumeMs = performance.now() - killedAt;
      stop = true;
      await publisher;
      // Messages the lost node's consumer held come back when the node does (RabbitMQ 4.x).
      const restartMs = await restartNode(0);
      const first = Math.min(...seen);
      const missing = () => {
        const got = new Set(seen);
        let n = 0;
        for (let x = first; x <= sent; x++) if (!got.has(x)) n++;
        return n;
      };
      await poll('every message received', () => missing() === 0, 90_000).catch(() => undefined);
      const duplicates = seen.length - new Set(seen).size;
      console.log(
        `  consume tail resumed on ${m.node(vhost)} ${ms(resumeMs)} after the kill; node 1 back in ${ms(restartMs)}; ` +
          `${sent - first + 1} published since the tail's first message, missing ${missing()}, redelivered duplicates ${duplicates}`,
      );
      assert.equal(missing(), 0, 'nothing lost');
      assert.ok(resumeMs < 15_000, `resumes within 15 s (${ms(resumeMs)})`);
    } finally {
      stop = true;
      await publisher.catch(() => undefined);
      await tail.stop();
      await m.withChannel(vhost, (ch) => ch.deleteQueue(Q)).catch(() => undefined);
      await m.dispose();
      await pub.dispose();
      await restartNode(0);
    }
  });

  test('publishMany of 20,000 persistent messages to a 3-replica quorum queue: confirmed-but-missing is 0', async () => {
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const reader = new AmqpConnectionManager(clusterEndpoint(1));
    const Q = 'qq-publish';
    const N = 20_000;
    try {
      await m.withChannel(vhost, (ch) => ch.assertQueue(Q, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
      const info = (await mgmt(1, 'GET', `/queues/${encodeURIComponent(vhost)}/${Q}`)) as {
        members?: string[];
        leader?: string;
      };
      assert.equal(info.members?.length, 3, '3 replicas');
      let killedAt = 0;
      const t0 = performance.now();
      let failedAt = 0;
      let result;
      try {
        result = await publishMany(
          m,
          vhost,
          { exchange: '', routingKey: Q, body: Buffer.from(''), properties: { deliveryMode: 2 } },
          N,
          {
            messageAt: (i) => ({ body: Buffer.from(String(i + 1)), properties: { deliveryMode: 2 } }),
            onProgress: (done) => {
              if (!killedAt && done >= 4000) killedAt = killNode(0);
            },
          },
        );
      } catch (err) {
        failedAt = performance.now();
        assert.ok(err instanceof PublishManyError, String(err));
        result = err.result;
        console.log(`  publishMany failed clearly: ${err.message}`);
      }
      assert.ok(killedAt > 0, 'the node was killed during the run');
      const confirmedSeqs = new Set<number>();
      const unknown = new Set(result.unknownSeqs);
      for (let s = 1; s <= result.sent; s++) if (!unknown.has(s)) confirmedSeqs.add(s);
      assert.equal(result.nacked, 0);
      assert.equal(confirmedSeqs.size, result.confirmed);
      // Drain the queue from node 2 and compare.
      const got = new Set<number>();
      let duplicates = 0;
      await reader.withChannel(
        vhost,
        async (ch: amqp.Channel) => {
          await ch.prefetch(2000);
          let last = performance.now();
          await ch.consume(Q, (msg) => {
            if (!msg) return;
            const s = seqOf(msg.content);
            if (got.has(s)) duplicates++;
            got.add(s);
            last = performance.now();
            ch.ack(msg);
          });
          await poll('queue drained', () => performance.now() - last > 2000, 120_000);
        },
        { deadlineMs: 180_000 },
      );
      let missing = 0;
      for (const s of confirmedSeqs) if (!got.has(s)) missing++;
      const unknownArrived = [...unknown].filter((s) => got.has(s)).length;
      console.log(
        `  publishMany ${N}: killed after ${ms(killedAt - t0)}; failed ${failedAt ? ms(failedAt - killedAt) : 'n/a'} after the kill; ` +
          `sent ${result.sent}, confirmed ${result.confirmed}, nacked ${result.nacked}, unknown ${result.unknown} ` +
          `(${unknownArrived} of them in the queue), not sent ${result.notSent}; queue holds ${got.size} (+${duplicates} duplicates); ` +
          `confirmed-but-missing ${missing}`,
      );
      assert.equal(missing, 0, 'no confirmed message is missing');
      assert.ok(result.unknown > 0 || result.sent === N, 'unknown messages are reported');
      await m.withChannel(vhost, (ch) => ch.deleteQueue(Q));
    } finally {
      await m.dispose();
      await reader.dispose();
      await restartNode(0);
    }
  });

  test('an RPC call in flight fails clearly, the next one works', async () => {
    const server = new AmqpConnectionManager(clusterEndpoint(1));
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const rpc = new RpcClient(m, vhost, { preflightCacheMs: 0 });
    const Q = 'rpc-q';
    let delayMs = 3000;
    const sch = await server.openChannel(vhost);
    try {
      await sch.assertQueue(Q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await sch.consume(Q, (msg) => {
        if (!msg) return;
        setTimeout(() => {
          try {
            sch.sendToQueue(msg.properties.replyTo as string, Buffer.from('pong'), {
              correlationId: msg.properties.correlationId as string,
            });
            sch.ack(msg);
          } catch {
            /* the test is over: the channel is closed */
          }
        }, delayMs);
      });
      const call = { exchange: '', routingKey: Q, body: Buffer.from('ping'), timeoutMs: 20_000 } as const;
      assert.equal((await rpc.call({ ...call, replyMode: 'direct-reply-to' })).status, 'reply');
      assert.equal(m.node(vhost, 'publish'), amqpAddr(0));
      const inFlight = rpc.call({ ...call, replyMode: 'direct-reply-to' });
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = killNode(0);
      const outcome = await inFlight;
      const failMs = performance.now() - killedAt;
      assert.equal(outcome.status, 'error', JSON.stringify(outcome));
      if (outcome.status === 'error')
        console.log(`  RPC in flight failed ${ms(failMs)} after the kill: ${outcome.error.message}`);
      assert.ok(failMs < 10_000, 'fails well before its 20 s timeout');
      delayMs = 0;
      const t0 = performance.now();
      let next = await rpc.call({ ...call, replyMode: 'direct-reply-to' });
      for (let i = 0; i < 10 && next.status === 'error'; i++) {
        await new Promise((r) => setTimeout(r, 500));
        next = await rpc.call({ ...call, replyMode: 'direct-reply-to' });
      }
      assert.equal(next.status, 'reply');
      console.log(`  next RPC call answered ${ms(performance.now() - t0)} later, on ${m.node(vhost, 'publish')}`);
    } finally {
      await rpc.dispose();
      await server.closeChannel(sch);
      await server.withChannel(vhost, (ch) => ch.deleteQueue(Q)).catch(() => undefined);
      await server.dispose();
      await m.dispose();
      await restartNode(0);
    }
  });

  test('a peek of 1,000 from a quorum queue led by another node: nothing lost or dead-lettered', async () => {
    const owner = new AmqpConnectionManager(clusterEndpoint(1));
    const m = new AmqpConnectionManager(clusterEndpoint(0));
    const Q = 'qq-peek';
    const N = 1000;
    try {
      await owner.withConfirmChannel(vhost, async (ch) => {
        await ch.assertExchange('dlx', 'fanout', { durable: true });
        await ch.assertQueue('dlq', { durable: true });
        await ch.bindQueue('dlq', 'dlx', '');
        await ch.assertQueue(Q, {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'dlx' },
        });
        for (let i = 1; i <= N; i++) ch.sendToQueue(Q, Buffer.from(String(i)), { persistent: true });
        await ch.waitForConfirms();
      });
      const q = (await mgmt(1, 'GET', `/queues/${encodeURIComponent(vhost)}/${Q}`)) as { leader?: string };
      console.log(`  quorum queue leader ${q.leader}; the peek connects to ${amqpAddr(0)}`);
      assert.notEqual(q.leader, clusterInfo().nodes[0]!.name);
      // A first peek works across nodes.
      const first = await peekMessages(m, vhost, Q, N, { queueType: 'quorum' });
      assert.equal(first.messages.length, N);
      // Then one during which node 1 dies.
      const peeking = peekMessages(m, vhost, Q, N, { queueType: 'quorum' }).then(
        (r) => `returned ${r.messages.length}`,
        (e: Error) => `failed: ${e.message}`,
      );
      await new Promise((r) => setTimeout(r, 30));
      const killedAt = killNode(0);
      const how = await peeking;
      console.log(`  peek during the kill ${how} (${ms(performance.now() - killedAt)} after the kill)`);
      const counts = async () => {
        const r = (await mgmt(1, 'GET', `/queues/${encodeURIComponent(vhost)}/${Q}`)) as {
          messages?: number;
          messages_ready?: number;
        };
        return { total: r.messages ?? -1, ready: r.messages_ready ?? -1 };
      };
      await poll('the queue reports its messages', async () => (await counts()).total === N, 30_000);
      const held = N - (await counts()).ready;
      // RabbitMQ 4.x keeps the messages a consumer on a lost node holds (consumer_disconnected_timeout,
      // 60 s by default) in case the node comes back: they return when it does.
      const restartMs = await restartNode(0);
      const t0 = performance.now();
      // RabbitMQ 4.0.5 sometimes keeps them unacknowledged with no consumer well after the node is
      // back: still in the queue (not lost, not dead-lettered), but not ready. Reported, not hidden.
      const allReady = await poll('all messages ready again', async () => (await counts()).ready === N, 90_000).then(
        () => true,
        () => false,
      );
      const after1 = await counts();
      const stuck = N - after1.ready;
      if (!allReady)
        console.log(`  ${stuck} messages still unacknowledged with no consumer 90 s after node 1 rejoined`);
      const again = await peekMessages(m, vhost, Q, N, { queueType: 'quorum' });
      const seqs = new Set(again.messages.map((x) => seqOf(x.body)));
      const dlq = (await mgmt(1, 'GET', `/queues/${encodeURIComponent(vhost)}/dlq`)) as { messages?: number };
      const withheld = again.withheld?.count ?? 0;
      console.log(
        `  after the kill: queue holds ${(await counts()).total} (${held} held for the lost node's consumer until node 1 came back: restart ${ms(restartMs)}, ready ${ms(performance.now() - t0)} later); ` +
          `peek again ${again.messages.length} (distinct ${seqs.size}, withheld ${withheld}) on ${m.node(vhost)}; dead-lettered ${dlq.messages ?? 0}`,
      );
      assert.equal(dlq.messages ?? 0, 0, 'nothing dead-lettered');
      assert.equal(after1.total, N, 'nothing lost: the queue holds every message');
      assert.equal(seqs.size + withheld + stuck, N, 'every message is shown, reported withheld, or still held');
    } finally {
      await m.dispose();
      await owner.dispose();
      await restartNode(0);
    }
  });
});
