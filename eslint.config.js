import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', 'schema/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // The core is pure domain logic: no AWS SDK, no Octokit, no environment.
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@aws-sdk/*', '@octokit/*', '@aws-lambda-powertools/*', 'node:fs', 'node:fs/*', 'fs'] },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'The core never reads process.*' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env' }],
    },
  },
  {
    // lib/ is synth-time only: what it imports, `cdk synth` loads. From lambdas/ it may read the
    // names (lambdas/names.ts, any file outside handlers/, adapters/ and core/), the functions'
    // environment schemas, and the error base class; never a handler, an adapter or the domain,
    // which would load the webhook router, its providers and the SDK clients into synth.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/lambdas/handlers/**',
                '**/lambdas/adapters/**',
                '**/lambdas/core/**',
                '!**/lambdas/handlers/env.ts',
                '!**/lambdas/handlers/webhook-env.ts',
                '!**/lambdas/core/errors.ts',
              ],
              message:
                'lib/ is synth-time only: import names from lambdas/names.ts and environment schemas from lambdas/handlers/*env.ts, nothing that ships in a function.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.js', 'vitest.config.ts', '**/*.d.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
