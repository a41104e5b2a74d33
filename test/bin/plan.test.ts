import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const EXAMPLE = new URL('../../examples/gitops/', import.meta.url).pathname;
const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';

function exampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-plan-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('image-updater plan', () => {
  it('prints the changes and pull requests as JSON in the shape SPEC §9 gives', async () => {
    const run = await runCli(['plan', '--repo-dir', EXAMPLE, '--push', `${API}:1.4.3`, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.changes).toEqual([
      {
        policy: 'api-prod',
        file: 'apps/api/overlays/prod/kustomization.yaml',
        line: 8,
        image: API,
        from: '1.4.2',
        to: '1.4.3',
      },
    ]);
    expect(out.pullRequests).toEqual([
      expect.objectContaining({
        branch: 'image-updater/api-prod',
        title: 'chore(images): update api-prod to 1.4.3',
        files: ['apps/api/overlays/prod/kustomization.yaml'],
      }),
    ]);
    expect(out.decisions).toContainEqual(
      expect.objectContaining({ policy: 'api-dev', outcome: 'up-to-date', from: '1.5.0-rc.1' }),
    );
  });

  it('prints a unified diff that git can apply, and the pull request', async () => {
    const run = await runCli(['plan', '--repo-dir', EXAMPLE, '--push', `${API}:1.4.3`]);
    expect(run.stdout).toContain(
      [
        '--- a/apps/api/overlays/prod/kustomization.yaml',
        '+++ b/apps/api/overlays/prod/kustomization.yaml',
        '@@ -5,4 +5,4 @@',
        '   - ../../base',
        ' images:',
        `   - name: ${API}`,
        '-    newTag: 1.4.2 # patch releases arrive through reviewed PRs',
        '+    newTag: 1.4.3 # patch releases arrive through reviewed PRs',
      ].join('\n'),
    );
    expect(run.stdout).toContain(
      'pull request image-updater/api-prod: chore(images): update api-prod to 1.4.3',
    );
  });

  it('--write changes only the tag characters in the working tree', async () => {
    const dir = exampleCopy();
    const file = join(dir, 'apps/web/prod/values.yaml');
    const before = readFileSync(file, 'utf8');
    const run = await runCli(['plan', '--repo-dir', dir, '--push', 'ghcr.io/acme/web:v2.4.0', '--write']);
    expect(run.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before.replace('tag: "v2.3.0"', 'tag: "v2.4.0"'));
    expect(readFileSync(join(dir, 'apps/web/dev/values.yaml'), 'utf8')).toContain('tag: "v2.4.0"');
    expect(readFileSync(join(dir, 'apps/api/overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      readFileSync(join(EXAMPLE, 'apps/api/overlays/prod/kustomization.yaml'), 'utf8'),
    );
  });

  it('never follows a symlink out of the repository', async () => {
    const dir = exampleCopy();
    const outside = mkdtempSync(join(tmpdir(), 'iu-outside-'));
    const target = join(outside, 'victim.yaml');
    const victim = `image: ${API}:1.4.0\nkind: Pod\napiVersion: v1\nspec:\n  containers:\n    - name: a\n      image: ${API}:1.4.0\n`;
    writeFileSync(target, victim);
    symlinkSync(target, join(dir, 'apps/api/overlays/prod/linked.yaml'));
    symlinkSync(outside, join(dir, 'apps/api/overlays/prod/linked-dir'));
    const run = await runCli(['plan', '--repo-dir', dir, '--push', `${API}:1.4.3`, '--write', '--json']);
    expect(JSON.parse(run.stdout).changes.map((c: { file: string }) => c.file)).toEqual([
      'apps/api/overlays/prod/kustomization.yaml',
    ]);
    expect(readFileSync(target, 'utf8')).toBe(victim);
  });

  it('leaves a YAML file with a syntax error alone, reports it, and updates the rest', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'apps/web/dev/broken.yaml'), 'image:\n  tag: [v1\n');
    const run = await runCli(['plan', '--repo-dir', dir, '--push', 'ghcr.io/acme/web:v2.4.0', '--write']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^apps\/web\/dev\/broken\.yaml:\d+:\d+: /m);
    expect(readFileSync(join(dir, 'apps/web/dev/broken.yaml'), 'utf8')).toBe('image:\n  tag: [v1\n');
    expect(readFileSync(join(dir, 'apps/web/dev/values.yaml'), 'utf8')).toContain('v2.4.0');
  });

  const DIGEST = `sha256:${'a'.repeat(64)}`;
  // Each kind of mistake says what is wrong with it, not the same generic sentence.
  it.each([
    [['--push', `${API}:1.4.3`], '--repo-dir DIR is required'],
    [
      ['--repo-dir', EXAMPLE, '--push', `${API}:1.4.3`, '--push=ghcr.io/acme/web:v2.4.0'],
      '--push is given more than once; give it once',
    ],
    [['--repo-dir', EXAMPLE], '--push IMAGE:TAG[@DIGEST] (or --promote POLICY) is required'],
    [['--repo-dir', EXAMPLE, '--push', API], 'no tag; expected IMAGE:TAG'],
    [
      ['--repo-dir', EXAMPLE, '--push', `${API}:1.4.3\n- evil`],
      'contains white space or a control character',
    ],
    [
      ['--repo-dir', EXAMPLE, '--push', `${API}:${'x'.repeat(129)}`],
      'the tag is 129 characters; a tag has at most 128',
    ],
    [['--repo-dir', EXAMPLE, '--push', `${API}:`], 'the tag after : is empty'],
    [['--repo-dir', EXAMPLE, '--push', `${API}:-1.4.3`], 'outside the OCI tag grammar'],
    [['--repo-dir', EXAMPLE, '--push', `${API}:1.4.3@`], 'the digest after @ is empty'],
    [['--repo-dir', EXAMPLE, '--push', `${API}:1.4.3@sha256:abc`], 'is not sha256:<64 lowercase hex digits>'],
    [['--repo-dir', EXAMPLE, '--push', `ghcr.io/Acme/web:1.0.0@${DIGEST}`], 'has upper-case letters'],
    [['--repo-dir', EXAMPLE, '--push', `ghcr.io/ac..me/web:1.0.0`], 'is not an image name'],
    [['--repo-dir', '/nonexistent', '--push', `${API}:1.4.3`], '--repo-dir /nonexistent: no such directory'],
    [
      ['--repo-dir', `${EXAMPLE}apps/api/base/kustomization.yaml`, '--push', `${API}:1.4.3`],
      'not a directory',
    ],
    [['--repo-dir', tmpdir(), '--push', `${API}:1.4.3`], 'no .image-updater.yaml in'],
    [
      ['--repo-dir', EXAMPLE, '--config', '../x.yaml', '--push', `${API}:1.4.3`],
      'not a path inside --repo-dir',
    ],
  ])('rejects bad input %j with one line and exit 2', async (args, message) => {
    const run = await runCli(['plan', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a config that is a symbolic link, as the updater would, and says so', async () => {
    const dir = exampleCopy();
    const outside = mkdtempSync(join(tmpdir(), 'iu-plan-outside-'));
    writeFileSync(join(outside, 'config.yaml'), readFileSync(join(dir, '.image-updater.yaml')));
    rmSync(join(dir, '.image-updater.yaml'));
    symlinkSync(join(outside, 'config.yaml'), join(dir, '.image-updater.yaml'));
    const run = await runCli(['plan', '--repo-dir', dir, '--push', `${API}:1.4.3`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.image-updater.yaml in');
    expect(run.stderr).toContain('is a symbolic link');
    expect(run.stdout).toBe('');
  });

  it('refuses to plan from an invalid config and says where it is wrong', async () => {
    const dir = exampleCopy();
    writeFileSync(
      join(dir, '.image-updater.yaml'),
      'version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: sometimes\n',
    );
    const run = await runCli(['plan', '--repo-dir', dir, '--push', 'nginx:1.25.0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.image-updater.yaml:5:15: policies[0].strategy');
  });
});

describe('image-updater plan with minimumReleaseAge', () => {
  function gatedRepo(): string {
    const dir = mkdtempSync(join(tmpdir(), 'iu-plan-age-'));
    writeFileSync(
      join(dir, '.image-updater.yaml'),
      `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    minimumReleaseAge: { patch: 4h, minor: 2d }\n`,
    );
    writeFileSync(join(dir, 'values.yaml'), `image:\n  repository: ${API}\n  tag: 1.4.2\n`);
    return dir;
  }

  it('says a push younger than its age is held, and until when; nothing changes', async () => {
    const dir = gatedRepo();
    try {
      const before = Date.now();
      const run = await runCli(['plan', '--repo-dir', dir, '--push', `${API}:1.5.0`, '--json']);
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.changes).toEqual([]);
      const [decision] = out.decisions;
      expect(decision).toMatchObject({ policy: 'api', outcome: 'held', held: { tag: '1.5.0' } });
      // The push is taken as happening now: due two days on.
      const until = Date.parse(decision.held.until);
      expect(until - before).toBeGreaterThanOrEqual(2 * 86_400_000 - 1000);
      expect(until - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
      const human = await runCli(['plan', '--repo-dir', dir, '--push', `${API}:1.5.0`]);
      expect(human.stdout).toMatch(
        /api: held \(held: 1\.5\.0: pushed at \S+Z, minimumReleaseAge 2d \(minor\): due at \S+Z\)/,
      );
      expect(human.stdout).toContain('No changes.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies the newest listed tag old enough, and names the newer one held', async () => {
    const dir = gatedRepo();
    try {
      const tags = join(dir, 'tags.txt');
      writeFileSync(tags, `1.4.3 ${new Date(Date.now() - 5 * 3_600_000).toISOString()}\n1.4.4\n`);
      const run = await runCli([
        'plan',
        '--repo-dir',
        dir,
        '--push',
        `${API}:1.4.4`,
        '--tags',
        tags,
        '--json',
      ]);
      const out = JSON.parse(run.stdout);
      expect(out.changes).toEqual([expect.objectContaining({ from: '1.4.2', to: '1.4.3' })]);
      expect(out.decisions[0]).toMatchObject({ outcome: 'update', to: '1.4.3', held: { tag: '1.4.4' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
