/**
 * What a warm function instance keeps per repository between events, so that a burst of events
 * costs GitHub as little as possible: blob texts by sha (immutable, so never revalidated), and
 * the last answer of each repeated GET with its `ETag`, revalidated by a conditional request
 * (a `304 Not Modified` does not count against GitHub's primary rate limit).
 */
import { LRUCache } from 'lru-cache';

/** Least recently used out first; an entry larger than the whole cache is not kept. */
export type BoundedCache<V extends object | string> = LRUCache<string, V>;

/** 32 Mi characters of YAML per repository: far more than an environment repository holds. */
const BLOB_CHARS = 32 * 1024 * 1024;
/** Branch heads, tree listings and the open-PR list: a handful per repository. */
const CONDITIONAL_ENTRIES = 64;

export interface ConditionalEntry {
  readonly etag: string;
  readonly data: unknown;
}

export function blobCache(): BoundedCache<string> {
  // lru-cache wants a positive size; an empty file still takes an entry.
  return new LRUCache<string, string>({
    maxSize: BLOB_CHARS,
    sizeCalculation: (text) => Math.max(1, text.length),
  });
}

export function conditionalCache(): BoundedCache<ConditionalEntry> {
  return new LRUCache<string, ConditionalEntry>({ max: CONDITIONAL_ENTRIES });
}
