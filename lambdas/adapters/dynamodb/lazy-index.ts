/**
 * The DynamoDB image index, loaded on its first use: the SDK's DynamoDB client is an ESM chunk
 * of its own, so the worker's and the reconcile's initial import stays small (SPEC §10: the
 * bundle bar is for what a cold start loads before the first event).
 */
import type { ImageIndex } from '../../ports/image-index.ts';
import type { DynamoImageIndexOptions } from './image-index.ts';

export function lazyDynamoImageIndex(options: DynamoImageIndexOptions): ImageIndex {
  let index: Promise<ImageIndex> | undefined;
  const load = () =>
    (index ??= import('./image-index.ts').then(({ DynamoImageIndex }) => new DynamoImageIndex(options)));
  return {
    lookup: async (images) => (await load()).lookup(images),
    all: async () => (await load()).all(),
    get: async (repo) => (await load()).get(repo),
    put: async (entry) => (await load()).put(entry),
    remove: async (repo) => (await load()).remove(repo),
    discoveredAt: async () => (await load()).discoveredAt(),
    markDiscovered: async (at) => (await load()).markDiscovered(at),
  };
}
