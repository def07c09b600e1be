/**
 * `node --import tsx bench/brokerCpu.ts [--seconds=60] [--broker=rmq3]`: what the live tree costs
 * the broker. On a vhost with 10,000 queues, reads the broker's beam.smp CPU time (utime + stime
 * from /proc/<pid>/stat) over a window without Burrow, then over a window with the tree model
 * refreshing an expanded Queues group (page 1 of 100) at the default interval (5 s, through the
 * same RefreshScheduler the extension uses), then without again. Prints CPU % of one core per
 * window and the difference. The broker process is found by its Erlang runtime (erts major =
 * OTP major - 12, OTP from the management API), or given with BURROW_BEAM_PID.
 * The brokers are shared: other clients' load shows up in both kinds of window.
 */
import * as fs from 'node:fs';
import { RefreshScheduler } from '../src/core/refreshScheduler';
import { benchBrokers, deleteBenchVhost, deleteQueues, probeBrokers, sleep, type BenchBroker } from './harness';
import { queueNames } from './rowExplorer';
import { countingClient, expandedQueuesGroup, queueVhost } from './rowLiveTree';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function beamPid(broker: BenchBroker): number {
  if (process.env.BURROW_BEAM_PID) return Number(process.env.BURROW_BEAM_PID);
  const otp = Number(/^(\d+)/.exec(broker.erlang ?? '')?.[1]);
  if (!Number.isFinite(otp)) throw new Error(`unknown Erlang version of ${broker.label}: set BURROW_BEAM_PID`);
  const erts = `erts-${otp - 12}.`;
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('beam.smp') && cmd.includes(erts) && /\brabbit\b/.test(cmd)) found.push(Number(entry));
  }
  if (found.length !== 1)
    throw new Error(`found ${found.length} beam.smp processes with ${erts} for ${broker.label}: set BURROW_BEAM_PID`);
  return found[0]!;
}

/** CPU seconds (user + system) the process used so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function windowPct(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 60);
  const only = process.argv.find((a) => a.startsWith('--broker='))?.slice(9) ?? 'rmq3';
  const [broker] = await benchBrokers([only]);
  if (!broker) throw new Error(`no broker ${only}`);
  await probeBrokers([broker]);
  const pid = beamPid(broker);
  console.log(`${broker.label}: beam.smp pid ${pid}; windows of ${seconds} s`);
  const mc = countingClient(broker);
  const n = 10_000;
  const vhost = await queueVhost(broker, mc, n);
  try {
    const group = await expandedQueuesGroup(broker, mc, vhost);
    await sleep(10_000); // let the declaration's load settle
    const idle1 = await windowPct(pid, seconds);
    console.log(`without Burrow:          ${idle1.toFixed(2)} % of one core`);
    const scheduler = new RefreshScheduler(
      { intervalMs: () => 5000, visible: () => true, targets: () => [group], refresh: () => group.poll() },
      { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    );
    const r0 = mc.requests;
    scheduler.update();
    const live = await windowPct(pid, seconds);
    scheduler.dispose();
    const requests = mc.requests - r0;
    console.log(
      `live tree (5 s, 1 page): ${live.toFixed(2)} % of one core (${requests} management requests: row ticks ask for each loaded queue)`,
    );
    const idle2 = await windowPct(pid, seconds);
    console.log(`without Burrow again:    ${idle2.toFixed(2)} % of one core`);
    const idle = (idle1 + idle2) / 2;
    console.log(
      `live tree adds ${(live - idle).toFixed(2)} percentage points of one core (${broker.label}, ${n} queues)`,
    );
  } finally {
    mc.dispose();
    await deleteQueues(broker, vhost, queueNames(n)).catch(() => undefined);
    await deleteBenchVhost(broker, vhost);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  },
);
