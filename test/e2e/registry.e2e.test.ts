/**
 * End to end with real parts (issue 6): the CNCF Distribution registry (Debian's docker-registry
 * 2.8) on loopback sends its notifications to `image-updater serve` (the real CLI, a child
 * process), which opens the PR on the GitHub test server. Images are pushed with `skopeo copy`
 * from an OCI layout built here. Skipped only where the binaries are absent; CI installs them
 * (scripts/ci-setup.sh).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.ts';
import { OciTagLister } from '../../lambdas/adapters/registry/oci-tag-lister.ts';
import {
  freePort,
  MISSING_BINARIES,
  skopeoCopy,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { writeOciLayout, type OciLayout } from '../support/oci-layout.ts';

const CLI = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));
const SECRET = 'e2e-webhook-secret-6f1c0b2d9a';
const OWNER = 'acme';
const REPO = 'gitops';
const API_TAGS = ['1.4.3', '1.4.4'];
const GATE_TAGS = ['1.0.1', '1.0.2'];
/** The `gate` policy's minimumReleaseAge: small, so the test waits seconds, not days. */
const GATE_AGE_S = 3;
const WEB_TAGS = ['1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0', '1.9.0', '2.0.0'];

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';

// In CI the packages are installed by .ci/run, so their absence is a failure, not a skip.
if (process.env.CI && MISSING_BINARIES.length > 0) {
  throw new Error(
    `CI must run the registry end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`,
  );
}

describe.skipIf(MISSING_BINARIES.length > 0)(`registry push → serve → pull request${skipReason}`, () => {
  let github: GitHubTestServer;
  let registry: RunningRegistry;
  let serve: ServeProcess | undefined;
  let serveUrl: string;
  let layout: OciLayout;
  let work: string;
  let files: Record<string, string>;

  const api = () => `${registry.host}/shop/api`;
  const web = () => `${registry.host}/shop/web`;
  const gate = () => `${registry.host}/shop/gate`;
  const logLines = () => serve?.lines() ?? [];
  const accepted = (image: string) =>
    logLines()
      .filter((l) => l.message === 'webhook push accepted' && l.image === image)
      .map((l) => l.tag as string);

  const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> =>
    waitFor(what, probe, timeoutMs, () => `${serve?.output() ?? ''}\n${registry.logs()}`);

  async function serveIdle(): Promise<void> {
    for (let i = 0; i < 1500; i++) {
      const health = (await (await fetch(`${serveUrl}/healthz`)).json()) as { idle: boolean };
      if (health.idle) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('serve never became idle');
  }

  const pulls = () => github.listPulls(OWNER, REPO, { state: 'open' });
  const pullFor = (branch: string) => pulls().find((p) => p.headRef === branch);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'iu-e2e-'));
    layout = writeOciLayout(join(work, 'oci'), [...API_TAGS, ...WEB_TAGS, ...GATE_TAGS]);
    github = await createGitHubTestServer();
    const registryPort = await freePort();
    const host = `127.0.0.1:${registryPort}`;
    files = {
      '.image-updater.yaml': [
        'version: 1',
        'policies:',
        '  - name: api',
        `    image: ${host}/shop/api`,
        '    strategy: semver',
        '    files: ["apps/api/**"]',
        '  - name: web',
        `    image: ${host}/shop/web`,
        '    strategy: semver',
        '    range: "<2.0.0"',
        '    files: ["apps/web/**"]',
        '  - name: gate',
        `    image: ${host}/shop/gate`,
        `    minimumReleaseAge: ${GATE_AGE_S}s`,
        '    files: ["apps/gate/**"]',
        '',
      ].join('\n'),
      'apps/api/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: api',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: api',
        `          image: ${host}/shop/api:1.4.2 # bumped by image-updater`,
        '          ports: [{ containerPort: 8080 }]',
        '',
      ].join('\n'),
      'apps/web/values.yaml': `replicaCount: 2\nimage:\n  repository: ${host}/shop/web\n  tag: "1.0.0"\n  pullPolicy: IfNotPresent\n`,
      'apps/gate/values.yaml': `image:\n  repository: ${host}/shop/gate\n  tag: 1.0.0\n`,
      'README.md': `# gitops\nImages come from ${host}.\n`,
    };
    github.createRepo(OWNER, REPO, { files });

    serve = await startServe({
      cli: CLI,
      args: ['--port', '0', '--repo', `${OWNER}/${REPO}`, '--github-api', github.url],
      home: work,
      env: {
        GITHUB_TOKEN: 'test-token',
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_ALLOWED_IMAGES: `${host}/shop`,
      },
    });
    serveUrl = serve.url;

    registry = await startRegistry({
      port: registryPort,
      notify: { url: `${serveUrl}/webhooks/distribution`, authorization: `Bearer ${SECRET}` },
    });
  }, 60_000);

  afterAll(async () => {
    let code: number | null | undefined;
    if (serve) code = await serve.stop();
    await registry?.stop();
    await github?.close();
    rmSync(work, { recursive: true, force: true });
    // A graceful stop: the drain completed and the process exited 0.
    if (serve) expect(code, serve.output()).toBe(0);
  });

  it('a skopeo push of a new tag ends in a PR that changes exactly that tag', async () => {
    const started = performance.now();
    await skopeoCopy(layout.dir, '1.4.3', api());
    const pushed = performance.now();
    const pull = await until('the api PR', () => pullFor('image-updater/api'));
    const opened = performance.now();
    console.info(
      `push → PR on loopback: ${Math.round(opened - started)} ms (skopeo copy ${Math.round(pushed - started)} ms, ` +
        `registry notification → PR ${Math.round(opened - pushed)} ms)`,
    );

    expect(pull.title).toBe('chore(images): update api to 1.4.3');
    const after = github.readFile(OWNER, REPO, pull.headRef, 'apps/api/deployment.yaml');
    expect(after).toBe(files['apps/api/deployment.yaml']!.replace(':1.4.2 #', ':1.4.3 #'));
    // Nothing else changed on the branch.
    expect(github.listFiles(OWNER, REPO, pull.headRef).sort()).toEqual(Object.keys(files).sort());
    for (const [path, text] of Object.entries(files))
      if (path !== 'apps/api/deployment.yaml')
        expect(github.readFile(OWNER, REPO, pull.headRef, path)).toBe(text);
    expect(github.readFile(OWNER, REPO, 'main', 'apps/api/deployment.yaml')).toBe(
      files['apps/api/deployment.yaml'],
    );
    // The layer and config blob pushes of the same copy were acknowledged and ignored.
    expect(
      logLines().some(
        (l) =>
          l.message === 'webhook events ignored' &&
          (l.ignored as { reason: string }[]).some((i) => i.reason === 'not-a-manifest'),
      ),
    ).toBe(true);
    // The digest is the one the registry stored (skopeo compresses the layer, so it is not the layout's).
    const head = await fetch(`http://${registry.host}/v2/shop/api/manifests/1.4.3`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const digest = head.headers.get('docker-content-digest');
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(pull.body).toContain(`"digest":"${digest}"`);
  });

  it('the same push delivered again ends in the same single PR, with no write to GitHub', async () => {
    await serveIdle();
    const writes = github.writeCount();
    await skopeoCopy(layout.dir, '1.4.3', api());
    await until('the second delivery', () => accepted(api()).length >= 2);
    await serveIdle();
    expect(github.writeCount()).toBe(writes);
    expect(pulls().filter((p) => p.headRef === 'image-updater/api')).toHaveLength(1);
  });

  it('an unsigned or forged notification changes nothing', async () => {
    await serveIdle();
    const writes = github.writeCount();
    const forged = JSON.stringify({
      events: [
        {
          id: 'forged-1',
          timestamp: new Date().toISOString(),
          action: 'push',
          target: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${'f'.repeat(64)}`,
            repository: 'shop/api',
            url: `http://${registry.host}/v2/shop/api/manifests/sha256:${'f'.repeat(64)}`,
            tag: '1.9.9',
          },
          request: { host: registry.host },
        },
      ],
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${serveUrl}/webhooks/distribution`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', ...headers },
        body: forged,
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer not-the-secret-at-all' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${SECRET.slice(0, -1)}` })).status).toBe(401);
    await serveIdle();
    expect(github.writeCount()).toBe(writes);
    const pull = pullFor('image-updater/api')!;
    expect(github.readFile(OWNER, REPO, pull.headRef, 'apps/api/deployment.yaml')).toContain(':1.4.3 #');
    expect(logLines().filter((l) => l.message === 'webhook refused: missing or wrong secret')).toHaveLength(
      3,
    );
  });

  it('a newer tag updates the same PR (measured warm: push → PR updated)', async () => {
    await serveIdle();
    const before = pullFor('image-updater/api')!;
    const started = performance.now();
    await skopeoCopy(layout.dir, '1.4.4', api());
    const pushed = performance.now();
    const pull = await until('the PR to move to 1.4.4', () => {
      const p = pullFor('image-updater/api');
      return p?.title.endsWith('1.4.4') ? p : undefined;
    });
    const updated = performance.now();
    console.info(
      `push → PR updated on loopback (warm): ${Math.round(updated - started)} ms (skopeo copy ${Math.round(pushed - started)} ms, ` +
        `registry notification → PR ${Math.round(updated - pushed)} ms)`,
    );
    expect(pull.number).toBe(before.number);
    expect(github.readFile(OWNER, REPO, pull.headRef, 'apps/api/deployment.yaml')).toBe(
      files['apps/api/deployment.yaml']!.replace(':1.4.2 #', ':1.4.4 #'),
    );
    expect(pulls()).toHaveLength(1);
  });

  it('a burst of pushes of ten tags ends at the highest allowed one, in one PR', async () => {
    const order = ['1.3.0', '2.0.0', '1.1.0', '1.9.0', '1.5.0', '1.2.0', '1.8.0', '1.4.0', '1.7.0', '1.6.0'];
    // Five skopeo processes at a time: the registry gets overlapping pushes, in no particular order.
    for (let i = 0; i < order.length; i += 5)
      await Promise.all(order.slice(i, i + 5).map((tag) => skopeoCopy(layout.dir, tag, web())));
    await until('all ten notifications', () => accepted(web()).length >= 10);
    await serveIdle();
    const webPulls = pulls().filter((p) => p.headRef === 'image-updater/web');
    expect(webPulls).toHaveLength(1);
    expect(webPulls[0]!.title).toBe('chore(images): update web to 1.9.0');
    expect(github.readFile(OWNER, REPO, webPulls[0]!.headRef, 'apps/web/values.yaml')).toBe(
      files['apps/web/values.yaml']!.replace('tag: "1.0.0"', 'tag: "1.9.0"'),
    );
    github.assertNoViolations();
  });

  it('minimumReleaseAge: a young push opens no PR, and opens it when due without another push', async () => {
    await serveIdle();
    const pushedAt = Date.now();
    await skopeoCopy(layout.dir, '1.0.1', gate());
    await until('the 1.0.1 notification', () => accepted(gate()).includes('1.0.1'));
    await serveIdle();
    expect(pullFor('image-updater/gate')).toBeUndefined();
    const dashboard = () => github.listIssues(OWNER, REPO).find((i) => i.body?.includes('gate'))?.body ?? '';
    expect(dashboard()).toMatch(
      /\*\*held\*\*: 1\.0\.1: pushed at \S+Z, minimumReleaseAge 3s &#40;patch&#41;: due at \S+Z/,
    );
    // A newer push while 1.0.1 waits: 1.0.1 keeps its own due time, 1.0.2 gets its own.
    await skopeoCopy(layout.dir, '1.0.2', gate());
    await until('the 1.0.2 notification', () => accepted(gate()).includes('1.0.2'));
    const first = await until('the gate PR at 1.0.1', () => pullFor('image-updater/gate'), 10_000);
    const opened = Date.now();
    expect(first.title).toBe('chore(images): update gate to 1.0.1');
    expect(opened - pushedAt).toBeGreaterThanOrEqual(GATE_AGE_S * 1000);
    const moved = await until(
      'the gate PR to move to 1.0.2',
      () => pullFor('image-updater/gate')?.title.endsWith('1.0.2') && pullFor('image-updater/gate'),
      10_000,
    );
    console.info(
      `minimumReleaseAge ${GATE_AGE_S}s: push → PR ${opened - pushedAt} ms, the newer tag ${Date.now() - pushedAt} ms after the first push`,
    );
    expect(moved.number).toBe(first.number);
    expect(github.readFile(OWNER, REPO, moved.headRef, 'apps/gate/values.yaml')).toBe(
      files['apps/gate/values.yaml']!.replace('tag: 1.0.0', 'tag: 1.0.2'),
    );
  }, 30_000);

  it('the OCI tag lister reads the real registry', async () => {
    const lister = new OciTagLister();
    expect(lister.supports(web())).toBe(true);
    const tags = (await lister.listTags(web())).map((t) => t.tag).sort();
    expect(tags).toEqual([...WEB_TAGS].sort());
    await expect(lister.listTags(`${registry.host}/shop/nothing`)).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
    });
  });
});
