/**
 * The shapes the manifest engine hands out. A reference remembers the scalars it was read from
 * (its slots) so that an edit can splice exactly their characters and nothing else.
 */

export type ReferenceFormat = 'marker' | 'kubernetes' | 'helm' | 'kustomize' | 'argocd';

/** What a Flux setter comment covers: the whole reference, or one field of it. */
export type MarkerField = 'whole' | 'tag' | 'name' | 'digest';

export type ScalarStyle = 'plain' | 'single' | 'double' | 'block';

/**
 * How the characters of one scalar are laid out:
 * - `image`: `[registry/]path[:tag][@digest]`, possibly after a fixed prefix (Argo CD `old=`)
 * - `tag`: `tag[@digest]` (Helm `tag`, kustomize `newTag`, a `:tag` marker)
 * - `digest`: `algorithm:hex`
 * - `name`: a repository name with neither tag nor digest
 */
export type SlotLayout = 'image' | 'tag' | 'digest' | 'name';

/** One scalar holding (part of) a reference, located in the text it was scanned from. */
export interface Slot {
  readonly layout: SlotLayout;
  /** Offsets of the whole scalar, quotes included. */
  readonly start: number;
  readonly end: number;
  /** Offsets of the characters that spell the value: inside the quotes; `~`/`null` for a null. */
  readonly contentStart: number;
  readonly contentEnd: number;
  /** The value as YAML reads it; empty for null and `""`. */
  readonly value: string;
  readonly style: ScalarStyle;
  /** Characters before the image in an `image` slot (Argo CD `old=`); empty otherwise. */
  readonly prefix: string;
  /** Why the characters can't be spliced (block scalar, escapes, folded lines); undefined when they can. */
  readonly unsafe?: string;
  /** 1-based position of the scalar. */
  readonly line: number;
  readonly column: number;
}

export interface ReferenceSlots {
  /** Where the repository name is read (and, for a marker, written). */
  readonly name?: Slot;
  /** A Helm `registry` field: read, never written. */
  readonly registry?: Slot;
  /** Where the tag is, or goes (an untagged image string takes one). */
  readonly tag?: Slot;
  /** Every scalar that carries a digest now. */
  readonly digests: readonly Slot[];
  /** An empty digest field that a digest can be written into when `pin` asks for one. */
  readonly emptyDigest?: Slot;
}

export interface ManifestReference {
  /** Stable within one text: format, document and the slots' offsets. */
  readonly id: string;
  readonly file: string;
  /** 0-based index of the YAML document in the file. */
  readonly document: number;
  /** 1-based position of the value being edited (the tag, else the digest, else the name). */
  readonly line: number;
  readonly column: number;
  readonly format: ReferenceFormat;
  /** The policy a marker names (`namespace:name` allowed). */
  readonly policy?: string;
  /** The fields markers cover, for a marker reference. */
  readonly markerFields?: readonly MarkerField[];
  /** Canonical name (`docker.io/library/nginx`) when known. */
  readonly image?: string;
  /** Current tag; undefined when untagged (`busybox`) or when the reference holds no tag. */
  readonly tag?: string;
  /** Current digest, when the reference pins one. */
  readonly digest?: string;
  /** Set when the reference was found but can't be edited safely; edits skip it with this reason. */
  readonly problem?: string;
  /** Internal: where the reference lives in the text. */
  readonly slots: ReferenceSlots;
}

export interface SourcePosition {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export type ScanResult =
  | { readonly ok: true; readonly references: ManifestReference[] }
  | { readonly ok: false; readonly error: SourcePosition };

export type PinMode = 'tag' | 'digest' | 'tag+digest';

export interface ReferenceEdit {
  readonly reference: ManifestReference;
  readonly tag: string;
  readonly digest?: string;
  readonly pin: PinMode;
  /** The policy's image: written by `:name` and whole markers when it names another repository. */
  readonly image?: string;
}

export interface ManifestChange {
  /** 1-based line of the edited scalar. */
  readonly line: number;
  /** The scalar's value before and after (a tag, a digest, or a whole image string). */
  readonly from: string;
  readonly to: string;
  readonly reference: ManifestReference;
}

export interface SkippedReference {
  readonly reference: ManifestReference;
  readonly reason: string;
}

export type EditResult =
  | {
      readonly ok: true;
      readonly text: string;
      readonly changes: ManifestChange[];
      readonly skipped: SkippedReference[];
    }
  | { readonly ok: false; readonly error: SourcePosition };
