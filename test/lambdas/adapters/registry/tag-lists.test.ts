import { describe, expect, it } from 'vitest';
import type { TagCandidate } from '../../../../lambdas/core/tags/index.ts';
import { combineTagListers, TagListCache } from '../../../../lambdas/adapters/registry/tag-lists.ts';
import type { TagLister } from '../../../../lambdas/ports/tag-lister.ts';

function lister(host: string, tags: Record<string, TagCandidate[] | Error>, calls: string[]): TagLister {
  return {
    supports: (image) => image.startsWith(`${host}/`),
    listTags: async (image) => {
      calls.push(image);
      const result = tags[image];
      if (result instanceof Error) throw result;
      return result ?? [];
    },
  };
}

describe('tag lists of a batch or a run', () => {
  it('asks the lister that knows the registry, once per image, and reports the rest', async () => {
    const calls: string[] = [];
    const boom = new Error('throttled');
    const combined = combineTagListers([
      lister('ecr.example', { 'ecr.example/a': [{ tag: '1.0.0' }], 'ecr.example/b': boom }, calls),
      lister('ghcr.io', { 'ghcr.io/c': [{ tag: 'v1' }] }, calls),
    ]);
    const cache = new TagListCache(combined);

    const first = await cache.list([
      'ecr.example/a',
      'ecr.example/b',
      'ghcr.io/c',
      'quay.io/d',
      'ecr.example/a',
    ]);
    const second = await cache.list(['ecr.example/a']);

    expect([...first.lists]).toEqual([
      ['ecr.example/a', [{ tag: '1.0.0' }]],
      ['ghcr.io/c', [{ tag: 'v1' }]],
    ]);
    expect(first.failures).toEqual([{ image: 'ecr.example/b', error: boom }]);
    expect(first.unsupported).toEqual(['quay.io/d']);
    expect(second.lists.get('ecr.example/a')).toEqual([{ tag: '1.0.0' }]);
    expect(calls.sort()).toEqual(['ecr.example/a', 'ecr.example/b', 'ghcr.io/c']);
  });

  it('lists nothing without a lister', async () => {
    expect(await new TagListCache(undefined).list(['ecr.example/a'])).toEqual({
      lists: new Map(),
      failures: [],
      unsupported: ['ecr.example/a'],
    });
  });
});
