/**
 * Benchmark subject: the AWS SDK client sender alone, as the pusher used it before issue 8. A loop of
 * `PostToConnectionCommand` with a fixed number of requests in flight over the same connection ids as the ceiling,
 * through the client the pusher used to build: keep-alive agent with one socket per request in flight, `maxAttempts:
 * 1`, the SDK's own signer and middleware. No DynamoDB, no retries: the sender's cost and nothing else.
 */
import { readFileSync } from 'fs';
import * as http from 'http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { measureWhenTold, setting } from '../harness/measure';

let ids: string[];
let client: ApiGatewayManagementApiClient;

measureWhenTold(
  async () => {
    ids = JSON.parse(readFileSync(setting('BENCH_IDS_FILE'), 'utf8')) as string[];
    const inFlight = Number(setting('BENCH_IN_FLIGHT'));
    client = new ApiGatewayManagementApiClient({
      endpoint: setting('BENCH_CALLBACK_URL'),
      region: setting('AWS_REGION'),
      credentials: { accessKeyId: setting('AWS_ACCESS_KEY_ID'), secretAccessKey: setting('AWS_SECRET_ACCESS_KEY') },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: inFlight }),
        connectionTimeout: 3_000,
        requestTimeout: 10_000,
      }),
    });
  },
  async () => {
    const inFlight = Number(setting('BENCH_IN_FLIGHT'));
    const data = Buffer.from(JSON.stringify((JSON.parse(setting('BENCH_REQUEST')) as { data: unknown }).data));
    const byStatus: Record<number, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const connectionId = ids[next++];
        let status: number;
        try {
          status = (await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }))).$metadata.httpStatusCode ?? 0;
        } catch (e) {
          status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        }
        byStatus[status] = (byStatus[status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, ids.length) }, worker));
    return { posted: ids.length, byStatus };
  },
);
