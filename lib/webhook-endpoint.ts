/**
 * The webhook's front door: a Lambda function URL (default) or an API Gateway HTTP API. The
 * function and its event format (payload 2.0) are the same behind either.
 *
 * The HTTP API exists where function URLs do not (see lib/regions.ts), and it is the one that
 * passes AWS Control Tower's proactive controls: no `AuthType: NONE` URL (CT.LAMBDA.PR.5) and no
 * `Principal: "*"` on the function (CT.LAMBDA.PR.2); only API Gateway, for this API, may invoke
 * it. A custom domain can be mapped onto it (`webhookApi.defaultStage`).
 */
import { Aws, CfnRule, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ImageAllowList } from '../lambdas/adapters/webhooks/allow-list.ts';
import { InvalidPropsError } from './errors.ts';
import {
  lacksFunctionUrls,
  PARTITIONS_WITHOUT_FUNCTION_URLS,
  REGIONS_WITHOUT_FUNCTION_URLS,
} from './regions.ts';

/** `function-url`: a Lambda function URL. `http-api`: an API Gateway HTTP API. */
export type WebhookFrontDoor = 'function-url' | 'http-api';

export const WEBHOOK_FRONT_DOORS: readonly WebhookFrontDoor[] = ['function-url', 'http-api'];

export interface WebhookEndpointOptions {
  readonly allowedImages: readonly string[];
  readonly secret?: secretsmanager.ISecret;
  readonly maxBodyBytes?: number;
  readonly reservedConcurrency?: number;
  readonly frontDoor?: WebhookFrontDoor;
}

export interface WebhookEndpoint {
  readonly fn: NodejsFunction;
  readonly secret: secretsmanager.ISecret;
  /** Ends in `/`: registries post to `<url>webhooks/<provider>`. */
  readonly url: string;
  readonly functionUrl?: lambda.FunctionUrl;
  readonly api?: apigwv2.HttpApi;
}

export function webhookEndpoint(
  scope: Construct,
  options: WebhookEndpointOptions,
  makeFunction: (environment: Record<string, string>, reservedConcurrency?: number) => NodejsFunction,
  grantEnqueue: (fn: NodejsFunction) => void,
  queueUrl: string,
): WebhookEndpoint {
  // Checked at synth with the same parser the function runs at cold start, so a bad entry
  // fails `cdk synth` instead of every delivery.
  try {
    ImageAllowList.parse(options.allowedImages);
  } catch (error) {
    throw new InvalidPropsError(`webhook.allowedImages: ${(error as Error).message}`);
  }
  const frontDoor = options.frontDoor ?? 'function-url';
  if (!WEBHOOK_FRONT_DOORS.includes(frontDoor)) {
    throw new InvalidPropsError(
      `webhook.frontDoor: expected one of ${WEBHOOK_FRONT_DOORS.join(', ')}, got ${String(frontDoor)}`,
    );
  }
  const stack = Stack.of(scope);
  if (frontDoor === 'function-url') refuseWhereUrlsAreMissing(scope, stack);
  const reserved = options.reservedConcurrency;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new InvalidPropsError(`webhook.reservedConcurrency must be a positive integer, got ${reserved}`);
  }

  const secret =
    options.secret ??
    new secretsmanager.Secret(scope, 'WebhookSecret', {
      description:
        'Shared secret registries present to the image-updater webhook (one string, or JSON per provider)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
  if (!options.secret) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook secret is also configured in each registry, which a rotation Lambda cannot update; rotate it by hand in both places. The function re-reads it after a failed check.',
    });
  }
  const fn = makeFunction(
    {
      WEBHOOK_SECRET_ID: secret.secretArn,
      WEBHOOK_ALLOWED_IMAGES: JSON.stringify(options.allowedImages),
      QUEUE_URL: queueUrl,
      WEBHOOK_MAX_BODY_BYTES: String(options.maxBodyBytes ?? 262_144),
      SECRET_CACHE_SECONDS: '300',
    },
    reserved,
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadWebhookSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    }),
  );
  secret.encryptionKey?.grantDecrypt(fn);
  grantEnqueue(fn);

  if (frontDoor === 'function-url') {
    // Registries cannot sign SigV4: the provider secret (constant-time checked) is the auth.
    const functionUrl = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    return { fn, secret, url: functionUrl.url, functionUrl };
  }
  const api = httpApi(scope, fn);
  return { fn, secret, url: `${api.apiEndpoint}/`, api };
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
