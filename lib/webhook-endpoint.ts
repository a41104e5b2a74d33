/**
 * The webhook's front door: a Lambda function URL (default) or an API Gateway HTTP API. The
 * function and its event format (payload 2.0) are the same behind either.
 *
 * The HTTP API exists where function URLs do not (see lib/regions.ts), and it is the one that
 * passes AWS Control Tower's proactive controls: no `AuthType: NONE` URL (CT.LAMBDA.PR.5) and no
 * `Principal: "*"` on the function (CT.LAMBDA.PR.2); only API Gateway, for this API, may invoke
 * it. A custom domain can be mapped onto it (`webhookApi.defaultStage`).
 */
import { Aws, CfnRule, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { parseAllowedImages, type WebhookEnvSchema } from '../lambdas/handlers/webhook-env.ts';
import { MAX_WEBHOOK_BODY_BYTES } from '../lambdas/ports/http.ts';
import { InvalidPropsError } from './errors.ts';
import type { ImageUpdaterWebhookProps } from './image-updater-props.ts';
import {
  lacksFunctionUrls,
  PARTITIONS_WITHOUT_FUNCTION_URLS,
  REGIONS_WITHOUT_FUNCTION_URLS,
} from './regions.ts';
import { grantReadSecret } from './secrets.ts';
import { updaterFunction, type EnvironmentOf, type FunctionSettings } from './updater-function.ts';
import type { IndexTable } from './index-table.ts';
import type { WorkQueue } from './work-queue.ts';
import { defined } from '../lambdas/objects.ts';

/** `function-url`: a Lambda function URL. `http-api`: an API Gateway HTTP API. */
export type WebhookFrontDoor = 'function-url' | 'http-api';

export const WEBHOOK_FRONT_DOORS: readonly WebhookFrontDoor[] = ['function-url', 'http-api'];

export interface WebhookEndpointProps extends ImageUpdaterWebhookProps {
  /** Where accepted pushes go. */
  readonly queue: WorkQueue;
  /** Where GitHub delivery ids are claimed, so a redelivered event is queued once. */
  readonly indexTable: IndexTable;
  readonly settings: FunctionSettings;
}

/**
 * `Webhook` (with its `Logs` and `Role`), `WebhookSecret` unless one is given, and the front door
 * (`function-url`: the function's URL, plus the `FunctionUrlsAvailable` rule in an
 * environment-agnostic stack; `http-api`: `WebhookApi` and its access logs), all in `scope`.
 */
export class WebhookEndpoint {
  readonly fn: NodejsFunction;
  /** The secret registries present. */
  readonly secret: secretsmanager.ISecret;
  /** Ends in `/`: registries post to `<url>webhooks/<provider>`. */
  readonly url: string;
  /** With the `function-url` front door. */
  readonly functionUrl?: lambda.FunctionUrl;
  /** With the `http-api` front door. */
  readonly api?: apigwv2.HttpApi;

  constructor(scope: Construct, props: WebhookEndpointProps) {
    // Checked at synth with the same parser the function runs at cold start, so a bad entry
    // fails `cdk synth` instead of every delivery.
    const allowedImages = JSON.stringify(props.allowedImages);
    try {
      parseAllowedImages(allowedImages);
    } catch (error) {
      throw new InvalidPropsError(`webhook.allowedImages: ${(error as Error).message}`);
    }
    const frontDoor = props.frontDoor ?? 'function-url';
    if (!WEBHOOK_FRONT_DOORS.includes(frontDoor)) {
      throw new InvalidPropsError(
        `webhook.frontDoor: expected one of ${WEBHOOK_FRONT_DOORS.join(', ')}, got ${String(frontDoor)}`,
      );
    }
    if (frontDoor === 'function-url') refuseWhereUrlsAreMissing(scope, Stack.of(scope));
    const reserved = props.reservedConcurrency;
    if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
      throw new InvalidPropsError(`webhook.reservedConcurrency must be a positive integer, got ${reserved}`);
    }

    this.secret =
      props.secret ??
      new secretsmanager.Secret(scope, 'WebhookSecret', {
        description:
          'Shared secret registries present to the image-updater webhook (one string, or JSON per provider)',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
    if (!props.secret) {
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The webhook secret is also configured in each registry, which a rotation Lambda cannot update; rotate it by hand in both places. The function re-reads it after a failed check.',
      });
    }
    const environment: EnvironmentOf<typeof WebhookEnvSchema> = {
      WEBHOOK_SECRET_ID: this.secret.secretArn,
      WEBHOOK_ALLOWED_IMAGES: allowedImages,
      QUEUE_URL: props.queue.queue.queueUrl,
      WEBHOOK_MAX_BODY_BYTES: String(props.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES),
      SECRET_CACHE_SECONDS: '300',
      INDEX_TABLE_NAME: props.indexTable.table.tableName,
    };
    this.fn = updaterFunction(scope, 'Webhook', {
      entry: 'webhook-main.ts',
      description: 'image-updater webhook: registry notifications and GitHub events → the worker queue',
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment,
      settings: props.settings,
      ...defined({ reservedConcurrentExecutions: reserved }),
    });
    grantReadSecret(this.fn, 'ReadWebhookSecret', this.secret);
    props.queue.grantEnqueue(this.fn);
    props.indexTable.grantDeliveries(this.fn);

    if (frontDoor === 'function-url') {
      // Registries cannot sign SigV4: the provider secret (constant-time checked) is the auth.
      this.functionUrl = this.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      this.url = this.functionUrl.url;
    } else {
      this.api = httpApi(scope, this.fn);
      this.url = `${this.api.apiEndpoint}/`;
    }
  }
}

function httpApi(scope: Construct, fn: NodejsFunction): apigwv2.HttpApi {
  const accessLogs = new logs.LogGroup(scope, 'WebhookApiAccessLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
  });
  const api = new apigwv2.HttpApi(scope, 'WebhookApi', {
    description: 'image-updater webhook: registry notifications → the worker queue',
    // Every path reaches the function, which answers 404/405 itself (as behind a function URL).
    defaultIntegration: new HttpLambdaIntegration('WebhookIntegration', fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    }),
    createDefaultStage: false,
  });
  api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    // A flood of deliveries is turned away at the door instead of queueing Lambda invocations.
    throttle: { rateLimit: 50, burstLimit: 100 },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: apigateway.AccessLogFormat.jsonWithStandardFields(),
    },
  });
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'Registries cannot sign requests or obtain tokens; every delivery is authenticated by the function with the provider secret (HMAC or shared token, constant-time compared).',
  });
  return api;
}

/**
 * A function URL where none exist fails the deploy after other resources were created (cfn-lint
 * E3006). A known region is refused at synth; for an environment-agnostic stack the template
 * carries a rule that fails the deploy before anything is created.
 */
function refuseWhereUrlsAreMissing(scope: Construct, stack: Stack): void {
  const hint = 'choose the HTTP API front door (webhook.frontDoor: "http-api", -c webhookFrontDoor=http-api)';
  if (!Token.isUnresolved(stack.region)) {
    if (lacksFunctionUrls(stack.region))
      throw new InvalidPropsError(`webhook: Lambda function URLs do not exist in ${stack.region}; ${hint}`);
    return;
  }
  new CfnRule(scope, 'FunctionUrlsAvailable', {
    assertions: [
      {
        assert: Fn.conditionNot(
          Fn.conditionOr(
            Fn.conditionContains([...REGIONS_WITHOUT_FUNCTION_URLS], Aws.REGION),
            Fn.conditionContains([...PARTITIONS_WITHOUT_FUNCTION_URLS], Aws.PARTITION),
          ),
        ),
        assertDescription: `Lambda function URLs do not exist in this region; redeploy with -c webhookFrontDoor=http-api`,
      },
    ],
  });
}
