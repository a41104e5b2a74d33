/**
 * `npm run bench`: every SPEC §10 figure in one run (loopback only), written to
 * bench/results.json (and, for a full run with the defaults, into docs/performance.md)
 * and printed; exits 1 when a figure misses its bar.
 *
 *   npm run bench                        # everything, the construct's defaults
 *   npm run bench -- --only push,tags    # some sections (results go to a temp file)
 *   npm run bench -- --only burst --bursts documented --batch-size 100 --batching-window 20 \
 *     --max-receive-count 20 --max-minutes 300   # one burst against another deployment (temp file)
 *
 * Sections: push (push → PR and duplicates, with the naive script), lifecycle (closed PRs, the
 * dashboard, overlapping policies: requests and writes per push), org (1,000 repositories of
 * one organisation: before and after the image index, discovery, config changes, reconcile, a
 * steady workload), burst (three bursts: GitHub's
 * documented secondary limits, the per-minute limit alone, and the per-minute limit with 10 %
 * injected faults), naive (the naive script over the burst), tags, plan, functions, cli.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchBurst, PRODUCT_DEPLOYMENT, type BurstFigures, type DeploymentModel } from './burst.ts';
import { checkResults } from './checks.ts';
import { benchCli } from './cli.ts';
import { benchFunctions } from './functions.ts';
import { benchNaiveBurst } from './naive-burst.ts';
import { benchOrganisation } from './organisation.ts';
import { benchPlan } from './plan-files.ts';
import { benchPushToPr } from './push-to-pr.ts';
import { benchLifecycle } from './lifecycle.ts';
import { embedInReadme, markdown, PERFORMANCE_DOC, printChecks, readmeSection } from './report.ts';
import type { BenchResults, MachineInfo } from './results.ts';
import { benchTagSelectionInFreshProcess } from './tag-selection.ts';

const SECTIONS = ['push', 'lifecycle', 'org', 'burst', 'naive', 'tags', 'plan', 'functions', 'cli'] as const;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rate: { type: 'string', default: '30' },
    concurrency: { type: 'string' },
    'batch-size': { type: 'string' },
    'batching-window': { type: 'string' },
    'max-receive-count': { type: 'string' },
    'max-minutes': { type: 'string', default: '180' },
    bursts: { type: 'string', default: 'documented,per-minute,faults' },
  },
});

const only = values.only ? new Set(values.only.split(',')) : new Set<string>(SECTIONS);
for (const s of only)
  if (!(SECTIONS as readonly string[]).includes(s))
    throw new Error(`unknown section ${s}; one of ${SECTIONS.join(', ')}`);
const deployment: DeploymentModel = {
  ...PRODUCT_DEPLOYMENT,
  ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
  ...(values['batching-window'] ? { batchingWindowMs: Number(values['batching-window']) * 1000 } : {}),
  ...(values['max-receive-count'] ? { maxReceiveCount: Number(values['max-receive-count']) } : {}),
};
const official =
  only.size === SECTIONS.length && JSON.stringify(deployment) === JSON.stringify(PRODUCT_DEPLOYMENT);

function machine(): MachineInfo {
  const cpu = cpus();
  return {
    nproc: cpu.length,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    node: process.versions.node,
    platform: `${platform()} ${process.arch}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  process.stdout.write(`${name} … `);
  const result = await run();
  console.log(`${Math.round((performance.now() - start) / 100) / 10} s`);
  return result;
};

const started = performance.now();
let results: BenchResults = { startedAt: new Date().toISOString(), machine: machine() };
console.log(
  `image-updater bench on ${results.machine.nproc} × ${results.machine.cpu}, Node.js ${results.machine.node}, ${Math.round(freemem() / 2 ** 30)} GiB free`,
);

if (only.has('push')) results = { ...results, pushToPr: await step('push → PR', () => benchPushToPr()) };
if (only.has('lifecycle'))
  results = {
    ...results,
    lifecycle: await step('pull-request lifecycle and dashboard', () => benchLifecycle()),
  };
if (only.has('org'))
  results = {
    ...results,
    organisation: await step('organisation, 1,000 repositories', () => benchOrganisation()),
  };
if (only.has('burst')) {
  const rate = Number(values.rate);
  const maxMinutes = Number(values['max-minutes']);
  const bursts: Record<string, BurstFigures> = {};
  const common = { rate, latencyMs: 50, deployment, maxMinutes } as const;
  const which = new Set(values.bursts.split(','));
  if (which.has('documented'))
    bursts['documented limits'] = await step('burst, GitHub limits 80/min + 500/h', () =>
      benchBurst({ ...common, limits: 'documented', faults: false, seed: 7 }),
    );
  if (which.has('per-minute'))
    bursts['per-minute limit'] = await step('burst, 80/min', () =>
      benchBurst({ ...common, limits: 'per-minute', faults: false, seed: 7 }),
    );
  if (which.has('faults'))
    bursts['per-minute limit, 10 % faults'] = await step('burst, 80/min, 10 % faults', () =>
      benchBurst({ ...common, limits: 'per-minute', faults: true, seed: 11 }),
    );
  results = { ...results, bursts };
}
if (only.has('naive'))
  results = { ...results, naiveBurst: await step('naive script over the burst', () => benchNaiveBurst()) };
if (only.has('tags'))
  results = {
    ...results,
    tags: await step('tag selection (fresh process)', async () => benchTagSelectionInFreshProcess()),
  };
if (only.has('plan')) results = { ...results, plan: await step('plan over 2,000 files', () => benchPlan()) };
if (only.has('functions'))
  results = { ...results, functions: await step('function bundles', () => benchFunctions()) };
if (only.has('cli')) results = { ...results, cli: await step('CLI start-up', async () => benchCli()) };

const checks = checkResults(results);
results = { ...results, durationSeconds: Math.round((performance.now() - started) / 1000), checks };
const out = official
  ? fileURLToPath(new URL('./results.json', import.meta.url))
  : join(tmpdir(), `image-updater-bench-${Date.now()}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
if (official) {
  // The performance page's figures are generated from the same results, so they cannot drift apart.
  const readme = fileURLToPath(new URL(`../${PERFORMANCE_DOC}`, import.meta.url));
  writeFileSync(readme, embedInReadme(readFileSync(readme, 'utf8'), readmeSection(results)));
}

console.log(`\n${markdown(results)}`);
printChecks(checks);
const missed = checks.filter((c) => !c.ok);
console.log(
  `\n${checks.length - missed.length}/${checks.length} checks pass; results in ${out} (${results.durationSeconds} s)`,
);
if (missed.length > 0) {
  console.error(
    `SPEC §10 missed: ${missed.map((c) => `${c.figure} = ${c.value} (bar ${c.bar})`).join('; ')}`,
  );
  process.exitCode = 1;
}
