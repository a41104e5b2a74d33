/**
 * `image-updater` CLI entry point: dispatches to one command module per verb. Each command
 * parses its flags, calls the core and maps the result to output and an exit code.
 */
import { readFileSync } from 'node:fs';
import { CliInputError, EXIT, type CliIo, type Command } from './commands/io.ts';

const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.ts')).validate,
  select: async () => (await import('./commands/select.ts')).select,
  plan: async () => (await import('./commands/plan.ts')).plan,
  serve: async () => (await import('./commands/serve.ts')).serve,
};

const USAGE = `usage: image-updater <command> [options]

commands:
  validate [--config FILE]                       check .image-updater.yaml (exit 0 valid, 1 invalid)
  select --policy JSON|@file --tags FILE|- [--current TAG] [--json]
                                                 print the tag a policy chooses (exit 0 chosen, 1 none, 2 bad input)
  plan --repo-dir DIR --push IMAGE:TAG[@DIGEST] [--tags FILE] [--json] [--write]
                                                 show (or --write) the edits and PRs a push would make
  serve --port N --repo OWNER/NAME[:CONFIG_PATH] [--repo …] [--github-api URL]
                                                 webhook endpoint + worker in one process (env: GITHUB_TOKEN
                                                 or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY, WEBHOOK_SECRET)
`;

export function processIo(): CliIo {
  // `image-updater plan | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => readFileSync(0, 'utf8'),
    cwd: process.cwd(),
  };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name === undefined ? EXIT.invalidInput : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`image-updater: unknown command "${name}"\n${USAGE}`);
    return EXIT.invalidInput;
  }
  try {
    return await (
      await load()
    )(rest, io);
  } catch (error) {
    // Input problems are one line; anything else is a bug, still without a stack trace by default.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
    io.stderr(`image-updater ${name}: ${message}\n`);
    if (!(error instanceof CliInputError) && process.env.IMAGE_UPDATER_DEBUG) {
      io.stderr(`${(error as Error).stack ?? ''}\n`);
    }
    return EXIT.invalidInput;
  }
}
