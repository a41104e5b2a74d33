import type { AppState, InstallationConfig } from '../auth.ts';
import { DEFAULT_INSTALLATION_PERMISSIONS } from '../auth.ts';
import { isoSeconds } from '../clock.ts';
import { HttpError, notFound } from '../errors.ts';
import type { Route, RouteContext } from './context.ts';
import { ok, paginate } from './context.ts';

/** GitHub App endpoints (JWT-authenticated), the caller's identity and rate-limit status. */

function appOf(context: RouteContext): AppState {
  const app = context.auth.app;
  if (!app) throw notFound();
  return app;
}

function installation(
  context: RouteContext,
  app: AppState,
  config: InstallationConfig,
): Record<string, unknown> {
  const owner = config.account ? context.world.account(config.account, 'Organization') : app.owner;
  return {
    id: config.id,
    account: context.render.user(owner),
    repository_selection: config.repositories ? 'selected' : 'all',
    access_tokens_url: `${context.apiRoot}/app/installations/${config.id}/access_tokens`,
    repositories_url: `${context.apiRoot}/installation/repositories`,
    html_url: `${context.apiRoot}/settings/installations/${config.id}`,
    app_id: app.appId,
    app_slug: app.slug,
    client_id: app.clientId,
    target_id: owner.id,
    target_type: owner.type === 'User' ? 'User' : 'Organization',
    permissions: config.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS,
    events: [],
    created_at: isoSeconds(app.createdAt),
    updated_at: isoSeconds(app.createdAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

export const appRoutes: Record<string, Route> = {
  'apps/get-authenticated': (context) => {
    const app = appOf(context);
    return ok({
      id: app.appId,
      slug: app.slug,
      client_id: app.clientId,
      node_id: context.world.nodeId('A', app.appId),
      owner: context.render.user(app.owner),
      name: app.slug,
      description: null,
      external_url: `${context.apiRoot}/apps/${app.slug}`,
      html_url: `${context.apiRoot}/apps/${app.slug}`,
      created_at: isoSeconds(app.createdAt),
      updated_at: isoSeconds(app.createdAt),
      permissions: DEFAULT_INSTALLATION_PERMISSIONS,
      events: [],
      installations_count: app.installations.length,
    });
  },

  'apps/get-installation': (context) => {
    const app = appOf(context);
    const config = app.installations.find(
      (candidate) => candidate.id === Number(context.params.installation_id),
    );
    if (!config) throw notFound();
    return ok(installation(context, app, config));
  },

  'apps/list-installations': (context) => {
    const app = appOf(context);
    const { page, headers } = paginate(
      context,
      app.installations.map((config) => installation(context, app, config)),
    );
    return ok(page, 200, headers);
  },

  /** With an installation token: the repositories it may use (its installation's, or fewer). */
  'apps/list-repos-accessible-to-installation': (context) => {
    const app = appOf(context);
    const { identity } = context;
    if (identity.kind !== 'installation')
      throw new HttpError(
        403,
        'You must authenticate with an installation access token in order to list repositories for an installation.',
      );
    const config = app.installations.find((candidate) => candidate.id === identity.installationId);
    const repos = [...context.world.repos.values()].filter(
      (repo) => context.auth.installationFor(repo)?.id === config?.id && identity.canAccess(repo),
    );
    const { page, headers } = paginate(context, repos);
    return ok(
      {
        total_count: repos.length,
        repository_selection: config?.repositories ? 'selected' : 'all',
        repositories: page.map((repo) => context.render.repository(repo)),
      },
      200,
      headers,
    );
  },

  'apps/get-repo-installation': (context) => {
    const app = appOf(context);
    const repo = context.world.repo(String(context.params.owner), String(context.params.repo));
    const config = repo ? context.auth.installationFor(repo) : undefined;
    if (!config) throw notFound();
    return ok(installation(context, app, config));
  },

  'apps/create-installation-access-token': (context) => {
    const app = appOf(context);
    const id = Number(context.params.installation_id);
    const config = app.installations.find((candidate) => candidate.id === id);
    if (!config) throw notFound();
    const body = (context.body ?? {}) as {
      repositories?: string[];
      repository_ids?: number[];
      permissions?: Record<string, string>;
    };
    let repositories: string[] | undefined;
    if (body.repositories || body.repository_ids) {
      const owner = config.account ?? [...context.world.repos.values()][0]?.owner.login;
      const byId = (body.repository_ids ?? []).map((repoId) => {
        const repo = [...context.world.repos.values()].find((candidate) => candidate.id === repoId);
        if (!repo)
          throw new HttpError(
            422,
            `There is at least one repository that does not exist or is not accessible to the parent installation.`,
          );
        return repo.fullName;
      });
      repositories = [
        ...(body.repositories ?? []).map((name) => (name.includes('/') ? name : `${owner}/${name}`)),
        ...byId,
      ];
    }
    const issued = context.auth.issueInstallationToken(id, {
      ...(repositories ? { repositories } : {}),
      ...(body.permissions ? { permissions: body.permissions } : {}),
    });
    return ok(
      {
        token: issued.token,
        expires_at: isoSeconds(issued.expiresAt),
        permissions: issued.permissions,
        repository_selection: issued.repositories ? 'selected' : 'all',
      },
      201,
    );
  },

  'users/get-authenticated': (context) => {
    if (context.identity.kind !== 'token') throw new HttpError(403, 'Resource not accessible by integration');
    const user = context.render.user(context.actor);
    return ok({
      ...user,
      name: context.actor.name,
      company: null,
      blog: null,
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: isoSeconds(0),
      updated_at: isoSeconds(0),
    });
  },

  'rate-limit/get': (context) => {
    const key = context.identity.rateKey;
    const view = (resource: string) => {
      const snapshot = context.limits.snapshot(key, resource);
      return {
        limit: snapshot.limit,
        remaining: snapshot.remaining,
        used: snapshot.used,
        reset: snapshot.reset,
      };
    };
    return ok({
      resources: { core: view('core'), graphql: view('graphql'), search: view('search') },
      rate: view('core'),
    });
  },
};
