/** The bench's console table and the README tables, both from bench/results.json's data. */
import { PRODUCT_DEPLOYMENT } from './burst.ts';
import { orgPushBar, type Check } from './checks.ts';
import { organisationMarkdown, organisationSummary } from './report-org.ts';
import type { BenchResults } from './results.ts';

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const ratio = (a: number, b: number) => (b === 0 ? '–' : `${Math.round((a / b) * 10) / 10}×`);

export function markdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `Measured by \`npm run bench\` on ${r.startedAt.slice(0, 10)}: ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node.js ${m.node} (${m.platform}); loopback only.`,
    '',
  );
  if (r.pushToPr) {
    const p = r.pushToPr;
    out.push(
      `**Push → PR** inside the worker (one ECR event in an SQS record, one policy, one file) against the GitHub test server with ${p.latencyMs} ms injected per request. Cold = the instance's first event for the repository; requests include conditional reads answered \`304\`.`,
      '',
      '| scenario | wall ms | requests | round trips | writes | result |',
      '|---|---:|---:|---:|---:|---|',
    );
    for (const [name, s] of Object.entries(p.scenarios))
      out.push(`| ${name} | ${s.wallMs} | ${s.requests} | ${s.roundTrips} | ${s.writes} | ${s.outcome} |`);
    for (const [name, s] of Object.entries(p.naive))
      out.push(
        `| naive script: ${name} | ${s.wallMs} | ${s.requests} | ${s.roundTrips} | ${s.writes} | ${s.outcome} |`,
      );
    out.push('');
  }
  if (r.lifecycle) {
    out.push(
      `**Pull-request lifecycle and dashboard**, push after push in one repository (one policy, \`range: <2.0.0\`, one file; a warm instance; ${r.lifecycle.latencyMs} ms per request). Writes count every write request, by GitHub operation.`,
      '',
      '| step | requests | round trips | writes | what was written | afterwards |',
      '|---|---:|---:|---:|---|---|',
    );
    for (const [name, s] of Object.entries(r.lifecycle.steps))
      out.push(
        `| ${name} | ${s.requests} | ${s.roundTrips} | ${s.writes} | ${s.wrote.join(', ') || '–'} | ${s.outcome} |`,
      );
    out.push('');
  }
  if (r.organisation) out.push(...organisationMarkdown(r.organisation));
  const bursts = Object.entries(r.bursts ?? {});
  if (bursts.length > 0) {
    const [, first] = bursts[0]!;
    const d = first.deployment;
    out.push(
      `**Burst**: ${first.events} ECR events over ${first.images} images (${first.groups} groups of ${first.images / first.groups}, one semver policy each) into one environment repository, arriving within a minute; ${d.concurrency} worker instances take SQS batches of ${d.batchSize} (${d.batchingWindowMs / 1000} s window, ${d.functionTimeoutMs / 1000} s timeout, ${d.visibilityTimeoutMs / 60_000} min visibility, dead-letter queue after ${d.maxReceiveCount} receives${JSON.stringify(d) === JSON.stringify(PRODUCT_DEPLOYMENT) ? ": the construct's defaults" : ''}), ${first.writesPerMinutePerInstance} writes a minute each. GitHub's primary limit (5,000/h) is enforced; the secondary limit as stated per column. Time is simulated ${[...new Set(bursts.map(([, b]) => b.clockRate))].join('× / ')}× faster than real (latency ${first.latencyMs} ms, rate-limit windows, \`retry-after\`, budgets, timeouts and visibility all scaled; CPU is not, so durations are pessimistic).`,
      '',
      `| | ${bursts.map(([name]) => name).join(' | ')} |${r.naiveBurst ? ' naive script |' : ''}`,
      `|---|${bursts.map(() => '---:').join('|')}|${r.naiveBurst ? '---:|' : ''}`,
    );
    const n = r.naiveBurst;
    const row = (
      label: string,
      f: (b: (typeof bursts)[number][1]) => string | number,
      naive?: string | number,
    ) =>
      out.push(`| ${label} | ${bursts.map(([, b]) => f(b)).join(' | ')} |${n ? ` ${naive ?? '–'} |` : ''}`);
    row(
      'secondary limit enforced',
      (b) => (b.limits === 'documented' ? '80/min + 500/h' : '80/min'),
      'off (computed below)',
    );
    row(
      'policies at the greatest allowed tag',
      (b) => `${b.policiesAtExpected} / ${b.images}`,
      n ? `${n.pullRequests - n.pullRequestsNotAtExpected} PRs at it` : undefined,
    );
    row(
      'open PRs (duplicates)',
      (b) => `${b.openPullRequests} (${b.duplicatePullRequests})`,
      n?.pullRequests,
    );
    row('GitHub requests', (b) => b.requests, n?.requests);
    row('… of which `304 Not Modified`', (b) => b.notModified, '–');
    row('content-creating requests', (b) => b.writes, n?.writes);
    row(
      'peak content-creating requests in a minute / an hour',
      (b) => `${b.peakWritesPerMinute} / ${b.peakWritesPerHour}`,
      n ? `${n.hoursUnderSecondaryLimits} h needed` : undefined,
    );
    row('writes refused by GitHub for the limit (not injected)', (b) => b.secondaryLimitRefusals);
    row('injected faults (share of requests)', (b) =>
      b.faultShare > 0
        ? `${Object.entries(b.faultsInjected)
            .map(([k, v]) => `${v} × ${k}`)
            .join(', ')} (${b.faultShare} %)`
        : '–',
    );
    row('worker invocations / timeouts', (b) => `${b.eventSource.invocations} / ${b.eventSource.timeouts}`);
    row('records returned to the queue', (b) => b.eventSource.recordsFailed);
    row(
      'why (worker failures by kind)',
      (b) =>
        Object.entries(failureKinds(b.workerErrors))
          .map(([k, v]) => `${v} × ${k}`)
          .join(', ') || '–',
    );
    row(
      'events dead-lettered (+ still queued)',
      (b) => `${b.deadLettered} (+${b.undrained})`,
      n ? `${n.failedRuns} failed runs` : undefined,
    );
    row('simulated minutes to drain', (b) => b.drainMinutes);
    out.push('');
  }
  if (r.tags || r.plan || r.functions) {
    out.push('| figure | measured | target |', '|---|---:|---|');
    if (r.tags) {
      out.push(`| tag selection, 10,000 tags (slowest strategy and order) | ${r.tags.tags10k_ms} ms | |`);
      out.push(
        `| tag selection, 100,000 tags (slowest strategy and order, the adversarial one included) | ${r.tags.tags100k_ms} ms | < 100 ms |`,
      );
      out.push(
        `| tag selection, 100,000 tags as registries list them (shuffled, oldest first, newest first; slowest strategy) | ${listingOrderMs(r.tags)} ms | |`,
      );
    }
    if (r.plan) {
      out.push(
        `| plan over ${r.plan.files} files, policy selecting every file | ${r.plan.wholeRepoMs} ms | |`,
      );
      out.push(`| plan over ${r.plan.files} files, policy scoped to one app | ${r.plan.scopedMs} ms | |`);
    }
    for (const f of r.functions ?? []) {
      out.push(
        `| ${f.name} initial bundle (minified) / cold import, median of ${f.importMs.runs} | ${kb(f.bytes)} / ${f.importMs.median} ms | ${f.name === 'worker' ? '< 1 MB / < 300 ms' : ''} |`,
      );
      for (const [chunk, bytes] of Object.entries(f.lazyChunks ?? {}))
        out.push(`| ${f.name} chunk loaded on first use: ${chunk} | ${kb(bytes)} | |`);
    }
    out.push('');
  }
  if (r.pushToPr && r.naiveBurst && r.bursts) {
    const ours = r.pushToPr.scenarios['pull-request warm'];
    const naive = r.pushToPr.naive.push;
    const burst = r.bursts['documented limits'] ?? Object.values(r.bursts)[0];
    if (ours && naive && burst) {
      out.push(
        '**Against the naive script** (naive ÷ image-updater):',
        '',
        `- one push: ${ratio(naive.requests, ours.requests)} the requests, ${ratio(naive.roundTrips, ours.roundTrips)} the round trips, ${ratio(naive.writes, ours.writes)} the writes; a duplicate or older event: ${r.pushToPr.naive.older?.outcome ?? '?'} vs no write;`,
        `- the burst: ${ratio(r.naiveBurst.requests, burst.requests)} the requests, ${ratio(r.naiveBurst.writes, burst.writes)} the writes, ${ratio(r.naiveBurst.pullRequests, burst.openPullRequests)} the pull requests (${r.naiveBurst.pullRequests} vs ${burst.openPullRequests}), ${r.naiveBurst.pullRequestsNotAtExpected} of them at a tag the policy would not choose.`,
        '',
      );
    }
  }
  return out.join('\n');
}

/** The slowest 100,000-tag figure over the orders registries really list in. */
function listingOrderMs(t: NonNullable<BenchResults['tags']>): number {
  return Math.max(
    ...(['semver', 'calver', 'numerical'] as const).flatMap((s) => [
      t[`${s}100k_ms`],
      t[`${s}100k_ascending_ms`],
      t[`${s}100k_descending_ms`],
    ]),
  );
}

/** Worker failure log lines, by what a reader needs to know. */
function failureKinds(errors: Readonly<Record<string, number>>): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const [line, n] of Object.entries(errors)) {
    const kind = /budget of this instance spent/.test(line)
      ? 'write budget spent'
      : /instance was stopped/.test(line)
        ? 'cut off by a timeout'
        : /GITHUB_RATE_LIMITED/.test(line)
          ? 'GitHub rate limit'
          : /CONCURRENT_UPDATE/.test(line)
            ? 'lost every race of its attempts'
            : /GITHUB_SERVER_ERROR/.test(line)
              ? 'GitHub 5xx after retries'
              : (/: ([A-Z_]+) /.exec(line)?.[1] ?? 'other');
    kinds[kind] = (kinds[kind] ?? 0) + n;
  }
  return kinds;
}

export function printChecks(checks: readonly Check[]): void {
  const width = Math.max(...checks.map((c) => c.figure.length));
  for (const c of checks)
    console.log(`${c.ok ? 'ok  ' : 'MISS'}  ${c.figure.padEnd(width)}  ${c.value}  (bar ${c.bar})`);
}

/** The file whose measured figures `npm run bench` rewrites, relative to the repository root. */
export const PERFORMANCE_DOC = 'docs/performance.md';

/** The performance page's figures sit between these lines; `npm run bench` rewrites them. */
export const README_BEGIN =
  '<!-- bench:begin: generated by `npm run bench` from bench/results.json; edits here are overwritten -->';
export const README_END = '<!-- bench:end -->';

const n = (x: number) => x.toLocaleString('en-US');

/**
 * The performance page's summary table (each figure next to its target) and, folded, every table
 * of the run: generated, so the page cannot drift from bench/results.json.
 */
export function readmeSection(r: BenchResults): string {
  const m = r.machine;
  const checks = r.checks ?? [];
  const passed = checks.filter((c) => c.ok).length;
  const out: string[] = [
    `Figures from the committed \`bench/results.json\` (${r.startedAt.slice(0, 10)}; ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.platform}; loopback${r.pushToPr ? `, GitHub test server with ${r.pushToPr.latencyMs} ms per request` : ''}; run took ${r.durationSeconds ?? '?'} s; **${passed}/${checks.length} checks pass**):`,
    '',
    '| figure | value | target |',
    '|---|---|---|',
  ];
  const row = (figure: string, value: string, bar = '') => out.push(`| ${figure} | ${value} | ${bar} |`);
  const s = r.pushToPr?.scenarios ?? {};
  const rt = (x: { roundTrips: number } | undefined) => x?.roundTrips ?? '?';
  const rq = (x: { requests: number } | undefined) => x?.requests ?? '?';
  const ms = (x: { wallMs: number } | undefined) => `${x?.wallMs ?? '?'} ms`;
  if (r.pushToPr) {
    const [cold, warm, update] = [s['pull-request cold'], s['pull-request warm'], s['pull-request update']];
    const [amCold, amWarm] = [s['auto-merge cold'], s['auto-merge warm']];
    const [cCold, cWarm] = [s['commit cold'], s['commit warm']];
    const quiet = Object.entries(s).filter(([k]) => /duplicate|older/.test(k));
    row(
      'push → PR, PR mode, first event of an instance',
      `${rt(cold)} round trips, ${rq(cold)} requests, ${cold?.writes ?? '?'} writes, ${ms(cold)}`,
      '≤ 7, ≤ 12',
    );
    row(
      'push → PR, PR mode, warm',
      `${rt(warm)} round trips, ${rq(warm)} requests, ${ms(warm)}`,
      '≤ 7, ≤ 12',
    );
    row(
      'push → PR with auto-merge, cold / warm',
      `${rt(amCold)} / ${rt(amWarm)} round trips, ${rq(amCold)} / ${rq(amWarm)} requests, ${ms(amCold)} / ${ms(amWarm)}`,
      '≤ 7',
    );
    row(
      'push → commit on the base branch (`update: commit`), cold / warm',
      `${rt(cCold)} / ${rt(cWarm)} round trips, ${rq(cCold)} / ${rq(cWarm)} requests, ${ms(cCold)} / ${ms(cWarm)}`,
      '≤ 7',
    );
    row('newer push updating the PR', `${rt(update)} round trips, ${rq(update)} requests, ${ms(update)}`);
    row(
      'duplicate event / older event (PR, auto-merge and commit modes)',
      `${Math.max(...quiet.map(([, x]) => x.roundTrips))} round trips at most, ${Math.max(...quiet.map(([, x]) => x.requests))} requests at most, **${quiet.reduce((sum, [, x]) => sum + x.writes, 0)} writes**`,
      'no write',
    );
  }
  if (r.lifecycle) {
    const steps = Object.entries(r.lifecycle.steps);
    const quiet = steps.filter(([k]) => /again|nothing changed|a held push/.test(k));
    const cost = (match: string) => {
      const x = steps.find(([k]) => k.includes(match))?.[1];
      return x ? `${x.requests} requests, ${x.writes} writes` : '?';
    };
    row(
      "PR lifecycle: a person's close answered / a newer tag after it / the PR moving on",
      `${cost('answers the close')} / ${cost('after the close')} / ${cost('the PR moves')} (the dashboard's line included)`,
      'PR update ≤ 2 writes',
    );
    row(
      'PR lifecycle: repeated and held pushes, a reconcile that changes nothing',
      `${Math.max(...quiet.map(([, x]) => x.requests))} requests at most, **${quiet.reduce((sum, [, x]) => sum + x.writes, 0)} writes** (dashboard included)`,
      'no write',
    );
  }
  if (r.organisation)
    for (const [figure, value, bar] of organisationSummary(
      r.organisation,
      orgPushBar(r.organisation.watchers),
    ))
      row(figure, value, bar);
  for (const [name, b] of Object.entries(r.bursts ?? {})) {
    const faults = Object.entries(b.faultsInjected)
      .map(([k, v]) => `${v} × ${k.replace('status ', '')}`)
      .join(', ');
    const setting =
      b.limits === 'documented'
        ? "GitHub's documented 80/min **and 500/hour** secondary limits"
        : 'the 80/min secondary limit only';
    row(
      `burst ${name}: ${n(b.events)} ECR events, ${b.images} images, ${b.groups} groups, ${b.deployment.concurrency} workers, batches of ${n(b.deployment.batchSize)}, ${setting}${b.faultShare > 0 ? `, injected faults ${faults} (${b.faultShare} % of ${n(b.requests)} requests; 502 = server error, 403 = secondary limit with \`retry-after\`, 422 = non-fast-forward)` : ''}${b.baseCommitsByOthers > 0 ? `, plus ${b.baseCommitsByOthers} commits to \`main\` by someone else` : ''}`,
      `${b.policiesAtExpected}/${b.images} policies at the greatest allowed tag, ${b.openPullRequests} PRs, ${b.duplicatePullRequests} duplicate PRs, ${b.deadLettered} dead-lettered, ${b.undrained} left queued; ${n(b.requests)} requests, ${b.writes} content-creating (peak ${b.peakWritesPerMinute} in a minute), ${b.secondaryLimitRefusals} refused for the limit; drained in ${b.drainMinutes} simulated minutes`,
      `${b.images}/${b.images}, ≤ 1 PR per group, 0 lost, ≤ 80/min${b.limits === 'documented' ? ', ≤ 500/h' : ''}`,
    );
  }
  const nb = r.naiveBurst;
  const ref = r.bursts?.['documented limits'] ?? Object.values(r.bursts ?? {})[0];
  if (nb && ref)
    row(
      'naive script (branch + Contents-API PUT per file + new PR per push) on the same burst',
      `${n(nb.pullRequests)} PRs, ${nb.pullRequestsNotAtExpected} of them not at the greatest tag, ${n(nb.requests)} requests, ${n(nb.writes)} writes (~${nb.hoursUnderSecondaryLimits} h of secondary-limit budget): **${ratio(nb.writes, ref.writes)} the writes, ${ratio(nb.pullRequests, ref.openPullRequests)} the PRs** of the documented-limits burst`,
    );
  if (r.tags)
    row(
      'tag selection, 10,000 / 100,000 tags (slowest strategy and order, adversarial order included); 100,000 as registries list them',
      `${r.tags.tags10k_ms} ms / ${r.tags.tags100k_ms} ms; ${listingOrderMs(r.tags)} ms`,
      '< 100 ms',
    );
  if (r.plan)
    row(
      `plan over ${n(r.plan.files)} generated manifests (${r.plan.policies} policies)`,
      `${r.plan.wholeRepoMs} ms whole repo, ${r.plan.scopedMs} ms scoped by \`files\``,
    );
  if (r.functions)
    row(
      `bundles (minified) / cold import (fresh Node, median of ${r.functions[0]?.importMs.runs ?? '?'})`,
      r.functions.map((f) => `${f.name} ${kb(f.bytes)} / ${f.importMs.median} ms`).join(', '),
      'worker < 1 MB, < 300 ms',
    );
  if (r.cli)
    row(
      `CLI start-up in a fresh process (median of ${r.cli.runs}): \`--help\` / \`plan --help\` / bare \`node -e 0\``,
      `${r.cli.helpMs} ms / ${r.cli.commandHelpMs} ms / ${r.cli.nodeMs} ms (entry ${kb(r.cli.entryBytes)})`,
      '< 150 ms',
    );
  out.push(
    '',
    '<details><summary>Every table of this run</summary>',
    '',
    markdown(r).trim(),
    '',
    '</details>',
  );
  return out.join('\n');
}

/** `readme` with the text between the bench markers replaced by `section`. */
export function embedInReadme(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin)
    throw new Error(`${PERFORMANCE_DOC} lacks the lines ${README_BEGIN} … ${README_END}`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n\n${section}\n\n${readme.slice(end)}`;
}
