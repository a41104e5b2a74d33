/**
 * The Secrets Manager secret with the GitHub credentials, and the statement that lets a function
 * read a secret.
 */
import { SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** Never change these two: a changed value is written over the user's credentials by the next deploy. */
export const GITHUB_SECRET_DESCRIPTION =
  'GitHub credentials for image-updater: {"appId": "…", "privateKey": "…"} (githubAuth app) or {"token": "…"} (githubAuth token)';
export const GITHUB_SECRET_PLACEHOLDER = JSON.stringify({ appId: '', privateKey: '', token: '' });

/**
 * The user's secret, or a new one (`GitHubSecret` in `scope`) holding a placeholder until the
 * real credentials are put in after the first deploy.
 */
export function githubSecret(
  scope: Construct,
  imported: secretsmanager.ISecret | undefined,
): secretsmanager.ISecret {
  if (imported) return imported;
  const secret = new secretsmanager.Secret(scope, 'GitHubSecret', {
    // Description and value are the same for every set of props: CloudFormation writes the
    // value again whenever the resource's properties change, which would overwrite the
    // credentials a user put in (`put-secret-value`) after the first deploy.
    description: GITHUB_SECRET_DESCRIPTION,
    // A placeholder with empty fields, not a secret (so plain text in the template is fine):
    // the functions report it as "not configured" until the real credentials are put in.
    secretStringValue: SecretValue.unsafePlainText(GITHUB_SECRET_PLACEHOLDER),
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'GitHub credentials (App private keys, tokens) are issued and revoked in GitHub, not by a rotation Lambda. The functions re-read the secret every 5 minutes and after a 401, so a manual rotation needs no redeploy.',
  });
  return secret;
}

/**
 * Lets `grantee` read `secret` (and decrypt it, when a customer-managed key encrypts it). The
 * statement names the full ARN: `secretsmanager:GetSecretValue` on a partial ARN matches no
 * secret.
 */
export function grantReadSecret(
  grantee: lambda.IFunction,
  sid: string,
  secret: secretsmanager.ISecret,
): void {
  grantee.addToRolePolicy(
    new iam.PolicyStatement({
      sid,
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretFullArn(secret)],
    }),
  );
  secret.encryptionKey?.grantDecrypt(grantee);
}

/** A secret imported by name has a partial ARN; the real one ends in a 6-character suffix. */
function secretFullArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}
