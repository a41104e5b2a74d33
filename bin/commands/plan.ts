import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { formatConfigIssue } from '../../lambdas/config/errors.ts';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../lambdas/config/load.ts';
import { LocalRepoFiles } from '../../lambdas/adapters/local/repo-files.ts';
import {
  canonicalImageName,
  formatImageReference,
  parseImageReference,
} from '../../lambdas/core/image/reference.ts';
import { combineUnits } from '../../lambdas/core/plan/combine.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import { CliInputError, EXIT, type Command } from './io.ts';
import { parseTagList } from './tag-list-file.ts';

/**
 * `plan --repo-dir DIR --push IMAGE:TAG[@DIGEST] [--tags FILE] [--json] [--write]`: what the
 * updater would do for that push. Exit 0 whether or not it plans changes; 2 on invalid input.
 */
export const plan: Command = async (args, io) => {
  const { values } = parseArgs({
    args,
    options: {
      'repo-dir': { type: 'string' },
      push: { type: 'string' },
      tags: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values['repo-dir']) throw new CliInputError('--repo-dir DIR is required');
  if (!values.push) throw new CliInputError('--push IMAGE:TAG[@DIGEST] is required');
  const push = parseImageReference(values.push);
  if (!push?.tag)
    throw new CliInputError(
      `--push ${JSON.stringify(values.push)} is not IMAGE:TAG[@DIGEST] with a valid OCI tag`,
    );
  const image = formatImageReference({ ...push, tag: undefined, digest: undefined });
  const dir = resolve(io.cwd, values['repo-dir']);
  const configPath = values.config ?? DEFAULT_CONFIG_PATH;
  const repo = new LocalRepoFiles(dir);
  const configText = await repo.readFile(configPath);
  if (configText === undefined) throw new CliInputError(`no ${configPath} in ${values['repo-dir']}`);
  const loaded = parseConfig(configText);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatConfigIssue(configPath, issue)}\n`);
    throw new CliInputError(`${configPath} is invalid; nothing planned`);
  }
  const tagLists = values.tags
    ? new Map([
        [canonicalImageName(image) ?? image, parseTagList(readTags(values.tags, io.cwd), values.tags)],
      ])
    : undefined;

  const result = await planUpdates({
    config: loaded.config,
    repo,
    pushes: [{ image, tag: push.tag, ...(push.digest ? { digest: push.digest } : {}), pushedAt: new Date() }],
    ...(tagLists ? { tagLists } : {}),
    configPath,
  });
  const combined = combineUnits(result.units, result.scan);
  const problems = [...result.problems, ...combined.problems];
  const written = new Set(combined.files.map((f) => f.file));

  if (values.json) {
    io.stdout(
      `${JSON.stringify(
        {
          // What the diff and --write contain: a file two units contradict on is left out.
          changes: result.units.flatMap((u) =>
            u.files
              .filter((f) => written.has(f.file))
              .flatMap((f) =>
                f.changes.map((c) => ({
                  policy: c.policy,
                  file: f.file,
                  line: c.line,
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
          decisions: result.decisions.map((d) => ({
            policy: d.policy.name,
            outcome: d.outcome,
            reason: d.reason,
            ...(d.from ? { from: d.from.tag } : {}),
            ...(d.to ? { to: d.to.tag } : {}),
            ...(d.updateType ? { updateType: d.updateType } : {}),
          })),
          problems,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    for (const f of combined.files) io.stdout(unifiedDiff(f.file, f.before, f.after));
    io.stdout(`${combined.files.length > 0 ? '\n' : ''}Policies watching ${image}:\n`);
    for (const d of result.decisions) io.stdout(`  ${d.policy.name}: ${d.outcome} (${d.reason})\n`);
    if (result.decisions.length === 0) io.stdout('  none\n');
    io.stdout(result.units.length > 0 ? 'Changes:\n' : 'No changes.\n');
    for (const u of result.units) {
      const how =
        u.update === 'commit'
          ? `commit to ${u.baseBranch ?? 'the default branch'}`
          : `pull request ${u.branch}${u.automerge ? ', auto-merge' : ''}`;
      io.stdout(`  ${how}: ${u.title}\n${u.files.map((f) => `    ${f.file}\n`).join('')}`);
    }
    for (const p of problems)
      io.stderr(`${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: ${p.message}\n`);
  }
  if (values.write) {
    for (const f of combined.files) await repo.writeFile(f.file, f.after);
  }
  return EXIT.ok;
};

/** `git diff`-style patch; `diff` puts a tab after empty headers, git does not. */
function unifiedDiff(file: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 })
    .replace(/^=+\n/, '')
    .replace(/^(---|\+\+\+) (.*?)\t?$/gm, '$1 $2');
}

function readTags(file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new CliInputError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
