/**
 * Where an image says it comes from: the OCI annotations and labels its publisher wrote
 * (`org.opencontainers.image.source`, `revision`, `version`, `created`), shown in the pull
 * request as the publisher's claims. Read from the registry through `ImageReader`; never an
 * error for the caller: a registry that cannot be read leaves the provenance out (the adapter
 * logs why), and the pull request opens as it would without it.
 */

/** The publisher's claims, as written (each at most `MAX_LABEL_CHARS`; longer ones are left out). */
export interface ImageProvenance {
  readonly source?: string;
  readonly revision?: string;
  readonly version?: string;
  readonly created?: string;
}

export interface ProvenanceReader {
  /**
   * The provenance of the image `reference` (a `sha256:` digest, or a tag) names in `image`
   * (`registry/repository`): `digest` is the digest it was read at. Undefined when the image is
   * not there or cannot be read (never throws).
   */
  provenanceOf(
    image: string,
    reference: string,
  ): Promise<{ readonly digest: string; readonly provenance: ImageProvenance } | undefined>;
}
