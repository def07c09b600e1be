// code-server as a process of its own: started on a loopback port with a profile (test/e2e/profile.ts),
// in its own process group, so stop() ends code-server, its server child, the extension host and any
// terminals at once. Used by the e2e harness and by `npm start`.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as http from 'node:http';
import { poll, within } from '../wait';
import { CODE_SERVER_ENTRY, assertCodeServerInstalled, codeServerEnv, type Profile } from './profile';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface CodeServer {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** URL that opens the profile's workspace folder. */
  workbenchUrl: string;
  proc: ChildProcess;
  /** Resolves with a description ("code-server exited (code 1, signal null)") when the process exits. */
  exited: Promise<string>;
  /** Kills the whole process tree (SIGTERM, then SIGKILL); idempotent. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();
process.on('exit', () => {
  // Last resort if a test crashed before teardown: never leave code-server (or its extension host) behind.
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts code-server on a loopback port (`opts.port`, else a free one) with the profile and waits until it answers HTTP. */
export async function startCodeServer(profile: Profile, opts: { port?: number } = {}): Promise<CodeServer> {
  assertCodeServerInstalled();
  const port = opts.port ?? (await freePort());
  const log = fs.openSync(profile.logFile, 'a');
  const proc = spawn(
    process.execPath,
    [
      CODE_SERVER_ENTRY,
      '--config',
      profile.configFile,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      profile.userDataDir,
      '--extensions-dir',
      profile.extensionsDir,
      profile.workspace,
    ],
    // detached: own process group, so stop() can kill code-server, its server child, the extension host and ptys at once.
    { cwd: profile.workspace, env: codeServerEnv(profile), detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const pgid = proc.pid!;
  liveGroups.add(pgid);
  let exited: string | undefined;
  const exitPromise = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = `code-server exited (code ${code}, signal ${signal})`;
      resolve(exited);
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (groupAlive(pgid)) {
        try {
          process.kill(-pgid, 'SIGTERM');
        } catch {
          /* gone */
        }
        try {
          await poll('code-server process group to exit', () => !groupAlive(pgid), 5000, 50);
        } catch {
          try {
            process.kill(-pgid, 'SIGKILL');
          } catch {
            /* gone */
          }
          await poll('code-server process group to die after SIGKILL', () => !groupAlive(pgid), 5000, 50).catch(
            () => undefined,
          );
        }
      }
      if (exited === undefined)
        await within('code-server to report its exit', exitPromise, 2000).catch(() => undefined);
      liveGroups.delete(pgid);
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await poll(
      `code-server to answer on ${url}/healthz`,
      async () => {
        if (exited) throw new Error(`${exited}; log:\n${logTail(profile.logFile)}`);
        return (await httpStatus(`${url}/healthz`)) === 200;
      },
      60_000,
      100,
    );
  } catch (e) {
    await stop();
    if (exited) throw new Error(`${exited} before answering HTTP. Log tail:\n${logTail(profile.logFile)}`);
    throw e;
  }
  return {
    port,
    url,
    workbenchUrl: `${url}/?folder=${encodeURIComponent(profile.workspace)}`,
    proc,
    exited: exitPromise,
    stop,
  };
}

/** The last `chars` characters of a log file. */
export function logTail(file: string, chars = 3000): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-chars);
  } catch {
    return '(no log)';
  }
}
