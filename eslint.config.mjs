// ESLint flat config. Formatting belongs to Prettier (.prettierrc.json): no rule here checks layout.
// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports that would break a layer: vscode outside the adapters, Node built-ins in browser code. */
const noVscode = {
  name: 'vscode',
  message: 'src/core, src/broker and webview/ stay free of the vscode API: pass what they need in from an adapter.',
};
const nodeBuiltins = {
  group: ['node:*'],
  message: 'webview/ runs in the browser: no Node built-ins.',
};

export default tseslint.config(
  { ignores: ['dist/', 'out/', '.tools/', '.e2e/', 'node_modules/', 'media/', 'test-results/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // tsconfig.json lists the host, webview and tools projects; each file is checked with its own.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // type-aware
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises that the runner itself awaits
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // imports
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // the rest
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The extension logs to its output channel and the webviews report through the host.
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/core/**/*.ts', 'src/broker/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode] }] },
  },
  {
    files: ['webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [nodeBuiltins] }] },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Rules that Prettier owns (eslint-config-prettier's list, minus what ESLint 9 and
    // typescript-eslint 8 already dropped). None of them is in the presets above except
    // no-unexpected-multiline; listed so that no later preset turns one back on.
    rules: {
      curly: 'off',
      'no-unexpected-multiline': 'off',
      'no-mixed-operators': 'off',
      'no-tabs': 'off',
      'max-len': 'off',
      quotes: 'off',
    },
  },
);
