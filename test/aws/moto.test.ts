/**
 * The AWS side against moto_server: the EventBridge rule's pattern from the synthesised
 * template on moto's default bus, and the bundled worker (from the cloud assembly, in its own
 * Node process, real AWS SDK v3 clients via AWS_ENDPOINT_URL) fed by a small event-source-mapping
 * driver over moto's SQS. Emulator gaps worked around here are listed in docs/aws.md.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GITHUB_SECRET_PLACEHOLDER } from '../../lib/image-updater.ts';
import { corpusEvent } from '../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda, type LambdaProcess } from './support/lambda-process.ts';
import { MOTO_ACCOUNT, MOTO_REGION, startMoto, type Moto } from './support/moto.ts';
import { receiveAll, templateEnv } from './support/queue.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const IMAGE = `${MOTO_ACCOUNT}.dkr.ecr.${MOTO_REGION}.amazonaws.com/shop/api`;
const POISON_IMAGE = `${MOTO_ACCOUNT}.dkr.ecr.${MOTO_REGION}.amazonaws.com/shop/poison`;

/** Replaces the template's pseudo parameters with moto's account and region. */
function resolvePseudo(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolvePseudo);
  if (value && typeof value === 'object') {
    const ref = (value as { Ref?: string }).Ref;
    if (ref === 'AWS::Region') return MOTO_REGION;
    if (ref === 'AWS::AccountId') return MOTO_ACCOUNT;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePseudo(v)]));
  }
  return value;
}

/** The corpus push sample, moved to the stack's account, region and prefix. */
function ecrEvent(overrides: { tag?: string; repository?: string; action?: string; result?: string } = {}): {
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  detail: Record<string, unknown>;
} {
  const sample = corpusEvent('ecr-image-action-push.json') as {
    source: string;
    'detail-type': string;
    detail: object;
  };
  return {
    ...sample,
    account: MOTO_ACCOUNT,
    region: MOTO_REGION,
    detail: {
      ...sample.detail,
      'repository-name': overrides.repository ?? 'shop/api',
      'image-tag': overrides.tag ?? '1.1.0',
      ...(overrides.action ? { 'action-type': overrides.action } : {}),
      ...(overrides.result ? { result: overrides.result } : {}),
    },
  };
}

describeWithTools('AWS tier: moto_server', [MOTO], "pip install 'moto[server]==5.2.1'", () => {
  let moto: Moto;
  let synth: Synthesised;
  let github: GitHubTestServer;
  let worker: LambdaProcess;
  let sqs: SQSClient;
  let secrets: SecretsManagerClient;
  let queueUrl: string;
  let dlqUrl: string;
  let secretArn: string;
  let batchSize: number;

  beforeAll(async () => {
    [moto, github] = await Promise.all([startMoto(), createGitHubTestServer()]);
    synth = synthesiseWithBundles({ githubAuth: 'token', ecrRepositoryPrefixes: ['shop/'] });
    const client = moto.clientConfig;
    sqs = new SQSClient(client);
    secrets = new SecretsManagerClient(client);

    // The queues as the template configures them.
    const resources = Object.entries(synth.template.Resources);
    const queue = resources.find(([id]) => /^ImageUpdaterQueue[0-9A-F]{8}$/.test(id))![1].Properties as {
      RedrivePolicy: { maxReceiveCount: number };
    };
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }))).QueueUrl!;
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'queue',
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlqArn,
              maxReceiveCount: queue.RedrivePolicy.maxReceiveCount,
            }),
          },
        }),
      )
    ).QueueUrl!;
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const mapping = resources.find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')![1].Properties;
    batchSize = Number(mapping.BatchSize);

    // The rule, from the template, on moto's default bus with the queue as its target.
    const rule = resources.find(
      ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern !== undefined,
    )!;
    await moto.events('PutRule', {
      Name: 'ecr-push',
      EventPattern: JSON.stringify(resolvePseudo(rule[1].Properties.EventPattern)),
    });
    await moto.events('PutTargets', { Rule: 'ecr-push', Targets: [{ Id: 'queue', Arn: queueArn }] });

    github.createRepo('acme', 'gitops', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: semver\n    files: ["apps/**"]\n`,
        'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${IMAGE}:1.0.0\n`,
      },
    });
    github.createRepo('acme', 'poison', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: p\n    image: ${POISON_IMAGE}\n    strategy: semver\n    files: ["apps/**"]\n`,
        'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${POISON_IMAGE}:1.0.0\n`,
      },
    });
    // Until the user puts the credentials in, the secret holds the template's placeholder.
    secretArn = (
      await secrets.send(new CreateSecretCommand({ Name: 'github', SecretString: GITHUB_SECRET_PLACEHOLDER }))
    ).ARN!;

    const { file, exportName, resource } = synth.bundle('Worker');
    const env = templateEnv(resource);
    worker = await startLambda({
      file,
      exportName,
      env: {
        ...env,
        ...moto.env,
        WATCHED_REPOS: JSON.stringify([{ repo: 'acme/gitops' }, { repo: 'acme/poison' }]),
        GITHUB_SECRET_ID: secretArn,
        GITHUB_API_URL: github.url,
        // The placeholder must not be cached for five minutes inside one test.
        SECRET_CACHE_SECONDS: '0',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await Promise.all([moto?.stop(), github?.close()]);
    synth?.remove();
  });

  const received = (url: string): Promise<Message[]> => receiveAll(sqs, url);
  const purge = async (url: string) => {
    for (const m of await received(url))
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
  };

  /**
   * One poll of the event source mapping: up to the batch size, the worker invoked, succeeded
   * records deleted, failed ones (or all, when the invocation failed) made visible again. The
   * template's 12-minute visibility timeout is shortened to "at once".
   */
  const poll = async (): Promise<{ records: number; failed: number; error?: string } | undefined> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, batchSize),
        AttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return undefined;
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: m.Attributes as never,
        messageAttributes: {},
        md5OfBody: m.MD5OfBody!,
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:queue`,
        awsRegion: MOTO_REGION,
      })),
    };
    const { result, error } = await worker.invoke<SQSBatchResponse>(event);
    const failed = new Set(
      error ? Messages.map((m) => m.MessageId) : result!.batchItemFailures.map((f) => f.itemIdentifier),
    );
    for (const m of Messages) {
      const handle = { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! };
      if (failed.has(m.MessageId))
        await sqs.send(new ChangeMessageVisibilityCommand({ ...handle, VisibilityTimeout: 0 }));
      else await sqs.send(new DeleteMessageCommand(handle));
    }
    return { records: Messages.length, failed: failed.size, ...(error?.code ? { error: error.code } : {}) };
  };

  it('the rule delivers the corpus push events of the stack’s account, region and prefix, and nothing else', async () => {
    await purge(queueUrl);
    const put = (event: ReturnType<typeof ecrEvent>, region = MOTO_REGION) =>
      moto.events(
        'PutEvents',
        {
          Entries: [
            { Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) },
          ],
        },
        region,
      );
    await put(ecrEvent({ tag: '1.1.0' }));
    await put(ecrEvent({ tag: '1.2.0', repository: 'shop/web' }));
    await put(ecrEvent({ action: 'DELETE' }));
    await put(ecrEvent({ result: 'FAILURE' }));
    await put(ecrEvent({ repository: 'other/api' }));
    // moto keeps a bus per region and never forwards between them: another region's push
    // cannot reach this queue, and the pattern's region filter is checked below instead.
    await put(ecrEvent({ tag: '9.9.9' }), 'us-east-1');
    const scan = corpusEvent('ecr-image-scan.json');
    await moto.events('PutEvents', {
      Entries: [
        { Source: scan.source, DetailType: scan['detail-type'], Detail: JSON.stringify(scan.detail) },
      ],
    });
    const bodies = (await received(queueUrl)).map(
      (m) => JSON.parse(m.Body!) as { detail: Record<string, string> },
    );
    expect(bodies.map((b) => `${b.detail['repository-name']}:${b.detail['image-tag']}`).sort()).toEqual([
      'shop/api:1.1.0',
      'shop/web:1.2.0',
    ]);

    // moto's PutEvents stamps the caller's account and region and its TestEventPattern answers
    // nothing (docs/aws.md): the pattern's own account and region values are asserted instead.
    const rule = Object.values(synth.template.Resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern,
    )!;
    expect(resolvePseudo(rule.Properties.EventPattern)).toMatchObject({
      account: [MOTO_ACCOUNT],
      region: [MOTO_REGION],
    });
    await purge(queueUrl);
  });

  it('push → one PR; records wait while the secret is the placeholder and while GitHub is down, then succeed', async () => {
    const body = JSON.stringify(ecrEvent({ tag: '1.1.0' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

    // The placeholder: the records return (the whole batch: the invocation fails).
    expect(await poll()).toMatchObject({ records: 1, failed: 1, error: 'BATCH_FAILED' });
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ token: 'test-token' }),
      }),
    );

    // GitHub unavailable: after the client's own retries the record returns again.
    const outage = github.addFault({
      match: { repo: 'acme/gitops' },
      times: Infinity,
      respond: { status: 503 },
    });
    expect(await poll()).toMatchObject({ records: 1, failed: 1, error: 'BATCH_FAILED' });
    outage.remove();

    expect(await poll()).toEqual({ records: 1, failed: 0 });
    expect(await poll()).toBeUndefined();
    const pulls = github.listPulls('acme', 'gitops', { state: 'open' });
    expect(pulls).toHaveLength(1);
    expect(github.readFile('acme', 'gitops', pulls[0]!.headRef, 'apps/deployment.yaml')).toContain(
      `${IMAGE}:1.1.0`,
    );
  }, 60_000);

  it('a poison message ends in the DLQ after the template’s maxReceiveCount, and the rest is processed', async () => {
    github.addFault({
      match: { repo: 'acme/poison' },
      times: Infinity,
      respond: { status: 429, headers: { 'retry-after': '3600', 'x-ratelimit-remaining': '0' } },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(ecrEvent({ repository: 'shop/poison', tag: '2.0.0' })),
      }),
    );
    let rounds = 0;
    while ((await poll()) !== undefined) rounds += 1;
    const dead = await received(dlqUrl);
    expect(
      dead.map((m) => (JSON.parse(m.Body!) as { detail: Record<string, string> }).detail['repository-name']),
    ).toEqual(['shop/poison']);
    const queue = Object.entries(synth.template.Resources).find(([id]) =>
      /^ImageUpdaterQueue[0-9A-F]{8}$/.test(id),
    )![1];
    expect(rounds).toBe((queue.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount);
  }, 90_000);
});
