import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/**
 * A panel's page: strict CSP (scripts only by nonce, no inline handlers, no remote content), the
 * panels' stylesheet and one script bundle from the extension. `styles` names extra stylesheets the
 * bundle brings along (esbuild writes the CSS a webview script imports to dist/webview/<name>.css,
 * e.g. uPlot's for the chart panels).
 */
export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  script: string,
  title: string,
  styles: readonly string[] = [],
): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${script}.js`));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const extra = styles.map((name) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${name}.css`)).toString(),
  );
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
${extra.map((href) => `<link rel="stylesheet" href="${href}">\n`).join('')}<link rel="stylesheet" href="${styleUri.toString()}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${nonce}" src="${scriptUri.toString()}"></script>
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
