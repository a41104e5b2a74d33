/** The webhook function's entry point (Lambda function URL): production wiring, built once per cold start. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { DynamoDeliveryLog } from '../adapters/dynamodb/delivery-log.ts';
import { MemoryDeliveryLog } from '../adapters/local/memory-delivery-log.ts';
import { SqsPushQueue } from '../adapters/sqs/push-queue.ts';
import { SecretsManagerWebhookSecrets } from '../adapters/webhooks/secrets.ts';
import { METRICS_NAMESPACE, WEBHOOK_SERVICE } from '../names.ts';
import { functionLogger } from '../adapters/logging/json-log.ts';
import { createWebhookHandler } from './webhook.ts';
import { parseWebhookEnv } from './webhook-env.ts';

const env = parseWebhookEnv(process.env);
const logger = functionLogger(WEBHOOK_SERVICE);
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: WEBHOOK_SERVICE,
});
const webhook = createWebhookHandler({
  secrets: new SecretsManagerWebhookSecrets({
    client: new SecretsManagerClient({}),
    secretId: env.WEBHOOK_SECRET_ID,
    maxAgeSeconds: env.SECRET_CACHE_SECONDS,
  }),
  allowList: env.allowList,
  queue: new SqsPushQueue({ client: new SQSClient({}), queueUrl: env.QUEUE_URL }),
  log: logger,
  metrics,
  maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
  deliveries: env.INDEX_TABLE_NAME
    ? new DynamoDeliveryLog({ client: new DynamoDBClient({}), tableName: env.INDEX_TABLE_NAME })
    : new MemoryDeliveryLog(),
});

export async function handler(
  event: LambdaFunctionURLEvent,
  context: Context,
): Promise<LambdaFunctionURLResult> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    return await webhook(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
