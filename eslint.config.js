import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
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
    // The layers (docs/architecture.md): bin → handlers → adapters → ports ← core ← config, and
    // lib synth-only. `lambdas/names.ts`, `errors.ts` and `objects.ts` sit outside the layers: they import
    // nothing, and every layer may import them.
    files: ['lambdas/**/*.ts', 'lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ['./lambdas/names.ts', './lambdas/errors.ts', './lambdas/objects.ts'],
              from: './lambdas',
              message:
                'names.ts, errors.ts and objects.ts import nothing from the project: every layer imports them.',
            },
            {
              target: './lambdas',
              from: ['./lib', './bin', './test', './bench', './scripts'],
              message: 'What ships in a function imports nothing from lib/, bin/, test/, bench/ or scripts/.',
            },
            {
              target: './lambdas/handlers',
              from: ['./lambdas/handlers/*-main.ts'],
              message: 'A *-main.ts file is the production wiring of one function: nothing imports it.',
            },
            {
              target: './lambdas/adapters',
              from: ['./lambdas/handlers', './lambdas/config'],
              message: 'Adapters import ports and core only: a handler wires adapters, never the reverse.',
            },
            {
              target: './lambdas/ports',
              from: ['./lambdas/handlers', './lambdas/adapters', './lambdas/config'],
              message: 'Ports are interfaces: they import domain types from core only.',
            },
            {
              target: './lambdas/core',
              from: ['./lambdas/handlers', './lambdas/adapters', './lambdas/config'],
              message:
                'The core is the domain: it depends on ports (interfaces), never on a handler, an adapter or the config parser (config → core).',
            },
            {
              target: './lambdas/config',
              from: ['./lambdas/handlers', './lambdas/adapters', './lambdas/ports'],
              message: 'config parses .image-updater.yaml into core types: it imports core only.',
            },
            {
              // lib/ is synth-time only: what it imports, `cdk synth` loads. From lambdas/ it may read
              // the names, the error base, the HTTP limits of ports/http.ts and the functions'
              // environment schemas; never a handler, an adapter or the domain, which would load the
              // webhook router, its providers and the SDK clients into synth.
              target: './lib',
              from: ['./lambdas/handlers', './lambdas/adapters', './lambdas/core', './lambdas/config'],
              except: ['./env.ts', './webhook-env.ts'],
              message:
                'lib/ is synth-time only: import names from lambdas/names.ts and environment schemas from lambdas/handlers/*env.ts, nothing that ships in a function.',
            },
            {
              target: './lib',
              from: './bin',
              message: 'lib/ is the construct: bin/ uses it, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    // Ports may name domain types (`PushedImage`, `TagCandidate`) but load no core code at run time.
    files: ['lambdas/ports/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/**'],
              allowTypeImports: true,
              message: 'Ports import core types only (`import type`).',
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
