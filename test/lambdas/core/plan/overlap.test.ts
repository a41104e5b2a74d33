/**
 * Two policies that would both edit one reference make the config invalid (SPEC §3): every
 * caller (worker, `plan`, `validate --repo-dir`) goes through `checkConfigInRepo`, and the
 * problem names each policy with its line and column and the reference with file and line.
 * A marker comment names its policy: what it marks is that policy's alone, never an overlap.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { checkConfigInRepo } from '../../../../lambdas/core/plan/overlap.ts';
import { deployment, githubEnvPerTest, OWNER, push, REPO } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const WEB = 'ghcr.io/acme/web';
/** Two policies, one per line: `a` at 3:5, `b` at 4:5. */
const twoPolicies = (a: string, b: string) => `version: 1
policies:
  - {name: a, image: ${WEB}${a}}
  - {name: b, image: ${WEB}${b}}
`;
const marked = (policy: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ${WEB}:1.0.0 # {"$imagepolicy": "${policy}"}
        - name: sidecar
          image: ${WEB}:1.0.0
`;
const BOTH = 'policies "a" (3:5) and "b" (4:5) would both edit ghcr.io/acme/web at';

async function check(config: string, files: Record<string, string>) {
  const loaded = parseConfig(config);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const result = await checkConfigInRepo(loaded, { filesOn: async () => new MemoryRepo(files) });
  return result.ok ? [] : result.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
}

describe('checkConfigInRepo', () => {
  const fix = ': narrow their files, or name one in a marker comment';
  it.each([
    [
      'same image, default globs',
      '',
      '',
      { 'apps/x.yaml': deployment(`${WEB}:1.0.0`) },
      [`4:5 policies[1]: ${BOTH} apps/x.yaml:10${fix}`],
    ],
    [
      'the host spelt in capitals',
      '',
      '',
      { 'x.yaml': deployment('GHCR.io/acme/web:1') },
      [`4:5 policies[1]: ${BOTH} x.yaml:10${fix}`],
    ],
    [
      'overlapping files globs',
      ', files: ["apps/**"]',
      ', files: ["apps/prod/*.yaml"]',
      { 'apps/prod/x.yaml': deployment(`${WEB}:1`), 'apps/dev/x.yaml': deployment(`${WEB}:1`) },
      [`4:5 policies[1]: ${BOTH} apps/prod/x.yaml:10${fix}`],
    ],
    [
      'disjoint files globs',
      ', files: ["apps/dev/**"]',
      ', files: ["apps/prod/**"]',
      { 'apps/prod/x.yaml': deployment(`${WEB}:1`), 'apps/dev/x.yaml': deployment(`${WEB}:1`) },
      [],
    ],
    ['a shared file without the image', '', '', { 'x.yaml': deployment('nginx:1') }, []],
    [
      'one group',
      ', group: g',
      ', group: g',
      { 'x.yaml': deployment(`${WEB}:1`) },
      [`4:5 policies[1]: ${BOTH} x.yaml:10${fix}`],
    ],
    [
      'two base branches',
      ', baseBranch: main',
      ', baseBranch: release',
      { 'x.yaml': deployment(`${WEB}:1`) },
      [],
    ],
    [
      'a marker names a, b matches the structure: only the unmarked one',
      '',
      '',
      { 'x.yaml': marked('a') },
      [`4:5 policies[1]: ${BOTH} x.yaml:11${fix}`],
    ],
    [
      'two references in two files: one problem',
      '',
      '',
      { 'x.yaml': deployment(`${WEB}:1`), 'y.yaml': deployment(`${WEB}:2`) },
      [`4:5 policies[1]: ${BOTH} x.yaml:10 and y.yaml:10${fix}`],
    ],
  ])('%s', async (_case, a, b, files, expected) => {
    expect(await check(twoPolicies(a, b), files)).toEqual(expected);
  });

  it('a marker on every reference: each belongs to the policy it names', async () => {
    const file = marked('a').replace(`${WEB}:1.0.0\n`, `${WEB}:1.0.0 # {"$imagepolicy": "b"}\n`);
    expect(await check(twoPolicies('', ''), { 'x.yaml': file })).toEqual([]);
  });

  it('one image named two ways by two policies', async () => {
    const config =
      'version: 1\npolicies:\n  - {name: a, image: nginx}\n  - {name: b, image: docker.io/library/nginx}\n';
    expect(await check(config, { 'x.yaml': deployment('nginx:1') })).toEqual([
      `4:5 policies[1]: policies "a" (3:5) and "b" (4:5) would both edit docker.io/library/nginx at x.yaml:10${fix}`,
    ]);
  });

  it('three policies on one reference: one problem naming the three', async () => {
    const config = `${twoPolicies('', '')}  - name: c\n    image: ${WEB}\n`;
    expect(await check(config, { 'x.yaml': deployment(`${WEB}:1`) })).toEqual([
      `5:5 policies[2]: policies "a" (3:5), "b" (4:5) and "c" (5:5) would all edit ghcr.io/acme/web at x.yaml:10${fix}`,
    ]);
  });

  it('many references: the first three, and how many more', async () => {
    const files = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`f${n}.yaml`, deployment(`${WEB}:1`)]));
    const [issue] = await check(twoPolicies('', ''), files);
    expect(issue).toContain('at f1.yaml:10, f2.yaml:10, f3.yaml:10 and 2 more:');
  });

  it('a thousand overlapping pairs: fifty problems and a count, each line bounded', async () => {
    const n = 1000;
    const policies = Array.from(
      { length: n },
      (_, i) => `  - {name: p${i}, image: ${WEB}, files: [f${i}.yaml]}`,
    );
    const config = `version: 1\npolicies:\n  - {name: all, image: ${WEB}}\n${policies.join('\n')}\n`;
    const files = Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`f${i}.yaml`, deployment(`${WEB}:1`)]),
    );
    const issues = await check(config, files);
    expect(issues).toHaveLength(51);
    expect(issues[0]).toMatch(/^4:5 policies\[1\]: policies "all" \(3:5\) and "p0" \(4:5\)/);
    expect(issues.at(-1)).toBe('1:1 policies: and 950 more sets of overlapping policies');
    expect(Math.max(...issues.map((i) => i.length))).toBeLessThan(300);
  });

  it('a same-image pair with disjoint files reads no file', async () => {
    const repo = new MemoryRepo({
      'dev/x.yaml': deployment(`${WEB}:1`),
      'prod/x.yaml': deployment(`${WEB}:1`),
    });
    const reads: string[] = [];
    const counting = {
      listFiles: () => repo.listFiles(),
      readFile: async (p: string) => (reads.push(p), repo.readFile(p)),
    };
    const loaded = parseConfig(twoPolicies(', files: ["dev/**"]', ', files: ["prod/**"]'));
    expect(await checkConfigInRepo(loaded, { filesOn: async () => counting })).toMatchObject({ ok: true });
    expect(reads).toEqual([]);
  });

  it('a schema error is returned as it is, before any file is listed', async () => {
    const loaded = parseConfig('version: 1\npolicies:\n  - {name: a, image: nginx, colour: blue}\n');
    const result = await checkConfigInRepo(loaded, {
      filesOn: async () => {
        throw new Error('no file is listed for an invalid schema');
      },
    });
    expect(result).toEqual(loaded);
  });
});

describe('the worker, against the GitHub test server', () => {
  const start = githubEnvPerTest();
  const narrowed = twoPolicies(', files: ["apps/**"]', ', files: ["other/**"]');

  it('opens no pull request, names both policies in the config issue, and closes it once fixed', async () => {
    const e = await start({
      '.image-updater.yaml': twoPolicies(', group: g', ''),
      'apps/x.yaml': deployment(`${WEB}:1.0.0`),
    });
    const report = await e.apply([push(WEB, '1.0.1')]);
    expect(report).toMatchObject({ outcome: 'config-invalid', configIssue: 'opened', units: [] });
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);
    const [issue] = e.server.listIssues(OWNER, REPO, { state: 'all' });
    expect(issue?.body).toContain(`.image-updater.yaml:4:5: policies[1]: ${BOTH} apps/x.yaml:10`);

    e.server.commitFiles(OWNER, REPO, 'main', { '.image-updater.yaml': narrowed }, 'narrow b');
    expect(await e.apply([push(WEB, '1.0.1')])).toMatchObject({ outcome: 'applied', configIssue: 'closed' });
    // The config issue closed; beside it, once the config is valid, the dashboard.
    expect(e.server.listIssues(OWNER, REPO, { state: 'all' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: expect.stringContaining('is invalid'), state: 'closed' }),
        expect.objectContaining({ title: 'image-updater dashboard', state: 'open' }),
      ]),
    );
    expect(e.server.listIssues(OWNER, REPO, { state: 'all' })).toHaveLength(2);
    expect(e.server.listPulls(OWNER, REPO)).toHaveLength(1);
  });

  it('an overlap of other images blocks every write: the same rule as a schema error', async () => {
    const e = await start({
      '.image-updater.yaml': `${twoPolicies('', '')}  - {name: api, image: nginx}\n`,
      'apps/x.yaml': deployment(`${WEB}:1.0.0`),
      'apps/api.yaml': deployment('nginx:1.0.0'),
    });
    expect(await e.apply([push('nginx', '1.0.1')])).toMatchObject({ outcome: 'config-invalid' });
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);
  });

  it('a manifest that brings an overlap reopens the issue; removing it closes it again', async () => {
    const e = await start({ '.image-updater.yaml': narrowed, 'apps/x.yaml': deployment(`${WEB}:1.0.0`) });
    expect(await e.apply([push(WEB, '1.0.1')])).toMatchObject({ outcome: 'applied' });
    const both = { '.image-updater.yaml': twoPolicies('', '') };
    e.server.commitFiles(OWNER, REPO, 'main', both, 'b follows every file');
    expect(await e.apply([push(WEB, '1.0.2')])).toMatchObject({ configIssue: 'opened' });
    e.server.commitFiles(
      OWNER,
      REPO,
      'main',
      { 'apps/x.yaml': marked('a').replace(/\n {8}- name: sidecar\n.*\n$/, '\n') },
      'mark it',
    );
    expect(await e.apply([push(WEB, '1.0.2')])).toMatchObject({ outcome: 'applied', configIssue: 'closed' });
    e.server.commitFiles(
      OWNER,
      REPO,
      'main',
      { 'apps/y.yaml': deployment(`${WEB}:1.0.0`) },
      'an unmarked one',
    );
    expect(await e.apply([push(WEB, '1.0.3')])).toMatchObject({ configIssue: 'reopened' });
    e.server.commitFiles(OWNER, REPO, 'main', { 'apps/y.yaml': deployment('nginx:1') }, 'not ours');
    // The config blob is the one already seen valid: its validity still depends on the files.
    expect(await e.apply([push(WEB, '1.0.3')])).toMatchObject({ outcome: 'applied', configIssue: 'closed' });
  });
});
