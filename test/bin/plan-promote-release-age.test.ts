/**
 * A promote policy does not inherit `minimumReleaseAge` from `defaults` (what its source runs
 * passed its own age): it promotes, rather than being held for a push time it never has.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const deployment = (ref: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${ref}\n`;

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-plan-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('promote beside defaults.minimumReleaseAge', () => {
  const dir = repo({
    '.image-updater.yaml': `version: 1
defaults:
  minimumReleaseAge: 2d
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
`,
    'dev/api.yaml': deployment(`${API}:1.5.0@sha256:${'d'.repeat(64)}`),
    'staging/api.yaml': deployment(`${API}:1.4.0@sha256:${'0'.repeat(64)}`),
  });

  it('validate accepts the config', async () => {
    expect((await runCli(['validate', '--repo-dir', dir])).code).toBe(0);
  });

  it('either refuses the key beside promote, or promotes: never "held: push time unknown" forever', async () => {
    const run = await runCli(['plan', '--repo-dir', dir, '--promote', 'api-staging']);
    expect(run.stdout).not.toContain('push time unknown');
    expect(run.stdout).toContain('pull request image-updater/api-staging');
  });
});
