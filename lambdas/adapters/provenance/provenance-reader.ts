/**
 * The `ProvenanceReader` the worker, the reconcile and `serve` hold: labels read through the
 * `ImageReader` (the parsing loads on first use, an ESM chunk of its own), remembered per digest
 * for the instance's life (a digest's content never changes), and asked once when several units
 * or repositories want the same digest at once. A registry that cannot be read is a warning in
 * the log and no provenance: the pull request opens without it.
 */
import { LRUCache } from 'lru-cache';
import { canonicalImageName, SHA256_DIGEST } from '../../core/image/reference.ts';
import { errorFields } from '../../errors.ts';
import type { ImageReader } from '../../ports/image-reader.ts';
import type { ImageProvenance, ProvenanceReader } from '../../ports/provenance.ts';
import type { Log } from '../../ports/telemetry.ts';
import { ProvenanceTimeoutError } from './errors.ts';
import type * as ImageLabels from './image-labels.ts';

export interface ProvenanceReaderOptions {
  readonly reader: ImageReader;
  readonly log: Pick<Log, 'warn'>;
  /** Digests remembered. @default 1000 */
  readonly max?: number;
  /**
   * How long a pull request waits for a lookup. A slower registry leaves the section out (the
   * read goes on, and a later update of the PR finds it remembered). @default 5000
   */
  readonly maxWaitMs?: number;
}

type Found = { readonly digest: string; readonly provenance: ImageProvenance } | undefined;

export function provenanceReader(options: ProvenanceReaderOptions): ProvenanceReader {
  const { reader, log } = options;
  let labels: Promise<typeof ImageLabels> | undefined;
  const known = new LRUCache<string, ImageProvenance>({ max: options.max ?? 1000 });
  const pending = new Map<string, Promise<Found>>();

  const read = async (image: string, reference: string): Promise<Found> => {
    const manifest = await reader.manifest(image, reference);
    if (!manifest) return undefined;
    const memo = `${canonicalImageName(image) ?? image}@${manifest.digest}`;
    const cached = known.get(memo);
    if (cached) return { digest: manifest.digest, provenance: cached };
    const { provenanceOfManifest } = await (labels ??= import('./image-labels.ts'));
    const provenance = await provenanceOfManifest(reader, image, manifest);
    known.set(memo, provenance);
    return { digest: manifest.digest, provenance };
  };

  return {
    async provenanceOf(image, reference) {
      const byDigest = SHA256_DIGEST.test(reference);
      const memo = `${canonicalImageName(image) ?? image}@${reference}`;
      if (byDigest) {
        const cached = known.get(memo);
        if (cached) return { digest: reference, provenance: cached };
      }
      // A tag may move: only a digest's answer is shared and kept.
      let running = byDigest ? pending.get(memo) : undefined;
      if (!running) {
        running = withDeadline(read(image, reference), options.maxWaitMs ?? 5000).catch((error: unknown) => {
          log.warn('provenance left out of the pull request: the registry could not be read', {
            image,
            reference,
            ...errorFields(error),
          });
          return undefined;
        });
        if (byDigest) {
          pending.set(memo, running);
          void running.finally(() => pending.delete(memo));
        }
      }
      return running;
    },
  };
}

/** `work`, or a `ProvenanceTimeoutError` after `ms`; the work itself goes on. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProvenanceTimeoutError(`the registry did not answer within ${ms} ms`, { retryable: true }),
        ),
      ms,
    );
    timer.unref();
  });
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
