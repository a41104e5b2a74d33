/**
 * Hostile tags: strings that try to inject YAML into a manifest, or that fall outside the OCI tag
 * grammar, arriving through every door (a registry event, a normalised push, a registry tag
 * list, a direct apply). None is ever written; the answer says why; each is decided at once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../lambdas/config/load.ts';
import { StandalonePolicySchema } from '../../lambdas/config/policy-schema.ts';
import { resolvePolicy } from '../../lambdas/config/resolve.ts';
import { loadPatternEngine, selectTag } from '../../lambdas/core/tags/index.ts';
import { decodeMessage } from '../../lambdas/adapters/sqs/messages.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import { deployment, ECR, githubEnv, push } from '../support/github-env.ts';
import { runCli } from '../support/cli.ts';
import { MemoryRepo } from '../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    strategy: alphabetical
    files: ["apps/**"]
`;

/** Each would change what a YAML reader sees if it were pasted after `image: …:`. */
export const HOSTILE_TAGS: readonly [string, string][] = [
  ['a newline and a new key', '1.4.3\nimage: evil.example.com/x:1'],
  ['a CRLF and a document end', '1.4.3\r\n...\r\n--- {a: b}'],
  ['a comment', '1.4.3 # ok'],
  ['a flow mapping', '1.4.3: {a: b}'],
  ['quotes', '1.4.3\'"x'],
  ['an anchor', '&a 1.4.3'],
  ['an alias', '*a'],
  ['a tag directive', '!!python/object:os.system'],
  ['a leading dash', '-1.4.3'],
  ['a leading dot', '.1.4.3'],
  ['spaces', '1.4.3 latest'],
  ['a NUL byte', '1.4.3\u0000'],
  ['a template token', '{{policy}}'],
  ['full-width digits', '１.４.３'],
  ['129 characters', `v${'9'.repeat(128)}`],
  ['the empty string', ''],
];

function plan(tags: readonly string[]) {
  const loaded = parseConfig(CONFIG);
  if (!loaded.ok) throw new Error('bad test config');
  const repo = new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) });
  return planUpdates({
    config: loaded.config,
    repo,
    pushes: tags.map((tag) => push(API, tag)),
  });
}

describe('hostile tags never reach a file', () => {
  it.each(HOSTILE_TAGS)('%s: the plan proposes nothing and says no tag is allowed', async (_, tag) => {
    const start = performance.now();
    const result = await plan([tag]);
    expect(result.units).toEqual([]);
    expect(result.decisions[0]).toMatchObject({ outcome: 'no-candidate' });
    expect(result.decisions[0]?.reason).toMatch(/\S/);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('a valid tag next to all of them is the only one chosen', async () => {
    const result = await plan([...HOSTILE_TAGS.map(([, t]) => t), '1.4.9']);
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.4.9' } });
    expect(result.units[0]?.files[0]?.after).toBe(deployment(`${API}:1.4.9`));
  });

  it.each(HOSTILE_TAGS)(
    '%s: as an ECR event it is acknowledged as ignored or malformed, never a push',
    (_, tag) => {
      const decoded = decodeMessage(
        JSON.stringify({
          version: '0',
          id: 'e-1',
          'detail-type': 'ECR Image Action',
          source: 'aws.ecr',
          account: '123456789012',
          time: '2026-01-01T00:00:00Z',
          region: 'eu-west-1',
          resources: [],
          detail: {
            result: 'SUCCESS',
            'repository-name': 'shop/api',
            'action-type': 'PUSH',
            'image-tag': tag,
          },
        }),
      );
      expect(decoded.kind).not.toBe('push');
    },
  );

  it.each(HOSTILE_TAGS)('%s: as a normalised push message it is malformed', (_, tag) => {
    const decoded = decodeMessage(
      JSON.stringify({ kind: 'push', push: { image: API, tag }, source: 'harbor' }),
    );
    expect(decoded).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('tag') });
  });

  it('applied straight to a GitHub repository (past every decoder), nothing is written', async () => {
    const env = await githubEnv({
      '.image-updater.yaml': CONFIG,
      'apps/api.yaml': deployment(`${API}:1.4.2`),
    });
    try {
      const report = await env.apply(HOSTILE_TAGS.map(([, tag]) => push(API, tag)));
      expect(report.units).toEqual([]);
      // Nothing reaches Git: the one write is the dashboard issue saying the push is held.
      expect(env.server.writeCount()).toBe(1);
      expect(env.server.writeCount({ operationId: 'issues/create' })).toBe(1);
      expect(env.server.listPulls('acme', 'gitops', { state: 'all' })).toEqual([]);
      const [dashboard] = env.server.listIssues('acme', 'gitops', { state: 'all' });
      expect(dashboard?.title).toBe('image-updater dashboard');
      // And no hostile tag stands in it as it came: none can add a row, a link or a comment.
      for (const [, tag] of HOSTILE_TAGS.filter(([, t]) => /[\n|<`]/.test(t)))
        expect(dashboard?.body).not.toContain(tag);
      env.server.assertNoViolations();
    } finally {
      await env.close();
    }
  });

  it('from a registry tag list (reconcile), none is chosen: only the valid tag beside them', async () => {
    const loaded = parseConfig(CONFIG);
    if (!loaded.ok) throw new Error('bad test config');
    const result = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) }),
      tagLists: new Map([[API, [...HOSTILE_TAGS.map(([, tag]) => ({ tag })), { tag: '1.4.9' }]]]),
    });
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.4.9' } });
    expect(result.units[0]?.files[0]?.after).toBe(deployment(`${API}:1.4.9`));
  });
});

/**
 * The classic catastrophic-backtracking patterns, each with an OCI-valid 128-character tag that
 * makes a backtracking engine take exponential (or high-polynomial) time, a 10,000-character tag
 * outside the grammar, and a tag that matches. The pattern engine is RE2 (linear in the tag) and
 * the grammar runs first, so each is answered at once: the test's timeout is the guard.
 */
const REDOS: readonly [pattern: string, hostile: string, matching: string][] = [
  ['^(a+)+$', `${'a'.repeat(127)}-`, 'aaa'],
  ['(a|a)*b', 'a'.repeat(128), 'ab'],
  ['(a|aa)+$', `${'a'.repeat(127)}-`, 'aa'],
  ['^(\\w+\\s?)*$', `${'a'.repeat(127)}-`, 'abc'],
  ['(.*a){12}', `${'a'.repeat(11)}${'x'.repeat(117)}`, 'a'.repeat(12)],
];
const LONG = (hostile: string) => hostile.repeat(Math.ceil(10_000 / hostile.length)).slice(0, 10_000);

describe('user patterns run in linear time, whatever the tag', () => {
  it.each(REDOS)(
    '%s: selectTag turns the hostile tags away and chooses the matching one',
    async (pattern, hostile, matching) => {
      await loadPatternEngine();
      const policy = resolvePolicy(
        StandalonePolicySchema.parse({ strategy: 'alphabetical', tags: { pattern } }),
      );
      const result = selectTag(
        policy,
        [hostile, LONG(hostile), matching].map((tag) => ({ tag })),
      );
      expect(result.chosen?.tag).toBe(matching);
      expect(result.rejected).toEqual([
        { tag: hostile, reason: 'pattern-mismatch' },
        { tag: LONG(hostile), reason: 'invalid-oci-tag' },
      ]);
    },
  );

  it.each(REDOS)(
    '%s: plan over a tag list holding the hostile tags proposes the matching one',
    async (pattern, hostile, matching) => {
      const loaded = await loadConfig(`${CONFIG}    tags:\n      pattern: '${pattern}'\n`);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      const result = await planUpdates({
        config: loaded.config,
        repo: new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) }),
        tagLists: new Map([[API, [hostile, LONG(hostile), matching].map((tag) => ({ tag }))]]),
      });
      expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: matching } });
    },
  );

  it.each(REDOS)(
    '%s: the select CLI, as a process, prints the matching tag',
    async (pattern, hostile, matching) => {
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [
          'bin/image-updater.mjs',
          'select',
          '--policy',
          JSON.stringify({ strategy: 'alphabetical', tags: { pattern } }),
          '--tags',
          '-',
        ]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => done({ code, stdout, stderr }));
        child.stdin.end(`${hostile}\n${LONG(hostile)}\n${matching}\n`);
      });
      expect(run).toEqual({ code: 0, stdout: `${matching}\n`, stderr: '' });
    },
  );
});

/**
 * `tags.ignore` globs with many stars: as a backtracking RegExp, `*a*a*a*a*a*b` takes seconds on
 * a 128-character tag of `a`s (the cost grows as the length to the power of the stars). Globs
 * like these run on RE2, linear in the tag: the test's timeout is the guard.
 */
const STARRY: readonly [glob: string, ignoredToo: string][] = [
  ['*a*a*a*a*a*b', 'xaaaaab'],
  ['*a*a*a*a*a*a*a*b', 'aaaaaaab'],
];
const AAA_C = `${'a'.repeat(127)}c`;
const AAAA = 'a'.repeat(128);

function selectProcess(policy: unknown, stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [
      'bin/image-updater.mjs',
      'select',
      '--policy',
      JSON.stringify(policy),
      '--tags',
      '-',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('tags.ignore globs run in linear time, whatever the tag', () => {
  it.each(STARRY)(
    '%s: selectTag keeps the 128-character tags it does not match and ignores the one it does',
    async (glob, ignoredToo) => {
      await loadPatternEngine();
      const policy = resolvePolicy(
        StandalonePolicySchema.parse({ strategy: 'alphabetical', tags: { ignore: [glob] } }),
      );
      const result = selectTag(
        policy,
        [AAA_C, AAAA, ignoredToo].map((tag) => ({ tag })),
      );
      expect(result.chosen?.tag).toBe(AAA_C);
      expect(result.rejected).toEqual(
        expect.arrayContaining([
          { tag: AAAA, reason: 'not-greatest' },
          { tag: ignoredToo, reason: 'ignored' },
        ]),
      );
      expect(result.rejected).toHaveLength(2);
    },
  );

  it.each(STARRY)('%s: plan over a tag list of such tags proposes the greatest', async (glob) => {
    const loaded = await loadConfig(`${CONFIG}    tags:\n      ignore: ['${glob}']\n`);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const result = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) }),
      tagLists: new Map([[API, [AAAA, AAA_C].map((tag) => ({ tag }))]]),
    });
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: AAA_C } });
  });

  it.each(STARRY)(
    '%s: the select CLI, as a process, prints the tag it does not ignore',
    async (glob, ignoredToo) => {
      const run = await selectProcess(
        { strategy: 'alphabetical', tags: { ignore: [glob] } },
        `${AAAA}\n${AAA_C}\n${ignoredToo}\n`,
      );
      expect(run).toEqual({ code: 0, stdout: `${AAA_C}\n`, stderr: '' });
    },
  );
});

describe('a config nested absurdly deep', () => {
  it.each([
    ['10,000 "["', `version: 1\npolicies: ${'['.repeat(10_000)}\n`, '2:138'],
    ['5,000 "- "', `version: 1\npolicies:\n${'- '.repeat(5000)}x\n`, '3:254'],
  ])('%s: validate exits 1 naming the line and column where the limit is passed', async (_, text, at) => {
    const dir = mkdtempSync(join(tmpdir(), 'iu-deep-'));
    try {
      writeFileSync(join(dir, '.image-updater.yaml'), text);
      const run = await runCli(['validate'], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(`.image-updater.yaml:${at}: YAML nesting deeper than 128 levels\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('patterns and globs too long or nested too deep are refused before anything compiles them', () => {
  const nested = (depth: number) => `${'{'.repeat(depth)}a${'}'.repeat(depth)}`;
  // Before the bounds: picomatch's parse of 20,000 nested braces alone took minutes.
  it.each([
    [
      'tags.ignore, 20,000 nested braces',
      `    tags:\n      ignore: ["${nested(20_000)}"]\n`,
      'tags.ignore[0]',
      'longer than 256 characters',
    ],
    [
      'tags.ignore, 9 nested braces',
      `    tags:\n      ignore: ["${nested(9)}"]\n`,
      'tags.ignore[0]',
      'braces nested deeper than 8 levels',
    ],
    ['tags.ignore, an empty glob', `    tags:\n      ignore: [""]\n`, 'tags.ignore[0]', 'must not be empty'],
    [
      'tags.pattern, 3,000 nested groups',
      `    tags:\n      pattern: "${'('.repeat(3000)}a${')'.repeat(3000)}"\n`,
      'tags.pattern',
      'longer than 1,024 characters (a tag has at most 128)',
    ],
    ['tags.pattern, empty', `    tags:\n      pattern: ""\n`, 'tags.pattern', 'must not be empty'],
  ])('%s', async (_what, tags, path, message) => {
    const loaded = await loadConfig(`${CONFIG.replace('    files: ["apps/**"]\n', '')}${tags}`);
    expect(loaded.ok).toBe(false);
    const issues = loaded.ok ? [] : loaded.issues.filter((i) => i.path.endsWith(path));
    // One problem, the bound: the over-long text is not also compiled and reported on.
    expect(issues.map((i) => i.message)).toEqual([message]);
  });

  it('files, 20,000 nested braces: refused by length alone', async () => {
    const loaded = await loadConfig(CONFIG.replace('["apps/**"]', `["${nested(20_000)}"]`));
    expect(loaded.ok ? [] : loaded.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'policies[0].files[0]: longer than 1,024 characters',
    ]);
  });

  it('bounds a real config never meets: 8 nested braces and 256-character globs still work', async () => {
    const glob = `${'{'.repeat(8)}x${'}'.repeat(8)}-${'a'.repeat(200)}*`;
    const loaded = await loadConfig(
      `${CONFIG}    tags:\n      ignore: ["${glob}"]\n      pattern: "^${'a'.repeat(1000)}$"\n`,
    );
    expect(loaded.ok ? 'valid' : loaded.issues).toBe('valid');
  });
});
