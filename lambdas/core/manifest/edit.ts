/**
 * Turning edits into splices: which scalars change, to what, and with which characters. Nothing
 * is re-serialised; the output is the input with the changed tag/digest characters replaced, and
 * it is only returned after a re-parse shows that exactly those values changed.
 */
import { SHA256_DIGEST, canonicalName, isValidTag, parseImageReference } from '../image/reference.ts';
import { allSlots, readSlot, type SlotParts } from './parts.ts';
import { needsQuoting, prevailingQuote, type QuoteChar } from './quoting.ts';
import { scanText } from './scan.ts';
import type {
  EditResult,
  ManifestChange,
  ManifestReference,
  ReferenceEdit,
  SkippedReference,
  Slot,
} from './types.ts';
import { verifyEdit } from './verify.ts';

export interface SlotWrite {
  readonly slot: Slot;
  readonly value: string;
}

export function editText(text: string, file: string, edits: readonly ReferenceEdit[]): EditResult {
  const scanned = scanText(text, file);
  if (!scanned.ok) return scanned;
  const { source, references } = scanned.state;
  const byId = new Map(references.map((r) => [r.id, r]));
  const users = new Map<number, ManifestReference[]>();
  for (const reference of references) {
    for (const slot of allSlots(reference.slots)) {
      users.set(slot.start, [...(users.get(slot.start) ?? []), reference]);
    }
  }

  const skipped: SkippedReference[] = [];
  let plans: PlannedEdit[] = [];
  for (const edit of edits) {
    const reference = byId.get(edit.reference.id);
    if (!reference) {
      const reason = 'not found in this text; the file changed since it was scanned';
      skipped.push({ reference: edit.reference, reason });
      continue;
    }
    const planned = planWrites(reference, edit);
    if (planned.ok) plans.push({ reference, writes: planned.writes });
    else skipped.push({ reference, reason: planned.reason });
  }
  // A scalar shared through an anchor moves every reference that uses it: all of them must be
  // edited to the same value, or none. Dropping one plan can make another unsafe; repeat.
  for (let dropped = true; dropped;) {
    dropped = false;
    const kept: PlannedEdit[] = [];
    for (const plan of plans) {
      const reason = conflictOf(plan, kept, plans, users);
      if (reason === undefined) {
        kept.push(plan);
      } else {
        skipped.push({ reference: plan.reference, reason });
        dropped = true;
      }
    }
    plans = kept;
  }

  const writes = new Map<number, SlotWrite & { reference: ManifestReference }>();
  for (const { reference, writes: planned } of plans) {
    for (const write of planned) writes.set(write.slot.start, { ...write, reference });
  }
  const quote = prevailingQuote(source);
  let output = text;
  for (const write of [...writes.values()].sort((a, b) => b.slot.start - a.slot.start)) {
    const { start, end, replacement } = splice(text, write.slot, write.value, quote);
    output = output.slice(0, start) + replacement + output.slice(end);
  }
  const changes: ManifestChange[] = [...writes.values()]
    .sort((a, b) => a.slot.start - b.slot.start)
    .map((w) => ({ line: w.slot.line, from: w.slot.value, to: w.value, reference: w.reference }));
  if (writes.size > 0) {
    const problem = verifyEdit(source, output, [...writes.values()]);
    if (problem) return { ok: false, error: problem };
  }
  return { ok: true, text: output, changes, skipped };
}

interface PlannedEdit {
  readonly reference: ManifestReference;
  readonly writes: readonly SlotWrite[];
}

function conflictOf(
  plan: PlannedEdit,
  earlier: readonly PlannedEdit[],
  all: readonly PlannedEdit[],
  users: ReadonlyMap<number, readonly ManifestReference[]>,
): string | undefined {
  for (const write of plan.writes) {
    const clash = earlier.flatMap((p) => p.writes).find((w) => w.slot.start === write.slot.start);
    if (clash && clash.value !== write.value) {
      return `line ${write.slot.line} is set to ${clash.value} by another edit (the value is a shared YAML anchor)`;
    }
    const bystander = users
      .get(write.slot.start)
      ?.find((r) => r.id !== plan.reference.id && !all.some((p) => p.reference.id === r.id));
    if (bystander) {
      return `the value at line ${write.slot.line} is a YAML anchor that the reference at line ${bystander.line} also uses, and this update does not change that one`;
    }
  }
  return undefined;
}

type Plan =
  // plan
  { readonly ok: true; readonly writes: SlotWrite[] } | { readonly ok: false; readonly reason: string };

/** The new value of every slot the edit changes. */
function planWrites(reference: ManifestReference, edit: ReferenceEdit): Plan {
  const fail = (reason: string): Plan => ({ ok: false, reason });
  if (reference.problem) return fail(reference.problem);
  if (!isValidTag(edit.tag)) return fail(`"${edit.tag}" is not a valid tag`);
  if (edit.digest !== undefined && !SHA256_DIGEST.test(edit.digest))
    return fail(`"${edit.digest}" is not a sha256 digest`);

  const { slots } = reference;
  let newName: string | undefined;
  if (edit.image !== undefined && reference.format === 'marker' && slots.name) {
    const target = parseImageReference(edit.image);
    if (!target || target.tag !== undefined || target.digest !== undefined) {
      return fail(`"${edit.image}" is not an image name without tag or digest`);
    }
    if (canonicalName(target) !== reference.image) newName = edit.image;
  }

  const holdsVersion = slots.tag !== undefined || slots.digests.length > 0 || slots.emptyDigest !== undefined;
  const pinsDigest = slots.digests.length > 0;
  const markedDigest = reference.markerFields?.includes('digest') === true && edit.digest !== undefined;
  const wantDigest = holdsVersion && (edit.pin !== 'tag' || pinsDigest || markedDigest);
  if (wantDigest && edit.digest === undefined) {
    return fail(
      pinsDigest
        ? `it pins digest ${reference.digest ?? ''}, and the pushed image has no digest: a new tag beside the old digest would still run the old image`
        : `pin ${edit.pin} needs a digest, and the pushed image has none`,
    );
  }
  const digestTargets: readonly Slot[] = !wantDigest
    ? []
    : pinsDigest
      ? slots.digests
      : slots.emptyDigest
        ? [slots.emptyDigest]
        : slots.tag
          ? [slots.tag]
          : [];
  if (wantDigest && digestTargets.length === 0) return fail('there is no field to write a digest into');

  const writes: SlotWrite[] = [];
  for (const slot of allSlots(slots)) {
    if (slot === slots.registry) continue;
    const roles = {
      tag: slot === slots.tag,
      digest: digestTargets.includes(slot),
      name: slot === slots.name && newName !== undefined,
    };
    if (!roles.tag && !roles.digest && !roles.name) continue;
    const read = readSlot(slot);
    if (!read.ok) return fail(`line ${slot.line}: ${read.problem}`);
    const value = compose(slot, read.parts, roles, edit, newName);
    if (value === undefined) return fail(`line ${slot.line}: the result would not be an image reference`);
    if (value !== slot.value) writes.push({ slot, value });
  }
  return { ok: true, writes };
}

function compose(
  slot: Slot,
  parts: SlotParts,
  roles: { tag: boolean; digest: boolean; name: boolean },
  edit: ReferenceEdit,
  newName: string | undefined,
): string | undefined {
  const digest = roles.digest ? edit.digest : parts.digest;
  switch (slot.layout) {
    case 'image': {
      const name = roles.name && newName !== undefined ? newName : (parts.name ?? '');
      let tag = parts.tag;
      if (roles.tag) {
        if (edit.pin === 'digest') tag = undefined;
        // A digest-only reference (`app@sha256:…`) stays digest-only unless pin asks for both.
        else if (parts.tag !== undefined || parts.digest === undefined || edit.pin === 'tag+digest')
          tag = edit.tag;
      }
      const image = `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
      return parseImageReference(image) ? slot.prefix + image : undefined;
    }
    case 'tag': {
      const tag = roles.tag ? edit.tag : (parts.tag ?? '');
      return `${tag}${digest !== undefined ? `@${digest}` : ''}`;
    }
    case 'digest':
      return digest ?? slot.value;
    case 'name':
      return roles.name && newName !== undefined ? newName : slot.value;
  }
}

/** The characters to replace: only those that differ, plus quotes when a plain scalar needs them. */
function splice(
  text: string,
  slot: Slot,
  value: string,
  quote: QuoteChar,
): { start: number; end: number; replacement: string } {
  const { contentStart, contentEnd } = slot;
  if (slot.style === 'plain' && (slot.value === '' || needsQuoting(value))) {
    // `key:` with no value has a zero-width scalar right after the colon.
    const empty = contentStart === contentEnd;
    const lead = empty && !/[ \t]/.test(text[contentStart - 1] ?? ' ') ? ' ' : '';
    const trail = empty && text[contentEnd] === '#' ? ' ' : '';
    const body = needsQuoting(value) ? `${quote}${value}${quote}` : value;
    return { start: contentStart, end: contentEnd, replacement: `${lead}${body}${trail}` };
  }
  const old = slot.value;
  let prefix = 0;
  while (prefix < old.length && prefix < value.length && old[prefix] === value[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < old.length - prefix &&
    suffix < value.length - prefix &&
    old[old.length - 1 - suffix] === value[value.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  return {
    start: contentStart + prefix,
    end: contentEnd - suffix,
    replacement: value.slice(prefix, value.length - suffix),
  };
}
