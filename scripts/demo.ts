/**
 * Burrow demo: declares the tutorial topology and runs a Fibonacci RPC server until Ctrl+C,
 * then deletes what it declared.
 *
 *   node --import tsx scripts/demo.ts
 *   BURROW_DEMO_URL=amqp://user:pass@host:5672 BURROW_DEMO_VHOST=demo node --import tsx scripts/demo.ts
 */
import { startDemo, DEMO_BINDINGS, DEMO_EXCHANGES, DEMO_QUEUES, DEMO_RPC_QUEUE } from './demoServer';
import { describeForUser } from '../src/broker/errors';

const url = process.env.BURROW_DEMO_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const vhost = process.env.BURROW_DEMO_VHOST ?? '/';

function safeUrl(u: string): string {
  try {
    const parsed = new URL(u);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function main(): Promise<void> {
  const log = (s: string) => console.log(`[demo] ${s}`);
  log(`connecting to ${safeUrl(url)}, vhost ${JSON.stringify(vhost)}`);
  const demo = await startDemo({ url, vhost, log });

  console.log(`
Burrow demo is running.
  Exchanges: ${DEMO_EXCHANGES.map((x) => `${x.name} (${x.type})`).join(', ')}
  Queues:    ${DEMO_QUEUES.map((q) => q.name).join(', ')}
  Bindings:  ${DEMO_BINDINGS.length}

Try it in Burrow:
  - RPC panel: exchange "" (default), routing key "${DEMO_RPC_QUEUE}", body "10"  ->  reply "55"
    (a body that is not an integer gets an error text with header x-error: true)
  - Routing tester: topic_logs with "kern.info" (kern.*, *.info), "a.b.ne" (#.ne), "audit.x.y" (audit.#)
  - direct_logs with "error" reaches logs.errors and logs.all_levels; "info" only logs.all_levels
  - headers_demo with headers {format: pdf, type: report} reaches both header queues; {format: pdf} only the x-match=any one

Press Ctrl+C to stop; the demo deletes the queues and exchanges it declared.
`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, cleaning up...`);
    try {
      await demo.stop();
      process.exit(0);
    } catch (err) {
      console.error(`[demo] cleanup failed: ${describeForUser(err)}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`[demo] ${describeForUser(err)}`);
  process.exit(1);
});
