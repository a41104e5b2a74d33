import { ImageUpdaterError } from '../../errors.ts';

/** A registry slower than a pull request waits for its provenance: the section is left out. */
export class ProvenanceTimeoutError extends ImageUpdaterError {
  readonly code = 'PROVENANCE_TIMEOUT';
}
