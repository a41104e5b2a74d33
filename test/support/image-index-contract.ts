/**
 * What every `ImageIndex` must answer, checked against a model (a plain map scanned in full):
 * after any sequence of puts and removes, a lookup returns exactly the repositories that watch
 * one of the images, plus every `unread` one, whatever the case of the names; a put older than
 * the entry held, or one that answers the same, changes nothing.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { IndexEntry, IndexStatus } from '../../lambdas/core/repo-index.ts';
import type { ImageIndex } from '../../lambdas/ports/image-index.ts';

const REPOS = ['acme/a', 'acme/b', 'Acme/C', 'team/d'];
const IMAGES = ['ghcr.io/acme/api', 'ghcr.io/acme/web', 'docker.io/library/nginx'];

const entryArb: fc.Arbitrary<IndexEntry> = fc
  .record({
    repo: fc.constantFrom(...REPOS),
    configPath: fc.constantFrom('.image-updater.yaml', 'deploy/.image-updater.yaml'),
    status: fc.constantFrom<IndexStatus>('watching', 'no-config', 'invalid', 'unread'),
    images: fc.uniqueArray(fc.constantFrom(...IMAGES), { maxLength: 3 }).map((i) => i.sort()),
    configSha: fc.constantFrom('b1', 'b2', 'c3'),
    checkedAt: fc.nat({ max: 20 }),
    // The files promotions follow (docs/promotion.md), kept as written.
    promotes: fc.constantFrom(undefined, ['dev/**'], ['dev/**', 'qa/**']),
  })
  .map(({ promotes, ...entry }) => (promotes ? { ...entry, promotes } : entry));

type Op = { readonly put: IndexEntry } | { readonly remove: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: entryArb.map((put) => ({ put })) },
  { weight: 1, arbitrary: fc.constantFrom(...REPOS).map((remove) => ({ remove })) },
);

const names = (entries: readonly IndexEntry[]) => entries.map((e) => e.repo.toLowerCase()).sort();

export function imageIndexContract(make: () => Promise<ImageIndex>, runs = 40): void {
  it('answers every lookup as the model does, after any puts and removes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 12 }), fc.subarray(IMAGES), async (ops, pushed) => {
        const index = await make();
        const model = new Map<string, IndexEntry>();
        for (const op of ops) {
          if ('put' in op) {
            await index.put(op.put);
            // A reading older than the one held is not written back, and one that answers the
            // same as the held entry writes nothing (the held entry keeps its read time).
            const held = model.get(op.put.repo.toLowerCase());
            const same =
              held !== undefined &&
              held.status === op.put.status &&
              held.configPath === op.put.configPath &&
              held.configSha === op.put.configSha &&
              held.images.join() === op.put.images.join() &&
              (held.promotes ?? []).join() === (op.put.promotes ?? []).join();
            if (!held || (held.checkedAt <= op.put.checkedAt && !same))
              model.set(op.put.repo.toLowerCase(), op.put);
          } else {
            await index.remove(op.remove);
            model.delete(op.remove.toLowerCase());
          }
        }
        const expected = [...model.values()].filter(
          (e) => e.status === 'unread' || e.images.some((i) => pushed.includes(i)),
        );
        expect(names(await index.lookup(pushed))).toEqual(names(expected));
        expect(names(await index.all())).toEqual(names([...model.values()]));
        for (const [key, entry] of model) {
          const got = await index.get(key.toUpperCase());
          expect({ ...got, checkedAt: 0 }).toEqual({ ...entry, checkedAt: 0 });
        }
        expect(await index.discoveredAt()).toBeUndefined();
        await index.markDiscovered(1234);
        expect(await index.discoveredAt()).toBe(1234);
      }),
      { numRuns: runs },
    );
  });
}
