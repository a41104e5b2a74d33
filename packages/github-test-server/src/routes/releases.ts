import { notFound } from '../errors.ts';
import type { ReleaseRecord, Repo } from '../model.ts';
import type { Route, RouteContext } from './context.ts';
import { ok, repoOf } from './context.ts';

/** Releases: read by tag (what a pull request's release notes come from). */

function renderRelease(context: RouteContext, repo: Repo, release: ReleaseRecord): Record<string, unknown> {
  const url = `${context.render.repoUrl(repo)}/releases/${release.id}`;
  const at = new Date(release.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const tag = encodeURIComponent(release.tagName);
  return {
    url,
    html_url: `${context.render.webRepoUrl(repo)}/releases/tag/${tag}`,
    assets_url: `${url}/assets`,
    upload_url: `${url}/assets{?name,label}`,
    tarball_url: `${context.render.repoUrl(repo)}/tarball/${tag}`,
    zipball_url: `${context.render.repoUrl(repo)}/zipball/${tag}`,
    id: release.id,
    node_id: context.world.nodeId('RE', release.id),
    tag_name: release.tagName,
    target_commitish: repo.defaultBranch,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    created_at: at,
    published_at: release.draft ? null : at,
    author: context.render.user(release.author),
    assets: [],
  };
}

export const releaseRoutes: Record<string, Route> = {
  // GitHub answers only published releases here: a draft is 404, as is a repository the
  // credentials cannot see.
  'repos/get-release-by-tag': (context) => {
    const repo = repoOf(context);
    const release = repo.releases.get(String(context.params.tag));
    if (!release || release.draft) throw notFound();
    return ok(renderRelease(context, repo, release));
  },
};
