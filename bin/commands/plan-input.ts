import { lstat, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LocalRepoFiles } from '../../lambdas/adapters/local/repo-files.ts';
import { formatConfigIssue } from '../../lambdas/core/config.ts';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../lambdas/config/load.ts';
import type { Config, ConfigLoadResult, Policy } from '../../lambdas/core/config.ts';
import { checkConfigInRepo } from '../../lambdas/core/plan/overlap.ts';
import { canonicalImageName, formatImageReference } from '../../lambdas/core/image/reference.ts';
import { isConfinedPath } from '../../lambdas/core/plan/scan.ts';
import type { TagCandidate } from '../../lambdas/core/tags/index.ts';
import { LIMITS, type PlanFlags } from './definitions.ts';
import { CliInputError, type CliIo } from './io.ts';
import { parsePushFlag } from './push-flag.ts';
import { errorCode, readInput } from './read-input.ts';
import { parseTagList } from './tag-list-file.ts';

export interface PlanInput {
  readonly image: string;
  /** The push (`--push`); unset with `--promote`. */
  readonly tag?: string;
  readonly digest: string | undefined;
  /** `--promote`: the promote policy to plan. */
  readonly promote?: Policy;
  readonly repo: LocalRepoFiles;
  readonly configPath: string;
  readonly config: Config;
  readonly tagLists: ReadonlyMap<string, readonly TagCandidate[]> | undefined;
}

/** `plan`'s flags → what the planner needs; each problem is one CliInputError saying which. */
export async function readPlanInput(flags: PlanFlags, io: CliIo): Promise<PlanInput> {
  if (!flags.repoDir) throw new CliInputError('--repo-dir DIR is required');
  if (flags.promote !== undefined) return readPromoteInput(flags, flags.repoDir, flags.promote, io);
  if (!flags.push) throw new CliInputError('--push IMAGE:TAG[@DIGEST] (or --promote POLICY) is required');
  const push = parsePushFlag(flags.push);
  const image = formatImageReference({ ...push, tag: undefined, digest: undefined });
  const { repo, configPath, loaded } = await readRepoConfig(
    flags.repoDir,
    flags.config,
    flags.defaultBranch,
    io,
  );
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatConfigIssue(configPath, issue)}\n`);
    throw new CliInputError(`${configPath} is invalid; nothing planned`);
  }
  const tagLists = flags.tags
    ? new Map([
        [
          canonicalImageName(image) ?? image,
          parseTagList(
            await readInput(
              { path: flags.tags, label: '--tags: ', maxBytes: LIMITS.tagListBytes, what: 'a tag list' },
              io,
            ),
            flags.tags === '-' ? 'stdin' : flags.tags,
          ),
        ],
      ])
    : undefined;
  return { image, tag: push.tag, digest: push.digest, repo, configPath, config: loaded.config, tagLists };
}

/** `--promote POLICY`: no push; the policy must be a promote policy of the config. */
async function readPromoteInput(
  flags: PlanFlags,
  repoDir: string,
  name: string,
  io: CliIo,
): Promise<PlanInput> {
  if (flags.push !== undefined) throw new CliInputError('--push and --promote: give one of them');
  if (flags.tags !== undefined)
    throw new CliInputError('--tags does not apply to --promote: a promotion reads no tag list');
  const { repo, configPath, loaded } = await readRepoConfig(repoDir, flags.config, flags.defaultBranch, io);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatConfigIssue(configPath, issue)}\n`);
    throw new CliInputError(`${configPath} is invalid; nothing planned`);
  }
  const policy = loaded.config.policies.find((p) => p.name === name);
  if (!policy) throw new CliInputError(`--promote ${JSON.stringify(name)}: no such policy in ${configPath}`);
  if (!policy.promote)
    throw new CliInputError(
      `--promote ${name}: the policy follows the registry, not another policy (plan it with --push)`,
    );
  return {
    image: policy.image,
    digest: undefined,
    promote: policy,
    repo,
    configPath,
    config: loaded.config,
    tagLists: undefined,
  };
}

/**
 * The config of a checkout, read as the worker reads it and judged as the worker judges it:
 * the schema, then the references of its policies (`checkConfigInRepo`).
 */
export async function readRepoConfig(
  repoDir: string,
  config: string | undefined,
  defaultBranch: string,
  io: CliIo,
): Promise<{ repo: LocalRepoFiles; configPath: string; loaded: ConfigLoadResult }> {
  const dir = resolve(io.cwd, repoDir);
  await checkRepoDir(dir, repoDir);
  const configPath = config ?? DEFAULT_CONFIG_PATH;
  const repo = new LocalRepoFiles(dir);
  const text = await readConfig(repo, dir, configPath, repoDir);
  // A checkout is one tree: every base branch reads its files.
  const loaded = await checkConfigInRepo(await loadConfig(text), {
    filesOn: async () => repo,
    defaultBranch,
    configPath,
  });
  return { repo, configPath, loaded };
}

async function checkRepoDir(dir: string, shown: string): Promise<void> {
  const found = await stat(dir).catch((error: unknown) => {
    throw new CliInputError(
      errorCode(error) === 'ENOENT'
        ? `--repo-dir ${shown}: no such directory`
        : `--repo-dir ${shown}: cannot read it: ${errorCode(error)}`,
    );
  });
  if (!found.isDirectory()) throw new CliInputError(`--repo-dir ${shown}: not a directory`);
}

/** The config as the worker would read it: a regular file inside the repository, never a link. */
async function readConfig(
  repo: LocalRepoFiles,
  dir: string,
  configPath: string,
  shown: string,
): Promise<string> {
  const where = `${configPath} in ${shown}`;
  if (!isConfinedPath(configPath))
    throw new CliInputError(
      `--config ${JSON.stringify(configPath)}: not a path inside --repo-dir (relative, no .. or leading /)`,
    );
  const entry = await lstat(resolve(dir, configPath)).catch(() => undefined);
  if (entry === undefined)
    throw new CliInputError(
      `no ${where} (validate a config elsewhere with image-updater validate --config FILE)`,
    );
  if (entry.isSymbolicLink())
    throw new CliInputError(
      `${where} is a symbolic link; plan reads only regular files inside the repository, as the updater does`,
    );
  if (!entry.isFile()) throw new CliInputError(`${where} is not a regular file`);
  if (entry.size > LIMITS.configBytes)
    throw new CliInputError(
      `${where} is larger than ${LIMITS.configBytes / 1024} KiB, the limit for a config`,
    );
  const text = await repo.readFile(configPath);
  // A directory on the way that links out of the tree: LocalRepoFiles refuses it.
  if (text === undefined) throw new CliInputError(`${where} is outside the repository (a linked directory)`);
  return text;
}
