/** The shape of a Git host error the core may inspect without importing an adapter. */
export interface GitHostErrorLike {
  readonly code?: string;
  readonly status?: number;
  readonly message?: string;
}

/** GitHub answers 422 "A pull request already exists for …" when another writer was first. */
export function isAlreadyExists(error: GitHostErrorLike | undefined): boolean {
  return error?.status === 422 && /already exists/i.test(error.message ?? '');
}
