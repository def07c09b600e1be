/**
 * Throughput of Burrow's message paths against raw amqplib, on the same connection, same run.
 * Not a test. Run: node --import tsx bench/messages.ts [count] [rounds]
 *
 *   publish: publishMany (window 1000) vs a raw confirm-channel loop (callbacks, drain, waitForConfirms)
 *   consume: QueueTail consume mode (prefetch 1000, auto acks) vs a raw consumer (prefetch 1000,
 *            ack multiple every 500), both draining a queue pre-filled with `count` messages.
 *
 * Uses a throw-away vhost on 127.0.0.1 (guest/guest), deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { AmqpConnectionManager } from '../src/broker/amqp';
import { publishMany } from '../src/broker/publish';
import { QueueTail } from '../src/broker/tail';

const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const VHOST = `burrow-bench-${randomBytes(4).toString('hex')}`;
const AUTH = 'Basic ' + Buffer.from('guest:guest').toString('base64');
const BODY = Buffer.from(JSON.stringify({ id: 123456, type: 'order.created', customer: 'c-0042', total: 99.95, note: 'x'.repeat(60) }).slice(0, 150));

async function mgmt(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch('http://127.0.0.1:15672' + path, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}`);
}

/** Client CPU time (user+system, ms) of the last measured run: less noisy than wall time on a shared machine. */
let lastCpuMs = 0;
function startClock(): () => number {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    lastCpuMs = (c.user + c.system) / 1000;
    return performance.now() - t0;
  };
}

const mgr = new AmqpConnectionManager({ host: '127.0.0.1', port: 5672, tls: false, username: 'guest', password: 'guest', connectionName: 'burrow-bench' });

async function rawPublish(queue: string, n: number): Promise<number> {
  const conn = await mgr.connection(VHOST);
  const ch = await conn.createConfirmChannel();
  const stop = startClock();
  for (let i = 0; i < n; i++) {
    if (!ch.publish('', queue, BODY, { mandatory: true }, () => undefined)) {
      await new Promise((r) => ch.once('drain', r));
    }
  }
  await ch.waitForConfirms();
  const ms = stop();
  await ch.close();
  return ms;
}

async function burrowPublish(queue: string, n: number): Promise<number> {
  const stop = startClock();
  const r = await publishMany(mgr, VHOST, { exchange: '', routingKey: queue, body: BODY, properties: {} }, n, { onProgress: () => undefined });
  const ms = stop();
  if (r.confirmed !== n) throw new Error(`confirmed ${r.confirmed}`);
  return ms;
}

async function rawConsume(queue: string, n: number): Promise<number> {
  const conn = await mgr.connection(VHOST);
  const ch = await conn.createChannel();
  await ch.prefetch(1000);
  const stop = startClock();
  let got = 0;
  let tag = '';
  await new Promise<void>((resolve) => {
    void ch
      .consume(
        queue,
        (m) => {
          if (!m) return;
          got++;
          if (got % 500 === 0 || got === n) ch.ack(m, true);
          if (got === n) resolve();
        },
        { noAck: false },
      )
      .then((ok) => (tag = ok.consumerTag));
  });
  const ms = stop();
  await ch.cancel(tag);
  await ch.close();
  return ms;
}

async function tailConsume(queue: string, n: number): Promise<number> {
  let delivered = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const tail = new QueueTail(mgr, VHOST, { mode: 'consume', queue, prefetch: 1000, ack: 'auto' }, {
    onBatch: (batch) => {
      delivered += batch.length;
      if (delivered >= n) done();
    },
  });
  const stop = startClock();
  await tail.start();
  await finished;
  const ms = stop();
  await tail.stop();
  return ms;
}

async function fill(queue: string, n: number): Promise<void> {
  await rawPublish(queue, n);
}

function rate(n: number, ms: number): string {
  return `${Math.round((n * 1000) / ms).toLocaleString('en-US')} msg/s`;
}

async function main(): Promise<void> {
  await mgmt('PUT', `/api/vhosts/${VHOST}`, {});
  await mgmt('PUT', `/api/permissions/${VHOST}/guest`, { configure: '.*', write: '.*', read: '.*' });
  try {
    await mgr.withChannel(VHOST, async (ch) => {
      await ch.assertQueue('bench', { durable: false });
    });
    const purge = () => mgr.withChannel(VHOST, (ch) => ch.purgeQueue('bench'));
    console.log(`${COUNT} messages of ${BODY.length} bytes, ${ROUNDS} rounds, alternating`);
    const pub = { raw: [] as number[], burrow: [] as number[] };
    const con = { raw: [] as number[], burrow: [] as number[] };
    const cpu = { pubRaw: [] as number[], pubBurrow: [] as number[], conRaw: [] as number[], conBurrow: [] as number[] };
    // warm-up
    await burrowPublish('bench', 5000);
    await purge();
    for (let r = 0; r < ROUNDS; r++) {
      pub.raw.push(await rawPublish('bench', COUNT));
      cpu.pubRaw.push(lastCpuMs);
      await purge();
      pub.burrow.push(await burrowPublish('bench', COUNT));
      cpu.pubBurrow.push(lastCpuMs);
      await purge();
      await fill('bench', COUNT);
      con.raw.push(await rawConsume('bench', COUNT));
      cpu.conRaw.push(lastCpuMs);
      await fill('bench', COUNT);
      con.burrow.push(await tailConsume('bench', COUNT));
      cpu.conBurrow.push(lastCpuMs);
      await purge();
      console.log(
        `round ${r + 1}: publish raw ${rate(COUNT, pub.raw[r])}, publishMany ${rate(COUNT, pub.burrow[r])} | consume raw ${rate(COUNT, con.raw[r])}, QueueTail ${rate(COUNT, con.burrow[r])}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const pr = median(pub.raw) / median(pub.burrow);
    const cr = median(con.raw) / median(con.burrow);
    console.log(`median publish: raw ${rate(COUNT, median(pub.raw))}, publishMany ${rate(COUNT, median(pub.burrow))}, ratio ${pr.toFixed(2)}`);
    console.log(`median consume: raw ${rate(COUNT, median(con.raw))}, QueueTail ${rate(COUNT, median(con.burrow))}, ratio ${cr.toFixed(2)}`);
    const us = (ms: number) => ((ms * 1000) / COUNT).toFixed(2);
    console.log(
      `median client CPU per message: publish raw ${us(median(cpu.pubRaw))} µs, publishMany ${us(median(cpu.pubBurrow))} µs | consume raw ${us(median(cpu.conRaw))} µs, QueueTail ${us(median(cpu.conBurrow))} µs`,
    );
  } finally {
    await mgr.dispose();
    await mgmt('DELETE', `/api/vhosts/${VHOST}`);
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
