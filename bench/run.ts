/**
 * `npm run bench`: Burrow's performance figures against both test brokers (RabbitMQ 3.10.8 and
 * 4.x, from test/brokers.ts), each figure next to a baseline measured in the same run on the same
 * broker, printed as one table with a broker column. Exits 1 if a row misses its target on any
 * broker.
 *
 *   node --import tsx bench/run.ts [--smoke] [--only=<substring>] [--broker=rmq3,rmq4] [--markdown] [--quiet]
 *
 * --smoke: tiny sizes, one round; checks only that every row runs on every broker and produces
 * numbers (ratios are printed but not judged). Part of the default test command so the
 * benchmarks do not rot.
 *
 * Rows run one after the other, each on every broker in turn (3.x, then 4.x) before the next
 * row, so that both brokers' figures of a row are taken close together. A row that uses no broker
 * (routing: pure CPU) runs once. Every row works in its own throw-away vhost (burrow-bench-<hex>)
 * on the broker it measures, deleted when it ends, also when it fails or on Ctrl-C; the run
 * checks at the end that no vhost it created is left on either broker.
 */
import {
  benchBrokers,
  cleanupAll,
  createdVhostCount,
  formatMarkdown,
  formatTable,
  installSignalHandlers,
  isAborting,
  leftoverVhosts,
  machineLine,
  probeBrokers,
  NO_BROKER,
  type BenchBroker,
  type BenchRow,
  type RowResult,
} from './harness';
import { publishRow, tailIngestRow } from './rowsMessages';
import { explorerRow } from './rowExplorer';
import { liveTreeRow } from './rowLiveTree';
import { routingRow } from './rowRouting';
import { lazyRoutingRow } from './rowLazyRouting';
import { peekRow } from './rowPeek';
import { rpcRow } from './rowRpc';
import { memoryRow } from './rowMemory';
import { base64Row, decodeRow, topicWorstRow } from './rowWorstCase';

const ROWS: BenchRow[] = [
  tailIngestRow,
  publishRow,
  explorerRow,
  liveTreeRow,
  routingRow,
  lazyRoutingRow,
  decodeRow,
  topicWorstRow,
  base64Row,
  peekRow,
  rpcRow,
  memoryRow,
];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const markdown = args.includes('--markdown');
  const quiet = args.includes('--quiet');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const brokerArg = args.find((a) => a.startsWith('--broker='))?.slice('--broker='.length);
  installSignalHandlers();

  const brokers = await benchBrokers(brokerArg?.split(',').map((s) => s.trim()));
  if (brokers.length === 0) throw new Error(`no broker to bench${brokerArg ? ` (--broker=${brokerArg})` : ''}`);
  await probeBrokers(brokers);
  const machine = machineLine(brokers);
  console.log(
    `Burrow bench${smoke ? ' — SMOKE RUN (tiny sizes; checks that every row runs on every broker, ratios are NOT judged)' : ''}`,
  );
  console.log(`machine: ${machine}`);
  const rows = ROWS.filter((r) => only === undefined || r.figure.toLowerCase().includes(only.toLowerCase()));
  const results: RowResult[] = [];
  const started = performance.now();
  let leftovers: string[] = [];
  try {
    for (const row of rows) {
      // A row without a broker still needs a context; it does not touch ctx.broker.
      const targets: (BenchBroker | undefined)[] = row.brokerless ? [undefined] : brokers;
      for (const broker of targets) {
        if (isAborting()) break;
        const t0 = performance.now();
        const where = broker?.label ?? NO_BROKER;
        console.log(`\n▶ ${row.figure} [${where}]`);
        const base = { figure: row.figure, target: row.target, broker: where, baselineName: row.baselineName };
        try {
          const r = await row.run({
            smoke,
            broker: broker ?? brokers[0]!,
            log: (m) => (quiet ? undefined : console.log(m)),
          });
          results.push({ ...base, ...r, pass: smoke ? undefined : r.pass });
          console.log(`  ${r.ours} vs ${r.baseline}: ${r.ratio} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          console.error(`  row failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
          results.push({ ...base, ours: '-', baseline: '-', ratio: '-', method: '', error: message });
        }
      }
    }
  } finally {
    await cleanupAll();
    leftovers = await leftoverVhosts(brokers);
    for (const b of brokers) b.admin.dispose();
  }

  console.log(
    `\n${smoke ? 'SMOKE RUN — sizes are tiny, ratios are not judged' : 'Results'} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  console.log(`machine: ${machine}\n`);
  console.log(formatTable(results, smoke));
  console.log('\nHow each row was measured:');
  for (const r of results)
    console.log(`- ${r.figure} [${r.broker}]: ${r.error !== undefined ? `ERROR: ${r.error}` : r.method}`);
  if (markdown) {
    console.log(`\nMarkdown:\n\nMeasured on ${machine}.\n`);
    console.log(formatMarkdown(results, smoke));
  }

  // Every selected row must have a result for every broker it runs on (or a single one if brokerless).
  const expected = rows.reduce((n, r) => n + (r.brokerless ? 1 : brokers.length), 0);
  const missing = expected - results.length;
  const created = brokers.map((b) => `${createdVhostCount(b)} on ${b.label}`).join(', ');
  if (leftovers.length) console.log(`\nCLEANUP FAILED: bench vhosts still there: ${leftovers.join(', ')}`);
  else console.log(`\nCleanup: every bench vhost this run created (${created}) is gone.`);

  const errors = results.filter((r) => r.error !== undefined).length;
  const failed = results.filter((r) => r.pass === false);
  const broken = errors > 0 || missing > 0 || leftovers.length > 0;
  const problems = [
    errors ? `${errors} row run(s) errored` : '',
    missing ? `${missing} row run(s) did not run (aborted)` : '',
    leftovers.length ? `${leftovers.length} vhost(s) left behind` : '',
  ].filter(Boolean);
  if (smoke) {
    console.log(
      broken
        ? `\nSMOKE FAILED: ${problems.join('; ')}.`
        : `\nSMOKE OK: all ${rows.length} rows ran on ${brokers.map((b) => b.label).join(' and ')} (${results.length} runs) and produced numbers.`,
    );
    return broken ? 1 : 0;
  }
  if (failed.length)
    problems.unshift(
      `${failed.length} missed the target (${failed.map((r) => `${r.figure} [${r.broker}]`).join('; ')})`,
    );
  console.log(
    problems.length
      ? `\nFAILED: ${problems.join('; ')}.`
      : `\nALL ${results.length} ROW RUNS PASS (${rows.length} rows on ${brokers.map((b) => b.label).join(' and ')}).`,
  );
  return problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await cleanupAll();
    process.exit(1);
  },
);
