import { ImageUpdaterError } from '../../errors.ts';
import type { SourcePosition } from './types.ts';

/**
 * A manifest that can't be read (YAML syntax, size or nesting limits). The file is left alone;
 * other files still update. The scan and edit functions return the position as a value; callers
 * that need to throw (or to carry it in a plan) use this.
 */
export class ManifestUnreadableError extends ImageUpdaterError {
  readonly code = 'MANIFEST_UNREADABLE';

  constructor(
    readonly file: string,
    readonly position: SourcePosition,
  ) {
    super(`${file}:${position.line}:${position.column}: ${position.message}`);
  }
}

/** An edit whose result did not re-parse to exactly the intended values; nothing is written. */
export class ManifestEditUnverifiedError extends ImageUpdaterError {
  readonly code = 'MANIFEST_EDIT_UNVERIFIED';

  constructor(
    readonly file: string,
    readonly position: SourcePosition,
  ) {
    super(`${file}:${position.line}:${position.column}: ${position.message}`);
  }
}
