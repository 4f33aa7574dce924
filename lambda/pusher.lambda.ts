/**
 * The pusher: SQS batches, SNS notifications or a direct invocation in, PostToConnection out. Wiring only; the
 * behaviour lives in the modules it composes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { readConfig, readTelemetryConfig } from './config';
import { DynamoConnectionStore } from './connection-store';
import type { DeliveryDeps } from './deliver';
import { Limiter } from './limiter';
import { processEvent } from './process';
import { createManagementApiClient, ManagementApiSender } from './sender';
import { PowertoolsReporter } from './telemetry';

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsReporter(telemetry.serviceName, telemetry.metricsNamespace);

let deps: DeliveryDeps | undefined;

/** Built on the first invocation and reused: clients keep their sockets alive across invocations. */
function dependencies(): DeliveryDeps {
  if (deps) return deps;
  const config = readConfig(process.env);
  const retryPolicy = { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  deps = {
    store: new DynamoConnectionStore(new DynamoDBClient({}), {
      tableName: config.tableName,
      userIdAttribute: config.userIdAttribute,
      connectionIdAttribute: config.connectionIdAttribute,
      ttlAttribute: config.ttlAttribute,
      retryPolicy,
    }),
    sender: new ManagementApiSender(createManagementApiClient(config.callbackUrl, config.maxInFlight)),
    sendLimiter: new Limiter(config.maxInFlight),
    queryLimiter: new Limiter(config.maxQueriesInFlight),
    retryPolicy,
    scanSegments: config.scanSegments,
    log: reporter,
  };
  return deps;
}

export const handler = async (event: unknown, context: Context) => {
  reporter.logger.addContext(context);
  let resolved: DeliveryDeps;
  try {
    resolved = dependencies();
  } catch (e) {
    reporter.logger.error((e as Error).message, { error: e as Error });
    throw e;
  }
  return processEvent(event, context, resolved, reporter);
};
