/**
 * ECR image names: `<account>.dkr.ecr.<region>.amazonaws.com/<repository-name>` (SPEC §7), with
 * the `.amazonaws.com.cn` suffix of the China regions and the `dkr.ecr-fips` FIPS endpoints.
 */
import { canonicalImageName } from '../../core/image/reference.ts';

export interface EcrRepositoryId {
  /** The registry id: the 12-digit account that owns the repository. */
  readonly registryId: string;
  readonly region: string;
  readonly repositoryName: string;
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;

/** The image a push to this repository produces, as policies name it. */
export function ecrImageName(account: string, region: string, repositoryName: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}/${repositoryName}`;
}

/** The repository an ECR image name points at; undefined for any other registry. */
export function parseEcrImage(image: string): EcrRepositoryId | undefined {
  const canonical = canonicalImageName(image);
  const match = canonical === undefined ? null : ECR_IMAGE.exec(canonical);
  if (!match) return undefined;
  return { registryId: match[1]!, region: match[2]!, repositoryName: match[3]! };
}
