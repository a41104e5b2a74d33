/** A ready stack around the `ImageUpdater` construct, for `cdk deploy` without code (bin/app.ts). */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ImageUpdater, type ImageUpdaterProps } from './image-updater.ts';
import { InvalidPropsError } from './errors.ts';

export interface ImageUpdaterStackProps
  extends
    StackProps,
    Omit<ImageUpdaterProps, 'githubSecret' | 'alarmTopic' | 'webhook' | 'registryCredentialsSecret'> {
  /**
   * Turns the webhook endpoint on for these images (`REGISTRY[/PATH-PREFIX]`, or `*`), with a
   * generated secret.
   * @default - no webhook endpoint
   */
  readonly webhookAllowedImages?: readonly string[];
  /**
   * ARN of a secret with registry credentials for listing non-ECR tags.
   * @default - anonymous tag listing
   */
  readonly registryCredentialsSecretArn?: string;
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
    const githubSecret = props.githubSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'GitHubSecret', props.githubSecretArn)
      : props.githubSecretName
        ? secretsmanager.Secret.fromSecretNameV2(this, 'GitHubSecret', props.githubSecretName)
        : undefined;
    const alarmTopic = props.alarmTopicArn
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
      : undefined;
    const { webhookAllowedImages, registryCredentialsSecretArn, ...updaterProps } = props;
    this.updater = new ImageUpdater(this, 'ImageUpdater', {
      ...updaterProps,
      ...(githubSecret ? { githubSecret } : {}),
      ...(alarmTopic ? { alarmTopic } : {}),
      ...(webhookAllowedImages?.length ? { webhook: { allowedImages: webhookAllowedImages } } : {}),
      ...(registryCredentialsSecretArn
        ? {
            registryCredentialsSecret: secretsmanager.Secret.fromSecretCompleteArn(
              this,
              'RegistryCredentials',
              registryCredentialsSecretArn,
            ),
          }
        : {}),
    });
    new CfnOutput(this, 'GitHubSecretArn', {
      description: 'Put the GitHub credentials here (README: the secret format)',
      value: this.updater.githubSecret.secretArn,
    });
    new CfnOutput(this, 'QueueUrl', { description: 'The worker queue', value: this.updater.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Failed pushes; redrive from here once fixed',
      value: this.updater.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'DashboardName', { value: this.updater.dashboard.dashboardName });
    if (this.updater.webhookUrl && this.updater.webhookSecret) {
      new CfnOutput(this, 'WebhookUrl', {
        description:
          'Registries post to <url>webhooks/<provider> (distribution, harbor, dockerhub, ghcr, ecr)',
        value: this.updater.webhookUrl.url,
      });
      new CfnOutput(this, 'WebhookSecretArn', {
        description: 'The secret registries present (README: webhooks)',
        value: this.updater.webhookSecret.secretArn,
      });
    }
  }
}
