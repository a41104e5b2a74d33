/**
 * The layering of docs/architecture.md, as `npm run lint` enforces it: for each zone, an import
 * against the direction is an error and an allowed one passes. The file is linted as if it were
 * at `filePath` (ESLint's `lintText`), so nothing is written into the source tree.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });
const LAYER_RULES = new Set(['import-x/no-restricted-paths', '@typescript-eslint/no-restricted-imports']);

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

const value = (name: string, from: string) =>
  `import { ${name} } from '${from}';\nexport const used = [${name}];\n`;
const type = (name: string, from: string) =>
  `import type { ${name} } from '${from}';\nexport type Used = ${name};\n`;

describe('layer zones', () => {
  it.each([
    ['core → config', 'lambdas/core/plan/probe.ts', value('loadConfig', '../../config/load.ts')],
    ['core → adapters', 'lambdas/core/plan/probe.ts', value('GitHubHost', '../../adapters/github/host.ts')],
    ['core → handlers', 'lambdas/core/plan/probe.ts', value('createWorker', '../../handlers/worker.ts')],
    [
      'ports → core at run time',
      'lambdas/ports/probe.ts',
      value('canonicalImageName', '../core/image/reference.ts'),
    ],
    ['ports → adapters', 'lambdas/ports/probe.ts', type('GitHubHost', '../adapters/github/host.ts')],
    [
      'adapters → handlers',
      'lambdas/adapters/sqs/probe.ts',
      value('createWorker', '../../handlers/worker.ts'),
    ],
    ['adapters → config', 'lambdas/adapters/sqs/probe.ts', value('loadConfig', '../../config/load.ts')],
    ['config → handlers', 'lambdas/config/probe.ts', value('configPathOf', '../handlers/env.ts')],
    ['config → ports', 'lambdas/config/probe.ts', type('RepoFiles', '../ports/repo-files.ts')],
    ['handlers → a *-main.ts', 'lambdas/handlers/probe.ts', value('handler', './worker-main.ts')],
    ['lambdas → lib', 'lambdas/handlers/probe.ts', value('ImageUpdater', '../../lib/image-updater.ts')],
    ['lambdas → bin', 'lambdas/handlers/probe.ts', value('main', '../../bin/image-updater.ts')],
    ['names.ts → a layer', 'lambdas/names.ts', type('PushedImage', './core/push.ts')],
    ['errors.ts → a layer', 'lambdas/errors.ts', type('Log', './ports/telemetry.ts')],
    ['lib → handlers', 'lib/probe.ts', value('createWorker', '../lambdas/handlers/worker.ts')],
    ['lib → adapters', 'lib/probe.ts', value('PROVIDERS', '../lambdas/adapters/webhooks/index.ts')],
    ['lib → core', 'lib/probe.ts', type('PushedImage', '../lambdas/core/push.ts')],
    ['lib → config', 'lib/probe.ts', value('loadConfig', '../lambdas/config/load.ts')],
  ])('%s is refused', async (_name, filePath, code) => {
    expect(await layerErrors(filePath, code)).not.toEqual([]);
  });

  it.each([
    ['core → ports', 'lambdas/core/plan/probe.ts', type('RepoFiles', '../../ports/repo-files.ts')],
    ['core → errors.ts', 'lambdas/core/plan/probe.ts', value('ImageUpdaterError', '../../errors.ts')],
    ['ports → core types', 'lambdas/ports/probe.ts', type('PushedImage', '../core/push.ts')],
    ['ports → errors.ts', 'lambdas/ports/probe.ts', value('ImageUpdaterError', '../errors.ts')],
    [
      'adapters → core',
      'lambdas/adapters/sqs/probe.ts',
      value('canonicalImageName', '../../core/image/reference.ts'),
    ],
    ['adapters → ports', 'lambdas/adapters/sqs/probe.ts', type('PushQueue', '../../ports/push-queue.ts')],
    [
      'adapters → adapters',
      'lambdas/adapters/sqs/probe.ts',
      value('ImageAllowList', '../webhooks/allow-list.ts'),
    ],
    ['config → core', 'lambdas/config/probe.ts', type('Policy', '../core/config.ts')],
    ['handlers → adapters', 'lambdas/handlers/probe.ts', value('GitHubHost', '../adapters/github/host.ts')],
    ['handlers → config', 'lambdas/handlers/probe.ts', value('loadConfig', '../config/load.ts')],
    ['handlers → core', 'lambdas/handlers/probe.ts', value('applyToRepo', '../core/apply/apply.ts')],
    ['handlers → names.ts', 'lambdas/handlers/probe.ts', value('METRIC', '../names.ts')],
    ['lib → names.ts', 'lib/probe.ts', value('METRIC', '../lambdas/names.ts')],
    [
      'lib → an environment schema',
      'lib/probe.ts',
      value('parseWebhookEnv', '../lambdas/handlers/webhook-env.ts'),
    ],
    ['lib → errors.ts', 'lib/probe.ts', value('ImageUpdaterError', '../lambdas/errors.ts')],
    ['bin → handlers', 'bin/commands/probe.ts', value('createWorker', '../../lambdas/handlers/worker.ts')],
  ])('%s is allowed', async (_name, filePath, code) => {
    expect(await layerErrors(filePath, code)).toEqual([]);
  });
});
