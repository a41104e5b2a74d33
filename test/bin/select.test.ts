import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iu-select-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SEMVER = '{"strategy":"semver","range":"^1.2.0"}';
const TAGS = '1.2.0\n1.3.0\n2.0.0\n1.3.1-rc.1\n';

describe('image-updater select', () => {
  it('prints the chosen tag and exits 0', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-'], { stdin: TAGS });
    expect(run).toEqual({ code: 0, stdout: '1.3.0\n', stderr: '' });
  });

  it('reads the policy and the tags from files, as YAML too, skipping comments and blank lines', async () => {
    const cwd = dirWith({
      'policy.yaml':
        'name: api\nimage: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api\nstrategy: semver\nrange: "~1.4"\n',
      'tags.txt': '# from DescribeImages\n\n1.4.0\n  1.4.7  \n1.5.0\nlatest\n',
    });
    const run = await runCli(['select', '--policy', '@policy.yaml', '--tags', 'tags.txt'], { cwd });
    expect(run).toEqual({ code: 0, stdout: '1.4.7\n', stderr: '' });
  });

  it('never goes below --current: exit 1, nothing on stdout, the reason on stderr', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-', '--current', '1.3.0'], {
      stdin: TAGS,
    });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'image-updater select: 1.3.0 is already the greatest allowed tag\n',
    });
  });

  it('exits 1 with a summary when no tag is allowed', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-'], { stdin: 'latest\n2.0.0\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'image-updater select: none of 2 tags is allowed (1 not-a-version, 1 out-of-range)\n',
    );
  });

  it('--json gives the choice, the count and every rejection with its reason', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-', '--json'], {
      stdin:
        '1.2.0\n1.3.0 2026-02-01T10:00:00Z sha256:' +
        'c'.repeat(64) +
        '\n2.0.0\nsha256-' +
        'd'.repeat(64) +
        '.sig\n',
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      chosen: '1.3.0',
      digest: `sha256:${'c'.repeat(64)}`,
      pushedAt: '2026-02-01T10:00:00Z',
      updateType: 'other',
      outcome: 'chosen',
      reason: '1.3.0: the greatest allowed tag',
      best: '1.3.0',
      considered: 4,
      rejected: [
        { tag: '2.0.0', reason: 'out-of-range' },
        { tag: `sha256-${'d'.repeat(64)}.sig`, reason: 'referrer-tag' },
        { tag: '1.2.0', reason: 'not-greatest' },
      ],
    });
  });

  it('--json still prints the JSON when nothing is chosen, with exit 1', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-', '--json', '--current', '1.3.0'], {
      stdin: TAGS,
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      chosen: null,
      outcome: 'up-to-date',
      current: '1.3.0',
      currentOrderable: true,
    });
  });

  it('follows a digest: prints tag@digest, and --current takes TAG@DIGEST', async () => {
    const policy = '{"strategy":"digest","track":"main","pin":"tag+digest"}';
    const stdin = `main ${DIGEST_B}\nv1.0.0 ${DIGEST_A}\n`;
    const moved = await runCli(
      ['select', '--policy', policy, '--tags', '-', '--current', `main@${DIGEST_A}`],
      { stdin },
    );
    expect(moved).toEqual({ code: 0, stdout: `main@${DIGEST_B}\n`, stderr: '' });
    const same = await runCli(
      ['select', '--policy', policy, '--tags', '-', '--current', `main@${DIGEST_B}`],
      { stdin },
    );
    expect(same.code).toBe(1);
  });

  it('newest orders by the push times in the list', async () => {
    const run = await runCli(['select', '--policy', '{"strategy":"newest"}', '--tags', '-'], {
      stdin: 'main-a 2026-02-01T10:00:00Z\nmain-b 2026-02-01T10:30:00+01:00\nmain-c\n',
    });
    expect(run.stdout).toBe('main-a\n');
  });

  it.each([
    [['--tags', '-'], '--policy JSON|@file is required'],
    [['--policy', SEMVER], '--tags FILE|- is required (one tag per line)'],
    [
      ['--policy', '{"strategy":', '--tags', '-'],
      '--policy: not JSON or YAML: YAML syntax: Flow map must end with a } (line 1, column 13)',
    ],
    [
      ['--policy', '{"strategy":"semver","colour":"blue"}', '--tags', '-'],
      '--policy: Unrecognized key: "colour"',
    ],
    [
      ['--policy', '{"range":"not a range"}', '--tags', '-'],
      '--policy: range: not a valid node-semver range',
    ],
    [
      ['--policy', '{"strategy":"calver"}', '--tags', '-'],
      '--policy: layout: strategy calver needs a layout, e.g. YYYY.0M.0D',
    ],
    [['--policy', '@missing.json', '--tags', '-'], '--policy: cannot read missing.json: ENOENT'],
    [['--policy', SEMVER, '--tags', 'missing.txt'], '--tags: cannot read missing.txt: ENOENT'],
    [['--policy', SEMVER, '--tags', '-', '--current', '../x'], '--current: "../x" is not a valid OCI tag'],
    [
      ['--policy', SEMVER, '--tags', '-', '--current', '1.0.0@sha256:zz'],
      '--current: "sha256:zz" is not a digest (sha256:<64 hex>)',
    ],
    [['--policy', SEMVER, '--tags', '-', '--frobnicate'], "unknown option '--frobnicate'"],
    [
      ['--policy', `strategy: semver\nx: ${'['.repeat(5000)}`, '--tags', '-'],
      '--policy: not JSON or YAML: YAML nesting deeper than 128 levels (line 2, column 131)',
    ],
    [
      ['--policy', SEMVER, '--tags', '-', '--tags', 'other.txt'],
      '--tags is given more than once; give it once',
    ],
    [['--policy', ' ', '--tags', '-'], '--policy: empty; expected one policies entry as JSON or YAML'],
  ])('exits 2 with one line on stderr: %j', async (args, message) => {
    const run = await runCli(['select', ...args], { cwd: dirWith({}), stdin: TAGS });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain(`image-updater select: ${message}`);
  });

  it('exits 2 when a line of the tag list carries something that is neither a time nor a digest', async () => {
    const run = await runCli(['select', '--policy', SEMVER, '--tags', '-'], {
      stdin: '1.0.0\n1.1.0 yesterday\n',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^image-updater select: stdin:2: /);
  });

  it('runs as a real process: node bin/image-updater.mjs select … --tags - prints 1.3.0', () => {
    const run = spawnSync(
      process.execPath,
      [
        'bin/image-updater.mjs',
        'select',
        '--policy',
        '{"strategy":"semver","range":"^1.2.0"}',
        '--tags',
        '-',
      ],
      { input: '1.2.0\n1.3.0\n2.0.0\n1.3.1-rc.1\n', encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('1.3.0\n');
    expect(run.status).toBe(0);
  });
});

describe('image-updater select with minimumReleaseAge', () => {
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  const policy = JSON.stringify({ strategy: 'semver', minimumReleaseAge: { patch: '4h' } });

  it('chooses the newest tag old enough and names the newer one held, with until when', async () => {
    const stdin = `1.0.1 ${hoursAgo(5)}\n1.0.2 ${hoursAgo(1)}\n`;
    const run = await runCli(['select', '--policy', policy, '--tags', '-', '--current', '1.0.0', '--json'], {
      stdin,
    });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.chosen).toBe('1.0.1');
    expect(out.held).toMatchObject({
      tag: '1.0.2',
      reason: expect.stringMatching(/minimumReleaseAge 4h \(patch\)/),
    });
    expect(Date.parse(out.held.until) - Date.now()).toBeGreaterThan(2.9 * 3_600_000);
  });

  it('exits 1 and says why when every candidate is too young or has no push time', async () => {
    const young = await runCli(['select', '--policy', policy, '--tags', '-', '--current', '1.0.0'], {
      stdin: `1.0.1 ${hoursAgo(1)}\n`,
    });
    expect(young.code).toBe(1);
    expect(young.stderr).toMatch(
      /^image-updater select: held: 1\.0\.1: pushed at \S+Z, minimumReleaseAge 4h \(patch\): due at \S+Z\n$/,
    );
    const unknown = await runCli(['select', '--policy', policy, '--tags', '-', '--current', '1.0.0'], {
      stdin: '1.0.1\n',
    });
    expect(unknown.stderr).toContain('held: 1.0.1: push time unknown');
  });
});
