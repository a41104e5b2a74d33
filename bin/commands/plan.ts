import { constants } from 'node:os';
import { createTwoFilesPatch } from 'diff';
import { combineUnits } from '../../lambdas/core/plan/combine.ts';
import { decisionSummary } from '../../lambdas/core/plan/decide.ts';
import { planUpdates, type Plan } from '../../lambdas/core/plan/plan.ts';
import type { FileProblem } from '../../lambdas/core/plan/scan.ts';
import { printable, printableText } from '../../lambdas/core/plan/printable.ts';
import { parseFlags, planDefinition, type PlanFlags } from './definitions.ts';
import { EXIT, type CliIo, type Command } from './io.ts';
import { readPlanInput } from './plan-input.ts';
import { defined } from '../../lambdas/objects.ts';
import { STOP_SIGNALS } from '../../lambdas/handlers/serve-signals.ts';

type Combined = ReturnType<typeof combineUnits>;

/**
 * `plan --repo-dir DIR --push IMAGE:TAG[@DIGEST] [--tags FILE] [--json] [--write]`: what the
 * updater would do for that push; `--promote POLICY` instead of `--push`: what that promote
 * policy would propose now (docs/promotion.md). Exit 0 whether or not it plans changes; 2 on invalid input.
 */
export const plan: Command = async (args, io) => {
  const values = parseFlags<PlanFlags>(planDefinition(), args, io);
  if (!values) return EXIT.ok;
  const { image, tag, digest, promote, repo, configPath, config, tagLists } = await readPlanInput(values, io);
  // The push is taken as happening now: `minimumReleaseAge` then says until when it is held.
  const now = new Date();
  const result = await planUpdates({
    config,
    repo,
    ...(promote
      ? {
          policies: [promote],
          // A checkout is one tree: every base branch reads its files.
          promotion: { defaultBranch: values.defaultBranch, filesOn: async () => repo },
        }
      : { pushes: [{ image, tag: tag!, ...(digest ? { digest } : {}), pushedAt: now }] }),
    ...defined({ tagLists }),
    configPath,
    now,
  });
  const combined = combineUnits(result.units, result.scan);
  const problems = [...result.problems, ...combined.problems];
  // Written before anything is printed, so that the output can say what was.
  if (values.write) {
    const { written: done, stoppedBy } = await writeAll(repo, combined.files);
    if (stoppedBy !== undefined) {
      io.stderr(
        `image-updater plan: stopped by ${stoppedBy} after writing ${done.length} of ${combined.files.length} files (each whole); the others are unchanged\n`,
      );
      return 128 + (constants.signals[stoppedBy] ?? 0);
    }
  }

  if (values.json)
    io.stdout(`${JSON.stringify(planJson(result, combined, problems, values.write), null, 2)}\n`);
  else {
    const heading = promote
      ? `Promotion of ${promote.name} (follows ${promote.promote?.from ?? ''})`
      : `Policies watching ${image}`;
    printPlan(io, heading, result, combined, problems);
  }
  if (values.write && !values.json) io.stdout(wroteLine(combined.files.map((f) => f.file)));
  return EXIT.ok;
};

/** `--json`: what the diff and `--write` contain, the PRs and commits, and every decision. */
function planJson(
  result: Plan,
  combined: Combined,
  problems: readonly FileProblem[],
  write: boolean | undefined,
) {
  const written = new Set(combined.files.map((f) => f.file));
  return {
    // What the diff and --write contain: a file two units contradict on is left out.
    changes: result.units.flatMap((u) =>
      u.files
        .filter((f) => written.has(f.file))
        .flatMap((f) =>
          f.changes.map((c) => ({
            policy: c.policy,
            file: f.file,
            line: c.line,
            image: c.image ?? null,
            from: c.from,
            to: c.to,
          })),
        ),
    ),
    pullRequests: result.units
      .filter((u) => u.update === 'pull-request')
      .map((u) => ({
        branch: u.branch,
        title: u.title,
        files: u.files.map((f) => f.file),
        automerge: u.automerge,
        updateType: u.updateType,
      })),
    // `update: commit` units: pushed straight to the base branch, no PR.
    commits: result.units
      .filter((u) => u.update === 'commit')
      .map((u) => ({
        branch: u.baseBranch ?? null,
        message: u.commitMessage,
        files: u.files.map((f) => f.file),
      })),
    decisions: result.decisions.map(decisionSummary),
    // Promote policies: what their source runs, where (null when its references disagree).
    ...(result.decisions.some((d) => d.promotion)
      ? {
          promotions: result.decisions.flatMap((d) =>
            d.promotion
              ? [
                  {
                    policy: d.policy.name,
                    from: d.promotion.from,
                    baseBranch: d.promotion.baseBranch,
                    tag: d.promotion.target?.tag ?? null,
                    digest: d.promotion.target?.digest ?? null,
                    at: d.promotion.at ?? null,
                  },
                ]
              : [],
          ),
        }
      : {}),
    problems,
    ...(write ? { written: combined.files.map((f) => f.file) } : {}),
  };
}

/** The human output: the diff, each policy's decision, the changes, problems on stderr. */
function printPlan(
  io: CliIo,
  heading: string,
  result: Plan,
  combined: Combined,
  problems: readonly FileProblem[],
): void {
  for (const f of combined.files) io.stdout(unifiedDiff(f.file, f.before, f.after));
  io.stdout(`${combined.files.length > 0 ? '\n' : ''}${printable(heading)}:\n`);
  for (const d of result.decisions) io.stdout(`  ${d.policy.name}: ${d.outcome} (${printable(d.reason)})\n`);
  if (result.decisions.length === 0) io.stdout('  none\n');
  io.stdout(result.units.length > 0 ? 'Changes:\n' : 'No changes.\n');
  for (const u of result.units) {
    const how =
      u.update === 'commit'
        ? `commit to ${u.baseBranch ?? 'the default branch'}`
        : `pull request ${u.branch}${u.automerge ? ', auto-merge' : ''}`;
    io.stdout(
      `  ${how}: ${printable(u.title)}\n${u.files.map((f) => `    ${printable(f.file)}\n`).join('')}`,
    );
  }
  for (const p of problems)
    io.stderr(
      `${printable(p.file)}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: ${printable(p.message)}\n`,
    );
}

/**
 * `git diff`-style patch; `diff` puts a tab after empty headers, git does not. A newline in a
 * file name would forge a header, an ESC in a file colour the terminal: both are shown escaped.
 */
function unifiedDiff(file: string, before: string, after: string): string {
  const name = printable(file);
  const [a, b] = [printableText(before), printableText(after)];
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, a, b, undefined, undefined, { context: 3 })
    .replace(/^=+\n/, '')
    .replace(/^(---|\+\+\+) (.*?)\t?$/gm, '$1 $2');
}

/**
 * Writes file after file; a stop signal (Ctrl-C, SIGTERM, a closed terminal) ends the loop between
 * two files instead of killing the process between a temp file and its rename, which left the
 * temp file behind and said nothing of what was written. Handlers only while writing: elsewhere
 * the CLI dies of a signal as any program does.
 */
async function writeAll(
  repo: { writeFile(path: string, text: string): Promise<void> },
  files: readonly { readonly file: string; readonly after: string }[],
): Promise<{ written: string[]; stoppedBy?: NodeJS.Signals }> {
  let stoppedBy: NodeJS.Signals | undefined;
  const handlers = STOP_SIGNALS.map((signal) => [signal, () => void (stoppedBy ??= signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const written: string[] = [];
  try {
    for (const f of files) {
      if (stoppedBy !== undefined) break;
      await repo.writeFile(f.file, f.after);
      written.push(f.file);
    }
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
  return stoppedBy === undefined ? { written } : { written, stoppedBy };
}

/** Without it, `--write`'s output is a dry run's, and a user cannot tell whether anything changed. */
function wroteLine(files: readonly string[]): string {
  if (files.length === 0) return 'wrote no files\n';
  return `wrote ${files.length} file${files.length === 1 ? '' : 's'}: ${files.map(printable).join(', ')}\n`;
}
