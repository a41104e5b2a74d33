/** GitHub App webhook deliveries as GitHub sends them: a push payload and its signed headers. */
import { createHmac } from 'node:crypto';

/** A push to `main` of `repo` (`owner/name`) whose one commit modifies `paths`. */
export function pushPayload(
  repo: string,
  options: { readonly paths?: readonly string[]; readonly installationId?: number } = {},
): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: 'b'.repeat(40),
    after: 'a'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    commits: [
      {
        id: 'a'.repeat(40),
        added: [],
        modified: [...(options.paths ?? ['.image-updater.yaml'])],
        removed: [],
      },
    ],
    head_commit: null,
    repository: { full_name: repo, default_branch: 'main' },
    sender: { login: 'octocat', type: 'User' },
    ...(options.installationId !== undefined ? { installation: { id: options.installationId } } : {}),
  };
}

/** The headers of a delivery of `body`, signed with `secret` (`X-Hub-Signature-256`). */
export function githubHeaders(
  event: string,
  delivery: string,
  body: string,
  secret: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}
