/**
 * Ambiguous writes: GitHub applied a POST, then the answer was lost (a 502 from a gateway, a
 * connection reset). Whatever retries it (the HTTP client, the next attempt, the next event),
 * the repository must not end up with a second PR, comment or issue. A PR is safe because GitHub
 * refuses a second one for the same head; comments and issues because the GitHub adapter does
 * not resend them blindly (`lambdas/adapters/github/create-once.ts`).
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
  type GitHubEnv,
} from '../../../support/github-env.ts';
import type { FaultResponse } from '@image-updater/github-test-server/faults';

const API = `${ECR}/shop/api`;
const CONFIG = `version: 1
defaults:
  labels: [image-update]
policies:
  - name: api
    image: ${API}
    files: ["apps/api/**"]
`;
const INVALID = 'version: 1\npolicies:\n  - name: api\n    image: nginx\n    colour: blue\n';

const openEnv = githubEnvPerTest();

async function start(config = CONFIG) {
  const env = await openEnv(
    { '.image-updater.yaml': config, 'apps/api/deploy.yaml': deployment(`${API}:1.4.2`) },
    // The write budget on, as in production: a write the client sends again must fit it too.
    { host: GENEROUS_WRITE_BUDGET },
  );
  return env;
}

/** Applies until the report shows no failure: the queue hands failed events back. */
async function applyUntilDone(e: GitHubEnv, tag: string) {
  for (let round = 1; round <= 3; round++) {
    const report = await e.apply([push(API, tag)]).catch((error: unknown) => ({ error }));
    if (!('error' in report) && report.failures.length === 0) return report;
  }
  throw new Error(`apply of ${tag} did not settle in 3 rounds`);
}

const losses: readonly [string, FaultResponse][] = [
  ['answered 502', { status: 502 }],
  ['its connection reset', { networkError: true }],
];

describe.each(losses)('a write applied, then %s', (_name, respond) => {
  it('opening the PR: one PR, with its labels', async () => {
    const e = await start();
    const fault = e.server.addFault({ match: { operationId: 'pulls/create' }, afterApply: true, respond });
    const report = await applyUntilDone(e, '1.4.3');
    expect(report.units).toEqual([expect.objectContaining({ action: 'opened' })]);
    expect(fault.fired).toBe(1);
    const pulls = e.server.listPulls(OWNER, REPO, { state: 'all' });
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ state: 'open', labels: ['image-update'] });
    expect(e.read('apps/api/deploy.yaml', pulls[0]!.headRef)).toBe(deployment(`${API}:1.4.3`));
  });

  it('commenting on a PR someone else pushed to: one comment', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.commitFiles(OWNER, REPO, 'image-updater/api', { 'notes.txt': 'mine\n' }, 'hotfix');
    const fault = e.server.addFault({
      match: { operationId: 'issues/create-comment' },
      afterApply: true,
      respond,
    });
    await applyUntilDone(e, '1.4.4');
    await applyUntilDone(e, '1.4.5');
    expect(fault.fired).toBe(1);
    const [pull] = e.server.listPulls(OWNER, REPO);
    const told = e.server
      .listComments(OWNER, REPO, pull!.number)
      .filter((c) => /Someone else pushed/.test(c.body));
    expect(told).toHaveLength(1);
  });

  it('closing a PR the base branch caught up with: one comment', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.commitFiles(OWNER, REPO, 'main', { 'apps/api/deploy.yaml': deployment(`${API}:1.4.4`) }, 'bump');
    const fault = e.server.addFault({
      match: { operationId: 'issues/create-comment' },
      afterApply: true,
      respond,
    });
    await applyUntilDone(e, '1.4.4');
    expect(fault.fired).toBe(1);
    const [pull] = e.server.listPulls(OWNER, REPO, { state: 'all' });
    expect(pull).toMatchObject({ state: 'closed' });
    expect(e.server.listComments(OWNER, REPO, pull!.number)).toHaveLength(1);
  });

  it('reporting an invalid config: one issue', async () => {
    const e = await start(INVALID);
    const fault = e.server.addFault({ match: { operationId: 'issues/create' }, afterApply: true, respond });
    await applyUntilDone(e, '1.4.3');
    await applyUntilDone(e, '1.4.4');
    expect(fault.fired).toBe(1);
    expect(e.server.listIssues(OWNER, REPO, { state: 'all' })).toHaveLength(1);
  });
});
