/** A ready stack around the `ImageUpdater` construct, for `cdk deploy` without code (bin/app.ts). */
import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { PROVIDER_NAMES } from '../lambdas/names.ts';
import { ImageUpdater, type ImageUpdaterProps } from './image-updater.ts';
import { InvalidPropsError } from './errors.ts';
import type { WebhookFrontDoor } from './webhook-endpoint.ts';
import { defined } from '../lambdas/objects.ts';

export interface ImageUpdaterStackProps
  extends
    StackProps,
    Omit<
      ImageUpdaterProps,
      'githubSecret' | 'alarmTopic' | 'webhook' | 'registryCredentialsSecret' | 'verifyKeySecrets'
    > {
  /**
   * Turns the webhook endpoint on for these images (`REGISTRY[/PATH-PREFIX]`, or `*`), with a
   * generated secret.
   * @default - no webhook endpoint
   */
  readonly webhookAllowedImages?: readonly string[];
  /**
   * The webhook's endpoint (`ImageUpdaterWebhookProps.frontDoor`).
   * @default 'function-url'
   */
  readonly webhookFrontDoor?: WebhookFrontDoor;
  /**
   * Reserved concurrency of the webhook function.
   * @default - none
   */
  readonly webhookReservedConcurrency?: number;
  /**
   * ARN of the customer-managed KMS key that encrypts the imported secrets (`githubSecretArn`,
   * `githubSecretName`, `registryCredentialsSecretArn`, `verifyKeySecretArns`); the functions get `kms:Decrypt` on it,
   * through Secrets Manager only. Secrets encrypted with the AWS-managed key need none.
   * @default - the secrets use the AWS-managed key `aws/secretsmanager`
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * ARN of a secret with registry credentials for listing non-ECR tags.
   * @default - anonymous tag listing
   */
  readonly registryCredentialsSecretArn?: string;
  /**
   * ARNs of secrets holding cosign public keys that policies name in `verify.cosign.key`
   * (`ImageUpdaterProps.verifyKeySecrets`).
   * @default - none readable
   */
  readonly verifyKeySecretArns?: readonly string[];
  /**
   * ARN of an existing secret with the GitHub credentials.
   * @default - see `githubSecretName`
   */
  readonly githubSecretArn?: string;
  /**
   * Name of an existing secret with the GitHub credentials.
   * @default - a new secret is created
   */
  readonly githubSecretName?: string;
  /**
   * ARN of an SNS topic for the alarms.
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
}

export class ImageUpdaterStack extends Stack {
  readonly updater: ImageUpdater;

  constructor(scope: Construct, id: string, props: ImageUpdaterStackProps) {
    super(scope, id, props);
    if (props.githubSecretArn && props.githubSecretName) {
      throw new InvalidPropsError('set githubSecretArn or githubSecretName, not both');
    }
    const encryptionKey = props.secretsKmsKeyArn
      ? kms.Key.fromKeyArn(this, 'SecretsKey', props.secretsKmsKeyArn)
      : undefined;
    const githubSecret = importedGitHubSecret(this, props, encryptionKey);
    if (
      encryptionKey &&
      !githubSecret &&
      !props.registryCredentialsSecretArn &&
      !props.verifyKeySecretArns?.length
    ) {
      throw new InvalidPropsError(
        'secretsKmsKeyArn applies to imported secrets: set githubSecretArn, githubSecretName or registryCredentialsSecretArn too',
      );
    }
    const alarmTopic = props.alarmTopicArn
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
      : undefined;
    const {
      webhookAllowedImages,
      webhookFrontDoor,
      webhookReservedConcurrency,
      registryCredentialsSecretArn,
      verifyKeySecretArns,
      secretsKmsKeyArn: _key,
      ...updaterProps
    } = props;
    const webhook = {
      allowedImages: webhookAllowedImages ?? [],
      ...(webhookFrontDoor ? { frontDoor: webhookFrontDoor } : {}),
      ...defined({ reservedConcurrency: webhookReservedConcurrency }),
    };
    const registryCredentialsSecret = registryCredentialsSecretArn
      ? secretsmanager.Secret.fromSecretAttributes(this, 'RegistryCredentials', {
          secretCompleteArn: registryCredentialsSecretArn,
          ...defined({ encryptionKey }),
        })
      : undefined;
    const verifyKeySecrets = (verifyKeySecretArns ?? []).map((secretCompleteArn, i) =>
      secretsmanager.Secret.fromSecretAttributes(this, `VerifyKey${i}`, {
        secretCompleteArn,
        ...defined({ encryptionKey }),
      }),
    );
    this.updater = new ImageUpdater(this, 'ImageUpdater', {
      ...updaterProps,
      ...defined({ githubSecret, alarmTopic, registryCredentialsSecret }),
      ...(verifyKeySecrets.length > 0 ? { verifyKeySecrets } : {}),
      ...(webhookAllowedImages?.length ? { webhook } : {}),
    });
    addOutputs(this, this.updater);
  }
}

/** The secret `githubSecretArn` or `githubSecretName` names, if either is set. */
function importedGitHubSecret(
  stack: Stack,
  props: ImageUpdaterStackProps,
  encryptionKey: kms.IKey | undefined,
): secretsmanager.ISecret | undefined {
  const key = defined({ encryptionKey });
  if (props.githubSecretArn) {
    return secretsmanager.Secret.fromSecretAttributes(stack, 'GitHubSecret', {
      secretCompleteArn: props.githubSecretArn,
      ...key,
    });
  }
  if (!props.githubSecretName) return undefined;
  return secretsmanager.Secret.fromSecretAttributes(stack, 'GitHubSecret', {
    secretPartialArn: stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: props.githubSecretName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    ...key,
  });
}

function addOutputs(stack: Stack, updater: ImageUpdater): void {
  new CfnOutput(stack, 'GitHubSecretArn', {
    description: 'Put the GitHub credentials here (README: the secret format)',
    value: updater.githubSecret.secretArn,
  });
  new CfnOutput(stack, 'QueueUrl', { description: 'The worker queue', value: updater.queue.queueUrl });
  new CfnOutput(stack, 'DeadLetterQueueUrl', {
    description: 'Failed pushes; redrive from here once fixed',
    value: updater.deadLetterQueue.queueUrl,
  });
  new CfnOutput(stack, 'DeadLetterQueueArn', {
    description: 'For the redrive: aws sqs start-message-move-task --source-arn <this>',
    value: updater.deadLetterQueue.queueArn,
  });
  new CfnOutput(stack, 'DashboardName', { value: updater.dashboard.dashboardName });
  if (updater.webhookEndpointUrl && updater.webhookSecret) {
    new CfnOutput(stack, 'WebhookUrl', {
      description: `Registries post to <url>webhooks/<provider> (${PROVIDER_NAMES.join(', ')})`,
      value: updater.webhookEndpointUrl,
    });
    new CfnOutput(stack, 'WebhookSecretArn', {
      description: 'The secret registries present (README: webhooks)',
      value: updater.webhookSecret.secretArn,
    });
  }
}
