/**
 * The real CNCF Distribution registry (Debian's `docker-registry`, 2.8) on 127.0.0.1, with a
 * temporary storage directory and a notifications endpoint, plus `skopeo` to push to it.
 * `scripts/ci-setup.sh` installs both in CI; tests skip when they are absent locally.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function which(name: string): string | undefined {
  for (const dir of new Set([...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin'])) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

const REGISTRY_BIN = which('docker-registry');
const SKOPEO_BIN = which('skopeo');
export const MISSING_BINARIES = [
  ...(REGISTRY_BIN ? [] : ['docker-registry']),
  ...(SKOPEO_BIN ? [] : ['skopeo']),
];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningRegistry {
  readonly port: number;
  /** `127.0.0.1:<port>`, as image names carry it. */
  readonly host: string;
  readonly logs: () => string;
  stop(): Promise<void>;
}

export async function startRegistry(options: {
  port: number;
  notify?: { url: string; authorization: string };
  /** `info` logs every request ("response completed"), which tests count. @default 'warn' */
  logLevel?: 'warn' | 'info';
}): Promise<RunningRegistry> {
  if (!REGISTRY_BIN) throw new Error('docker-registry is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'iu-registry-'));
  // Registry 2.8 configuration keys (checked against Debian's /etc/docker/registry/config.yml).
  const config = [
    'version: 0.1',
    'log:',
    `  level: ${options.logLevel ?? 'warn'}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${options.port}`,
    '  secret: image-updater-e2e',
    ...(options.notify
      ? [
          'notifications:',
          '  endpoints:',
          '    - name: image-updater',
          `      url: ${options.notify.url}`,
          '      headers:',
          `        Authorization: [${JSON.stringify(options.notify.authorization)}]`,
          '      timeout: 1s',
          '      threshold: 5',
          '      backoff: 1s',
        ]
      : []),
    '',
  ].join('\n');
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, config);
  let logs = '';
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `127.0.0.1:${options.port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (i > 200 || child.exitCode !== null) throw new Error(`the registry did not start:\n${logs}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port: options.port,
    host,
    logs: () => logs,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `skopeo copy` from the OCI layout to the registry (plain HTTP on loopback): the layout's `tag`
 * as `destination:destinationTag` (default: the same tag; another one re-pushes a tag as another
 * image).
 */
export async function skopeoCopy(
  layoutDir: string,
  tag: string,
  destination: string,
  destinationTag = tag,
): Promise<void> {
  if (!SKOPEO_BIN) throw new Error('skopeo is not installed');
  await run(
    SKOPEO_BIN,
    [
      '--insecure-policy',
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${layoutDir}:${tag}`,
      `docker://${destination}:${destinationTag}`,
    ],
    { timeout: 60_000 },
  );
}
