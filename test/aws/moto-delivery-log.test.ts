/**
 * The DynamoDB delivery log against moto's DynamoDB: a table keyed pk/sk (strings) as the index
 * table is, one conditional item per delivery id, released for a redelivery, an expired claim
 * free again before TTL removes it, and a missing table reported as a retryable error.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoDeliveryLog } from '../../lambdas/adapters/dynamodb/delivery-log.ts';
import { DeliveryLogError } from '../../lambdas/ports/delivery-log.ts';
import { startMoto, type Moto, createIndexTable } from './support/moto.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const TABLE = 'image-updater-index';
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

describeWithTools(
  'AWS tier: the delivery log on moto DynamoDB',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let client: DynamoDBClient;

    beforeAll(async () => {
      moto = await startMoto();
      client = new DynamoDBClient(moto.clientConfig);
      await createIndexTable(client, TABLE);
    }, 30_000);
    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    it('claims a delivery once, as one item with its TTL; a released one is new again', async () => {
      const now = Date.UTC(2026, 5, 1);
      const log = new DynamoDeliveryLog({ client, tableName: TABLE, now: () => now });
      expect(await log.claim(DELIVERY)).toBe('new');
      expect(await log.claim(DELIVERY)).toBe('seen');
      const item = await client.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { pk: { S: `delivery#${DELIVERY}` }, sk: { S: 'delivery' } },
        }),
      );
      expect(item.Item?.expiresAt).toEqual({ N: String(now / 1000 + 4 * 24 * 3600) });
      await log.release(DELIVERY);
      expect(await log.claim(DELIVERY)).toBe('new');
    });

    it('two instances claiming the same delivery at once: exactly one gets it', async () => {
      const log = new DynamoDeliveryLog({ client, tableName: TABLE });
      const id = DELIVERY.replace('7', '1');
      const claims = await Promise.all(Array.from({ length: 8 }, () => log.claim(id)));
      expect(claims.filter((c) => c === 'new')).toHaveLength(1);
    });

    it('an expired claim that TTL has not removed yet is free again', async () => {
      let now = Date.UTC(2026, 5, 1);
      const log = new DynamoDeliveryLog({ client, tableName: TABLE, now: () => now });
      const id = DELIVERY.replace('7', '2');
      expect(await log.claim(id)).toBe('new');
      now += 5 * 24 * 3600 * 1000;
      expect(await log.claim(id)).toBe('new');
    });

    it('a missing table is a retryable DELIVERY_LOG_UNAVAILABLE naming the operation', async () => {
      const log = new DynamoDeliveryLog({ client, tableName: 'no-such-table' });
      const error = await log.claim(DELIVERY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryLogError);
      expect(error).toMatchObject({ code: 'DELIVERY_LOG_UNAVAILABLE', retryable: true });
      expect((error as Error).message).toMatch(
        /^PutItem on the delivery log failed: ResourceNotFoundException/,
      );
    });
  },
);
