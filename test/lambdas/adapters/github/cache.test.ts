import { describe, expect, it } from 'vitest';
import { blobCache, conditionalCache } from '../../../../lambdas/adapters/github/cache.ts';

describe('per-repository caches', () => {
  it('keeps empty blobs, and drops a blob larger than the whole cache instead of emptying it', () => {
    const blobs = blobCache();
    blobs.set('empty', '');
    blobs.set('small', 'a: 1\n');
    expect(blobs.get('empty')).toBe('');
    blobs.set('huge', 'x'.repeat(32 * 1024 * 1024 + 1));
    expect(blobs.get('huge')).toBeUndefined();
    expect(blobs.get('small')).toBe('a: 1\n');
  });

  it('forgets the least recently used answer first', () => {
    const answers = conditionalCache();
    for (let i = 0; i < 64; i++) answers.set(`k${i}`, { etag: `"${i}"`, data: i });
    expect(answers.get('k0')?.etag).toBe('"0"');
    answers.set('k64', { etag: '"64"', data: 64 });
    expect(answers.get('k0')).toBeDefined();
    expect(answers.get('k1')).toBeUndefined();
    expect(answers.size).toBe(64);
  });
});
