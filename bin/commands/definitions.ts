/**
 * Every command's flags and help, in one module that imports nothing but commander: `--help`,
 * `--version` and a mistyped flag are answered without loading a command's code (the bundle
 * loads `serve`'s Octokit only for `serve`).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CliInputError, type CliIo } from './io.ts';

/** Inlined by scripts/build-cli.mjs; undefined when the TypeScript runs as is (tests, tsx). */
declare const __IMAGE_UPDATER_VERSION__: string | undefined;

function cliVersion(): string {
  if (typeof __IMAGE_UPDATER_VERSION__ === 'string') return __IMAGE_UPDATER_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Input size limits: a config is small; anything larger is a mistake or an attack. */
export const LIMITS = {
  /** lambdas/config/load.ts MAX_CONFIG_BYTES; a test holds the two together. */
  configBytes: 256 * 1024,
  /** One `policies` entry: never larger than the config it could come from. */
  policyBytes: 256 * 1024,
  /** Room for ~500,000 tags of 32 characters, 5× the largest repository we plan for. */
  tagListBytes: 16 * 1024 * 1024,
} as const;

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** `WEBHOOK_SECRET`'s minimum length, per provider. */
export const MIN_SECRET_LENGTH = 16;
/** `serve` listens on loopback unless told otherwise: the webhook endpoint is not for the LAN by default. */
export const DEFAULT_SERVE_HOST = '127.0.0.1';

function command(name: string): Command {
  return new Command(name).helpOption('-h, --help', 'print this help');
}

const EXIT_CODES = (codes: string) => `\nExit codes: ${codes}.\n`;

const TAG_LIST_FORMAT = `Tag list format: one tag per line; after white space a line may add the
push time (ISO 8601) and the digest, in either order. Blank lines and # comments
are skipped. At most ${formatBytes(LIMITS.tagListBytes)}.`;

export interface ValidateFlags {
  readonly config: string;
  readonly repoDir?: string;
  readonly defaultBranch: string;
}

/** A checkout cannot say which branch GitHub calls the default; a policy that names it shares its files. */
const DEFAULT_BRANCH_FLAG = [
  '--default-branch <name>',
  "the repository's default branch on GitHub: a policy whose baseBranch names it edits the same files as one that leaves baseBranch unset",
  'main',
] as const;

export function validateDefinition(): Command {
  return command('validate')
    .description(
      'check an .image-updater.yaml against the schema, and with --repo-dir against the manifests it points at',
    )
    .option(
      '--config <file>',
      `the config to check, relative to the working directory (with --repo-dir: a path inside it); at most ${formatBytes(LIMITS.configBytes)}`,
      '.image-updater.yaml',
    )
    .option(
      '--repo-dir <dir>',
      "the environment repository's working tree: also fails when two policies would edit one reference, as the updater does",
    )
    .option(...DEFAULT_BRANCH_FLAG)
    .addHelpText(
      'after',
      `${EXIT_CODES('0 valid, 1 invalid (one file:line:column line per problem on stdout), 2 unreadable or bad flags')}
Example, in the environment repository's CI:
  image-updater validate --repo-dir .
`,
    );
}

export interface SelectFlags {
  readonly policy?: string;
  readonly tags?: string;
  readonly current?: string;
  readonly json: boolean;
}

export function selectDefinition(): Command {
  return command('select')
    .description('print the tag a policy chooses from a tag list')
    .option(
      '--policy <json|yaml|@file>',
      `one policies entry (name and image optional), as JSON or YAML, inline or @file (at most ${formatBytes(LIMITS.policyBytes)}); required`,
    )
    .option('--tags <file|->', 'the tag list, - for standard input; required')
    .option('--current <tag[@digest]>', 'the tag in use: never choose below it')
    .option('--json', 'print the whole result as indented JSON, with every rejected tag and why', false)
    .addHelpText(
      'after',
      `
${TAG_LIST_FORMAT}
${EXIT_CODES('0 chosen (the tag on stdout; tag@digest for the digest strategy), 1 none chosen (the reason on stderr; with --json the JSON is still printed), 2 invalid input')}
Example:
  printf '1.2.0\\n1.3.0\\n2.0.0\\n' | image-updater select --policy '{"strategy":"semver","range":"^1.2.0"}' --tags -
`,
    );
}

export interface PlanFlags {
  readonly repoDir?: string;
  readonly push?: string;
  readonly promote?: string;
  readonly tags?: string;
  readonly config?: string;
  readonly json: boolean;
  readonly write: boolean;
  readonly defaultBranch: string;
}

export function planDefinition(): Command {
  return command('plan')
    .description('show (or --write) the edits and pull requests a push, or a promotion, would make')
    .option('--repo-dir <dir>', "the environment repository's working tree; required")
    .option(
      '--push <image:tag[@digest]>',
      'the push to plan for, e.g. ghcr.io/acme/web:v2.4.0 (digest: sha256:<64 hex>); required unless --promote',
    )
    .option(
      '--promote <policy>',
      "instead of a push: what the promote policy would propose now, from its source policy's files in --repo-dir",
    )
    .option(
      '--config <path>',
      `the config, a path inside --repo-dir (symbolic links are not followed; at most ${formatBytes(LIMITS.configBytes)})`,
      '.image-updater.yaml',
    )
    .option(
      '--tags <file>',
      "the image's registry tag list, as the worker lists it: policies choose from these and the pushed tag (without it, from the pushed tag alone)",
    )
    .option('--json', 'print the changes, pull requests, commits and decisions as indented JSON', false)
    .option('--write', 'apply the changes to the files in --repo-dir, then list the files written', false)
    .option(...DEFAULT_BRANCH_FLAG)
    .addHelpText(
      'after',
      `
--tags takes the format of select --tags. ${TAG_LIST_FORMAT.replace('Tag list format: o', 'O')}
${EXIT_CODES('0 whether or not changes are planned, 2 invalid input')}
Example:
  image-updater plan --repo-dir examples/gitops --push ghcr.io/acme/web:v2.4.0
  image-updater plan --repo-dir ./gitops --promote api-staging
`,
    );
}

export interface ServeFlags {
  readonly port?: string;
  readonly repo?: string[];
  readonly discoverNames?: string[];
  readonly discoverTopic?: string;
  readonly githubApi?: string;
}

export function serveDefinition(): Command {
  return command('serve')
    .description('webhook endpoint and worker in one long-running process')
    .option('--port <n>', 'the port to listen on (0 picks a free one); required')
    .addOption(
      new Option(
        '--repo <owner/name[:config_path]>',
        'an environment repository to update (repeat for several); without it, a GitHub App watches every repository of its installations that has a config',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option(
        '--discover-names <glob>',
        'without --repo: only repositories whose owner/name matches (repeat for several)',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option('--discover-topic <topic>', 'without --repo: only repositories with this GitHub topic')
    .option('--github-api <url>', 'the GitHub API (GitHub Enterprise Server: https://HOST/api/v3)')
    .addHelpText(
      'after',
      `
Environment:
  GITHUB_TOKEN             a token that can push branches and open pull requests, or:
  GITHUB_APP_ID            a GitHub App's id, together with
  GITHUB_APP_PRIVATE_KEY   its private key (PEM)
  WEBHOOK_SECRET           required: the secret registries send, at least ${MIN_SECRET_LENGTH} characters
                           (openssl rand -hex 32); or JSON per provider:
                           {"distribution": "…", "ghcr": "…", "default": "…"}
  GITHUB_WEBHOOK_SECRET    the secret of the GitHub App's webhook (POST /webhooks/github);
                           with it, config changes arrive as events and a push reads only
                           the repositories that watch its image
  WEBHOOK_ALLOWED_IMAGES   registries/prefixes webhooks may name, comma-separated or a
                           JSON array (default *: any image)
  REGISTRY_CREDENTIALS     JSON {"<registry host>": {"username": "…", "password": "…"}}
                           for listing tags
  SERVE_HOST               the interface to listen on (default ${DEFAULT_SERVE_HOST}, this machine only;
                           0.0.0.0 listens on every interface)
  SIGSTORE_TRUSTED_ROOT    a trusted_root.json for keyless signatures (a private Sigstore
                           instance, or no network); default: the public good instance's,
                           from its TUF repository
  LOG_LEVEL                debug, info (default), warn or error

Logs are JSON lines on stdout; the first says where it listens. SIGTERM or SIGINT
stops taking webhooks (503 while draining), applies what was accepted for up to
20 s, hands back what is left (one ERROR line per push, then a summary), exits 0.
${EXIT_CODES('0 stopped, 2 invalid flags or environment')}`,
    );
}

export const DEFINITIONS = {
  validate: validateDefinition,
  select: selectDefinition,
  plan: planDefinition,
  serve: serveDefinition,
} as const;

export type CommandName = keyof typeof DEFINITIONS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(DEFINITIONS, name);
}

/** The program: its help lists the commands; each command's help is its own. */
export function programDefinition(): Command {
  const program = command('image-updater')
    .description(
      'Event-driven container image updater for GitOps: check a config, choose a tag, plan the edits a push makes, or serve webhooks.',
    )
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'print help for a command');
  for (const define of Object.values(DEFINITIONS)) program.addCommand(define());
  return program;
}

type Output = Pick<CliIo, 'stdout' | 'stderr'>;

/**
 * Parses one command's flags. Returns undefined when help was printed (exit 0); a bad flag
 * is a CliInputError: one line, exit 2.
 */
export function parseFlags<T>(command: Command, args: readonly string[], io: Output): T | undefined {
  // A parent gives the usage line its program name: "Usage: image-updater plan [options]".
  new Command('image-updater').addCommand(command);
  quiet(command, io);
  refuseRepeated(command, args);
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return undefined;
    throw asInputError(error);
  }
  return command.opts() as T;
}

/** Flags that may be given more than once; for any other, commander's "the last one wins" hid a mistake. */
const REPEATABLE = new Set(['--repo']);

function refuseRepeated(command: Command, args: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const arg of args) {
    if (arg === '--') break;
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : undefined;
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const option of command.options) {
    const long = option.long;
    if (long === undefined || REPEATABLE.has(long)) continue;
    if ((counts.get(long) ?? 0) > 1) throw new CliInputError(`${long} is given more than once; give it once`);
  }
}

/** Help on stdout; errors thrown, never printed or exited on by commander itself. */
export function quiet(command: Command, io: Output): Command {
  command
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
  for (const sub of command.commands) quiet(sub, io);
  return command;
}

export function asInputError(error: unknown): unknown {
  if (!(error instanceof CommanderError)) return error;
  // "error: unknown option '--x'\n(Did you mean --y?)" → one line.
  return new CliInputError(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
}
