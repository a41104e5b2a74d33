import { ImageUpdaterError } from '../../errors.ts';

/**
 * A selection policy that cannot run (bad pattern, calver without a layout). The schema rejects
 * these when a config loads, so this only fires for a policy built without it: a bug, not input.
 */
export class InvalidSelectionPolicyError extends ImageUpdaterError {
  readonly code = 'INVALID_SELECTION_POLICY';
}

/**
 * A `tags.pattern`, or a `tags.ignore` glob that runs on RE2, was checked or compiled before the
 * engine, which loads on first use, was loaded: a bug in the caller, which must await
 * `loadPatternEngine` (or `loadConfig`) first.
 */
export class PatternEngineNotLoadedError extends ImageUpdaterError {
  readonly code = 'PATTERN_ENGINE_NOT_LOADED';

  constructor() {
    super(
      'tags.pattern and complex tags.ignore globs need their engine loaded first: await loadPatternEngine() (or loadConfig) before use',
    );
  }
}
