/**
 * The images a webhook may name (SPEC §7). Entries are a registry host, optionally followed by a
 * repository path prefix matched on whole path components:
 *
 *   registry.example.com          every repository of that registry
 *   registry.example.com/shop     shop and shop/… (not shopping)
 *   ghcr.io/acme                  one GitHub owner
 *   docker.io/acme                a Docker Hub namespace (index.docker.io is the same registry)
 *   *                             any image (the policies alone decide)
 *
 * Hosts compare case-insensitively, paths exactly (repository paths are lowercase anyway).
 */
import { canonicalImageName, parseImageReference } from '../../core/image/reference.ts';
import { WebhookError } from './errors.ts';

interface Entry {
  readonly host: string;
  readonly path: string | undefined;
}

const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export class ImageAllowList {
  private constructor(
    private readonly entries: readonly Entry[],
    readonly allowsAll: boolean,
    private readonly source: readonly string[],
  ) {}

  static parse(entries: readonly string[]): ImageAllowList {
    const parsed: Entry[] = [];
    let all = false;
    for (const raw of entries) {
      const text = raw.trim().replace(/\/+$/, '');
      if (text === '') continue;
      if (text === '*') {
        all = true;
        continue;
      }
      parsed.push(parseEntry(text));
    }
    if (!all && parsed.length === 0)
      throw new WebhookError(
        'WEBHOOK_ALLOW_LIST_INVALID',
        'the image allow-list is empty; name registries or prefixes, or "*" to let the policies decide',
      );
    return new ImageAllowList(parsed, all, entries.map((e) => e.trim()).filter(Boolean));
  }

  /** A comma- or white-space-separated list, as an environment variable carries it. */
  static fromText(text: string): ImageAllowList {
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch {
        throw new WebhookError('WEBHOOK_ALLOW_LIST_INVALID', 'the image allow-list is not a JSON array');
      }
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        throw new WebhookError(
          'WEBHOOK_ALLOW_LIST_INVALID',
          'the image allow-list is not a JSON array of strings',
        );
      return ImageAllowList.parse(value);
    }
    return ImageAllowList.parse(trimmed.split(/[\s,]+/));
  }

  allows(image: string): boolean {
    if (this.allowsAll) return true;
    const canonical = canonicalImageName(image);
    if (canonical === undefined) return false;
    const slash = canonical.indexOf('/');
    const host = canonical.slice(0, slash);
    const path = canonical.slice(slash + 1);
    return this.entries.some(
      (e) => e.host === host && (e.path === undefined || path === e.path || path.startsWith(`${e.path}/`)),
    );
  }

  toString(): string {
    return this.source.join(', ');
  }
}

function parseEntry(text: string): Entry {
  const slash = text.indexOf('/');
  const hostText = slash < 0 ? text : text.slice(0, slash);
  const path = slash < 0 ? undefined : text.slice(slash + 1);
  // Parsed as an image name so host and path follow the same grammar as references in files.
  const ref = parseImageReference(`${hostText}/${path ?? 'x'}`);
  if (!ref || ref.registry === undefined || ref.tag !== undefined || ref.digest !== undefined)
    throw new WebhookError(
      'WEBHOOK_ALLOW_LIST_INVALID',
      `allow-list entry "${text}" is not REGISTRY[/PATH-PREFIX] (a registry host such as registry.example.com or ghcr.io, then an optional repository prefix)`,
    );
  let host = ref.registry.toLowerCase();
  if (DOCKER_HUB_ALIASES.has(host)) host = 'docker.io';
  return { host, path };
}
