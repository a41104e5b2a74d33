/**
 * The PR description the README shows: what the updater writes for a push of `shop/api:1.4.3`
 * to `examples/gitops`, rendered by the same code as in production (only the commit ids are
 * made up). `npm run readme` writes it into README.md; a test fails when the README is stale.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LocalRepoFiles } from '../lambdas/adapters/local/repo-files.ts';
import { loadConfig } from '../lambdas/config/load.ts';
import { renderPrBody } from '../lambdas/core/apply/pr-body.ts';
import { stateOf } from '../lambdas/core/apply/pr-state.ts';
import { planUpdates } from '../lambdas/core/plan/plan.ts';

const EXAMPLE = fileURLToPath(new URL('../examples/gitops/', import.meta.url));
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
const BEGIN = '<!-- example-pr-body:begin (npm run readme) -->';
const END = '<!-- example-pr-body:end -->';

export async function examplePrBody(): Promise<string> {
  const repo = new LocalRepoFiles(EXAMPLE);
  const loaded = await loadConfig(readFileSync(`${EXAMPLE}.image-updater.yaml`, 'utf8'));
  if (!loaded.ok) throw new Error('examples/gitops/.image-updater.yaml is invalid');
  const plan = await planUpdates({
    config: loaded.config,
    repo,
    pushes: [
      {
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api',
        tag: '1.4.3',
        digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        pushedAt: new Date('2026-12-07T09:41:07Z'),
      },
    ],
  });
  const unit = plan.units.find((u) => u.key === 'api-prod');
  if (!unit) throw new Error('the example push no longer plans api-prod');
  return renderPrBody(
    unit,
    stateOf(unit, '4c0bed5c02fca9fcdf6ae305fe66e1f41e4a535f', 'a8608b19219872c460f4458b4a1feb2122ec561f'),
  );
}

/** The README with its example replaced by `body`, quoted so it reads as a PR on GitHub. */
export function withExample(readme: string, body: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} … ${END} block`);
  const quoted = body
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
  return `${readme.slice(0, begin)}${BEGIN}\n${quoted}\n${readme.slice(end)}`;
}
