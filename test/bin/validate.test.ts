import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-validate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('image-updater validate', () => {
  it('exits 0 for a valid config in the working directory', async () => {
    const cwd = dirWith({ '.image-updater.yaml': 'version: 1\npolicies:\n  - {name: a, image: nginx}\n' });
    const run = await runCli(['validate'], { cwd });
    expect(run).toMatchObject({ code: 0, stdout: '.image-updater.yaml: valid (1 policy)\n' });
  });

  it('exits 1 and prints file:line:column for each problem', async () => {
    const cwd = dirWith({
      'c.yaml': 'version: 1\npolicies:\n  - name: a\n    image: nginx\n    colour: blue\n',
    });
    const run = await runCli(['validate', '--config', 'c.yaml'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('c.yaml:5:5: policies[0].colour: unknown key\n');
  });

  it('exits 2 with one line when the file is missing', async () => {
    const run = await runCli(['validate', '--config', 'nope.yaml'], { cwd: dirWith({}) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('image-updater validate: cannot read nope.yaml: ENOENT\n');
  });

  it('exits 2 on an unknown flag, without a stack trace', async () => {
    const run = await runCli(['validate', '--frobnicate'], { cwd: dirWith({}) });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('validates the shipped example environment repository', async () => {
    const run = await runCli(['validate', '--config', 'examples/gitops/.image-updater.yaml']);
    expect(run.code).toBe(0);
  });
});

describe('image-updater validate --repo-dir', () => {
  const EXAMPLE = 'examples/gitops';
  /** The example with api-prod following every overlay: dev's kustomization is both policies'. */
  function overlapping(): string {
    const dir = mkdtempSync(join(tmpdir(), 'iu-validate-repo-'));
    cpSync(EXAMPLE, dir, { recursive: true });
    const config = join(dir, '.image-updater.yaml');
    const text = readFileSync(config, 'utf8');
    writeFileSync(
      config,
      text.replace('files: ["apps/api/overlays/prod/**"]', 'files: ["apps/api/overlays/**"]'),
    );
    return dir;
  }

  it('exits 0 for the shipped example, references included', async () => {
    const run = await runCli(['validate', '--repo-dir', EXAMPLE]);
    expect(run).toMatchObject({
      code: 0,
      stdout: '.image-updater.yaml and its references: valid (4 policies)\n',
    });
  });

  it('exits 1 naming both policies, each with line and column, and the reference', async () => {
    const run = await runCli(['validate', '--repo-dir', overlapping()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      '.image-updater.yaml:16:5: policies[1]: policies "api-dev" (9:5) and "api-prod" (16:5) would both edit ' +
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api at apps/api/overlays/dev/kustomization.yaml:8: ' +
        'narrow their files, or name one in a marker comment\n',
    );
  });

  it('plan refuses the same config, before planning anything', async () => {
    const dir = overlapping();
    const run = await runCli([
      'plan',
      '--repo-dir',
      dir,
      '--write',
      '--push',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1.4.9',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/would both edit .* at apps\/api\/overlays\/dev\/kustomization.yaml:8/);
    expect(readFileSync(join(dir, 'apps/api/overlays/dev/kustomization.yaml'), 'utf8')).toBe(
      readFileSync(join(EXAMPLE, 'apps/api/overlays/dev/kustomization.yaml'), 'utf8'),
    );
  });

  it('lists a schema error as validate --config does', async () => {
    const dir = dirWith({
      '.image-updater.yaml': 'version: 1\npolicies:\n  - {name: a, image: nginx, colour: blue}\n',
    });
    const run = await runCli(['validate', '--repo-dir', dir]);
    expect(run).toMatchObject({
      code: 1,
      stdout: '.image-updater.yaml:3:29: policies[0].colour: unknown key\n',
    });
  });

  it.each([
    ['no such directory', ['--repo-dir', 'nope'], /--repo-dir nope: no such directory/],
    ['a config outside it', ['--repo-dir', '.', '--config', '../c.yaml'], /not a path inside --repo-dir/],
    ['no config in it', ['--repo-dir', '.', '--config', 'missing.yaml'], /no missing.yaml in \./],
  ])('exits 2 on %s, in one line', async (_case, args, message) => {
    const run = await runCli(['validate', ...args], { cwd: dirWith({}) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
