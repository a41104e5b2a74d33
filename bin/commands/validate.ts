import { formatConfigIssue, type ConfigLoadResult } from '../../lambdas/core/config.ts';
import { loadConfig } from '../../lambdas/config/load.ts';
import { LIMITS, parseFlags, validateDefinition, type ValidateFlags } from './definitions.ts';
import { EXIT, type CliIo, type Command } from './io.ts';
import { readRepoConfig } from './plan-input.ts';
import { readInput } from './read-input.ts';

/**
 * `validate [--config FILE] [--repo-dir DIR]`: exit 0 valid, 1 invalid (one `file:line:col: …`
 * line per issue), 2 unreadable. With `--repo-dir`, the config inside DIR is judged as the
 * updater judges it, manifests included: CI in the environment repository fails where the
 * updater would refuse to write.
 */
export const validate: Command = async (args, io) => {
  const flags = parseFlags<ValidateFlags>(validateDefinition(), args, io);
  if (!flags) return EXIT.ok;
  if (flags.repoDir !== undefined) {
    const { configPath, loaded } = await readRepoConfig(flags.repoDir, flags.config, flags.defaultBranch, io);
    return report(io, configPath, loaded, ' and its references');
  }
  const file = flags.config;
  const text = await readInput({ path: file, label: '', maxBytes: LIMITS.configBytes, what: 'a config' }, io);
  return report(io, file, await loadConfig(text), '');
};

function report(io: CliIo, file: string, result: ConfigLoadResult, checked: string): number {
  if (!result.ok) {
    for (const issue of result.issues) io.stdout(`${formatConfigIssue(file, issue)}\n`);
    io.stderr(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}\n`);
    return EXIT.negative;
  }
  const count = result.config.policies.length;
  io.stdout(`${file}${checked}: valid (${count} polic${count === 1 ? 'y' : 'ies'})\n`);
  return EXIT.ok;
}
