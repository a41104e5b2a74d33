/**
 * bin/app.ts as the CDK CLI runs it: context in `CDK_CONTEXT_JSON`, and the CLI's default
 * environment in `CDK_DEFAULT_*` (`us-east-1` when nothing is configured). Bundling is off;
 * test/lib/cdk-synth.test.ts covers it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/function-bundling.ts';
import { NO_BUNDLING } from '../support/cdk.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function app(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'iu-app-'));
  dirs.push(outdir);
  const child = run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...NO_BUNDLING, ...context }),
      ...env,
    },
    timeout: 60_000,
  });
  try {
    const { stderr } = await child;
    return { code: 0, stderr, outdir };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, outdir };
  }
}

// Each test synthesises in a process of its own (tsx, cdk-nag): ~10 s alone, more on a loaded machine.
describe('bin/app.ts', { timeout: 90_000 }, () => {
  it('is environment-agnostic even when the CLI passes its default region and account', async () => {
    const { code, outdir, stderr } = await app(
      { repos: 'acme/gitops', repo: 'acme/typo' },
      { CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '111122223333' },
    );
    expect(code).toBe(0);
    // A typo'd key is said, not silently ignored (a warning: cdk.json may carry the user's own keys).
    expect(stderr).toContain(
      'image-updater: context repo is not a key image-updater reads (did you mean repos?); ignored',
    );
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { environment?: string }>;
    };
    expect(manifest.artifacts.ImageUpdater?.environment).toBe('aws://unknown-account/unknown-region');
    const template = readFileSync(join(outdir, 'ImageUpdater.template.json'), 'utf8');
    expect(template).not.toContain('us-east-1');
    expect(template).not.toContain('111122223333');
    const rule = Object.values(
      (
        JSON.parse(template) as {
          Resources: Record<string, { Type: string; Properties: { EventPattern?: Record<string, unknown> } }>;
        }
      ).Resources,
    ).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern);
    expect(rule?.Properties.EventPattern?.region).toEqual([{ Ref: 'AWS::Region' }]);
    expect(rule?.Properties.EventPattern?.account).toEqual([{ Ref: 'AWS::AccountId' }]);
  });

  it('is pinned only by -c account= and -c region=', async () => {
    const { code, outdir } = await app({
      repos: 'acme/gitops',
      account: '111122223333',
      region: 'eu-west-1',
    });
    expect(code).toBe(0);
    const manifest = readFileSync(join(outdir, 'manifest.json'), 'utf8');
    expect(manifest).toContain('aws://111122223333/eu-west-1');
  });

  it.each([
    [
      { batchSize: 'abc' },
      'image-updater: context batchSize: expected a whole number from 1 to 10000, got abc',
    ],
    [
      { repos: 'not-a-repo' },
      'image-updater: context repos: "not-a-repo" is not "owner/name[:configPath]" or {"repo": "owner/name", "configPath": "…"}',
    ],
    [{ stackName: 'bad_name!' }, /^image-updater: context stackName: expected a CloudFormation stack name/],
    [
      { reconcileSchedule: 'rate(0 minutes)' },
      'image-updater: context reconcileSchedule: a rate needs a value of at least 1, got rate(0 minutes)',
    ],
    [
      { maxConcurrency: '0' },
      'image-updater: context maxConcurrency: expected a whole number from 2 to 1000, got 0',
    ],
    [
      { webhookAllowedImages: 'ghcr.io/acme', region: 'eu-south-2' },
      /^image-updater: webhook: Lambda function URLs do not exist in eu-south-2; choose the HTTP API front door/,
    ],
  ])('refuses %j with one line naming the key and the accepted form', async (context, message) => {
    const { code, stderr } = await app({ repos: 'acme/gitops', ...context });
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    if (typeof message === 'string') expect(lines[0]).toBe(message);
    else expect(lines[0]).toMatch(message);
  });
});
