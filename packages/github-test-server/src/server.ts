import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AppOptions } from './auth.ts';
import { AuthRegistry } from './auth.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { HttpError } from './errors.ts';
import type { Fault, FaultMatch, FaultRequest } from './faults.ts';
import { faultMatches, seededRandom } from './faults.ts';
import { describeGraphQL, executeGraphQL } from './graphql.ts';
import { commitTargetRepo } from './graphql-commits.ts';
import type { RateLimitOptions, RateSnapshot } from './limits.ts';
import { RateLimiter } from './limits.ts';
import type { CreateRepoOptions, FileInput, IssueRecord, Repo, RepoSettings, StatusState } from './model.ts';
import { World } from './model.ts';
import type { ApiDescription, ApiFlavor, OperationInfo } from './openapi.ts';
import { loadApiDescription, matchOperation } from './openapi.ts';
import { Renderer } from './render.ts';
import type { LoggedRequest } from './request-log.ts';
import { countRoundTrips } from './request-log.ts';
import { appRoutes } from './routes/apps.ts';
import type { Route, RouteContext, RouteResult } from './routes/context.ts';
import { gitRoutes } from './routes/git.ts';
import { issueRoutes } from './routes/issues.ts';
import { pullRoutes } from './routes/pulls.ts';
import { repoRoutes } from './routes/repos.ts';
import { releaseRoutes } from './routes/releases.ts';
import { validateRequest, validateResponse } from './validation.ts';

export interface GitHubTestServerOptions {
  /** Which official description to validate against; GHES flavours serve under `/api/v3`. */
  readonly flavor?: ApiFlavor;
  /** A personal token accepted from the start (default `test-token`); `false` for none. */
  readonly token?: string | false;
  /** Login behind `token` (default `updater-bot`). */
  readonly tokenLogin?: string;
  readonly clock?: Clock;
  /** Delay before each request is handled (ms, or a function of the request). */
  readonly latencyMs?: number | ((request: FaultRequest) => number);
  /** Seed for probabilistic faults (default 1). */
  readonly seed?: number;
  readonly rateLimit?: RateLimitOptions;
  /**
   * Treat undeclared query parameters and top-level body properties as violations (default
   * true): GitHub ignores them, so a misspelt option silently does nothing in production.
   */
  readonly strictParameters?: boolean;
  /** Validate every response against the description (default true). */
  readonly validateResponses?: boolean;
  /** Reads of `GET /pulls/{n}` answering `mergeable: null` after each head/base change (default 0). */
  readonly mergeabilityUnknownReads?: number;
  /**
   * `enablePullRequestAutoMerge` on a PR that is already mergeable: `reject` (GitHub's behaviour,
   * "Pull request is in clean status") or `merge` it at once. Default `reject`.
   */
  readonly autoMergeWhenClean?: 'reject' | 'merge';
  readonly treeTruncationLimit?: number;
  readonly app?: AppOptions;
}

export type ViolationKind =
  | 'request'
  | 'response'
  | 'unknown-operation'
  | 'not-emulated'
  | 'graphql'
  | 'malformed-json'
  | 'emulator-error';

export interface Violation {
  readonly kind: ViolationKind;
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly status: number;
  readonly messages: readonly string[];
}

export interface PullSummary {
  readonly number: number;
  readonly nodeId: string;
  readonly title: string;
  readonly body: string | null;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly draft: boolean;
  readonly headRef: string;
  readonly baseRef: string;
  readonly headSha: string;
  readonly mergeCommitSha: string | null;
  readonly mergedBy: string | null;
  readonly labels: readonly string[];
  readonly author: string;
  readonly requestedReviewers: readonly string[];
  readonly autoMerge: { readonly method: string; readonly enabledBy: string } | null;
  readonly mergeable: boolean | null;
  readonly mergeableState: string;
}

export interface IssueSummary {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: 'open' | 'closed';
  readonly labels: readonly string[];
  readonly author: string;
  readonly isPull: boolean;
}

export interface CommentSummary {
  readonly id: number;
  readonly body: string;
  readonly author: string;
}

export interface ConcurrentWriter {
  /** Commits made so far (one per trigger). */
  readonly commits: readonly string[];
  remove(): void;
}

export interface FaultHandle {
  readonly fired: number;
  remove(): void;
}

export type RequestHook = (request: FaultRequest) => void | Promise<void>;

export interface RequestFilter {
  readonly operationId?: string | RegExp;
  readonly method?: string;
}

/** Operations only a GitHub App's JWT may call. */
const APP_JWT_OPERATIONS = new Set([
  'apps/get-authenticated',
  'apps/get-installation',
  'apps/list-installations',
  'apps/get-repo-installation',
  'apps/create-installation-access-token',
]);

const NOT_WRITES = new Set(['apps/create-installation-access-token']);

const ROUTES: Readonly<Record<string, Route>> = {
  ...gitRoutes,
  ...repoRoutes,
  ...releaseRoutes,
  ...pullRoutes,
  ...issueRoutes,
  ...appRoutes,
};

/** Operation ids the emulator serves. */
export const EMULATED_OPERATIONS: readonly string[] = Object.keys(ROUTES).sort();

const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';
const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

interface Outcome {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
  raw?: { data: Buffer | string; contentType: string };
  networkError?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GitHubTestServer {
  readonly api: ApiDescription;
  readonly world: World;
  readonly clock: Clock;
  /** REST root to give Octokit as `baseUrl`. */
  url = '';
  /** Where GraphQL requests go. */
  graphqlUrl = '';
  origin = '';
  latencyMs: number | ((request: FaultRequest) => number);
  /** Fault rules, consulted in order; push to add. */
  readonly faults: Fault[] = [];
  readonly violations: Violation[] = [];
  readonly requests: LoggedRequest[] = [];

  private readonly http: Server;
  private readonly auth: AuthRegistry;
  private readonly limits: RateLimiter;
  private readonly random: () => number;
  private readonly fired = new WeakMap<Fault, number>();
  private readonly hooks: RequestHook[] = [];
  private readonly prefix: string;
  private readonly graphqlPath: string;
  private readonly strictParameters: boolean;
  private readonly validateResponses: boolean;
  private renderer!: Renderer;
  private nextRequestId = 0;

  constructor(options: GitHubTestServerOptions = {}) {
    const flavor = options.flavor ?? 'api.github.com';
    this.api = loadApiDescription(flavor, EMULATED_OPERATIONS);
    this.clock = options.clock ?? systemClock;
    this.world = new World(this.clock, {
      mergeabilityUnknownReads: options.mergeabilityUnknownReads ?? 0,
      autoMergeWhenClean: options.autoMergeWhenClean ?? 'reject',
      treeTruncationLimit: options.treeTruncationLimit ?? 100_000,
    });
    this.auth = new AuthRegistry(this.world);
    if (options.token !== false)
      this.auth.addToken(options.token ?? 'test-token', options.tokenLogin ?? 'updater-bot');
    if (options.app) this.auth.configureApp(options.app);
    this.limits = new RateLimiter(this.clock, options.rateLimit);
    this.latencyMs = options.latencyMs ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.prefix = flavor === 'api.github.com' ? '' : '/api/v3';
    this.graphqlPath = flavor === 'api.github.com' ? '/graphql' : '/api/graphql';
    this.strictParameters = options.strictParameters ?? true;
    this.validateResponses = options.validateResponses ?? true;
    this.http = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: String(error) }));
        }
      });
    });
    this.http.keepAliveTimeout = 1_000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    const { port } = this.http.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${this.prefix}`;
    this.graphqlUrl = `${this.origin}${this.graphqlPath}`;
    this.renderer = new Renderer(this.world, { api: this.url, web: this.origin });
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** How long loading the OpenAPI description took for the first server of this process. */
  get openapiLoad(): ApiDescription['load'] {
    return this.api.load;
  }

  // ---- seeding and inspection ---------------------------------------------------------------

  createRepo(
    owner: string,
    name: string,
    options: Omit<CreateRepoOptions, 'author'> = {},
  ): { owner: string; name: string; defaultBranch: string; head: string } {
    const repo = this.world.createRepo(owner, name, options);
    return {
      owner: repo.owner.login,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
      head: this.branchHead(owner, name, repo.defaultBranch) as string,
    };
  }

  private repoOrThrow(owner: string, name: string): Repo {
    const repo = this.world.repo(owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name}`);
    return repo;
  }

  updateRepoSettings(owner: string, name: string, settings: Partial<RepoSettings>): void {
    Object.assign(this.repoOrThrow(owner, name).settings, settings);
  }

  setRequiredChecks(owner: string, name: string, branch: string, contexts: readonly string[]): void {
    const repo = this.repoOrThrow(owner, name);
    if (contexts.length === 0) repo.requiredChecks.delete(branch);
    else repo.requiredChecks.set(branch, [...contexts]);
    this.world.settle(repo);
  }

  /** A file's text at a branch, tag or sha; undefined when absent. */
  readFile(owner: string, name: string, ref: string, path: string): string | undefined {
    const repo = this.repoOrThrow(owner, name);
    const sha = this.world.resolveCommitish(repo, ref);
    const tree = sha ? repo.store.commit(sha)?.tree : undefined;
    const entry = tree ? repo.store.lookup(tree, path) : undefined;
    return entry?.type === 'blob' ? repo.store.blob(entry.sha)?.toString('utf8') : undefined;
  }

  listFiles(owner: string, name: string, ref: string): string[] {
    const repo = this.repoOrThrow(owner, name);
    const sha = this.world.resolveCommitish(repo, ref);
    const tree = sha ? repo.store.commit(sha)?.tree : undefined;
    return tree ? [...repo.store.flatten(tree).keys()].sort() : [];
  }

  /** Commits as someone else would (default author `octocat`); creates the branch from the default branch if needed. */
  commitFiles(
    owner: string,
    name: string,
    branch: string,
    files: Record<string, FileInput>,
    message?: string | { message?: string; author?: string },
  ): string {
    const repo = this.repoOrThrow(owner, name);
    const options = typeof message === 'string' ? { message } : (message ?? {});
    return this.world.commitFiles(repo, branch, files, {
      ...(options.message !== undefined ? { message: options.message } : {}),
      author: this.world.account(options.author ?? 'octocat'),
    });
  }

  createBranch(owner: string, name: string, branch: string, from?: string): string {
    const repo = this.repoOrThrow(owner, name);
    const sha = this.world.resolveCommitish(repo, from ?? repo.defaultBranch);
    if (!sha) throw new Error(`cannot resolve ${from ?? repo.defaultBranch}`);
    this.world.setRef(repo, `refs/heads/${branch}`, sha, this.world.account('octocat'));
    return sha;
  }

  deleteBranch(owner: string, name: string, branch: string): void {
    this.world.deleteRef(
      this.repoOrThrow(owner, name),
      `refs/heads/${branch}`,
      this.world.account('octocat'),
    );
  }

  branchHead(owner: string, name: string, branch: string): string | undefined {
    return this.world.branchHead(this.repoOrThrow(owner, name), branch);
  }

  branches(owner: string, name: string): string[] {
    return [...this.repoOrThrow(owner, name).refs.keys()]
      .filter((ref) => ref.startsWith('refs/heads/'))
      .map((ref) => ref.slice('refs/heads/'.length))
      .sort();
  }

  /** The commit's message and parents (for assertions about history). */
  commit(
    owner: string,
    name: string,
    sha: string,
  ):
    | {
        message: string;
        parents: readonly string[];
        author: string;
        committer: string;
        tree: string;
        /** Signed by GitHub (an App's commit without author or committer). */
        verified: boolean;
      }
    | undefined {
    const store = this.repoOrThrow(owner, name).store;
    const commit = store.commit(sha);
    return commit
      ? {
          message: commit.message,
          parents: commit.parents,
          author: commit.author.name,
          committer: commit.committer.name,
          tree: commit.tree,
          verified: store.isSigned(sha),
        }
      : undefined;
  }

  private pullSummary(repo: Repo, issue: IssueRecord): PullSummary {
    const pull = issue.pull as NonNullable<IssueRecord['pull']>;
    const mergeability = this.world.mergeability(repo, issue);
    return {
      number: issue.number,
      nodeId: pull.nodeId,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      merged: pull.merged,
      draft: pull.draft,
      headRef: pull.headRef,
      baseRef: pull.baseRef,
      headSha: this.world.pullHeadSha(repo, issue),
      mergeCommitSha: pull.mergeCommitSha,
      mergedBy: pull.mergedBy?.login ?? null,
      labels: [...issue.labels],
      author: issue.user.login,
      requestedReviewers: [...pull.requestedReviewers],
      autoMerge: pull.autoMerge
        ? { method: pull.autoMerge.method, enabledBy: pull.autoMerge.enabledBy.login }
        : null,
      mergeable: mergeability.mergeable,
      mergeableState: mergeability.state,
    };
  }

  listPulls(owner: string, name: string, options: { state?: 'open' | 'closed' | 'all' } = {}): PullSummary[] {
    const repo = this.repoOrThrow(owner, name);
    const state = options.state ?? 'all';
    return [...repo.issues.values()]
      .filter((issue) => issue.pull && (state === 'all' || issue.state === state))
      .map((issue) => this.pullSummary(repo, issue));
  }

  getPull(owner: string, name: string, number: number): PullSummary | undefined {
    const repo = this.repoOrThrow(owner, name);
    const issue = repo.issues.get(number);
    return issue?.pull ? this.pullSummary(repo, issue) : undefined;
  }

  /** Issues only (pull requests excluded, unlike the REST list). */
  listIssues(
    owner: string,
    name: string,
    options: { state?: 'open' | 'closed' | 'all'; label?: string } = {},
  ): IssueSummary[] {
    const repo = this.repoOrThrow(owner, name);
    const state = options.state ?? 'all';
    return [...repo.issues.values()]
      .filter((issue) => !issue.pull && (state === 'all' || issue.state === state))
      .filter(
        (issue) =>
          !options.label ||
          issue.labels.some((label) => label.toLowerCase() === options.label?.toLowerCase()),
      )
      .map((issue) => ({
        number: issue.number,
        title: issue.title,
        body: issue.body,
        state: issue.state,
        labels: [...issue.labels],
        author: issue.user.login,
        isPull: false,
      }));
  }

  /** Publishes a release (or a draft) of a tag, as a person would (default author `octocat`). */
  createRelease(
    owner: string,
    name: string,
    input: {
      tag: string;
      name?: string;
      body?: string;
      draft?: boolean;
      prerelease?: boolean;
      author?: string;
    },
  ): number {
    const repo = this.repoOrThrow(owner, name);
    const id = this.world.newId();
    repo.releases.set(input.tag, {
      id,
      tagName: input.tag,
      name: input.name ?? input.tag,
      body: input.body ?? null,
      draft: input.draft ?? false,
      prerelease: input.prerelease ?? false,
      createdAt: this.world.clock.now(),
      author: this.world.account(input.author ?? 'octocat'),
    });
    return id;
  }

  /** Opens an issue as someone else would (default author `octocat`). */
  createIssue(
    owner: string,
    name: string,
    input: { title: string; body?: string; labels?: readonly string[]; author?: string },
  ): number {
    const repo = this.repoOrThrow(owner, name);
    return this.world.newIssue(repo, {
      title: input.title,
      body: input.body ?? null,
      user: this.world.account(input.author ?? 'octocat'),
      labels: input.labels ?? [],
    }).number;
  }

  /** Opens a pull request directly (e.g. one left by an earlier run); both branches must exist. */
  createPull(
    owner: string,
    name: string,
    input: {
      head: string;
      base?: string;
      title: string;
      body?: string;
      labels?: readonly string[];
      author?: string;
      draft?: boolean;
    },
  ): number {
    const repo = this.repoOrThrow(owner, name);
    const base = input.base ?? repo.defaultBranch;
    if (!this.world.branchHead(repo, input.head) || !this.world.branchHead(repo, base))
      throw new Error('createPull needs existing branches');
    return this.world.newIssue(
      repo,
      {
        title: input.title,
        body: input.body ?? null,
        user: this.world.account(input.author ?? 'updater-bot'),
        labels: input.labels ?? [],
      },
      {
        headRef: input.head,
        baseRef: base,
        draft: input.draft ?? false,
        maintainerCanModify: true,
      },
    ).number;
  }

  /** Comments on an issue or pull request, oldest first. */
  listComments(owner: string, name: string, number: number): CommentSummary[] {
    return [...this.repoOrThrow(owner, name).comments.values()]
      .filter((comment) => comment.issueNumber === number)
      .map((comment) => ({ id: comment.id, body: comment.body, author: comment.user.login }));
  }

  /** Reports a commit status as CI would; may complete an armed auto-merge. */
  setCommitStatus(owner: string, name: string, ref: string, context: string, state: StatusState): void {
    const repo = this.repoOrThrow(owner, name);
    const sha = this.world.resolveCommitish(repo, ref);
    if (!sha) throw new Error(`cannot resolve ${ref}`);
    this.world.addStatus(repo, sha, {
      context,
      state,
      description: null,
      targetUrl: null,
      creator: this.world.account('ci-bot'),
    });
  }

  // ---- credentials --------------------------------------------------------------------------

  /** Replaces every personal token with this one. */
  setToken(token: string, login = 'updater-bot'): void {
    this.auth.setToken(token, login);
  }

  addToken(token: string, login = 'updater-bot'): void {
    this.auth.addToken(token, login);
  }

  revokeToken(token: string): void {
    this.auth.revoke(token);
  }

  configureApp(options: AppOptions): { appId: number; slug: string; installationIds: number[] } {
    const app = this.auth.configureApp(options);
    return {
      appId: app.appId,
      slug: app.slug,
      installationIds: app.installations.map((installation) => installation.id),
    };
  }

  rateLimit(login: string, resource = 'core'): RateSnapshot {
    return this.limits.snapshot(`token:${login}`, resource);
  }

  // ---- faults and hooks -----------------------------------------------------------------------

  addFault(fault: Fault): FaultHandle {
    this.faults.push(fault);
    const fired = this.fired;
    const faults = this.faults;
    return {
      get fired() {
        return fired.get(fault) ?? 0;
      },
      remove() {
        const index = faults.indexOf(fault);
        if (index !== -1) faults.splice(index, 1);
      },
    };
  }

  /** Runs before each authenticated request is handled (after latency, before faults). */
  onRequest(hook: RequestHook): () => void {
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index !== -1) this.hooks.splice(index, 1);
    };
  }

  /**
   * Another writer commits to `branch` right before the next matching request is handled
   * (default: the next ref write — `git/update-ref` or `git/create-ref` — in that repository).
   */
  simulateConcurrentWriter(
    owner: string,
    name: string,
    branch: string,
    options: {
      before?: FaultMatch;
      files?: Record<string, FileInput>;
      message?: string;
      author?: string;
      times?: number;
    } = {},
  ): ConcurrentWriter {
    const commits: string[] = [];
    const times = options.times ?? 1;
    const match: FaultMatch = options.before ?? {
      operationId: /^(git\/(update-ref|create-ref)|graphql\/createCommitOnBranch)$/,
    };
    const remove = this.onRequest((request) => {
      if (commits.length >= times) return;
      if (request.repo?.toLowerCase() !== `${owner}/${name}`.toLowerCase() || !faultMatches(match, request))
        return;
      const files = options.files ?? {
        [`concurrent/change-${commits.length + 1}.txt`]: `concurrent change ${commits.length + 1}\n`,
      };
      commits.push(
        this.commitFiles(owner, name, branch, files, {
          message: options.message ?? 'Concurrent change',
          author: options.author ?? 'octocat',
        }),
      );
    });
    return { commits, remove };
  }

  // ---- request log ----------------------------------------------------------------------------

  private filtered(filter: RequestFilter | undefined): LoggedRequest[] {
    if (!filter) return this.requests;
    return this.requests.filter(
      (request) =>
        (filter.method === undefined || request.method === filter.method.toUpperCase()) &&
        (filter.operationId === undefined ||
          (request.operationId !== undefined &&
            (typeof filter.operationId === 'string'
              ? request.operationId === filter.operationId
              : filter.operationId.test(request.operationId)))),
    );
  }

  requestCount(filter?: RequestFilter): number {
    return this.filtered(filter).length;
  }

  writeCount(filter?: RequestFilter): number {
    return this.filtered(filter).filter((request) => request.write).length;
  }

  /** Sequential round trips over the logged requests (see `countRoundTrips`). */
  roundTrips(filter?: RequestFilter): number {
    return countRoundTrips(this.filtered(filter));
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map(
      (violation) =>
        `- [${violation.kind}] ${violation.method} ${violation.path}${violation.operationId ? ` (${violation.operationId})` : ''} → ${violation.status}: ${violation.messages.join('; ')}`,
    );
    throw new Error(
      `GitHub test server saw ${this.violations.length} off-spec exchange(s):\n${lines.join('\n')}`,
    );
  }

  // ---- request handling -------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', this.origin);
    const method = (request.method ?? 'GET').toUpperCase();
    const isGraphQL = url.pathname === this.graphqlPath;
    let path = url.pathname;
    if (!isGraphQL && this.prefix)
      path = path.startsWith(`${this.prefix}/`)
        ? path.slice(this.prefix.length)
        : `/__outside_api_root__${path}`;
    const entry: LoggedRequest = {
      id: (this.nextRequestId += 1),
      method,
      url: isGraphQL ? url.pathname : `${path}${url.search}`,
      operationId: undefined,
      status: 0,
      startedAt,
      endedAt: Number.NaN,
      write: method !== 'GET' && method !== 'HEAD',
      actor: undefined,
      fault: undefined,
      violation: false,
    };
    this.requests.push(entry);
    const violate = (kind: ViolationKind, status: number, messages: string[]) => {
      entry.violation = true;
      this.violations.push({
        kind,
        method,
        path: entry.url,
        operationId: entry.operationId,
        status,
        messages,
      });
    };

    const outcome = await this.process(method, path, url, raw, request, entry, violate, isGraphQL);
    entry.status = outcome.networkError ? -1 : outcome.status;
    if (outcome.networkError) {
      entry.endedAt = performance.now();
      request.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {
      date: new Date(this.clock.now()).toUTCString(),
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      ...outcome.headers,
    };
    let payload: Buffer | string = '';
    if (outcome.raw) {
      headers['content-type'] = outcome.raw.contentType;
      payload = outcome.raw.data;
    } else if (outcome.body !== undefined && outcome.status !== 204 && outcome.status !== 304) {
      headers['content-type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(outcome.body);
    }
    entry.endedAt = performance.now();
    response.writeHead(outcome.status, headers);
    response.end(payload);
  }

  private async process(
    method: string,
    path: string,
    url: URL,
    raw: Buffer,
    request: IncomingMessage,
    entry: LoggedRequest,
    violate: (kind: ViolationKind, status: number, messages: string[]) => void,
    isGraphQL: boolean,
  ): Promise<Outcome> {
    const error = (status: number, message: string, headers: Record<string, string> = {}): Outcome => ({
      status,
      body: new HttpError(status, message).body(),
      headers,
    });

    let body: unknown;
    const hasBody = raw.length > 0;
    if (hasBody) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        violate('malformed-json', 400, ['request body is not JSON']);
        return error(400, 'Problems parsing JSON');
      }
    }

    let operation: OperationInfo | undefined;
    let params: Record<string, string> = {};
    if (isGraphQL) {
      if (method !== 'POST') {
        violate('graphql', 404, ['GraphQL accepts POST only']);
        return error(404, 'Not Found');
      }
      const described = describeGraphQL(body);
      entry.operationId = `graphql/${described.rootFields.join(',') || 'invalid'}`;
      entry.write = described.operationType === 'mutation';
    } else {
      const matched = matchOperation(this.api, method, path);
      if (!matched.operation) {
        violate('unknown-operation', 404, [
          matched.pathExists
            ? `GitHub's API has no ${method} for this path`
            : 'no such path in the GitHub REST API',
        ]);
        return error(404, 'Not Found');
      }
      operation = matched.operation;
      params = matched.params;
      entry.operationId = operation.operationId;
      // Exchanging a JWT for a token is authentication, not content creation (the throttling
      // plugin and GitHub's secondary limits see it the same way).
      if (NOT_WRITES.has(operation.operationId)) entry.write = false;
      if (!ROUTES[operation.operationId]) {
        violate('not-emulated', 404, [
          `${operation.operationId} is in GitHub's API but not emulated by the test server`,
        ]);
        return error(404, `Not emulated by the GitHub test server: ${operation.operationId}`);
      }
    }
    const faultRequest: FaultRequest = {
      method,
      path,
      operationId: entry.operationId,
      repo:
        params.owner !== undefined && params.repo !== undefined
          ? `${params.owner}/${params.repo}`
          : isGraphQL
            ? commitTargetRepo(body)
            : undefined,
      write: entry.write,
      body,
    };

    const latency = typeof this.latencyMs === 'function' ? this.latencyMs(faultRequest) : this.latencyMs;
    if (latency > 0) await sleep(latency);

    let identity;
    try {
      identity = this.auth.authenticate(
        request.headers.authorization,
        operation ? APP_JWT_OPERATIONS.has(operation.operationId) : false,
      );
    } catch (failure) {
      if (failure instanceof HttpError) return { status: failure.status, body: failure.body(), headers: {} };
      throw failure;
    }
    entry.actor = identity.account.login;
    if (isGraphQL && identity.kind === 'app')
      return error(401, 'A JSON web token could not be used to access this endpoint');

    const resource = isGraphQL ? 'graphql' : 'core';
    const consumed = this.limits.consume(identity.rateKey, resource);
    const rateHeaders = (snapshot: RateSnapshot): Record<string, string> => ({
      'x-ratelimit-limit': String(snapshot.limit),
      'x-ratelimit-remaining': String(snapshot.remaining),
      'x-ratelimit-used': String(snapshot.used),
      'x-ratelimit-reset': String(snapshot.reset),
      'x-ratelimit-resource': snapshot.resource,
    });
    if (consumed.exceeded) {
      return error(
        403,
        `API rate limit exceeded for ${identity.installationId !== undefined ? `installation ID ${identity.installationId}` : `user ID ${identity.account.id}`}.`,
        rateHeaders(consumed.snapshot),
      );
    }
    let limitHeaders = rateHeaders(consumed.snapshot);

    for (const hook of [...this.hooks]) await hook(faultRequest);

    const fault = this.pickFault(faultRequest);
    if (fault && !fault.afterApply) {
      const faulted = await this.faultOutcome(fault, identity.rateKey, resource, entry, limitHeaders);
      if (faulted) return faulted;
    }

    if (entry.write) {
      const retryAfter = this.limits.secondaryRetryAfter(identity.rateKey);
      if (retryAfter > 0) {
        return {
          status: 403,
          body: {
            message: `${SECONDARY_RATE_LIMIT_MESSAGE} ${randomBytes(8).toString('hex').toUpperCase()}.`,
            documentation_url: SECONDARY_DOCS,
            status: '403',
          },
          headers: { ...limitHeaders, 'retry-after': String(retryAfter) },
        };
      }
      this.limits.recordWrite(identity.rateKey);
    }

    let outcome: Outcome;
    if (isGraphQL) {
      const result = executeGraphQL((body ?? {}) as Record<string, unknown>, {
        world: this.world,
        identity,
        webRoot: this.origin,
      });
      if (result.invalid)
        violate(
          'graphql',
          200,
          (result.body.errors ?? []).map((item) => item.message),
        );
      outcome = { status: 200, body: result.body, headers: limitHeaders };
    } else {
      const op = operation as OperationInfo;
      const query = Object.fromEntries(url.searchParams.entries());
      const check = validateRequest(
        this.api,
        op,
        { path: params, query, body, hasBody },
        this.strictParameters,
      );
      if (check.errors.length > 0) {
        const status = check.part === 'path' ? 404 : 422;
        violate('request', status, check.errors);
        return {
          status,
          body: new HttpError(
            status,
            status === 404 ? 'Not Found' : `Invalid request.\n\n${check.errors.join('\n')}`,
          ).body(),
          headers: limitHeaders,
        };
      }
      const context: RouteContext = {
        world: this.world,
        render: this.renderer,
        params: check.path,
        query: check.query,
        body,
        identity,
        actor: identity.account,
        headers: request.headers,
        url,
        apiRoot: this.url,
        auth: this.auth,
        limits: this.limits,
      };
      let result: RouteResult;
      try {
        result = (ROUTES[op.operationId] as Route)(context);
      } catch (failure) {
        if (!(failure instanceof HttpError)) {
          violate('emulator-error', 500, [
            failure instanceof Error ? (failure.stack ?? failure.message) : String(failure),
          ]);
          return error(500, 'Emulator error', limitHeaders);
        }
        result = { status: failure.status, body: failure.body(), headers: failure.headers };
      }
      outcome = {
        status: result.status,
        body: result.body,
        headers: { ...limitHeaders, ...result.headers },
        ...(result.raw ? { raw: result.raw } : {}),
      };
      if (this.validateResponses && !result.raw) {
        const verdict = validateResponse(this.api, op, result.status, result.body);
        if (!verdict.declared && result.status < 400) {
          violate('response', result.status, [
            `status ${result.status} is not declared for ${op.operationId}`,
          ]);
        }
        if (verdict.errors.length > 0) violate('response', result.status, verdict.errors);
      }
    }

    if (fault?.afterApply) {
      const faulted = await this.faultOutcome(fault, identity.rateKey, resource, entry, limitHeaders);
      if (faulted) return faulted;
    }

    if (method === 'GET' && outcome.status === 200) {
      const etag = `W/"${createHash('sha1')
        .update(outcome.raw ? outcome.raw.data : JSON.stringify(outcome.body))
        .digest('hex')}"`;
      outcome.headers.etag = etag;
      const ifNoneMatch = request.headers['if-none-match'];
      if (
        ifNoneMatch &&
        ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === etag.slice(2))
      ) {
        limitHeaders = rateHeaders(this.limits.refund(identity.rateKey, resource));
        return { status: 304, headers: { ...outcome.headers, ...limitHeaders } };
      }
    }
    return outcome;
  }

  private pickFault(request: FaultRequest): Fault | undefined {
    for (const fault of this.faults) {
      const fired = this.fired.get(fault) ?? 0;
      if (fired >= (fault.times ?? 1)) continue;
      if (!faultMatches(fault.match, request)) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      this.fired.set(fault, fired + 1);
      return fault;
    }
    return undefined;
  }

  private async faultOutcome(
    fault: Fault,
    rateKey: string,
    resource: string,
    entry: LoggedRequest,
    limitHeaders: Record<string, string>,
  ): Promise<Outcome | undefined> {
    const respond = fault.respond;
    if ('networkError' in respond) {
      entry.fault = 'network-error';
      return { status: 0, headers: {}, networkError: true };
    }
    if ('delayMs' in respond) {
      entry.fault = `delay ${respond.delayMs}ms`;
      await sleep(respond.delayMs);
      return undefined;
    }
    entry.fault = `status ${respond.status}`;
    if (respond.secondaryRateLimit) {
      return {
        status: respond.status,
        body: {
          message: `${SECONDARY_RATE_LIMIT_MESSAGE} ${randomBytes(8).toString('hex').toUpperCase()}.`,
          documentation_url: SECONDARY_DOCS,
          status: String(respond.status),
        },
        headers: { ...limitHeaders, 'retry-after': String(respond.retryAfter ?? 1), ...respond.headers },
      };
    }
    if (respond.primaryRateLimit) {
      const snapshot = this.limits.exhaust(rateKey, resource);
      return {
        status: respond.status,
        body: new HttpError(respond.status, 'API rate limit exceeded.', {
          documentationUrl: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        }).body(),
        headers: {
          'x-ratelimit-limit': String(snapshot.limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(snapshot.used),
          'x-ratelimit-reset': String(snapshot.reset),
          'x-ratelimit-resource': resource,
          ...respond.headers,
        },
      };
    }
    if (respond.nonFastForward && entry.operationId === 'graphql/createCommitOnBranch')
      return { status: 200, body: staleHeadAnswer(), headers: limitHeaders };
    const message = respond.nonFastForward
      ? 'Update is not a fast forward'
      : (respond.message ?? defaultMessage(respond.status));
    return {
      status: respond.status,
      body: respond.body ?? new HttpError(respond.status, message).body(),
      headers: { ...limitHeaders, ...respond.headers },
    };
  }
}

/** GitHub's answer to `createCommitOnBranch` on a branch that is not at `expectedHeadOid`. */
function staleHeadAnswer(): unknown {
  return {
    data: { createCommitOnBranch: null },
    errors: [
      {
        type: 'STALE_DATA',
        path: ['createCommitOnBranch'],
        locations: [{ line: 2, column: 3 }],
        message:
          'Expected branch to point to "0000000000000000000000000000000000000000" but it did not.  Pull and try again.',
      },
    ],
  };
}

function defaultMessage(status: number): string {
  const messages: Record<number, string> = {
    400: 'Bad Request',
    401: 'Bad credentials',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    422: 'Validation Failed',
    500: 'Server Error',
    502: 'Server Error',
    503: 'Service Unavailable',
    504: 'We couldn\u2019t respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.',
  };
  return messages[status] ?? 'Injected fault';
}

/** Starts a server on 127.0.0.1 with a random port. */
export async function createGitHubTestServer(
  options: GitHubTestServerOptions = {},
): Promise<GitHubTestServer> {
  const server = new GitHubTestServer(options);
  await server.listen();
  return server;
}
