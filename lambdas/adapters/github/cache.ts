/**
 * What a warm function instance keeps per repository between events, so that a burst of events
 * costs GitHub as little as possible: blob texts by sha (immutable, so never revalidated), and
 * the last answer of each repeated GET with its `ETag`, revalidated by a conditional request
 * (a `304 Not Modified` does not count against GitHub's primary rate limit).
 */

/** Insertion-ordered map used as an LRU: a hit moves the entry to the end. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number = () => 1,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.total -= old.size;
    }
    if (size > this.maxSize) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxSize) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** 32 Mi characters of YAML per repository: far more than an environment repository holds. */
const BLOB_CHARS = 32 * 1024 * 1024;
/** Branch heads, tree listings and the open-PR list: a handful per repository. */
const CONDITIONAL_ENTRIES = 64;

export interface ConditionalEntry {
  readonly etag: string;
  readonly data: unknown;
}

export function blobCache(): BoundedCache<string> {
  return new BoundedCache<string>(BLOB_CHARS, (text) => text.length);
}

export function conditionalCache(): BoundedCache<ConditionalEntry> {
  return new BoundedCache<ConditionalEntry>(CONDITIONAL_ENTRIES);
}
