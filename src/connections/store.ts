import * as vscode from 'vscode';
import { DEFAULT_PASSWORD, DEFAULT_PROFILE, normalizeProfiles, type ConnectionProfile } from '../core/profile';

const SECTION = 'burrow';
const KEY = 'connections';
const secretKey = (id: string) => `burrow.password.${id}`;

/**
 * Connection profiles live in user settings (no secrets); passwords live in SecretStorage.
 */
export class ConnectionStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private lastProblems = '';

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.${KEY}`)) this.emitter.fire();
      }),
    );
  }

  list(): ConnectionProfile[] {
    const raw = vscode.workspace.getConfiguration(SECTION).get<unknown>(KEY);
    const { profiles, problems } = normalizeProfiles(raw);
    const text = problems.join('; ');
    if (text && text !== this.lastProblems) {
      this.log.warn(`Ignoring invalid connection settings: ${text}`);
      void vscode.window.showWarningMessage(`Burrow: some connections in settings are invalid: ${text}`);
    }
    this.lastProblems = text;
    return profiles;
  }

  get(id: string): ConnectionProfile | undefined {
    return this.list().find((p) => p.id === id);
  }

  /** Adds or replaces (by id) a profile; stores the password when given. */
  async save(profile: ConnectionProfile, password?: string): Promise<void> {
    if (password !== undefined) await this.secrets.store(secretKey(profile.id), password);
    const list = this.list();
    const index = list.findIndex((p) => p.id === profile.id);
    if (index >= 0) list[index] = profile;
    else list.push(profile);
    await this.write(list);
  }

  async remove(id: string): Promise<void> {
    await this.secrets.delete(secretKey(id));
    await this.write(this.list().filter((p) => p.id !== id));
  }

  async getPassword(profile: ConnectionProfile): Promise<string | undefined> {
    const stored = await this.secrets.get(secretKey(profile.id));
    if (stored !== undefined) return stored;
    // The built-in localhost profile works out of the box with RabbitMQ's stock guest/guest.
    if (profile.id === DEFAULT_PROFILE.id && profile.username === DEFAULT_PROFILE.username) return DEFAULT_PASSWORD;
    return undefined;
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.secrets.store(secretKey(id), password);
    this.emitter.fire();
  }

  private async write(list: ConnectionProfile[]): Promise<void> {
    // Strip undefined fields so settings.json stays tidy.
    const clean = list.map((p) => JSON.parse(JSON.stringify(p)) as ConnectionProfile);
    await vscode.workspace.getConfiguration(SECTION).update(KEY, clean, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
