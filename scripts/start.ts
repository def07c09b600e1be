/**
 * `npm start`: Burrow running in a real VS Code (code-server 4.100.3 / VS Code 1.100.3, from
 * .tools/, set up by scripts/e2e-setup.sh) against the local brokers, in your browser.
 *
 * Packages the extension, installs it into a profile kept in .tools/start-profile/ (settings,
 * passwords and panels survive restarts), starts the demo topology (`npm run demo`'s work queue,
 * exchanges and Fibonacci RPC server) on the local RabbitMQ 3.10.8, and prints the URL to open.
 * Ctrl+C stops code-server and removes the demo topology.
 *
 * Env: BURROW_PORT (default 8080), BURROW_NO_DEMO=1 to skip the demo topology.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_SETTINGS, installExtension, packageExtension, type Profile } from '../test/e2e/harness';
import { startDemo } from './demoServer';

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.tools', 'start-profile');
const port = Number(process.env.BURROW_PORT ?? 8080);
const CODE_SERVER_ENTRY = path.join(ROOT, '.tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function profile(): Profile {
  const p: Profile = {
    dir: DIR,
    userDataDir: path.join(DIR, 'user-data'),
    extensionsDir: path.join(DIR, 'extensions'),
    workspace: path.join(DIR, 'workspace'),
    configFile: path.join(DIR, 'code-server.yaml'),
    logFile: path.join(DIR, 'code-server.log'),
  };
  fs.mkdirSync(path.join(p.userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(p.extensionsDir, { recursive: true });
  fs.mkdirSync(p.workspace, { recursive: true });
  fs.writeFileSync(p.configFile, 'auth: none\ncert: false\n');
  const settingsFile = path.join(p.userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(settingsFile, JSON.stringify({ ...BASE_SETTINGS, 'burrow.explorer.autoRefreshSeconds': 5 }, null, 2) + '\n');
  }
  return p;
}

async function main(): Promise<void> {
  const p = profile();
  console.log('[start] packaging the extension (npm run package)…');
  const vsix = await packageExtension();
  await installExtension(p, vsix);
  const demo = process.env.BURROW_NO_DEMO === '1' ? undefined : await startDemo({ url: 'amqp://guest:guest@127.0.0.1:5672' }).catch((e: unknown) => {
    console.warn(`[start] demo topology not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VSCODE_') && k !== 'ELECTRON_RUN_AS_NODE' && k !== 'NODE_OPTIONS') env[k] = v;
  env.XDG_CONFIG_HOME = path.join(DIR, 'xdg-config');
  env.XDG_DATA_HOME = path.join(DIR, 'xdg-data');
  const cs = spawn(
    process.execPath,
    [CODE_SERVER_ENTRY, '--config', p.configFile, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--user-data-dir', p.userDataDir, '--extensions-dir', p.extensionsDir, p.workspace],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  console.log(`\n  Burrow in VS Code: http://127.0.0.1:${port}/?folder=${encodeURIComponent(p.workspace)}`);
  console.log('  Open the Burrow view in the activity bar; the localhost connection (guest/guest) is ready.');
  if (demo) console.log('  Demo topology on the local broker: task_queue, logs, direct_logs, topic_logs, headers_demo, rpc_queue (send 10, get 55).');
  console.log('  Ctrl+C stops it.\n');
  const stop = async () => {
    cs.kill('SIGTERM');
    await demo?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  cs.on('exit', (code) => {
    console.log(`[start] code-server exited (${code})`);
    void demo?.stop().finally(() => process.exit(code ?? 0));
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
