/**
 * Image references as container runtimes read them (distribution/reference grammar):
 * `[registry[:port]/]path[:tag][@digest]`, with Docker Hub's `docker.io/library/` defaults.
 */

/** OCI distribution-spec tag grammar. A tag outside it is never written to a file. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
/** Digests we write are always sha256 (what ECR and Distribution emit). */
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);

const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** Registry host (with port) as written, or undefined when the reference names none. */
  readonly registry: string | undefined;
  /** Repository path as written. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export function isValidTag(tag: string): boolean {
  return OCI_TAG.test(tag);
}

/** Splits `[registry/]path[:tag][@digest]`; undefined when the string is not an image reference. */
export function parseImageReference(input: string): ImageReference | undefined {
  let rest = input.trim();
  if (rest === '' || rest !== input) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!OCI_TAG.test(tag)) return undefined;
  }
  let registry: string | undefined;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      registry = first;
      rest = rest.slice(firstSlash + 1);
      if (!DOMAIN_RE.test(registry)) return undefined;
    }
  }
  if (!PATH.test(rest) || rest.length > 255) return undefined;
  return { registry, path: rest, tag, digest };
}

/**
 * The canonical name runtimes pull: `nginx` → `docker.io/library/nginx`,
 * `index.docker.io/x/y` → `docker.io/x/y`. Registry hosts compare case-insensitively.
 */
export function canonicalName(ref: Pick<ImageReference, 'registry' | 'path'>): string {
  let registry = (ref.registry ?? DOCKER_HUB).toLowerCase();
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  const path = registry === DOCKER_HUB && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
  return `${registry}/${path}`;
}

/** Canonical name of a `registry/repository` string (tag and digest ignored), or undefined. */
export function canonicalImageName(image: string): string | undefined {
  const ref = parseImageReference(image);
  return ref ? canonicalName(ref) : undefined;
}

export function formatImageReference(ref: ImageReference): string {
  const name = ref.registry ? `${ref.registry}/${ref.path}` : ref.path;
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
