/**
 * Helm values, at any depth: image maps (`repository` or ingress-nginx's `image`, optional
 * `registry`, `tag` or bitnami's `version`, optional `digest`) and plain strings under a key
 * ending in `image` (`image`, `coreImage`, `inline_image`) that carry a tag or digest.
 */
import { isMap, isScalar, isSeq, type ParsedNode, type YAMLMap } from 'yaml';
import { buildCandidate, readSlot, type Candidate } from '../parts.ts';
import type { DocumentView } from '../source.ts';

const IMAGE_KEY = /image$/i;

export function locateHelm(view: DocumentView, root: ParsedNode | null | undefined): Candidate[] {
  const found: Candidate[] = [];
  const walk = (raw: ParsedNode | null | undefined, depth: number): void => {
    const node = view.resolve(raw);
    if (!node) return;
    view.visit(node, depth);
    if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    const map = imageMap(view, node);
    if (map) found.push(map.candidate);
    for (const entry of view.entries(node)) {
      if (entry.key !== map?.repositoryKey && IMAGE_KEY.test(entry.key)) {
        const candidate = imageString(view, view.resolve(entry.value));
        if (candidate) found.push(candidate);
      }
      walk(entry.value, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

function imageString(view: DocumentView, node: ParsedNode | undefined): Candidate | undefined {
  if (!isScalar(node)) return undefined;
  const slot = view.slot(node, 'image');
  const read = readSlot(slot);
  // Untagged strings in values are usually a repository whose tag lives elsewhere.
  if (!read.ok || (read.parts.tag === undefined && read.parts.digest === undefined)) return undefined;
  return buildCandidate('helm', { name: slot, tag: slot });
}

function imageMap(
  view: DocumentView,
  map: YAMLMap.Parsed,
): { candidate: Candidate; repositoryKey: string } | undefined {
  const tag = view.scalar(map, 'tag');
  const version = tag ? undefined : view.scalar(map, 'version');
  const digest = view.scalar(map, 'digest');
  const versioned = Boolean(tag ?? version ?? digest);
  let repositoryKey = 'repository';
  let repository = view.scalar(map, 'repository');
  if (!repository && versioned) {
    repositoryKey = 'image';
    repository = view.scalar(map, 'image');
  }
  if (!repository) return undefined;
  const registry = view.scalar(map, 'registry');
  const name = view.slot(repository, 'name');
  const registrySlot = registry ? view.slot(registry, 'name') : undefined;
  const read = readSlot(name, registrySlot?.value || undefined);
  if (!read.ok || read.parts.canonical === undefined) return undefined;
  const tagNode = tag ?? version;
  const candidate = buildCandidate('helm', {
    name,
    registry: registrySlot,
    tag: tagNode ? view.slot(tagNode, 'tag') : undefined,
    digestFields: digest ? [view.slot(digest, 'digest')] : [],
  });
  if (!versioned) {
    return {
      repositoryKey,
      candidate: {
        ...candidate,
        problem: `line ${name.line}: no tag field beside ${repositoryKey}; the chart decides the tag`,
      },
    };
  }
  return { candidate, repositoryKey };
}
