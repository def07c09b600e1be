/**
 * `npm start`: Burrow running in a real VS Code in your browser, against the local broker.
 *
 * `npm start` first runs scripts/ensure-rabbitmq.sh (the local brokers) and scripts/e2e-setup.sh
 * (code-server 4.100.3 = VS Code 1.100.3 in .tools/, the one the end-to-end tests use); then this
 * script packages the extension (`npm run package`), declares the demo topology on the local
 * RabbitMQ (127.0.0.1:5672, vhost /: `npm run demo`'s work queue, exchanges and Fibonacci RPC
 * server), installs Burrow into a fresh profile in a temp dir (its workspace holds requests.amqp, a
 * copy of demo/requests.amqp, when the demo runs), starts code-server and prints the
 * URL to open. The built-in `localhost` connection (guest/guest) connects to that broker.
 *
 * Ctrl+C (SIGINT) or SIGTERM stops code-server (its whole process group: server, extension host,
 * terminals), removes the demo topology and closes its connection, and deletes the temp profile.
 *
 * Env: BURROW_PORT (default 8080), BURROW_NO_DEMO=1 to skip the demo topology.
 * Profile and code-server helpers: test/e2e/profile.ts and test/e2e/codeServer.ts (shared with the e2e tests).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO_ROOT,
  createProfile,
  installExtension,
  packageExtension,
  removeProfile,
  type Profile,
} from '../test/e2e/profile';
import { logTail, startCodeServer, type CodeServer } from '../test/e2e/codeServer';
import { startDemo, type DemoHandle } from './demoServer';

const DEMO_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** The newcomer's request file, copied into the workspace when the demo runs. */
const DEMO_REQUESTS = path.join(REPO_ROOT, 'demo', 'requests.amqp');

function portFromEnv(): number {
  const raw = process.env.BURROW_PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`BURROW_PORT=${raw} is not a TCP port`);
  return port;
}

const log = (s: string) => console.log(`[start] ${s}`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

let profile: Profile | undefined;
let server: CodeServer | undefined;
let demo: DemoHandle | undefined;
let cleaning: Promise<void> | undefined;
/** Set by the first Ctrl+C; during start-up, main() stops after the step under way. */
let stopRequested = false;
let starting = true;

/** Stops everything this script started; idempotent. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((e: unknown) => log(`stopping code-server: ${message(e)}`));
    await demo?.stop().catch((e: unknown) => log(`removing the demo topology: ${message(e)}`));
    if (profile) removeProfile(profile);
  })();
  return cleaning;
}

function shutdown(code: number): Promise<never> {
  return cleanup().then(() => {
    log('stopped');
    process.exit(code);
  });
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopRequested) {
    log(`${signal} again: leaving now`);
    process.exit(130);
  }
  stopRequested = true;
  log(`${signal}: stopping code-server, removing the demo topology and the temp profile…`);
  if (!starting) void shutdown(0);
}

async function main(): Promise<void> {
  const port = portFromEnv();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  log('packaging the extension (npm run package)…');
  const vsix = await packageExtension();
  if (process.env.BURROW_NO_DEMO !== '1') {
    log('declaring the demo topology and starting its RPC server on 127.0.0.1:5672…');
    demo = await startDemo({ url: DEMO_URL });
  }
  if (stopRequested) return shutdown(0);
  // The demo's request file in the workspace, ready to run against the demo topology.
  const workspaceFiles: Record<string, string> = demo
    ? { 'requests.amqp': fs.readFileSync(DEMO_REQUESTS, 'utf8') }
    : {};
  profile = createProfile({ 'burrow.explorer.autoRefreshSeconds': 5 }, workspaceFiles, {
    parent: os.tmpdir(),
    prefix: 'burrow-start',
  });
  log('installing Burrow into a fresh VS Code profile…');
  await installExtension(profile, vsix);
  if (stopRequested) return shutdown(0);
  server = await startCodeServer(profile, { port });
  starting = false;
  if (stopRequested) return shutdown(0);
  void server.exited.then((why) => {
    if (cleaning) return;
    log(`${why}; log tail:\n${logTail(profile!.logFile)}`);
    void shutdown(1);
  });

  console.log(`
  Burrow in VS Code: ${server.workbenchUrl}

  Open the Burrow view in the activity bar: the localhost connection (guest/guest) is ready.${
    demo
      ? `
  Demo topology on the local broker (vhost /): task_queue, the logs, direct_logs, topic_logs and
  headers_demo exchanges with their queues, and an RPC server on rpc_queue (send 10, get 55).
  Open requests.amqp in the Explorer (a copy of demo/requests.amqp) and click Send, Call or Peek
  above a request.`
      : ''
  }
  Temp profile: ${profile.dir} (removed on exit)
  Ctrl+C stops it all.
`);
}

main().catch((e: unknown) => {
  console.error(`[start] ${message(e)}`);
  return shutdown(stopRequested ? 0 : 1);
});
