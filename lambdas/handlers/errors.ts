import { ImageUpdaterError } from '../core/errors.ts';

/** The function's environment is not what the construct sets: a deployment bug, fixed by redeploying. */
export class EnvironmentError extends ImageUpdaterError {
  readonly code = 'ENVIRONMENT_INVALID';
}
