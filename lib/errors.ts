import { ImageUpdaterError } from '../lambdas/errors.ts';

/** A construct prop or a context value that cannot work; raised at synth time, before any deploy. */
export class InvalidPropsError extends ImageUpdaterError {
  readonly code = 'INVALID_PROPS';
}
