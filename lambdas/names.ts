/**
 * Names shared by the functions (which emit the metrics and log under these services) and the CDK
 * construct (which draws the dashboard and the alarms from them, and lists the webhook URLs).
 * No imports, on purpose: `lib/` reads this at synth time, and anything imported here would be
 * loaded by `cdk synth` too (lint: the `lib/**` block of eslint.config.js).
 */
export const METRICS_NAMESPACE = 'ImageUpdater';
export const WORKER_SERVICE = 'image-updater-worker';
export const RECONCILE_SERVICE = 'image-updater-reconcile';
export const WEBHOOK_SERVICE = 'image-updater-webhook';

/** CloudWatch metric names of the worker and the reconcile; each has the dimension `service`. */
export const METRIC = {
  eventsReceived: 'EventsReceived',
  eventsIgnored: 'EventsIgnored',
  eventsMalformed: 'EventsMalformed',
  pushes: 'Pushes',
  updatesProposed: 'UpdatesProposed',
  pullRequestsOpened: 'PullRequestsOpened',
  pullRequestsUpdated: 'PullRequestsUpdated',
  pullRequestsMerged: 'PullRequestsMerged',
  pullRequestsClosed: 'PullRequestsClosed',
  autoMergeEnabled: 'AutoMergeEnabled',
  directCommits: 'DirectCommits',
  blocked: 'PullRequestsBlocked',
  noOps: 'NoOps',
  configInvalid: 'ConfigInvalid',
  failures: 'Failures',
  retriedRecords: 'RecordsRetried',
  droppedRecords: 'RecordsDropped',
  tagListFailures: 'TagListFailures',
  signaturesVerified: 'SignaturesVerified',
  signaturesHeld: 'SignaturesHeld',
  signaturesRefused: 'SignaturesRefused',
  pushToPullRequestLatency: 'PushToPullRequestLatency',
} as const;

/** CloudWatch metric names of the webhook function (dimension `service`: `WEBHOOK_SERVICE`). */
export const WEBHOOK_METRIC = {
  received: 'WebhookRequests',
  accepted: 'WebhookPushesAccepted',
  ignored: 'WebhookEventsIgnored',
  refused: 'WebhookImagesRefused',
  unauthorized: 'WebhookUnauthorized',
  malformed: 'WebhookMalformed',
  unavailable: 'WebhookUnavailable',
  githubEventsAccepted: 'WebhookGitHubEventsAccepted',
  /** Argo CD and Flux health reports queued (`promote: { when: healthy }`). */
  healthReportsAccepted: 'WebhookHealthReportsAccepted',
  /** GitHub deliveries answered `duplicate` (their id was queued already). */
  duplicates: 'WebhookDuplicateDeliveries',
} as const;

/** The webhook providers, as they appear in the endpoint's path: `POST <url>webhooks/<provider>`. */
export const PROVIDER_NAMES = [
  'distribution',
  'harbor',
  'dockerhub',
  'ghcr',
  'ecr',
  'github',
  'argocd',
  'flux',
] as const;

/**
 * The label of the updater's own issues (the config issue, the dashboard): GitHub's `issues` and
 * `issue_comment` events reach the worker only for issues that carry it.
 */
export const UPDATER_ISSUE_LABEL = 'image-updater';
