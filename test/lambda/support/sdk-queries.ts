import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * For the handler's tests that mock DynamoDB's client (aws-sdk-client-mock): the pusher's `SignedHttpQuery` sends
 * its Queries through that client's `QueryCommand` instead, so that the mock answers them. Use as
 * `jest.mock('../../lambda/adapters/signed-http-query', () => queriesThroughTheClient())`. The real `SignedHttpQuery`
 * is tested against the SDK on dynalite (test/lambda/adapters/signed-http-query.test.ts) and runs in every e2e test.
 */
export function queriesThroughTheClient(): object {
  const actual = jest.requireActual('../../../lambda/adapters/signed-http-query');
  return {
    ...actual,
    SignedHttpQuery: class {
      private readonly queries: { query(input: unknown): Promise<unknown> };
      constructor(client: DynamoDBClient) {
        this.queries = actual.sdkQueries(client);
      }
      query(input: unknown): Promise<unknown> {
        return this.queries.query(input);
      }
    },
  };
}
