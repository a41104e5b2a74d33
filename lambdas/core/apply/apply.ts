/**
 * Applies pushes to one environment repository (SPEC §6): read its state in one round trip,
 * decide per policy, and for each branch/PR unit write at most one atomic commit, then open,
 * update, merge or close its pull request. Every ref update is fast-forward only; when another
 * writer wins a race the attempt is rebuilt on the new state, with backoff.
 *
 * The parts: `attempt.ts` (one attempt), `open-pulls.ts` (what the open PRs propose),
 * `closed-pulls.ts` (what PRs closed unmerged by a person hold back), `unit-action.ts` (each
 * unit's action and its write cost), `executors.ts` (running it), `merge.ts`, `orphans.ts`.
 */
import type { ConfigLoader, ConfigLoadResult } from '../config.ts';
import type { RepoClient, RepoState } from '../../ports/git-host.ts';
import type { HealthReport } from '../plan/health.ts';
import type { PushedImage } from '../push.ts';
import type { TagCandidate } from '../tags/index.ts';
import { attemptOnce } from './attempt.ts';
import { ConcurrentUpdateError } from './errors.ts';
import type { PrState } from './pr-state.ts';
import type { ProvenanceReader } from '../../ports/provenance.ts';
import type { SignatureVerifier } from '../../ports/signature-verifier.ts';
import type { RepoReport } from './report.ts';

export type { RepoReport } from './report.ts';

export interface ApplyRequest {
  /** Pushes of one batch, any images; each policy takes those of its image. */
  readonly pushes: readonly PushedImage[];
  /** Registry tag lists per image, when listed (reconcile, `newest`). */
  readonly tagLists?: ReadonlyMap<string, readonly TagCandidate[]>;
  /** Decide every policy from the tag lists, not only those watching a pushed image. */
  readonly reconcile?: boolean;
  /** The caller's clock, which `minimumReleaseAge` is measured at. */
  readonly now?: Date;
  /**
   * Decide the `promote` policies whose source's files are among these paths (`all`: every
   * promote policy): a change landed on a base branch (docs/promotion.md).
   */
  readonly promotions?: 'all' | readonly string[];
  /** Health reports this event brought (`promote: { when: healthy }`): kept on the dashboard. */
  readonly health?: readonly HealthReport[];
}

/** Per warm function instance: which valid configs already had their config issue checked. */
export interface ApplyMemo {
  readonly checkedConfigs: Set<string>;
}

/** What the caller already read: the first attempt uses it instead of reading again. */
interface Prefetched {
  readonly state: RepoState;
  /** `state.config`'s text parsed; parsed here when absent. */
  readonly config?: ConfigLoadResult;
}

export interface ApplyOptions {
  readonly configPath: string;
  /** Parses the config file's text: `lambdas/config/load.ts` `loadConfig` (the core imports no parser). */
  readonly loadConfig: ConfigLoader;
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly memo?: ApplyMemo;
  readonly prefetched?: Prefetched;
  /** Checks signatures for policies with `verify`; without it their updates are held. */
  readonly verifier?: SignatureVerifier;
  /**
   * Reads the pushed image's provenance labels for the PR's Provenance section; without it the
   * section is left out.
   */
  readonly provenance?: ProvenanceReader;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function applyToRepo(
  client: RepoClient,
  request: ApplyRequest,
  options: ApplyOptions,
): Promise<RepoReport> {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  const random = options.random ?? Math.random;
  // Updater branches found without an open PR, by unit key: what their head proposes.
  const leftovers = new Map<string, PrState>();
  // A retry reads the state afresh, but a config blob that did not change is not parsed again.
  let parsed: { readonly sha: string; readonly result: Promise<ConfigLoadResult> } | undefined;
  const prefetched = options.prefetched;
  const opened = new Set<string>();
  if (prefetched?.state.config && prefetched.config)
    parsed = { sha: prefetched.state.config.sha, result: Promise.resolve(prefetched.config) };
  const parse = (config: NonNullable<RepoState['config']>) => {
    if (parsed?.sha !== config.sha) parsed = { sha: config.sha, result: options.loadConfig(config.text) };
    return parsed.result;
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      // A retry after a lost race always reads afresh.
      const state = attempt === 1 ? prefetched?.state : undefined;
      const report = await attemptOnce({ client, request, options, state, leftovers, opened, parse });
      return { ...report, attempts: attempt };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= maxAttempts) throw error;
      if (error.branchHead) leftovers.set(error.branchHead.key, error.branchHead);
      // Full jitter: concurrent writers that collided once should not collide again in step.
      await (options.sleep ?? sleepFor)(random() * backoffMs * 2 ** (attempt - 1));
    }
  }
}
