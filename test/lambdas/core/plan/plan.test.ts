import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import type { Config } from '../../../../lambdas/core/config.ts';
import { combineUnits } from '../../../../lambdas/core/plan/combine.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

function config(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${image}
`;

describe('planUpdates', () => {
  const twoEnvironments = config(`version: 1
policies:
  - name: api-dev
    image: ${ECR}/shop/api
    prerelease: true
    files: ["dev/**"]
  - name: api-prod
    image: ${ECR}/shop/api
    range: "~1.4"
    files: ["prod/**"]
`);

  it('moves each environment as far as its own policy allows, one PR per policy', async () => {
    const repo = new MemoryRepo({
      'dev/api.yaml': deployment(`${ECR}/shop/api:1.4.2`),
      'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`),
    });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.5.0-rc.1' }],
    });
    expect(plan.decisions.map((d) => [d.policy.name, d.outcome])).toEqual([
      ['api-dev', 'update'],
      ['api-prod', 'no-candidate'],
    ]);
    expect(plan.units).toHaveLength(1);
    expect(plan.units[0]).toMatchObject({ branch: 'image-updater/api-dev', updateType: 'minor' });
    expect(plan.units[0]?.files[0]?.after).toBe(deployment(`${ECR}/shop/api:1.5.0-rc.1`));
  });

  it('never moves below the tag in the files (an out-of-order older push changes nothing)', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.5`) });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.4.3' }],
    });
    expect(plan.units).toEqual([]);
    expect(plan.decisions.find((d) => d.policy.name === 'api-prod')?.outcome).toBe('up-to-date');
  });

  it('never moves below what the open PR already proposes', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`) });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.4.3' }],
      proposed: new Map([['api-prod', { tag: '1.4.4' }]]),
    });
    expect(plan.units).toEqual([]);
  });

  it('takes the greatest of several pushes in one batch', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`) });
    const pushes = ['1.4.4', '1.4.9', '1.4.3', '2.0.0'].map((tag) => ({ image: `${ECR}/shop/api`, tag }));
    const plan = await planUpdates({ config: twoEnvironments, repo, pushes });
    expect(plan.decisions.find((d) => d.policy.name === 'api-prod')?.to?.tag).toBe('1.4.9');
  });

  it('still updates the tag when a push carries a digest that is not sha256 + 64 hex', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`) });
    const digest = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234'; // the ECR docs sample: 60 hex
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.4.3', digest }],
    });
    expect(plan.units[0]?.files[0]?.after).toBe(deployment(`${ECR}/shop/api:1.4.3`));
  });

  it('ignores pushes of other images, even with the same tag or a prefix name', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`) });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api-gateway`, tag: '1.4.3' }],
    });
    expect(plan.decisions).toEqual([]);
    expect(repo.reads).toEqual([]);
  });

  it('reads only the files the watching policies select', async () => {
    const repo = new MemoryRepo({
      'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`),
      'other/api.yaml': deployment(`${ECR}/shop/api:1.4.2`),
      'prod/readme.md': 'not yaml',
    });
    await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.4.3' }],
    });
    expect(repo.reads.sort()).toEqual(['prod/api.yaml']);
  });

  it('reports a file with a YAML syntax error and still updates the others', async () => {
    const repo = new MemoryRepo({
      'prod/broken.yaml': 'spec: [unclosed\n',
      'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`),
    });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.4.3' }],
    });
    expect(plan.problems).toEqual([
      expect.objectContaining({ file: 'prod/broken.yaml', line: expect.any(Number) }),
    ]);
    expect(plan.units[0]?.files.map((f) => f.file)).toEqual(['prod/api.yaml']);
  });

  it('puts every policy of a group in one unit, titled by the group', async () => {
    const grouped = config(`version: 1
policies:
  - {name: api, image: ${ECR}/shop/api, group: shop}
  - {name: web, image: ${ECR}/shop/web, group: shop}
`);
    const repo = new MemoryRepo({
      'app.yaml': `${deployment(`${ECR}/shop/api:1.0.0`)}---\n${deployment(`${ECR}/shop/web:2.0.0`)}`,
    });
    const plan = await planUpdates({
      config: grouped,
      repo,
      pushes: [
        { image: `${ECR}/shop/api`, tag: '1.1.0' },
        { image: `${ECR}/shop/web`, tag: '2.0.1' },
      ],
    });
    expect(plan.units).toHaveLength(1);
    expect(plan.units[0]).toMatchObject({
      branch: 'image-updater/shop',
      title: 'chore(images): update shop to api 1.1.0, web 2.0.1',
      updateType: 'minor',
    });
    expect(plan.units[0]?.files[0]?.changes.map((c) => [c.policy, c.to])).toEqual([
      ['api', '1.1.0'],
      ['web', '2.0.1'],
    ]);
  });

  it.each([
    [
      'the default template, two updates',
      undefined,
      2,
      'chore(images): update shop to svc0 1.1.0, svc1 1.1.0',
    ],
    [
      'the default template, five updates',
      undefined,
      5,
      'chore(images): update shop to svc0 1.1.0, svc1 1.1.0, svc2 1.1.0 and 2 more',
    ],
    [
      'a template of its own',
      'deploy({{policy}}): {{from}} → {{to}}',
      2,
      'deploy(shop): svc0 1.0.0, svc1 1.0.0 → svc0 1.1.0, svc1 1.1.0',
    ],
    ['a template without tokens', 'Bump the shop images', 3, 'Bump the shop images'],
    ['one update of the group', 'deploy {{policy}} {{to}} ({{updateType}})', 1, 'deploy svc0 1.1.0 (minor)'],
  ])('a group PR title follows commitMessage: %s', async (_, template, count, title) => {
    const names = Array.from({ length: 5 }, (_, i) => `svc${i}`);
    const grouped = config(`version: 1
${template ? `defaults: {commitMessage: ${JSON.stringify(template)}}\n` : ''}policies:
${names.map((n) => `  - {name: ${n}, image: ${ECR}/shop/${n}, group: shop}`).join('\n')}
`);
    const repo = new MemoryRepo(
      Object.fromEntries(names.map((n) => [`${n}.yaml`, deployment(`${ECR}/shop/${n}:1.0.0`)])),
    );
    const plan = await planUpdates({
      config: grouped,
      repo,
      pushes: names.slice(0, count).map((n) => ({ image: `${ECR}/shop/${n}`, tag: '1.1.0' })),
    });
    expect(plan.units.map((u) => u.title)).toEqual([title]);
    // The commit message still names every update, one line each.
    const lines = plan.units[0]?.commitMessage.split('\n') ?? [];
    expect(lines.filter((l) => l.startsWith('- '))).toHaveLength(count > 1 ? count : 0);
  });

  it('names a namespace:name policy branch with a slash, since a Git ref cannot hold a colon', async () => {
    const flux = config(`version: 1\npolicies:\n  - {name: "apps:api", image: ${ECR}/shop/api}\n`);
    const repo = new MemoryRepo({ 'a.yaml': deployment(`${ECR}/shop/api:1.0.0`) });
    const plan = await planUpdates({
      config: flux,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.0.1' }],
    });
    expect(plan.units[0]?.branch).toBe('image-updater/apps/api');
  });

  it('marks a unit for auto-merge only when every update is within its policy level', async () => {
    const auto = config(`version: 1
defaults: {automerge: patch}
policies:
  - {name: api, image: ${ECR}/shop/api}
`);
    const repo = new MemoryRepo({ 'a.yaml': deployment(`${ECR}/shop/api:1.0.0`) });
    const patch = await planUpdates({
      config: auto,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.0.1' }],
    });
    const minor = await planUpdates({
      config: auto,
      repo,
      pushes: [{ image: `${ECR}/shop/api`, tag: '1.1.0' }],
    });
    expect(patch.units[0]?.automerge).toBe(true);
    expect(minor.units[0]?.automerge).toBe(false);
  });

  it('decides a reconcile from the tag list alone', async () => {
    const repo = new MemoryRepo({ 'prod/api.yaml': deployment(`${ECR}/shop/api:1.4.2`) });
    const plan = await planUpdates({
      config: twoEnvironments,
      repo,
      tagLists: new Map([[`${ECR}/shop/api`, ['1.4.2', '1.4.7', '1.5.0', 'latest'].map((tag) => ({ tag }))]]),
    });
    expect(plan.decisions.map((d) => [d.policy.name, d.to?.tag])).toEqual([
      ['api-dev', undefined],
      ['api-prod', '1.4.7'],
    ]);
  });

  it('combines units that touch one file into one working-tree edit', async () => {
    const shared = config(`version: 1
policies:
  - {name: api, image: ${ECR}/shop/api}
  - {name: web, image: ${ECR}/shop/web}
`);
    const text = `${deployment(`${ECR}/shop/api:1.0.0`)}---\n${deployment(`${ECR}/shop/web:2.0.0`)}`;
    const repo = new MemoryRepo({ 'app.yaml': text });
    const plan = await planUpdates({
      config: shared,
      repo,
      pushes: [
        { image: `${ECR}/shop/api`, tag: '1.1.0' },
        { image: `${ECR}/shop/web`, tag: '2.1.0' },
      ],
    });
    expect(plan.units).toHaveLength(2);
    const combined = combineUnits(plan.units, plan.scan);
    expect(combined.files[0]?.after).toBe(
      text.replace('api:1.0.0', 'api:1.1.0').replace('web:2.0.0', 'web:2.1.0'),
    );
  });

  describe('never downgrades where the files alone cannot say what is newer', () => {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const image = `${ECR}/shop/api`;

    it("pin: digest — finds the pinned digest's tag in the registry list, and refuses without one", async () => {
      const pinned = config(`version: 1\npolicies:\n  - {name: api, image: ${image}, pin: digest}\n`);
      const repo = new MemoryRepo({ 'a.yaml': deployment(`${image}@${b}`) });
      const list = new Map([
        [
          image,
          [
            { tag: '2.0.0', digest: b },
            { tag: '1.0.0', digest: a },
          ],
        ],
      ]);
      const older = await planUpdates({
        config: pinned,
        repo,
        pushes: [{ image, tag: '1.0.0', digest: a }],
        tagLists: list,
      });
      expect(older.units).toEqual([]);
      expect(older.decisions[0]?.from?.tag).toBe('2.0.0');
      const blind = await planUpdates({ config: pinned, repo, pushes: [{ image, tag: '1.0.0', digest: a }] });
      expect(blind.decisions[0]).toMatchObject({
        outcome: 'no-candidate',
        reason: expect.stringContaining('unknown'),
      });
    });

    it('digest — a late event for an older digest loses to where the registry says the tag points', async () => {
      const tracking = config(
        `version: 1\npolicies:\n  - {name: api, image: ${image}, strategy: digest, track: main}\n`,
      );
      const repo = new MemoryRepo({ 'a.yaml': deployment(`${image}:main@${b}`) });
      const plan = await planUpdates({
        config: tracking,
        repo,
        pushes: [{ image, tag: 'main', digest: a, pushedAt: new Date('2020-01-01') }],
        tagLists: new Map([[image, [{ tag: 'main', digest: b, pushedAt: new Date('2026-01-01') }]]]),
      });
      expect(plan.units).toEqual([]);
    });

    it('newest — orders the current tag by its listed push time, and refuses when it is unknown', async () => {
      const newest = config(`version: 1\npolicies:\n  - {name: api, image: ${image}, strategy: newest}\n`);
      const repo = new MemoryRepo({ 'a.yaml': deployment(`${image}:build-b`) });
      const late = { image, tag: 'build-a', pushedAt: new Date('2025-01-01') };
      const listed = await planUpdates({
        config: newest,
        repo,
        pushes: [late],
        tagLists: new Map([
          [
            image,
            [
              { tag: 'build-b', pushedAt: new Date('2026-01-01') },
              { tag: 'build-a', pushedAt: new Date('2025-01-01') },
            ],
          ],
        ]),
      });
      expect(listed.units).toEqual([]);
      const blind = await planUpdates({ config: newest, repo, pushes: [late] });
      expect(blind.decisions[0]).toMatchObject({
        outcome: 'no-candidate',
        reason: expect.stringContaining('push time'),
      });
      const newer = await planUpdates({
        config: newest,
        repo,
        pushes: [{ image, tag: 'build-c', pushedAt: new Date('2026-06-01') }],
        tagLists: new Map([[image, [{ tag: 'build-b', pushedAt: new Date('2026-01-01') }]]]),
      });
      expect(newer.decisions[0]?.to?.tag).toBe('build-c');
    });
  });
});
