/**
 * Benchmark subject: the straightforward approach of the AWS samples (e.g. the "simple websockets chat app"
 * sendmessage function). Read every target connection into an array first (Scan for a broadcast, a Query per
 * user for a multicast), then one `PostToConnection` per connection, either awaited one after the other in a
 * `for ... of` loop or all started at once with `Promise.all`. AWS SDK v3 clients with their default settings
 * (the samples tune nothing: 3 attempts, keep-alive agent with 50 sockets).
 *
 * `BENCH_SAMPLE` caps the sequential loop to the first N connections (at 20 ms a round trip, 50,000 sequential
 * posts take over 16 minutes); the rate it reports is measured over those N posts only.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { measureWhenTold, Phase, setting } from '../harness/measure';

type Item = Record<string, AttributeValue>;

let dynamo: DynamoDBClient;
let api: ApiGatewayManagementApiClient;

async function readAll(tableName: string, users: readonly string[] | undefined): Promise<string[]> {
  const ids: string[] = [];
  const collect = (items: Item[] | undefined) => items?.forEach((item) => ids.push(item.connection_id.S!));
  if (users) {
    for (const user of users) {
      let startKey: Item | undefined;
      do {
        const page = await dynamo.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'user_id = :u',
          ExpressionAttributeValues: { ':u': { S: user } },
          ExclusiveStartKey: startKey,
        }));
        collect(page.Items);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
  } else {
    let startKey: Item | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
      collect(page.Items);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return ids;
}

async function post(connectionId: string, data: string): Promise<boolean> {
  try {
    await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    return true;
  } catch (e) {
    // The samples delete the row on 410 and log anything else; the bench's connections are all live.
    if ((e as Error).name !== 'GoneException') throw e;
    return false;
  }
}

measureWhenTold(
  async () => {
    dynamo = new DynamoDBClient({});
    api = new ApiGatewayManagementApiClient({ endpoint: setting('BENCH_CALLBACK_URL') });
  },
  async () => {
    const mode = setting('BENCH_MODE');
    const request = JSON.parse(setting('BENCH_REQUEST')) as { data: unknown; users?: string[] };
    const sample = Number(process.env.BENCH_SAMPLE || Infinity);
    const data = JSON.stringify(request.data);

    const reading = new Phase();
    const ids = await readAll(setting('BENCH_TABLE'), request.users);
    const read = reading.end();

    const sending = new Phase();
    let posted = 0;
    if (mode === 'sequential') {
      for (const id of ids.slice(0, sample)) {
        await post(id, data);
        posted++;
      }
    } else {
      await Promise.all(ids.map((id) => post(id, data)));
      posted = ids.length;
    }
    return { targets: ids.length, posted, sampled: posted < ids.length, read, send: sending.end() };
  },
);
