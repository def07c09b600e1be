import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const ROOT = join(__dirname, '..', '..');

/**
 * What `vsce package` puts into burrow.vsix, decided by .vscodeignore. vsce applies its `!` lines
 * after every other line, so a broad `!dist/**` once packed the source maps that a development
 * build leaves in dist/, whatever line excluded them. This packs a scratch tree holding every
 * kind of file the repository has (real .vscodeignore and package.json) and checks the list.
 */
test('.vscodeignore ships the bundles, media, package.json, README, CHANGELOG and LICENSE, and nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-vsix-'));
  try {
    copyFileSync(join(ROOT, '.vscodeignore'), join(dir, '.vscodeignore'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const shipped = [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'dist/extension.js',
      'dist/webview/peek.js',
      'dist/webview/details.css',
      'media/panel.css',
      'media/burrow.svg',
      'schemas/definitions.schema.json',
      'media/screenshots/peek-json.png',
      'syntaxes/amqp.tmLanguage.json',
      'snippets/amqp.json',
      'language-configuration.json',
    ];
    const left = [
      'dist/extension.js.map',
      'dist/webview/peek.js.map',
      'dist/webview/details.css.map',
      'src/extension.ts',
      'src/core/topic.ts',
      'webview/peek.ts',
      'test/unit/topic.test.ts',
      'bench/run.ts',
      'scripts/start.ts',
      'scripts/build.mjs',
      'tsconfig.json',
      'tsconfig.base.json',
      'tsconfig.host.json',
      'tsconfig.webview.json',
      'tsconfig.tools.json',
      'eslint.config.mjs',
      '.prettierrc.json',
      '.prettierignore',
      '.editorconfig',
      '.vscode/launch.json',
      '.vscode/tasks.json',
      '.vscode/extensions.json',
      'CONTRIBUTING.md',
      'ARCHITECTURE.md',
      '.ci/run',
      '.gitignore',
      'package-lock.json',
      'burrow.vsix',
      '.e2e/screenshots/x.png',
      '.tools/brokers.json',
      'test/unit/fixtures/JSON.tmLanguage.json',
    ];
    for (const f of [...shipped.filter((f) => f !== 'package.json'), ...left]) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), 'x');
    }
    const files = (await listFiles({ cwd: dir, packageManager: PackageManager.None })).map((f) =>
      f.replace(/\\/g, '/'),
    );
    assert.deepEqual([...files].sort(), [...shipped].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
