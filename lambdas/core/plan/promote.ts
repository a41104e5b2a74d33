/**
 * Environment promotion (docs/promotion.md): a `promote: { from }` policy proposes the tag and
 * digest its source policy's files hold on the source's base branch, never the registry's. The
 * decision is the ordinary one (`decide`) with that one target as the only candidate, so the
 * floor (never downgrade), "closed means no", update types and automerge work unchanged, and a
 * promotion can never propose anything the upstream environment does not run.
 *
 * Loaded on first use (`plan.ts` imports it dynamically): only configs with promotions need it.
 */
import type { Config, Policy } from '../config.ts';
import type { RepoFiles } from '../../ports/repo-files.ts';
import type { ManifestReference } from '../manifest/index.ts';
import { decide, type IgnoredTarget, type PolicyDecision, type PolicyTarget } from './decide.ts';
import { policyReferences, scanRepo, type RepoScan } from './scan.ts';
import { soaked, type Soak } from './soak.ts';
import { healthGated, healthState, type HealthReport, type HealthState } from './health.ts';
import { defined } from '../../objects.ts';

/** Where the upstream's current target came to its base branch: its PR or commit, and when. */
export interface Landing {
  readonly pull?: number;
  readonly commit?: string;
  readonly at?: Date;
}

/** Finds where an upstream target landed (the merged updater PR that brought it), if known. */
export type LandingLookup = (from: Policy, target: PolicyTarget) => Landing | undefined;

/** What a promotion is about: the source, what it runs there, and since when. */
export interface Promotion {
  /** The `from` policy. */
  readonly from: string;
  /** Its base branch (resolved: the repository's default branch when unset). */
  readonly baseBranch: string;
  /** What the source's files hold there, when they agree. */
  readonly target?: PolicyTarget;
  /** The first reference of the source holding it (`file:line`). */
  readonly at?: string;
  readonly landing?: Landing;
  /** `promote.after`: how the soak stands (set when the policy has one and there is a target). */
  readonly soak?: Soak;
  /** `when: healthy`: how the health gate stands. */
  readonly health?: HealthState;
}

/** The source's files read: one target, or the reason there is none to promote. */
export type UpstreamRead =
  | { readonly ok: true; readonly promotion: Promotion & { readonly target: PolicyTarget } }
  | { readonly ok: false; readonly promotion: Promotion; readonly reason: string };

export interface PromotionOptions {
  /** The repository's default branch: what an unset `baseBranch` means. */
  readonly defaultBranch?: string;
  /** The files of another base branch, for a source on another branch than its promotion. */
  readonly filesOn?: (base: string | undefined) => Promise<RepoFiles>;
  readonly landed?: LandingLookup;
  /**
   * The newest commit on `base` that changed `file`: where a change no updater PR brought
   * landed, asked only for a promotion with a soak time (`promote.after`) that needs it.
   */
  readonly lastChange?: (base: string, file: string) => Promise<Landing | undefined>;
  /** The latest health report per application (`when: healthy`). */
  readonly health?: ReadonlyMap<string, HealthReport>;
  /** Whether `head` is `base` or a descendant of it; undefined when the host cannot say. */
  readonly contains?: (base: string, head: string) => Promise<boolean | undefined>;
}

/** The source policy of a promote policy (the config check guarantees it exists). */
export function sourceOf(config: Config, policy: Policy): Policy | undefined {
  const from = policy.promote?.from;
  return from === undefined ? undefined : config.policies.find((p) => p.name === from);
}

/** Whether two policies work on the same base branch. */
export function sameBase(a: Policy, b: Policy, defaultBranch?: string): boolean {
  return (a.baseBranch ?? defaultBranch) === (b.baseBranch ?? defaultBranch);
}

/**
 * What the source's references hold. They must agree (one tag, at most one digest): a source
 * half-way through a change, or edited by hand in one file, is not promoted until they do.
 */
export function readUpstream(
  source: Policy,
  scan: RepoScan,
  baseBranch: string,
  landed?: LandingLookup,
): UpstreamRead {
  const base = { from: source.name, baseBranch };
  const found: { file: string; ref: ManifestReference }[] = [];
  for (const [file, refs] of policyReferences(source, scan))
    for (const ref of refs) found.push({ file, ref });
  if (found.length === 0) {
    return {
      ok: false,
      promotion: base,
      reason: `no reference to ${source.image} in the files of "${source.name}" on ${baseBranch}`,
    };
  }
  const where = (x: { file: string; ref: ManifestReference }) => `${x.file}:${x.ref.line}`;
  const tags = distinct(found.filter((x) => x.ref.tag !== undefined).map((x) => [x.ref.tag!, where(x)]));
  const digests = distinct(
    found.filter((x) => x.ref.digest !== undefined).map((x) => [x.ref.digest!, where(x)]),
  );
  if (tags.size === 0) {
    return {
      ok: false,
      promotion: base,
      reason: `"${source.name}" pins a digest without a tag on ${baseBranch} (${[...digests.values()][0]}): a promotion needs the tag`,
    };
  }
  if (tags.size > 1 || digests.size > 1) {
    const list = (m: Map<string, string>) => [...m].map(([v, at]) => `${v} (${at})`).join(', ');
    return {
      ok: false,
      promotion: base,
      reason: `the references of "${source.name}" on ${baseBranch} disagree: ${list(tags.size > 1 ? tags : digests)}; promoted once they agree`,
    };
  }
  const [tag, at] = [...tags][0]!;
  const digest = [...digests.keys()][0];
  const target: PolicyTarget = { tag, ...defined({ digest }) };
  const landing = landed?.(source, target);
  return { ok: true, promotion: { ...base, target, at, ...defined({ landing }) } };
}

function distinct(pairs: readonly (readonly [string, string])[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const [value, at] of pairs) if (!result.has(value)) result.set(value, at);
  return result;
}

/**
 * The sources of `promoting`, read: from the plan's own scan when on the same base branch (the
 * caller scanned their files with it), else from that branch's files (`options.filesOn`).
 */
export async function readUpstreams(
  config: Config,
  promoting: readonly Policy[],
  scan: RepoScan,
  options: PromotionOptions & { readonly configPath?: string },
): Promise<Map<string, UpstreamRead>> {
  const reads = await readSources(config, promoting, scan, options);
  await landings(promoting, scan, reads, options);
  await healthOf(promoting, reads, options);
  return reads;
}

/**
 * A soak needs the landing time, a health gate the landing commit: for a change no updater PR
 * brought (a direct commit, a person's edit), the last commit that changed the source's file,
 * once per file and branch.
 */
async function landings(
  promoting: readonly Policy[],
  scan: RepoScan,
  reads: Map<string, UpstreamRead>,
  options: PromotionOptions,
): Promise<void> {
  const lastChange = options.lastChange;
  if (!lastChange) return;
  const asked = new Map<string, Promise<Landing | undefined>>();
  await Promise.all(
    promoting.map(async (policy) => {
      const read = reads.get(policy.name);
      const needs =
        (policy.promote?.after && !read?.promotion.landing?.at) ||
        (policy.promote?.when === 'healthy' && !read?.promotion.landing?.commit);
      if (!needs || !read?.ok || !read.promotion.at) return;
      // Asked only while the promotion does not run it yet: an up-to-date one costs nothing.
      const { tag, digest } = read.promotion.target;
      const own = [...policyReferences(policy, scan).values()].flat();
      if (
        own.length > 0 &&
        own.every(
          (r) => r.tag === tag && (digest === undefined || r.digest === undefined || r.digest === digest),
        )
      )
        return;
      const file = read.promotion.at.slice(0, read.promotion.at.lastIndexOf(':'));
      const base = read.promotion.baseBranch;
      const key = JSON.stringify([base, file]);
      if (!asked.has(key)) asked.set(key, lastChange(base, file));
      const landing = await asked.get(key);
      if (landing) reads.set(policy.name, { ok: true, promotion: { ...read.promotion, landing } });
    }),
  );
}

/**
 * `when: healthy`: the application's latest report, and whether its revision contains the
 * landing commit (one compare per pair; none when it is the landing commit itself, or not
 * healthy).
 */
async function healthOf(
  promoting: readonly Policy[],
  reads: Map<string, UpstreamRead>,
  options: PromotionOptions,
): Promise<void> {
  const asked = new Map<string, Promise<boolean | undefined>>();
  await Promise.all(
    promoting.map(async (policy) => {
      const read = reads.get(policy.name);
      const application = policy.promote?.application;
      if (policy.promote?.when !== 'healthy' || !application || !read?.ok) return;
      const { landing, target, baseBranch } = read.promotion;
      const commit = landing?.commit;
      const report = options.health?.get(application);
      let contains: boolean | undefined;
      if (commit && report?.healthy) {
        if (report.revision === commit) contains = true;
        else if (options.contains) {
          const key = `${commit}...${report.revision}`;
          if (!asked.has(key)) asked.set(key, options.contains(commit, report.revision));
          contains = await asked.get(key);
        }
      }
      const health = healthState({ application, tag: target.tag, baseBranch, commit, report, contains });
      reads.set(policy.name, { ok: true, promotion: { ...read.promotion, health } });
    }),
  );
}

async function readSources(
  config: Config,
  promoting: readonly Policy[],
  scan: RepoScan,
  options: PromotionOptions & { readonly configPath?: string },
): Promise<Map<string, UpstreamRead>> {
  const result = new Map<string, UpstreamRead>();
  const otherScans = new Map<string | undefined, Promise<RepoScan | undefined>>();
  for (const policy of promoting) {
    const source = sourceOf(config, policy);
    if (!source) continue;
    const baseBranch = source.baseBranch ?? options.defaultBranch ?? 'the default branch';
    if (sameBase(policy, source, options.defaultBranch)) {
      result.set(policy.name, readUpstream(source, scan, baseBranch, options.landed));
      continue;
    }
    const filesOn = options.filesOn;
    if (!otherScans.has(source.baseBranch)) {
      const sources = promoting
        .map((p) => sourceOf(config, p))
        .filter((s): s is Policy => s !== undefined && s.baseBranch === source.baseBranch);
      otherScans.set(
        source.baseBranch,
        filesOn
          ? filesOn(source.baseBranch).then((files) =>
              scanRepo(sources, files, defined({ configPath: options.configPath })),
            )
          : Promise.resolve(undefined),
      );
    }
    const other = await otherScans.get(source.baseBranch);
    result.set(
      policy.name,
      other
        ? readUpstream(source, other, baseBranch, options.landed)
        : {
            ok: false,
            promotion: { from: source.name, baseBranch },
            reason: `"${source.name}" is on another base branch (${baseBranch}), which this plan cannot read`,
          },
    );
  }
  return result;
}

export interface PromotionInput {
  readonly policy: Policy;
  readonly references: readonly ManifestReference[];
  readonly upstream: UpstreamRead;
  readonly proposed?: PolicyTarget;
  readonly ignored?: IgnoredTarget;
  /** When `promote.after` is measured (the caller's clock); without it a soak holds. */
  readonly now?: Date;
}

/**
 * The promote policy's decision: the ordinary one with the source's target as the only
 * candidate. An open PR's proposal counts as a floor only while it is still what the source runs:
 * after the source rolled back, the PR follows it (the base branch stays the floor).
 */
export function decidePromotion(input: PromotionInput): PolicyDecision {
  const { policy, upstream } = input;
  const follows = `follows "${upstream.promotion.from}" on ${upstream.promotion.baseBranch}`;
  if (!upstream.ok) {
    // Nothing on offer: decided all the same, so the plan and the dashboard say where it is.
    const held = decide({ policy, references: input.references, candidates: [] });
    return {
      ...held,
      outcome: input.references.length === 0 ? 'no-references' : 'no-candidate',
      // The reason names the source and its branch already.
      reason: upstream.reason,
      promotion: upstream.promotion,
    };
  }
  const target = upstream.promotion.target;
  const proposed =
    input.proposed && input.proposed.tag === target.tag && input.proposed.digest === target.digest
      ? input.proposed
      : undefined;
  const decision = decide({
    policy,
    references: input.references,
    candidates: [target],
    ...defined({ proposed, ignored: input.ignored }),
  });
  const runs = `${target.tag}${target.digest ? `@${target.digest}` : ''}`;
  // The same tag, another image (a re-pushed tag the source now runs): tag orders cannot see it,
  // the digest can. Only where a digest is written: a tag-only reference already says the same.
  const from = decision.from;
  if (
    decision.outcome === 'up-to-date' &&
    from?.tag === target.tag &&
    target.digest !== undefined &&
    from.digest !== target.digest &&
    (from.digest !== undefined || policy.pin !== 'tag') &&
    !(input.ignored && input.ignored.tag === target.tag && input.ignored.digest === target.digest)
  ) {
    return {
      policy,
      outcome: 'update',
      reason: `${follows} (${runs}): ${target.tag} is another image there (digest ${target.digest})`,
      from,
      ...defined({ floor: decision.floor }),
      to: target,
      updateType: 'digest',
      promotion: upstream.promotion,
    };
  }
  // "already the greatest allowed tag" says what a registry policy means; here it runs the same.
  const same = decision.outcome === 'up-to-date' && from?.tag === target.tag;
  const decided: PolicyDecision = {
    ...decision,
    reason: `${follows} (${runs}): ${same ? 'already runs it' : decision.reason}`,
    promotion: upstream.promotion,
  };
  // Both gates must open: the soak first (it sets a wake-up), then the health report.
  return healthGated(soaked(decided, input.now));
}
