/**
 * Builds each function bundle exactly as `cdk synth` does (lib/function-bundling.ts) and reports
 * its minified size and its cold import time: a fresh Node process importing the bundle, the
 * median of several runs (SPEC §10: under 1 MB, under 300 ms).
 *
 *   npx tsx scripts/measure-functions.ts [--runs 9] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, handlerEntry, REQUIRE_SHIM, TSCONFIG } from '../lib/function-bundling.ts';

const FUNCTIONS = { worker: 'worker-main.ts', reconcile: 'reconcile-main.ts' } as const;

/** What the construct sets; the values only need to parse (nothing is called at import). */
const FUNCTION_ENV = {
  AWS_REGION: 'eu-west-1',
  WATCHED_REPOS: '[{"repo":"acme/gitops"}]',
  GITHUB_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf',
  GITHUB_AUTH: 'app',
};

export interface FunctionMeasurement {
  readonly name: string;
  readonly bytes: number;
  readonly importMs: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
  };
}

export async function measureFunctions(runs = 9): Promise<FunctionMeasurement[]> {
  const dir = mkdtempSync(join(tmpdir(), 'iu-functions-'));
  const results: FunctionMeasurement[] = [];
  try {
    for (const [name, entry] of Object.entries(FUNCTIONS)) {
      const outfile = join(dir, name, 'index.mjs');
      await build({
        entryPoints: [handlerEntry(entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: BUNDLING.target ?? 'node22',
        minify: BUNDLING.minify ?? false,
        keepNames: BUNDLING.keepNames ?? false,
        mainFields: [...(BUNDLING.mainFields ?? [])],
        banner: { js: REQUIRE_SHIM },
        tsconfig: TSCONFIG,
        logLevel: 'error',
      });
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const out = execFileSync(
          process.execPath,
          [
            '--no-warnings',
            '--input-type=module',
            '-e',
            `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
          ],
          { env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV }, encoding: 'utf8' },
        );
        times.push(Number(out.trim()));
      }
      times.sort((a, b) => a - b);
      const round = (n: number) => Math.round(n * 10) / 10;
      results.push({
        name,
        bytes: statSync(outfile).size,
        importMs: {
          median: round(times[Math.floor(times.length / 2)]!),
          min: round(times[0]!),
          max: round(times.at(-1)!),
          runs,
        },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;
  const results = await measureFunctions(runs);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else
    for (const r of results)
      console.log(
        `${r.name}: ${(r.bytes / 1024).toFixed(0)} KiB, cold import median ${r.importMs.median} ms (min ${r.importMs.min}, max ${r.importMs.max}, ${r.importMs.runs} runs)`,
      );
}
