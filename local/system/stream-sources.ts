import { PublishCommand } from '@aws-sdk/client-sns';
import type { LocalMessaging } from './messaging';
import type { LocalDynamoDb } from '../aws/dynamodb/local-dynamodb';
import { StreamEventSource, type StreamFailureDestination, type StreamInvocation } from '../lambda-runtime/event-sources/stream-event-source';
import type { FunctionRunner } from '../lambda-runtime/function-runner';
import type { CloudTemplate, LocalNames } from '../template/intrinsics';
import { streamMappings, type StreamMappingSpec } from '../template/streams';

/** A running DynamoDB stream event source mapping of the template. */
export interface RunningStreamSource {
  readonly mapping: StreamMappingSpec;
  readonly source: StreamEventSource;
}

export interface StartStreamSourcesOptions {
  readonly template: CloudTemplate;
  readonly dynamodb: LocalDynamoDb;
  /** What `Ref` / `Fn::GetAtt` resolve to: the tables' local names, the functions' ARNs. */
  readonly names: LocalNames;
  /** The queues and topics, when the system runs them: on-failure destinations. Without them, `source.givenUp` only. */
  readonly messaging?: LocalMessaging;
  /** A new execution environment of the function. */
  readonly load: (functionLogicalId: string) => Promise<FunctionRunner>;
  readonly onInvocation?: (mapping: StreamMappingSpec, invocation: StreamInvocation) => void;
  /** Told of a mapping the system does not run, and why. */
  readonly log?: (line: string) => void;
}

/**
 * Invokes functions the way the template's DynamoDB stream event source mappings say Lambda would: one local source per
 * mapping, reading its table's local stream (one shard) with the mapping's batch size, starting position, partial
 * batch failures, bisection and retries, and its on-failure destination on moto (a queue, or a topic).
 */
export async function startStreamSources(options: StartStreamSourcesOptions): Promise<RunningStreamSource[]> {
  const started: RunningStreamSource[] = [];
  for (const mapping of streamMappings(options.template)) {
    if (mapping.unsupported) {
      options.log?.(`${mapping.logicalId}: not run locally: the local system does not apply ${mapping.unsupported}`);
      continue;
    }
    const timeout = options.template.Resources[mapping.functionLogicalId].Properties?.Timeout ?? 3;
    const source = new StreamEventSource({
      stream: options.dynamodb.stream(options.names[mapping.tableLogicalId]),
      runner: await options.load(mapping.functionLogicalId),
      batchSize: mapping.batchSize,
      startingPosition: mapping.startingPosition,
      reportBatchItemFailures: mapping.reportBatchItemFailures,
      bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError,
      maximumRetryAttempts: mapping.maximumRetryAttempts,
      onFailure: destination(mapping, options.messaging),
      functionArn: options.names[`${mapping.functionLogicalId}.Arn`],
      functionTimeoutMs: timeout * 1000,
      onInvocation: (invocation) => options.onInvocation?.(mapping, invocation),
    });
    started.push({ mapping, source });
  }
  started.forEach(({ source }) => source.start());
  return started;
}

/** Stops every source; resolves once their invocations in flight are over. */
export async function stopStreamSources(sources: readonly RunningStreamSource[]): Promise<void> {
  await Promise.all(sources.map(({ source }) => source.stop()));
}

function destination(mapping: StreamMappingSpec, messaging: LocalMessaging | undefined): StreamFailureDestination | undefined {
  if (!mapping.onFailure || !messaging) return undefined;
  const { type, logicalId } = mapping.onFailure;
  if (type === 'AWS::SQS::Queue') return { client: messaging.moto.client, queue: messaging.queues.get(logicalId)! };
  const topicArn = messaging.topics.get(logicalId)!;
  return async (record) => {
    await messaging.moto.sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(record) }));
  };
}
