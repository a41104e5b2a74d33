/**
 * Lists a registry's tags for one image: ECR through `DescribeImages`, other registries through
 * the OCI distribution API (`/v2/<name>/tags/list`). Used only where SPEC §7 allows it: the
 * scheduled reconcile, and policies whose strategy cannot decide from a push (`newest`).
 * Implementations throw `ImageUpdaterError`s whose `retryable` says whether a later try can work.
 */
import type { TagCandidate } from '../core/tags/index.ts';

export interface TagLister {
  /** Whether this lister knows the registry of `image` (`registry/repository`, no tag). */
  supports(image: string): boolean;
  /** Every tag of the image, with its digest and push time when the registry reports them. */
  listTags(image: string): Promise<readonly TagCandidate[]>;
}
