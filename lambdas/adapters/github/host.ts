/**
 * `GitHost` for GitHub and GitHub Enterprise Server, with a token or a GitHub App. For an App,
 * the installation is looked up per repository once and its Octokit (whose token
 * `@octokit/auth-app` renews before it expires) is reused by every later invocation.
 */
import { createAppAuth } from '@octokit/auth-app';
import type { DiscoveredRepo, GitHost, RepoClient, RepoClientOptions, RepoId } from '../../ports/git-host.ts';
import { anySignal } from './abort.ts';
import { GitHostError } from '../../ports/git-host-errors.ts';
import { toGitHostError } from './errors.ts';
import { createOctokit, type OctokitOptions, type UpdaterOctokit } from './octokit.ts';
import { GitHubRepoClient } from './repo-client.ts';
import type { RepoCache } from './repo-reads.ts';

export type GitHubAuth =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'app'; readonly appId: string | number; readonly privateKey: string };

export interface GitHubHostOptions extends Omit<OctokitOptions, 'auth' | 'authStrategy'> {
  readonly auth: GitHubAuth;
  /**
   * The default branch read speculatively on an instance's first event for a repository
   * (default `main`); a wrong guess costs one more round trip, once.
   */
  readonly defaultBranchGuess?: string;
  /** Stops every request of this host (a process shutting down), with each client's own. */
  readonly signal?: AbortSignal;
}

export class GitHubHost implements GitHost {
  private readonly caches = new Map<string, RepoCache>();
  private readonly installations = new Map<string, Promise<UpdaterOctokit>>();
  private readonly byInstallation = new Map<number, UpdaterOctokit>();
  private tokenOctokit: UpdaterOctokit | undefined;
  /** `performance.now()` by which this invocation's writes must have started. */
  private deadline: number | undefined;
  private appOctokit: UpdaterOctokit | undefined;

  constructor(private readonly options: GitHubHostOptions) {}

  setWriteDeadline(remainingMs: number | undefined): void {
    const octokits = [this.tokenOctokit, this.appOctokit, ...this.byInstallation.values()];
    for (const octokit of octokits) if (octokit) octokit.writeBudget.setDeadline(remainingMs);
    this.deadline = remainingMs === undefined ? undefined : performance.now() + remainingMs;
  }

  async repo(id: RepoId, options: RepoClientOptions = {}): Promise<RepoClient> {
    const key = `${id.owner}/${id.name}`.toLowerCase();
    let cache = this.caches.get(key);
    if (!cache) this.caches.set(key, (cache = {}));
    const signal = anySignal([this.options.signal, options.signal]);
    const octokit = await this.octokitFor(id, key, signal);
    // An Octokit built after `setWriteDeadline` (the first repository of a cold start) gets it too.
    octokit.writeBudget.setDeadline(
      this.deadline === undefined ? undefined : this.deadline - performance.now(),
    );
    return new GitHubRepoClient(octokit, id, cache, this.options.defaultBranchGuess, signal);
  }

  /** App auth only: with a token it fails (`GITHUB_FORBIDDEN`); the settings refuse discovery without an App. */
  async listRepositories(): Promise<readonly DiscoveredRepo[]> {
    const app = this.app();
    const installations = await this.call('list the App installations', () =>
      app.paginate(app.rest.apps.listInstallations, { per_page: 100, ...this.requestOptions() }),
    );
    const lists = await Promise.all(
      installations
        .filter((i) => !i.suspended_at)
        .map((installation) => this.listInstallationRepositories(installation.id)),
    );
    return lists.flat();
  }

  async listInstallationRepositories(installationId: number): Promise<readonly DiscoveredRepo[]> {
    const octokit = this.installation(installationId);
    const repos = await this.call(`list the repositories of installation ${installationId}`, () =>
      octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, {
        per_page: 100,
        ...this.requestOptions(),
      }),
    );
    return repos.map((repo) => {
      // Known now: the repository's first client needs no installation lookup.
      this.installations.set(repo.full_name.toLowerCase(), Promise.resolve(octokit));
      return {
        repo: repo.full_name,
        installationId,
        topics: repo.topics ?? [],
        archived: repo.archived || repo.disabled === true,
      };
    });
  }

  private requestOptions() {
    return this.options.signal ? { request: { signal: this.options.signal } } : {};
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toGitHostError(error, what);
    }
  }

  private app(): UpdaterOctokit {
    return (this.appOctokit ??= this.appAuthOctokit());
  }

  /** One Octokit per installation, whose token auth-app renews. */
  private installation(installationId: number): UpdaterOctokit {
    let octokit = this.byInstallation.get(installationId);
    if (!octokit) this.byInstallation.set(installationId, (octokit = this.appAuthOctokit(installationId)));
    return octokit;
  }

  /** The App itself (its JWT), or one of its installations. */
  private appAuthOctokit(installationId?: number): UpdaterOctokit {
    const { auth } = this.options;
    if (auth.kind !== 'app')
      throw new GitHostError(
        'GITHUB_FORBIDDEN',
        'listing installations and their repositories needs GitHub App credentials',
      );
    return createOctokit({
      ...this.octokitOptions(),
      authStrategy: createAppAuth,
      auth: {
        appId: auth.appId,
        privateKey: auth.privateKey,
        ...(installationId !== undefined ? { installationId } : {}),
      },
    });
  }

  /** The options every Octokit of this host shares (those of the host alone left out). */
  private octokitOptions(): Omit<OctokitOptions, 'auth' | 'authStrategy'> {
    const { auth: _auth, defaultBranchGuess: _guess, signal: _signal, ...rest } = this.options;
    return rest;
  }

  private async octokitFor(
    id: RepoId,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<UpdaterOctokit> {
    const { auth } = this.options;
    if (auth.kind === 'token') {
      this.tokenOctokit ??= createOctokit({ ...this.octokitOptions(), auth: auth.token });
      return this.tokenOctokit;
    }
    let pending = this.installations.get(key);
    if (!pending) {
      pending = this.installationOctokit(id, signal);
      this.installations.set(key, pending);
      // A failed lookup (App not installed yet) must not be cached forever.
      pending.catch(() => this.installations.delete(key));
    }
    return pending;
  }

  private async installationOctokit(id: RepoId, signal: AbortSignal | undefined): Promise<UpdaterOctokit> {
    const app = this.app();
    let installationId: number;
    try {
      const { data } = await app.rest.apps.getRepoInstallation({
        owner: id.owner,
        repo: id.name,
        ...(signal ? { request: { signal } } : {}),
      });
      installationId = data.id;
    } catch (error) {
      const failure = toGitHostError(error, `${id.owner}/${id.name}: look up the App installation`);
      if (failure.code === 'GITHUB_NOT_FOUND')
        throw new GitHostError(
          'GITHUB_NOT_INSTALLED',
          `the GitHub App is not installed on ${id.owner}/${id.name}`,
          {
            status: 404,
            cause: error,
          },
        );
      throw failure;
    }
    return this.installation(installationId);
  }
}
