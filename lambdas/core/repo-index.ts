/**
 * The image index: for every environment repository, which images its config watches, so a
 * push costs requests only in the repositories that watch its image (SPEC §7, scale). What an
 * entry says is derived here from the config the worker read; where it is kept (DynamoDB, memory)
 * is an adapter's business.
 */
import type { Policy } from './config.ts';
import { canonicalImageName } from './image/reference.ts';
import picomatch from 'picomatch';

/**
 * - `watching`: the config is valid; `images` are what its policies follow.
 * - `no-config`: the repository has no config file (a discovered repository not set up yet).
 * - `invalid`: the config does not validate; its config issue says why. No push acts on it until
 *   it is fixed, which a `push` event (or the reconcile) sees.
 * - `unread`: the config could not be read (GitHub failed, the App lost access). Every push runs
 *   such a repository, so a read that failed never drops it from the index silently.
 */
export type IndexStatus = 'watching' | 'no-config' | 'invalid' | 'unread';

export interface IndexEntry {
  /** `owner/name`. */
  readonly repo: string;
  readonly configPath: string;
  readonly status: IndexStatus;
  /** Canonical image names (`canonicalImageName`), sorted, de-duplicated. */
  readonly images: readonly string[];
  /** The config blob the entry was made from: an unchanged sha needs no write. */
  readonly configSha?: string;
  /**
   * The `files` globs of the policies that `promote` policies follow, sorted: a push to the
   * default branch touching one of them decides those promotions (docs/promotion.md). Absent: none.
   */
  readonly promotes?: readonly string[];
  /** The GitHub App installation the repository was found in (discovery). */
  readonly installationId?: number;
  /** Epoch milliseconds of the read the entry was made from. */
  readonly checkedAt: number;
}

/** What a repository's config read said, as the index needs it. */
export type ConfigReading =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'invalid'; readonly sha: string }
  | { readonly kind: 'valid'; readonly sha: string; readonly policies: readonly Policy[] };

export function indexEntryOf(
  where: { readonly repo: string; readonly configPath: string; readonly installationId?: number },
  reading: ConfigReading,
  checkedAt: number,
  /** For an unreadable config: what the last good read said stays watched. */
  previous?: IndexEntry,
): IndexEntry {
  const base = {
    repo: where.repo,
    configPath: where.configPath,
    checkedAt,
    ...(where.installationId !== undefined ? { installationId: where.installationId } : {}),
  };
  switch (reading.kind) {
    case 'absent':
      return { ...base, status: 'no-config', images: [] };
    case 'unreadable':
      return {
        ...base,
        status: 'unread',
        images: previous?.images ?? [],
        ...(previous?.configSha !== undefined ? { configSha: previous.configSha } : {}),
        ...(previous?.promotes !== undefined ? { promotes: previous.promotes } : {}),
      };
    case 'invalid':
      return { ...base, status: 'invalid', images: [], configSha: reading.sha };
    case 'valid': {
      const promotes = promotionSources(reading.policies);
      return {
        ...base,
        status: 'watching',
        images: watchedImages(reading.policies),
        configSha: reading.sha,
        ...(promotes.length > 0 ? { promotes } : {}),
      };
    }
  }
}

/** The `files` globs of every policy a `promote` policy follows. */
function promotionSources(policies: readonly Policy[]): string[] {
  const followed = new Set(policies.flatMap((p) => (p.promote ? [p.promote.from] : [])));
  return [...new Set(policies.filter((p) => followed.has(p.name)).flatMap((p) => p.files))].sort();
}

/** Whether a push that changed `paths` (all when `truncated`) may land what a promotion follows. */
export function landsPromotion(
  entry: IndexEntry | undefined,
  paths: readonly string[],
  truncated: boolean,
): boolean {
  const globs = entry?.promotes ?? [];
  if (globs.length === 0) return false;
  if (truncated) return true;
  const matches = picomatch(globs as string[], { dot: false });
  return paths.some((path) => matches(path));
}

/** The canonical names the policies follow. */
export function watchedImages(policies: readonly Policy[]): string[] {
  const names = new Set<string>();
  for (const policy of policies) {
    const name = canonicalImageName(policy.image);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}

/**
 * What is written when `next` replaces `previous`: a read that did not say which installation
 * the repository is in (a push's run) keeps the one discovery recorded.
 */
export function mergeEntry(previous: IndexEntry | undefined, next: IndexEntry): IndexEntry {
  if (next.installationId !== undefined || previous?.installationId === undefined) return next;
  return { ...next, installationId: previous.installationId };
}

/**
 * Whether `next` is written over `previous`: only when it changes what the index answers (the
 * time of the read alone does not: a reconcile over 1,000 unchanged repositories writes
 * nothing), and never when `previous` was read later (a run that read the config before a
 * config push re-indexed it finishes after it, and must not put the older reading back).
 */
export function shouldReplace(previous: IndexEntry | undefined, next: IndexEntry): boolean {
  if (!previous) return true;
  if (previous.checkedAt > next.checkedAt) return false;
  return (
    previous.status !== next.status ||
    previous.configPath !== next.configPath ||
    previous.configSha !== next.configSha ||
    previous.installationId !== next.installationId ||
    previous.images.join('\n') !== next.images.join('\n') ||
    (previous.promotes ?? []).join('\n') !== (next.promotes ?? []).join('\n')
  );
}

/** What an index writes when `next` arrives over `previous`: the merged entry, or nothing. */
export function entryToWrite(previous: IndexEntry | undefined, next: IndexEntry): IndexEntry | undefined {
  const entry = mergeEntry(previous, next);
  return shouldReplace(previous, entry) ? entry : undefined;
}

/** Which of an App's repositories are watched when no static list is given (Renovate's autodiscover). */
export interface DiscoveryFilter {
  /** Globs over `owner/name` (`acme/env-*`, `!acme/secrets`); none: every repository. */
  readonly names?: readonly string[];
  /** Only repositories with this GitHub topic. */
  readonly topic?: string;
}

export interface DiscoverableRepo {
  readonly repo: string;
  readonly topics: readonly string[];
  readonly archived: boolean;
}

/**
 * Archived repositories are read-only on GitHub: never watched. A glob starting with `!`
 * excludes (`["acme/*", "!acme/secrets"]`); with only exclusions, everything else is watched.
 */
export function discoveryAllows(filter: DiscoveryFilter, candidate: DiscoverableRepo): boolean {
  if (candidate.archived) return false;
  if (filter.topic !== undefined && !candidate.topics.includes(filter.topic)) return false;
  const names = filter.names ?? [];
  const include = names.filter((g) => !g.startsWith('!'));
  const exclude = names.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  // The operator's globs (deployment settings, bounded there), not a tenant's: picomatch as is.
  const matches = (globs: string[]) => picomatch.isMatch(candidate.repo, globs, { nocase: true });
  if (exclude.length > 0 && matches(exclude)) return false;
  return include.length === 0 || matches(include);
}
