/**
 * Where the image index is kept (`core/repo-index.ts` says what an entry means): DynamoDB in
 * AWS, memory in `serve`. Implementations fail with `ImageIndexError` (retryable when trying
 * again can work), never with a vendor error.
 */
import type { IndexEntry } from '../core/repo-index.ts';
import { ImageUpdaterError } from '../errors.ts';

export interface ImageIndex {
  /**
   * The entries a push of these images must run: those whose config watches one of them (names
   * as `canonicalImageName` gives them), and every `unread` one.
   */
  lookup(images: readonly string[]): Promise<readonly IndexEntry[]>;
  /** Every entry (the reconcile, discovery, `serve`'s start). */
  all(): Promise<readonly IndexEntry[]>;
  get(repo: string): Promise<IndexEntry | undefined>;
  /** Replaces the repository's entry, as `entryToWrite` decides (nothing for the same answer or an older read). */
  put(entry: IndexEntry): Promise<void>;
  remove(repo: string): Promise<void>;
  /**
   * When a discovery last listed every installation and indexed what it found; undefined before
   * the first complete one. Until then the index is not the list of repositories: a push
   * discovers first instead of trusting a partial index.
   */
  discoveredAt(): Promise<number | undefined>;
  markDiscovered(at: number): Promise<void>;
}

export type ImageIndexErrorCode = 'INDEX_UNAVAILABLE' | 'INDEX_CORRUPT';

/**
 * Retryable unless the adapter says otherwise (a missing table): a corrupt item too, so the
 * pushes it blocks return to the queue (and, if it stays, the dead-letter queue) instead of
 * being dropped, while the next write of that entry (a reconcile) overwrites it.
 */
export class ImageIndexError extends ImageUpdaterError {
  constructor(
    readonly code: ImageIndexErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}
