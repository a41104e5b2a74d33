/**
 * The image index in DynamoDB (the construct's `IndexTable`: on-demand, `pk`/`sk` strings).
 *
 * Items (every key lowercased, so `Acme/Env` and `acme/env` are one repository):
 *   pk `repos`          sk `<owner/name>`   the entry (repo, configPath, status, images, …)
 *   pk `image#<name>`   sk `<owner/name>`   a copy of the entry, one per image it watches
 *   pk `unread`         sk `<owner/name>`   a copy, while its config could not be read
 *   pk `meta`           sk `discovery`      when a discovery last completed (`at`)
 * A push of one image costs two queries (its image partition and `unread`), whatever the number
 * of repositories; an entry whose config did not change costs one read and no write.
 *
 * A write puts the new items before it deletes the stale ones: a crash in between leaves a
 * pointer too many (one repository run for nothing), never one too few.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { entryToWrite, type IndexEntry, type IndexStatus } from '../../core/repo-index.ts';
import { ImageIndexError, type ImageIndex } from '../../ports/image-index.ts';

export interface DynamoImageIndexOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** Tries of a batch write whose items DynamoDB left unprocessed (throttling). @default 5 */
  readonly maxWriteTries?: number;
}

const ENTRIES = 'repos';
const UNREAD = 'unread';
const META = 'meta';
const imagePk = (image: string) => `image#${image}`;
const STATUSES = new Set<IndexStatus>(['watching', 'no-config', 'invalid', 'unread']);

type Request = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

export class DynamoImageIndex implements ImageIndex {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly maxWriteTries: number;

  constructor(options: DynamoImageIndexOptions) {
    this.tableName = options.tableName;
    this.documents = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({ maxAttempts: 4 }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.maxWriteTries = options.maxWriteTries ?? 5;
  }

  async lookup(images: readonly string[]): Promise<readonly IndexEntry[]> {
    const partitions = [...new Set(images)].map(imagePk);
    const found = await Promise.all([...partitions, UNREAD].map((pk) => this.query(pk)));
    const byRepo = new Map<string, IndexEntry>();
    for (const entry of found.flat()) byRepo.set(entry.repo.toLowerCase(), entry);
    return [...byRepo.values()];
  }

  all(): Promise<readonly IndexEntry[]> {
    return this.query(ENTRIES);
  }

  async get(repo: string): Promise<IndexEntry | undefined> {
    const item = await this.call('read an index entry', () =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: ENTRIES, sk: repo.toLowerCase() } }),
      ),
    );
    return item.Item ? toEntry(item.Item) : undefined;
  }

  async put(next: IndexEntry): Promise<void> {
    // An entry that no longer reads (edited by hand) is overwritten, so a reconcile repairs it.
    const previous = await this.get(next.repo).catch((error: unknown) => {
      if (error instanceof ImageIndexError && error.code === 'INDEX_CORRUPT') return undefined;
      throw error;
    });
    const entry = entryToWrite(previous, next);
    if (!entry) return;
    const sk = entry.repo.toLowerCase();
    const item = (pk: string): Request => ({ PutRequest: { Item: { pk, sk, ...fromEntry(entry) } } });
    const drop = (pk: string): Request => ({ DeleteRequest: { Key: { pk, sk } } });
    const wanted = new Set(entry.images.map(imagePk));
    if (entry.status === 'unread') wanted.add(UNREAD);
    const stale = new Set(previous?.images.map(imagePk) ?? []);
    if (previous?.status === 'unread') stale.add(UNREAD);
    for (const pk of wanted) stale.delete(pk);
    await this.write([...[...wanted].map(item), item(ENTRIES)]);
    await this.write([...stale].map(drop));
  }

  async remove(repo: string): Promise<void> {
    const previous = await this.get(repo);
    if (!previous) return;
    const sk = repo.toLowerCase();
    const keys = [...previous.images.map(imagePk), UNREAD, ENTRIES];
    await this.write(keys.map((pk) => ({ DeleteRequest: { Key: { pk, sk } } })));
  }

  async discoveredAt(): Promise<number | undefined> {
    const item = await this.call('read the discovery marker', () =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: META, sk: 'discovery' } })),
    );
    const at = item.Item?.at;
    return typeof at === 'number' ? at : undefined;
  }

  async markDiscovered(at: number): Promise<void> {
    await this.write([{ PutRequest: { Item: { pk: META, sk: 'discovery', at } } }]);
  }

  private async query(pk: string): Promise<IndexEntry[]> {
    return this.call(`query ${pk}`, async () => {
      const entries: IndexEntry[] = [];
      const pages = paginateQuery(
        { client: this.documents },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) entries.push(toEntry(item));
      return entries;
    });
  }

  /** BatchWriteItem in chunks of 25, retrying what DynamoDB left unprocessed. */
  private async write(requests: readonly Request[]): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending: Request[] = requests.slice(start, start + 25);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > this.maxWriteTries)
          throw new ImageIndexError(
            'INDEX_UNAVAILABLE',
            `index table ${this.tableName}: ${pending.length} writes still unprocessed after ${this.maxWriteTries} tries`,
          );
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const batch = pending;
        const result = await this.call('write index entries', () =>
          this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } })),
        );
        pending = (result.UnprocessedItems?.[this.tableName] ?? []) as Request[];
      }
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ImageIndexError) throw error;
      const e = (error ?? {}) as { name?: string; message?: string };
      // A table that is missing or that the role may not use stays so until someone redeploys.
      const permanent = e.name === 'ResourceNotFoundException' || e.name === 'AccessDeniedException';
      throw new ImageIndexError(
        'INDEX_UNAVAILABLE',
        `index table ${this.tableName}: ${what}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        { retryable: !permanent, cause: error },
      );
    }
  }
}

function fromEntry(entry: IndexEntry): Record<string, unknown> {
  return {
    repo: entry.repo,
    configPath: entry.configPath,
    status: entry.status,
    images: [...entry.images],
    configSha: entry.configSha,
    installationId: entry.installationId,
    checkedAt: entry.checkedAt,
    ...(entry.promotes !== undefined ? { promotes: [...entry.promotes] } : {}),
  };
}

/** An item as an entry; one that is not (edited by hand, an older format) is an error, not a guess. */
function toEntry(item: Record<string, unknown>): IndexEntry {
  const { repo, configPath, status, images, configSha, installationId, checkedAt, promotes } = item;
  const valid =
    typeof repo === 'string' &&
    typeof configPath === 'string' &&
    STATUSES.has(status as IndexStatus) &&
    Array.isArray(images) &&
    images.every((i) => typeof i === 'string') &&
    typeof checkedAt === 'number' &&
    (configSha === undefined || typeof configSha === 'string') &&
    (installationId === undefined || typeof installationId === 'number') &&
    (promotes === undefined || (Array.isArray(promotes) && promotes.every((g) => typeof g === 'string')));
  if (!valid)
    throw new ImageIndexError(
      'INDEX_CORRUPT',
      `index item ${String(item.pk)} ${String(item.sk)} is not an entry`,
    );
  return {
    repo,
    configPath,
    status: status as IndexStatus,
    images: images as string[],
    checkedAt,
    ...(configSha !== undefined ? { configSha } : {}),
    ...(installationId !== undefined ? { installationId } : {}),
    ...(promotes !== undefined ? { promotes: promotes as string[] } : {}),
  };
}
