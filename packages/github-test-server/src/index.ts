export { createGitHubTestServer, EMULATED_OPERATIONS, GitHubTestServer } from './server.ts';
export type {
  CommentSummary,
  ConcurrentWriter,
  FaultHandle,
  GitHubTestServerOptions,
  IssueSummary,
  PullSummary,
  RequestFilter,
  RequestHook,
  Violation,
  ViolationKind,
} from './server.ts';
export { createManualClock, systemClock } from './clock.ts';
export type { Clock, ManualClock } from './clock.ts';
export type { Fault, FaultMatch, FaultRequest, FaultResponse } from './faults.ts';
export type { AppOptions, InstallationConfig } from './auth.ts';
export type { LoggedRequest } from './request-log.ts';
export { countRoundTrips } from './request-log.ts';
export type { ApiFlavor } from './openapi.ts';
export { createTestOctokit, TestOctokit } from './octokit.ts';
export type { TestOctokitInstance, TestOctokitOptions } from './octokit.ts';
