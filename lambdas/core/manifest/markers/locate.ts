/**
 * Flux setter comments: `# {"$imagepolicy": "<policy>[:tag|:name|:digest]"}` at the end of the
 * line of a scalar value. A marker names the policy, so it is matched on the policy, not the image.
 */
import { isMap, isScalar, type ParsedNode, type Scalar, type YAMLMap } from 'yaml';
import { buildCandidate, type Candidate } from '../parts.ts';
import { forEachNode, type DocumentView } from '../source.ts';
import type { MarkerField, Slot } from '../types.ts';

export interface Marker {
  readonly policy: string;
  readonly field: MarkerField;
}

const FIELD_SUFFIX = /^(.+):(tag|name|digest)$/;

/**
 * Reads the comment body after `#`. A policy may be named `namespace:name`; only a trailing
 * `:tag`, `:name` or `:digest` selects a field (a policy can't be named like a field).
 */
export function parseMarker(comment: string): Marker | undefined {
  if (!comment.startsWith('{') || !comment.endsWith('}')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(comment);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const value = (data as Record<string, unknown>)['$imagepolicy'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const policy = value.trim();
  const match = FIELD_SUFFIX.exec(policy);
  if (match?.[1] && match[2]) return { policy: match[1], field: match[2] as MarkerField };
  return { policy, field: 'whole' };
}

export interface MarkerHit extends Marker {
  /** The scalar the marker sets (an alias's anchor when the marked value is an alias). */
  readonly scalar: Scalar.Parsed;
  /** The mapping the marked value belongs to, for grouping `:name`/`:tag`/`:digest` markers. */
  readonly parent: ParsedNode | undefined;
}

/** Every marked scalar value of the document, whichever policy it names. */
export function findMarkers(view: DocumentView): MarkerHit[] {
  const hits: MarkerHit[] = [];
  forEachNode(view.doc, (node, parent, role) => {
    if (role !== 'value' && role !== 'item') return;
    const comment = view.markerComment(node);
    const marker = comment === undefined ? undefined : parseMarker(comment);
    if (!marker) return;
    const scalar = view.resolve(node);
    if (isScalar(scalar)) hits.push({ ...marker, scalar, parent });
  });
  return hits;
}

/**
 * One reference per whole marker; `:name`, `:tag` and `:digest` markers of one policy in one
 * mapping form a single reference (so a tag and its digest move together).
 */
export function locateMarkers(view: DocumentView, hits: readonly MarkerHit[]): Candidate[] {
  const markedStarts = new Set(hits.map((h) => h.scalar.range[0]));
  const groups = new Map<string, MarkerHit[]>();
  const candidates: Candidate[] = [];
  for (const hit of hits) {
    if (hit.field === 'whole') {
      const slot = view.slot(hit.scalar, 'image');
      candidates.push(
        buildCandidate(
          'marker',
          { name: slot, tag: slot, nameWritable: true },
          { policy: hit.policy, markerFields: ['whole'] },
        ),
      );
      continue;
    }
    const key = `${hit.parent?.range?.[0] ?? -1}\u0000${hit.policy}`;
    groups.set(key, [...(groups.get(key) ?? []), hit]);
  }
  for (const group of groups.values()) {
    const fields = group.map((h) => h.field);
    const split = new Set(fields).size !== fields.length;
    for (const members of split ? group.map((h) => [h]) : [group]) {
      candidates.push(fieldCandidate(view, members, markedStarts));
    }
  }
  return candidates;
}

function fieldCandidate(
  view: DocumentView,
  members: readonly MarkerHit[],
  marked: ReadonlySet<number>,
): Candidate {
  const slotFor = (field: MarkerField): Slot | undefined => {
    const hit = members.find((m) => m.field === field);
    if (!hit) return undefined;
    return view.slot(hit.scalar, field === 'name' ? 'name' : field === 'tag' ? 'tag' : 'digest');
  };
  const name = slotFor('name');
  const tag = slotFor('tag');
  const digestFields: Slot[] = [];
  const digest = slotFor('digest');
  if (digest) digestFields.push(digest);
  const parent = members[0]?.parent;
  if (tag && !digest && isMap(parent)) {
    // An unmarked digest beside a marked tag would keep pinning the old image.
    const sibling = view.scalar(parent as YAMLMap.Parsed, 'digest');
    if (sibling && !marked.has(sibling.range[0])) digestFields.push(view.slot(sibling, 'digest'));
  }
  const policy = members[0]?.policy ?? '';
  return buildCandidate(
    'marker',
    { name, tag, digestFields, nameWritable: true },
    { policy, markerFields: members.map((m) => m.field) },
  );
}
