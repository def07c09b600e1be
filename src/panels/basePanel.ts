import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/**
 * Base for Burrow's webview panels:
 * - strict CSP: scripts only by nonce, no inline handlers, no remote content;
 * - a ready handshake: messages posted before the webview's script is listening are queued,
 *   and `onReady` runs again after every reload (panels are not kept alive when hidden:
 *   the webview restores its own UI state with getState/setState, the host re-sends data);
 * - everything disposable.
 */
export abstract class BasePanel<ToWebview extends { type: string }, ToHost extends { type: string }> implements vscode.Disposable {
  private ready = false;
  private queue: ToWebview[] = [];
  private disposed = false;
  protected readonly disposables: vscode.Disposable[] = [];
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    protected readonly extensionUri: vscode.Uri,
    private readonly script: string,
    protected readonly log: vscode.LogOutputChannel,
  ) {
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((msg: ToHost | { type: 'ready' }) => this.receive(msg)),
      panel.onDidDispose(() => this.dispose()),
      this.onDisposeEmitter,
    );
  }

  /** Posts to the webview, or queues until it says it is ready. */
  protected post(message: ToWebview): void {
    if (this.disposed) return;
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message).then(undefined, (err: unknown) => this.log.warn(`postMessage failed: ${String(err)}`));
  }

  private receive(message: ToHost | { type: 'ready' }): void {
    if (message.type === 'ready') {
      this.ready = true;
      const pending = this.queue;
      this.queue = [];
      // The webview (re)loaded: give it the full picture first, then anything queued.
      Promise.resolve(this.onReady())
        .catch((err: unknown) => this.log.error(`panel init failed: ${String(err)}`))
        .finally(() => pending.forEach((m) => this.post(m)));
      return;
    }
    Promise.resolve(this.onMessage(message as ToHost)).catch((err: unknown) => {
      this.log.error(`panel message '${message.type}' failed: ${err instanceof Error ? err.message : String(err)}`);
      this.showError(err);
    });
  }

  /** Called on the first 'ready' and after each reload: send the panel its complete state. */
  protected abstract onReady(): void | Promise<void>;
  protected abstract onMessage(message: ToHost): void | Promise<void>;
  protected abstract showError(err: unknown): void;

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', `${this.script}.js`));
    const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      // <style>/<link> only from our files or with the nonce; Lit components need style attributes.
      `style-src-elem ${webview.cspSource} 'nonce-${nonce}'`,
      "style-src-attr 'unsafe-inline'",
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri.toString()}">
<title>${escapeHtml(this.panel.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${nonce}" src="${scriptUri.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDisposeEmitter.fire();
    this.onDispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** Panel-specific cleanup (stop consumers, cancel operations). */
  protected onDispose(): void {}
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
