/**
 * Argo CD Notifications (`service.webhook`) at `POST /webhooks/argocd?repo=<owner>/<name>`: an
 * environment's health at a commit, for `promote: { when: healthy }` (docs/promotion.md has the
 * template). Argo CD's webhook service sends the headers it is configured with and no signature,
 * so the secret is a shared one in `Authorization` (`Bearer <secret>`), compared in constant
 * time. The body is the documented template's JSON:
 *
 *   { "application": "{{.app.metadata.name}}", "revision": "{{.app.status.sync.revision}}",
 *     "health": "{{.app.status.health.status}}", "sync": "{{.app.status.sync.status}}" }
 *
 * Healthy and Synced is a healthy report; Degraded or Missing an unhealthy one; anything else
 * (Progressing, Suspended, OutOfSync, Unknown) says nothing and is acknowledged.
 */
import * as z from 'zod';
import { sharedSecretMatches } from './auth.ts';
import { describeZodError, malformed, parseJson } from './body.ts';
import { APPLICATION, commitOf, healthEvent } from './health.ts';
import type { ParseResult, WebhookProvider, WebhookRequest } from './types.ts';

const ArgoReport = z.object({
  application: z.string().max(253).regex(APPLICATION, 'an Argo CD Application name'),
  revision: z.string().max(256),
  health: z.string().max(64),
  sync: z.string().max(64).optional(),
});

export const argocd: WebhookProvider = {
  name: 'argocd',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return sharedSecretMatches(request.headers.authorization, secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const parsed = ArgoReport.safeParse(json.value);
    if (!parsed.success) return malformed(`not an Argo CD health report: ${describeZodError(parsed.error)}`);
    const { application, revision, health, sync } = parsed.data;
    const healthy =
      health === 'Healthy' && (sync === undefined || sync === 'Synced')
        ? true
        : health === 'Degraded' || health === 'Missing'
          ? false
          : undefined;
    if (healthy === undefined)
      return ignored('no-health-verdict', `${application}: ${health}${sync ? `, ${sync}` : ''}`);
    const commit = commitOf(revision);
    if (!commit) return ignored('no-commit', `${application}: the revision is no commit of a repository`);
    return healthEvent(request, { application, revision: commit, healthy, source: 'argocd' });
  },
};

function ignored(reason: 'no-health-verdict' | 'no-commit', detail: string): ParseResult {
  return { kind: 'events', pushes: [], ignored: [{ reason, detail }] };
}
