import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * For the handler's tests that mock DynamoDB's client (aws-sdk-client-mock): the pusher's `SignedHttpReads` sends
 * its Queries and Scans through that client's `QueryCommand` and `ScanCommand` instead, so that the mock answers
 * them. Use as `jest.mock('../../lambda/adapters/signed-http-reads', () => readsThroughTheClient())`. The real `SignedHttpReads`
 * is tested against the SDK on dynalite (test/lambda/adapters/signed-http-reads.test.ts) and runs in every e2e test.
 */
export function readsThroughTheClient(): object {
  const actual = jest.requireActual('../../../lambda/adapters/signed-http-reads');
  return {
    ...actual,
    SignedHttpReads: class {
      private readonly reads: { query(input: unknown): Promise<unknown>; scan(input: unknown): Promise<unknown> };
      constructor(client: DynamoDBClient) {
        this.reads = actual.sdkReads(client);
      }
      query(input: unknown): Promise<unknown> {
        return this.reads.query(input);
      }
      scan(input: unknown): Promise<unknown> {
        return this.reads.scan(input);
      }
    },
  };
}
