import { describe, expect, it } from 'vitest';
import { parseGitHubCredentials } from '../../../lambdas/adapters/secrets/github-credentials.ts';
import { createJsonLog, functionLogger } from '../../../lambdas/adapters/logging/json-log.ts';
import { encodePushMessage } from '../../../lambdas/adapters/sqs/messages.ts';
import { createRuntime } from '../../../lambdas/handlers/runtime.ts';
import type { Log } from '../../../lambdas/ports/telemetry.ts';
import { createWorker } from '../../../lambdas/handlers/worker.ts';
import { RECONCILE_SERVICE, WEBHOOK_SERVICE, WORKER_SERVICE } from '../../../lambdas/names.ts';
import { recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const TOKEN = `ghs_${'A1b2C3d4E5'.repeat(4)}`;
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEA'.repeat(4)}\n-----END RSA PRIVATE KEY-----\n`;
const WEBHOOK_SECRET = 'whsec-9f8e7d6c5b4a39281706';
const SECRETS = [TOKEN, PRIVATE_KEY.split('\n')[1]!, WEBHOOK_SECRET];

const ENV = {
  WATCHED_REPOS: '[{"repo":"acme/env"}]',
  GITHUB_SECRET_ID: 'prod/github',
  GITHUB_AUTH: 'token',
};

/** What a function prints (Powertools Logger writes to the process's stdout and stderr). */
async function printed(run: () => Promise<void> | void): Promise<string> {
  const chunks: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return chunks.join('');
}

const serveLog = (): Log => createJsonLog({ write: (line) => process.stdout.write(line) });

const LOGGERS: [string, () => Log][] = [
  ['the worker', () => createRuntime(WORKER_SERVICE, ENV).logger],
  ['the reconcile', () => createRuntime(RECONCILE_SERVICE, ENV).logger],
  ['the webhook', () => functionLogger(WEBHOOK_SERVICE)],
  ['serve', serveLog],
];

describe('no function logs a credential', () => {
  it.each(LOGGERS)(
    '%s: under a credential key, in a nested object, or inside a text',
    async (_name, make) => {
      const log = make();
      const text = await printed(() =>
        log.warn(`signing in with ${TOKEN}`, {
          token: TOKEN,
          privateKey: PRIVATE_KEY,
          webhookSecret: WEBHOOK_SECRET,
          request: { headers: { authorization: `Bearer ${WEBHOOK_SECRET}` } },
          credentials: parseGitHubCredentials(JSON.stringify({ token: TOKEN }), 'token'),
          detail: `the key was ${PRIVATE_KEY}`,
          repo: 'acme/env',
        }),
      );
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      const lines = text.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        level: 'WARN',
        message: 'signing in with [redacted]',
        token: '[redacted]',
        privateKey: '[redacted]',
        webhookSecret: '[redacted]',
        request: { headers: { authorization: '[redacted]' } },
        credentials: { kind: 'token', redacted: true },
        detail: 'the key was [redacted]\n',
        repo: 'acme/env',
      });
    },
  );

  it("the worker's log of an error that quotes a token does not hold it", async () => {
    const log = createRuntime(WORKER_SERVICE, ENV).logger;
    const worker = createWorker({
      repos: [{ repo: 'acme/env' }],
      host: async () => {
        throw new Error(`GitHub refused ${TOKEN}`);
      },
      log,
      metrics: recordingMetrics(),
    });
    const text = await printed(async () => {
      await worker(
        sqsEvent(sqsRecord(encodePushMessage({ image: 'ghcr.io/acme/api', tag: '1.2.3' }, 'ghcr'))),
      ).catch(() => undefined);
    });
    expect(text).toContain('github-credentials');
    expect(text).not.toContain(TOKEN);
  });
});
