/**
 * `image-updater` CLI: the program's flags and help are answered here; a command's module is
 * imported only when that command runs, and parses its own flags (bin/commands/definitions.ts).
 */
import { readBounded } from './commands/read-input.ts';
import {
  asInputError,
  DEFINITIONS,
  isCommandName,
  parseFlags,
  programDefinition,
  quiet,
  type CommandName,
} from './commands/definitions.ts';
import { CliInputError, EXIT, type CliIo, type Command } from './commands/io.ts';

const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.ts')).validate,
  select: async () => (await import('./commands/select.ts')).select,
  plan: async () => (await import('./commands/plan.ts')).plan,
  serve: async () => (await import('./commands/serve.ts')).serve,
};

export function processIo(): CliIo {
  // `image-updater plan | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: (maxBytes) => readBounded(process.stdin, maxBytes),
    cwd: process.cwd(),
  };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || !isCommandName(name)) return programOnly(argv, io);
  try {
    // `--help` and a bad flag are answered before the command's code is loaded; the command
    // parses its flags again (microseconds), so that it can also run on its own (tests).
    if (parseFlags(DEFINITIONS[name](), rest, io) === undefined) return EXIT.ok;
    return await (
      await COMMANDS[name]()
    )(rest, io);
  } catch (error) {
    report(`image-updater ${name}`, error, io);
    return EXIT.invalidInput;
  }
}

/** `--help`, `--version`, `help [command]`, nothing, or something that is not a command. */
function programOnly(argv: string[], io: CliIo): number {
  const program = quiet(programDefinition(), io);
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if ((error as { exitCode?: number }).exitCode === 0) return EXIT.ok;
    // No command at all: the help went to stderr, and a script calling us wrongly should notice.
    if ((error as { code?: string }).code === 'commander.help') return EXIT.invalidInput;
    report('image-updater', asInputError(error), io);
    return EXIT.invalidInput;
  }
  return EXIT.ok;
}

function report(prefix: string, error: unknown, io: CliIo): void {
  // Input problems are one line; anything else is a bug, still without a stack trace by default.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  io.stderr(`${prefix}: ${message}\n`);
  if (!(error instanceof CliInputError) && process.env.IMAGE_UPDATER_DEBUG) {
    io.stderr(`${(error as Error).stack ?? ''}\n`);
  }
}
