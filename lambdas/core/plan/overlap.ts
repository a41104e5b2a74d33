/**
 * Two policies that would both edit one reference make the config invalid (SPEC §3), like a
 * schema error: the worker writes nothing in that repository and says so in the config issue,
 * `plan` plans nothing, `validate --repo-dir` exits 1. This is the one place that decides it;
 * all three call `checkConfigInRepo` on the parsed config.
 *
 * Only structure can be contested: a marker comment names its policy, so a marked reference
 * belongs to that policy alone, whatever image another policy of the same files follows.
 */
import type { Config, ConfigIssue, ConfigLoadResult } from '../config.ts';
import type { RepoFiles } from '../../ports/repo-files.ts';
import { canonicalImageName } from '../image/reference.ts';
import { referencesFor, type ManifestReference } from '../manifest/index.ts';
import { policyMatcher, scanRepo } from './scan.ts';

/** The repository the config is checked against. */
export interface ConfigRepo {
  /** The files on a base branch; undefined: the default branch (a checkout: its working tree). */
  filesOn(base: string | undefined): Promise<RepoFiles>;
  /** The repository's default branch, when known: a policy naming it shares the default's files. */
  readonly defaultBranch?: string;
  /** The config file, never a manifest. */
  readonly configPath?: string;
}

/** References that more than one policy would edit, grouped by the policies that claim them. */
interface PolicyOverlap {
  /** Indexes into `config.policies`, in config order; at least two. */
  readonly policies: readonly number[];
  readonly references: readonly ManifestReference[];
}

/** Policies named in one problem, and references listed, before "and N more". */
const SHOWN_POLICIES = 5;
const SHOWN_REFERENCES = 3;
/** Problems reported, before one line counting the rest: the config issue has a size limit. */
const SHOWN_OVERLAPS = 50;

/** A parsed config, invalid too when two of its policies would edit one reference. */
export async function checkConfigInRepo(
  loaded: ConfigLoadResult,
  repo: ConfigRepo,
): Promise<ConfigLoadResult> {
  if (!loaded.ok) return loaded;
  const overlaps = await findOverlaps(loaded.config, repo);
  return overlaps.length === 0 ? loaded : { ok: false, issues: overlapIssues(loaded.config, overlaps) };
}

/**
 * Only policies of one image on one base branch can claim one structural reference, and only in
 * a file both select: the file list (already read) rules out every other pair, so a config whose
 * same-image policies have disjoint `files` costs no read at all.
 */
async function findOverlaps(config: Config, repo: ConfigRepo): Promise<PolicyOverlap[]> {
  const groups = new Map<string, { base: string | undefined; members: number[] }>();
  config.policies.forEach((policy, index) => {
    const base = policy.baseBranch === repo.defaultBranch ? undefined : policy.baseBranch;
    const key = `${base ?? ''}\n${canonicalImageName(policy.image) ?? policy.image}`;
    const group = groups.get(key) ?? { base, members: [] };
    group.members.push(index);
    groups.set(key, group);
  });
  const listings = new Map<string | undefined, Promise<{ files: RepoFiles; paths: readonly string[] }>>();
  const listing = (base: string | undefined) => {
    let found = listings.get(base);
    if (!found) {
      found = repo.filesOn(base).then(async (files) => ({ files, paths: await files.listFiles() }));
      listings.set(base, found);
    }
    return found;
  };
  const overlaps: PolicyOverlap[] = [];
  for (const { base, members } of groups.values()) {
    if (members.length < 2) continue;
    const { files, paths } = await listing(base);
    overlaps.push(...(await groupOverlaps(config, members, files, paths, repo.configPath)));
  }
  return overlaps.sort((a, b) => a.policies[0]! - b.policies[0]! || a.policies[1]! - b.policies[1]!);
}

async function groupOverlaps(
  config: Config,
  members: readonly number[],
  files: RepoFiles,
  paths: readonly string[],
  configPath: string | undefined,
): Promise<PolicyOverlap[]> {
  const policies = members.map((i) => config.policies[i]!);
  const matchers = policies.map(policyMatcher);
  const shared = paths.filter((path) => matchers.filter((matches) => matches(path)).length > 1);
  if (shared.length === 0) return [];
  // Only the shared files are read; a class's methods do not survive a spread.
  const sharedFiles: RepoFiles = {
    listFiles: async () => shared,
    readFile: (path) => files.readFile(path),
    sizeOf: (path) => files.sizeOf?.(path),
  };
  const scan = await scanRepo(policies, sharedFiles, configPath !== undefined ? { configPath } : {});
  const claims = new Map<ManifestReference, number[]>();
  policies.forEach((policy, i) => {
    for (const path of scan.filesByPolicy.get(policy.name) ?? []) {
      const file = scan.files.get(path);
      if (!file) continue;
      for (const ref of referencesFor(file.references, policy)) {
        const claimants = claims.get(ref);
        if (claimants) claimants.push(members[i]!);
        else claims.set(ref, [members[i]!]);
      }
    }
  });
  const bySet = new Map<string, { policies: number[]; references: ManifestReference[] }>();
  for (const [ref, claimants] of claims) {
    if (claimants.length < 2) continue;
    const key = claimants.join(',');
    const overlap = bySet.get(key) ?? { policies: claimants, references: [] };
    overlap.references.push(ref);
    bySet.set(key, overlap);
  }
  return [...bySet.values()];
}

/**
 * One issue per set of policies, at the last of them (where the second claim was made), naming
 * every one with its line and column and the references they share with file and line.
 */
function overlapIssues(config: Config, overlaps: readonly PolicyOverlap[]): ConfigIssue[] {
  const at = (i: number) => config.positions?.[i];
  const named = (i: number) => {
    const pos = at(i);
    return `"${config.policies[i]!.name}"${pos ? ` (${pos.line}:${pos.column})` : ` (policies[${i}])`}`;
  };
  const issues = overlaps.slice(0, SHOWN_OVERLAPS).map((overlap): ConfigIssue => {
    const last = overlap.policies.at(-1)!;
    const names = listed(overlap.policies.map(named), SHOWN_POLICIES);
    const refs = listed(
      overlap.references.map((r) => `${r.file}:${r.line}`),
      SHOWN_REFERENCES,
    );
    const image = config.policies[last]!.image;
    const both = overlap.policies.length === 2 ? 'both' : 'all';
    return {
      path: `policies[${last}]`,
      message: `policies ${names} would ${both} edit ${image} at ${refs}: narrow their files, or name one in a marker comment`,
      line: at(last)?.line ?? 1,
      column: at(last)?.column ?? 1,
    };
  });
  const rest = overlaps.length - issues.length;
  if (rest > 0)
    issues.push({
      path: 'policies',
      message: `and ${rest} more sets of overlapping policies`,
      line: 1,
      column: 1,
    });
  return issues;
}

/** "a, b and c", or "a, b and 3 more" past `shown`. */
function listed(items: readonly string[], shown: number): string {
  if (items.length > shown) return `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}
