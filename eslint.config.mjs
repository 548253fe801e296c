// Folders say where code may run; these rules fail an import across the boundary.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'crypto'];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test/artifacts/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs', 'scripts/**', 'test/**', 'packaging/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // zod only through contract/zod.ts: main and the helper load a bundle of just what it lists there.
    ignores: ['contract/zod.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'zod', allowTypeImports: true, message: "Import zod's functions from contract/zod.ts (`import * as z from '…/contract/zod'`): built, it is a bundle of only those." }],
        patterns: [{ group: ['zod/*'], allowTypeImports: true, message: 'Import zod through contract/zod.ts.' }],
      }],
    },
  },
  {
    files: ['contract/**'],
    rules: restrict([...nodeBuiltins, 'electron', 'react', 'koffi', '../main/*', '../native/*', '../renderer/*', '../app/*'], 'contract/ is pure TypeScript + zod: it runs in Node and in the browser.'),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict([...nodeBuiltins, 'electron', 'koffi', '**/main/**', '**/native/**', '**/app/**'], 'renderer/ runs in a sandboxed browser page: it talks to main only through the contract.'),
  },
  {
    files: ['main/**', 'native/**'],
    rules: restrict(['electron', 'react', '**/renderer/**', '**/app/**'], 'main/ and native/ are plain Node: no Electron, no UI.'),
  },
  {
    files: ['app/preload.ts'],
    rules: restrict([...nodeBuiltins, 'koffi', 'zod', '**/main/**', '**/native/**', '**/renderer/**'], 'The sandboxed preload may require only electron (and the channel names).'),
  },
);
