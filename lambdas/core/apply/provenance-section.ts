/**
 * The PR's "Provenance" section (issue 17): for each update, the source repository its image
 * claims, the compare view from the old image's revision to the new one's, the version and build
 * time it claims, the signature check when the policy verifies, and the matching GitHub release's
 * notes. Labels are the publisher's claims and are shown as such; every piece is escaped, and
 * only `https:` links this module builds are linked (`provenance-links.ts`).
 *
 * Loaded on first use (an ESM chunk of its own). Never fails a pull request: a lookup that fails
 * leaves its part out.
 */
import type { RepoClient } from '../../ports/git-host.ts';
import type { ImageProvenance, ProvenanceReader } from '../../ports/provenance.ts';
import type { UnitPlan } from '../plan/units.ts';
import type { Verdict } from '../verify/types.ts';
import { printableText } from '../plan/printable.ts';
import { inlineCode, markdownLink, markdownText } from './markdown.ts';
import type { PrBodySection } from './pr-body.ts';
import {
  commitUrl,
  compareUrl,
  isCommitId,
  releaseTags,
  releaseUrl,
  sourceRepo,
  type SourceRepo,
} from './provenance-links.ts';

/** Release notes are cut here, at a line end, with a link to the whole. */
export const RELEASE_NOTES_CHARS = 2000;

type Update = UnitPlan['updates'][number];

interface Release {
  readonly tag: string;
  readonly body: string;
}

/** What one update's provenance is made of, looked up. */
export interface UpdateProvenance {
  readonly update: Update;
  readonly to?: ImageProvenance;
  readonly from?: ImageProvenance;
  readonly signature?: Verdict;
  readonly release?: Release;
}

export interface ProvenanceLookup {
  readonly reader: ProvenanceReader;
  /** The repository client: GitHub releases are read through it, with its credentials. */
  readonly client: Pick<RepoClient, 'readRelease' | 'webOrigin'>;
  /** The signature verdict of each policy's decision. */
  readonly signatures: ReadonlyMap<string, Verdict>;
}

function githubHost(client: ProvenanceLookup['client']): string | undefined {
  return client.webOrigin && URL.canParse(client.webOrigin) ? new URL(client.webOrigin).host : undefined;
}

/** The release of `repo` matching the new image, read with the client's credentials (at most 2 requests, at once). */
async function releaseOf(
  client: ProvenanceLookup['client'],
  repo: SourceRepo,
  version: string | undefined,
  tag: string,
): Promise<Release | undefined> {
  const host = githubHost(client);
  if (!client.readRelease || repo.kind !== 'github' || !host || new URL(repo.origin).host !== host)
    return undefined;
  const [owner, name] = repo.path as [string, string];
  // Both spellings at once: one round trip instead of two, so the notes are in before the commit
  // is (the PR waits for them); the first candidate that exists wins.
  const found = await Promise.all(
    releaseTags(version, tag).map((candidate) =>
      client.readRelease!({ owner, name }, candidate).then(
        (release) => release && { tag: candidate, body: release.body },
        // GitHub down or refusing: the notes are left out, the PR is not held back for them.
        () => undefined,
      ),
    ),
  );
  return found.find((r) => r !== undefined);
}

/**
 * Reads what each update's section needs, concurrently: the new image by its digest (or tag),
 * the old one by the digest the base branch pins (or its tag), then the release. Costs: see
 * docs/performance.md.
 */
async function lookUpProvenance(unit: UnitPlan, lookup: ProvenanceLookup): Promise<UpdateProvenance[]> {
  return Promise.all(
    unit.updates.map(async (update): Promise<UpdateProvenance> => {
      const image = update.policy.image;
      const signature = lookup.signatures.get(update.policy.name);
      const [to, from] = await Promise.all([
        lookup.reader.provenanceOf(image, update.to.digest ?? update.to.tag).catch(() => undefined),
        update.from
          ? lookup.reader.provenanceOf(image, update.from.digest ?? update.from.tag).catch(() => undefined)
          : undefined,
      ]);
      const source = to?.provenance.source && sourceRepo(to.provenance.source, githubHost(lookup.client));
      const release = source
        ? await releaseOf(lookup.client, source, to.provenance.version, update.to.tag)
        : undefined;
      return {
        update,
        ...(to ? { to: to.provenance } : {}),
        ...(from ? { from: from.provenance } : {}),
        ...(signature ? { signature } : {}),
        ...(release ? { release } : {}),
      };
    }),
  );
}

const shortRevision = (r: string) => (isCommitId(r) ? r.slice(0, 12) : r);

function changesLine(
  u: UpdateProvenance,
  repo: SourceRepo | undefined,
  githubHostName: string | undefined,
): string | undefined {
  const next = u.to?.revision;
  if (!next) return undefined;
  // A revision of another repository (the source moved, or a different image) compares nothing.
  const oldSource = u.from?.source;
  const elsewhere =
    oldSource !== undefined &&
    oldSource !== u.to?.source &&
    sourceRepo(oldSource, githubHostName)?.url !== repo?.url;
  const prev = elsewhere ? undefined : u.from?.revision;
  const fromTag = u.update.from?.tag;
  if (prev !== undefined && prev === next)
    return `- Revision: ${inlineCode(shortRevision(next))}, the same as ${inlineCode(fromTag ?? 'the old image')}'s`;
  const compare = repo && prev !== undefined ? compareUrl(repo, prev, next) : undefined;
  if (compare && prev !== undefined)
    return `- Changes: ${markdownLink(inlineCode(`${shortRevision(prev)}...${shortRevision(next)}`), compare)} (the compare view, from ${inlineCode(fromTag ?? '')}'s revision to ${inlineCode(u.update.to.tag)}'s)`;
  const commit = repo ? commitUrl(repo, next) : undefined;
  const shown = commit ? markdownLink(inlineCode(shortRevision(next)), commit) : inlineCode(next);
  const why = elsewhere
    ? ` (the old image names another source, ${inlineCode(oldSource)})`
    : prev === undefined
      ? ' (the old image names no revision)'
      : ` (was ${inlineCode(prev)})`;
  return `- Revision: ${shown}${u.update.from ? why : ''}`;
}

function signatureLine(verdict: Verdict | undefined): string | undefined {
  if (!verdict?.ok) return undefined;
  return `- Signature: verified with the policy's cosign key (${verdict.via === 'sig-tag' ? inlineCode('.sig') + ' signature' : 'Sigstore bundle referrer'})`;
}

/**
 * Release notes as text in a fenced block: a release body's Markdown and HTML (an unclosed tag,
 * `</details>`, `<!--`, an @-mention) render as written and cannot reach what follows. Cut at a
 * line end before `RELEASE_NOTES_CHARS`.
 */
function releaseBlock(repo: SourceRepo, release: Release): string[] {
  const text = printableText(release.body.replace(/\r\n?/g, '\n')).trimEnd();
  let kept = text;
  if (text.length > RELEASE_NOTES_CHARS) {
    const cut = text.lastIndexOf('\n', RELEASE_NOTES_CHARS);
    kept = text.slice(0, cut > 0 ? cut : RELEASE_NOTES_CHARS).trimEnd();
  }
  const longest = Math.max(0, ...(kept.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const link = markdownLink(inlineCode(release.tag), releaseUrl(repo, release.tag));
  return [
    `<details><summary>Release notes of ${markdownText(release.tag)}</summary>`,
    '',
    `${fence}text`,
    kept,
    fence,
    '',
    kept.length < text.length
      ? `Cut at ${RELEASE_NOTES_CHARS} characters: the release ${link} has them all.`
      : `From the release ${link}.`,
    '',
    '</details>',
  ];
}

function updateLines(u: UpdateProvenance, githubHostName: string | undefined, heading: boolean): string[] {
  const claims = u.to ?? {};
  const repo = claims.source ? sourceRepo(claims.source, githubHostName) : undefined;
  const lines: string[] = [];
  if (claims.source)
    lines.push(
      `- Source: ${repo ? markdownLink(inlineCode(repo.url), repo.url) : `${inlineCode(claims.source)} (not linked: not an https address of a repository)`}`,
    );
  const changes = changesLine(u, repo, githubHostName);
  if (changes) lines.push(changes);
  const built = [
    claims.version ? `version ${inlineCode(claims.version)}` : undefined,
    claims.created ? `created ${inlineCode(claims.created)}` : undefined,
  ].filter((s) => s !== undefined);
  if (built.length) lines.push(`- Claims: ${built.join(', ')}`);
  const signature = signatureLine(u.signature);
  if (signature) lines.push(signature);
  if (lines.length === 0) return [];
  const out = [
    ...(heading ? [`**${markdownText(u.update.policy.name)}** ${inlineCode(u.update.to.tag)}:`, ''] : []),
    ...lines,
  ];
  if (u.release && repo) out.push('', ...releaseBlock(repo, u.release));
  return [...out, ''];
}

/** The section, or none when no update has anything to show (an image without labels, unsigned). */
export function provenanceSection(
  found: readonly UpdateProvenance[],
  githubHostName?: string,
): PrBodySection | undefined {
  const parts = found.map((u) => updateLines(u, githubHostName, found.length > 1));
  if (parts.every((p) => p.length === 0)) return undefined;
  const claimed = found.some((u) => u.to && Object.keys(u.to).length > 0);
  return {
    heading: 'Provenance',
    markdown: [
      ...(claimed
        ? [
            "What the image's publisher wrote into it (the OCI annotations and labels `org.opencontainers.image.*`): claims shown as written, not checked by image-updater.",
            '',
          ]
        : []),
      ...parts.flat(),
    ]
      .join('\n')
      .trimEnd(),
  };
}

/** The sections a unit's description gets from provenance: looked up, then rendered. */
export async function provenanceSections(unit: UnitPlan, lookup: ProvenanceLookup): Promise<PrBodySection[]> {
  const section = provenanceSection(await lookUpProvenance(unit, lookup), githubHost(lookup.client));
  return section ? [section] : [];
}
