/**
 * Flux notification-controller, a `Provider` of type `generic-hmac`, at
 * `POST /webhooks/flux?repo=<owner>/<name>`: an environment's health at a commit, for
 * `promote: { when: healthy }` (docs/promotion.md has the Provider and Alert). The body is
 * Flux's event (`event.toolkit.fluxcd.io/v1beta1` Event), signed as
 * `X-Signature: sha256=<hex HMAC-SHA256 of the body>` with the Provider's secret `token`,
 * checked in constant time.
 *
 * Read: `involvedObject` (a Kustomization or HelmRelease: the application is
 * `namespace/name`), `severity`, `reason`, and the commit in `metadata.originRevision` or
 * `metadata.revision` (`main@sha1:<sha>`). An `error` event is an unhealthy report; an `info`
 * event whose reason says the reconciliation (or a Helm install, upgrade or test) succeeded is a
 * healthy one; any other event says nothing and is acknowledged.
 */
import * as z from 'zod';
import { hubSignatureMatches } from './auth.ts';
import { describeZodError, malformed, parseJson } from './body.ts';
import { APPLICATION, commitOf, healthEvent } from './health.ts';
import type { ParseResult, WebhookProvider, WebhookRequest } from './types.ts';

const FluxEvent = z.object({
  involvedObject: z.object({
    kind: z.string().max(64),
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(253),
  }),
  severity: z.string().max(16),
  reason: z.string().max(256),
  metadata: z.record(z.string().max(253), z.string().max(1024)).optional(),
});

/** The kinds whose events say an environment's health. */
const KINDS = new Set(['Kustomization', 'HelmRelease']);
/** `info` reasons that mean the objects are applied and (with health checks) ready. */
const SUCCEEDED = new Set([
  'ReconciliationSucceeded',
  'InstallSucceeded',
  'UpgradeSucceeded',
  'TestSucceeded',
]);

export const flux: WebhookProvider = {
  name: 'flux',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return hubSignatureMatches(request.body, request.headers['x-signature'], secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const parsed = FluxEvent.safeParse(json.value);
    if (!parsed.success) return malformed(`not a Flux event: ${describeZodError(parsed.error)}`);
    const { involvedObject: object, severity, reason, metadata } = parsed.data;
    const application = `${object.namespace}/${object.name}`;
    if (!KINDS.has(object.kind))
      return ignored('other-event', `Flux ${object.kind} ${application}: not a Kustomization or HelmRelease`);
    if (!APPLICATION.test(application))
      return malformed('involvedObject: not a Kubernetes namespace and name');
    const healthy =
      severity === 'error' ? false : severity === 'info' && SUCCEEDED.has(reason) ? true : undefined;
    if (healthy === undefined) return ignored('no-health-verdict', `${application}: ${severity} ${reason}`);
    const revision = metadata?.originRevision ?? metadata?.revision;
    const commit = revision === undefined ? undefined : commitOf(revision);
    if (!commit) return ignored('no-commit', `${application}: the event names no commit of a repository`);
    return healthEvent(request, { application, revision: commit, healthy, source: 'flux' });
  },
};

function ignored(reason: 'other-event' | 'no-health-verdict' | 'no-commit', detail: string): ParseResult {
  return { kind: 'events', pushes: [], ignored: [{ reason, detail }] };
}
