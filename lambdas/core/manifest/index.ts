/**
 * The manifest engine: finds every reference to an image in a YAML file and bumps it without
 * touching anything else. One locator per format (markers, kubernetes, helm, kustomize, argocd);
 * see README.md here and in each locator's folder for what they match and what they leave alone.
 */
import { canonicalImageName } from '../image/reference.ts';
import { editText } from './edit.ts';
import { scanText } from './scan.ts';
import type { EditResult, ManifestReference, ReferenceEdit, ScanResult } from './types.ts';

export type { EditResult, ManifestReference, PinMode, ReferenceEdit, ScanResult } from './types.ts';
export { MAX_MANIFEST_BYTES, MAX_NESTING_DEPTH } from './source.ts';
export { parseMarker } from './markers/locate.ts';

/** Every image reference in `text` (a YAML file at repository path `file`), or where it fails to parse. */
export function scanManifest(text: string, file: string): ScanResult {
  const scanned = scanText(text, file);
  return scanned.ok ? { ok: true, references: [...scanned.state.references] } : scanned;
}

/**
 * The references a policy updates: markers naming it, and unmarked structural references whose
 * canonical image is the policy's. A marker naming another policy keeps its value out of reach.
 */
export function referencesFor(
  references: readonly ManifestReference[],
  policy: { readonly name: string; readonly image: string },
): ManifestReference[] {
  const image = canonicalImageName(policy.image);
  return references.filter((r) =>
    r.format === 'marker' ? r.policy === policy.name : image !== undefined && r.image === image,
  );
}

/**
 * Applies `edits` (references from `scanManifest` of the same text) and returns the new text,
 * what changed and what was skipped with why. The result is verified by re-parsing; a file that
 * does not parse, or an edit that would change anything else, is an error and nothing is written.
 */
export function editManifest(text: string, file: string, edits: readonly ReferenceEdit[]): EditResult {
  return editText(text, file, edits);
}
