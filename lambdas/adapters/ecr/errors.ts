import { ImageUpdaterError } from '../../errors.ts';

export type EcrErrorCode =
  | 'ECR_THROTTLED'
  | 'ECR_UNAVAILABLE'
  | 'ECR_REPOSITORY_NOT_FOUND'
  | 'ECR_ACCESS_DENIED'
  | 'ECR_NOT_AN_ECR_IMAGE'
  | 'ECR_TOO_MANY_IMAGES'
  | 'ECR_REQUEST_FAILED';

/**
 * A failed ECR call. Throttling, 5xx and network failures are `retryable`: the event that needed
 * the tag list goes back to the queue. A missing repository or a denied call is not: the same
 * request fails the same way until someone changes the registry or the stack's permissions.
 */
export class EcrError extends ImageUpdaterError {
  constructor(
    readonly code: EcrErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

interface AwsErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);
const DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException']);

/** Maps an AWS SDK error from ECR to an `EcrError`. */
export function toEcrError(error: unknown, what: string): EcrError {
  if (error instanceof EcrError) return error;
  const e = (error ?? {}) as AwsErrorLike;
  const name = e.name ?? 'Error';
  const detail = `${what}: ${name}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429)
    return new EcrError('ECR_THROTTLED', detail, { retryable: true, cause: error });
  if (name === 'RepositoryNotFoundException')
    return new EcrError('ECR_REPOSITORY_NOT_FOUND', detail, { cause: error });
  if (DENIED.has(name) || status === 403) return new EcrError('ECR_ACCESS_DENIED', detail, { cause: error });
  if (
    name === 'ServerException' ||
    (status !== undefined && status >= 500) ||
    e.$retryable !== undefined ||
    status === undefined
  ) {
    // No status at all: the request never got an answer (DNS, socket, timeout).
    return new EcrError('ECR_UNAVAILABLE', detail, { retryable: true, cause: error });
  }
  return new EcrError('ECR_REQUEST_FAILED', detail, { cause: error });
}
