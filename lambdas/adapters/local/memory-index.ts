/** The image index in memory: `serve`'s, built at start and kept by its events; tests'. */
import { entryToWrite, type IndexEntry } from '../../core/repo-index.ts';
import type { ImageIndex } from '../../ports/image-index.ts';

export class MemoryImageIndex implements ImageIndex {
  private readonly entries = new Map<string, IndexEntry>();
  /** Writes that changed an entry (a benchmark figure: DynamoDB would bill them). */
  writes = 0;

  async lookup(images: readonly string[]): Promise<readonly IndexEntry[]> {
    const wanted = new Set(images);
    return [...this.entries.values()].filter(
      (e) => e.status === 'unread' || e.images.some((image) => wanted.has(image)),
    );
  }

  async all(): Promise<readonly IndexEntry[]> {
    return [...this.entries.values()];
  }

  async get(repo: string): Promise<IndexEntry | undefined> {
    return this.entries.get(repo.toLowerCase());
  }

  async put(next: IndexEntry): Promise<void> {
    const key = next.repo.toLowerCase();
    const previous = this.entries.get(key);
    const entry = entryToWrite(previous, next);
    if (!entry) return;
    this.entries.set(key, entry);
    this.writes++;
  }

  async remove(repo: string): Promise<void> {
    if (this.entries.delete(repo.toLowerCase())) this.writes++;
  }

  private discovered: number | undefined;

  async discoveredAt(): Promise<number | undefined> {
    return this.discovered;
  }

  async markDiscovered(at: number): Promise<void> {
    this.discovered = at;
  }
}
