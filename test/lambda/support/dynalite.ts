/// <reference path="../../../local/aws/dynamodb/dynalite.d.ts" />
import type { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** A DynamoDB engine (dynalite) on a free port, in memory, and a client of it; `close` stops both. */
export async function startDynalite(): Promise<{ client: DynamoDBClient; close: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    client,
    close: async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Creates an on-demand table keyed by two strings (`hash`, `range`). */
export async function createTable(client: DynamoDBClient, tableName: string, hash: string, range: string): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: tableName,
    KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }, { AttributeName: range, KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: hash, AttributeType: 'S' }, { AttributeName: range, AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}
