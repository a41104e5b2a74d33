/**
 * ECR tag listing through `DescribeImages` (paginated, tagged images only): every tag with the
 * image's digest and `imagePushedAt`, which `newest` orders by.
 */
import { ECRClient, paginateDescribeImages } from '@aws-sdk/client-ecr';
import type { TagCandidate } from '../../core/tags/index.ts';
import type { TagLister } from '../../ports/tag-lister.ts';
import { EcrError, toEcrError } from './errors.ts';
import { parseEcrImage } from './image.ts';
import { defined } from '../../objects.ts';

export interface EcrTagListerOptions {
  /** One client per region: an image's region comes from its registry host. */
  readonly clientFor?: (region: string) => ECRClient;
  /** Page size, 1–1000. */
  readonly pageSize?: number;
  /**
   * A guard against a runaway listing; ECR's default quota is 20,000 images a repository.
   * @default 100
   */
  readonly maxPages?: number;
}

export class EcrTagLister implements TagLister {
  private readonly clients = new Map<string, ECRClient>();
  private readonly clientFor: (region: string) => ECRClient;
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(options: EcrTagListerOptions = {}) {
    this.clientFor = options.clientFor ?? ((region) => new ECRClient({ region, maxAttempts: 4 }));
    this.pageSize = options.pageSize ?? 1000;
    this.maxPages = options.maxPages ?? 100;
  }

  supports(image: string): boolean {
    return parseEcrImage(image) !== undefined;
  }

  async listTags(image: string): Promise<readonly TagCandidate[]> {
    const repo = parseEcrImage(image);
    if (!repo) throw new EcrError('ECR_NOT_AN_ECR_IMAGE', `${image} is not an ECR image`);
    const client = this.client(repo.region);
    const what = `DescribeImages ${repo.registryId}/${repo.repositoryName} in ${repo.region}`;
    const tags: TagCandidate[] = [];
    let pages = 0;
    try {
      const pager = paginateDescribeImages(
        { client, pageSize: this.pageSize },
        { registryId: repo.registryId, repositoryName: repo.repositoryName, filter: { tagStatus: 'TAGGED' } },
      );
      for await (const page of pager) {
        if (++pages > this.maxPages) {
          throw new EcrError(
            'ECR_TOO_MANY_IMAGES',
            `${what}: more than ${this.maxPages * this.pageSize} images; listing stopped`,
          );
        }
        for (const detail of page.imageDetails ?? []) {
          // An OCI 1.1 referrer (signature, SBOM, attestation) is about another image.
          if (detail.subjectManifestDigest) continue;
          for (const tag of detail.imageTags ?? []) {
            tags.push({
              tag,
              ...(detail.imageDigest ? { digest: detail.imageDigest } : {}),
              ...defined({ pushedAt: detail.imagePushedAt }),
            });
          }
        }
      }
    } catch (error) {
      throw toEcrError(error, what);
    }
    return tags;
  }

  private client(region: string): ECRClient {
    let client = this.clients.get(region);
    if (!client) this.clients.set(region, (client = this.clientFor(region)));
    return client;
  }
}
