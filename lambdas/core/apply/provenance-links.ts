/**
 * Links built from an image's provenance claims. Everything here is publisher text: a source
 * URL is linked only when it parses as `https:` with a host name and plain path segments (it is
 * rebuilt from those, so no query, fragment, credentials or `javascript:` survives), and a
 * revision goes into a link only when it is a hex commit id or a plain ref name.
 */

/** Where a source repository lives, when we know how its host draws compare views. */
type SourceKind = 'github' | 'gitlab' | 'other';

export interface SourceRepo {
  /** `https://host[:port]`. */
  readonly origin: string;
  /** The repository's path segments: `owner/name` on GitHub, `group/…/project` on GitLab. */
  readonly path: readonly string[];
  readonly kind: SourceKind;
  /** The rebuilt address: `origin/path`. */
  readonly url: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;
const HEX_REVISION = /^[0-9a-f]{7,64}$/i;
/** A ref name Git accepts and a URL path can hold as it is: no `..`, `//`, `@{`, trailing `.`/`/`. */
const REF_NAME = /^(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9][A-Za-z0-9._/+-]{0,127}(?<![./])$/;

/**
 * The source repository a `org.opencontainers.image.source` claim names. `githubHost` is the
 * host name of the GitHub the updater talks to (GitHub Enterprise Server): its repositories get
 * GitHub's link forms, as github.com's do. GitLab's forms go to gitlab.com and hosts named
 * `gitlab.…`; any other host is linked as it is, without a compare view.
 */
export function sourceRepo(claim: string, githubHost?: string): SourceRepo | undefined {
  if (!URL.canParse(claim)) return undefined;
  const url = new URL(claim);
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname === '')
    return undefined;
  const host = url.hostname.toLowerCase();
  let segments = url.pathname.split('/').filter((s) => s !== '');
  let kind: SourceKind = 'other';
  if (host === 'github.com' || host === 'www.github.com' || host === githubHost?.toLowerCase()) {
    kind = 'github';
    // `https://github.com/o/r/tree/main/sub` names the repository o/r.
    segments = segments.slice(0, 2);
    if (segments.length < 2) return undefined;
  } else if (host === 'gitlab.com' || host.startsWith('gitlab.')) {
    kind = 'gitlab';
    const dash = segments.indexOf('-');
    if (dash >= 0) segments = segments.slice(0, dash);
    if (segments.length < 2) return undefined;
  }
  if (segments.length > 0) segments[segments.length - 1] = segments.at(-1)!.replace(/\.git$/, '');
  if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) return undefined;
  const origin = `https://${kind === 'github' && host === 'www.github.com' ? 'github.com' : url.host.toLowerCase()}`;
  return { origin, path: segments, kind, url: [origin, ...segments].join('/') };
}

/** A revision claim fit for a link: a commit id (7–64 hex digits) or a plain ref name. */
export function linkableRevision(revision: string | undefined): string | undefined {
  if (revision === undefined) return undefined;
  return HEX_REVISION.test(revision) || REF_NAME.test(revision) ? revision : undefined;
}

export function isCommitId(revision: string): boolean {
  return HEX_REVISION.test(revision);
}

/** The host's compare view from `from` to `to`; GitHub and GitLab only. */
export function compareUrl(repo: SourceRepo, from: string, to: string): string | undefined {
  const a = linkableRevision(from);
  const b = linkableRevision(to);
  if (!a || !b) return undefined;
  if (repo.kind === 'github') return `${repo.url}/compare/${a}...${b}`;
  if (repo.kind === 'gitlab') return `${repo.url}/-/compare/${a}...${b}`;
  return undefined;
}

/** The page of one commit (a commit id only: a ref name moves). */
export function commitUrl(repo: SourceRepo, revision: string): string | undefined {
  if (!isCommitId(revision)) return undefined;
  if (repo.kind === 'github') return `${repo.url}/commit/${revision}`;
  if (repo.kind === 'gitlab') return `${repo.url}/-/commit/${revision}`;
  return undefined;
}

/** A GitHub release's page; the tag is encoded, whatever it holds. */
export function releaseUrl(repo: SourceRepo, tag: string): string {
  return `${repo.url}/releases/tag/${encodeURIComponent(tag)}`;
}

/**
 * The release tags to try for a version: the `version` claim, then it with a `v` added (or
 * taken away), then the image tag; at most two, each a plain tag name.
 */
export function releaseTags(version: string | undefined, imageTag: string): string[] {
  const toggled = (t: string) => (t.startsWith('v') ? t.slice(1) : `v${t}`);
  const tried = [version, version && toggled(version), imageTag, toggled(imageTag)].filter(
    (t): t is string => t !== undefined && t !== '' && REF_NAME.test(t),
  );
  return [...new Set(tried)].slice(0, 2);
}
