/**
 * The connection stream function: on the connections table's stream, it removes a connection's subscriptions when its
 * row goes (`REMOVE`: its `$disconnect`, its TTL, the pusher's prune on 410, a disconnect request), reporting partial
 * batch failures. The composition root: it reads the configuration, builds the adapters once per container and hands
 * them to the core.
 */
// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readTelemetryConfig } from './adapters/config';
import { DynamoSubscriptionStore } from './connection-stream/adapters/dynamo-subscription-store';
import { PowertoolsStreamReporter } from './connection-stream/adapters/powertools-stream-reporter';
import { readStreamConfig } from './connection-stream/adapters/stream-config';
import { cleanupHandler, connectionIdOf } from './connection-stream/core/cleanup';
import { processBatch, type BatchDeps } from './connection-stream/core/process-batch';

/** Records handled at once (different connections; one connection's records stay in order). */
const CONCURRENCY = 8;

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsStreamReporter(telemetry.serviceName, telemetry.metricsNamespace);

let deps: BatchDeps | undefined;

/** Built on the first invocation and reused: the client keeps its sockets alive across invocations. */
function dependencies(): BatchDeps {
  if (deps) return deps;
  const config = readStreamConfig(process.env);
  const store = new DynamoSubscriptionStore(new DynamoDBClient({}), {
    tableName: config.subscriptionsTableName,
    unprocessedRetry: config.unprocessedRetry,
  });
  deps = {
    handlers: { REMOVE: cleanupHandler(store, config.connectionIdAttribute) },
    // One item's records in order (a connection's row is one item); presence (issue 25) orders by user.
    orderKey: (record) => JSON.stringify(record.dynamodb?.Keys ?? {}),
    concurrency: CONCURRENCY,
    connectionIdOf: (record) => connectionIdOf(record, config.connectionIdAttribute),
    now: Date.now,
  };
  return deps;
}

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  reporter.logger.addContext(context);
  let resolved: BatchDeps;
  try {
    resolved = dependencies();
  } catch (e) {
    // The whole batch fails: Lambda retries it, then hands it to the on-failure destination.
    reporter.error((e as Error).message, e as Error);
    throw e;
  }
  const { batchItemFailures, report } = await processBatch(event.Records ?? [], resolved);
  reporter.report(report);
  return { batchItemFailures };
};
