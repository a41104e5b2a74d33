/** The organisation section's tables (bench/organisation.ts), for report.ts. */
import type { OrganisationFigures, OrgCostFigures, OrgPushFigures } from './organisation.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** The "Organisation" table of the run: every figure of the section. */
export function organisationMarkdown(o: OrganisationFigures): string[] {
  const s = o.steady;
  const pushRow = (label: string, p: OrgPushFigures) =>
    `| ${label} | ${n(p.requests)} (${n(p.notModified)} × 304) | ${p.writes} | ${p.reposTouched} | ${n(p.requestsToNonWatchers)} | ${n(p.wallMs)} ms |`;
  const costRow = (label: string, c: OrgCostFigures, extra = '') =>
    `| ${label} | ${n(c.requests)} | ${n(c.notModified)} | ${n(c.primaryLimitCost)} | ${c.writes} | ${c.indexWrites} | ${n(c.wallMs)} ms${extra} |`;
  return [
    `**Organisation**: ${n(o.repositories)} repositories of one owner on the GitHub test server, each with its own config (one semver policy), ${o.images} images, ${o.watchers} repositories watching each; one ECR event through the worker. Before = a static list without the index (every push reads every repository; measured on ${o.before.repositories} of them, ${Math.round(o.before.repositories / (o.repositories / o.watchers))} watching, the issue's setup), at ${o.bulkLatencyMs} ms per request. After = GitHub App discovery, the in-memory index, \`trustIndex\`, at ${o.latencyMs} ms per request; no client write budget (the steady workload has it).`,
    '',
    '| push | requests | writes | repositories touched | requests to non-watchers | wall |',
    '|---|---:|---:|---:|---:|---:|',
    pushRow(`before, ${o.before.repositories} repositories, cold`, o.before.cold),
    pushRow(`before, ${o.before.repositories} repositories, warm`, o.before.warm),
    pushRow(`after, ${n(o.repositories)} repositories, cold (first push after discovery)`, o.after.cold),
    pushRow(`after, ${n(o.repositories)} repositories, warm`, o.after.warm),
    '',
    '| cost | requests | of which 304 | primary-limit cost | writes | index writes | wall |',
    '|---|---:|---:|---:|---:|---:|---:|',
    costRow(
      `discovery of ${n(o.repositories)} repositories (list pages + config reads), ${o.latencyMs} ms`,
      o.discovery.first,
    ),
    costRow('discovery again (conditional reads)', o.discovery.second),
    costRow(
      'config `push` event: policy now follows a pushed image',
      o.configChange,
      `: ${o.configChange.outcome}`,
    ),
    costRow('config `push` event: invalid config', o.invalidConfig, `: ${o.invalidConfig.outcome}`),
    costRow(
      `reconcile over ${n(o.repositories)} repositories, new instance, ${o.bulkLatencyMs} ms`,
      o.reconcile.cold,
    ),
    costRow('reconcile again, same instance', o.reconcile.warm),
    '',
    `**Steady organisation workload**: ${s.pushesPerHour} pushes an hour of random images for ${s.minutes} simulated minutes (${s.rate}× clock, ${s.latencyMs} ms per request), ${o.watchers} watchers each, the construct's worker defaults, GitHub's 80/min + 500/h secondary limits and an installation's 12,500/h primary limit: ${s.pushes} pushes asked for ${n(s.updatesDemanded)} policy updates; **${s.updatesApplied} applied** (PRs opened or moved), ${s.writes} writes (${s.writesPerUpdate} per update; peak ${s.peakWritesPerMinute} in a minute, ${s.peakWritesPerHour} in the hour), ${n(s.requests)} requests, ${s.secondaryLimitRefusals} writes refused for the secondary limit, ${s.primaryLimitRefusals} for the primary; push → PR p50 ${s.pushToPrSeconds.p50} s, p95 ${s.pushToPrSeconds.p95} s, max ${s.pushToPrSeconds.max} s (the worker's metric, ${s.latencySamples} samples); ${s.recordsReturned} records returned to the queue, ${s.deadLettered} dead-lettered, ${s.queued} still queued at the end.`,
    '',
  ];
}

/** The performance page's summary rows for the section: [figure, value, target]. */
export function organisationSummary(o: OrganisationFigures, bar: number): [string, string, string][] {
  const a = o.after;
  const b = o.before;
  const s = o.steady;
  return [
    [
      `org push, ${o.watchers} of ${n(o.repositories)} repositories watching the image, cold / warm`,
      `${a.cold.requests} / ${a.warm.requests} requests, **${a.cold.requestsToNonWatchers + a.warm.requestsToNonWatchers} to the others**, ${n(a.cold.wallMs)} / ${n(a.warm.wallMs)} ms (before the index: ${n(b.cold.requests)} / ${n(b.warm.requests)} requests at ${b.repositories} repositories, ~${Math.round(b.warm.requests / b.repositories)} per repository)`,
      `≤ ${bar}, 0 to the others`,
    ],
    [
      `org discovery of ${n(o.repositories)} repositories / again / config push → first PR / → config issue`,
      `${n(o.discovery.first.requests)} / ${n(o.discovery.second.requests)} requests (${n(o.discovery.second.notModified)} × 304: primary-limit cost ${o.discovery.second.primaryLimitCost}) / ${o.configChange.requests} requests, ${o.configChange.indexWrites} index write, ${o.configChange.wallMs} ms / ${o.invalidConfig.wallMs} ms`,
      '',
    ],
    [
      `org reconcile over ${n(o.repositories)} repositories, new instance / same instance`,
      `primary-limit cost ${n(o.reconcile.cold.primaryLimitCost)} / ${n(o.reconcile.warm.primaryLimitCost)} (${n(o.reconcile.cold.requests)} / ${n(o.reconcile.warm.requests)} requests)`,
      '',
    ],
    [
      `org steady workload, ${s.pushesPerHour} pushes/h for ${s.minutes} simulated min under 80/min + 500/h`,
      `${s.updatesApplied} of ${n(s.updatesDemanded)} updates applied, ${s.writesPerUpdate} writes each, push → PR p50 ${s.pushToPrSeconds.p50} s / p95 ${s.pushToPrSeconds.p95} s, ${s.queued} events still queued`,
      '',
    ],
  ];
}
