/**
 * Names shared by the functions (which emit the metrics) and the CDK construct (which draws the
 * dashboard and the alarms from them). No imports: `lib/` reads this at synth time.
 */
export const METRICS_NAMESPACE = 'ImageUpdater';
export const WORKER_SERVICE = 'image-updater-worker';
export const RECONCILE_SERVICE = 'image-updater-reconcile';

/** CloudWatch metric names; each has the dimension `service`. */
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
  pushToPullRequestLatency: 'PushToPullRequestLatency',
} as const;
