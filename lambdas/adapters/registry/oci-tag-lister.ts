/**
 * Tag listing through the OCI distribution API (SPEC §7), for every registry but ECR:
 * `GET /v2/<name>/tags/list?n=…`, following `Link: <…>; rel="next"` pages, authorised by the
 * shared `OciSession` (token flow).
 *
 * `tags/list` returns names only: no digest, no push time. So `newest` cannot order listed tags
 * from these registries (they are skipped as having no push time) and decides from the pushes'
 * event times alone; `digest` gets the digest from the push event.
 */
import * as z from 'zod';
import type { TagCandidate } from '../../core/tags/index.ts';
import type { TagLister } from '../../ports/tag-lister.ts';
import { parseEcrImage } from '../ecr/image.ts';
import { RegistryError } from './errors.ts';
import { OciSession, type OciSessionOptions } from './oci-session.ts';

export interface OciTagListerOptions extends OciSessionOptions {
  /** Which images this lister takes. @default every image whose registry is not ECR */
  readonly supports?: (image: string) => boolean;
  /** `n` per page. @default 1000 */
  readonly pageSize?: number;
  /** A guard against a runaway listing. @default 100 */
  readonly maxPages?: number;
  /** The session to share with the image reader. @default one of its own, from these options */
  readonly session?: OciSession;
}

const TagsListSchema = z.looseObject({
  name: z.string().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

export class OciTagLister implements TagLister {
  private readonly session: OciSession;

  constructor(private readonly options: OciTagListerOptions = {}) {
    this.session = options.session ?? new OciSession(options);
  }

  supports(image: string): boolean {
    if (this.session.locate(image) === undefined || parseEcrImage(image) !== undefined) return false;
    return this.options.supports?.(image) ?? true;
  }
  async listTags(image: string): Promise<readonly TagCandidate[]> {
    const location = this.session.locate(image);
    if (!location)
      throw new RegistryError('REGISTRY_NOT_SUPPORTED', `${image} is not a registry/repository name`);
    const pageSize = this.options.pageSize ?? 1000;
    const maxPages = this.options.maxPages ?? 100;
    const seen = new Set<string>();
    const tags: TagCandidate[] = [];
    let url: URL | undefined = new URL(`${location.origin}/v2/${location.path}/tags/list?n=${pageSize}`);
    for (let page = 1; url; page += 1) {
      if (page > maxPages)
        throw new RegistryError(
          'REGISTRY_TOO_MANY_TAGS',
          `${image}: more than ${maxPages} pages of tags; listing stopped`,
        );
      const response = await this.session.get(url, location, image);
      const text = await response.text();
      let body: z.infer<typeof TagsListSchema>;
      try {
        body = TagsListSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new RegistryError(
          'REGISTRY_BAD_RESPONSE',
          `${image}: tags/list answered something other than {"tags": [...]}`,
          {
            cause: error,
          },
        );
      }
      for (const tag of body.tags ?? []) {
        if (seen.has(tag)) continue;
        seen.add(tag);
        tags.push({ tag });
      }
      url = nextPage(response.headers.get('link'), url, image);
    }
    return tags;
  }
}

/**
 * The `rel="next"` target of a `Link` header, resolved against the page it came with. Only on
 * the same origin: the authorization of this registry never goes to another host.
 */
export function nextPage(link: string | null, current: URL, image = ''): URL | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match || !/;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2]!)) continue;
    let next: URL;
    try {
      next = new URL(match[1]!, current);
    } catch {
      throw new RegistryError('REGISTRY_BAD_RESPONSE', `${image}: a Link header that is not a URL`);
    }
    if (next.origin !== current.origin)
      throw new RegistryError(
        'REGISTRY_BAD_RESPONSE',
        `${image}: the next page is on another host (${next.origin})`,
      );
    return next;
  }
  return undefined;
}
