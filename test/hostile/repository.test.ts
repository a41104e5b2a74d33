/**
 * A hostile environment repository or config: globs that climb out with `..`, absolute globs,
 * symbolic links (to files and directories outside the checkout, or in a hosted tree), hard
 * links to files outside, more files than a shell's `ulimit -n`, a 10 MB YAML file, YAML nested
 * thousands deep, alias bombs. Each is refused with a clear message,
 * nothing outside the repository is read or written, the other files still update, and each
 * finishes in bounded time.
 */
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import { CLI_BUNDLE, runCli } from '../support/cli.ts';
import { createTestOctokit } from '@image-updater/github-test-server';
import { deployment, ECR, githubEnv, OWNER, push, REPO } from '../support/github-env.ts';
import { MemoryRepo } from '../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const config = (files = '["apps/**"]') => `version: 1
policies:
  - name: api
    image: ${API}
    files: ${files}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'iu-hostile-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const within = async <T>(ms: number, run: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  const result = await run();
  expect(performance.now() - start).toBeLessThan(ms);
  return result;
};

describe('config globs that leave the repository', () => {
  it.each([
    ['a parent directory', '["../**"]'],
    ['a parent inside the path', '["apps/../../etc/*.yaml"]'],
    ['an absolute path', '["/etc/**"]'],
  ])('%s is a config error with line and column, and changes nothing', (_, files) => {
    const loaded = parseConfig(config(files));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.issues[0]).toMatchObject({ line: 5, path: 'policies[0].files[0]' });
    expect(loaded.issues[0]?.message).toMatch(/\.\.|relative to the repository/i);
  });

  it('the plan CLI refuses such a config and writes nothing', async () => {
    const root = tree({
      '.image-updater.yaml': config('["../**"]'),
      'apps/api.yaml': deployment(`${API}:1.4.2`),
    });
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.image-updater\.yaml:5:\d+/);
    expect(readFileSync(join(root, 'apps/api.yaml'), 'utf8')).toBe(deployment(`${API}:1.4.2`));
  });
});

describe('symbolic links', () => {
  it('in a checkout: links to a file and to a directory outside are neither read nor written', async () => {
    const outside = tree({
      'secret.yaml': deployment(`${API}:0.0.1`),
      'dir/app.yaml': deployment(`${API}:0.0.1`),
    });
    const root = tree({ '.image-updater.yaml': config(), 'apps/api.yaml': deployment(`${API}:1.4.2`) });
    symlinkSync(join(outside, 'secret.yaml'), join(root, 'apps/link.yaml'));
    symlinkSync(join(outside, 'dir'), join(root, 'apps/linked-dir'));
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write', '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { changes: { file: string }[] };
    expect(plan.changes.map((c) => c.file)).toEqual(['apps/api.yaml']);
    expect(readFileSync(join(root, 'apps/api.yaml'), 'utf8')).toBe(deployment(`${API}:1.4.3`));
    expect(readFileSync(join(outside, 'secret.yaml'), 'utf8')).toBe(deployment(`${API}:0.0.1`));
    expect(readFileSync(join(outside, 'dir/app.yaml'), 'utf8')).toBe(deployment(`${API}:0.0.1`));
  });

  it('in a GitHub tree: a symlink entry (mode 120000) is never read and never written', async () => {
    const env = await githubEnv({
      '.image-updater.yaml': config(),
      'apps/api.yaml': deployment(`${API}:1.4.2`),
    });
    try {
      const octokit = createTestOctokit(env.server);
      const base = { owner: OWNER, repo: REPO };
      const head = env.server.branchHead(OWNER, REPO, 'main')!;
      const { data: commit } = await octokit.rest.git.getCommit({ ...base, commit_sha: head });
      const { data: linkTree } = await octokit.rest.git.createTree({
        ...base,
        base_tree: commit.tree.sha,
        tree: [{ path: 'apps/evil.yaml', mode: '120000', type: 'blob', content: '../../../etc/passwd' }],
      });
      const { data: next } = await octokit.rest.git.createCommit({
        ...base,
        message: 'add a link',
        tree: linkTree.sha,
        parents: [head],
      });
      await octokit.rest.git.updateRef({ ...base, ref: 'heads/main', sha: next.sha });
      const link = linkTree.tree.find((e) => e.path === 'apps')!;
      expect(link).toBeDefined();

      env.server.resetLog();
      const report = await env.apply([push(API, '1.4.3')]);
      expect(report.units[0]).toMatchObject({ action: 'opened' });
      // Only the real file's blob was fetched.
      expect(env.server.requestCount({ operationId: 'git/get-blob' })).toBe(1);
      const [pr] = env.server.listPulls(OWNER, REPO);
      const { data: files } = await octokit.rest.pulls.listFiles({ ...base, pull_number: pr!.number });
      expect(files.map((f) => f.filename)).toEqual(['apps/api.yaml']);
      env.server.assertNoViolations();
    } finally {
      await env.close();
    }
  });
});

describe('hard links', () => {
  it('plan --write replaces the entry: a hard link to a file outside keeps its content', async () => {
    const outside = tree({ 'secret.yaml': deployment(`${API}:1.4.2`) });
    const root = tree({ '.image-updater.yaml': config() });
    mkdirSync(join(root, 'apps'));
    linkSync(join(outside, 'secret.yaml'), join(root, 'apps/api.yaml'));
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write']);
    expect(run.code).toBe(0);
    expect(readFileSync(join(root, 'apps/api.yaml'), 'utf8')).toBe(deployment(`${API}:1.4.3`));
    expect(readFileSync(join(outside, 'secret.yaml'), 'utf8')).toBe(deployment(`${API}:1.4.2`));
  });

  it('a rewritten file keeps its permissions, and no temporary file is left behind', async () => {
    const root = tree({ '.image-updater.yaml': config(), 'apps/api.yaml': deployment(`${API}:1.4.2`) });
    chmodSync(join(root, 'apps/api.yaml'), 0o750);
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write']);
    expect(run.code).toBe(0);
    expect(statSync(join(root, 'apps/api.yaml')).mode & 0o777).toBe(0o750);
    expect(readdirSync(join(root, 'apps'))).toEqual(['api.yaml']);
  });
});

describe('more files than open descriptors', () => {
  const bin = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));

  it('plan --write over 1,500 manifests succeeds under `ulimit -n 256` (macOS default)', async () => {
    const files: Record<string, string> = { '.image-updater.yaml': config() };
    for (let i = 0; i < 1500; i++) files[`apps/app-${i}.yaml`] = deployment(`${API}:1.4.2`);
    const root = tree(files);
    // A child process: the limit must not apply to the test runner itself.
    const args = ['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write', '--json'];
    const run = await promisify(execFile)(
      'bash',
      ['-c', 'ulimit -n 256 && exec "$@"', 'bash', process.execPath, bin, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stderr?: string }) => ({ stdout: '', stderr: error.stderr ?? String(error) }));
    expect(run.stderr).toBe('');
    const plan = JSON.parse(run.stdout) as { changes: unknown[] };
    expect(plan.changes).toHaveLength(1500);
    expect(readFileSync(join(root, 'apps/app-1499.yaml'), 'utf8')).toBe(deployment(`${API}:1.4.3`));
  });
});

describe('oversized and pathological YAML', () => {
  const big = () => `# padding\n${'x: 1\n'.repeat(2_100_000)}`; // ~10 MB
  const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}\n`;
  const deepMap = (n: number) =>
    Array.from({ length: n }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
  const bomb = () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    lines.push(`spec: {containers: [{name: app, image: "${API}:1.4.2"}], bomb: *a9}`);
    return `${lines.join('\n')}\n`;
  };

  it.each([
    ['a 10 MB file', big, /larger than 2 MiB/],
    ['flow sequences nested 5,000 deep', () => deep(5000), /nest|deep/i],
    ['block mappings nested 1,000 deep', () => deepMap(1000), /nest|deep/i],
    ['an alias bomb (10^10 nodes)', bomb, /alias/i],
  ])('%s: reported as a problem of that file; the other file still updates', async (_, text, message) => {
    const loaded = parseConfig(config());
    if (!loaded.ok) throw new Error('bad test config');
    const repo = new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`), 'apps/hostile.yaml': text() });
    const plan = await within(5000, () =>
      planUpdates({ config: loaded.config, repo, pushes: [push(API, '1.4.3')] }),
    );
    expect(plan.problems).toEqual([
      expect.objectContaining({ file: 'apps/hostile.yaml', message: expect.stringMatching(message) }),
    ]);
    expect(plan.units[0]?.files.map((f) => f.file)).toEqual(['apps/api.yaml']);
  });

  it('a 10 MB file in a GitHub repository is refused from the tree listing, without downloading it', async () => {
    const env = await githubEnv({
      '.image-updater.yaml': config(),
      'apps/api.yaml': deployment(`${API}:1.4.2`),
      'apps/huge.yaml': big(),
    });
    try {
      const report = await within(10_000, () => env.apply([push(API, '1.4.3')]));
      expect(report.problems).toEqual([
        expect.objectContaining({
          file: 'apps/huge.yaml',
          message: expect.stringMatching(/larger than 2 MiB/),
        }),
      ]);
      expect(env.server.requestCount({ operationId: 'git/get-blob' })).toBe(1);
      expect(env.read('apps/api.yaml', 'image-updater/api')).toBe(deployment(`${API}:1.4.3`));
    } finally {
      await env.close();
    }
  });

  it.each([
    ['a config over 256 KiB', () => `${config()}# ${'x'.repeat(300 * 1024)}\n`, /larger than 256 KiB/],
    ['an alias bomb in the config', () => `${bomb().replace(/spec:.*\n/, '')}${config()}`, /alias/i],
    ['a config nested 5,000 deep', () => `${config()}defaults: ${deep(5000)}`, /\S/],
  ])('%s is a config error, quickly', async (_, text, message) => {
    const loaded = await within(2000, async () => parseConfig(text()));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0]?.message).toMatch(message);
  });
});

describe('a manifest whose bytes are not UTF-8', () => {
  // Latin-1 é and a stray 0xFF 0xFE in comments: decoding as UTF-8 turns them into U+FFFD, and
  // writing the text back would rewrite them outside the tag.
  const latin1 = Buffer.concat([
    Buffer.from('# caf'),
    Buffer.from([0xe9]),
    Buffer.from('\n# '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(`\n${deployment(`${API}:1.4.2`)}`),
  ]);

  it('plan --write leaves it byte for byte, says why with line and column, and updates the rest', async () => {
    const root = tree({ '.image-updater.yaml': config(), 'apps/good.yaml': deployment(`${API}:1.4.2`) });
    writeFileSync(join(root, 'apps/latin1.yaml'), latin1);
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^apps\/latin1\.yaml:1:6: not UTF-8/m);
    expect(readFileSync(join(root, 'apps/latin1.yaml')).equals(latin1)).toBe(true);
    expect(readFileSync(join(root, 'apps/good.yaml'), 'utf8')).toContain(`${API}:1.4.3`);
  });

  it('the worker, reading it through GitHub as decoded text, reports it and leaves it out', async () => {
    const loaded = parseConfig(config());
    if (!loaded.ok) throw new Error('config');
    const result = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/latin1.yaml': latin1.toString('utf8') }),
      pushes: [push(API, '1.4.3')],
    });
    expect(result.units).toEqual([]);
    expect(result.problems).toEqual([
      expect.objectContaining({
        file: 'apps/latin1.yaml',
        line: 1,
        column: 6,
        message: expect.stringMatching(/^not UTF-8/),
      }),
    ]);
  });
});

describe('plan --write stopped by a signal part-way', () => {
  it('stops between two files: each file whole, no temp file left, and it says how many it wrote', async () => {
    const count = 1500;
    const files: Record<string, string> = { '.image-updater.yaml': config() };
    for (let i = 0; i < count; i += 1)
      files[`apps/d${i % 10}/f${String(i).padStart(4, '0')}.yaml`] = deployment(`${API}:1.4.2`);
    const root = tree(files);
    const child = spawn(
      process.execPath,
      [CLI_BUNDLE, 'plan', '--repo-dir', root, '--push', `${API}:1.4.3`, '--write'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Files are written in name order: the first one changing means the loop has begun.
    const first = join(root, 'apps/d0/f0000.yaml');
    while (!readFileSync(first, 'utf8').includes(':1.4.3')) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    const code = await exited;
    const texts = Object.keys(files)
      .filter((f) => f.startsWith('apps/'))
      .map((f) => readFileSync(join(root, f), 'utf8'));
    const updated = texts.filter((t) => t === deployment(`${API}:1.4.3`)).length;
    const untouched = texts.filter((t) => t === deployment(`${API}:1.4.2`)).length;
    expect(updated + untouched).toBe(count);
    const leftovers = readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    expect(leftovers).toEqual([]);
    if (updated === count) return; // the machine outran the signal: nothing was interrupted
    expect(code).toBe(143);
    expect(stderr.trim()).toBe(
      `image-updater plan: stopped by SIGTERM after writing ${updated} of ${count} files (each whole); the others are unchanged`,
    );
  });
});
