/**
 * GitHub's answers as `GitHostError`s: the only place that reads GitHub's status codes, headers
 * and message texts. Where the status alone cannot tell two answers apart (a 422 for a branch
 * that exists and one for an update that is not a fast-forward), the texts matched are the ones
 * GitHub sends, each pinned below with where it was recorded; the GitHub test server sends the
 * same texts.
 */
import { GraphqlResponseError } from '@octokit/graphql';
import { RequestError } from '@octokit/request-error';
import { GitHostError, type GitHostErrorCode } from '../../ports/git-host-errors.ts';
import { WriteBudgetExhaustedError } from './write-budget.ts';

/** Socket and DNS failures (Node) and undici's own, as they appear in a fetch error's cause. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * 422 texts (the body's `message`, or one of its `errors[].message`) that name a more precise
 * code than GITHUB_UNPROCESSABLE.
 * - `Reference already exists`: POST /git/refs for an existing ref, as recorded in
 *   renovatebot/renovate#20281 (`{"message":"Reference already exists","documentation_url":…}`).
 * - `Update is not a fast forward`: PATCH /git/refs/… without `force`, as recorded in
 *   philschatz/octokit.js#21.
 * - `A pull request already exists for OWNER:BRANCH.`: POST /pulls, in `errors[]` of a
 *   "Validation Failed" with `code: custom`, as recorded in github/VisualStudio#453 and
 *   google/go-github#1441.
 * - `Reference does not exist`: PATCH or DELETE /git/refs/… of a branch that is gone (the test
 *   server answers so; `deleteBranch` has treated that 422 as "already gone" all along).
 */
const UNPROCESSABLE_TEXTS: readonly (readonly [(text: string) => boolean, GitHostErrorCode])[] = [
  [(text) => text === 'Reference already exists', 'ALREADY_EXISTS'],
  [(text) => text.startsWith('A pull request already exists for '), 'ALREADY_EXISTS'],
  [(text) => text === 'Update is not a fast forward', 'NOT_FAST_FORWARD'],
  [(text) => text === 'Reference does not exist', 'GITHUB_NOT_FOUND'],
];

/**
 * `enablePullRequestAutoMerge` on a pull request with nothing pending: GitHub answers a GraphQL
 * error of type UNPROCESSABLE with one of these, as recorded in
 * peter-evans/enable-pull-request-automerge#343 (clean) and #355 (unstable: only checks that
 * are not required are failing or pending).
 */
const MERGEABLE_NOW_TEXTS = new Set([
  'Pull request Pull request is in clean status',
  'Pull request Pull request is in unstable status',
]);

/**
 * `createCommitOnBranch` with an `expectedHeadOid` the branch no longer points to: HTTP 200 with
 * a GraphQL error of type STALE_DATA, "Expected branch to point to \"<oid>\" but it did not.  Pull
 * and try again.", as recorded in donaldgifford/repo-guardian
 * docs/impl/0028-controls-foundations-v1-runtime-removal-client-split-two-apps.md (Spike 1). The
 * type is what is matched; the text is only the fallback of an answer without one.
 */
const STALE_HEAD_TYPE = 'STALE_DATA';
const STALE_HEAD_TEXT = 'Expected branch to point to ';

/**
 * A 403/429 is a rate limit when `x-ratelimit-remaining` is 0 or `retry-after` is set, or "with
 * an error message that indicates that you exceeded a secondary rate limit" (docs.github.com,
 * "Troubleshooting the REST API" › Rate limit errors). The texts, as recorded in
 * KnpLabs/php-github-api#1070 and #1126: "API rate limit exceeded for installation ID …",
 * "You have exceeded a secondary rate limit. Please wait a few minutes …" and "… secondary rate
 * limit and have been temporarily blocked from content creation …".
 */
const RATE_LIMIT_TEXT = /rate limit/i;

type Failure = 'aborted' | 'unreachable' | undefined;

/**
 * What the error chain says about the transport. @octokit/request rethrows an aborted fetch's
 * `AbortError` as it is (with `status` 500 set), and wraps any other fetch failure in a
 * `RequestError` with status 500, no `response`, and the fetch `TypeError` (whose own cause holds
 * the socket error's `code`) as `cause`; `AbortSignal.timeout` aborts with a `TimeoutError`.
 */
function transportFailure(error: unknown): Failure {
  let found: Failure;
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (found === 'aborted' || depth > 6 || e === null || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const { name, code, cause, errors } = e as {
      name?: unknown;
      code?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (name === 'AbortError') found = 'aborted';
    else if (name === 'TimeoutError' || (typeof code === 'string' && NETWORK_CODES.has(code)))
      found ??= 'unreachable';
    visit(cause, depth + 1);
    // Happy eyeballs: one connection error per address.
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return found;
}

/** What GitHub answered, reduced to what the classification reads. */
interface GitHubAnswer {
  readonly status: number;
  /** The body's `message` and every `errors[].message`. */
  readonly texts: readonly string[];
  readonly headers: Readonly<Record<string, string | number | undefined>>;
}

/** The code and retryability of one answer from GitHub's REST API. */
function classifyAnswer(answer: GitHubAnswer): { code: GitHostErrorCode; retryable: boolean } {
  const { status, texts, headers } = answer;
  // Retryable once: an App's installation token may have expired mid-flight; a caller that sees
  // it again gives up (the worker refreshes the credentials in between).
  if (status === 401) return { code: 'GITHUB_UNAUTHORIZED', retryable: true };
  if (status === 403 || status === 429) {
    const limited =
      status === 429 ||
      headers['retry-after'] !== undefined ||
      String(headers['x-ratelimit-remaining']) === '0' ||
      texts.some((text) => RATE_LIMIT_TEXT.test(text));
    return limited
      ? { code: 'GITHUB_RATE_LIMITED', retryable: true }
      : { code: 'GITHUB_FORBIDDEN', retryable: false };
  }
  if (status === 404) return { code: 'GITHUB_NOT_FOUND', retryable: false };
  if (status === 409) return { code: 'GITHUB_CONFLICT', retryable: true };
  if (status === 422) {
    const precise = UNPROCESSABLE_TEXTS.find(([matches]) => texts.some(matches));
    return { code: precise?.[1] ?? 'GITHUB_UNPROCESSABLE', retryable: false };
  }
  if (status >= 500) return { code: 'GITHUB_SERVER_ERROR', retryable: true };
  return { code: 'GITHUB_UNPROCESSABLE', retryable: false };
}

/** The code and retryability of a GraphQL answer whose `errors` are set (HTTP 200). */
function classifyGraphqlErrors(errors: readonly { readonly type?: string; readonly message: string }[]): {
  code: GitHostErrorCode;
  retryable: boolean;
} {
  if (errors.some((e) => e.type === 'RATE_LIMITED')) return { code: 'GITHUB_RATE_LIMITED', retryable: true };
  if (errors.some((e) => e.type === STALE_HEAD_TYPE || (!e.type && e.message.startsWith(STALE_HEAD_TEXT))))
    return { code: 'NOT_FAST_FORWARD', retryable: false };
  if (errors.some((e) => MERGEABLE_NOW_TEXTS.has(e.message)))
    return { code: 'ALREADY_MERGEABLE', retryable: false };
  return { code: 'GITHUB_REQUEST_FAILED', retryable: true };
}

/** Maps an Octokit `RequestError` or `GraphqlResponseError` (or a network failure) to a `GitHostError`. */
export function toGitHostError(error: unknown, what: string): GitHostError {
  if (error instanceof GitHostError) return error;
  if (error instanceof WriteBudgetExhaustedError)
    return new GitHostError('GITHUB_RATE_LIMITED', `${what}: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  const transport = transportFailure(error);
  if (transport === 'aborted')
    return new GitHostError('ABORTED', `${what}: aborted (the work was given up)`, { cause: error });
  // No answer: the status 500 of a RequestError without a response is @octokit/request's stand-in.
  if (transport === 'unreachable' || (error instanceof RequestError && error.response === undefined))
    return new GitHostError('GITHUB_UNREACHABLE', `${what}: GitHub unreachable: ${causeLine(error)}`, {
      retryable: true,
      cause: error,
    });
  if (error instanceof RequestError) {
    const { code, retryable } = classifyAnswer(answerOf(error));
    const detail =
      code === 'GITHUB_UNAUTHORIZED'
        ? `GitHub rejected the credentials (401 ${firstLine(error.message)})`
        : firstLine(error.message);
    return new GitHostError(code, `${what}: ${detail}`, { status: error.status, retryable, cause: error });
  }
  if (error instanceof GraphqlResponseError) {
    const { code, retryable } = classifyGraphqlErrors(error.errors ?? []);
    const detail = (error.errors ?? []).map((e) => e.message).join('; ') || firstLine(error.message);
    return new GitHostError(code, `${what}: ${detail}`, { retryable, cause: error });
  }
  return new GitHostError('GITHUB_REQUEST_FAILED', `${what}: ${firstLine(messageOf(error))}`, {
    retryable: true,
    cause: error,
  });
}

function answerOf(error: RequestError): GitHubAnswer {
  const data: unknown = error.response?.data;
  const texts: string[] = [];
  if (data !== null && typeof data === 'object') {
    const { message, errors } = data as { message?: unknown; errors?: unknown };
    if (typeof message === 'string') texts.push(message);
    if (Array.isArray(errors))
      for (const inner of errors as unknown[])
        if (
          inner !== null &&
          typeof inner === 'object' &&
          typeof (inner as { message?: unknown }).message === 'string'
        )
          texts.push((inner as { message: string }).message);
  }
  return { status: error.status, texts, headers: error.response?.headers ?? {} };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The innermost message with its code: `connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`. */
function causeLine(error: unknown): string {
  let e = error as { message?: unknown; code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 6 && e?.cause !== undefined && typeof e.cause === 'object'; depth++)
    e = e.cause as typeof e;
  const message = firstLine(String(e?.message ?? error));
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
