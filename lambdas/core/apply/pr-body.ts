/**
 * The PR description a reviewer reads: what changes (a table, each new tag linking to its page in
 * the registry), what happens next in words, the digests in full, room for sections a feature
 * adds (provenance), and the hidden state, last. At most GitHub's 65,536 characters.
 */
import type { UpdateType } from '../tags/index.ts';
import type { UnitPlan } from '../plan/units.ts';
import { automergeAllows } from '../plan/automerge.ts';
import { registryPage } from '../image/registry-page.ts';
import { cellCode, inlineCode, markdownLink, markdownText, MAX_BODY_CHARS } from './markdown.ts';
import { formatInstant, stateMarker, type PrState } from './pr-state.ts';
import { promotionSections } from './promotion-section.ts';

/** A section a feature adds to the description (Markdown it has escaped itself). */
export interface PrBodySection {
  readonly heading: string;
  readonly markdown: string;
}

const UPDATE_NOTES: Partial<Record<UpdateType, string>> = {
  other:
    'Update type `other`: update types come from semver, and this policy orders its tags otherwise (calver, a pattern); `automerge` merges it only when set to `all`.',
};

/** Files named in one row; a unit touching more says how many more (the commit has them all). */
const FILES_PER_ROW = 20;
const SKIPPED_SHOWN = 20;

type Update = UnitPlan['updates'][number];

function toCell(u: Update): string {
  const page = registryPage(u.policy.image, u.to.tag, u.to.digest);
  return page ? markdownLink(cellCode(u.to.tag), page.url) : cellCode(u.to.tag);
}

function row(u: Update): string {
  const shown = u.files.slice(0, FILES_PER_ROW).map(cellCode);
  const more = u.files.length - shown.length;
  const cells = [
    markdownText(u.policy.name),
    cellCode(u.policy.image),
    u.from ? cellCode(u.from.tag) : '',
    toCell(u),
    u.updateType,
    u.to.digest ? cellCode(`${u.to.digest.slice(0, 19)}…`) : '',
    u.to.pushedAt ? formatInstant(u.to.pushedAt) : '',
    [...shown, ...(more > 0 ? [`and ${more} more`] : [])].join('<br>'),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** What happens to this PR without anyone doing anything, and what a person can do. */
export function whatHappensNext(unit: UnitPlan): string[] {
  const method = inlineCode(unit.mergeMethod);
  let merge: string;
  if (unit.automerge && unit.mergeStrategy === 'auto')
    merge = `**Merges by itself**: image-updater arms GitHub auto-merge (${method}), so GitHub merges this pull request once its required checks and reviews pass.`;
  else if (unit.automerge)
    merge = `**Merges by itself**: image-updater merges it (${method}) as soon as GitHub reports it mergeable (\`mergeStrategy: immediate\`); a merge GitHub refuses leaves it open with a comment.`;
  else {
    const held = unit.updates.filter((u) => !automergeAllows(u.policy.automerge, u.updateType));
    const why = held.map((u) =>
      u.policy.automerge === 'none'
        ? `${markdownText(u.policy.name)} has ${inlineCode('automerge: none')}`
        : `${inlineCode(`automerge: ${u.policy.automerge}`)} of ${markdownText(u.policy.name)} does not cover its ${u.updateType} update`,
    );
    const reviewers = unit.reviewers.length
      ? ` Review requested from ${unit.reviewers.map((r) => inlineCode(r)).join(', ')}.`
      : '';
    merge = `**Waits for review**: ${why.join('; ')}.${reviewers}`;
  }
  const tags = unit.updates.map((u) => `${markdownText(u.policy.name)} ${inlineCode(u.to.tag)}`).join(', ');
  return [
    merge,
    '',
    '- A newer allowed tag updates this pull request; there is never a second one for the same update.',
    `- Closed without merging, it means "not this version": ${tags} and older tags are not proposed again (reopen it to undo).`,
    '- Commits pushed to its branch by anyone else stop further updates: close it or reset the branch to resume.',
  ];
}

function digests(unit: UnitPlan): string[] {
  const pinned = unit.updates.filter((u) => u.to.digest !== undefined);
  if (pinned.length === 0) return [];
  return [
    '<details><summary>Digests in full</summary>',
    '',
    '| Policy | Tag | Digest |',
    '|---|---|---|',
    ...pinned.map(
      (u) => `| ${markdownText(u.policy.name)} | ${cellCode(u.to.tag)} | ${cellCode(u.to.digest!)} |`,
    ),
    '',
    '</details>',
    '',
  ];
}

function render(unit: UnitPlan, state: PrState, sections: readonly PrBodySection[], rows: number): string {
  const skipped = unit.updates.flatMap((u) =>
    u.skipped.map(
      (s) =>
        `- ${markdownText(u.policy.name)}: ${inlineCode(`${s.file}:${s.line}`)} left unchanged: ${markdownText(s.reason)}`,
    ),
  );
  const notes = [...new Set(unit.updates.map((u) => UPDATE_NOTES[u.updateType]))].filter(
    (n): n is string => n !== undefined,
  );
  const left = unit.updates.length - rows;
  // A promotion comes from another environment's files, not from the registry.
  const promoted = unit.updates.every((u) => u.promotion);
  return [
    promoted
      ? 'Image promotions from another environment, proposed by image-updater: each policy takes what the policy it follows runs (see Promotion below). Each new tag links to its page in the registry, where it has one.'
      : 'Image updates from the registry, proposed by image-updater. Each new tag links to its page in the registry, where it has one.',
    '',
    '| Policy | Image | From | To | Update | Digest | Pushed at | Files |',
    '|---|---|---|---|---|---|---|---|',
    ...unit.updates.slice(0, rows).map(row),
    ...(left > 0 ? ['', `${left} more policies: the commit changes them all.`] : []),
    '',
    ...(skipped.length
      ? [
          'References left alone:',
          ...skipped.slice(0, SKIPPED_SHOWN),
          ...(skipped.length > SKIPPED_SHOWN ? [`- and ${skipped.length - SKIPPED_SHOWN} more`] : []),
          '',
        ]
      : []),
    ...(notes.length ? [...notes, ''] : []),
    ...sections.flatMap((s) => [`### ${markdownText(s.heading)}`, '', s.markdown, '']),
    '### What happens next',
    '',
    ...whatHappensNext(unit),
    '',
    ...digests(unit),
    stateMarker(state),
  ].join('\n');
}

/**
 * The description, at most `MAX_BODY_CHARS`: too long, the added sections go first, then table
 * rows from the end (the state marker, which later runs read, is always whole).
 */
export function renderPrBody(unit: UnitPlan, state: PrState, added: readonly PrBodySection[] = []): string {
  const sections = [...promotionSections(unit), ...added];
  let rows = unit.updates.length;
  let body = render(unit, state, sections, rows);
  if (body.length <= MAX_BODY_CHARS) return body;
  body = render(unit, state, [], rows);
  while (body.length > MAX_BODY_CHARS && rows > 1) {
    rows = Math.max(1, Math.floor(rows / 2));
    body = render(unit, state, [], rows);
  }
  return body;
}
