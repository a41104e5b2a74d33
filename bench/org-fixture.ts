/**
 * The organisation the `org` section measures: `repos` environment repositories of one owner,
 * each with its own `.image-updater.yaml` (one semver policy) and one deployment, the images
 * spread so that every image is watched by exactly `repos / images` of them (10 at 1,000 / 100).
 * The registry's tag lists are in memory: what has been pushed so far.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { TagCandidate } from '../lambdas/core/tags/index.ts';
import type { TagLister } from '../lambdas/ports/tag-lister.ts';
import type { GitHubTestServer } from '@image-updater/github-test-server';
import { REGISTRY } from './events.ts';

export const ORG = 'platform';
export const ORG_REPOS = 1_000;
export const ORG_IMAGES = 100;
export const APP_ID = 91;
const INSTALLATION_ID = 15;

/** The ECR repository (as the push event names it) of image `i`. */
export const repositoryOf = (i: number) => `team-${String(i).padStart(2, '0')}/app`;
export const imageOf = (i: number) => `${REGISTRY}/${repositoryOf(i)}`;
export const repoName = (r: number) => `env-${String(r).padStart(4, '0')}`;
/** Repository `r` watches image `r % images`. */
const imageIndexOf = (r: number, images = ORG_IMAGES) => r % images;
export const watchersOf = (i: number, repos = ORG_REPOS, images = ORG_IMAGES) =>
  Array.from({ length: repos / images }, (_, k) => repoName(i + k * images));

export const orgConfig = (image: string) => `version: 1
defaults:
  labels: [image-update]
policies:
  - name: app
    image: ${image}
    range: ">=1.0.0 <2.0.0"
    files: ["deploy/**"]
`;

export const orgDeployment = (image: string, tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: ${image}:${tag}
`;

export function seedOrganisation(server: GitHubTestServer, repos = ORG_REPOS, images = ORG_IMAGES): void {
  for (let r = 0; r < repos; r++) {
    const image = imageOf(imageIndexOf(r, images));
    server.createRepo(ORG, repoName(r), {
      files: {
        '.image-updater.yaml': orgConfig(image),
        'deploy/deployment.yaml': orgDeployment(image, '1.0.0'),
        'README.md': '# environment\n',
      },
    });
  }
}

/** An App key pair, installed on every owner of the server. */
export function installApp(server: GitHubTestServer): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  server.configureApp({ appId: APP_ID, privateKeyPem: privateKey, installationId: INSTALLATION_ID });
  return privateKey;
}

/** The registry's tag lists: every tag pushed so far, per image. */
export class PushedTags implements TagLister {
  private readonly tags = new Map<string, TagCandidate[]>();

  push(image: string, tag: string): void {
    const list = this.tags.get(image) ?? [];
    list.push({ tag, pushedAt: new Date() });
    this.tags.set(image, list);
  }

  supports(image: string): boolean {
    return image.startsWith(`${REGISTRY}/`);
  }

  async listTags(image: string): Promise<readonly TagCandidate[]> {
    return this.tags.get(image) ?? [];
  }
}

/** Requests per repository name of the organisation, in the server's log since its last reset. */
export function requestsByRepo(server: GitHubTestServer): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern = new RegExp(`^/repos/${ORG}/([^/?]+)`);
  for (const request of server.requests) {
    const name = pattern.exec(request.url)?.[1];
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
