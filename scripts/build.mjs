// Bundles the extension host (Node, cjs, vscode external) and the webview (browser, esm).
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
};

const webviewEntries = existsSync('webview')
  ? readdirSync('webview')
      .filter((f) => /^[a-z][\w-]*\.ts$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => `webview/${f}`)
  : [];

const configs = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // jsonc-parser's "main" is a UMD build whose internal requires esbuild cannot follow; its
    // "module" (ESM) build bundles cleanly (microsoft/node-jsonc-parser#57).
    mainFields: ['module', 'main'],
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
  },
];

if (watch) {
  for (const c of configs) (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
