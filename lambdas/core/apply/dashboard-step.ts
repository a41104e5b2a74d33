/**
 * The attempt's last step: the dashboard's lines for the policies this run decided, written when
 * the body changed. Its failure costs the run nothing (the PRs are done): the report says so and
 * the next run that decides those policies, at the latest the reconcile, writes them.
 */
import type { Config } from '../config.ts';
import type { RepoClient, RepoState } from '../../ports/git-host.ts';
import { candidatesFor } from '../plan/plan.ts';
import { decidedPolicies, failureCode } from '../dashboard/lines.ts';
import { planDashboard, type DashboardAction } from '../dashboard/sync.ts';
import type { ApplyRequest } from './apply.ts';
import type { OpenPull } from './open-pulls.ts';
import type { UnitFailure, UnitReport } from './report.ts';
import { policyWatches, type PolicyDecision } from '../plan/decide.ts';
import type { FileProblem } from '../plan/scan.ts';
import type { HealthReport } from '../plan/health.ts';

export type DashboardOutcome = DashboardAction | { readonly failed: string };

/** A unit's word to the dashboard: its report (early: its PR just opened), or its failure. */
interface UnitWord {
  readonly report?: UnitReport;
  readonly failure?: UnitFailure;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface Planned {
  readonly decisions: readonly PolicyDecision[];
  readonly units: readonly Promise<UnitWord>[];
  /** The problems of each decided policy's files, by policy name. */
  readonly problems: ReadonlyMap<string, readonly FileProblem[]>;
}

/** What one base branch's work tells the dashboard. */
export interface BaseFeed {
  planned(
    decisions: readonly PolicyDecision[],
    units: readonly Promise<UnitWord>[],
    problems: ReadonlyMap<string, readonly FileProblem[]>,
  ): void;
  unit(): Deferred<UnitWord>;
}

/**
 * Collects, from every base branch's work, the decisions and each unit's word as soon as it is
 * known, so the dashboard is written while the last units finish (a new PR's labels and merge
 * step) rather than after them: its write adds no round trip.
 */
export class DashboardFeed {
  private readonly bases: Deferred<Planned | undefined>[];

  constructor(count: number) {
    this.bases = Array.from({ length: count }, () => deferred<Planned | undefined>());
  }

  base(i: number): BaseFeed {
    return {
      planned: (decisions, units, problems) => this.bases[i]!.resolve({ decisions, units, problems }),
      unit: () => deferred<UnitWord>(),
    };
  }

  /** A base's work, which ends its share of the feed however it ends (a base that failed before planning says nothing). */
  settle<T>(i: number, work: Promise<T>): Promise<T> {
    const done = () => this.bases[i]!.resolve(undefined);
    work.then(done, done);
    return work;
  }

  /** Runs `write` once every base has planned and every unit has spoken; never rejects. */
  written(
    write: (parts: {
      readonly decisions: readonly PolicyDecision[];
      readonly units: readonly UnitReport[];
      readonly failures: readonly UnitFailure[];
      readonly problems: ReadonlyMap<string, readonly FileProblem[]>;
    }) => Promise<DashboardOutcome>,
  ): Promise<DashboardOutcome> {
    const run = async () => {
      const planned = (await Promise.all(this.bases.map((b) => b.promise))).filter(
        (p): p is Planned => p !== undefined,
      );
      const words = await Promise.all(planned.flatMap((p) => p.units));
      return write({
        decisions: planned.flatMap((p) => p.decisions),
        units: words.flatMap((w) => (w.report ? [w.report] : [])),
        failures: words.flatMap((w) => (w.failure ? [w.failure] : [])),
        problems: new Map(planned.flatMap((p) => [...p.problems])),
      });
    };
    return run().catch((error: unknown) => ({ failed: failureCode(error) }));
  }
}

export async function keepDashboard(
  client: RepoClient,
  input: {
    readonly config: Config;
    readonly state: RepoState;
    readonly request: ApplyRequest;
    readonly pulls: ReadonlyMap<string, OpenPull>;
    readonly orphans: readonly UnitReport[];
    readonly decisions: readonly PolicyDecision[];
    readonly units: readonly UnitReport[];
    readonly failures: readonly UnitFailure[];
    readonly problems: ReadonlyMap<string, readonly FileProblem[]>;
    readonly health?: ReadonlyMap<string, HealthReport>;
  },
): Promise<DashboardOutcome> {
  const { request } = input;
  const decided = decidedPolicies({
    decisions: input.decisions,
    units: [...input.orphans, ...input.units],
    failures: input.failures,
    pulls: input.pulls,
    candidatesOf: (p) => candidatesFor(p, request.pushes, request.tagLists),
    listed: (p) => [...(request.tagLists?.keys() ?? [])].some((image) => policyWatches(p, image)),
    problemsOf: (p) => input.problems.get(p.name) ?? [],
  });
  const plan = planDashboard(client, {
    config: input.config,
    issues: input.state.issues,
    decided,
    now: new Date(),
    ...(input.health ? { health: input.health } : {}),
  });
  const { send } = plan;
  if (!send) return plan.action;
  try {
    await (client.reserveWrites ? client.reserveWrites(plan.cost, send) : send());
    return plan.action;
  } catch (error) {
    return { failed: failureCode(error) };
  }
}
