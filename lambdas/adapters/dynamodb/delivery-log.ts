/**
 * The delivery log in the index table (`INDEX_TABLE_NAME`): one item per delivery id,
 * `pk = "delivery#<id>"`, `sk = "delivery"`, removed by the table's TTL on `expiresAt` (epoch
 * seconds) four days later. A claim is a conditional `PutItem` (`attribute_not_exists(pk)`), so
 * two webhook instances taking the same delivery at once agree on which one queues it.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DeliveryLogError, type DeliveryClaim, type DeliveryLog } from '../../ports/delivery-log.ts';
import { DELIVERY_TTL_MS } from '../local/memory-delivery-log.ts';

export interface DynamoDeliveryLogOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default 4 days */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

const SORT_KEY = 'delivery';

export class DynamoDeliveryLog implements DeliveryLog {
  constructor(private readonly options: DynamoDeliveryLogOptions) {}

  async claim(id: string): Promise<DeliveryClaim> {
    const now = (this.options.now ?? Date.now)();
    const expiresAt = Math.ceil((now + (this.options.ttlMs ?? DELIVERY_TTL_MS)) / 1000);
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: { S: keyOf(id) },
            sk: { S: SORT_KEY },
            expiresAt: { N: String(expiresAt) },
            claimedAt: { S: new Date(now).toISOString() },
          },
          // TTL deletes expired items within days, not at once: an expired claim is free again.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
        }),
      );
      return 'new';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'seen';
      throw unavailable('PutItem', error);
    }
  }

  async release(id: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: keyOf(id) }, sk: { S: SORT_KEY } },
        }),
      );
    } catch (error) {
      throw unavailable('DeleteItem', error);
    }
  }
}

function keyOf(id: string): string {
  return `delivery#${id}`;
}

function unavailable(operation: string, error: unknown): DeliveryLogError {
  const name = (error as { name?: string }).name ?? 'Error';
  return new DeliveryLogError(`${operation} on the delivery log failed: ${name}`, { cause: error });
}
