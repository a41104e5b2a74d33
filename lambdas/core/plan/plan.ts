/**
 * What one push means for one environment repository: a decision per watching policy, and the
 * branch/PR units with their file edits. Pure: the repository is read through `RepoFiles`.
 */
import type { Config, Policy } from '../config.ts';
import type { RepoFiles } from '../../ports/repo-files.ts';
import type { PushedImage } from '../push.ts';
import type { TagCandidate } from '../tags/index.ts';
import {
  candidateFromPush,
  decide,
  mergeCandidates,
  policyWatches,
  type IgnoredTarget,
  type PolicyDecision,
  type PolicyTarget,
} from './decide.ts';
import type { PromotionOptions } from './promote.ts';
import { policyReferences, scanRepo, type FileProblem, type RepoScan } from './scan.ts';
import { buildUnit, unitKey, type UnitPlan, type UnitTarget } from './units.ts';
import type { SignatureVerifier } from '../../ports/signature-verifier.ts';
import { gateDecisions } from '../verify/gate.ts';
import { defined } from '../../objects.ts';

export interface PlanInput {
  readonly config: Config;
  readonly repo: RepoFiles;
  /** The pushes to react to (one batch); none for a reconcile, which decides from `tagLists`. */
  readonly pushes?: readonly PushedImage[];
  /** Registry tags per canonical image name, when listed. */
  readonly tagLists?: ReadonlyMap<string, readonly TagCandidate[]>;
  /** Per policy: what its open PR already proposes. */
  readonly proposed?: ReadonlyMap<string, PolicyTarget>;
  /** Per policy: what a PR closed unmerged by a person proposed (not proposed again). */
  readonly ignored?: ReadonlyMap<string, IgnoredTarget>;
  /** Only these policies (default: those watching the pushed image, or all for a reconcile). */
  readonly policies?: readonly Policy[];
  readonly configPath?: string;
  /** When `minimumReleaseAge` is measured (the caller's clock; the core reads none). */
  readonly now?: Date;
  /** Checks the signature of what a policy with `verify` would propose; without it they are held. */
  readonly verifier?: SignatureVerifier;
  /** For `promote` policies: the default branch, other base branches' files, where changes landed. */
  readonly promotion?: PromotionOptions;
}

export interface Plan {
  readonly decisions: readonly PolicyDecision[];
  readonly units: readonly UnitPlan[];
  readonly problems: readonly FileProblem[];
  /** The scan the units were built from, for callers that rebuild a unit with more targets. */
  readonly scan: RepoScan;
}

export async function planUpdates(input: PlanInput): Promise<Plan> {
  const { config } = input;
  const pushes = input.pushes ?? [];
  // A registry push never moves a promote policy: it follows its source's files, not the registry.
  const policies =
    input.policies ??
    config.policies.filter(
      (p) => pushes.length === 0 || (!p.promote && pushes.some((push) => policyWatches(p, push.image))),
    );
  const promoting = policies.filter((p) => p.promote);
  // Loaded on first use: only configs with promotions need it.
  const promote = promoting.length > 0 ? await import('./promote.ts') : undefined;
  const sources = promote
    ? promoting
        .map((p) => promote.sourceOf(config, p))
        .filter(
          (s, i): s is Policy =>
            s !== undefined &&
            !policies.includes(s) &&
            promote.sameBase(promoting[i]!, s, input.promotion?.defaultBranch),
        )
    : [];
  const scan = await scanRepo(
    [...policies, ...new Set(sources)],
    input.repo,
    input.configPath ? { configPath: input.configPath } : {},
  );
  const upstreams = promote
    ? await promote.readUpstreams(config, promoting, scan, {
        ...input.promotion,
        ...defined({ configPath: input.configPath }),
      })
    : undefined;
  const decided = policies.map((policy) => {
    const references = [...policyReferences(policy, scan).values()].flat();
    const proposed = input.proposed?.get(policy.name);
    const ignored = input.ignored?.get(policy.name);
    const upstream = upstreams?.get(policy.name);
    if (promote && upstream)
      return promote.decidePromotion({
        policy,
        references,
        upstream,
        ...defined({ proposed, ignored, now: input.now }),
      });
    return decide({
      policy,
      references,
      candidates: candidatesFor(policy, pushes, input.tagLists),
      ...(input.proposed?.has(policy.name) ? { proposed } : {}),
      ...defined({ ignored, now: input.now }),
    });
  });
  const { now } = input;
  const decisions = await gateDecisions(decided, input.verifier, now ? () => now : undefined);
  const byUnit = new Map<string, UnitTarget[]>();
  for (const d of decisions) {
    if (d.outcome !== 'update' || !d.to || !d.updateType) continue;
    const key = unitKey(d.policy);
    const targets = byUnit.get(key) ?? [];
    targets.push({
      policy: d.policy,
      to: d.to,
      ...defined({ from: d.from, promotion: d.promotion }),
      updateType: d.updateType,
    });
    byUnit.set(key, targets);
  }
  const units: UnitPlan[] = [];
  for (const [key, targets] of byUnit) {
    const unit = buildUnit(key, targets, scan);
    if (unit && unit.files.length > 0) units.push(unit);
  }
  const problems = [...scan.problems, ...units.flatMap((u) => u.problems)];
  return { decisions, units, problems, scan };
}

/** The policy's candidates: the listed tags of its image, then its pushes (newer facts win). */
export function candidatesFor(
  policy: Policy,
  pushes: readonly PushedImage[],
  lists: ReadonlyMap<string, readonly TagCandidate[]> | undefined,
): TagCandidate[] {
  let listed: readonly TagCandidate[] | undefined;
  for (const [image, tags] of lists ?? []) if (policyWatches(policy, image)) listed = tags;
  const pushed = pushes.filter((p) => policyWatches(policy, p.image)).map(candidateFromPush);
  // Where a mutable tag points now is the registry's answer, not a (possibly late) event's; a
  // list that says nothing of digests (the OCI tag list) leaves the event's.
  if (policy.strategy === 'digest' && listed?.some((c) => c.tag === policy.track)) {
    const event = pushed.find((p) => p.tag === policy.track);
    return mergeCandidates(
      pushed.filter((p) => p.tag !== policy.track),
      event ? listed.map((c) => (c.tag === policy.track ? trackedNow(c, event) : c)) : listed,
    );
  }
  return mergeCandidates(listed ?? [], pushed);
}

/**
 * The tracked tag as the list and its push event say together: the list's digest when it has
 * one; the event's time when both speak of the same content and the event is later (a tag moved
 * to content pushed long ago is as young as the move, for `minimumReleaseAge`).
 */
function trackedNow(listed: TagCandidate, event: TagCandidate): TagCandidate {
  const digest = listed.digest ?? event.digest;
  const same = listed.digest === undefined || listed.digest === event.digest;
  const later =
    same && event.pushedAt && (!listed.pushedAt || event.pushedAt > listed.pushedAt)
      ? event.pushedAt
      : listed.pushedAt;
  return { tag: listed.tag, ...defined({ digest, pushedAt: later }) };
}
