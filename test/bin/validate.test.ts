import { mkdtempSync, writeFileSync } from 'node:fs';
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
