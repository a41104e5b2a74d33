import { HttpError, notFound } from '../errors.ts';
import type { CommitObject, TreeEntry } from '../git.ts';
import type { Repo } from '../model.ts';
import type { Route, RouteContext, RouteResult } from './context.ts';
import { base64Lines, ok, paginate, repoOf, requireWrite } from './context.ts';

/** Repository metadata, branches, commits, compare, contents and commit statuses. */

function permissionsOf(context: RouteContext): Record<string, boolean> {
  const write = context.identity.canWrite;
  return {
    admin: context.identity.kind === 'token',
    maintain: write,
    push: write,
    triage: write,
    pull: true,
  };
}

function wantsRaw(context: RouteContext): boolean {
  return /application\/vnd\.github(\.v3)?\.raw/.test(String(context.headers.accept ?? ''));
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function contentEntry(context: RouteContext, repo: Repo, ref: string, path: string, entry: TreeEntry) {
  const url = `${context.render.repoUrl(repo)}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const kind =
    entry.type === 'tree'
      ? 'dir'
      : entry.type === 'commit'
        ? 'submodule'
        : entry.mode === '120000'
          ? 'symlink'
          : 'file';
  const gitUrl =
    entry.type === 'commit'
      ? null
      : `${context.render.repoUrl(repo)}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`;
  const htmlUrl = `${context.render.webRepoUrl(repo)}/${entry.type === 'tree' ? 'tree' : 'blob'}/${encodeURIComponent(ref)}/${encodePath(path)}`;
  return {
    type: kind,
    size: entry.type === 'blob' ? (repo.store.blob(entry.sha)?.length ?? 0) : 0,
    name: path.split('/').pop() ?? path,
    path,
    sha: entry.sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: kind === 'file' ? `${htmlUrl.replace('/blob/', '/raw/')}` : null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

function branchOrDefault(context: RouteContext, repo: Repo): string {
  return typeof context.body?.branch === 'string' ? context.body.branch : repo.defaultBranch;
}

function fileCommit(context: RouteContext, repo: Repo, branch: string, path: string, sha: string) {
  const commit = repo.store.commit(sha) as CommitObject;
  const git = context.render.gitCommit(repo, sha, commit);
  const entry = repo.store.lookup(commit.tree, path);
  return {
    content: entry ? contentEntry(context, repo, branch, path, entry) : null,
    commit: git,
  };
}

function writeFile(context: RouteContext, content: Buffer | null): RouteResult {
  requireWrite(context);
  const repo = repoOf(context);
  const world = context.world;
  const path = String(context.params.path).replace(/^\/+/, '');
  const branch = branchOrDefault(context, repo);
  const head = world.branchHead(repo, branch);
  if (!head) throw new HttpError(404, `Branch ${branch} not found`);
  const parent = repo.store.commit(head) as CommitObject;
  const existing = repo.store.lookup(parent.tree, path);
  const given = context.body.sha as string | undefined;
  if (content === null) {
    if (!existing) throw new HttpError(404, 'Not Found');
    if (given !== existing.sha) throw new HttpError(409, `${path} does not match ${given}`);
  } else if (existing) {
    if (given === undefined) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    if (given !== existing.sha) throw new HttpError(409, `${path} does not match ${given}`);
  }
  const tree = world.applyFiles(repo, parent.tree, { [path]: content });
  const signatureOf = (input: { name?: string; email?: string; date?: string } | undefined) => {
    const fallback = world.signature(context.actor);
    return input
      ? { name: input.name ?? fallback.name, email: input.email ?? fallback.email, date: fallback.date }
      : fallback;
  };
  const author = signatureOf(context.body.author ?? context.body.committer);
  const committer = signatureOf(context.body.committer ?? context.body.author);
  const sha = repo.store.putCommit({
    tree,
    parents: [head],
    author,
    committer,
    message: String(context.body.message),
  });
  world.setRef(repo, `refs/heads/${branch}`, sha, context.actor);
  return ok(fileCommit(context, repo, branch, path, sha), content === null ? 200 : existing ? 200 : 201);
}

function resolveOr404(context: RouteContext, repo: Repo, ref: string): string {
  const sha = context.world.resolveCommitish(repo, ref);
  if (!sha) throw notFound();
  return sha;
}

export const repoRoutes: Record<string, Route> = {
  'repos/get': (context) => {
    const repo = repoOf(context);
    return ok(context.render.fullRepository(repo, permissionsOf(context)));
  },

  'repos/list-branches': (context) => {
    const repo = repoOf(context);
    const branches = [...repo.refs.entries()]
      .filter(([ref]) => ref.startsWith('refs/heads/'))
      .map(([ref, sha]) => ({ name: ref.slice('refs/heads/'.length), sha }))
      .filter(
        (branch) =>
          context.query.protected === undefined ||
          repo.requiredChecks.has(branch.name) === context.query.protected,
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((branch) => ({
        name: branch.name,
        commit: { sha: branch.sha, url: `${context.render.repoUrl(repo)}/commits/${branch.sha}` },
        protected: repo.requiredChecks.has(branch.name),
      }));
    const { page, headers } = paginate(context, branches);
    return ok(page, 200, headers);
  },

  'repos/get-branch': (context) => {
    const repo = repoOf(context);
    const name = String(context.params.branch);
    const sha = context.world.branchHead(repo, name);
    if (!sha) throw new HttpError(404, 'Branch not found');
    const url = `${context.render.repoUrl(repo)}/branches/${encodePath(name)}`;
    const checks = repo.requiredChecks.get(name);
    return ok({
      name,
      commit: context.render.commit(repo, sha),
      _links: { self: url, html: `${context.render.webRepoUrl(repo)}/tree/${encodePath(name)}` },
      protected: checks !== undefined,
      protection: checks
        ? {
            enabled: true,
            required_status_checks: {
              enforcement_level: 'non_admins',
              contexts: checks,
              checks: checks.map((check) => ({ context: check, app_id: null })),
            },
          }
        : { enabled: false, required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] } },
      protection_url: `${url}/protection`,
    });
  },

  'repos/get-commit': (context) => {
    const repo = repoOf(context);
    const ref = String(context.params.ref);
    const sha = context.world.resolveCommitish(repo, ref);
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`);
    if (/application\/vnd\.github(\.v3)?\.sha/.test(String(context.headers.accept ?? ''))) {
      return { status: 200, raw: { data: sha, contentType: 'application/vnd.github.sha; charset=utf-8' } };
    }
    const commit = repo.store.commit(sha) as CommitObject;
    const parentTree = commit.parents[0] ? repo.store.commit(commit.parents[0])?.tree : undefined;
    return ok(context.render.commit(repo, sha, { files: repo.store.diff(parentTree, commit.tree) }));
  },

  /**
   * The commits reachable from `sha` (default branch by default), newest first; with `path`, only
   * those that changed it (a commit whose entry at `path` differs from each of its parents').
   */
  'repos/list-commits': (context) => {
    const repo = repoOf(context);
    const store = repo.store;
    const ref =
      typeof context.query.sha === 'string' && context.query.sha !== ''
        ? context.query.sha
        : repo.defaultBranch;
    const head = context.world.resolveCommitish(repo, ref);
    if (!head) throw new HttpError(404, `No commit found for SHA: ${ref}`);
    const path =
      typeof context.query.path === 'string' && context.query.path !== ''
        ? context.query.path.replace(/^\/+|\/+$/g, '')
        : undefined;
    const entryAt = (sha: string) => {
      const tree = store.commit(sha)?.tree;
      return tree && path !== undefined ? store.lookup(tree, path)?.sha : undefined;
    };
    const all = store.commitsBetween(undefined, head).reverse();
    const touched =
      path === undefined
        ? all
        : all.filter((sha) => {
            const parents = store.commit(sha)?.parents ?? [];
            const mine = entryAt(sha);
            return parents.length === 0 ? mine !== undefined : parents.every((p) => entryAt(p) !== mine);
          });
    const { page, headers } = paginate(context, touched);
    return ok(
      page.map((sha) => context.render.commit(repo, sha)),
      200,
      headers,
    );
  },

  'repos/compare-commits': (context) => {
    const repo = repoOf(context);
    const store = repo.store;
    const baseName = String(context.params.base);
    const headName = String(context.params.head);
    const base = resolveOr404(context, repo, baseName);
    const head = resolveOr404(context, repo, headName);
    const mergeBase = store.mergeBase(base, head);
    if (!mergeBase) throw new HttpError(404, `No common ancestor between ${baseName} and ${headName}.`);
    const ahead = store.commitsBetween(base, head);
    const behind = store.commitsBetween(head, base);
    const status =
      ahead.length === 0 && behind.length === 0
        ? 'identical'
        : behind.length === 0
          ? 'ahead'
          : ahead.length === 0
            ? 'behind'
            : 'diverged';
    const files = store.diff(store.commit(mergeBase)?.tree, store.commit(head)?.tree as string);
    const web = `${context.render.webRepoUrl(repo)}/compare/${baseName}...${headName}`;
    const { page } = paginate(context, ahead);
    return ok({
      url: `${context.render.repoUrl(repo)}/compare/${encodeURIComponent(baseName)}...${encodeURIComponent(headName)}`,
      html_url: web,
      permalink_url: `${context.render.webRepoUrl(repo)}/compare/${base}...${head}`,
      diff_url: `${web}.diff`,
      patch_url: `${web}.patch`,
      base_commit: context.render.commit(repo, base),
      merge_base_commit: context.render.commit(repo, mergeBase),
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: page.map((sha) => context.render.commit(repo, sha)),
      files: files.map((change) => context.render.diffEntry(repo, head, change)),
    });
  },

  'repos/get-content': (context) => {
    const repo = repoOf(context);
    const ref =
      typeof context.query.ref === 'string' && context.query.ref !== ''
        ? context.query.ref
        : repo.defaultBranch;
    const sha = context.world.resolveCommitish(repo, ref);
    if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
    const path = String(context.params.path).replace(/^\/+|\/+$/g, '');
    const tree = (repo.store.commit(sha) as CommitObject).tree;
    const entry = repo.store.lookup(tree, path);
    if (!entry) throw notFound();
    if (entry.type === 'tree') {
      return ok(
        (repo.store.tree(entry.sha) ?? []).map((child) =>
          contentEntry(context, repo, ref, path ? `${path}/${child.name}` : child.name, child),
        ),
      );
    }
    const described = contentEntry(context, repo, ref, path, entry);
    if (entry.type === 'commit')
      return ok({ ...described, submodule_git_url: `git://127.0.0.1/${path}.git` });
    const data = repo.store.blob(entry.sha) ?? Buffer.alloc(0);
    if (wantsRaw(context))
      return { status: 200, raw: { data, contentType: 'application/vnd.github.raw; charset=utf-8' } };
    if (entry.mode === '120000') return ok({ ...described, target: data.toString('utf8') });
    return ok({ ...described, content: base64Lines(data), encoding: 'base64' });
  },

  'repos/create-or-update-file-contents': (context) =>
    writeFile(context, Buffer.from(String(context.body.content), 'base64')),

  'repos/delete-file': (context) => writeFile(context, null),

  'repos/create-commit-status': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const sha = String(context.params.sha);
    if (!repo.store.commit(sha)) throw new HttpError(422, `No commit found for SHA: ${sha}`);
    const status = context.world.addStatus(repo, sha, {
      context: context.body.context ?? 'default',
      state: context.body.state,
      description: context.body.description ?? null,
      targetUrl: context.body.target_url ?? null,
      creator: context.actor,
    });
    return ok(context.render.status(repo, status), 201);
  },

  'repos/get-combined-status-for-ref': (context) => {
    const repo = repoOf(context);
    const sha = resolveOr404(context, repo, String(context.params.ref));
    const latest = [...context.world.latestStatuses(repo, sha).values()];
    const minimal = context.render.repository(repo);
    return ok({
      state: context.world.combinedState(repo, sha),
      statuses: latest.map((status) => {
        const rendered = context.render.status(repo, status);
        delete rendered.creator;
        return rendered;
      }),
      sha,
      total_count: latest.length,
      repository: minimal,
      commit_url: `${context.render.repoUrl(repo)}/commits/${sha}`,
      url: `${context.render.repoUrl(repo)}/commits/${sha}/status`,
    });
  },
};
