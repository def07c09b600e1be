/**
 * `npm run bench`: Burrow's performance figures against the local broker, each next to a
 * baseline measured in the same run, printed as one table. Exits 1 if a row misses its target.
 *
 *   node --import tsx bench/run.ts [--smoke] [--only=<substring>] [--markdown]
 *
 * --smoke: tiny sizes, one round; checks only that every row runs and produces numbers (ratios
 * are printed but not judged). Part of the default test command so the benchmarks do not rot.
 *
 * Every row works in its own throw-away vhost (burrow-bench-<hex>) which is deleted at the end,
 * also when a row fails or on Ctrl-C.
 */
import { admin, cleanupAll, isAborting, formatMarkdown, formatTable, installSignalHandlers, machineLine, type BenchRow, type RowResult } from './harness';
import { publishRow, tailIngestRow } from './rowsMessages';
import { explorerRow } from './rowExplorer';
import { routingRow } from './rowRouting';
import { peekRow } from './rowPeek';
import { rpcRow } from './rowRpc';
import { memoryRow } from './rowMemory';

const ROWS: BenchRow[] = [tailIngestRow, publishRow, explorerRow, routingRow, peekRow, rpcRow, memoryRow];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const markdown = args.includes('--markdown');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const quiet = args.includes('--quiet');
  installSignalHandlers();

  const machine = await machineLine();
  console.log(`Burrow bench${smoke ? ' — SMOKE RUN (tiny sizes; checks that every row runs, ratios are NOT judged)' : ''}`);
  console.log(`machine: ${machine}`);
  const rows = ROWS.filter((r) => only === undefined || r.figure.toLowerCase().includes(only.toLowerCase()));
  const results: RowResult[] = [];
  const started = performance.now();
  try {
    for (const row of rows) {
      if (isAborting()) break;
      const t0 = performance.now();
      console.log(`\n▶ ${row.figure}`);
      try {
        const r = await row.run({ smoke, log: (m) => (quiet ? undefined : console.log(m)) });
        results.push({ figure: row.figure, target: row.target, ...r, pass: smoke ? undefined : r.pass });
        console.log(`  ${r.ours} vs ${r.baseline}: ${r.ratio} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`  row failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
        results.push({ figure: row.figure, target: row.target, ours: '-', baseline: '-', ratio: '-', method: '', error: message });
      }
    }
  } finally {
    await cleanupAll();
    admin.dispose();
  }

  console.log(`\n${smoke ? 'SMOKE RUN — sizes are tiny, ratios are not judged' : 'Results'} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`machine: ${machine}\n`);
  console.log(formatTable(results, smoke));
  console.log('\nHow each row was measured:');
  for (const r of results) console.log(`- ${r.figure}: ${r.error !== undefined ? `ERROR: ${r.error}` : r.method}`);
  if (markdown) {
    console.log(`\nMarkdown:\n\nMeasured on ${machine}.\n`);
    console.log(formatMarkdown(results, smoke));
  }

  const errors = results.filter((r) => r.error !== undefined).length;
  const failed = results.filter((r) => r.pass === false).length;
  if (smoke) {
    console.log(errors ? `\nSMOKE FAILED: ${errors} row(s) did not run.` : `\nSMOKE OK: all ${results.length} rows ran and produced numbers.`);
    return errors ? 1 : 0;
  }
  console.log(errors || failed ? `\nFAILED: ${failed} row(s) missed the target, ${errors} row(s) errored.` : `\nALL ${results.length} ROWS PASS.`);
  return errors || failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await cleanupAll();
    process.exit(1);
  },
);
