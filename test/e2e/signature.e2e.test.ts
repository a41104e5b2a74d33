/**
 * Signature verification end to end, with real parts: the CNCF Distribution registry (Debian's
 * docker-registry 2.8) sends its notifications to `image-updater serve` (the real CLI), which
 * opens PRs on the GitHub test server. The image is pushed with `skopeo copy`; its signatures
 * are made here in cosign's exact `.sig` format with a key the test generates, and pushed over
 * the distribution API as cosign does (Sigstore bundles as referrers, through the referrers tag
 * schema: registry 2.8 has no referrers API). An unsigned image, then one signed by another key,
 * open no PR and say why on the dashboard; the valid signature, pushed later, releases it; a
 * bundle referrer releases the next tag; a tampered payload under a valid signature is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { OciImageReader } from '../../lambdas/adapters/registry/oci-image-reader.ts';
import { OciSession } from '../../lambdas/adapters/registry/oci-session.ts';
import { CosignVerifier } from '../../lambdas/adapters/sigstore/cosign-verifier.ts';
import {
  bundleReferrer,
  dsseBundle,
  generateKey,
  pushArtifact,
  pushManifest,
  referrersIndex,
  sigManifest,
  signBytes,
  signImage,
  simpleSigningPayload,
} from '../support/cosign.ts';
import {
  freePort,
  MISSING_BINARIES,
  skopeoCopy,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import { writeOciLayout, type OciLayout } from '../support/oci-layout.ts';

const CLI = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));
const SECRET = 'e2e-webhook-secret-5a0e7c3d8b';
const OWNER = 'acme';
const REPO = 'signed';

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';
if (process.env.CI && MISSING_BINARIES.length > 0)
  throw new Error(
    `CI must run the signature end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`,
  );

describe.skipIf(MISSING_BINARIES.length > 0)(`signed pushes → serve → pull request${skipReason}`, () => {
  const key = generateKey();
  const stranger = generateKey();
  let github: GitHubTestServer;
  let registry: RunningRegistry;
  let serve: ServeProcess | undefined;
  let serveUrl: string;
  let layout: OciLayout;
  let work: string;
  let host: string;

  const api = () => `${host}/shop/api`;
  const logLines = () => serve?.lines() ?? [];
  const pulls = () => github.listPulls(OWNER, REPO, { state: 'open' });
  const dashboard = () =>
    github.listIssues(OWNER, REPO, { state: 'open' }).find((i) => /dashboard/i.test(i.title));

  const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(what, probe, timeoutMs, () => `${serve?.output() ?? ''}\n${registry.logs()}`);

  async function serveIdle(): Promise<void> {
    for (let i = 0; i < 1500; i++) {
      const health = (await (await fetch(`${serveUrl}/healthz`)).json()) as { idle: boolean };
      if (health.idle) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('serve never became idle');
  }

  async function digestOf(tag: string): Promise<string> {
    const head = await fetch(`http://${host}/v2/shop/api/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    return head.headers.get('docker-content-digest')!;
  }

  /** The decisions serve logged for the api policy, newest last. */
  const reasons = () =>
    logLines()
      .filter((l) => l.message === 'repository processed')
      .flatMap((l) => (l.decisions as { policy: string; reason: string }[]).filter((d) => d.policy === 'api'))
      .map((d) => d.reason);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'iu-e2e-sig-'));
    layout = writeOciLayout(join(work, 'oci'), ['1.4.3', '1.5.0', '1.6.0']);
    github = await createGitHubTestServer();
    const registryPort = await freePort();
    host = `127.0.0.1:${registryPort}`;
    const pem = key.publicPem.trim().split('\n');
    github.createRepo(OWNER, REPO, {
      files: {
        '.image-updater.yaml': [
          'version: 1',
          'policies:',
          '  - name: api',
          `    image: ${host}/shop/api`,
          '    files: ["apps/**"]',
          '    verify:',
          '      cosign:',
          '        key: |',
          ...pem.map((l) => `          ${l}`),
          '',
        ].join('\n'),
        'apps/deployment.yaml': `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${host}/shop/api:1.4.2\n`,
      },
    });
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
    if (serve) expect(code, serve.output()).toBe(0);
  });

  it('an unsigned image opens no PR; the dashboard says it is held for its signature', async () => {
    await skopeoCopy(layout.dir, '1.4.3', api());
    const digest = await digestOf('1.4.3');
    const issue = await until(
      'the dashboard',
      () => dashboard()?.body?.includes('signature-missing') && dashboard(),
    );
    expect(issue.body ?? '').toContain('held: 1.4.3');
    expect(issue.body ?? '').toContain(digest);
    await serveIdle();
    expect(pulls()).toEqual([]);
    expect(reasons().at(-1)).toMatch(/^held: 1\.4\.3 \(sha256:[a-f0-9]{64}\): signature-missing/);
  });

  it('a signature by another key, pushed later, is refused: still no PR, and the dashboard names the check', async () => {
    const digest = await digestOf('1.4.3');
    await pushArtifact(
      host,
      'shop/api',
      `${digest.replace(':', '-')}.sig`,
      signImage(stranger, api(), digest),
    );
    const issue = await until(
      'the refusal',
      () => dashboard()?.body?.includes('signature-invalid') && dashboard(),
    );
    expect(issue.body ?? '').toContain('refused: 1.4.3');
    await serveIdle();
    expect(pulls()).toEqual([]);
  });

  it('the valid signature, pushed after, releases the image: a PR that changes exactly that tag', async () => {
    const digest = await digestOf('1.4.3');
    const started = performance.now();
    await pushArtifact(host, 'shop/api', `${digest.replace(':', '-')}.sig`, signImage(key, api(), digest));
    const pull = await until('the api PR', () => pulls().find((p) => p.headRef === 'image-updater/api'));
    console.info(`valid .sig push → PR on loopback: ${Math.round(performance.now() - started)} ms`);
    expect(pull.title).toBe('chore(images): update api to 1.4.3');
    expect(github.readFile(OWNER, REPO, pull.headRef, 'apps/deployment.yaml')).toContain(`${api()}:1.4.3\n`);
    await serveIdle();
    expect(reasons().some((r) => r.includes('signature verified (cosign .sig)'))).toBe(true);
  });

  it('costs 2 registry requests for a signed digest and 3 for an unsigned one (measured on loopback)', async () => {
    await skopeoCopy(layout.dir, '1.5.0', api());
    const paths: string[] = [];
    const counting: typeof fetch = (input, init) => {
      paths.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    const verifier = new CosignVerifier(
      new OciImageReader(new OciSession({ fetch: counting })),
      async (k) => k,
    );
    const request = async (tag: string) => ({
      image: api(),
      tag,
      digest: await digestOf(tag),
      verify: { cosign: { key: key.publicPem } },
    });
    const timed = async (tag: string) => {
      const r = await request(tag);
      paths.length = 0;
      const started = performance.now();
      const verdict = await verifier.verify(r);
      return { verdict, ms: performance.now() - started, requests: [...paths] };
    };
    const first = await timed('1.4.3');
    const signed = await timed('1.4.3');
    const unsigned = await timed('1.5.0');
    console.info(
      `verify on loopback: signed ${signed.requests.length} requests ${signed.ms.toFixed(1)} ms ` +
        `(first in the process ${first.ms.toFixed(1)} ms); ` +
        `unsigned ${unsigned.requests.length} requests ${unsigned.ms.toFixed(1)} ms`,
    );
    expect(signed.verdict).toMatchObject({ ok: true });
    expect(signed.requests.map((p) => p.replace(/[a-f0-9]{64}/g, 'HEX'))).toEqual([
      '/v2/shop/api/manifests/sha256-HEX.sig',
      '/v2/shop/api/blobs/sha256:HEX',
    ]);
    expect(unsigned.verdict).toMatchObject({ ok: false, check: 'signature-missing' });
    // Registry 2.8 has no referrers API: its 404 sends the reader to the referrers tag.
    expect(unsigned.requests.map((p) => p.replace(/[a-f0-9]{64}/g, 'HEX'))).toEqual([
      '/v2/shop/api/manifests/sha256-HEX.sig',
      '/v2/shop/api/referrers/sha256:HEX',
      '/v2/shop/api/manifests/sha256-HEX',
    ]);
  });

  it('a Sigstore bundle referrer (referrers tag schema) releases the next tag through serve; one signed by another key fails', async () => {
    await skopeoCopy(layout.dir, '1.5.0', api());
    const digest = await digestOf('1.5.0');
    const subject = { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 };
    const good = bundleReferrer(dsseBundle(key, api(), digest), subject);
    await pushArtifact(host, 'shop/api', good.manifest.digest, good);
    await pushManifest(host, 'shop/api', digest.replace(':', '-'), referrersIndex([good]));
    // Through serve: the referrers tag's push names the digest, and the PR moves to 1.5.0.
    await until('the PR at 1.5.0', () =>
      pulls().find((p) => p.title === 'chore(images): update api to 1.5.0'),
    );
    await serveIdle();
    expect(reasons().some((r) => r.includes('signature verified (Sigstore bundle referrer)'))).toBe(true);
    const verifier = new CosignVerifier(new OciImageReader(), async (k) => k);
    const request = { image: api(), tag: '1.5.0', digest, verify: { cosign: { key: key.publicPem } } };
    expect(await verifier.verify(request)).toMatchObject({ ok: true, via: 'referrer' });
    const forged = bundleReferrer(dsseBundle(stranger, api(), digest), subject);
    await pushArtifact(host, 'shop/api', forged.manifest.digest, forged);
    await pushManifest(host, 'shop/api', digest.replace(':', '-'), referrersIndex([forged]));
    expect(await verifier.verify(request)).toMatchObject({ ok: false, check: 'signature-invalid' });
  });
  it('a tampered payload under a valid signature opens nothing: the PR stays at the verified tag and the log says why', async () => {
    await skopeoCopy(layout.dir, '1.6.0', api());
    await until('1.6.0 held', () => reasons().some((r) => r.startsWith('held: 1.6.0')));
    await serveIdle();
    const digest = await digestOf('1.6.0');
    const payload = simpleSigningPayload(api(), digest);
    const tampered = Buffer.from(
      payload.toString().replace('"optional":null', '"optional":{"by":"someone else"}'),
    );
    const before = pulls().find((p) => p.headRef === 'image-updater/api');
    const logged = reasons().length;
    await pushArtifact(
      host,
      'shop/api',
      `${digest.replace(':', '-')}.sig`,
      sigManifest([{ payload: tampered, signature: signBytes(payload, key.privateKey) }]),
    );
    const reason = await until('the refusal in the log', () =>
      reasons()
        .slice(logged)
        .find((r) => r.startsWith('refused: 1.6.0')),
    );
    expect(reason).toContain('signature-invalid');
    await serveIdle();
    const after = pulls().find((p) => p.headRef === 'image-updater/api');
    expect(after?.title).toBe(before?.title);
    expect(after?.headSha).toBe(before?.headSha);
  });
});
