/**
 * The AWS tiers run real tools (cfn-lint, moto_server, a Node 22 binary). In CI (`CI=true`) a
 * missing tool fails the tier; elsewhere the tier is skipped with one line saying why.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export interface Tool {
  readonly name: string;
  /** Whether `command args` ran and exited 0. */
  readonly available: boolean;
  readonly version: string;
}

export function probe(name: string, command: string, args: readonly string[]): Tool {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const available = result.status === 0;
  return {
    name,
    available,
    version: available ? `${result.stdout}${result.stderr}`.trim().split('\n')[0]! : '',
  };
}

/**
 * `describe` when every tool is there; otherwise, in CI, a tier whose one test fails naming what
 * is missing, and elsewhere a skipped tier and one printed line.
 */
export function describeWithTools(
  title: string,
  tools: readonly Tool[],
  install: string,
  body: () => void,
): void {
  const missing = tools.filter((t) => !t.available).map((t) => t.name);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const why = `${missing.join(', ')} not found (${install})`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(`${title}: ${why}; CI must run this tier`);
      });
    });
    return;
  }
  process.stderr.write(`skipped: ${title}: ${why}\n`);
  describe.skip(title, body);
}
