import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatConfigIssue } from '../../lambdas/config/errors.ts';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../lambdas/config/load.ts';
import { CliInputError, EXIT, type Command } from './io.ts';

/** `validate [--config FILE]`: exit 0 valid, 1 invalid (one `file:line:col: …` line per issue), 2 unreadable. */
export const validate: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true });
  const file = values.config ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new CliInputError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const result = parseConfig(text);
  if (!result.ok) {
    for (const issue of result.issues) io.stdout(`${formatConfigIssue(file, issue)}\n`);
    io.stderr(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}\n`);
    return EXIT.negative;
  }
  const count = result.config.policies.length;
  io.stdout(`${file}: valid (${count} polic${count === 1 ? 'y' : 'ies'})\n`);
  return EXIT.ok;
};
