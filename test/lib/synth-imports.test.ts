/**
 * `cdk synth` loads what lib/ imports. The construct needs names and environment schemas from
 * lambdas/, never the code that runs in a function: the webhook router and its providers, the
 * SDK clients, Octokit.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/function-bundling.ts';

async function modulesLoadedBySynth(): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../../bin/app.ts', import.meta.url))],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('what cdk synth loads from lambdas/', () => {
  it('is no handler but the environment schemas, no webhook provider, no AWS SDK client', async () => {
    const loaded = (await modulesLoadedBySynth()).filter((m) => m.startsWith('lambdas/'));
    expect(loaded).toContain('lambdas/names.ts');
    expect(loaded.filter((m) => m.startsWith('lambdas/handlers/')).sort()).toEqual([
      'lambdas/handlers/env.ts',
      'lambdas/handlers/errors.ts',
      'lambdas/handlers/webhook-env.ts',
    ]);
    expect(loaded.filter((m) => m.startsWith('lambdas/adapters/')).sort()).toEqual([
      'lambdas/adapters/webhooks/allow-list.ts',
      'lambdas/adapters/webhooks/errors.ts',
    ]);
  });

  it.each([
    '../lambdas/handlers/webhook-router.ts',
    '../lambdas/adapters/webhooks/index.ts',
    '../lambdas/core/apply/apply.ts',
  ])('is kept so by lint: lib/ importing %s fails', async (path) => {
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    const [result] = await eslint.lintText(`import * as m from '${path}';\nexport const x = m;\n`, {
      filePath: `${PROJECT_ROOT}/lib/probe.ts`,
    });
    expect(result!.messages.map((m) => m.ruleId)).toContain('import-x/no-restricted-paths');
  });

  it.each(['../lambdas/names.ts', '../lambdas/handlers/webhook-env.ts', '../lambdas/handlers/env.ts'])(
    'lets lib/ import %s',
    async (path) => {
      const eslint = new ESLint({ cwd: PROJECT_ROOT });
      const [result] = await eslint.lintText(`import * as m from '${path}';\nexport const x = m;\n`, {
        filePath: `${PROJECT_ROOT}/lib/probe.ts`,
      });
      expect(result!.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths')).toEqual([]);
    },
  );
});
