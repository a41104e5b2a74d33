/**
 * `select` with the new keys: with minimumReleaseAge every tag is accounted for in `--json` (the
 * ones too young rejected as such); with verify, it says signatures are not checked here.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const old = new Date(Date.now() - 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
const young = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
const TAGS = `1.4.0 ${old}\n1.5.0\n1.6.0 ${young}\n`;

describe('select with minimumReleaseAge and verify', () => {
  it('--json accounts for every tag: the held ones are rejected (or held) with their reason', async () => {
    const run = await runCli(['select', '--policy', '{"minimumReleaseAge":"2d"}', '--tags', '-', '--json'], {
      stdin: TAGS,
    });
    const out = JSON.parse(run.stdout) as {
      considered: number;
      rejected: { tag: string }[];
      held?: { tag: string };
    };
    expect(out.considered).toBe(3);
    const accounted = new Set([...out.rejected.map((r) => r.tag), out.held?.tag, 'chosen:1.4.0']);
    expect(accounted.has('1.5.0')).toBe(true);
  });

  it('with verify, does not present an unchecked tag as simply chosen', async () => {
    const policy = JSON.stringify({
      verify: { cosign: { key: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cosign-AbCdEf' } },
    });
    const run = await runCli(['select', '--policy', policy, '--tags', '-'], { stdin: '1.4.0\n' });
    expect(run.stderr).toMatch(/signature|verify|not-checked/);
  });
});
