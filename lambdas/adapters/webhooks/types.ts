/**
 * What every webhook provider implements: check the request's secret, then turn the body into
 * pushes to act on and events to acknowledge without acting.
 */
import type { PushedImage } from '../../core/push.ts';
import type { HealthEvent, RepoEvent } from '../../core/repo-events.ts';
import { PROVIDER_NAMES } from '../../names.ts';

export { PROVIDER_NAMES };
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** A request as providers see it: lowercase header names, the body's exact bytes. */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export type WebhookIgnoreReason =
  /** A pull, delete, mount, scan, … */
  | 'not-a-push'
  /** Distribution: a layer or config blob, not a manifest or index. */
  | 'not-a-manifest'
  /** Pushed by digest: no tag moved. */
  | 'untagged'
  | 'invalid-tag'
  /** A signature, attestation or SBOM tag. */
  | 'referrer-tag'
  | 'push-failed'
  /** GHCR: a package that is not a container image (npm, maven, …). */
  | 'not-a-container'
  /** Another event type on the same endpoint (GitHub `ping`, an EventBridge scan result, …). */
  | 'other-event'
  /** The image is outside the deployment's allow-list. */
  | 'image-not-allowed'
  /** One event of an envelope could not be read (the others still count). */
  | 'malformed-event'
  /** GitHub: a push to a branch other than the repository's default branch. */
  | 'other-branch'
  /** GitHub: a push that deleted the branch. */
  | 'branch-deleted'
  /** GitHub: an action of a known event that we do not act on (`pull_request` `opened`, …). */
  | 'other-action'
  /** GitHub: an issue without the updater's label. */
  | 'not-an-updater-issue'
  /** GitHub: a pull request from a fork: never one of the updater's, whatever its branch is named. */
  | 'fork-pull-request'
  /** GitHub: an edit of one of the updater's issues that ticked no box (its own writes, say). */
  | 'no-box-ticked'
  /** Argo CD, Flux: a report that says neither healthy nor unhealthy (progressing, a sync under way). */
  | 'no-health-verdict'
  /** Flux: a revision that names no commit (a Helm chart version, an OCI artifact digest). */
  | 'no-commit';

export interface IgnoredEvent {
  readonly reason: WebhookIgnoreReason;
  readonly detail: string;
}

export interface ReceivedPush {
  readonly push: PushedImage;
  /** The registry's id for the event or delivery, when it sends one. */
  readonly id?: string;
}

export type ParseResult =
  | {
      readonly kind: 'events';
      readonly pushes: readonly ReceivedPush[];
      readonly ignored: readonly IgnoredEvent[];
    }
  /**
   * One GitHub App delivery to queue. `delivery` (`X-GitHub-Delivery`, kept by a redelivery) is
   * what the router de-duplicates on.
   */
  | { readonly kind: 'repo-event'; readonly delivery: string; readonly event: RepoEvent }
  /**
   * An environment's health report (Argo CD, Flux): queued as is, not de-duplicated (a report
   * sent again says the same, and the latest report per application is what counts).
   */
  | { readonly kind: 'health'; readonly id: string; readonly event: HealthEvent }
  | { readonly kind: 'malformed'; readonly reason: string };

export interface WebhookProvider {
  readonly name: ProviderName;
  /** Whether the request proves it knows `secret`. Every comparison is constant-time. */
  authenticate(request: WebhookRequest, secret: string): boolean | Promise<boolean>;
  /** Only called on an authenticated request. */
  parse(request: WebhookRequest): ParseResult;
}
