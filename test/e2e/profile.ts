// The VS Code under test and its profiles, shared by the e2e harness and `npm start` (scripts/start.ts):
// package the extension, make a profile (user data, extensions, workspace, settings), install the vsix.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const E2E_DIR = path.join(REPO_ROOT, '.e2e');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
export const FAILURE_DIR = path.join(E2E_DIR, 'failures');
export const CODE_SERVER_VERSION = '4.100.3';
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools', 'code-server');
export const CODE_SERVER_ENTRY = path.join(TOOLS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';

export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  // The workspace lives under .e2e/ inside the repo: keep the git extension from offering the parent repo.
  'git.openRepositoryInParentFolders': 'never',
};

let packaged: Promise<string> | undefined;

/** Path of the vsix under test: $BURROW_VSIX, or `npm run package` in the repo root (once per process). */
export function packageExtension(): Promise<string> {
  const fromEnv = process.env.BURROW_VSIX;
  if (fromEnv) {
    const p = path.resolve(fromEnv);
    if (!fs.existsSync(p)) return Promise.reject(new Error(`BURROW_VSIX=${fromEnv} does not exist`));
    return Promise.resolve(p);
  }
  packaged ??= (async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      await execFileP(npm, ['run', 'package'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `npm run package failed: ${err.message}\n${(err.stdout ?? '').slice(-4000)}\n${(err.stderr ?? '').slice(-4000)}`,
      );
    }
    const vsix = path.join(REPO_ROOT, 'burrow.vsix');
    if (!fs.existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
    return vsix;
  })();
  return packaged;
}

export interface Profile {
  /** The session's own temp dir under .e2e/ */
  dir: string;
  userDataDir: string;
  extensionsDir: string;
  /** Workspace folder opened in VS Code. */
  workspace: string;
  /** code-server's config file (kept inside the session so ~/.config is not touched). */
  configFile: string;
  logFile: string;
}

/**
 * A fresh user-data-dir + extensions-dir + workspace in a new temp dir (under .e2e/ by default, named
 * `prefix-<time>-…`), with User/settings.json = BASE_SETTINGS + extraSettings.
 */
export function createProfile(
  extraSettings: Record<string, unknown> = {},
  workspaceFiles: Record<string, string> = {},
  where: { parent?: string; prefix?: string } = {},
): Profile {
  const parent = where.parent ?? E2E_DIR;
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(
    path.join(parent, `${where.prefix ?? 'run'}-${new Date().toISOString().replace(/[:.]/g, '-')}-`),
  );
  const profile: Profile = {
    dir,
    userDataDir: path.join(dir, 'user-data'),
    extensionsDir: path.join(dir, 'extensions'),
    workspace: path.join(dir, 'workspace'),
    configFile: path.join(dir, 'code-server.yaml'),
    logFile: path.join(dir, 'code-server.log'),
  };
  fs.mkdirSync(path.join(profile.userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(profile.extensionsDir, { recursive: true });
  fs.mkdirSync(profile.workspace, { recursive: true });
  fs.writeFileSync(profile.configFile, 'auth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(profile.userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...extraSettings }, null, 2) + '\n',
  );
  for (const [rel, content] of Object.entries(workspaceFiles)) {
    const f = path.join(profile.workspace, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
  }
  return profile;
}

/** Removes a profile's directory (logs included). */
export function removeProfile(profile: Profile): void {
  fs.rmSync(profile.dir, { recursive: true, force: true });
}

/** code-server's environment: no inherited VS Code variables; XDG dirs inside the profile. */
export function codeServerEnv(profile: Profile): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A VSCODE_IPC_HOOK_CLI inherited from a surrounding VS Code turns code-server into a CLI client.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.XDG_CONFIG_HOME = path.join(profile.dir, 'xdg-config');
  env.XDG_DATA_HOME = path.join(profile.dir, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(profile.dir, 'xdg-cache');
  return env;
}

export function assertCodeServerInstalled(): void {
  const marker = path.join(TOOLS_DIR, `.ready-${CODE_SERVER_VERSION}`);
  if (!fs.existsSync(marker) || !fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not set up in .tools/ — run scripts/e2e-setup.sh first`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found — run scripts/e2e-setup.sh first`);
}

/** `code-server --install-extension VSIX` into the profile's extensions dir. */
export async function installExtension(profile: Profile, vsix: string): Promise<void> {
  assertCodeServerInstalled();
  const args = [
    CODE_SERVER_ENTRY,
    '--config',
    profile.configFile,
    '--user-data-dir',
    profile.userDataDir,
    '--extensions-dir',
    profile.extensionsDir,
    '--install-extension',
    vsix,
    '--force',
  ];
  try {
    const { stdout } = await execFileP(process.execPath, args, { env: codeServerEnv(profile), timeout: 120_000 });
    if (!/successfully installed/i.test(stdout)) throw new Error(`unexpected output: ${stdout}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`installing ${vsix} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}
