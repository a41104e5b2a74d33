/**
 * Where a person looks at an image in its registry's own web console, for the links in a PR:
 * the ECR console (commercial partition), the ECR Public gallery, GHCR's package page, Docker
 * Hub's and Quay's tag pages. Other registries (a self-hosted Distribution, Harbor) have no
 * address we can know, so they get no link rather than a guessed one.
 */
import { canonicalName, parseImageReference, SHA256_DIGEST } from './reference.ts';

export interface RegistryPage {
  /** The console's name, for the link's text. */
  readonly console: string;
  readonly url: string;
}

// ECR's private registry host; the console's address follows the region. Only the commercial
// partition: China and GovCloud consoles live elsewhere and are not linked.
const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/;

/**
 * The page of `image` at `tag` (and `digest`, where the console has a page per image), or
 * undefined when the registry has no console we know. The image comes from a validated config
 * and the tag from the OCI grammar; each part is still URL-encoded.
 */
export function registryPage(image: string, tag: string, digest?: string): RegistryPage | undefined {
  const ref = parseImageReference(image);
  if (!ref) return undefined;
  const [host = '', ...rest] = canonicalName(ref).split('/');
  const path = rest.map(encodeURIComponent).join('/');
  const t = encodeURIComponent(tag);
  const ecr = ECR_HOST.exec(host);
  if (ecr) {
    const [, account, region] = ecr;
    const base = `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${path}`;
    const page =
      digest !== undefined && SHA256_DIGEST.test(digest) ? `${base}/_/image/${digest}/details` : base;
    return { console: 'Amazon ECR console', url: `${page}?region=${region}` };
  }
  switch (host) {
    case 'public.ecr.aws':
      return { console: 'Amazon ECR Public Gallery', url: `https://gallery.ecr.aws/${path}` };
    case 'ghcr.io':
      // ghcr.io sends a browser on to the package's page on GitHub (user or organisation).
      return { console: 'GitHub Packages', url: `https://ghcr.io/${path}` };
    case 'docker.io': {
      const repo = path.startsWith('library/') ? `_/${path.slice('library/'.length)}` : `r/${path}`;
      return { console: 'Docker Hub', url: `https://hub.docker.com/${repo}/tags?name=${t}` };
    }
    case 'quay.io':
      return { console: 'Quay', url: `https://quay.io/repository/${path}?tab=tags&tag=${t}` };
    default:
      return undefined;
  }
}
