/** A registry push, normalised from ECR, Distribution, Harbor, Docker Hub or GHCR events. */
export interface PushedImage {
  /** `registry/repository` as the registry names it, without tag or digest. */
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  /** When the registry says the push happened (event time). */
  readonly pushedAt?: Date;
}
