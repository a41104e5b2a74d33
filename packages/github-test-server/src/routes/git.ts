import { HttpError, notFound } from '../errors.ts';
import { hashCode } from '../render.ts';
import type { FileMode, Leaf, Signature } from '../git.ts';
import type { Repo } from '../model.ts';
import type { Route, RouteContext } from './context.ts';
import { base64Lines, isValidRefName, noContent, ok, repoOf, requireWrite } from './context.ts';

/** Git Data API: blobs, trees, commits and refs. */

function treeListing(
  context: RouteContext,
  repo: Repo,
  entries: { path: string; mode: FileMode; type: string; sha: string }[],
) {
  const url = context.render.repoUrl(repo);
  return entries.map((entry) => ({
    path: entry.path,
    mode: entry.mode,
    type: entry.type,
    sha: entry.sha,
    ...(entry.type === 'blob' ? { size: repo.store.blob(entry.sha)?.length ?? 0 } : {}),
    ...(entry.type === 'commit'
      ? {}
      : { url: `${url}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}` }),
  }));
}

function signatureFrom(
  context: RouteContext,
  input: { name?: string; email?: string; date?: string } | undefined,
): Signature {
  const fallback = context.world.signature(context.actor);
  if (!input) return fallback;
  const parsed = input.date ? Date.parse(input.date) : Number.NaN;
  return {
    name: input.name ?? fallback.name,
    email: input.email ?? fallback.email,
    date: Number.isNaN(parsed)
      ? fallback.date
      : new Date(Math.floor(parsed / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/** Branches must point at commits; other refs (tags) may point at any object. */
function pointable(repo: Repo, ref: string, sha: string): boolean {
  return ref.startsWith('refs/heads/') ? repo.store.commit(sha) !== undefined : repo.store.has(sha);
}

function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

export const gitRoutes: Record<string, Route> = {
  'git/create-blob': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const encoding = context.body.encoding ?? 'utf-8';
    if (encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'base64') {
      throw new HttpError(422, `encoding must be either "utf-8" or "base64"`);
    }
    const data = Buffer.from(String(context.body.content), encoding === 'base64' ? 'base64' : 'utf8');
    const sha = repo.store.putBlob(data);
    return ok({ sha, url: `${context.render.repoUrl(repo)}/git/blobs/${sha}` }, 201);
  },

  'git/get-blob': (context) => {
    const repo = repoOf(context);
    const sha = String(context.params.file_sha);
    const data = repo.store.blob(sha);
    if (!data) throw notFound();
    return ok({
      sha,
      node_id: context.world.nodeId('B', hashCode(sha)),
      size: data.length,
      url: `${context.render.repoUrl(repo)}/git/blobs/${sha}`,
      content: base64Lines(data),
      encoding: 'base64',
    });
  },

  'git/create-tree': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const store = repo.store;
    const baseTree = context.body.base_tree as string | undefined;
    if (baseTree !== undefined && !store.tree(baseTree)) {
      throw new HttpError(422, `base_tree ${baseTree} is not a valid tree oid`);
    }
    const files = baseTree ? store.flatten(baseTree) : new Map<string, Leaf>();
    const removeUnder = (path: string): void => {
      files.delete(path);
      for (const key of [...files.keys()]) if (key.startsWith(`${path}/`)) files.delete(key);
    };
    for (const entry of context.body.tree as {
      path: string;
      mode: FileMode;
      type: 'blob' | 'tree' | 'commit';
      sha?: string | null;
      content?: string;
    }[]) {
      const path = entry.path;
      if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
        throw new HttpError(422, `tree.path contains a malformed path component`);
      }
      if (entry.content !== undefined && entry.sha !== undefined) {
        throw new HttpError(422, 'Must supply either tree.sha or tree.content, not both');
      }
      if (entry.sha === null) {
        removeUnder(path);
        continue;
      }
      const expectedType = entry.mode === '040000' ? 'tree' : entry.mode === '160000' ? 'commit' : 'blob';
      if (entry.type !== expectedType)
        throw new HttpError(422, `tree.mode ${entry.mode} does not match tree.type ${entry.type}`);
      if (entry.content !== undefined) {
        if (entry.type !== 'blob') throw new HttpError(422, 'tree.content can only be used with blobs');
        removeUnder(path);
        files.set(path, {
          mode: entry.mode,
          type: 'blob',
          sha: store.putBlob(Buffer.from(entry.content, 'utf8')),
        });
        continue;
      }
      const sha = entry.sha;
      if (sha === undefined) throw new HttpError(422, 'Must supply either tree.sha or tree.content');
      removeUnder(path);
      if (entry.type === 'tree') {
        if (!store.tree(sha)) throw new HttpError(422, `tree.sha ${sha} is not a valid tree`);
        for (const [inner, leaf] of store.flatten(sha)) files.set(`${path}/${inner}`, leaf);
      } else if (entry.type === 'blob') {
        if (!store.blob(sha)) throw new HttpError(422, `tree.sha ${sha} is not a valid blob`);
        files.set(path, { mode: entry.mode, type: 'blob', sha });
      } else {
        files.set(path, { mode: entry.mode, type: 'commit', sha });
      }
    }
    // A path that is now both a file and a directory cannot be written.
    for (const path of files.keys()) {
      const parts = path.split('/');
      for (let index = 1; index < parts.length; index += 1) {
        if (files.has(parts.slice(0, index).join('/'))) {
          throw new HttpError(
            422,
            `tree.path ${path} conflicts with a file at ${parts.slice(0, index).join('/')}`,
          );
        }
      }
    }
    const sha = store.buildTree(files);
    const entries = (store.tree(sha) ?? []).map((entry) => ({ ...entry, path: entry.name }));
    return ok(
      {
        sha,
        url: `${context.render.repoUrl(repo)}/git/trees/${sha}`,
        tree: treeListing(context, repo, entries),
        truncated: false,
      },
      201,
    );
  },

  'git/get-tree': (context) => {
    const repo = repoOf(context);
    const store = repo.store;
    const requested = String(context.params.tree_sha);
    let sha: string | undefined = store.tree(requested) ? requested : undefined;
    if (!sha) {
      const commit = context.world.resolveCommitish(repo, requested);
      sha = commit ? store.commit(commit)?.tree : undefined;
    }
    if (!sha) throw notFound();
    const recursive = context.query.recursive !== undefined;
    const listing = recursive
      ? store.listRecursive(sha).map(({ path, entry }) => ({ ...entry, path }))
      : (store.tree(sha) ?? []).map((entry) => ({ ...entry, path: entry.name }));
    const limit = context.world.options.treeTruncationLimit;
    const truncated = listing.length > limit;
    return ok({
      sha,
      url: `${context.render.repoUrl(repo)}/git/trees/${sha}`,
      tree: treeListing(context, repo, truncated ? listing.slice(0, limit) : listing),
      truncated,
    });
  },

  'git/create-commit': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const store = repo.store;
    const tree = String(context.body.tree);
    if (!store.tree(tree)) throw new HttpError(422, 'Tree SHA does not exist');
    const parents = (context.body.parents ?? []) as string[];
    for (const parent of parents) {
      if (!store.commit(parent))
        throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
    }
    const author = signatureFrom(context, context.body.author);
    const committer = context.body.committer ? signatureFrom(context, context.body.committer) : author;
    const sha = store.putCommit({ tree, parents, author, committer, message: String(context.body.message) });
    // GitHub signs a commit an App makes when it names neither author nor committer.
    if (context.identity.kind === 'installation' && !context.body.author && !context.body.committer)
      store.markSigned(sha);
    return ok(
      context.render.gitCommit(repo, sha, store.commit(sha) as NonNullable<ReturnType<typeof store.commit>>),
      201,
    );
  },

  'git/get-commit': (context) => {
    const repo = repoOf(context);
    const sha = String(context.params.commit_sha);
    const commit = repo.store.commit(sha);
    if (!commit) throw notFound();
    return ok(context.render.gitCommit(repo, sha, commit));
  },

  'git/get-ref': (context) => {
    const repo = repoOf(context);
    const ref = fullRef(String(context.params.ref));
    const sha = repo.refs.get(ref);
    if (!sha) throw notFound();
    return ok(context.render.gitRef(repo, ref, sha));
  },

  'git/list-matching-refs': (context) => {
    const repo = repoOf(context);
    const prefix = fullRef(String(context.params.ref));
    const refs = [...repo.refs.entries()]
      .filter(([ref]) => ref.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([ref, sha]) => context.render.gitRef(repo, ref, sha));
    return ok(refs);
  },

  'git/create-ref': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const ref = String(context.body.ref);
    const sha = String(context.body.sha);
    if (!isValidRefName(ref)) throw new HttpError(422, `${ref} is not a valid ref name.`);
    if (!pointable(repo, ref, sha)) throw new HttpError(422, 'Object does not exist');
    if (repo.refs.has(ref)) throw new HttpError(422, 'Reference already exists');
    context.world.setRef(repo, ref, sha, context.actor);
    return ok(context.render.gitRef(repo, ref, sha), 201);
  },

  'git/update-ref': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const ref = fullRef(String(context.params.ref));
    const sha = String(context.body.sha);
    const current = repo.refs.get(ref);
    if (!current) throw new HttpError(422, 'Reference does not exist');
    if (!pointable(repo, ref, sha)) throw new HttpError(422, 'Object does not exist');
    if (context.body.force !== true && current !== sha && !repo.store.isAncestor(current, sha)) {
      throw new HttpError(422, 'Update is not a fast forward');
    }
    context.world.setRef(repo, ref, sha, context.actor);
    return ok(context.render.gitRef(repo, ref, sha));
  },

  'git/delete-ref': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const ref = fullRef(String(context.params.ref));
    if (!repo.refs.has(ref)) throw new HttpError(422, 'Reference does not exist');
    context.world.deleteRef(repo, ref, context.actor);
    return noContent();
  },
};
