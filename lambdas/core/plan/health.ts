/**
 * `promote: { when: healthy }` (docs/promotion.md): a promotion waits until the source
 * environment's application reports healthy at a commit that contains the change (the commit
 * that landed it, or a descendant). Reports come from Argo CD or Flux webhooks
 * (`adapters/webhooks/argocd.ts`, `flux.ts`); the latest per application is kept in the
 * dashboard's hidden state (`core/dashboard/render.ts`). Whether a commit contains another is
 * the host's answer (one compare request), asked in `promote.ts`; deciding here is pure.
 */
import type { PolicyDecision } from './decide.ts';
import { instant } from './release-age.ts';
import { held } from './soak.ts';

/** One report of an environment's health at a commit, normalised at the intake. */
export interface HealthReport {
  /** The application as the report names it: Argo CD's name, Flux's `namespace/name`. */
  readonly application: string;
  /** The commit (sha) of the environment repository the application runs. */
  readonly revision: string;
  readonly healthy: boolean;
  /** When the updater received it. */
  readonly at: Date;
  readonly source: 'argocd' | 'flux';
}

/** Where a `when: healthy` promotion stands. */
export interface HealthState {
  readonly application: string;
  /** The commit that brought the change to the source's base branch, when known. */
  readonly commit?: string;
  /** The application's latest report. */
  readonly report?: HealthReport;
  /** Whether the report is healthy at `commit` or a descendant: the gate is open. */
  readonly done: boolean;
  readonly reason: string;
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * The gate's state from what is known: `contains` is whether the report's revision contains
 * `commit` (undefined: not asked, or the host could not say).
 */
export function healthState(input: {
  readonly application: string;
  readonly tag: string;
  readonly baseBranch: string;
  readonly commit: string | undefined;
  readonly report: HealthReport | undefined;
  readonly contains: boolean | undefined;
}): HealthState {
  const { application, commit, report } = input;
  const base = { application, ...(commit ? { commit } : {}), ...(report ? { report } : {}) };
  if (!commit)
    return {
      ...base,
      done: false,
      reason: `waiting for ${application} to report healthy at the commit that brought ${input.tag} to ${input.baseBranch}, which is unknown`,
    };
  const waiting = `waiting for ${application} to report healthy at ${short(commit)} (which brought ${input.tag} to ${input.baseBranch}) or a later commit`;
  if (!report) return { ...base, done: false, reason: waiting };
  const last = `its last report (${report.source}, ${instant(report.at)})`;
  if (!report.healthy)
    return { ...base, done: false, reason: `${waiting}; ${last}: not healthy at ${short(report.revision)}` };
  if (input.contains !== true)
    return {
      ...base,
      done: false,
      reason: `${waiting}; ${last}: healthy at ${short(report.revision)}, which does not contain it`,
    };
  return {
    ...base,
    done: true,
    reason: `${application} reported healthy at ${short(report.revision)} (${report.source}, ${instant(report.at)}), which contains ${short(commit)}`,
  };
}

/** An update held until the source environment reports healthy (no wake-up: a report wakes it). */
export function healthGated(decision: PolicyDecision): PolicyDecision {
  const health = decision.promotion?.health;
  if (decision.outcome !== 'update' || !health || health.done) return decision;
  return held(decision, health.reason, { age: 0 });
}
