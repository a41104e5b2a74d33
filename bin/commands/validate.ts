import { formatConfigIssue } from '../../lambdas/core/config.ts';
import { loadConfig } from '../../lambdas/config/load.ts';
import { LIMITS, parseFlags, validateDefinition, type ValidateFlags } from './definitions.ts';
import { EXIT, type Command } from './io.ts';
import { readInput } from './read-input.ts';

/** `validate [--config FILE]`: exit 0 valid, 1 invalid (one `file:line:col: …` line per issue), 2 unreadable. */
export const validate: Command = async (args, io) => {
  const flags = parseFlags<ValidateFlags>(validateDefinition(), args, io);
  if (!flags) return EXIT.ok;
  const file = flags.config;
  const text = await readInput({ path: file, label: '', maxBytes: LIMITS.configBytes, what: 'a config' }, io);
  const result = await loadConfig(text);
  if (!result.ok) {
    for (const issue of result.issues) io.stdout(`${formatConfigIssue(file, issue)}\n`);
    io.stderr(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}\n`);
    return EXIT.negative;
  }
  const count = result.config.policies.length;
  io.stdout(`${file}: valid (${count} polic${count === 1 ? 'y' : 'ies'})\n`);
  return EXIT.ok;
};
