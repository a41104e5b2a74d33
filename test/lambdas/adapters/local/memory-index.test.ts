import { describe, expect, it } from 'vitest';
import { MemoryImageIndex } from '../../../../lambdas/adapters/local/memory-index.ts';
import { imageIndexContract } from '../../../support/image-index-contract.ts';

describe('MemoryImageIndex', () => {
  imageIndexContract(async () => new MemoryImageIndex(), 200);

  it('writes nothing for an entry that only was read again', async () => {
    const index = new MemoryImageIndex();
    const entry = {
      repo: 'acme/a',
      configPath: '.image-updater.yaml',
      status: 'watching' as const,
      images: ['ghcr.io/acme/api'],
      configSha: 'b1',
      checkedAt: 1,
    };
    await index.put(entry);
    await index.put({ ...entry, checkedAt: 2 });
    expect(index.writes).toBe(1);
  });
});
