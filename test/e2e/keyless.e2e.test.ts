/**
 * Keyless signature verification end to end, with real parts and no network: the CNCF
 * Distribution registry sends its notifications to `image-updater serve` (the real CLI), given a
 * locally made Sigstore trusted root (`SIGSTORE_TRUSTED_ROOT`: a CA, a CT log key, a Rekor key),
 * which opens PRs on the GitHub test server. The image is pushed with `skopeo copy`; its keyless
 * signatures are made here in cosign's exact `.sig` layout (certificate, chain and Rekor entry in
 * the layer annotations) and as a Sigstore bundle referrer, and pushed over the distribution API.
 * A signature by another identity opens no PR and the dashboard says why; the right identity's
 * opens one; a bundle by the right identity moves it to the next tag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { OciImageReader } from '../../lambdas/adapters/registry/oci-image-reader.ts';
import { OciSession } from '../../lambdas/adapters/registry/oci-session.ts';
import { CosignVerifier } from '../../lambdas/adapters/sigstore/cosign-verifier.ts';
import { bundleReferrer, pushArtifact, pushManifest, referrersIndex } from '../support/cosign.ts';
import {
  freePort,
  MISSING_BINARIES,
  skopeoCopy,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import {
  keylessDsseBundle,
  keylessSigManifest,
  localSigstore,
  signKeyless,
  type LocalSigstore,
} from '../support/keyless.ts';
import { writeOciLayout, type OciLayout } from '../support/oci-layout.ts';

const CLI = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));
const SECRET = 'e2e-webhook-secret-9c1d4e7f2a';
const OWNER = 'acme';
const REPO = 'keyless';
const IDENTITY = 'https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';
if (process.env.CI && MISSING_BINARIES.length > 0)
  throw new Error(`CI must run the keyless end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`);

describe.skipIf(MISSING_BINARIES.length > 0)(
  `keyless signed pushes → serve → pull request${skipReason}`,
  () => {
    let sigstore: LocalSigstore;
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
    const reasons = () =>
      logLines()
        .filter((l) => l.message === 'repository processed')
        .flatMap((l) =>
          (l.decisions as { policy: string; reason: string }[]).filter((d) => d.policy === 'api'),
        )
        .map((d) => d.reason);

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

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'iu-e2e-keyless-'));
      layout = writeOciLayout(join(work, 'oci'), ['1.4.3', '1.5.0']);
      sigstore = await localSigstore();
      const trustedRoot = join(work, 'trusted_root.json');
      writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRoot));
      github = await createGitHubTestServer();
      const registryPort = await freePort();
      host = `127.0.0.1:${registryPort}`;
      github.createRepo(OWNER, REPO, {
        files: {
          '.image-updater.yaml': [
            'version: 1',
            'policies:',
            '  - name: api',
            `    image: ${host}/shop/api`,
            '    files: ["apps/**"]',
            '    pin: tag+digest',
            `    verify: {cosign: {identity: "${IDENTITY}", issuer: "${ISSUER}"}}`,
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
          SIGSTORE_TRUSTED_ROOT: trustedRoot,
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

    it('a keyless signature by another identity opens no PR; the dashboard and the log name the check', async () => {
      await skopeoCopy(layout.dir, '1.4.3', api());
      const digest = await digestOf('1.4.3');
      await until('1.4.3 held', () => reasons().some((r) => r.startsWith('held: 1.4.3')));
      const wrong = await signKeyless(sigstore, api(), digest, {
        identity: 'https://github.com/mallory/fork/.github/workflows/release.yml@refs/heads/main',
        issuer: ISSUER,
      });
      await pushArtifact(host, 'shop/api', `${digest.replace(':', '-')}.sig`, keylessSigManifest([wrong]));
      const issue = await until(
        'the refusal on the dashboard',
        () => dashboard()?.body?.includes('identity-mismatch') && dashboard(),
      );
      expect(issue.body ?? '').toContain('refused: 1.4.3');
      expect(issue.body ?? '').toContain('mallory/fork');
      await serveIdle();
      expect(pulls()).toEqual([]);
      expect(reasons().at(-1)).toMatch(
        /^refused: 1\.4\.3 \(sha256:[a-f0-9]{64}\): identity-mismatch: signed by/,
      );
    });

    it('a keyless signature by the identity and issuer the policy names opens the PR, pinned to the verified digest', async () => {
      const digest = await digestOf('1.4.3');
      const started = performance.now();
      const good = await signKeyless(sigstore, api(), digest, { identity: IDENTITY, issuer: ISSUER });
      await pushArtifact(host, 'shop/api', `${digest.replace(':', '-')}.sig`, keylessSigManifest([good]));
      const pull = await until('the api PR', () => pulls().find((p) => p.headRef === 'image-updater/api'));
      console.info(`keyless .sig push → PR on loopback: ${Math.round(performance.now() - started)} ms`);
      expect(pull.title).toBe('chore(images): update api to 1.4.3');
      expect(github.readFile(OWNER, REPO, pull.headRef, 'apps/deployment.yaml')).toContain(
        `${api()}:1.4.3@${digest}\n`,
      );
      await serveIdle();
      expect(reasons().some((r) => r.includes('signature verified (cosign .sig)'))).toBe(true);
    });

    it('costs the same 2 registry requests as a key-based check (measured on loopback)', async () => {
      const paths: string[] = [];
      const counting: typeof fetch = (input, init) => {
        paths.push(new URL(String(input)).pathname);
        return fetch(input, init);
      };
      const verifier = new CosignVerifier(
        new OciImageReader(new OciSession({ fetch: counting })),
        async (k) => k,
        { trustedRoot: async () => sigstore.trustedRoot },
      );
      const request = {
        image: api(),
        tag: '1.4.3',
        digest: await digestOf('1.4.3'),
        verify: { cosign: { identity: IDENTITY, issuer: ISSUER } },
      };
      const timed = async () => {
        paths.length = 0;
        const started = performance.now();
        const verdict = await verifier.verify(request);
        return { verdict, ms: performance.now() - started, requests: [...paths] };
      };
      const first = await timed();
      const warm = await timed();
      console.info(
        `keyless verify on loopback: ${warm.requests.length} requests ${warm.ms.toFixed(1)} ms ` +
          `(first in the process ${first.ms.toFixed(1)} ms)`,
      );
      expect(warm.verdict).toMatchObject({ ok: true, via: 'sig-tag' });
      expect(warm.requests.map((p) => p.replace(/[a-f0-9]{64}/g, 'HEX'))).toEqual([
        '/v2/shop/api/manifests/sha256-HEX.sig',
        '/v2/shop/api/blobs/sha256:HEX',
      ]);
    });

    it('a keyless Sigstore bundle referrer by the right identity moves the PR to the next tag', async () => {
      await skopeoCopy(layout.dir, '1.5.0', api());
      const digest = await digestOf('1.5.0');
      const subject = { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 };
      const referrer = bundleReferrer(
        await keylessDsseBundle(sigstore, api(), digest, { identity: IDENTITY, issuer: ISSUER }),
        subject,
      );
      await pushArtifact(host, 'shop/api', referrer.manifest.digest, referrer);
      await pushManifest(host, 'shop/api', digest.replace(':', '-'), referrersIndex([referrer]));
      await until('the PR at 1.5.0', () =>
        pulls().find((p) => p.title === 'chore(images): update api to 1.5.0'),
      );
      await serveIdle();
      expect(reasons().some((r) => r.includes('signature verified (Sigstore bundle referrer)'))).toBe(true);
    });
  },
);
