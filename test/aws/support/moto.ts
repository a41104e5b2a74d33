/** moto_server on 127.0.0.1 on a free port, for one test file; and the little it lacks a client for. */
import { spawn } from 'node:child_process';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:net';

export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'eu-west-1';
const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  readonly endpoint: string;
  /** The environment the production wiring needs to talk to moto (AWS SDK v3 reads AWS_ENDPOINT_URL). */
  readonly env: Record<string, string>;
  /** What an SDK client made in the test needs to reach moto. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: typeof MOTO_CREDENTIALS;
  };
  /** An EventBridge JSON-protocol call (the project has no EventBridge client). */
  events(target: string, body: unknown, region?: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode})`);
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 150) throw new Error('moto_server did not start within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    clientConfig: { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    },
    async events(target, body, region = MOTO_REGION) {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSEvents.${target}`,
          // moto routes by the signing region of the credential scope; the signature is not checked.
          Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/events/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`events ${target}: ${response.status} ${text}`);
      return JSON.parse(text || '{}') as Record<string, unknown>;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The construct's `IndexTable` key schema (pk/sk strings, on demand), made in moto. */
export async function createIndexTable(client: DynamoDBClient, TableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
}
