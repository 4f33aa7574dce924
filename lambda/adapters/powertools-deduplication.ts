// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
// eslint-disable-next-line import/no-extraneous-dependencies
import { IdempotencyConfig, IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
// eslint-disable-next-line import/no-extraneous-dependencies
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Claim, Deduplication } from '../core/ports/deduplication';

/**
 * Deduplication on Powertools' idempotency utility and its DynamoDB persistence layer (a record per key: INPROGRESS
 * while a request is delivered, COMPLETED for the window, deleted when it failed), used record by record rather
 * than through `makeIdempotent`, because one invocation delivers all its records together.
 */
export class PowertoolsDeduplication implements Deduplication {
  private readonly layer: DynamoDBPersistenceLayer;

  constructor(client: DynamoDBClient, tableName: string, windowSeconds: number, functionName: string) {
    this.layer = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
    this.layer.configure({
      config: new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: windowSeconds, throwOnNoIdempotencyKey: true }),
      functionName,
    });
  }

  async claim(key: string, remainingMs?: number): Promise<Claim> {
    try {
      await this.layer.saveInProgress({ id: key }, remainingMs);
      return 'fresh';
    } catch (e) {
      if (!(e instanceof IdempotencyItemAlreadyExistsError)) throw e;
      const record = e.existingRecord ?? await this.layer.getRecord({ id: key }).catch((notFound: unknown) => {
        // Deleted (a failed attempt released it) between the put and the read: claim it again.
        if (notFound instanceof IdempotencyItemNotFoundError) return undefined;
        throw notFound;
      });
      if (record === undefined) return this.claim(key, remainingMs);
      return record.getStatus() === IdempotencyRecordStatus.COMPLETED ? 'duplicate' : 'in-progress';
    }
  }

  async complete(key: string): Promise<void> {
    await this.layer.saveSuccess({ id: key }, {});
  }

  async release(key: string): Promise<void> {
    await this.layer.deleteRecord({ id: key });
  }
}
