import { describe, expect, it } from 'vitest';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
import {
  BRANCH_MOVES,
  deployment,
  ECR,
  GENEROUS_WRITE_BUDGET,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
} from '../../../support/github-env.ts';

const API = `${ECR}/shop/api`;
const config = (extra = '') => `version: 1
defaults:
  labels: [image-update]
policies:
  - name: api
    image: ${API}
    files: ["apps/api/**"]
${extra}`;

const openEnv = githubEnvPerTest();

async function start(files: Record<string, string> = {}, options: Parameters<typeof openEnv>[1] = {}) {
  const env = await openEnv(
    {
      '.image-updater.yaml': config(),
      'apps/api/deploy.yaml': deployment(`${API}:1.4.2`),
      'README.md': '# env\n',
      ...files,
    },
    // The write budget on, as in production (generous: these tests are not about its limits).
    { ...options, host: { ...GENEROUS_WRITE_BUDGET, ...options.host } },
  );
  return env;
}

describe('push → pull request', () => {
  it('opens one PR on image-updater/<policy> with one commit that changes only the tag', async () => {
    const e = await start();
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units).toEqual([
      expect.objectContaining({ action: 'opened', branch: 'image-updater/api' }),
    ]);
    const [pr] = e.server.listPulls(OWNER, REPO);
    expect(pr).toMatchObject({
      title: 'chore(images): update api to 1.4.3',
      headRef: 'image-updater/api',
      baseRef: 'main',
      labels: ['image-update'],
    });
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.3`));
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.2`));
    const commit = e.server.commit(OWNER, REPO, pr!.headSha)!;
    expect(commit.parents).toEqual([e.server.branchHead(OWNER, REPO, 'main')]);
    expect(commit.message).toContain('Image-Updater-Unit: api');
    // The new tag links to its page in the ECR console.
    expect(pr?.body).toContain(
      '| api | `' +
        API +
        '` | `1.4.2` | [`1.4.3`](https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/shop/api?region=eu-west-1) | patch |',
    );
    expect(readPrState(pr?.body ?? '')).toMatchObject({
      key: 'api',
      policies: { api: { tag: '1.4.3', from: '1.4.2' } },
    });
  });

  it('stays within 7 sequential round trips and 12 requests for one policy and one file (warm)', async () => {
    // Round trips are read from overlapping request times: the latency has to dwarf a loaded
    // machine's scheduling jitter, or one wave is seen as two (20 ms did, under load).
    const e = await start({}, { server: { latencyMs: 250 } });
    await e.apply([push(`${ECR}/shop/other`, '1.0.0')]); // warms the default-branch cache
    e.server.resetLog();
    await e.apply([push(API, '1.4.3')]);
    expect(e.server.roundTrips()).toBeLessThanOrEqual(7);
    expect(e.server.requestCount()).toBeLessThanOrEqual(12);
  });

  it('makes no write request for a duplicate event', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.resetLog();
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.outcome).toBe('up-to-date');
    expect(e.server.writeCount()).toBe(0);
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
  });

  it('changes nothing for an out-of-order older push', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.5')]);
    e.server.resetLog();
    await e.apply([push(API, '1.4.3')]);
    expect(e.server.writeCount()).toBe(0);
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.5`));
  });

  it('ends two pushes of the same image in one PR at the higher tag', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    const report = await e.apply([push(API, '1.4.4')]);
    expect(report.units[0]).toMatchObject({ action: 'updated' });
    const pulls = e.server.listPulls(OWNER, REPO, { state: 'all' });
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.title).toBe('chore(images): update api to 1.4.4');
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.4`));
    expect(readPrState(pulls[0]?.body ?? '')?.policies.api?.from).toBe('1.4.2');
  });

  it('puts ten images of one group into one PR', async () => {
    const files: Record<string, string> = {};
    const policies: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      files[`apps/svc${i}/deploy.yaml`] = deployment(`${ECR}/shop/svc${i}:1.0.0`, `svc${i}`);
      policies.push(`  - {name: svc${i}, image: ${ECR}/shop/svc${i}, group: shop}`);
    }
    const e = await start({
      ...files,
      '.image-updater.yaml': `version: 1\npolicies:\n${policies.join('\n')}\n`,
    });
    for (let i = 0; i < 10; i += 1) await e.apply([push(`${ECR}/shop/svc${i}`, '1.1.0')]);
    const pulls = e.server.listPulls(OWNER, REPO, { state: 'all' });
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({
      headRef: 'image-updater/shop',
      title: 'chore(images): update shop to svc0 1.1.0, svc1 1.1.0, svc2 1.1.0 and 7 more',
    });
    for (let i = 0; i < 10; i += 1) {
      expect(e.read(`apps/svc${i}/deploy.yaml`, 'image-updater/shop')).toBe(
        deployment(`${ECR}/shop/svc${i}:1.1.0`, `svc${i}`),
      );
    }
  });

  it('does not recreate a PR that a human merged', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    const [pr] = e.server.listPulls(OWNER, REPO);
    const octokitMerge = await fetch(`${e.server.url}/repos/${OWNER}/${REPO}/pulls/${pr!.number}/merge`, {
      method: 'PUT',
      headers: { authorization: 'token test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ merge_method: 'squash' }),
    });
    expect(octokitMerge.status).toBe(200);
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units).toEqual([]);
    expect(e.server.listPulls(OWNER, REPO, { state: 'open' })).toEqual([]);
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.3`));
  });

  it('closes the PR with a comment and deletes its branch when the base already has the change', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.commitFiles(
      OWNER,
      REPO,
      'main',
      { 'apps/api/deploy.yaml': deployment(`${API}:1.4.4`) },
      'manual bump',
    );
    const report = await e.apply([push(API, '1.4.4')]);
    expect(report.units).toEqual([expect.objectContaining({ action: 'closed' })]);
    const [pr] = e.server.listPulls(OWNER, REPO, { state: 'all' });
    expect(pr).toMatchObject({ state: 'closed', merged: false });
    expect(e.server.listComments(OWNER, REPO, pr!.number).at(-1)?.body).toMatch(
      /already has these image versions/,
    );
    expect(e.server.branches(OWNER, REPO)).not.toContain('image-updater/api');
  });

  it('survives a concurrent commit on the base branch while committing directly', async () => {
    const e = await start({
      '.image-updater.yaml': config().replace(
        'files: ["apps/api/**"]',
        'files: ["apps/api/**"]\n    update: commit',
      ),
    });
    e.server.simulateConcurrentWriter(OWNER, REPO, 'main', {
      files: { 'README.md': '# env, edited concurrently\n' },
    });
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units[0]).toMatchObject({ action: 'committed' });
    expect(report.attempts).toBe(2);
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.3`));
    expect(e.read('README.md')).toBe('# env, edited concurrently\n');
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);
  });

  it('keeps the PR diff to the image change when the base moved since the branch was made', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.commitFiles(OWNER, REPO, 'main', { 'README.md': '# env v2\n' }, 'docs');
    await e.apply([push(API, '1.4.4')]);
    const [pr] = e.server.listPulls(OWNER, REPO);
    const commit = e.server.commit(OWNER, REPO, pr!.headSha)!;
    expect(commit.parents).toHaveLength(2);
    expect(commit.parents[1]).toBe(e.server.branchHead(OWNER, REPO, 'main'));
    expect(e.read('README.md', 'image-updater/api')).toBe('# env v2\n');
    expect(pr?.mergeable).toBe(true);
  });

  it('keeps a digest-pinned reference on the pushed digest, and leaves the PR alone for a push without one', async () => {
    const d1 = `sha256:${'1'.repeat(64)}`;
    const d2 = `sha256:${'2'.repeat(64)}`;
    const e = await start({ 'apps/api/deploy.yaml': deployment(`${API}:1.4.2@${d1}`) });
    await e.apply([push(API, '1.4.3', { digest: d2 })]);
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.3@${d2}`));
    const report = await e.apply([push(API, '1.4.4')]);
    expect(report.units[0]).toMatchObject({ action: 'unchanged' });
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.3@${d2}`));
  });

  it('does not overwrite commits someone else pushed to the PR branch, and comments once', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.commitFiles(
      OWNER,
      REPO,
      'image-updater/api',
      { 'apps/api/deploy.yaml': deployment(`${API}:1.4.3-hotfix`) },
      'hotfix',
    );
    const human = e.server.branchHead(OWNER, REPO, 'image-updater/api');
    const first = await e.apply([push(API, '1.4.4')]);
    const second = await e.apply([push(API, '1.4.5')]);
    expect(first.units[0]).toMatchObject({ action: 'blocked' });
    expect(second.units[0]).toMatchObject({ action: 'blocked' });
    expect(e.server.branchHead(OWNER, REPO, 'image-updater/api')).toBe(human);
    const [pr] = e.server.listPulls(OWNER, REPO);
    expect(
      e.server.listComments(OWNER, REPO, pr!.number).filter((c) => /Someone else pushed/.test(c.body)),
    ).toHaveLength(1);
  });
});

describe('auto-merge', () => {
  const withAutomerge = (strategy: string, level = 'patch') =>
    config().replace(
      'files: ["apps/api/**"]',
      `files: ["apps/api/**"]\n    automerge: ${level}\n    mergeStrategy: ${strategy}`,
    );

  it('enables GitHub native auto-merge for an allowed update type while checks are pending', async () => {
    const e = await start(
      { '.image-updater.yaml': withAutomerge('auto') },
      { requiredChecks: ['ci'], repoSettings: { allowAutoMerge: true } },
    );
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units[0]).toMatchObject({ action: 'opened', merge: 'auto-merge-enabled' });
    const [pr] = e.server.listPulls(OWNER, REPO);
    expect(pr?.autoMerge).toMatchObject({ method: 'squash' });
    e.server.setCommitStatus(OWNER, REPO, pr!.headSha, 'ci', 'success');
    expect(e.server.getPull(OWNER, REPO, pr!.number)?.merged).toBe(true);
  });

  it('merges at once when GitHub says the PR is already mergeable', async () => {
    const e = await start(
      { '.image-updater.yaml': withAutomerge('auto') },
      { repoSettings: { allowAutoMerge: true } },
    );
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units[0]).toMatchObject({ merge: 'merged' });
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.3`));
    expect(e.server.branches(OWNER, REPO)).not.toContain('image-updater/api');
  });

  it('turns auto-merge off again when a bigger update lands in the PR', async () => {
    const e = await start(
      { '.image-updater.yaml': withAutomerge('auto') },
      { requiredChecks: ['ci'], repoSettings: { allowAutoMerge: true } },
    );
    await e.apply([push(API, '1.4.3')]);
    const report = await e.apply([push(API, '2.0.0')]);
    expect(report.units[0]).toMatchObject({ action: 'updated', merge: 'auto-merge-disabled' });
    expect(e.server.listPulls(OWNER, REPO)[0]?.autoMerge).toBeNull();
  });

  it('merges immediately through the REST API with mergeStrategy immediate', async () => {
    const e = await start({ '.image-updater.yaml': withAutomerge('immediate') });
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units[0]).toMatchObject({ action: 'opened', merge: 'merged' });
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })[0]).toMatchObject({ merged: true });
  });

  it('leaves the PR open with a comment when the immediate merge fails', async () => {
    const e = await start({ '.image-updater.yaml': withAutomerge('immediate') }, { requiredChecks: ['ci'] });
    const report = await e.apply([push(API, '1.4.3')]);
    expect(report.units[0]).toMatchObject({ action: 'opened', merge: 'merge-failed' });
    const [pr] = e.server.listPulls(OWNER, REPO);
    expect(pr?.state).toBe('open');
    expect(e.server.listComments(OWNER, REPO, pr!.number).at(-1)?.body).toMatch(/could not merge/);
  });
});

describe('invalid config', () => {
  it('opens one issue with line and column, updates it instead of duplicating, and closes it when fixed', async () => {
    const e = await start({
      '.image-updater.yaml': 'version: 1\npolicies:\n  - name: api\n    image: nginx\n    colour: blue\n',
    });
    expect((await e.apply([push(API, '1.4.3')])).outcome).toBe('config-invalid');
    expect(await e.apply([push(API, '1.4.4')])).toMatchObject({ configIssue: 'unchanged' });
    const issues = e.server.listIssues(OWNER, REPO, { state: 'all' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.body).toContain('.image-updater.yaml:5:5: policies[0].colour: unknown key');
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);

    e.server.commitFiles(
      OWNER,
      REPO,
      'main',
      { '.image-updater.yaml': 'version: 1\npolicies:\n  - name: api\n    image: nginx\n    colour: red\n' },
      'still broken',
    );
    expect(await e.apply([push(API, '1.4.4')])).toMatchObject({ configIssue: 'updated' });
    e.server.commitFiles(OWNER, REPO, 'main', { '.image-updater.yaml': config() }, 'fix config');
    const fixed = await e.apply([push(API, '1.4.4')]);
    expect(fixed).toMatchObject({ outcome: 'applied', configIssue: 'closed' });
    // The config issue closed; beside it, once the config is valid, the dashboard.
    expect(e.server.listIssues(OWNER, REPO, { state: 'all' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: expect.stringContaining('is invalid'), state: 'closed' }),
        expect.objectContaining({ title: 'image-updater dashboard', state: 'open' }),
      ]),
    );
    expect(e.server.listIssues(OWNER, REPO, { state: 'all' })).toHaveLength(2);
  });

  it('reads an unchanged config with a conditional request', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.resetLog();
    await e.apply([push(API, '1.4.3')]);
    const configRead = e.server.requests.find((r) => r.operationId === 'repos/get-content');
    expect(configRead?.status).toBe(304);
  });
});

describe('GitHub faults', () => {
  it('retries 5xx answers and still opens exactly one PR', async () => {
    const e = await start();
    e.server.addFault({ match: { operationId: 'git/create-tree' }, times: 2, respond: { status: 502 } });
    e.server.addFault({ match: { operationId: 'pulls/list' }, times: 1, respond: { status: 503 } });
    await e.apply([push(API, '1.4.3')]);
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toHaveLength(1);
  });

  it('waits out a secondary rate limit (403 with retry-after) without losing the update', async () => {
    const e = await start();
    const fault = e.server.addFault({
      match: { operationId: 'pulls/create' },
      times: 2,
      respond: { status: 403, secondaryRateLimit: true, retryAfter: 1 },
    });
    await e.apply([push(API, '1.4.3')]);
    expect(fault.fired).toBe(2);
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
  });

  it('rebuilds after a non-fast-forward rejection from a concurrent writer', async () => {
    const e = await start();
    await e.apply([push(API, '1.4.3')]);
    e.server.addFault({
      match: { operationId: BRANCH_MOVES },
      times: 1,
      respond: { status: 422, nonFastForward: true },
    });
    const report = await e.apply([push(API, '1.4.4')]);
    expect(report.attempts).toBe(2);
    expect(e.read('apps/api/deploy.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.4`));
  });

  it.each([
    [401, 'GITHUB_UNAUTHORIZED', true],
    [403, 'GITHUB_FORBIDDEN', false],
    [404, 'GITHUB_NOT_FOUND', false],
    [500, 'GITHUB_SERVER_ERROR', true],
  ])(
    'turns a persistent %i into a typed error (%s, retryable %s) and writes nothing',
    async (status, code, retryable) => {
      const e = await start();
      e.server.addFault({
        match: { operationId: 'repos/get' },
        times: Infinity,
        respond: { status, message: 'injected' },
      });
      await expect(e.apply([push(API, '1.4.3')])).rejects.toMatchObject({ code, retryable });
      expect(e.server.writeCount()).toBe(0);
    },
  );
});
