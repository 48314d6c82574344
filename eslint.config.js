import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Libraries are pure computation: no environment, no process control (docs/ARCHITECTURE.md).
    files: ['libs/*/src/**/*.ts'],
    ignores: ['libs/*/src/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'libs/ stay pure: take options instead of reading process/env.' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:fs', 'fs', 'node:child_process', 'child_process', 'node:http', 'http', 'pg', '@temporalio/*'],
              message: 'libs/ stay pure: no I/O, SQL, HTTP or Temporal.',
            },
          ],
        },
      ],
    },
  },
);
