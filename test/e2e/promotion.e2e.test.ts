/**
 * Environment promotion end to end with real parts (docs/promotion.md): `image-updater serve`
 * (the real CLI, a child process) with GitHub's webhook secret, the CNCF Distribution registry on
 * loopback notifying it, `skopeo` pushing, the GitHub test server holding the environment
 * repository. dev follows the registry; staging promotes from dev, prod from staging. A merged
 * dev PR (GitHub's `pull_request` closed/merged event) proposes staging with the same tag and
 * digest; a merged staging PR proposes prod; a tag re-pushed as another image reaches neither.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.ts';
import {
  freePort,
  MISSING_BINARIES,
  skopeoCopy,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { writeOciLayout, type OciLayout } from '../support/oci-layout.ts';
import { githubHeaders, pushPayload } from '../support/github-events.ts';

const CLI = fileURLToPath(new URL('../../bin/image-updater.mjs', import.meta.url));
const SECRET = 'e2e-webhook-secret-promotion-4b1';
const GITHUB_SECRET = 'e2e-github-webhook-secret-promotion-9c';
const OWNER = 'acme';
const REPO = 'gitops';
/** A second repository, whose dev commits straight to main (`update: commit`). */
const DIRECT = 'gitops-direct';
/** A third, whose staging soaks what dev runs for 2 s (`promote.after`). */
const SOAK = 'gitops-soak';
/** A fourth, whose prod waits for staging to report healthy (`when: healthy`, Argo CD). */
const HEALTH = 'gitops-health';
const ARGO_SECRET = 'e2e-argocd-notifications-secret-7d';

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';
if (process.env.CI && MISSING_BINARIES.length > 0)
  throw new Error(
    `CI must run the promotion end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`,
  );

describe.skipIf(MISSING_BINARIES.length > 0)(`promotion through serve${skipReason}`, () => {
  let github: GitHubTestServer;
  let registry: RunningRegistry;
  let serve: ServeProcess | undefined;
  let serveUrl: string;
  let releases: OciLayout;
  let rebuilt: OciLayout;
  let work: string;
  let host: string;

  const api = () => `${host}/shop/api`;
  const deployment = (name: string, ref: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${ref}\n`;
  const pullOf = (policy: string, repo = REPO) =>
    github.listPulls(OWNER, repo, { state: 'open' }).find((p) => p.headRef === `image-updater/${policy}`);
  const fileOn = (ref: string, path: string) => github.readFile(OWNER, REPO, ref, path) ?? '';
  const imageIn = (text: string) => /image: (\S+)/.exec(text)?.[1];

  const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
    waitFor(what, probe, timeoutMs, () => `${serve?.output() ?? ''}`);

  /** Merges the policy's PR as a person and delivers GitHub's `pull_request` closed event. */
  async function mergeAndNotify(
    policy: string,
    repo = REPO,
  ): Promise<{ sent: number; number: number; sha: string }> {
    const pull = pullOf(policy, repo);
    if (!pull) throw new Error(`no open PR for ${policy}`);
    const alice = new Octokit({ baseUrl: github.url, auth: 'alice-token' });
    const merged = await alice.rest.pulls.merge({
      owner: OWNER,
      repo,
      pull_number: pull.number,
      merge_method: 'squash',
    });
    const payload = {
      action: 'closed',
      number: pull.number,
      pull_request: {
        merged: true,
        merge_commit_sha: merged.data.sha,
        head: { ref: pull.headRef, sha: pull.headSha, repo: { full_name: `${OWNER}/${repo}` } },
        base: { ref: 'main' },
      },
      repository: { full_name: `${OWNER}/${repo}`, default_branch: 'main' },
      sender: { login: 'alice', type: 'User' },
    };
    const body = JSON.stringify(payload);
    const sent = performance.now();
    const response = await fetch(`${serveUrl}/webhooks/github`, {
      method: 'POST',
      headers: githubHeaders('pull_request', randomUUID(), body, GITHUB_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    return { sent, number: pull.number, sha: merged.data.sha };
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'iu-promote-'));
    releases = writeOciLayout(join(work, 'releases'), ['1.4.2', '1.5.0', '1.6.0']);
    // Another image under a tag of its own, pushed later as 1.5.0: a re-pushed tag.
    rebuilt = writeOciLayout(join(work, 'rebuilt'), ['1.5.0-rebuilt']);
    github = await createGitHubTestServer();
    github.addToken('alice-token', 'alice');
    const registryPort = await freePort();
    host = `127.0.0.1:${registryPort}`;
    github.createRepo(OWNER, REPO, {
      files: {
        '.image-updater.yaml': [
          'version: 1',
          'defaults:',
          '  mergeStrategy: immediate',
          'policies:',
          '  - name: api-dev',
          `    image: ${host}/shop/api`,
          '    files: ["envs/dev/**"]',
          '    pin: tag+digest',
          '  - name: api-staging',
          `    image: ${host}/shop/api`,
          '    promote: { from: api-dev }',
          '    files: ["envs/staging/**"]',
          '    pin: tag+digest',
          '  - name: api-prod',
          `    image: ${host}/shop/api`,
          '    promote: { from: api-staging }',
          '    files: ["envs/prod/**"]',
          '    pin: tag+digest',
          '',
        ].join('\n'),
        'envs/dev/api.yaml': deployment('api-dev', `${host}/shop/api:1.4.2`),
        'envs/staging/api.yaml': deployment('api-staging', `${host}/shop/api:1.4.2`),
        'envs/prod/api.yaml': deployment('api-prod', `${host}/shop/api:1.4.2`),
      },
    });

    github.createRepo(OWNER, DIRECT, {
      files: {
        '.image-updater.yaml': [
          'version: 1',
          'policies:',
          '  - name: worker-dev',
          `    image: ${host}/shop/worker`,
          '    files: ["envs/dev/**"]',
          '    pin: tag+digest',
          '    update: commit',
          '  - name: worker-staging',
          `    image: ${host}/shop/worker`,
          '    promote: { from: worker-dev }',
          '    files: ["envs/staging/**"]',
          '    pin: tag+digest',
          '',
        ].join('\n'),
        'envs/dev/worker.yaml': deployment('worker-dev', `${host}/shop/worker:1.4.2`),
        'envs/staging/worker.yaml': deployment('worker-staging', `${host}/shop/worker:1.4.2`),
      },
    });

    github.createRepo(OWNER, SOAK, {
      files: {
        '.image-updater.yaml': [
          'version: 1',
          'policies:',
          '  - name: cart-dev',
          `    image: ${host}/shop/cart`,
          '    files: ["envs/dev/**"]',
          '    pin: tag+digest',
          '  - name: cart-staging',
          `    image: ${host}/shop/cart`,
          '    promote: { from: cart-dev, after: 2s }',
          '    files: ["envs/staging/**"]',
          '    pin: tag+digest',
          '',
        ].join('\n'),
        'envs/dev/cart.yaml': deployment('cart-dev', `${host}/shop/cart:1.4.2`),
        'envs/staging/cart.yaml': deployment('cart-staging', `${host}/shop/cart:1.4.2`),
      },
    });

    github.createRepo(OWNER, HEALTH, {
      files: {
        '.image-updater.yaml': [
          'version: 1',
          'policies:',
          '  - name: web-dev',
          `    image: ${host}/shop/web`,
          '    files: ["envs/dev/**"]',
          '    pin: tag+digest',
          '  - name: web-staging',
          `    image: ${host}/shop/web`,
          '    promote: { from: web-dev }',
          '    files: ["envs/staging/**"]',
          '    pin: tag+digest',
          '  - name: web-prod',
          `    image: ${host}/shop/web`,
          '    promote: { from: web-staging, when: healthy, application: shop-web-staging }',
          '    files: ["envs/prod/**"]',
          '    pin: tag+digest',
          '',
        ].join('\n'),
        'envs/dev/web.yaml': deployment('web-dev', `${host}/shop/web:1.4.2`),
        'envs/staging/web.yaml': deployment('web-staging', `${host}/shop/web:1.4.2`),
        'envs/prod/web.yaml': deployment('web-prod', `${host}/shop/web:1.4.2`),
      },
    });

    serve = await startServe({
      cli: CLI,
      args: [
        '--port',
        '0',
        '--repo',
        `${OWNER}/${REPO}`,
        '--repo',
        `${OWNER}/${DIRECT}`,
        '--repo',
        `${OWNER}/${SOAK}`,
        '--repo',
        `${OWNER}/${HEALTH}`,
        '--github-api',
        github.url,
      ],
      home: work,
      env: {
        GITHUB_TOKEN: 'test-token',
        WEBHOOK_SECRET: JSON.stringify({ default: SECRET, argocd: ARGO_SECRET }),
        GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
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

  let released: string | undefined;

  it('a registry push opens the dev PR only', async () => {
    await skopeoCopy(releases.dir, '1.5.0', api());
    const pull = await until('the dev PR', () => pullOf('api-dev'));
    released = imageIn(fileOn(pull.headRef, 'envs/dev/api.yaml'));
    expect(released).toMatch(new RegExp(`^${host}/shop/api:1\\.5\\.0@sha256:[0-9a-f]{64}$`));
    expect(pullOf('api-staging')).toBeUndefined();
    expect(pullOf('api-prod')).toBeUndefined();
  });

  it('dev merged → a staging PR with the same tag and digest, within a second', async () => {
    const { sent, number } = await mergeAndNotify('api-dev');
    const pull = await until('the staging PR', () => pullOf('api-staging'));
    const latency = performance.now() - sent;
    console.log(`pull_request merged event → promotion PR (dev → staging): ${Math.round(latency)} ms`);
    expect(imageIn(fileOn(pull.headRef, 'envs/staging/api.yaml'))).toBe(released);
    expect(pull.body).toContain(`brought there by #${number}`);
    expect(pullOf('api-prod')).toBeUndefined();
    expect(latency).toBeLessThan(1000);
  });

  it('a tag re-pushed as another image moves neither staging nor prod (nor dev: same tag)', async () => {
    await skopeoCopy(rebuilt.dir, '1.5.0-rebuilt', api(), '1.5.0');
    // Events of one image are applied in order: once 1.6.0 is in the dev PR, the re-push was seen.
    await skopeoCopy(releases.dir, '1.6.0', api());
    await until('the dev PR at 1.6.0', () => pullOf('api-dev')?.title.includes('1.6.0'));
    expect(imageIn(fileOn('main', 'envs/dev/api.yaml'))).toBe(released);
    expect(imageIn(fileOn('image-updater/api-staging', 'envs/staging/api.yaml'))).toBe(released);
    expect(pullOf('api-prod')).toBeUndefined();
  });

  it('a direct commit upstream (update: commit) → GitHub’s push event → a staging PR with its tag and digest', async () => {
    await skopeoCopy(releases.dir, '1.5.0', `${host}/shop/worker`);
    const committed = await until('the dev commit', () =>
      /worker:1\.5\.0@sha256:[0-9a-f]{64}/.test(
        github.readFile(OWNER, DIRECT, 'main', 'envs/dev/worker.yaml') ?? '',
      ),
    );
    expect(committed).toBe(true);
    const devRuns = imageIn(github.readFile(OWNER, DIRECT, 'main', 'envs/dev/worker.yaml') ?? '');
    // What GitHub sends for that commit: a push to main changing the dev file.
    const body = JSON.stringify(pushPayload(`${OWNER}/${DIRECT}`, { paths: ['envs/dev/worker.yaml'] }));
    const sent = performance.now();
    const response = await fetch(`${serveUrl}/webhooks/github`, {
      method: 'POST',
      headers: githubHeaders('push', randomUUID(), body, GITHUB_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    const pull = await until('the staging PR', () =>
      github
        .listPulls(OWNER, DIRECT, { state: 'open' })
        .find((p) => p.headRef === 'image-updater/worker-staging'),
    );
    console.log(`push event (direct commit) → promotion PR: ${Math.round(performance.now() - sent)} ms`);
    expect(imageIn(github.readFile(OWNER, DIRECT, pull.headRef, 'envs/staging/worker.yaml') ?? '')).toBe(
      devRuns,
    );
  });

  it('staging merged → a prod PR with what staging runs (not dev’s newer PR)', async () => {
    const { sent } = await mergeAndNotify('api-staging');
    const pull = await until('the prod PR', () => pullOf('api-prod'));
    const latency = performance.now() - sent;
    console.log(`pull_request merged event → promotion PR (staging → prod): ${Math.round(latency)} ms`);
    expect(imageIn(fileOn(pull.headRef, 'envs/prod/api.yaml'))).toBe(released);
    expect(latency).toBeLessThan(1000);
  });

  it('promote.after: dev merged → staging held while it soaks, then its PR opens when due, without another event', async () => {
    await skopeoCopy(releases.dir, '1.5.0', `${host}/shop/cart`);
    await until('the cart dev PR', () => pullOf('cart-dev', SOAK));
    const { sent, number } = await mergeAndNotify('cart-dev', SOAK);
    // The merged PR's run holds staging and says so on the dashboard.
    const dashboard = await until('the dashboard saying staging soaks', () =>
      github.listIssues(OWNER, SOAK, { state: 'open' }).find((i) => i.body?.includes('soaking until')),
    );
    expect(dashboard.body).toMatch(
      /\*\*held\*\*: "cart-dev" runs 1\.5\.0 on main since \S+Z, soaking until \S+Z &#40;promote\.after 2s&#41;/,
    );
    expect(pullOf('cart-staging', SOAK)).toBeUndefined();
    const pull = await until('the staging PR once due', () => pullOf('cart-staging', SOAK), 10_000);
    const waited = performance.now() - sent;
    console.log(`pull_request merged event → promotion PR after a 2 s soak: ${Math.round(waited)} ms`);
    expect(pull.body).toContain(`brought there by #${number}`);
    expect(pull.body).toMatch(
      /- soak: ran \d+ s of the required 2 s \(`promote\.after: 2s`, due at \S+Z\)\./,
    );
    expect(imageIn(github.readFile(OWNER, SOAK, pull.headRef, 'envs/staging/cart.yaml') ?? '')).toBe(
      imageIn(github.readFile(OWNER, SOAK, 'main', 'envs/dev/cart.yaml') ?? ''),
    );
    // merged_at has whole seconds: the soak ends 1–2 s after the merge.
    expect(waited).toBeGreaterThan(900);
  });

  it('when: healthy: an Argo CD report for an older commit does not release prod; one for the merged staging commit does', async () => {
    await skopeoCopy(releases.dir, '1.5.0', `${host}/shop/web`);
    await until('the web dev PR', () => pullOf('web-dev', HEALTH));
    const dev = await mergeAndNotify('web-dev', HEALTH);
    await until('the web staging PR', () => pullOf('web-staging', HEALTH));
    const staging = await mergeAndNotify('web-staging', HEALTH);
    const dashboardSays = (text: string) =>
      github
        .listIssues(OWNER, HEALTH, { state: 'open' })
        .find((i) => i.title === 'image-updater dashboard' && i.body?.includes(text));
    await until('prod held for a health report', () =>
      dashboardSays(`waiting for shop-web-staging to report healthy at ${staging.sha.slice(0, 12)}`),
    );
    const argo = async (revision: string) => {
      const body = JSON.stringify({
        application: 'shop-web-staging',
        revision,
        health: 'Healthy',
        sync: 'Synced',
      });
      const response = await fetch(`${serveUrl}/webhooks/argocd?repo=${OWNER}/${HEALTH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ARGO_SECRET}` },
        body,
      });
      expect(response.status).toBe(202);
    };
    // Healthy at dev's merge: staging's change is not in it.
    await argo(dev.sha);
    await until('the older report on the dashboard', () => dashboardSays('which does not contain it'));
    expect(pullOf('web-prod', HEALTH)).toBeUndefined();
    // Healthy at the merged staging commit: the prod PR.
    const sent = performance.now();
    await argo(staging.sha);
    const pull = await until('the prod PR', () => pullOf('web-prod', HEALTH));
    const latency = performance.now() - sent;
    console.log(`Argo CD health report → promotion PR (staging → prod): ${Math.round(latency)} ms`);
    expect(pull.body).toContain(
      `  - health: shop-web-staging reported healthy at \`${staging.sha}\` (argocd, `,
    );
    expect(imageIn(github.readFile(OWNER, HEALTH, pull.headRef, 'envs/prod/web.yaml') ?? '')).toBe(
      imageIn(github.readFile(OWNER, HEALTH, 'main', 'envs/staging/web.yaml') ?? ''),
    );
    expect(latency).toBeLessThan(1000);
  });
});
