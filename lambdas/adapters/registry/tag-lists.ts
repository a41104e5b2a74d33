/**
 * Registry tag lists for one batch or one reconcile run: each image is listed at most once,
 * whatever number of repositories and policies follow it.
 */
import { canonicalImageName } from '../../core/image/reference.ts';
import type { TagCandidate } from '../../core/tags/index.ts';
import type { TagLister } from '../../ports/tag-lister.ts';

/** The first lister that knows the image's registry lists it. */
export function combineTagListers(listers: readonly TagLister[]): TagLister {
  return {
    supports: (image) => listers.some((l) => l.supports(image)),
    listTags: (image) => {
      const lister = listers.find((l) => l.supports(image));
      return lister ? lister.listTags(image) : Promise.resolve([]);
    },
  };
}

export interface TagListResult {
  readonly lists: Map<string, readonly TagCandidate[]>;
  readonly failures: readonly { readonly image: string; readonly error: unknown }[];
  /** Images no lister knows (a registry without tag listing yet). */
  readonly unsupported: readonly string[];
}

export class TagListCache {
  private readonly pending = new Map<string, Promise<readonly TagCandidate[]>>();

  constructor(private readonly lister: TagLister | undefined) {}

  async list(images: Iterable<string>): Promise<TagListResult> {
    const lists = new Map<string, readonly TagCandidate[]>();
    const failures: { image: string; error: unknown }[] = [];
    const unsupported: string[] = [];
    const unique = new Map<string, string>();
    for (const image of images) unique.set(canonicalImageName(image) ?? image, image);
    await Promise.all(
      [...unique].map(async ([key, image]) => {
        if (!this.lister?.supports(image)) {
          unsupported.push(image);
          return;
        }
        let pending = this.pending.get(key);
        if (!pending) this.pending.set(key, (pending = this.lister.listTags(image)));
        try {
          lists.set(image, await pending);
        } catch (error) {
          failures.push({ image, error });
        }
      }),
    );
    return { lists, failures, unsupported };
  }
}
