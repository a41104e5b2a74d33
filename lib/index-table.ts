/**
 * `IndexTable`: the image index (image → repositories watching it) and the GitHub delivery ids
 * already queued. Everything in it is derived or short-lived: the reconcile rebuilds the index
 * from the repositories' configs, and delivery ids expire after four days (`expiresAt`, the
 * table's TTL), so deleting the stack deletes it.
 *
 * Items: `lambdas/adapters/dynamodb/image-index.ts` (pk `repos` / `image#…` / `unread`) and
 * `delivery-log.ts` (pk `delivery#…`). On demand: a push costs two queries, a quiet month nothing.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export class IndexTable {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct) {
    this.table = new dynamodb.TableV2(scope, 'IndexTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** The worker and the reconcile: read and write index entries (no scan, no table admin). */
  grantIndex(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
      ],
      resourceArns: [this.table.tableArn],
    });
  }

  /** The webhook function: only delivery-id items (`delivery#…`), put and deleted. */
  grantDeliveries(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['delivery#*'] } },
    });
  }
}
