/**
 * Two policies that would edit one reference are a config error (SPEC §3): the reference is left
 * to neither, in `plan` and in the worker alike, and the problem names both. Before, a group's PR
 * edited what `plan` refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import { deployment, githubEnv, OWNER, push, REPO, type GitHubEnv } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const WEB = 'ghcr.io/acme/web';
const policies = (a: string, b: string) => `version: 1
policies:
  - {name: a, image: ${WEB}${a}}
  - {name: b, image: ${WEB}${b}}
`;
const marked = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ${WEB}:1.0.0 # {"$imagepolicy": "a"}
`;

let env: GitHubEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('a reference two policies match', () => {
  it.each([
    ['in one group', ', group: g', ', group: g'],
    ['in two units', '', ''],
    ['in two groups', ', group: g1', ', group: g2'],
  ])('%s: plan changes nothing and names both policies', async (_what, a, b) => {
    const loaded = parseConfig(policies(a, b));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const plan = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/x.yaml': deployment(`${WEB}:1.0.0`) }),
      pushes: [push(WEB, '1.0.1')],
    });
    expect(plan.units).toEqual([]);
    expect(plan.problems).toEqual([
      expect.objectContaining({
        file: 'apps/x.yaml',
        message: expect.stringMatching(/^policies a and b both match this reference: left unchanged/),
      }),
    ]);
    expect(plan.decisions.map((d) => d.reason)).toEqual([
      expect.stringMatching(/matched by another policy too/),
      expect.stringMatching(/matched by another policy too/),
    ]);
  });

  it('a marker comment gives the reference to the policy it names', async () => {
    const loaded = parseConfig(policies(', group: g', ', group: g'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const plan = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/x.yaml': marked }),
      pushes: [push(WEB, '1.0.1')],
    });
    expect(plan.problems).toEqual([]);
    expect(plan.units.map((u) => u.files.map((f) => f.file))).toEqual([['apps/x.yaml']]);
  });

  it('in one group: the worker opens no pull request either', async () => {
    env = await githubEnv({
      '.image-updater.yaml': policies(', group: g', ', group: g'),
      'apps/x.yaml': deployment(`${WEB}:1.0.0`),
    });
    const report = await env.apply([push(WEB, '1.0.1')]);
    expect(env.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);
    expect(report.units).toEqual([]);
  });
});
