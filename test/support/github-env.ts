import { Octokit } from '@octokit/rest';
import { afterEach } from 'vitest';
import { loadConfig } from '../../lambdas/config/load.ts';
import { GitHubHost, type GitHubHostOptions } from '../../lambdas/adapters/github/host.ts';
import {
  applyToRepo,
  type ApplyMemo,
  type ApplyOptions,
  type ApplyRequest,
  type RepoReport,
} from '../../lambdas/core/apply/apply.ts';
import type { PushedImage } from '../../lambdas/core/push.ts';
import type { PullRequestEvent } from '../../lambdas/core/repo-events.ts';
import {
  createGitHubTestServer,
  type GitHubTestServer,
  type GitHubTestServerOptions,
} from '@image-updater/github-test-server';

export const OWNER = 'acme';
export const REPO = 'gitops';
export const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
/** The requests that move an existing branch: a ref update, or an appended commit (GraphQL). */
export const BRANCH_MOVES = /^(git\/update-ref|graphql\/createCommitOnBranch)$/;

/**
 * One environment repository on the GitHub test server, and the production GitHub adapter
 * (real Octokit with its plugins) pointed at it, with retry waits shrunk to milliseconds.
 */
export interface GitHubEnv {
  readonly server: GitHubTestServer;
  readonly host: GitHubHost;
  readonly memo: ApplyMemo;
  apply(
    request: ApplyRequest | readonly PushedImage[],
    options?: { configPath?: string; apply?: Partial<ApplyOptions> },
  ): Promise<RepoReport>;
  read(path: string, ref?: string): string | undefined;
  close(): Promise<void>;
}

/** The write budget switched on, as in production, and generous: for tests not about its limits. */
export const GENEROUS_WRITE_BUDGET = { writesPerMinute: 1000, writesPerHour: 10_000 } as const;

/**
 * `githubEnv` for one test at a time: after each test, the environment the test opened is
 * checked for GitHub contract violations and closed.
 */
export function githubEnvPerTest(): typeof githubEnv {
  let env: GitHubEnv | undefined;
  afterEach(async () => {
    env?.server.assertNoViolations();
    await env?.close();
    env = undefined;
  });
  return async (files, options) => (env = await githubEnv(files, options));
}

export async function githubEnv(
  files: Record<string, string>,
  options: {
    server?: GitHubTestServerOptions;
    repoSettings?: Record<string, unknown>;
    requiredChecks?: readonly string[];
    /** The GitHub adapter's own settings (write budgets); the defaults switch the budget off. */
    host?: Partial<Omit<GitHubHostOptions, 'auth' | 'baseUrl'>>;
  } = {},
): Promise<GitHubEnv> {
  const server = await createGitHubTestServer(options.server);
  server.createRepo(OWNER, REPO, {
    files,
    ...(options.repoSettings ? { settings: options.repoSettings } : {}),
    ...(options.requiredChecks ? { requiredChecks: [...options.requiredChecks] } : {}),
  });
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
    retryAfterBaseMs: 1,
    ...options.host,
  });
  const memo: ApplyMemo = { checkedConfigs: new Set() };
  return {
    server,
    host,
    memo,
    async apply(request, opts = {}) {
      const client = await host.repo({ owner: OWNER, name: REPO });
      const req: ApplyRequest = Array.isArray(request)
        ? { pushes: request as PushedImage[] }
        : (request as ApplyRequest);
      return applyToRepo(client, req, {
        configPath: opts.configPath ?? '.image-updater.yaml',
        loadConfig,
        memo,
        sleep: async () => {},
        backoffMs: 1,
        ...opts.apply,
      });
    },
    read: (path, ref = 'main') => server.readFile(OWNER, REPO, ref, path),
    close: () => server.close(),
  };
}

export const deployment = (image: string, name = 'api') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image} # the tag is bumped by image-updater
`;

export const push = (image: string, tag: string, extra: Partial<PushedImage> = {}): PushedImage => ({
  image,
  tag,
  ...extra,
});

/** The open updater PR of a policy (or group): its branch is `image-updater/<key>`. */
export function openPull(env: GitHubEnv, key: string) {
  return env.server
    .listPulls(OWNER, REPO, { state: 'open' })
    .find((p) => p.headRef === `image-updater/${key}`);
}

/** Merges a policy's open PR as a person would (`alice`, squash), and returns the event GitHub sends. */
export async function mergeAsPerson(
  env: GitHubEnv,
  key: string,
): Promise<PullRequestEvent & { mergeCommitSha: string }> {
  const pull = openPull(env, key);
  if (!pull) throw new Error(`no open PR for ${key}`);
  env.server.addToken('alice-token', 'alice');
  const alice = new Octokit({ baseUrl: env.server.url, auth: 'alice-token' });
  const merged = await alice.rest.pulls.merge({
    owner: OWNER,
    repo: REPO,
    pull_number: pull.number,
    merge_method: 'squash',
  });
  return {
    type: 'pull-request',
    repo: `${OWNER}/${REPO}`,
    number: pull.number,
    action: 'closed',
    merged: true,
    headRef: pull.headRef,
    headSha: pull.headSha,
    baseRef: 'main',
    mergeCommitSha: merged.data.sha,
    sender: 'alice',
    senderIsBot: false,
  };
}

/** Closes or reopens a pull request as a person would (`alice`, not the updater's identity). */
export async function setPullStateAsPerson(
  env: GitHubEnv,
  number: number,
  state: 'open' | 'closed',
): Promise<void> {
  env.server.addToken('alice-token', 'alice');
  const alice = new Octokit({ baseUrl: env.server.url, auth: 'alice-token' });
  await alice.rest.pulls.update({ owner: OWNER, repo: REPO, pull_number: number, state });
}
