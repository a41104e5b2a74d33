/**
 * Reading what a slot holds (name, tag, digest) and assembling a reference from the slots a
 * locator found. Every locator describes its shape as roles; the rules about digests, empty fields
 * and unsafe scalars live here once.
 */
import { DIGEST, canonicalName, isValidTag, parseImageReference } from '../image/reference.ts';
import type { MarkerField, ReferenceFormat, ReferenceSlots, Slot } from './types.ts';
import { defined } from '../../objects.ts';

export interface SlotParts {
  /** The repository as written (`registry/path`), for `image` and `name` slots. */
  readonly name?: string;
  readonly tag?: string;
  readonly digest?: string;
  /** Canonical repository name, for `image` and `name` slots. */
  readonly canonical?: string;
}

export type SlotRead =
  { readonly ok: true; readonly parts: SlotParts } | { readonly ok: false; readonly problem: string };

export function readSlot(slot: Slot, registry?: string): SlotRead {
  const value = slot.layout === 'image' ? slot.value.slice(slot.prefix.length) : slot.value;
  if (value === '') return { ok: true, parts: {} };
  switch (slot.layout) {
    case 'image':
    case 'name': {
      const full = registry ? `${registry}/${value}` : value;
      const ref = parseImageReference(full);
      if (!ref) return { ok: false, problem: `"${full}" is not an image reference` };
      if (slot.layout === 'name' && (ref.tag !== undefined || ref.digest !== undefined)) {
        return { ok: false, problem: `"${value}" should be a repository name without a tag or digest` };
      }
      const name =
        slot.layout === 'name'
          ? value
          : ref.registry !== undefined
            ? `${ref.registry}/${ref.path}`
            : ref.path;
      return { ok: true, parts: { name, tag: ref.tag, digest: ref.digest, canonical: canonicalName(ref) } };
    }
    case 'tag': {
      const at = value.indexOf('@');
      const tag = at >= 0 ? value.slice(0, at) : value;
      const digest = at >= 0 ? value.slice(at + 1) : undefined;
      if (tag !== '' && !isValidTag(tag)) {
        const hint = DIGEST.test(tag) ? ' (it is a digest, which belongs in a digest field)' : '';
        return { ok: false, problem: `"${tag}" is not a valid tag${hint}` };
      }
      if (digest !== undefined && !DIGEST.test(digest))
        return { ok: false, problem: `"${digest}" is not a digest` };
      return { ok: true, parts: { tag: tag === '' ? undefined : tag, digest } };
    }
    case 'digest':
      if (!DIGEST.test(value)) {
        const hint = /^\d+$/.test(value) ? '; YAML reads it as a number' : '';
        return {
          ok: false,
          problem: `"${value}" is not a digest (expected algorithm:hex, e.g. sha256:…)${hint}`,
        };
      }
      return { ok: true, parts: { digest: value } };
  }
}

/** The scalars a shape is made of, by the part they play. */
export interface Roles {
  readonly name?: Slot;
  readonly registry?: Slot;
  /** Where the tag is, or goes. */
  readonly tag?: Slot;
  /** Dedicated digest fields (empty or not). */
  readonly digestFields?: readonly Slot[];
  /** Other `image`/`tag` slots whose embedded `@digest` pins the image (the tag slot always counts). */
  readonly carriers?: readonly Slot[];
  /** The name slot is written too (markers). */
  readonly nameWritable?: boolean;
}

export interface Candidate {
  readonly format: ReferenceFormat;
  readonly slots: ReferenceSlots;
  readonly image?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly problem?: string;
  readonly policy?: string;
  readonly markerFields?: readonly MarkerField[];
}

export function buildCandidate(
  format: ReferenceFormat,
  roles: Roles,
  extra: { readonly policy?: string; readonly markerFields?: readonly MarkerField[] } = {},
): Candidate {
  const problems: string[] = [];
  const note = (slot: Slot, problem: string) => problems.push(`line ${slot.line}: ${problem}`);

  let image: string | undefined;
  const registry = roles.registry?.value || undefined;
  if (roles.name) {
    const read = readSlot(roles.name, roles.name.layout === 'name' ? registry : undefined);
    if (read.ok) image = read.parts.canonical;
    else note(roles.name, read.problem);
  }

  let tag: string | undefined;
  const digests: Slot[] = [];
  let emptyDigest: Slot | undefined;
  let digest: string | undefined;
  const carriers = unique([roles.tag, ...(roles.carriers ?? [])]);
  for (const slot of carriers) {
    const read = readSlot(slot);
    if (!read.ok) {
      note(slot, read.problem);
      continue;
    }
    if (slot === roles.tag) tag = read.parts.tag;
    if (read.parts.digest !== undefined) {
      digests.push(slot);
      digest ??= read.parts.digest;
    }
  }
  for (const slot of roles.digestFields ?? []) {
    if (slot.value === '') {
      emptyDigest ??= slot;
      continue;
    }
    // A field holding something that is not a digest still pins nothing we could keep: it is the
    // reference's problem, and where the reference points.
    digests.push(slot);
    const read = readSlot(slot);
    if (read.ok) digest ??= read.parts.digest;
    else note(slot, read.problem);
  }

  const written = unique([
    ...carriers,
    ...(roles.digestFields ?? []),
    roles.nameWritable ? roles.name : undefined,
  ]);
  for (const slot of written) if (slot.unsafe) note(slot, slot.unsafe);

  const slots: ReferenceSlots = {
    ...defined({ name: roles.name, registry: roles.registry, tag: roles.tag }),
    digests: unique(digests),
    ...defined({ emptyDigest }),
  };
  return {
    format,
    slots,
    ...defined({ image, tag, digest }),
    ...(problems.length > 0 ? { problem: unique(problems).join('; ') } : {}),
    ...defined({ policy: extra.policy, markerFields: extra.markerFields }),
  };
}

/** Every slot of a reference, each once. */
export function allSlots(slots: ReferenceSlots): Slot[] {
  return unique([slots.name, slots.registry, slots.tag, ...slots.digests, slots.emptyDigest]);
}

function unique<T>(items: readonly (T | undefined)[]): T[] {
  return [...new Set(items.filter((item): item is T => item !== undefined))];
}
