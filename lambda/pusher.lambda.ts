/**
 * The pusher: SQS batches, SNS notifications or a direct invocation in, `POST @connections/{id}` out. Wiring only; the
 * behaviour lives in the modules it composes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { readConfig, readRegion, readTelemetryConfig } from './config';
import { DynamoConnectionStore } from './connection-store';
import type { DeliveryDeps } from './deliver';
import { SplitDecision, type FanoutDeps } from './fanout';
import { Limiter } from './limiter';
import { PacedSender, workerBucket } from './pace';
import { processEvent } from './process';
import { SignedHttpSender } from './signed-http-sender';
import { PowertoolsReporter } from './telemetry';
import { SqsWorkQueue } from './work-queue';

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsReporter(telemetry.serviceName, telemetry.metricsNamespace);

interface Dependencies {
  readonly delivery: DeliveryDeps;
  readonly fanout?: FanoutDeps;
}

let deps: Dependencies | undefined;

/** Built on the first invocation and reused: clients keep their sockets alive across invocations. */
function dependencies(): Dependencies {
  if (deps) return deps;
  const config = readConfig(process.env);
  const retryPolicy = { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  const store = new DynamoConnectionStore(new DynamoDBClient({}), {
    tableName: config.tableName,
    userIdAttribute: config.userIdAttribute,
    connectionIdAttribute: config.connectionIdAttribute,
    ttlAttribute: config.ttlAttribute,
    retryPolicy,
  });
  const delivery: DeliveryDeps = {
    store,
    // One keep-alive socket per request in flight; credentials from the standard chain (Lambda's role).
    sender: new SignedHttpSender({ callbackUrl: config.callbackUrl, region: readRegion(process.env), maxSockets: config.maxInFlight }),
    sendLimiter: new Limiter(config.maxInFlight),
    queryLimiter: new Limiter(config.maxQueriesInFlight),
    retryPolicy,
    scanSegments: config.scanSegments,
    log: reporter,
  };
  const fanout = config.fanout;
  deps = {
    delivery,
    fanout: fanout && {
      config: fanout,
      store,
      queue: new SqsWorkQueue(new SQSClient({}), fanout.workQueueUrl, { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 }),
      // Workers pace every post, so that all of them together stay within RATE_LIMIT_PER_SECOND.
      workerDeps: { ...delivery, sender: new PacedSender(delivery.sender, workerBucket(fanout.ratePerSecond, fanout.workerConcurrency)) },
      userIdAttribute: config.userIdAttribute,
      connectionIdAttribute: config.connectionIdAttribute,
      splitDecision: new SplitDecision(store, fanout.threshold),
      log: reporter,
    },
  };
  return deps;
}

export const handler = async (event: unknown, context: Context) => {
  reporter.logger.addContext(context);
  let resolved: Dependencies;
  try {
    resolved = dependencies();
  } catch (e) {
    reporter.logger.error((e as Error).message, { error: e as Error });
    throw e;
  }
  return processEvent(event, context, resolved.delivery, reporter, resolved.fanout);
};
