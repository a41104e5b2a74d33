import {
  OCI_TAG,
  parseImageReference,
  SHA256_DIGEST,
  type ImageReference,
} from '../../lambdas/core/image/reference.ts';
import { CliInputError } from './io.ts';

/**
 * `plan --push IMAGE:TAG[@DIGEST]`, or a CliInputError that says which part is wrong: "not an
 * image reference" sent users comparing their string against the whole grammar.
 */
export function parsePushFlag(value: string): ImageReference & { tag: string } {
  const problem = pushProblem(value);
  if (problem !== undefined) throw new CliInputError(`--push ${JSON.stringify(value)}: ${problem}`);
  const push = parseImageReference(value);
  if (!push?.tag) throw new CliInputError(`--push ${JSON.stringify(value)} is not IMAGE:TAG[@DIGEST]`);
  return { ...push, tag: push.tag };
}

/** The first thing wrong with `value`, in the order a reader of it would look. */
function pushProblem(value: string): string | undefined {
  if (value.trim() === '') return 'empty; expected IMAGE:TAG[@DIGEST]';
  if (/[\s\p{Cc}]/u.test(value))
    return 'contains white space or a control character; expected IMAGE:TAG[@DIGEST]';
  const at = value.indexOf('@');
  const name = at < 0 ? value : value.slice(0, at);
  if (at >= 0) {
    const digest = value.slice(at + 1);
    if (digest === '') return 'the digest after @ is empty; expected sha256:<64 hex>';
    if (!SHA256_DIGEST.test(digest))
      return `the digest ${JSON.stringify(digest)} is not sha256:<64 lowercase hex digits>`;
  }
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'no tag; expected IMAGE:TAG, e.g. ghcr.io/acme/web:v2.4.0';
  const tag = name.slice(colon + 1);
  if (tag === '') return 'the tag after : is empty';
  if (tag.length > 128) return `the tag is ${tag.length} characters; a tag has at most 128`;
  if (!OCI_TAG.test(tag))
    return `the tag ${JSON.stringify(tag)} is outside the OCI tag grammar ([A-Za-z0-9_][A-Za-z0-9._-]*)`;
  const image = name.slice(0, colon);
  if (image === '') return 'no image name before the tag';
  if (parseImageReference(image) === undefined) {
    const path = image.slice(image.indexOf('/') + 1);
    if (/[A-Z]/.test(path))
      return `the repository ${JSON.stringify(image)} has upper-case letters; repository paths are lower case (only the registry host may have capitals)`;
    return `${JSON.stringify(image)} is not an image name ([registry[:port]/]path of lower-case components)`;
  }
  return undefined;
}
