/**
 * Fault injection: rules that answer matching requests with an error, drop the connection or
 * delay them. Probabilistic rules draw from a seeded PRNG, so a run is reproducible.
 */

export interface FaultRequest {
  readonly method: string;
  /** Path without the API prefix and query, e.g. `/repos/o/r/git/refs/heads%2Fmain`. */
  readonly path: string;
  readonly operationId: string | undefined;
  /** `owner/name` when the path names a repository. */
  readonly repo: string | undefined;
  readonly write: boolean;
  readonly body: unknown;
}

export interface FaultMatch {
  readonly method?: string;
  /** Exact path (as in `FaultRequest.path`, decoded or not) or a pattern tested against it. */
  readonly path?: string | RegExp;
  readonly operationId?: string | RegExp;
  readonly repo?: string;
  readonly write?: boolean;
  readonly when?: (request: FaultRequest) => boolean;
}

export type FaultResponse =
  | {
      readonly status: number;
      readonly message?: string;
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
      /** 403/429 with `retry-after` and GitHub's secondary-rate-limit message. */
      readonly secondaryRateLimit?: boolean;
      /** Seconds, for `secondaryRateLimit` (default 1). */
      readonly retryAfter?: number;
      /** 403/429 with `x-ratelimit-remaining: 0`: the identity's budget is spent until reset. */
      readonly primaryRateLimit?: boolean;
      /**
       * 422 "Update is not a fast forward"; to `createCommitOnBranch`, GitHub's 200 with a
       * STALE_DATA error ("Expected branch to point to …").
       */
      readonly nonFastForward?: boolean;
    }
  | { readonly networkError: true }
  | { readonly delayMs: number };

export interface Fault {
  readonly match?: FaultMatch;
  /** How many times it fires (default 1; `Infinity` for always). */
  readonly times?: number;
  /** Chance of firing per matching request (default 1), drawn from the seeded PRNG. */
  readonly probability?: number;
  readonly respond: FaultResponse;
  /** Apply the request first, then answer with the fault: the write happened, the client can't tell. */
  readonly afterApply?: boolean;
}

/** mulberry32: tiny, fast, good enough for test schedules. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultMatches(match: FaultMatch | undefined, request: FaultRequest): boolean {
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== request.method) return false;
  if (match.path !== undefined) {
    if (typeof match.path === 'string') {
      if (match.path !== request.path && match.path !== safeDecode(request.path)) return false;
    } else if (!match.path.test(request.path) && !match.path.test(safeDecode(request.path))) {
      return false;
    }
  }
  if (match.operationId !== undefined) {
    if (request.operationId === undefined) return false;
    if (
      typeof match.operationId === 'string'
        ? match.operationId !== request.operationId
        : !match.operationId.test(request.operationId)
    ) {
      return false;
    }
  }
  if (match.repo !== undefined && match.repo.toLowerCase() !== request.repo?.toLowerCase()) return false;
  if (match.write !== undefined && match.write !== request.write) return false;
  return !match.when || match.when(request);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
