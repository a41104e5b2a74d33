import { ImageUpdaterError } from '../errors.ts';

/**
 * A selection policy that cannot run (bad regex, calver without a layout). The schema rejects
 * these when a config loads, so this only fires for a policy built without it: a bug, not input.
 */
export class InvalidSelectionPolicyError extends ImageUpdaterError {
  readonly code = 'INVALID_SELECTION_POLICY';
}
