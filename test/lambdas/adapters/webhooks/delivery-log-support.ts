import { DynamoError } from '../../../../lambdas/adapters/dynamodb/errors.ts';

/** What a delivery log throws when its table is throttled. */
export class DeliveryLogError extends DynamoError {
  constructor() {
    super(
      'DELIVERY_LOG_UNAVAILABLE',
      'PutItem on the delivery log failed: ProvisionedThroughputExceededException',
      {
        retryable: true,
      },
    );
  }
}
