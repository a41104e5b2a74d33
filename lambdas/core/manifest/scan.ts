/**
 * Which locator reads which part of a document, and how their findings become references.
 * A document with `apiVersion` and `kind` is a Kubernetes object (Helm values only inside a
 * HelmRelease or an Argo CD Application); any other document is Helm values; a file named like a
 * kustomization is only a kustomization.
 */
import { isMap, type ParsedNode } from 'yaml';
import { locateArgoHelmParameters, locateArgoKustomizeImages } from './argocd/locate.ts';
import { locateHelm } from './helm/locate.ts';
import { locateKubernetes } from './kubernetes/locate.ts';
import { locateKustomizeImages } from './kustomize/locate.ts';
import { findMarkers, locateMarkers } from './markers/locate.ts';
import { allSlots, type Candidate } from './parts.ts';
import { DocumentView, ScanLimitError, parseYaml, position, type ParsedSource } from './source.ts';
import type { ManifestReference, SourcePosition } from './types.ts';

const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

interface ScanState {
  readonly source: ParsedSource;
  readonly references: ManifestReference[];
}

export type ScanOutcome =
  { readonly ok: true; readonly state: ScanState } | { readonly ok: false; readonly error: SourcePosition };

/** A plan scans a file, then edits the same text: the second scan of a small file is free. */
const CACHE_MAX_CHARS = 256 * 1024;
let last: { readonly text: string; readonly file: string; readonly outcome: ScanOutcome } | undefined;

export function scanText(text: string, file: string): ScanOutcome {
  if (last && last.file === file && last.text === text) return last.outcome;
  const outcome = scanUncached(text, file);
  last = text.length <= CACHE_MAX_CHARS ? { text, file, outcome } : undefined;
  return outcome;
}

function scanUncached(text: string, file: string): ScanOutcome {
  const parsed = parseYaml(text);
  if (!parsed.ok) return parsed;
  const { source } = parsed;
  const references: ManifestReference[] = [];
  try {
    source.docs.forEach((doc, index) => {
      const view = new DocumentView(source, doc, index);
      references.push(...documentReferences(view, file));
    });
  } catch (error) {
    if (!(error instanceof ScanLimitError)) throw error;
    return {
      ok: false,
      error: { message: error.message, ...position(text, source.lineCounter, error.offset) },
    };
  }
  references.sort((a, b) => a.document - b.document || a.line - b.line || a.column - b.column);
  return { ok: true, state: { source, references } };
}

function documentReferences(view: DocumentView, file: string): ManifestReference[] {
  const hits = findMarkers(view);
  const marked = new Set(hits.map((h) => h.scalar.range[0]));
  const structural = documentCandidates(view, file).filter(
    (c) => !allSlots(c.slots).some((slot) => marked.has(slot.start)),
  );
  const seen = new Set<string>();
  const references: ManifestReference[] = [];
  for (const candidate of [...locateMarkers(view, hits), ...structural]) {
    const reference = toReference(candidate, view, file);
    // An anchored image reached through several aliases is one reference: its anchor.
    if (seen.has(reference.id)) continue;
    seen.add(reference.id);
    references.push(reference);
  }
  return references;
}

function documentCandidates(view: DocumentView, file: string): Candidate[] {
  const root = view.resolve(view.contents);
  if (!root) return [];
  const apiVersion = isMap(root) ? view.string(root, 'apiVersion') : undefined;
  const kind = isMap(root) ? view.string(root, 'kind') : undefined;
  const group = apiVersion?.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : undefined;

  if (kind === 'Kustomization' && group === 'kustomize.toolkit.fluxcd.io') {
    return locateKustomizeImages(view, view.path(root, ['spec', 'images']));
  }
  const basename = file.slice(file.lastIndexOf('/') + 1);
  if (
    KUSTOMIZATION_FILES.has(basename) ||
    ((kind === 'Kustomization' || kind === 'Component') && group === 'kustomize.config.k8s.io')
  ) {
    return isMap(root) ? locateKustomizeImages(view, view.get(root, 'images')) : [];
  }
  if (apiVersion === undefined || kind === undefined) return locateHelm(view, root);

  const found: Candidate[] = [];
  const values = new Set<ParsedNode>();
  const helmValues = (node: ParsedNode | undefined) => {
    if (!node) return;
    values.add(node);
    found.push(...locateHelm(view, node));
  };
  if (kind === 'HelmRelease' && group === 'helm.toolkit.fluxcd.io') {
    helmValues(view.path(root, ['spec', 'values']));
    for (const renderer of view.items(view.path(root, ['spec', 'postRenderers']))) {
      found.push(...locateKustomizeImages(view, view.path(renderer, ['kustomize', 'images'])));
    }
  }
  if (group === 'argoproj.io' && (kind === 'Application' || kind === 'ApplicationSet')) {
    const spec = view.path(root, kind === 'Application' ? ['spec'] : ['spec', 'template', 'spec']);
    const sources = [view.path(spec, ['source']), ...view.items(view.path(spec, ['sources']))];
    for (const source of sources) {
      // `helm.values` is a string of YAML; only `valuesObject` is structure we can edit in place.
      helmValues(view.path(source, ['helm', 'valuesObject']));
      found.push(...locateArgoKustomizeImages(view, view.path(source, ['kustomize', 'images'])));
      found.push(...locateArgoHelmParameters(view, view.path(source, ['helm', 'parameters'])));
    }
  }
  found.push(...locateKubernetes(view, root, values));
  return found;
}

function toReference(candidate: Candidate, view: DocumentView, file: string): ManifestReference {
  const { slots } = candidate;
  const primary = slots.tag ?? slots.digests[0] ?? slots.emptyDigest ?? slots.name;
  const starts = allSlots(slots)
    .map((s) => s.start)
    .sort((a, b) => a - b);
  const id = `${candidate.format}:${view.index}:${starts.join(',')}${candidate.policy !== undefined ? `#${candidate.policy}` : ''}`;
  return {
    id,
    file,
    document: view.index,
    line: primary?.line ?? 1,
    column: primary?.column ?? 1,
    ...candidate,
  };
}
