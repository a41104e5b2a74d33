/**
 * Endless or huge inputs on every file flag of the CLI: each is refused with one line and exit 2
 * once past its limit, read while reading. The built CLI runs with a 96 MB heap: reading any of
 * these to the end (as before: 16.8 GB, then `std::bad_alloc`) would crash it instead.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnCli, type CliRun } from '../support/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/gitops/', import.meta.url));
const PUSH = 'ghcr.io/acme/web:v2.4.0';

/** The built CLI with a 96 MB heap: reading an endless input to the end would crash it. */
const cli = (args: readonly string[], stdin?: NodeJS.ReadableStream): Promise<CliRun> =>
  spawnCli(args, { nodeArgs: ['--max-old-space-size=96'], ...(stdin ? { stdin } : {}) });

describe.runIf(process.platform === 'linux')('endless inputs on every file flag', () => {
  it.each([
    [
      ['validate', '--config', '/dev/zero'],
      'image-updater validate: /dev/zero is larger than 256 KiB, the limit for a config',
    ],
    [
      ['validate', '--config', '/dev/urandom'],
      'image-updater validate: /dev/urandom is larger than 256 KiB, the limit for a config',
    ],
    [
      ['select', '--policy', '{}', '--tags', '/dev/zero'],
      'image-updater select: --tags: /dev/zero is larger than 16 MiB, the limit for a tag list',
    ],
    [
      ['select', '--policy', '@/dev/zero', '--tags', '/dev/null'],
      'image-updater select: --policy: /dev/zero is larger than 256 KiB, the limit for a policy',
    ],
    [
      ['plan', '--repo-dir', EXAMPLE, '--push', PUSH, '--tags', '/dev/urandom'],
      'image-updater plan: --tags: /dev/urandom is larger than 16 MiB, the limit for a tag list',
    ],
  ])('%j → one line, exit 2', async (args, message) => {
    const run = await cli(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  it('an endless standard input for --tags - → one line, exit 2', async () => {
    const run = await cli(['select', '--policy', '{}', '--tags', '-'], createReadStream('/dev/zero'));
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'image-updater select: --tags: standard input is larger than 16 MiB, the limit for a tag list\n',
    });
  });
});
