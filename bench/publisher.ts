/**
 * Child process of the memory row: publishes `count` copies of the bench body to a queue while
 * the parent tails it, so the parent's memory holds only the tail. Stays at most `lead`
 * messages ahead of what the parent reports received (IPC { received }), so the queue stays short.
 *
 *   forked by rowMemory.ts: publisher.ts <host> <amqp port> <vhost> <queue> <count> <lead>
 */
import * as amqp from 'amqplib';
import { BODY, BODY_PROPS, rawConnectArgs } from './harness';

async function main(): Promise<void> {
  const [host, port, vhost, queue, countArg, leadArg] = process.argv.slice(2);
  const count = Number(countArg);
  const lead = Number(leadArg);
  let received = 0;
  let wake: (() => void) | undefined;
  process.on('message', (m: { received?: number }) => {
    if (typeof m.received === 'number') received = m.received;
    wake?.();
  });
  process.on('disconnect', () => process.exit(0));
  const conn = await amqp.connect(...rawConnectArgs(host!, Number(port), vhost!, 'burrow-bench-publisher'));
  const ch = await conn.createConfirmChannel();
  for (let i = 0; i < count; i++) {
    while (i - received > lead) await new Promise<void>((r) => (wake = r));
    if (!ch.publish('', queue!, BODY, BODY_PROPS, () => undefined)) await new Promise((r) => ch.once('drain', r));
    if (i % 1000 === 999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  await conn.close();
  process.send?.({ published: count });
}

main().catch((err: unknown) => {
  console.error(`publisher: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
