/**
 * Branch/PR units of one repository are independent: one that fails does not stop or undo the
 * others, and a unit that cannot get its content-creating requests from the secondary-limit
 * budget does not start at all, so nothing is left half-written (a branch without its PR).
 */
import { loadConfig } from '../../../../lambdas/config/load.ts';
import { describe, expect, it } from 'vitest';
import { applyToRepo } from '../../../../lambdas/core/apply/apply.ts';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
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

const image = (i: number) => `${ECR}/team/svc${i}`;

const openEnv = githubEnvPerTest();

/** Two groups, `a` (svc0, svc1) and `b` (svc2, svc3). */
/** The write budget is on in every test here: generous unless a test sets its own. */
async function start(host: NonNullable<Parameters<typeof openEnv>[1]>['host'] = GENEROUS_WRITE_BUDGET) {
  const files: Record<string, string> = {};
  const policies: string[] = [];
  for (let i = 0; i < 4; i++) {
    files[`apps/svc${i}/deploy.yaml`] = deployment(`${image(i)}:1.0.0`, `svc${i}`);
    policies.push(
      `  - {name: svc${i}, image: ${image(i)}, group: ${i < 2 ? 'a' : 'b'}, files: ["apps/svc${i}/**"]}`,
    );
  }
  const env = await openEnv(
    { ...files, '.image-updater.yaml': `version: 1\npolicies:\n${policies.join('\n')}\n` },
    { host },
  );
  return env;
}

const pullsOf = (e: GitHubEnv) =>
  e.server.listPulls(OWNER, REPO, { state: 'all' }).map((p) => ({
    branch: p.headRef,
    tags: readPrState(p.body ?? '')?.policies,
  }));

describe('one unit failing', () => {
  it('leaves the other units done, and reports which unit failed and why', async () => {
    const e = await start();
    // Group b's PR cannot be opened: GitHub keeps answering 502 for it.
    const fault = e.server.addFault({
      match: {
        operationId: 'pulls/create',
        when: (r) => (r.body as { head?: string }).head === 'image-updater/b',
      },
      times: Infinity,
      respond: { status: 502 },
    });
    const report = await e.apply([push(image(0), '1.1.0'), push(image(2), '1.1.0')]);
    expect(pullsOf(e)).toEqual([
      { branch: 'image-updater/a', tags: { svc0: expect.objectContaining({ tag: '1.1.0' }) } },
    ]);
    expect(report.units.map((u) => [u.branch, u.action])).toEqual([['image-updater/a', 'opened']]);
    expect(report.failures).toEqual([
      expect.objectContaining({
        branch: 'image-updater/b',
        policies: [expect.objectContaining({ name: 'svc2' }), expect.objectContaining({ name: 'svc3' })],
        error: expect.objectContaining({ code: 'GITHUB_SERVER_ERROR', retryable: true }),
      }),
    ]);

    // The retried event finishes group b; group a is not written again.
    fault.remove();
    e.server.resetLog();
    const again = await e.apply([push(image(0), '1.1.0'), push(image(2), '1.1.0')]);
    expect(again.failures).toEqual([]);
    expect(
      pullsOf(e)
        .map((p) => p.branch)
        .sort(),
    ).toEqual(['image-updater/a', 'image-updater/b']);
    expect(e.read('apps/svc2/deploy.yaml', 'image-updater/b')).toContain(`${image(2)}:1.1.0`);
    expect(e.server.writeCount({ operationId: 'pulls/update' })).toBe(0);
  });
});

describe('a unit without the writes it needs in the secondary-limit budget', () => {
  it('does not start: no tree, no commit, no branch without a PR; the unit that fits is done', async () => {
    // 6 writes an hour: group a's new PR takes 5 (tree, commit, branch, PR, labels), leaving 1,
    // too few for group b, which must not begin.
    const e = await start({ writesPerMinute: 6, writesPerHour: 6 });
    const report = await e.apply([push(image(0), '1.1.0'), push(image(2), '1.1.0')]);
    const opened = report.units.filter((u) => u.action === 'opened').map((u) => u.branch);
    const failed = report.failures.map((f) => f.branch);
    expect([...opened, ...failed].sort()).toEqual(['image-updater/a', 'image-updater/b']);
    expect(opened).toHaveLength(1);
    expect(report.failures[0]!.error).toMatchObject({ code: 'GITHUB_RATE_LIMITED', retryable: true });
    // The refused unit sent nothing: exactly one unit's writes reached GitHub.
    expect(e.server.writeCount()).toBe(5);
    expect(e.server.writeCount({ operationId: 'git/create-ref' })).toBe(1);
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
  });
});

describe('a write deadline (the invocation must end soon)', () => {
  it('refuses writes that would have to wait past it, so the events return instead of timing out', async () => {
    // The first push's PR (six set aside, one spare) and the dashboard's one write fill the minute.
    const e = await start({ writesPerMinute: 7, writesPerHour: 100 });
    await e.apply([push(image(0), '1.1.0')]);
    // The next free slot is a minute away, the deadline half a minute: beyond the test's own
    // timeout, so a unit that waited for either instead of being refused fails the test.
    e.host.setWriteDeadline(30_000);
    const writes = e.server.writeCount();
    const report = await e.apply([push(image(2), '1.1.0')]);
    expect(e.server.writeCount()).toBe(writes);
    expect(report.failures.map((f) => f.branch)).toEqual(['image-updater/b']);
    expect(report.failures[0]!.error).toMatchObject({ code: 'GITHUB_RATE_LIMITED', retryable: true });
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
  });
});

describe('the writes set aside per unit cover what the unit sends', () => {
  const API = `${ECR}/shop/api`;
  const configWith = (extra: string) =>
    `version: 1\npolicies:\n  - name: api\n    image: ${API}\n${extra
      .split('\n')
      .filter(Boolean)
      .map((l) => `    ${l}`)
      .join('\n')}\n`;

  /** Applies one push, recording what each unit set aside and what reached GitHub. */
  async function applyCounting(e: GitHubEnv, tag: string) {
    const client = await e.host.repo({ owner: OWNER, name: REPO });
    const reserved: number[] = [];
    const counting = new Proxy(client, {
      get(target, prop) {
        if (prop === 'reserveWrites')
          return <T>(count: number, work: () => Promise<T>) => {
            reserved.push(count);
            return target.reserveWrites!(count, work);
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const before = e.server.writeCount();
    const report = await applyToRepo(
      counting,
      { pushes: [push(API, tag)] },
      { configPath: '.image-updater.yaml', loadConfig, sleep: async () => {}, backoffMs: 1 },
    );
    return { report, reserved: reserved.reduce((a, b) => a + b, 0), wrote: e.server.writeCount() - before };
  }

  // The budget is on (generous) so units reserve; [scenario, config, setup, tags pushed in turn].
  it.each([
    ['a new PR with the default label', '', {}, ['1.0.1']],
    ['a new PR with labels and reviewers', 'labels: [deps, images]\nreviewers: [octocat]', {}, ['1.0.1']],
    ['a newer push updating the PR', '', {}, ['1.0.1', '1.0.2']],
    ['the same push again', '', {}, ['1.0.1', '1.0.1']],
    [
      'auto-merge armed',
      'automerge: patch',
      { requiredChecks: ['ci'], repoSettings: { allowAutoMerge: true } },
      ['1.0.1'],
    ],
    [
      'auto-merge, already mergeable',
      'automerge: patch',
      { repoSettings: { allowAutoMerge: true } },
      ['1.0.1'],
    ],
    ['immediate merge', 'automerge: patch\nmergeStrategy: immediate', {}, ['1.0.1']],
    ['a commit to the base branch', 'update: commit', {}, ['1.0.1', '1.0.2']],
  ] as const)('%s', async (_name, extra, setup, tags) => {
    const env = await openEnv(
      { '.image-updater.yaml': configWith(extra), 'deploy.yaml': deployment(`${API}:1.0.0`) },
      { ...setup, host: GENEROUS_WRITE_BUDGET },
    );
    for (const tag of tags) {
      const { report, reserved, wrote } = await applyCounting(env, tag);
      expect(report.failures).toEqual([]);
      expect(reserved).toBeGreaterThanOrEqual(wrote);
      // Not hoarded: slots set aside and not used hold other units back (auto-merge sets aside
      // the merge GitHub may ask for instead).
      expect(reserved - wrote).toBeLessThanOrEqual(2);
    }
  });

  it('a PR someone else pushed to: told once, then nothing set aside while it stays blocked', async () => {
    const env = await openEnv(
      { '.image-updater.yaml': configWith(''), 'deploy.yaml': deployment(`${API}:1.0.0`) },
      { host: GENEROUS_WRITE_BUDGET },
    );
    await applyCounting(env, '1.0.1');
    env.server.commitFiles(OWNER, REPO, 'image-updater/api', { 'notes.txt': 'mine\n' });
    const told = await applyCounting(env, '1.0.2');
    expect(told.report.units[0]).toMatchObject({ action: 'blocked' });
    // The comment and the description, and the dashboard's line turning to "blocked".
    expect(told.wrote).toBe(3);
    expect(told.reserved).toBe(3);
    const again = await applyCounting(env, '1.0.3');
    expect(again.report.units[0]).toMatchObject({ action: 'blocked' });
    expect([again.reserved, again.wrote]).toEqual([0, 0]);
  });
});

describe('concurrent units through the real Octokit', () => {
  it('each spends its own reservation: none runs short and is refused half-way', async () => {
    // Ten groups, each a new PR with its label: 5 writes, 6 set aside (one spare). A budget of
    // exactly 60 fits every reservation; a write counted against the wrong unit would leave
    // another short, and near the deadline its missing write would be refused half-way.
    const files: Record<string, string> = {};
    const policies: string[] = [];
    for (let i = 0; i < 10; i++) {
      files[`apps/svc${i}/deploy.yaml`] = deployment(`${image(i)}:1.0.0`, `svc${i}`);
      policies.push(`  - {name: svc${i}, image: ${image(i)}, group: g${i}, files: ["apps/svc${i}/**"]}`);
    }
    const env = await openEnv(
      { ...files, '.image-updater.yaml': `version: 1\npolicies:\n${policies.join('\n')}\n` },
      { server: { latencyMs: 20 }, host: { writesPerMinute: 60, writesPerHour: 1000 } },
    );
    env.host.setWriteDeadline(10_000);
    const report = await env.apply(Array.from({ length: 10 }, (_, i) => push(image(i), '1.1.0')));
    expect(report.failures).toEqual([]);
    expect(report.units.filter((u) => u.action === 'opened')).toHaveLength(10);
    expect(env.server.writeCount({ operationId: 'issues/add-labels' })).toBe(10);
  });
});
