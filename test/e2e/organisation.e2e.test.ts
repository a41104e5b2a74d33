/**
 * The organisation-scale path end to end with real parts: `image-updater serve` (the real CLI, a
 * child process) as a GitHub App with no `--repo` (discovery) and GitHub's webhook secret, the
 * CNCF Distribution registry on loopback notifying it, `skopeo` pushing, the GitHub test server
 * holding the App's installation. A push costs requests only in the repositories that watch
 * its image; a config change pushed to a repository (GitHub's `push` event) opens its PR from the
 * registry's tag list without any registry push; an invalid one opens the config issue; a
 * repository added to the installation (`installation_repositories`) is picked up.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const SECRET = 'e2e-webhook-secret-6f1c0b2d9a';
const GITHUB_SECRET = 'e2e-github-app-webhook-secret-7d2';
const OWNER = 'platform';
const APP_ID = 3131;
const INSTALLATION = 61;

const skipReason =
  MISSING_BINARIES.length > 0
    ? ` (skipped: ${MISSING_BINARIES.join(' and ')} not installed; scripts/ci-setup.sh installs them)`
    : '';
if (process.env.CI && MISSING_BINARIES.length > 0)
  throw new Error(
    `CI must run the organisation end-to-end test: ${MISSING_BINARIES.join(' and ')} not installed`,
  );

describe.skipIf(MISSING_BINARIES.length > 0)(
  `organisation: discovery, the index and GitHub events${skipReason}`,
  () => {
    let github: GitHubTestServer;
    let registry: RunningRegistry;
    let serve: ServeProcess | undefined;
    let serveUrl: string;
    let layout: OciLayout;
    let work: string;
    let host: string;

    const api = () => `${host}/shop/api`;
    const config = (image: string) =>
      `version: 1\npolicies:\n  - name: app\n    image: ${image}\n    strategy: semver\n`;
    const deployment = (image: string, tag: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}:${tag}\n`;
    const logLines = () => serve?.lines() ?? [];
    const pullsOf = (repo: string) => github.listPulls(OWNER, repo, { state: 'open' });

    const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> =>
      waitFor(what, probe, timeoutMs, () => `${serve?.output() ?? ''}`);

    /** Posts one GitHub event as the App's webhook does (signed, with a delivery id). */
    async function githubEvent(event: string, payload: unknown): Promise<number> {
      const body = JSON.stringify(payload);
      const response = await fetch(`${serveUrl}/webhooks/github`, {
        method: 'POST',
        headers: githubHeaders(event, randomUUID(), body, GITHUB_SECRET),
        body,
      });
      return response.status;
    }
    const configPush = (repo: string) => pushPayload(`${OWNER}/${repo}`, { installationId: INSTALLATION });
    /** Requests to each repository since the last reset. */
    const requestsTo = () => {
      const counts = new Map<string, number>();
      for (const r of github.requests) {
        const match = new RegExp(`^/repos/${OWNER}/([^/?]+)`).exec(r.url);
        if (match) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
      }
      return counts;
    };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'iu-org-'));
      layout = writeOciLayout(join(work, 'oci'), ['1.4.3']);
      github = await createGitHubTestServer();
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      github.configureApp({
        appId: APP_ID,
        privateKeyPem: privateKey,
        installations: [{ id: INSTALLATION, account: OWNER }],
      });
      const registryPort = await freePort();
      host = `127.0.0.1:${registryPort}`;
      const web = `${host}/shop/web`;
      // env-0 watches api; env-1 has no config yet; env-2..9 watch web.
      github.createRepo(OWNER, 'env-0', {
        files: { '.image-updater.yaml': config(api()), 'app.yaml': deployment(api(), '1.4.2') },
      });
      github.createRepo(OWNER, 'env-1', { files: { 'app.yaml': deployment(api(), '1.4.2') } });
      for (let i = 2; i < 10; i++)
        github.createRepo(OWNER, `env-${i}`, {
          files: { '.image-updater.yaml': config(web), 'app.yaml': deployment(web, '1.0.0') },
        });

      serve = await startServe({
        cli: CLI,
        args: ['--port', '0', '--github-api', github.url],
        home: work,
        env: {
          GITHUB_APP_ID: String(APP_ID),
          GITHUB_APP_PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
        },
      });
      serveUrl = serve.url;
      await until('the index', () => logLines().find((l) => l.message === 'image index built'), 30_000);
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

    it('discovered the installation: ten repositories, nine with a config', () => {
      const built = logLines().find((l) => l.message === 'image index built');
      expect(built).toMatchObject({ repositories: 10, watching: 9 });
    });

    it('a registry push costs requests only in the repository that watches its image', async () => {
      github.resetLog();
      await skopeoCopy(layout.dir, '1.4.3', api());
      const pull = await until('the PR in env-0', () => pullsOf('env-0')[0]);
      expect(github.readFile(OWNER, 'env-0', pull.headRef, 'app.yaml')).toBe(deployment(api(), '1.4.3'));
      expect([...requestsTo().keys()]).toEqual(['env-0']);
    });

    it('a config pushed to a repository opens its PR from the tag list, with no registry push', async () => {
      github.commitFiles(OWNER, 'env-1', 'main', { '.image-updater.yaml': config(api()) });
      const sent = performance.now();
      expect(await githubEvent('push', configPush('env-1'))).toBe(202);
      const pull = await until('the PR in env-1', () => pullsOf('env-1')[0]);
      const latency = performance.now() - sent;
      console.log(`config push event → first PR: ${Math.round(latency)} ms`);
      expect(github.readFile(OWNER, 'env-1', pull.headRef, 'app.yaml')).toBe(deployment(api(), '1.4.3'));
    });

    it('an invalid config pushed to a repository opens its config issue', async () => {
      github.commitFiles(OWNER, 'env-2', 'main', {
        '.image-updater.yaml': 'version: 1\npolicies:\n  - name: app\n    strategy: nope\n',
      });
      const sent = performance.now();
      expect(await githubEvent('push', configPush('env-2'))).toBe(202);
      const issue = await until('the config issue', () =>
        github
          .listIssues(OWNER, 'env-2', { state: 'open' })
          .find((i) => i.title.includes('.image-updater.yaml')),
      );
      console.log(`config push event → config issue: ${Math.round(performance.now() - sent)} ms`);
      expect(issue.body).toMatch(/\.image-updater\.yaml:4:\d+/);
    });

    it('a repository added to the installation is picked up and updated', async () => {
      github.createRepo(OWNER, 'env-new', {
        files: { '.image-updater.yaml': config(api()), 'app.yaml': deployment(api(), '1.4.2') },
      });
      const status = await githubEvent('installation_repositories', {
        action: 'added',
        installation: { id: INSTALLATION },
        repository_selection: 'selected',
        repositories_added: [
          { id: 1, node_id: 'R_1', name: 'env-new', full_name: `${OWNER}/env-new`, private: true },
        ],
        repositories_removed: [],
        requester: null,
        sender: { login: 'octocat', type: 'User' },
      });
      expect(status).toBe(202);
      const pull = await until('the PR in env-new', () => pullsOf('env-new')[0]);
      expect(github.readFile(OWNER, 'env-new', pull.headRef, 'app.yaml')).toBe(deployment(api(), '1.4.3'));
    });
  },
);
