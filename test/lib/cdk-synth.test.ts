/**
 * `npx cdk synth` as a user runs it on a fresh clone: no AWS credentials, no Docker, the
 * functions bundled by the local esbuild, cdk-nag validating. One synth for the whole file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, REQUIRE_SHIM } from '../../lib/function-bundling.ts';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'iu-synth-'));
/** Every variable that could give the CLI credentials or a Docker daemon is removed. */
const offline = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(AWS_|CDK_|DOCKER)/.test(k)),
);

let result: { stdout: string; stderr: string };
let template: {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
  >;
};
let bundles: Map<string, string>;

beforeAll(async () => {
  result = await run(
    'npx',
    ['cdk', 'synth', '-c', 'repos=acme/gitops', '-c', 'ecrRepositoryPrefixes=shop/', '-o', outdir, '--quiet'],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...offline,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        DOCKER_HOST: 'unix:///nonexistent.sock',
        // CDK's built-in CloudFormation schema validation only ever warns and takes ~8 s;
        // cdk-nag (which fails the synth) still runs.
        CDK_VALIDATION: 'false',
      },
      timeout: 120_000,
    },
  );
  template = JSON.parse(readFileSync(join(outdir, 'ImageUpdater.template.json'), 'utf8')) as typeof template;
  bundles = new Map();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const asset = r.Metadata?.['aws:asset:path'];
    if (asset) bundles.set(id, join(outdir, asset, 'index.mjs'));
  }
}, 150_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('npx cdk synth on a fresh clone', () => {
  it('succeeds offline, bundling both functions locally, with cdk-nag clean', () => {
    expect(result.stderr).not.toMatch(/docker/i);
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(bundles.size).toBe(2);
  });

  it('builds ESM bundles that load in a fresh Node process', async () => {
    for (const file of bundles.values()) {
      expect(readFileSync(file, 'utf8').startsWith(REQUIRE_SHIM)).toBe(true);
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'eu-west-1',
            WATCHED_REPOS: '[{"repo":"acme/gitops"}]',
            GITHUB_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf',
            GITHUB_AUTH: 'app',
          },
        },
      );
      expect(stdout.trim()).toBe('function');
    }
  });

  it('keeps each function bundle under 1 MB minified (SPEC §10)', () => {
    for (const file of bundles.values()) expect(statSync(file).size).toBeLessThan(1024 * 1024);
  });

  it('ships nothing but the bundle: its entry and the chunks it imports on first use', () => {
    for (const file of bundles.values())
      expect(readdirSync(join(file, '..')).sort()).toEqual(['chunks', 'index.mjs']);
  });
});
