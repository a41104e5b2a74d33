/**
 * The CLI as `npm ci` installs it (scripts/build-cli.mjs into a temporary folder): start-up of
 * `image-updater --help` and of a command's `--help` in fresh processes, the median of several
 * runs, beside a bare `node -e 0` (what no program can go below). SPEC §9: under 150 ms.
 * On its own: `npm run bench -- --only cli`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliFigures {
  readonly runs: number;
  /** `image-updater --help`, median ms. */
  readonly helpMs: number;
  /** `image-updater plan --help`, median ms. */
  readonly commandHelpMs: number;
  /** `node -e 0`, median ms: the floor. */
  readonly nodeMs: number;
  /** The entry file `--help` loads (commands are chunks loaded when they run). */
  readonly entryBytes: number;
}

function medianMs(runs: number, args: readonly string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

export function benchCli(runs = 11): CliFigures {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const outdir = join(mkdtempSync(join(tmpdir(), 'iu-bench-cli-')), 'cli');
  try {
    execFileSync(process.execPath, [join(root, 'scripts/build-cli.mjs'), '--outdir', outdir], {
      stdio: 'inherit',
    });
    const entry = join(outdir, 'image-updater.mjs');
    return {
      runs,
      helpMs: medianMs(runs, [entry, '--help']),
      commandHelpMs: medianMs(runs, [entry, 'plan', '--help']),
      nodeMs: medianMs(runs, ['-e', '0']),
      entryBytes: statSync(entry).size,
    };
  } finally {
    rmSync(join(outdir, '..'), { recursive: true, force: true });
  }
}
