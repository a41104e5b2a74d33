/**
 * The CLI as installed (the bundle `npm ci` builds into dist/cli): help for the program and for
 * each command, the version, and shell-friendly exit codes for no command or a wrong one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_BUNDLE, spawnCli } from '../support/cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('image-updater, the installed CLI', () => {
  it.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    expect(await spawnCli([flag])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it.each([['--help'], ['-h'], ['help']])('%s lists every command, exit 0', async (flag) => {
    const run = await spawnCli([flag]);
    expect(run.code).toBe(0);
    for (const command of ['validate', 'select', 'plan', 'serve'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each(['validate', 'select', 'plan', 'serve'])(
    '%s --help (and help %s) is its own help, exit 0',
    async (command) => {
      const direct = await spawnCli([command, '--help']);
      expect(direct.code).toBe(0);
      expect(direct.stdout).toMatch(new RegExp(`^Usage: image-updater ${command} \\[options\\]`));
      expect(direct.stdout).toMatch(/Exit codes: /);
      expect(direct.stderr).toBe('');
      expect((await spawnCli(['help', command])).stdout).toBe(direct.stdout);
    },
  );

  it('no command: the help on stderr, exit 2 (a script calling it wrongly notices)', async () => {
    const run = await spawnCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage: image-updater/);
  });

  it('an unknown command: one line, exit 2', async () => {
    expect(await spawnCli(['frob'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "image-updater: unknown command 'frob'\n",
    });
  });

  it('ships compiled: bin is the bundle, tsx is for development only', () => {
    expect(pkg.bin['image-updater']).toBe('dist/cli/image-updater.mjs');
    expect(CLI_BUNDLE.endsWith('image-updater.mjs')).toBe(true);
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
  });

  it('--help loads no command: the commands (serve with Octokit) are chunks of their own', () => {
    const meta = JSON.parse(readFileSync(new URL('meta.json', `file://${CLI_BUNDLE}`), 'utf8')) as {
      outputs: Record<
        string,
        { entryPoint?: string; imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }
      >;
    };
    const [, entry] = Object.entries(meta.outputs).find(([, o]) => o.entryPoint?.endsWith('bin/cli.ts'))!;
    const staticInputs = new Set(Object.keys(entry.inputs));
    for (const imported of entry.imports.filter((i) => i.kind === 'import-statement')) {
      const chunk = Object.entries(meta.outputs).find(([path]) =>
        path.endsWith(imported.path.replace(/^.*\/chunks\//, 'chunks/')),
      );
      for (const input of Object.keys(chunk?.[1].inputs ?? {})) staticInputs.add(input);
    }
    expect(
      [...staticInputs].filter((i) => /@octokit|bin\/commands\/(serve|plan|select|validate)\.ts/.test(i)),
    ).toEqual([]);
  });
});
