/// <reference path="./dynalite.d.ts" />
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoFaults } from './dynamo-faults';
import { localClientConfig } from '../../identity';
import { LOOPBACK } from '../../net';

/** A table to create: its name and keys, on demand, as a template declares it. */
export interface LocalTableSpec {
  readonly tableName: string;
  readonly keySchema: ReadonlyArray<{ readonly AttributeName: string; readonly KeyType: string }>;
  readonly attributeDefinitions: ReadonlyArray<{ readonly AttributeName: string; readonly AttributeType: string }>;
}

/**
 * DynamoDB on loopback: dynalite (DynamoDB on LevelDB, in memory), optionally behind a `DynamoFaults` proxy that fails
 * chosen calls. Routes and functions use `endpoint` (the proxy when there is one); `client` reaches dynalite directly,
 * for setting up and inspecting tables.
 */
export class LocalDynamoDb {
  static async start(options: { readonly faults?: boolean } = {}): Promise<LocalDynamoDb> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => resolve());
    });
    const direct = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
    try {
      const faults = options.faults ? await DynamoFaults.start(direct) : undefined;
      return new LocalDynamoDb(server, direct, faults);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** dynalite itself. */
  readonly client: DynamoDBClient;
  /** What routes and functions reach DynamoDB at (`AWS_ENDPOINT_URL_DYNAMODB`): dynalite, or its faults proxy. */
  readonly endpoint: string;

  private constructor(private readonly server: Server, directEndpoint: string, readonly faults?: DynamoFaults) {
    this.client = new DynamoDBClient(localClientConfig(directEndpoint));
    this.endpoint = faults?.endpoint ?? directEndpoint;
  }

  async createTable(spec: LocalTableSpec): Promise<void> {
    await this.client.send(new CreateTableCommand({
      TableName: spec.tableName,
      KeySchema: spec.keySchema as KeySchemaElement[],
      AttributeDefinitions: spec.attributeDefinitions as AttributeDefinition[],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.faults?.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
