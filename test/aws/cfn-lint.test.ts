/**
 * CloudFormation's own linter on the synthesised templates, for every supported region: what
 * `cdk synth` and cdk-nag cannot know (a resource type missing in a region, a property value
 * the service rejects) fails here instead of in a user's first deploy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ImageUpdaterStackProps } from '../../lib/image-updater-stack.ts';
import { REGIONS_WITHOUT_FUNCTION_URLS, SUPPORTED_REGIONS } from '../../lib/regions.ts';
import { removeTestOutdirs, stackTemplate } from '../support/cdk.ts';
import { describeWithTools, probe } from './support/tools.ts';

const run = promisify(execFile);
const CFN_LINT = probe('cfn-lint', 'cfn-lint', ['--version']);

/** Regions of the other partitions: every variant except the function URL must lint there. */
const OTHER_PARTITIONS = ['cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1'];
const URL_REGIONS = SUPPORTED_REGIONS.filter(
  (r) => !(REGIONS_WITHOUT_FUNCTION_URLS as readonly string[]).includes(r),
);
const EVERYWHERE = [...SUPPORTED_REGIONS, ...OTHER_PARTITIONS];

/** Findings below error level that are accepted, each with the reason. */
const IGNORED: Record<string, string> = {
  W3005:
    'The CDK adds DependsOn from each function to its role and default policy, so the policy exists before the first invocation; the role is also referenced by GetAtt, which cfn-lint reports as redundant. Harmless.',
};

const VARIANTS: Record<string, { props: Partial<ImageUpdaterStackProps>; regions: readonly string[] }> = {
  default: { props: {}, regions: EVERYWHERE },
  'webhook, function URL': { props: { webhookAllowedImages: ['ghcr.io/acme'] }, regions: URL_REGIONS },
  'webhook, HTTP API': {
    props: {
      webhookAllowedImages: ['ghcr.io/acme'],
      webhookFrontDoor: 'http-api',
      webhookReservedConcurrency: 5,
    },
    regions: EVERYWHERE,
  },
  'cross-account, imported KMS-encrypted secrets, alarm topic': {
    props: {
      ecrAccounts: ['111122223333', '444455556666'],
      ecrRegions: ['eu-west-1', 'us-east-1'],
      ecrRepositoryPrefixes: ['shop/'],
      githubSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gh-AbCdEf',
      registryCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:reg-AbCdEf',
      secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0d1f2e3c-aaaa-bbbb-cccc-123456789012',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
    },
    regions: EVERYWHERE,
  },
};

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
}

describeWithTools('cfn-lint on the synthesised templates', [CFN_LINT], 'pip install cfn-lint==1.51.0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iu-cfn-lint-'));
  const findings = new Map<string, Finding[]>();

  beforeAll(async () => {
    // Each variant is synthesised once and linted for all its regions in one cfn-lint run.
    await Promise.all(
      Object.entries(VARIANTS).map(async ([name, { props, regions }], i) => {
        const file = join(dir, `variant-${i}.json`);
        writeFileSync(file, JSON.stringify(stackTemplate(props).toJSON()));
        const result = await run('cfn-lint', ['--format', 'json', '--regions', ...regions, '--', file], {
          maxBuffer: 64 * 1024 * 1024,
        }).catch((error: { stdout?: string; code?: number }) => {
          // cfn-lint exits non-zero for any finding; the findings are on stdout either way.
          if (error.stdout === undefined || typeof error.code !== 'number') throw error;
          return { stdout: error.stdout };
        });
        findings.set(name, JSON.parse(result.stdout || '[]') as Finding[]);
      }),
    );
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeTestOutdirs();
  });

  it(`runs ${CFN_LINT.version || 'cfn-lint'}`, () => {
    expect(CFN_LINT.version).toMatch(/cfn-lint 1\./);
  });

  it.each(Object.keys(VARIANTS))('%s: no error in any supported region, only the listed warnings', (name) => {
    const found = findings.get(name) ?? [];
    expect(found.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
    expect(found.filter((f) => !(f.Rule.Id in IGNORED)).map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  });

  it('would catch a function URL in a region without them (the check is live)', async () => {
    const file = join(dir, 'url-everywhere.json');
    writeFileSync(file, JSON.stringify(stackTemplate({ webhookAllowedImages: ['ghcr.io/acme'] }).toJSON()));
    const { stdout } = await run('cfn-lint', [
      '--format',
      'json',
      '--regions',
      'eu-south-2',
      '--',
      file,
    ]).catch((error: { stdout: string }) => error);
    expect((JSON.parse(stdout) as Finding[]).map((f) => f.Rule.Id)).toContain('E3006');
  });
});
