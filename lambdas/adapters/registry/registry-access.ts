/**
 * What the updater reads from registries, wired once: tag lists and image contents (manifests,
 * blobs, referrers), ECR through its API and every other registry through the OCI distribution
 * API, one token session shared by both.
 */
import { EcrImageReader } from '../ecr/image-reader.ts';
import { EcrTagLister } from '../ecr/tag-lister.ts';
import type { ImageReader } from '../../ports/image-reader.ts';
import type { TagLister } from '../../ports/tag-lister.ts';
import { combineImageReaders } from './image-readers.ts';
import { OciImageReader } from './oci-image-reader.ts';
import { OciSession, type OciSessionOptions } from './oci-session.ts';
import { OciTagLister } from './oci-tag-lister.ts';
import { combineTagListers } from './tag-lists.ts';

export function registryAccess(options: OciSessionOptions = {}): {
  readonly tagLister: TagLister;
  readonly imageReader: ImageReader;
} {
  const session = new OciSession(options);
  return {
    tagLister: combineTagListers([new EcrTagLister(), new OciTagLister({ session })]),
    imageReader: combineImageReaders([new EcrImageReader(), new OciImageReader(session)]),
  };
}
