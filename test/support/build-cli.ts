/**
 * Vitest globalSetup: builds the CLI bundle (dist/cli/, what `npm install` puts on PATH) when it
 * is missing or older than its sources, so tests that spawn the CLI run what users run even when
 * `prepare` did not (a checkout that was edited since, `npm ci --ignore-scripts`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_BUNDLE = join(ROOT, 'dist/cli/image-updater.mjs');
const SOURCES = ['bin', 'lambdas', 'package.json', 'scripts/build-cli.mjs'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function bundleMtime(): number | undefined {
  try {
    return statSync(CLI_BUNDLE).mtimeMs;
  } catch {
    return undefined;
  }
}

export function setup(): void {
  const built = bundleMtime();
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (built !== undefined && built >= sources) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
}
