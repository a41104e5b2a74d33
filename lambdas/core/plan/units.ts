/**
 * Turns decided targets into the file edits of one branch/PR unit: a policy, or all policies of
 * a group. The edits are always computed from the base branch's text, so a unit's branch is
 * fully determined by (base head, targets) and can be rebuilt at any time.
 */
import type { Policy } from '../config.ts';
import { parseImageReference } from '../image/reference.ts';
import { editManifest, type ManifestReference, type ReferenceEdit } from '../manifest/index.ts';
import type { UpdateType } from '../tags/index.ts';
import { automergeAllows, largerUpdate } from './automerge.ts';
import type { PolicyTarget } from './decide.ts';
import type { Promotion } from './promote.ts';
import { policyReferences, type FileProblem, type RepoScan } from './scan.ts';
import { renderTemplate } from './template.ts';
import { defined } from '../../objects.ts';

export const BRANCH_PREFIX = 'image-updater/';

interface ReferenceChange {
  readonly policy: string;
  readonly line: number;
  /** The reference's canonical image (a `:tag` marker's comes from its policy). */
  readonly image?: string;
  readonly from: string;
  readonly to: string;
}

interface FileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  readonly changes: readonly ReferenceChange[];
}

/** One policy's part of a unit: where it goes and why. */
interface PolicyUpdate {
  readonly policy: Policy;
  readonly from?: PolicyTarget;
  readonly to: PolicyTarget;
  readonly updateType: UpdateType;
  readonly files: readonly string[];
  /** References left alone and why (e.g. a digest pin and a push without a digest). */
  readonly skipped: readonly { readonly file: string; readonly line: number; readonly reason: string }[];
  /** A promotion's source, for the PR's "Promotion" section. */
  readonly promotion?: Promotion;
}

/** Where and how a unit lands: its policies' settings (labels and reviewers: all of theirs). */
type UnitSettings = Pick<
  Policy,
  | 'group'
  | 'commitMessage'
  | 'baseBranch'
  | 'update'
  | 'mergeStrategy'
  | 'mergeMethod'
  | 'labels'
  | 'reviewers'
>;

export interface UnitPlan extends UnitSettings {
  /** The group, or the policy name. */
  readonly key: string;
  readonly branch: string;
  readonly updates: readonly PolicyUpdate[];
  readonly files: readonly FileChange[];
  readonly title: string;
  readonly updateType: UpdateType;
  /** Every policy's `automerge` level allows its update type. */
  readonly automerge: boolean;
  readonly problems: readonly FileProblem[];
  /** The reference edits behind `files`, for callers that combine several units in one tree. */
  readonly edits: ReadonlyMap<string, readonly ReferenceEdit[]>;
}

export interface UnitTarget {
  readonly policy: Policy;
  readonly to: PolicyTarget;
  readonly from?: PolicyTarget;
  readonly updateType: UpdateType;
  readonly promotion?: Promotion;
}

export function unitKey(policy: Policy): string {
  return policy.group ?? policy.name;
}

/** `namespace:name` policies: `:` is not allowed in a Git ref, `/` is. */
export function branchFor(key: string): string {
  return `${BRANCH_PREFIX}${key.replace(/:/g, '/')}`;
}

/** Builds one unit's edits from the base branch's scan; targets are the unit's policies' goals. */
export function buildUnit(key: string, targets: readonly UnitTarget[], scan: RepoScan): UnitPlan | undefined {
  const first = targets[0];
  if (!first) return undefined;
  const editsByFile = referenceEdits(targets, scan);
  const { files, problems, skipped, touched } = editFiles(editsByFile, targets, scan);
  const updates: PolicyUpdate[] = targets
    .filter((t) => (touched.get(t.policy.name)?.size ?? 0) > 0)
    .map((t) => ({
      policy: t.policy,
      ...defined({ from: t.from }),
      to: t.to,
      updateType: t.updateType,
      files: [...(touched.get(t.policy.name) ?? [])].sort(),
      skipped: skipped.get(t.policy.name) ?? [],
      ...defined({ promotion: t.promotion }),
    }));
  const updateType = updates.map((u) => u.updateType).reduce<UpdateType>(largerUpdate, 'digest');
  const group = first.policy.group;
  const { title, commitMessage } = unitText(first, group, updates, updateType);
  return {
    key,
    branch: branchFor(key),
    ...defined({ group }),
    updates,
    files,
    title,
    commitMessage,
    ...defined({ baseBranch: first.policy.baseBranch }),
    update: first.policy.update,
    updateType,
    automerge: updates.length > 0 && updates.every((u) => automergeAllows(u.policy.automerge, u.updateType)),
    mergeStrategy: first.policy.mergeStrategy,
    mergeMethod: first.policy.mergeMethod,
    labels: unique(targets.flatMap((t) => t.policy.labels)),
    reviewers: unique(targets.flatMap((t) => t.policy.reviewers)),
    problems,
    edits: editsByFile,
  };
}

/** Every reference of the unit's policies not already at its target, by file. */
function referenceEdits(targets: readonly UnitTarget[], scan: RepoScan): Map<string, ReferenceEdit[]> {
  const editsByFile = new Map<string, ReferenceEdit[]>();
  for (const target of targets) {
    for (const [file, refs] of policyReferences(target.policy, scan)) {
      for (const reference of refs) {
        if (isAt(reference, target)) continue;
        const edits = editsByFile.get(file) ?? [];
        edits.push({
          reference,
          tag: target.to.tag,
          ...defined({ digest: target.to.digest }),
          pin: target.policy.pin,
          image: target.policy.image,
        });
        editsByFile.set(file, edits);
      }
    }
  }
  return editsByFile;
}

type Skipped = { file: string; line: number; reason: string };

/** The edits applied file by file (in path order), with what each policy changed or skipped. */
function editFiles(
  editsByFile: ReadonlyMap<string, readonly ReferenceEdit[]>,
  targets: readonly UnitTarget[],
  scan: RepoScan,
) {
  const skipped = new Map<string, Skipped[]>(targets.map((t) => [t.policy.name, []]));
  const touched = new Map<string, Set<string>>(targets.map((t) => [t.policy.name, new Set()]));
  const files: FileChange[] = [];
  const problems: FileProblem[] = [];
  // Keyed by file and reference id: ids are stable for one text, objects need not be.
  const owner = new Map<string, string>();
  const policyOf = (file: string, ref: ManifestReference) => owner.get(`${file}\0${ref.id}`);
  for (const target of targets) {
    for (const [file, refs] of policyReferences(target.policy, scan))
      for (const r of refs) owner.set(`${file}\0${r.id}`, target.policy.name);
  }
  for (const [file, edits] of [...editsByFile].sort(([a], [b]) => a.localeCompare(b))) {
    const before = scan.files.get(file)?.text ?? '';
    const result = editManifest(before, file, edits);
    if (!result.ok) {
      problems.push({ file, ...result.error });
      continue;
    }
    for (const s of result.skipped) {
      const policy = policyOf(file, s.reference);
      if (policy) skipped.get(policy)?.push({ file, line: s.reference.line, reason: s.reason });
    }
    if (result.text === before) continue;
    // The planned reference, not the re-scanned one: a `:tag` marker's image came from its policy.
    const imageOf = new Map(edits.map((e) => [e.reference.id, e.reference.image]));
    const changes = result.changes.map((c) => ({
      policy: policyOf(file, c.reference) ?? '',
      line: c.line,
      ...defined({ image: imageOf.get(c.reference.id) ?? c.reference.image }),
      from: versionOf(c.reference, c.line, c.from),
      to: versionOf(c.reference, c.line, c.to),
    }));
    for (const c of changes) touched.get(c.policy)?.add(file);
    files.push({ file, before, after: result.text, changes });
  }
  return { files, problems, skipped, touched };
}

/** The PR title and the commit message: one update's message, or the group's with a list. */
function unitText(
  first: UnitTarget,
  group: string | undefined,
  updates: readonly PolicyUpdate[],
  updateType: UpdateType,
): { title: string; commitMessage: string } {
  const messages = updates.map((u) => renderTemplate(u.policy.commitMessage, templateValues(u)));
  const title =
    updates.length === 1 || group === undefined
      ? (messages[0] ??
        renderTemplate(first.policy.commitMessage, templateValues({ ...first, files: [], skipped: [] })))
      : renderTemplate(first.policy.commitMessage, groupValues(group, updates, updateType));
  return {
    title,
    commitMessage: updates.length > 1 ? `${title}\n\n${messages.map((m) => `- ${m}`).join('\n')}` : title,
  };
}

/**
 * A change as a person reads it: `1.4.2` → `1.4.3`, not two whole image strings. A whole image
 * string is reduced to its `tag[@digest]`; tag and digest fields already are that.
 */
function versionOf(reference: ManifestReference, line: number, value: string): string {
  const slot = [reference.slots.tag, reference.slots.name, ...reference.slots.digests].find(
    (s) => s?.line === line,
  );
  if (slot?.layout !== 'image') return value;
  const ref = parseImageReference(value.slice(slot.prefix.length));
  if (!ref) return value;
  return `${ref.tag ?? ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

function isAt(reference: ManifestReference, target: UnitTarget): boolean {
  if (reference.tag !== target.to.tag) return false;
  return (
    target.to.digest === undefined || reference.digest === undefined || reference.digest === target.to.digest
  );
}

function templateValues(u: PolicyUpdate) {
  return {
    policy: u.policy.name,
    image: u.policy.image,
    from: u.from?.tag ?? '',
    to: u.to.tag,
    digest: u.to.digest ?? '',
    updateType: u.updateType,
  };
}

/** A PR title lists this many updates; the rest are counted, and listed in the commit message. */
const TITLE_UPDATES = 3;

/**
 * A group's title is its (first policy's) `commitMessage` with `{{policy}}` the group and the
 * per-policy tokens lists: `chore(images): update shop to api 1.4.3, worker 2.0.1`.
 */
function groupValues(group: string, updates: readonly PolicyUpdate[], updateType: UpdateType) {
  const list = (items: readonly string[]) =>
    items.length > TITLE_UPDATES + 1
      ? `${items.slice(0, TITLE_UPDATES).join(', ')} and ${items.length - TITLE_UPDATES} more`
      : items.join(', ');
  return {
    policy: group,
    image: list(unique(updates.map((u) => u.policy.image))),
    from: list(updates.flatMap((u) => (u.from ? [`${u.policy.name} ${u.from.tag}`] : []))),
    to: list(updates.map((u) => `${u.policy.name} ${u.to.tag}`)),
    digest: list(updates.flatMap((u) => (u.to.digest ? [`${u.policy.name} ${u.to.digest}`] : []))),
    updateType,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
