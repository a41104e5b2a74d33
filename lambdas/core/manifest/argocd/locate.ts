/**
 * Argo CD Application sources: `kustomize.images` strings (`name:tag`, `name=newName:tag`,
 * `…@digest`) and Helm `parameters` named `*image.tag`, whose image is the sibling parameter
 * with the same prefix ending in `image.repository` (plus `image.registry`, `image.digest`).
 */
import { isMap, isScalar, type ParsedNode, type Scalar } from 'yaml';
import { buildCandidate, readSlot, type Candidate } from '../parts.ts';
import type { DocumentView } from '../source.ts';

export function locateArgoKustomizeImages(
  view: DocumentView,
  images: ParsedNode | null | undefined,
): Candidate[] {
  const found: Candidate[] = [];
  for (const item of view.items(images)) {
    if (!isScalar(item)) continue;
    view.visit(item, 1);
    const value = item.source ?? '';
    const equals = value.indexOf('=');
    const slot = view.slot(item, 'image', equals >= 0 ? value.slice(0, equals + 1) : '');
    const read = readSlot(slot);
    // `old=new` without a tag or digest only renames.
    if (!read.ok || (read.parts.tag === undefined && read.parts.digest === undefined)) continue;
    found.push(buildCandidate('argocd', { name: slot, tag: slot }));
  }
  return found;
}

const TAG_PARAMETER = /image\.tag$/i;

export function locateArgoHelmParameters(
  view: DocumentView,
  parameters: ParsedNode | null | undefined,
): Candidate[] {
  // Helm parameter names are case-sensitive, but `Image.Tag` beside `image.repository` is one image.
  const byName = new Map<string, { name: string; value: Scalar.Parsed }>();
  for (const item of view.items(parameters)) {
    if (!isMap(item)) continue;
    view.visit(item, 1);
    const name = view.string(item, 'name');
    const value = view.scalar(item, 'value');
    if (name !== undefined && value && !byName.has(name.toLowerCase()))
      byName.set(name.toLowerCase(), { name, value });
  }
  const found: Candidate[] = [];
  for (const [key, { name, value }] of byName) {
    if (!TAG_PARAMETER.test(key)) continue;
    const prefix = key.slice(0, -'tag'.length);
    const repository = byName.get(`${prefix}repository`)?.value;
    const registry = byName.get(`${prefix}registry`)?.value;
    const digest = byName.get(`${prefix}digest`)?.value;
    const candidate = buildCandidate('argocd', {
      name: repository ? view.slot(repository, 'name') : undefined,
      registry: registry ? view.slot(registry, 'name') : undefined,
      tag: view.slot(value, 'tag'),
      digestFields: digest ? [view.slot(digest, 'digest')] : [],
    });
    found.push(
      repository
        ? candidate
        : {
            ...candidate,
            problem: `no ${name.slice(0, -'tag'.length)}repository parameter beside ${name}, so the image it tags is unknown`,
          },
    );
  }
  return found;
}
