import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');

/**
 * The layering rules of eslint.config.mjs, checked on a probe file placed in each folder: `vscode`
 * stays out of src/core, src/broker and webview/; Node built-ins stay out of webview/; console
 * stays out of the extension and the webviews. Only these two rules run, without type information,
 * so the check is quick.
 */
test('ESLint keeps vscode out of src/core, src/broker and webview/, and Node built-ins out of webview/', async () => {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'no-console',
  });
  const probe = [
    "import * as vscode from 'vscode';",
    "import { readFile } from 'node:fs';",
    'export const x = [vscode, readFile];',
    'console.log(x);',
    '',
  ].join('\n');
  const expected: Record<string, string[]> = {
    'src/core/probe.ts': ['no-restricted-imports:1', 'no-console:4'],
    'src/broker/probe.ts': ['no-restricted-imports:1', 'no-console:4'],
    'webview/probe.ts': ['no-restricted-imports:1', 'no-restricted-imports:2', 'no-console:4'],
    'webview/lib/probe.ts': ['no-restricted-imports:1', 'no-restricted-imports:2', 'no-console:4'],
    'src/panels/probe.ts': ['no-console:4'],
    'src/explorer/probe.ts': ['no-console:4'],
    'test/unit/probe.test.ts': [],
    'scripts/probe.ts': [],
  };
  for (const [filePath, want] of Object.entries(expected)) {
    const [result] = await eslint.lintText(probe, { filePath: join(ROOT, filePath) });
    const got = result!.messages.map((m) => `${m.ruleId}:${m.line}`);
    assert.deepEqual(got, want, filePath);
  }
});
