import type { Identity } from './auth.ts';
import type { Leaf } from './git.ts';
import type { Repo, World } from './model.ts';

/**
 * `createCommitOnBranch`: one commit on top of a branch's head in one request, fast-forward only.
 * What GitHub does, as recorded by donaldgifford/repo-guardian
 * (docs/impl/0028-controls-foundations-v1-runtime-removal-client-split-two-apps.md, "Spike 1:
 * GraphQL commit"):
 * - a stale `expectedHeadOid` is an HTTP 200 whose `errors` hold `{type: "STALE_DATA", message:
 *   "Expected branch to point to \"<oid>\" but it did not.  Pull and try again."}`;
 * - the author is the authenticated actor (an App's `<slug>[bot]` with its noreply address), the
 *   committer `GitHub <noreply@github.com>`, and the commit is signed: `verification.verified`.
 * Additions carry no mode: files are written as 100644, an executable bit included
 * (babarot/gh-infra#167, changesets/ghcommit#45 switch to the Git Data API for that reason).
 */

export class CommitOnBranchError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const GITHUB_COMMITTER = { name: 'GitHub', email: 'noreply@github.com' } as const;

interface CommitOnBranchInput {
  readonly branch: { id?: string; repositoryNameWithOwner?: string; branchName?: string };
  readonly expectedHeadOid: string;
  readonly message: { headline: string; body?: string | null };
  readonly fileChanges?: {
    additions?: readonly { path: string; contents: string }[];
    deletions?: readonly { path: string }[];
  };
}

function repoOfInput(world: World, identity: Identity, branch: CommitOnBranchInput['branch']): Repo {
  const [owner, name] = (branch.repositoryNameWithOwner ?? '').split('/');
  const repo = owner && name ? world.repo(owner, name) : undefined;
  if (!repo || !identity.canAccess(repo))
    throw new CommitOnBranchError(
      'NOT_FOUND',
      `Could not resolve to a Repository with the name '${branch.repositoryNameWithOwner ?? ''}'.`,
    );
  return repo;
}

/** Applies the mutation; the new commit's sha and the repository it landed in. */
export function commitOnBranch(
  world: World,
  identity: Identity,
  raw: Record<string, unknown>,
): { readonly repo: Repo; readonly sha: string; readonly ref: string } {
  const input = raw as unknown as CommitOnBranchInput;
  const repo = repoOfInput(world, identity, input.branch);
  if (!identity.canWrite)
    throw new CommitOnBranchError('FORBIDDEN', 'Resource not accessible by integration');
  const ref = `refs/heads/${input.branch.branchName ?? ''}`;
  const head = repo.refs.get(ref);
  if (!head) throw new CommitOnBranchError('NOT_FOUND', `A ref named "${ref}" does not exist.`);
  if (head !== input.expectedHeadOid)
    throw new CommitOnBranchError(
      'STALE_DATA',
      `Expected branch to point to "${input.expectedHeadOid}" but it did not.  Pull and try again.`,
    );
  const store = repo.store;
  const files = store.flatten(store.commit(head)?.tree as string);
  for (const { path } of input.fileChanges?.deletions ?? []) {
    if (!files.delete(path))
      throw new CommitOnBranchError(
        'UNPROCESSABLE',
        `A path was requested for deletion which does not exist as of commit oid \`${head}\``,
      );
  }
  for (const { path, contents } of input.fileChanges?.additions ?? []) {
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
      throw new CommitOnBranchError('UNPROCESSABLE', `Invalid path: ${path}`);
    const leaf: Leaf = { mode: '100644', type: 'blob', sha: store.putBlob(Buffer.from(contents, 'base64')) };
    files.set(path, leaf);
  }
  const body = input.message.body ?? '';
  const author = world.signature(identity.account);
  const sha = store.putCommit({
    tree: store.buildTree(files),
    parents: [head],
    author,
    committer: world.signature(GITHUB_COMMITTER),
    message: body === '' ? input.message.headline : `${input.message.headline}\n\n${body}`,
  });
  store.markSigned(sha);
  world.setRef(repo, ref, sha, identity.account);
  return { repo, sha, ref };
}

/** The repository a `createCommitOnBranch` request names, for fault rules and hooks. */
export function commitTargetRepo(body: unknown): string | undefined {
  const variables = (body as { variables?: { input?: { branch?: { repositoryNameWithOwner?: unknown } } } })
    ?.variables;
  const named = variables?.input?.branch?.repositoryNameWithOwner;
  return typeof named === 'string' ? named : undefined;
}
