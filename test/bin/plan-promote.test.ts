/** `plan --promote POLICY`: what a promote policy would propose now, from its source's files. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const DIGEST = `sha256:${'d'.repeat(64)}`;

const deployment = (ref: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${ref}\n`;

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-plan-promote-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const CONFIG = `version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
`;

describe('image-updater plan --promote', () => {
  const dir = repo({
    '.image-updater.yaml': CONFIG,
    'dev/api.yaml': deployment(`${API}:1.5.0@${DIGEST}`),
    'staging/api.yaml': deployment(`${API}:1.4.0@sha256:${'0'.repeat(64)}`),
  });

  it('prints the diff and the pull request the promotion would make now', async () => {
    const run = await runCli(['plan', '--repo-dir', dir, '--promote', 'api-staging']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `-          image: ${API}:1.4.0@sha256:${'0'.repeat(64)}\n+          image: ${API}:1.5.0@${DIGEST}\n`,
    );
    expect(run.stdout).toContain(
      'Promotion of api-staging (follows api-dev):\n  api-staging: update (follows "api-dev" on main (1.5.0@',
    );
    expect(run.stdout).toContain(
      'pull request image-updater/api-staging: chore(images): update api-staging to 1.5.0',
    );
  });

  it('--json: the changes, the PR and what the source runs', async () => {
    const run = await runCli(['plan', '--repo-dir', dir, '--promote', 'api-staging', '--json']);
    const out = JSON.parse(run.stdout);
    expect(out.changes).toEqual([
      {
        policy: 'api-staging',
        file: 'staging/api.yaml',
        line: 10,
        image: API,
        from: `1.4.0@sha256:${'0'.repeat(64)}`,
        to: `1.5.0@${DIGEST}`,
      },
    ]);
    expect(out.pullRequests).toEqual([expect.objectContaining({ branch: 'image-updater/api-staging' })]);
    expect(out.promotions).toEqual([
      {
        policy: 'api-staging',
        from: 'api-dev',
        baseBranch: 'main',
        tag: '1.5.0',
        digest: DIGEST,
        at: 'dev/api.yaml:10',
      },
    ]);
  });

  it.each([
    [['--promote', 'api-qa'], '--promote "api-qa": no such policy in .image-updater.yaml'],
    [
      ['--promote', 'api-dev'],
      '--promote api-dev: the policy follows the registry, not another policy (plan it with --push)',
    ],
    [['--promote', 'api-staging', '--push', `${API}:1.5.0`], '--push and --promote: give one of them'],
    [['--promote', 'api-staging', '--tags', '-'], '--tags does not apply to --promote'],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const run = await runCli(['plan', '--repo-dir', dir, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('validate reports a promotion from an unknown policy with its line and column', async () => {
    const bad = repo({ '.image-updater.yaml': CONFIG.replace('from: api-dev', 'from: api-qa') });
    const run = await runCli(['validate', '--config', join(bad, '.image-updater.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /\.image-updater\.yaml:8:22: policies\[1\]\.promote\.from: unknown policy "api-qa"/,
    );
  });
});
