/**
 * Provenance end to end, with real parts: images with OCI labels are pushed over the
 * distribution API to the CNCF Distribution registry (Debian's docker-registry 2.8), whose
 * notifications reach `image-updater serve` (the real CLI), which opens PRs on the GitHub test
 * server. A signed image (cosign `.sig`, key-based) under a small `minimumReleaseAge`, labelled
 * with its source and revision, opens a PR whose body links the compare view old...new and
 * carries the source's release notes.
 *
 * The closing note of issue 17 is measured here too: what each gate adds to push → PR, in
 * registry requests (the registry's own request log), GitHub requests (the test server's) and
 * milliseconds on loopback, one policy per gate in one repository, one push at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { generateKey, pushArtifact, signImage, type Artifact } from '../support/cosign.ts';
import {
  freePort,
  MISSING_BINARIES,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import { labelledImage, OCI_LABELS } from '../support/labelled-image.ts';

const CLI = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));
const SECRET = 'e2e-webhook-secret-0c4f1a9d7e';
const OWNER = 'acme';
const REPO = 'provenance';
/** Small, so the test waits seconds, not days. */
const AGE_S = 2;
const REV_OLD = '0123456789abcdef0123456789abcdef01234567';
const REV_NEW = 'fedcba9876543210fedcba9876543210fedcba98';

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';
if (process.env.CI && MISSING_BINARIES.length > 0)
  throw new Error(
    `CI must run the provenance end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`,
  );

/** One policy per gate: its settings, and whether its images carry labels. */
const POLICIES = {
  plain: { settings: [], labels: false },
  labelled: { settings: [], labels: true },
  signed: { settings: ['verify'], labels: false },
  aged: { settings: [`minimumReleaseAge: ${AGE_S}s`], labels: false },
  api: { settings: ['verify', `minimumReleaseAge: ${AGE_S}s`], labels: true },
} as const;
type Name = keyof typeof POLICIES;

describe.skipIf(MISSING_BINARIES.length > 0)(`labelled pushes → serve → pull request${skipReason}`, () => {
  const key = generateKey();
  let github: GitHubTestServer;
  let registry: RunningRegistry;
  let serve: ServeProcess | undefined;
  let serveUrl: string;
  let work: string;
  let host: string;
  const images = new Map<string, Artifact>();

  const imageOf = (name: Name) => `${host}/shop/${name}`;
  const pullFor = (name: Name) =>
    github.listPulls(OWNER, REPO, { state: 'open' }).find((p) => p.headRef === `image-updater/${name}`);

  const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(what, probe, timeoutMs, () => `${serve?.output() ?? ''}\n${registry.logs().slice(-4000)}`);

  async function serveIdle(): Promise<void> {
    for (let i = 0; i < 1500; i++) {
      const health = (await (await fetch(`${serveUrl}/healthz`)).json()) as { idle: boolean };
      if (health.idle) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('serve never became idle');
  }

  /** The image of `name` at `version`: labelled with the source and revision when the policy's are. */
  function image(name: Name, version: string, revision: string): Artifact {
    const artifact = labelledImage({
      salt: `${name} ${version}`,
      ...(POLICIES[name].labels
        ? {
            labels: {
              [OCI_LABELS.source]: `https://github.com/acme/${name}`,
              [OCI_LABELS.revision]: revision,
              [OCI_LABELS.version]: version,
            },
          }
        : {}),
    });
    images.set(`${name}:${version}`, artifact);
    return artifact;
  }

  /** Registry reads (GET, HEAD) since `from` in the registry's request log: serve's, since the test only pushes. */
  const registryReads = (from: number) =>
    registry
      .logs()
      .slice(from)
      .split('\n')
      .filter((l) => l.includes('response completed') && /http\.request\.method=(GET|HEAD)/.test(l))
      // logrus quotes a value only when it holds characters such as `:`.
      .map((l) => /http\.request\.uri=(?:"([^"]+)"|(\S+))/.exec(l)?.slice(1).find(Boolean) ?? '?');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'iu-e2e-prov-'));
    github = await createGitHubTestServer();
    const registryPort = await freePort();
    host = `127.0.0.1:${registryPort}`;
    const pem = key.publicPem.trim().split('\n');
    const files: Record<string, string> = {};
    const config = ['version: 1', 'policies:'];
    for (const name of Object.keys(POLICIES) as Name[]) {
      const old = image(name, '1.4.0', REV_OLD);
      config.push(`  - name: ${name}`, `    image: ${host}/shop/${name}`, `    files: ["apps/${name}/**"]`);
      for (const s of POLICIES[name].settings)
        if (s === 'verify')
          config.push('    verify:', '      cosign:', '        key: |', ...pem.map((l) => `          ${l}`));
        else config.push(`    ${s}`);
      files[`apps/${name}/deployment.yaml`] =
        `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${host}/shop/${name}:1.4.0@${old.manifest.digest}\n`;
      github.createRepo(OWNER, name, {});
    }
    files['.image-updater.yaml'] = [...config, ''].join('\n');
    github.createRepo(OWNER, REPO, { files });
    github.createRelease(OWNER, 'api', { tag: 'v1.5.0', body: '## What changed\n- faster start-up\n' });
    github.createRelease(OWNER, 'labelled', { tag: 'v1.5.0', body: 'labelled 1.5.0' });
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
      logLevel: 'info',
      notify: { url: `${serveUrl}/webhooks/distribution`, authorization: `Bearer ${SECRET}` },
    });
    // What the base branch runs, and the signatures of what will be pushed (cosign signs after
    // the push; pushed first here, so each measurement is of the gate, not of waiting for it).
    for (const name of Object.keys(POLICIES) as Name[]) {
      await pushArtifact(host, `shop/${name}`, '1.4.0', images.get(`${name}:1.4.0`)!);
      const next = image(name, '1.5.0', REV_NEW);
      if (POLICIES[name].settings.includes('verify' as never))
        await pushArtifact(
          host,
          `shop/${name}`,
          `${next.manifest.digest.replace(':', '-')}.sig`,
          signImage(key, imageOf(name), next.manifest.digest),
        );
    }
    await new Promise((r) => setTimeout(r, 300));
    await serveIdle();
  }, 60_000);

  afterAll(async () => {
    let code: number | null | undefined;
    if (serve) code = await serve.stop();
    await registry?.stop();
    await github?.close();
    rmSync(work, { recursive: true, force: true });
    if (serve) expect(code, serve.output()).toBe(0);
  });

  /** Pushes `name`'s 1.5.0 and measures push → PR: ms, registry reads, GitHub requests. */
  async function measure(name: Name) {
    await serveIdle();
    github.resetLog();
    const logFrom = registry.logs().length;
    const started = performance.now();
    await pushArtifact(host, `shop/${name}`, '1.5.0', images.get(`${name}:1.5.0`)!);
    const pull = await until(`the ${name} PR`, () => pullFor(name), 15_000);
    const ms = Math.round(performance.now() - started);
    await serveIdle();
    const reads = registryReads(logFrom);
    const result = { ms, registry: reads.length, github: github.requestCount(), pull };
    console.info(
      `${name}: push → PR ${ms} ms on loopback; registry reads ${reads.length} (${reads.map((u) => u.replace(/^\/v2\/shop\/\w+\//, '').replace(/sha256[:-]([a-f0-9]{8})[a-f0-9]{56}/, 'sha256:$1…')).join(', ')}); GitHub requests ${result.github}`,
    );
    return result;
  }

  it('a signed, aged image labelled with its source opens a PR linking the compare view old...new, with its release notes', async () => {
    const { ms, pull } = await measure('api');
    expect(ms).toBeGreaterThanOrEqual(AGE_S * 1000);
    const body = pull.body ?? '';
    expect(body).toContain('### Provenance');
    expect(body).toContain('- Source: [`https://github.com/acme/api`](https://github.com/acme/api)');
    expect(body).toContain(`(https://github.com/acme/api/compare/${REV_OLD}...${REV_NEW})`);
    expect(body).toContain("- Signature: verified with the policy's cosign key (`.sig` signature)");
    expect(body).toContain('```text\n## What changed\n- faster start-up\n```');
    expect(github.readFile(OWNER, REPO, pull.headRef, 'apps/api/deployment.yaml')).toContain(
      `shop/api:1.5.0@${images.get('api:1.5.0')!.manifest.digest}`,
    );
    github.assertNoViolations();
  }, 30_000);

  it('what each gate adds to push → PR (requests and ms on loopback)', async () => {
    const plain = await measure('plain');
    const labelled = await measure('labelled');
    const signed = await measure('signed');
    const aged = await measure('aged');
    // An image without labels: provenance reads its manifest and config, and the old image's.
    expect(plain.registry).toBe(4);
    expect(plain.pull.body).not.toContain('### Provenance');
    // Labels: the same registry reads, and the release (the version, then v + version).
    expect(labelled.registry).toBe(4);
    expect(labelled.github - plain.github).toBe(2);
    expect(labelled.pull.body).toContain('/compare/');
    // verify: the .sig manifest and its payload blob on top.
    expect(signed.registry - plain.registry).toBe(2);
    expect(signed.pull.body).toContain('- Signature: verified');
    expect(aged.ms).toBeGreaterThanOrEqual(AGE_S * 1000);
    github.assertNoViolations();
  }, 60_000);
});
