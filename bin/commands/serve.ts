/**
 * `serve --port N --repo OWNER/NAME[:CONFIG_PATH] [--repo …] [--github-api URL]` (SPEC §9): the
 * webhook endpoint and the worker in one long-running process. Credentials and the webhook secret
 * come from the environment, read once; logs are JSON lines on stdout. SIGTERM or SIGINT stops
 * taking webhooks, applies what was accepted within the grace period (20 s; SPEC §9 allows 30),
 * hands back the rest with one ERROR line per push, then exits 0.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as z from 'zod';
import type { GitHubAuth } from '../../lambdas/adapters/github/host.ts';
import { parseRegistryCredentials } from '../../lambdas/adapters/registry/credentials.ts';
import { parseGitHubCredentials } from '../../lambdas/adapters/secrets/github-credentials.ts';
import { ImageAllowList } from '../../lambdas/adapters/webhooks/allow-list.ts';
import { parseWebhookSecret } from '../../lambdas/adapters/webhooks/secrets.ts';
import { PROVIDER_NAMES } from '../../lambdas/adapters/webhooks/types.ts';
import { ImageUpdaterError } from '../../lambdas/errors.ts';
import { DiscoverySchema, WatchedRepoSchema, type WatchedRepo } from '../../lambdas/handlers/env.ts';
import type { Discovery } from '../../lambdas/handlers/repo-directory.ts';
import { createJsonLog } from '../../lambdas/adapters/logging/json-log.ts';
import { startServe, type ServeConfig } from '../../lambdas/handlers/serve-app.ts';
import { ServeStartError } from '../../lambdas/handlers/serve-preflight.ts';
import { exitSoon, waitForStop } from '../../lambdas/handlers/serve-signals.ts';
import {
  DEFAULT_SERVE_HOST,
  MIN_SECRET_LENGTH,
  parseFlags,
  serveDefinition,
  type ServeFlags,
} from './definitions.ts';
import { CliInputError, EXIT, type Command } from './io.ts';

export { MIN_SECRET_LENGTH };

/** Unset and empty are the same: `FOO= image-updater serve` must not count as a value. */
const optional = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().optional(),
);

export const ServeEnvSchema = z.object({
  GITHUB_TOKEN: optional,
  GITHUB_APP_ID: optional,
  GITHUB_APP_PRIVATE_KEY: optional,
  /** One secret for every provider, or JSON `{"distribution": "…", "ghcr": "…", "default": "…"}`. */
  WEBHOOK_SECRET: optional,
  /** The GitHub App's webhook secret, for `POST /webhooks/github`; without it that path answers 401. */
  GITHUB_WEBHOOK_SECRET: optional,
  /** Registries/prefixes webhooks may name (comma-separated or a JSON array); default `*`. */
  WEBHOOK_ALLOWED_IMAGES: optional,
  /** JSON `{"<registry host>": {"username": "…", "password": "…"}}` for tag listing. */
  REGISTRY_CREDENTIALS: optional,
  /** Interface to listen on; loopback unless set (DEFAULT_SERVE_HOST). */
  SERVE_HOST: optional,
  /** A `trusted_root.json` file for keyless signatures; the public good instance's (TUF) unless set. */
  SIGSTORE_TRUSTED_ROOT: optional,
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
    z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  ),
});

const USAGE =
  'serve --port N (--repo OWNER/NAME[:CONFIG_PATH] [--repo …] | with a GitHub App, [--discover-names GLOB] [--discover-topic TOPIC]) [--github-api URL]';

export interface ServeDeps {
  readonly env?: Record<string, string | undefined>;
  /** Resolves with the signal's name when the process should stop. */
  readonly waitForStop?: () => Promise<string>;
  /** Called once listening (tests). */
  readonly onListening?: (server: { url: string; port: number }) => void;
  readonly drainTimeoutMs?: number;
  /** Ends the process once stopped (the real CLI); tests run the command in-process. */
  readonly exit?: (code: number) => void;
}

export function createServeCommand(deps: ServeDeps = {}): Command {
  return async (args, io) => {
    const flags = parseFlags<ServeFlags>(serveDefinition(), args, io);
    if (!flags) return EXIT.ok;
    const config = serveConfig(flags, deps.env ?? process.env, (line) => io.stdout(line));
    const running = await startServe(config).catch((error: unknown) => {
      if (error instanceof ServeStartError) throw new CliInputError(error.message);
      const code = (error as NodeJS.ErrnoException).code;
      // listen()'s own errors, said in the terms of what the user set.
      if (code === 'EADDRINUSE')
        throw new CliInputError(`--port ${config.port}: already in use on ${config.host}`);
      if (code === 'EACCES')
        throw new CliInputError(
          `--port ${config.port}: not allowed to listen on it (ports below 1024 need privileges)`,
        );
      if (code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'EAI_AGAIN')
        throw new CliInputError(`SERVE_HOST ${config.host}: no such interface on this machine (${code})`);
      throw error;
    });
    config.log.info('serve listening', {
      url: running.url,
      // The interface itself: `url` names 127.0.0.1 for 0.0.0.0, which answers on every one.
      host: config.host,
      port: running.port,
      webhooks: PROVIDER_NAMES.map((p) => `${running.url}/webhooks/${p}`),
      repos: config.repos.map((r) => (r.configPath ? `${r.repo}:${r.configPath}` : r.repo)),
      ...(config.discovery ? { discovery: config.discovery } : {}),
      allowList: config.allowList.toString(),
      github: config.github.baseUrl ?? 'https://api.github.com',
      auth: config.github.auth.kind,
    });
    if (config.allowList.allowsAll)
      config.log.warn(
        "WEBHOOK_ALLOWED_IMAGES is not set: webhooks may name any image; only the watched repositories' policies limit what is applied",
      );
    deps.onListening?.({ url: running.url, port: running.port });
    const signal = await (deps.waitForStop ?? waitForStop)();
    config.log.info('stopping: no new webhooks; applying the accepted pushes', {
      signal,
      queue: running.queue.stats(),
    });
    // 20 s to finish, ~2 s for aborted work to return: within the 30 s a process manager waits.
    const drained = await running.close(deps.drainTimeoutMs ?? 20_000);
    if (drained) config.log.info('stopped', { queue: running.queue.stats() });
    else config.log.warn('stopped before every accepted push was applied', { queue: running.queue.stats() });
    deps.exit?.(EXIT.ok);
    return EXIT.ok;
  };
}

export const serve: Command = createServeCommand({ exit: (code) => exitSoon(code) });

/** Flags and environment → what `startServe` needs; every problem is a one-line CliInputError. */
export function parseServeInput(
  args: string[],
  environment: Record<string, string | undefined>,
  write: (line: string) => void,
): ServeConfig {
  const flags = parseFlags<ServeFlags>(serveDefinition(), args, { stdout: () => {}, stderr: () => {} });
  if (!flags) throw new CliInputError('--help asks for help, not for a server');
  return serveConfig(flags, environment, write);
}

function serveConfig(
  values: ServeFlags,
  environment: Record<string, string | undefined>,
  write: (line: string) => void,
): ServeConfig & { host: string } {
  if (values.port === undefined) throw new CliInputError(`--port N is required (${USAGE})`);
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535)
    throw new CliInputError(
      `--port ${JSON.stringify(values.port)} is not a port number (0–65535; 0 picks a free one)`,
    );
  const repos = (values.repo ?? []).map(parseRepoFlag);
  const seen = new Map<string, string>();
  for (const { repo } of repos) {
    // GitHub's names are case-insensitive: ACME/env is acme/env, and two runs would race on one branch.
    const key = repo.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined)
      throw new CliInputError(
        `--repo ${repo} is given twice${first === repo ? '' : ` (as ${first}; GitHub names are case-insensitive)`}: each repository once`,
      );
    seen.set(key, repo);
  }
  let baseUrl: string | undefined;
  if (values.githubApi !== undefined) {
    const parsed = z.url({ protocol: /^https?$/ }).safeParse(values.githubApi);
    if (!parsed.success)
      throw new CliInputError(
        `--github-api ${JSON.stringify(values.githubApi)} is not an http(s) URL (GitHub Enterprise Server: https://HOST/api/v3)`,
      );
    baseUrl = parsed.data.replace(/\/$/, '');
  }

  const env = ServeEnvSchema.safeParse(environment);
  if (!env.success)
    throw new CliInputError(
      `invalid environment: ${env.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = env.data;
  const auth = githubAuth(e);
  const discovery = discoveryFlags(values, repos.length > 0, auth);
  const log = createJsonLog({ write, level: e.LOG_LEVEL, service: 'image-updater-serve' });
  return {
    port: Number(values.port),
    host: serveHost(e.SERVE_HOST),
    repos,
    ...(discovery ? { discovery } : {}),
    github: { auth, ...(baseUrl ? { baseUrl } : {}) },
    webhookSecrets: webhookSecrets(e.WEBHOOK_SECRET, e.GITHUB_WEBHOOK_SECRET),
    allowList: inputError(
      () => ImageAllowList.fromText(e.WEBHOOK_ALLOWED_IMAGES ?? '*'),
      'WEBHOOK_ALLOWED_IMAGES',
    ),
    ...(e.REGISTRY_CREDENTIALS
      ? {
          registryCredentials: inputError(
            () => parseRegistryCredentials(e.REGISTRY_CREDENTIALS!, 'REGISTRY_CREDENTIALS'),
            'REGISTRY_CREDENTIALS',
          ),
        }
      : {}),
    ...(e.SIGSTORE_TRUSTED_ROOT ? { trustedRoot: trustedRootFile(e.SIGSTORE_TRUSTED_ROOT) } : {}),
    log,
  };
}

/** `SIGSTORE_TRUSTED_ROOT`: read once at start, so a wrong path stops `serve` before it listens. */
function trustedRootFile(path: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CliInputError(
      `SIGSTORE_TRUSTED_ROOT ${path}: not a readable JSON file (${(error as { code?: string }).code ?? 'invalid JSON'})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || !('certificateAuthorities' in parsed))
    throw new CliInputError(`SIGSTORE_TRUSTED_ROOT ${path}: not a Sigstore trusted_root.json`);
  return parsed;
}

/** Without `--repo`, a GitHub App discovers the repositories; a token needs the list. */
function discoveryFlags(values: ServeFlags, listed: boolean, auth: GitHubAuth): Discovery | undefined {
  const filtered = (values.discoverNames?.length ?? 0) > 0 || values.discoverTopic !== undefined;
  if (listed) {
    if (filtered) throw new CliInputError('--discover-names and --discover-topic apply only without --repo');
    return undefined;
  }
  if (auth.kind !== 'app')
    throw new CliInputError(
      `--repo OWNER/NAME[:CONFIG_PATH] is required with GITHUB_TOKEN (a GitHub App discovers them) (${USAGE})`,
    );
  const parsed = DiscoverySchema.safeParse({
    ...(values.discoverNames ? { names: values.discoverNames } : {}),
    ...(values.discoverTopic !== undefined ? { topic: values.discoverTopic } : {}),
  });
  if (!parsed.success)
    throw new CliInputError(
      `--discover-${parsed.error.issues[0]!.path[0] === 'topic' ? 'topic' : 'names'}: ${parsed.error.issues[0]!.message}`,
    );
  return parsed.data;
}

/** `SERVE_HOST`: an IP address (`::1` or `[::1]`) or a host name; loopback when unset. */
function serveHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_SERVE_HOST;
  const host = value.trim().replace(/^\[(.*)\]$/, '$1');
  const looksNumeric = /^[\d.]+$/.test(host);
  if (isIP(host) === 0 && (looksNumeric || !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host)))
    throw new CliInputError(
      `SERVE_HOST ${JSON.stringify(value)} is not an IP address or a host name (127.0.0.1, ::1, 0.0.0.0)`,
    );
  return host;
}

function parseRepoFlag(value: string): WatchedRepo {
  const colon = value.indexOf(':');
  const candidate =
    colon < 0 ? { repo: value } : { repo: value.slice(0, colon), configPath: value.slice(colon + 1) };
  const parsed = WatchedRepoSchema.safeParse(candidate);
  if (!parsed.success)
    throw new CliInputError(
      `--repo ${JSON.stringify(value)} is not OWNER/NAME[:CONFIG_PATH] (${parsed.error.issues.map((i) => i.message).join('; ')})`,
    );
  return parsed.data;
}

function githubAuth(e: z.infer<typeof ServeEnvSchema>): GitHubAuth {
  const app = e.GITHUB_APP_ID !== undefined || e.GITHUB_APP_PRIVATE_KEY !== undefined;
  if (e.GITHUB_TOKEN !== undefined && app)
    throw new CliInputError('set GITHUB_TOKEN or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY, not both');
  if (e.GITHUB_TOKEN !== undefined) {
    if (/\s/.test(e.GITHUB_TOKEN.trim())) throw new CliInputError('GITHUB_TOKEN contains white space');
    return { kind: 'token', token: e.GITHUB_TOKEN.trim() };
  }
  if (!app) throw new CliInputError('set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY');
  if (e.GITHUB_APP_ID === undefined || e.GITHUB_APP_PRIVATE_KEY === undefined)
    throw new CliInputError('a GitHub App needs both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY');
  const credentials = inputError(
    () =>
      parseGitHubCredentials(
        JSON.stringify({ appId: e.GITHUB_APP_ID, privateKey: e.GITHUB_APP_PRIVATE_KEY }),
        'app',
        'GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY',
      ),
    'GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY',
  );
  if (credentials.kind !== 'app') throw new CliInputError('GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY: not an App');
  return { kind: 'app', appId: credentials.appId, privateKey: credentials.privateKey };
}

/** `WEBHOOK_SECRET`, with `GITHUB_WEBHOOK_SECRET` as the `github` key (it wins over one in the JSON). */
function webhookSecrets(text: string | undefined, githubText: string | undefined) {
  if (text === undefined)
    throw new CliInputError('WEBHOOK_SECRET is required: the secret registries send (openssl rand -hex 32)');
  const parsed = inputError(() => parseWebhookSecret(text, 'WEBHOOK_SECRET'), 'WEBHOOK_SECRET');
  const secrets = githubText === undefined ? parsed : { ...parsed, github: githubText.trim() };
  for (const [provider, secret] of Object.entries(secrets))
    if (secret.length < MIN_SECRET_LENGTH)
      throw new CliInputError(
        `${provider === 'github' && githubText !== undefined ? 'GITHUB_WEBHOOK_SECRET' : `WEBHOOK_SECRET${provider === 'default' ? '' : ` (${provider})`}`} is shorter than ${MIN_SECRET_LENGTH} characters; use e.g. openssl rand -hex 32`,
      );
  return secrets;
}

/** Configuration errors as input errors: one line, exit 2, never the value. */
function inputError<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ImageUpdaterError) throw new CliInputError(error.message);
    throw new CliInputError(`${what} is invalid`);
  }
}
