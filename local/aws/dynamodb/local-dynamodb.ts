/// <reference path="./dynalite.d.ts" />
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement, type Projection } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoFaults } from './dynamo-faults';
import type { LocalStream, StreamViewType } from './local-stream';
import type { KeySchema } from './stream-images';
import { StreamRecorder } from './stream-recorder';
import { TtlSweeper } from './ttl-sweeper';
import { localClientConfig } from '../../identity';
import { LOOPBACK } from '../../net';

/** A table to create: its name, keys and global secondary indexes, on demand, as a template declares them. */
export interface LocalTableSpec {
  readonly tableName: string;
  readonly keySchema: KeySchema;
  readonly attributeDefinitions: ReadonlyArray<{ readonly AttributeName: string; readonly AttributeType: string }>;
  readonly globalSecondaryIndexes?: ReadonlyArray<{
    readonly indexName: string;
    readonly keySchema: KeySchema;
    readonly projection: { readonly ProjectionType?: string; readonly NonKeyAttributes?: readonly string[] };
  }>;
  /** The table has a stream of this view type: its writes through `endpoint` are recorded (`stream(tableName)`). */
  readonly streamViewType?: StreamViewType;
  /** The table's TTL attribute: expired items are deleted by the sweeper. */
  readonly ttlAttribute?: string;
}

export interface LocalDynamoDbOptions {
  /** A `DynamoFaults` proxy in front of the stream recorder (`faults`). @default false */
  readonly faults?: boolean;
  /** Between the end of a TTL sweep and the start of the next. @default 1000 */
  readonly ttlSweepIntervalMs?: number;
}

/**
 * DynamoDB on loopback: dynalite (DynamoDB on LevelDB, in memory) behind a `StreamRecorder` (DynamoDB Streams for the
 * tables created with one), optionally behind a `DynamoFaults` proxy that fails chosen calls, with a `TtlSweeper`
 * deleting the expired items of tables with a TTL. Routes and functions use `endpoint` (faults → recorder → dynalite);
 * `client` reaches dynalite directly, for setting up and inspecting tables: its writes produce no stream records.
 */
export class LocalDynamoDb {
  static async start(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => resolve());
    });
    const direct = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
    let recorder: StreamRecorder | undefined;
    try {
      recorder = await StreamRecorder.start(direct);
      const faults = options.faults ? await DynamoFaults.start(recorder.endpoint) : undefined;
      return new LocalDynamoDb(server, direct, recorder, faults, options);
    } catch (error) {
      await recorder?.stop();
      server.close();
      throw error;
    }
  }

  /** dynalite itself. */
  readonly client: DynamoDBClient;
  /** What routes and functions reach DynamoDB at (`AWS_ENDPOINT_URL_DYNAMODB`): the faults proxy, or the recorder. */
  readonly endpoint: string;
  /** Deletes the expired items of the tables created with a TTL attribute, every `ttlSweepIntervalMs`. */
  readonly sweeper: TtlSweeper;

  private constructor(
    private readonly server: Server,
    directEndpoint: string,
    /** Records the writes to the tables created with a stream. */
    readonly recorder: StreamRecorder,
    readonly faults: DynamoFaults | undefined,
    options: LocalDynamoDbOptions,
  ) {
    this.client = new DynamoDBClient(localClientConfig(directEndpoint));
    this.endpoint = faults?.endpoint ?? recorder.endpoint;
    this.sweeper = new TtlSweeper({ recorder, intervalMs: options.ttlSweepIntervalMs });
    this.sweeper.start();
  }

  /** Creates the table with its indexes; records its writes when it has a stream, sweeps it when it has a TTL. */
  async createTable(spec: LocalTableSpec): Promise<void> {
    const indexes = spec.globalSecondaryIndexes ?? [];
    await this.client.send(new CreateTableCommand({
      TableName: spec.tableName,
      KeySchema: spec.keySchema as KeySchemaElement[],
      AttributeDefinitions: spec.attributeDefinitions as AttributeDefinition[],
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0 ? {
        GlobalSecondaryIndexes: indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: index.keySchema as KeySchemaElement[],
          Projection: index.projection as Projection,
        })),
      } : {}),
    }));
    if (spec.streamViewType) this.recorder.record({ tableName: spec.tableName, keySchema: spec.keySchema, viewType: spec.streamViewType });
    if (spec.ttlAttribute) this.sweeper.add({ tableName: spec.tableName, keySchema: spec.keySchema, ttlAttribute: spec.ttlAttribute });
  }

  /** The stream of a table created with one. */
  stream(tableName: string): LocalStream {
    const stream = this.recorder.stream(tableName);
    if (!stream) throw new Error(`the local table ${tableName} has no stream`);
    return stream;
  }

  /** Stops the sweeper, then the proxies, then dynalite. */
  async stop(): Promise<void> {
    await this.sweeper.stop();
    await this.faults?.stop();
    await this.recorder.stop();
    this.client.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
