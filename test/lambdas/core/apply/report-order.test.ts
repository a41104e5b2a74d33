/**
 * A report lists its units, decisions and failures in config order, whichever unit's requests
 * GitHub answered first: the same pushes give the same report.
 */
import { describe, expect, it } from 'vitest';
import {
  deployment,
  ECR,
  GENEROUS_WRITE_BUDGET,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
} from '../../../support/github-env.ts';
import type { FaultRequest } from '@image-updater/github-test-server/faults';

const image = (name: string) => `${ECR}/shop/${name}`;
// Each policy on its own base branch, so their units are planned and written independently.
const CONFIG = `version: 1
policies:
  - {name: first, image: ${image('first')}, files: ["apps/first/**"], baseBranch: release-first}
  - {name: second, image: ${image('second')}, files: ["apps/second/**"], baseBranch: release-second}
  - {name: third, image: ${image('third')}, files: ["apps/third/**"]}
`;

const openEnv = githubEnvPerTest();

/** Whether a request is about one policy's base branch or its unit's branch. */
function about(name: string, request: FaultRequest): boolean {
  const text = `${request.path} ${JSON.stringify(request.body ?? '')}`;
  return text.includes(`release-${name}`) || text.includes(`image-updater/${name}`);
}

describe('the order of a report', () => {
  it.each([['first'], ['second'], ['third']])(
    'is config order when GitHub answers the %s unit last',
    async (slow) => {
      const env = await openEnv(
        {
          '.image-updater.yaml': CONFIG,
          'apps/first/deploy.yaml': deployment(`${image('first')}:1.0.0`, 'first'),
          'apps/second/deploy.yaml': deployment(`${image('second')}:1.0.0`, 'second'),
          'apps/third/deploy.yaml': deployment(`${image('third')}:1.0.0`, 'third'),
        },
        { host: GENEROUS_WRITE_BUDGET },
      );
      env.server.createBranch(OWNER, REPO, 'release-first');
      env.server.createBranch(OWNER, REPO, 'release-second');
      env.server.latencyMs = (request) => (about(slow, request) ? 60 : 0);
      const report = await env.apply(['first', 'second', 'third'].map((n) => push(image(n), '1.1.0')));
      expect(report.failures).toEqual([]);
      expect(report.units.map((u) => [u.key, u.action])).toEqual([
        ['first', 'opened'],
        ['second', 'opened'],
        ['third', 'opened'],
      ]);
      expect(report.decisions.map((d) => d.policy.name)).toEqual(['first', 'second', 'third']);
    },
  );
});
