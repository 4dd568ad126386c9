// Lint rules: promise safety everywhere, determinism in workflow code (after Temporal's samples).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', '.stryker-tmp/**', 'reports/**', '.demo/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // an un-awaited activity, timer or provider call silently does nothing useful
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'object-shorthand': ['error', 'always'],
    },
  },
  {
    // the emulators and the demo are not shipped (tsconfig.build.json compiles src/ alone): src/demo-loader.ts requires the demo by path
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sandbox', '**/sandbox/**'], message: 'src/ is shipped without sandbox/: nothing in it may import the emulators or the demo.' }] }],
    },
  },
  {
    // the registry and every provider's descriptor are bundled into the workflow too: pure definitions only
    files: ['src/rotation/**/*.ts', 'src/providers/*/descriptor.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules.flatMap((m) => [m, `node:${m}`]), 'axios', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
          patterns: [{ group: ['@aws-sdk/*', '**/activities/**', '**/sandbox/**', '**/cli/**'], allowTypeImports: true, message: 'The registry is workflow code: definitions only, no I/O.' }],
        },
      ],
    },
  },
  {
    // workflow code is replayed: no Node built-ins, no I/O clients, only activity *types*
    files: ['src/workflows/**/*.ts', 'test/support/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.filter((m) => m !== 'assert').flatMap((m) => [m, `node:${m}`]),
            'axios',
            'pino',
            '@temporalio/client',
            '@temporalio/worker',
            '@temporalio/activity',
          ],
          patterns: [
            { group: ['@aws-sdk/*', '**/providers/**', '**/sandbox/**'], message: 'Workflow code does no I/O: call an activity.' },
            { group: ['**/activities/**', '**/activities'], allowTypeImports: true, message: 'Import activity types only: `import type`.' },
            // model.ts builds every schema at load, which would then live in each cached rotation (see rotation/schemas.ts)
            { group: ['**/rotation/model'], allowTypeImports: true, message: 'Import values from rotation/schemas in workflow code; model.ts only for types.' },
          ],
        },
      ],
    },
  },
);
