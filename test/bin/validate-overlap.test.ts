/**
 * Review of issue 16 part 2: `validate --repo-dir` must reject what the worker rejects.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { deployment, ECR, githubEnvPerTest, push } from '../support/github-env.ts';

const API = `${ECR}/shop/api`;
const githubEnvFor = githubEnvPerTest();

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-validate-review-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('validate --repo-dir and the worker agree on overlap', () => {
  // One policy names the default branch explicitly; the other inherits it. Same files, same image.
  const FILES = {
    '.image-updater.yaml': `version: 1
policies:
  - name: api-a
    image: ${API}
  - name: api-b
    image: ${API}
    baseBranch: main
`,
    'apps/deploy.yaml': deployment(`${API}:1.0.0`),
  };

  it('the worker calls it invalid, and so does validate', async () => {
    const env = await githubEnvFor(FILES);
    const report = await env.apply([push(API, '1.3.0')]);
    expect(report.outcome).toBe('config-invalid');

    const run = await runCli(['validate', '--repo-dir', dirWith(FILES)]);
    // The default branch is `main` unless --default-branch says otherwise.
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/"api-a" \(3:5\) and "api-b" \(5:5\) would both edit/);
  });
});

describe('validate --default-branch', () => {
  it('names the branch GitHub calls the default: policies on another branch do not overlap', async () => {
    const files = {
      '.image-updater.yaml': `version: 1
policies:
  - name: api-a
    image: ${API}
  - name: api-b
    image: ${API}
    baseBranch: main
`,
      'apps/deploy.yaml': deployment(`${API}:1.0.0`),
    };
    const run = await runCli(['validate', '--repo-dir', dirWith(files), '--default-branch', 'trunk']);
    expect(run.code).toBe(0);
  });
});
