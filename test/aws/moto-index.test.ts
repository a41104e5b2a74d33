/**
 * The image index in DynamoDB (moto_server), through the real SDK client: the same contract as
 * the in-memory index, the requests one push costs, the writes an unchanged config costs (none),
 * and a table that is gone failing with a code instead of a vendor error.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageIndex } from '../../lambdas/adapters/dynamodb/image-index.ts';
import type { IndexEntry } from '../../lambdas/core/repo-index.ts';
import { ImageIndexError } from '../../lambdas/ports/image-index.ts';
import { imageIndexContract } from '../support/image-index-contract.ts';
import { startMoto, type Moto, createIndexTable } from './support/moto.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);

describeWithTools(
  'AWS tier: the image index on moto_server DynamoDB',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let tables = 0;
    /** Commands sent, by name: what a push or a reconcile costs in DynamoDB requests. */
    const sent: string[] = [];
    let client: DynamoDBClient;

    beforeAll(async () => {
      moto = await startMoto();
      client = new DynamoDBClient(moto.clientConfig);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          sent.push(context.commandName as string);
          return next(args);
        },
        { step: 'initialize', name: 'countCommands' },
      );
    });
    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    async function freshIndex(): Promise<DynamoImageIndex> {
      const TableName = `index-${++tables}`;
      await createIndexTable(client, TableName);
      return new DynamoImageIndex({ tableName: TableName, client });
    }

    describe('contract', () => {
      imageIndexContract(freshIndex, 15);
    });

    const entry = (repo: string, images: string[], configSha = 'b1'): IndexEntry => ({
      repo,
      configPath: '.image-updater.yaml',
      status: 'watching',
      images,
      configSha,
      checkedAt: Date.now(),
    });

    it('answers a push with two queries whatever the number of repositories, and an unchanged config with one read', async () => {
      const index = await freshIndex();
      for (let i = 0; i < 60; i++)
        await index.put(entry(`acme/env-${i}`, i % 10 === 0 ? ['ghcr.io/acme/api'] : ['ghcr.io/acme/web']));
      sent.length = 0;
      const found = await index.lookup(['ghcr.io/acme/api']);
      expect(found.map((e) => e.repo).sort()).toEqual([
        'acme/env-0',
        'acme/env-10',
        'acme/env-20',
        'acme/env-30',
        'acme/env-40',
        'acme/env-50',
      ]);
      expect(sent).toEqual(['QueryCommand', 'QueryCommand']);
      sent.length = 0;
      await index.put({ ...entry('acme/env-0', ['ghcr.io/acme/api']), checkedAt: Date.now() + 1000 });
      expect(sent).toEqual(['GetItemCommand']);
    });

    it('moves a repository from one image to another without a pointer left behind', async () => {
      const index = await freshIndex();
      await index.put(entry('acme/env', ['ghcr.io/acme/api']));
      await index.put(entry('acme/env', ['ghcr.io/acme/web'], 'b2'));
      expect(await index.lookup(['ghcr.io/acme/api'])).toEqual([]);
      expect((await index.lookup(['ghcr.io/acme/web'])).map((e) => e.configSha)).toEqual(['b2']);
    });

    it('an item edited by hand fails the lookup retryably (nothing dropped), and the next write of the entry repairs it', async () => {
      const index = await freshIndex();
      await index.put(entry('acme/env', ['ghcr.io/acme/api']));
      const documents = DynamoDBDocumentClient.from(client);
      const tableName = `index-${tables}`;
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: 'image#ghcr.io/acme/api', sk: 'acme/env', repo: 42 },
        }),
      );
      await documents.send(
        new PutCommand({ TableName: tableName, Item: { pk: 'repos', sk: 'acme/env', status: 'odd' } }),
      );
      const error = await index.lookup(['ghcr.io/acme/api']).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INDEX_CORRUPT', retryable: true });
      await index.put(entry('acme/env', ['ghcr.io/acme/api'], 'b2'));
      expect((await index.lookup(['ghcr.io/acme/api'])).map((e) => e.configSha)).toEqual(['b2']);
    });

    it('fails with INDEX_UNAVAILABLE, not retryable, when the table does not exist', async () => {
      const index = new DynamoImageIndex({ tableName: 'no-such-table', client });
      const error = await index.lookup(['ghcr.io/acme/api']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageIndexError);
      expect(error).toMatchObject({ code: 'INDEX_UNAVAILABLE', retryable: false });
    });
  },
);
