import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServeCommand, parseServeInput } from '../../bin/commands/serve.ts';
import { CliInputError, type CliIo } from '../../bin/commands/io.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

const SECRET = 'serve-test-secret-0123456789abcdef';
const IMAGE = 'registry.example.com/shop/api';
const ENV = { GITHUB_TOKEN: 'test-token', WEBHOOK_SECRET: SECRET };

const config = `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: semver\n    range: "<2.0.0"\n`;
const deployment = (tag: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${IMAGE}:${tag} # bumped\n`;

const notification = (tag: string, id = `event-${tag}`) =>
  JSON.stringify({
    events: [
      {
        id,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: `sha256:${'d'.repeat(64)}`,
          repository: 'shop/api',
          url: `https://registry.example.com/v2/shop/api/manifests/sha256:${'d'.repeat(64)}`,
          tag,
        },
        request: { host: 'registry.example.com' },
      },
    ],
  });

/** `serve` run in-process as the CLI runs it, stopped by the test instead of a signal. */
async function startServe(github: GitHubTestServer, repo: string, env: Record<string, string> = {}) {
  let stdout = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stdout += t),
    readStdin: async () => '',
    cwd: '.',
  };
  let stop!: (signal: string) => void;
  let listening!: (s: { url: string }) => void;
  const ready = new Promise<{ url: string }>((resolve) => (listening = resolve));
  const command = createServeCommand({
    env: { ...ENV, SERVE_HOST: '127.0.0.1', ...env },
    waitForStop: () => new Promise((resolve) => (stop = resolve)),
    onListening: listening,
  });
  const exit = command(['--port', '0', '--repo', `acme/${repo}`, '--github-api', github.url], io);
  const { url } = await Promise.race([
    ready,
    exit.then((code) => Promise.reject(new Error(`exited ${code}: ${stdout}`))),
  ]);
  return {
    url,
    logs: () =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    raw: () => stdout,
    post: (
      body: string,
      headers: Record<string, string> = { authorization: `Bearer ${SECRET}` },
      path = '/webhooks/distribution',
    ) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', ...headers },
        body,
      }),
    async idle() {
      for (let i = 0; i < 400; i++) {
        const health = (await (await fetch(`${url}/healthz`)).json()) as { idle: boolean };
        if (health.idle) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('serve never became idle');
    },
    async stop(signal = 'SIGTERM') {
      stop(signal);
      return exit;
    },
  };
}

let github: GitHubTestServer;
let repos = 0;
function newRepo(tag = '1.0.0') {
  const name = `env-${++repos}`;
  github.createRepo('acme', name, {
    files: { '.image-updater.yaml': config, 'apps/api/deployment.yaml': deployment(tag) },
  });
  return name;
}

beforeAll(async () => {
  github = await createGitHubTestServer();
});
afterAll(() => github.close());

describe('image-updater serve', () => {
  it('answers 202 at once, applies in the background, and a replayed delivery changes nothing', async () => {
    const repo = newRepo();
    const serve = await startServe(github, repo);
    const response = await serve.post(notification('1.1.0'));
    expect(response.status).toBe(202);
    await serve.idle();
    const pulls = github.listPulls('acme', repo);
    expect(pulls).toHaveLength(1);
    expect(github.readFile('acme', repo, pulls[0]!.headRef, 'apps/api/deployment.yaml')).toBe(
      deployment('1.1.0'),
    );

    const writes = github.writeCount();
    expect((await serve.post(notification('1.1.0'))).status).toBe(202);
    await serve.idle();
    expect(github.writeCount()).toBe(writes);
    expect(github.listPulls('acme', repo)).toHaveLength(1);

    expect(await serve.stop()).toBe(0);
    github.assertNoViolations();
  });

  it('SIGTERM drains: a push accepted just before the stop is still applied', async () => {
    const repo = newRepo();
    github.latencyMs = 30;
    try {
      const serve = await startServe(github, repo);
      expect((await serve.post(notification('1.2.0'))).status).toBe(202);
      expect(await serve.stop()).toBe(0);
      const pulls = github.listPulls('acme', repo);
      expect(pulls.map((p) => p.title)).toEqual(['chore(images): update api to 1.2.0']);
      const messages = serve.logs().map((l) => l.message);
      expect(messages).toContain('stopping: no new webhooks; applying the accepted pushes');
      expect(messages.at(-1)).toBe('stopped');
    } finally {
      github.latencyMs = 0;
    }
  });

  it('a burst of pushes of one image ends at the highest allowed tag in one PR', async () => {
    const repo = newRepo();
    const serve = await startServe(github, repo);
    const tags = ['1.0.1', '1.3.0', '2.0.0', '1.2.9', '1.10.0', '1.9.9', '1.0.2'];
    const answers = await Promise.all(tags.map((t) => serve.post(notification(t))));
    expect(answers.map((a) => a.status)).toEqual(tags.map(() => 202));
    await serve.idle();
    const pulls = github.listPulls('acme', repo);
    expect(pulls).toHaveLength(1);
    expect(github.readFile('acme', repo, pulls[0]!.headRef, 'apps/api/deployment.yaml')).toBe(
      deployment('1.10.0'),
    );
    await serve.stop();
  });

  it('refuses forged and oversized deliveries; unknown paths are 404; healthz reports the queue; no secret in the logs', async () => {
    const repo = newRepo();
    const serve = await startServe(github, repo, { WEBHOOK_ALLOWED_IMAGES: 'registry.example.com/shop' });
    expect(
      (await serve.post(notification('1.5.0'), { authorization: 'Bearer forged-forged-forged-forged' }))
        .status,
    ).toBe(401);
    expect((await serve.post(notification('1.5.0'), {})).status).toBe(401);
    const big = await serve.post(JSON.stringify({ events: [], pad: 'x'.repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect((await serve.post('{}', { authorization: `Bearer ${SECRET}` }, '/webhooks/quay')).status).toBe(
      404,
    );
    expect((await fetch(`${serve.url}/webhooks/distribution`)).status).toBe(405);
    const outside = await serve.post(
      notification('1.5.0').replaceAll('registry.example.com', 'other.example.com'),
    );
    expect(outside.status).toBe(200);
    expect(await outside.json()).toMatchObject({
      status: 'ignored',
      ignored: [{ reason: 'image-not-allowed' }],
    });
    const health = await (await fetch(`${serve.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', idle: true, queue: { queued: 0, running: 0 } });
    await serve.stop();
    expect(github.listPulls('acme', repo)).toEqual([]);
    expect(serve.raw()).not.toContain(SECRET);
    expect(serve.raw()).not.toContain('test-token');
    expect(serve.logs().find((l) => l.message === 'serve listening')).toMatchObject({
      level: 'INFO',
      repos: [`acme/${repo}`],
      allowList: 'registry.example.com/shop',
      webhooks: expect.arrayContaining([expect.stringMatching(/\/webhooks\/ghcr$/)]),
    });
  });
});

describe('image-updater serve against GitHub Enterprise Server with a GitHub App', () => {
  it('opens the PR as the App through --github-api', async () => {
    const ghes = await createGitHubTestServer({ token: false, flavor: 'ghes-3.19' });
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      ghes.createRepo('acme', 'ghes-env', {
        files: { '.image-updater.yaml': config, 'apps/api/deployment.yaml': deployment('1.0.0') },
      });
      ghes.configureApp({
        appId: 42,
        slug: 'image-updater',
        privateKeyPem: pem,
        installations: [{ id: 7, account: 'acme' }],
      });
      // The key as one environment line, newlines escaped, as CI systems often store it.
      const serve = await startServe(ghes, 'ghes-env', {
        GITHUB_TOKEN: '',
        GITHUB_APP_ID: '42',
        GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
      });
      expect((await serve.post(notification('1.3.0'))).status).toBe(202);
      await serve.idle();
      await serve.stop();
      expect(ghes.listPulls('acme', 'ghes-env')).toEqual([
        expect.objectContaining({
          author: 'image-updater[bot]',
          title: 'chore(images): update api to 1.3.0',
        }),
      ]);
      expect(serve.raw()).not.toContain('PRIVATE KEY');
      ghes.assertNoViolations();
    } finally {
      await ghes.close();
    }
  });
});

describe('serve input', () => {
  const write = () => {};
  it.each([
    ['no --port', ['--repo', 'acme/env'], ENV, /--port N is required/],
    ['a port out of range', ['--port', '70000', '--repo', 'acme/env'], ENV, /not a port number/],
    ['no --repo', ['--port', '0'], ENV, /--repo OWNER\/NAME/],
    ['a repo that is not owner/name', ['--port', '0', '--repo', 'env'], ENV, /not OWNER\/NAME/],
    [
      'a config path outside the repo',
      ['--port', '0', '--repo', 'acme/env:../x.yaml'],
      ENV,
      /not OWNER\/NAME/,
    ],
    [
      'a --github-api that is not a URL',
      ['--port', '0', '--repo', 'acme/env', '--github-api', 'ghe.local'],
      ENV,
      /not an http\(s\) URL/,
    ],
    [
      'no GitHub credentials',
      ['--port', '0', '--repo', 'acme/env'],
      { WEBHOOK_SECRET: SECRET },
      /set GITHUB_TOKEN/,
    ],
    ['token and App both', ['--port', '0', '--repo', 'acme/env'], { ...ENV, GITHUB_APP_ID: '1' }, /not both/],
    [
      'an App without its key',
      ['--port', '0', '--repo', 'acme/env'],
      { WEBHOOK_SECRET: SECRET, GITHUB_APP_ID: '1' },
      /both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY/,
    ],
    [
      'an App key that is not PEM',
      ['--port', '0', '--repo', 'acme/env'],
      { WEBHOOK_SECRET: SECRET, GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'nope' },
      /not a PEM private key/,
    ],
    [
      'no WEBHOOK_SECRET',
      ['--port', '0', '--repo', 'acme/env'],
      { GITHUB_TOKEN: 't' },
      /WEBHOOK_SECRET is required/,
    ],
    [
      'a short WEBHOOK_SECRET',
      ['--port', '0', '--repo', 'acme/env'],
      { GITHUB_TOKEN: 't', WEBHOOK_SECRET: 'short' },
      /shorter than 16/,
    ],
    [
      'a bad allow-list',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, WEBHOOK_ALLOWED_IMAGES: 'shop/api' },
      /REGISTRY\[\/PATH-PREFIX\]/,
    ],
    [
      'bad registry credentials',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, REGISTRY_CREDENTIALS: '{"r": 1}' },
      /REGISTRY_CREDENTIALS/,
    ],
    ['a bad LOG_LEVEL', ['--port', '0', '--repo', 'acme/env'], { ...ENV, LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [
      'a --port given twice',
      ['--port', '0', '--port', '8080', '--repo', 'acme/env'],
      ENV,
      /--port is given more than once/,
    ],
    [
      'a repo given twice',
      ['--port', '0', '--repo', 'acme/env', '--repo', 'acme/env'],
      ENV,
      /--repo acme\/env is given twice: each repository once/,
    ],
    [
      'a repo given twice in other letter cases',
      ['--port', '0', '--repo', 'acme/env', '--repo', 'ACME/Env:other.yaml'],
      ENV,
      /--repo ACME\/Env is given twice \(as acme\/env; GitHub names are case-insensitive\)/,
    ],
    [
      'a WEBHOOK_SECRET object naming no provider',
      ['--port', '0', '--repo', 'acme/env'],
      { GITHUB_TOKEN: 't', WEBHOOK_SECRET: '{}' },
      /WEBHOOK_SECRET names no secret: give "default" or one of/,
    ],
    [
      'a short GITHUB_WEBHOOK_SECRET',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, GITHUB_WEBHOOK_SECRET: 'short-gh' },
      /GITHUB_WEBHOOK_SECRET is shorter than 16/,
    ],
    [
      'a SERVE_HOST that is no address',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, SERVE_HOST: '999.1.1.1' },
      /SERVE_HOST "999.1.1.1" is not an IP address or a host name/,
    ],
    [
      'a SERVE_HOST with a space',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, SERVE_HOST: 'local host' },
      /SERVE_HOST "local host" is not/,
    ],
    [
      'a SIGSTORE_TRUSTED_ROOT that does not exist',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, SIGSTORE_TRUSTED_ROOT: '/nonexistent/trusted_root.json' },
      /SIGSTORE_TRUSTED_ROOT \/nonexistent\/trusted_root.json: not a readable JSON file \(ENOENT\)/,
    ],
    [
      'a SIGSTORE_TRUSTED_ROOT that is JSON but no trusted root',
      ['--port', '0', '--repo', 'acme/env'],
      { ...ENV, SIGSTORE_TRUSTED_ROOT: fileURLToPath(new URL('../../package.json', import.meta.url)) },
      /not a Sigstore trusted_root.json/,
    ],
  ])('%s → one-line input error', (_what, args, env, message) => {
    let error: unknown;
    try {
      parseServeInput(args, env, write);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it.each([
    ['[::1]', '::1'],
    ['::1', '::1'],
    [' 0.0.0.0 ', '0.0.0.0'],
    ['localhost', 'localhost'],
  ])('SERVE_HOST %j listens on %s', (value, host) => {
    expect(
      parseServeInput(['--port', '0', '--repo', 'acme/env'], { ...ENV, SERVE_HOST: value }, write).host,
    ).toBe(host);
  });

  it('reads several repos with config paths, GHES, per-provider secrets and the allow-list', () => {
    const parsed = parseServeInput(
      [
        '--port',
        '8080',
        '--repo',
        'acme/prod',
        '--repo',
        'acme/dev:deploy/.image-updater.yaml',
        '--github-api',
        'https://ghe.example.com/api/v3/',
      ],
      {
        GITHUB_TOKEN: 'ghp_x',
        WEBHOOK_SECRET: JSON.stringify({ ghcr: 'g'.repeat(20), default: 'd'.repeat(20) }),
        WEBHOOK_ALLOWED_IMAGES: 'ghcr.io/acme, registry.example.com',
        GITHUB_APP_ID: '',
      },
      write,
    );
    expect(parsed.port).toBe(8080);
    expect(parsed.repos).toEqual([
      { repo: 'acme/prod' },
      { repo: 'acme/dev', configPath: 'deploy/.image-updater.yaml' },
    ]);
    expect(parsed.github).toEqual({
      auth: { kind: 'token', token: 'ghp_x' },
      baseUrl: 'https://ghe.example.com/api/v3',
    });
    expect(parsed.webhookSecrets).toEqual({ ghcr: 'g'.repeat(20), default: 'd'.repeat(20) });
    expect(
      parseServeInput(
        ['--port', '0', '--repo', 'acme/env'],
        { ...ENV, GITHUB_WEBHOOK_SECRET: ' h'.repeat(10) },
        write,
      ).webhookSecrets,
    ).toEqual({ default: SECRET, github: 'h h h h h h h h h h' });
    expect(parsed.allowList.allows('ghcr.io/acme/api')).toBe(true);
    expect(parsed.allowList.allows('ghcr.io/other/api')).toBe(false);
  });
});

/** The process ids below `pid` (Linux /proc), depth first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Running: exists and is not a zombie waiting for a parent that does not reap it. */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('npx image-updater serve, stopped through npm', () => {
  // npm passes a signal to its `sh -c`, not to node: dash dies of SIGTERM (node, reparented,
  // used to serve on) and sits out SIGINT until its child ends (Ctrl-C reaches the whole group).
  it.each([
    ['SIGTERM to npm alone', 'SIGTERM', false],
    ['SIGINT to the process group (Ctrl-C)', 'SIGINT', true],
  ] as const)(
    '%s: the node process under npm stops too instead of serving on',
    async (_what, signal, group) => {
      const repo = newRepo();
      const child = spawn(
        'npx',
        ['image-updater', 'serve', '--port', '0', '--repo', `acme/${repo}`, '--github-api', github.url],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: { ...process.env, ...ENV, SERVE_HOST: '127.0.0.1', npm_config_yes: 'true' },
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group, as a terminal gives a foreground job.
          detached: true,
        },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => void (out += chunk.toString()));
      try {
        for (let i = 0; i < 300 && !out.includes('"serve listening"'); i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(out).toContain('"serve listening"');
        const node = descendants(child.pid!).filter((pid) =>
          /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
        );
        expect(node.length).toBeGreaterThan(0);
        process.kill(group ? -child.pid! : child.pid!, signal);
        const killedAt = Date.now();
        while (node.some(running) && Date.now() - killedAt < 10_000)
          await new Promise((r) => setTimeout(r, 50));
        expect(node.filter(running), out).toEqual([]);
      } finally {
        for (const pid of [...descendants(child.pid!), child.pid!])
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
      }
    },
    40_000,
  );
});
