/**
 * kustomize `images:` entries: `name` (what resources use), optional `newName`, `newTag`,
 * `digest`. The image an entry produces is `newName` when present, else `name`.
 */
import { isMap, type ParsedNode } from 'yaml';
import { buildCandidate, readSlot, type Candidate } from '../parts.ts';
import type { DocumentView } from '../source.ts';
import type { Slot } from '../types.ts';

export function locateKustomizeImages(
  view: DocumentView,
  images: ParsedNode | null | undefined,
): Candidate[] {
  const found: Candidate[] = [];
  for (const entry of view.items(images)) {
    if (!isMap(entry)) continue;
    view.visit(entry, 1);
    const name = view.scalar(entry, 'name');
    const newName = view.scalar(entry, 'newName');
    const newTag = view.scalar(entry, 'newTag');
    const digest = view.scalar(entry, 'digest');
    const nameNode = newName ?? name;
    if (!nameNode) continue;
    const nameSlot = view.slot(nameNode, 'image');
    const newNameSlot = newName ? nameSlot : undefined;
    const newNameRead = newNameSlot ? readSlot(newNameSlot) : undefined;
    // A newName may carry its own tag or digest (`awesome/postgres:11@sha256:…`).
    const newNameVersioned =
      newNameRead?.ok === true &&
      (newNameRead.parts.tag !== undefined || newNameRead.parts.digest !== undefined);
    // An entry that sets neither a tag nor a digest only renames; the version comes from the resources.
    if (!newTag && !digest && !newNameVersioned) continue;
    const tagSlot = newTag ? view.slot(newTag, 'tag') : newNameVersioned ? newNameSlot : undefined;
    const carriers: Slot[] = newNameVersioned && newNameSlot ? [newNameSlot] : [];
    found.push(
      buildCandidate('kustomize', {
        name: nameSlot,
        tag: tagSlot,
        carriers,
        digestFields: digest ? [view.slot(digest, 'digest')] : [],
      }),
    );
  }
  return found;
}
