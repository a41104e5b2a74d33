/**
 * Container images of Kubernetes workloads: the `image` of every item of `containers`,
 * `initContainers` and `ephemeralContainers`, wherever a pod spec sits (Deployment, CronJob's
 * `spec.jobTemplate.spec.template.spec`, Pod, Argo Rollout, any CRD with the same shape).
 */
import { isMap, isSeq, type ParsedNode, type YAMLMap } from 'yaml';
import { buildCandidate, readSlot, type Candidate } from '../parts.ts';
import type { DocumentView } from '../source.ts';

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Walks `root`, leaving out the subtrees in `skip` (Helm values, which another locator owns). */
export function locateKubernetes(
  view: DocumentView,
  root: ParsedNode | null | undefined,
  skip: ReadonlySet<ParsedNode> = new Set(),
): Candidate[] {
  const found: Candidate[] = [];
  const walk = (raw: ParsedNode | null | undefined, depth: number): void => {
    const node = view.resolve(raw);
    if (!node || skip.has(node)) return;
    view.visit(node, depth);
    if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    for (const entry of view.entries(node)) {
      if (CONTAINER_LISTS.has(entry.key)) {
        for (const container of view.items(entry.value)) {
          const candidate = isMap(container) ? containerImage(view, container) : undefined;
          if (candidate) found.push(candidate);
        }
      }
      walk(entry.value, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

function containerImage(view: DocumentView, container: YAMLMap.Parsed): Candidate | undefined {
  const scalar = view.scalar(container, 'image');
  if (!scalar) return undefined;
  const slot = view.slot(scalar, 'image');
  const read = readSlot(slot);
  // Empty or templated (`{{ .Values.image }}`) values are not references.
  if (!read.ok || read.parts.name === undefined) return undefined;
  return buildCandidate('kubernetes', { name: slot, tag: slot });
}
