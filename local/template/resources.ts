/**
 * The resources of a template the local system creates and runs, read as plain descriptions: the pusher function and
 * its connections table, the other tables, the queues and their dead-letter queues, the topics, and how the functions
 * are invoked (event source mappings, SNS subscriptions). Nothing here resolves or starts anything.
 */
import { referencedId, resourcesOfType, type CloudTemplate } from './intrinsics';
import { ENV, PUSHER_METADATA_KEY } from '../../src/shared/constants';

/** The connections table as the template declares it. */
export interface TemplateTable {
  readonly logicalId: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly ttlAttribute?: string;
}

/** A key schema, as CloudFormation and CreateTable declare it. */
export type KeySchemaSpec = ReadonlyArray<{ readonly AttributeName: string; readonly KeyType: string }>;

/** A global secondary index of a table: its name, keys and projection (`ProjectionType`, `NonKeyAttributes`). */
export interface IndexSpec {
  readonly indexName: string;
  readonly keySchema: KeySchemaSpec;
  readonly projection: { readonly ProjectionType?: string; readonly NonKeyAttributes?: readonly string[] };
}

/**
 * A DynamoDB table of the template: its key schema and attribute definitions, its global secondary indexes, its
 * stream's view type (when it has a stream) and its TTL attribute (when TTL is enabled).
 */
export interface TableSpec {
  readonly logicalId: string;
  readonly keySchema: KeySchemaSpec;
  readonly attributeDefinitions: ReadonlyArray<{ readonly AttributeName: string; readonly AttributeType: string }>;
  readonly globalSecondaryIndexes: readonly IndexSpec[];
  readonly streamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  readonly ttlAttribute?: string;
}

/** An SQS queue of the template. */
export interface QueueSpec {
  readonly logicalId: string;
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  /** @default 30 */
  readonly visibilityTimeoutSeconds: number;
  readonly deadLetter?: { readonly queueLogicalId: string; readonly maxReceiveCount: number };
}

/** An SQS event source mapping of a function: the queue it reads, its batch size and its maximum concurrency. */
export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly queueLogicalId: string;
  readonly functionLogicalId: string;
  /** @default 10 */
  readonly batchSize: number;
  readonly maximumConcurrency?: number;
  /** `FunctionResponseTypes` has `ReportBatchItemFailures`: a response's `batchItemFailures` are the records that failed. */
  readonly reportBatchItemFailures: boolean;
}

/** A `lambda` subscription of a function to a topic. */
export interface SubscriptionSpec {
  readonly logicalId: string;
  readonly topicLogicalId: string;
  readonly functionLogicalId: string;
}

/**
 * The construct's own functions, by logical id: those whose metadata carries its marker, with their kind (`pusher`,
 * `channels`, `connection-stream`; a marker without a kind is a pusher).
 */
export function constructFunctions(template: CloudTemplate): Map<string, string> {
  return new Map(resourcesOfType(template, 'AWS::Lambda::Function')
    .filter(([, r]) => r.Metadata?.[PUSHER_METADATA_KEY])
    .map(([id, r]) => [id, String(r.Metadata[PUSHER_METADATA_KEY].function ?? 'pusher')]));
}

/** The logical ids of the template's pusher functions: the construct's functions of kind `pusher`. */
export function pusherFunctions(template: CloudTemplate): string[] {
  return [...constructFunctions(template)].filter(([, kind]) => kind === 'pusher').map(([id]) => id);
}

/** The template's one pusher, or an error that says how many there are. */
export function onlyPusher(template: CloudTemplate): string {
  const found = pusherFunctions(template);
  if (found.length !== 1) throw new Error(`the template has ${found.length} pushers; choose one (the pusher option)`);
  return found[0];
}

/** The topics a function is subscribed to (`lambda` subscriptions), by logical id. */
export function subscribedTopics(template: CloudTemplate, functionLogicalId: string): string[] {
  return lambdaSubscriptions(template, functionLogicalId).map((s) => s.topicLogicalId);
}

/** A pusher function's table: the one its `CONNECTIONS_TABLE_NAME` refers to. */
export function pusherTable(template: CloudTemplate, functionLogicalId: string): TemplateTable {
  const variables = template.Resources[functionLogicalId]?.Properties?.Environment?.Variables ?? {};
  const ref = referencedId(variables[ENV.TABLE_NAME]);
  const table = ref === undefined ? undefined : template.Resources[ref];
  if (!table || table.Type !== 'AWS::DynamoDB::Table') throw new Error(`${ENV.TABLE_NAME} does not refer to a table of this template`);
  const keys = table.Properties.KeySchema as Array<{ AttributeName: string; KeyType: string }>;
  return {
    logicalId: ref!,
    userIdAttribute: keys.find((k) => k.KeyType === 'HASH')!.AttributeName,
    connectionIdAttribute: keys.find((k) => k.KeyType === 'RANGE')!.AttributeName,
    ttlAttribute: table.Properties.TimeToLiveSpecification?.AttributeName,
  };
}

export function tables(template: CloudTemplate): TableSpec[] {
  return resourcesOfType(template, 'AWS::DynamoDB::Table').map(([logicalId, r]) => {
    const props = r.Properties;
    const ttl = props.TimeToLiveSpecification;
    return {
      logicalId,
      keySchema: props.KeySchema,
      attributeDefinitions: props.AttributeDefinitions,
      globalSecondaryIndexes: (props.GlobalSecondaryIndexes ?? []).map((index: any) => ({
        indexName: index.IndexName, keySchema: index.KeySchema, projection: index.Projection ?? {},
      })),
      ...(props.StreamSpecification?.StreamViewType ? { streamViewType: props.StreamSpecification.StreamViewType } : {}),
      ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
    };
  });
}

/** The template's queues, each after its dead-letter queue (so that a redrive policy can name it). */
export function queues(template: CloudTemplate): QueueSpec[] {
  const specs = resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, r]): QueueSpec => {
    const props = r.Properties ?? {};
    const dlq = referencedId(props.RedrivePolicy?.deadLetterTargetArn);
    return {
      logicalId,
      fifo: props.FifoQueue === true,
      contentBasedDeduplication: props.ContentBasedDeduplication === true,
      visibilityTimeoutSeconds: props.VisibilityTimeout ?? 30,
      ...(dlq ? { deadLetter: { queueLogicalId: dlq, maxReceiveCount: props.RedrivePolicy.maxReceiveCount } } : {}),
    };
  });
  const ordered: QueueSpec[] = [];
  while (ordered.length < specs.length) {
    const next = specs.find((q) => !ordered.includes(q) && (!q.deadLetter || ordered.some((o) => o.logicalId === q.deadLetter!.queueLogicalId)));
    if (!next) {
      const left = specs.filter((q) => !ordered.includes(q)).map((q) => q.logicalId);
      throw new Error(`the template's queues ${left.join(', ')} have dead-letter queues that are not queues of this template`);
    }
    ordered.push(next);
  }
  return ordered;
}

export function topics(template: CloudTemplate): string[] {
  return resourcesOfType(template, 'AWS::SNS::Topic').map(([id]) => id);
}

/** The enabled SQS event source mappings of a function (its DynamoDB stream mappings are `streamMappings`'). */
export function eventSourceMappings(template: CloudTemplate, functionLogicalId: string): EventSourceMappingSpec[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(([, r]) => referencedId(r.Properties.FunctionName) === functionLogicalId)
    .filter(([, r]) => template.Resources[referencedId(r.Properties.EventSourceArn) ?? '']?.Type !== 'AWS::DynamoDB::Table')
    .filter(([, r]) => r.Properties.Enabled !== false)
    .map(([logicalId, r]) => {
      const queueLogicalId = referencedId(r.Properties.EventSourceArn);
      if (!queueLogicalId || template.Resources[queueLogicalId]?.Type !== 'AWS::SQS::Queue') {
        throw new Error(`${logicalId}: its event source is not a queue of this template`);
      }
      return {
        logicalId,
        queueLogicalId,
        functionLogicalId,
        batchSize: r.Properties.BatchSize ?? 10,
        maximumConcurrency: r.Properties.ScalingConfig?.MaximumConcurrency,
        reportBatchItemFailures: (r.Properties.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      };
    });
}

/**
 * The functions an SQS event source mapping or a `lambda` subscription of the template invokes, whichever they are (the
 * pusher, the connection stream function on its presence check queue, an app's own), in template order.
 */
export function queueInvokedFunctions(template: CloudTemplate): string[] {
  const mapped = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(([, r]) => template.Resources[referencedId(r.Properties.EventSourceArn) ?? '']?.Type === 'AWS::SQS::Queue')
    .map(([, r]) => referencedId(r.Properties.FunctionName));
  const subscribed = resourcesOfType(template, 'AWS::SNS::Subscription')
    .filter(([, r]) => r.Properties.Protocol === 'lambda')
    .map(([, r]) => referencedId(r.Properties.Endpoint));
  const ids = new Set([...mapped, ...subscribed].filter((id): id is string => template.Resources[id ?? '']?.Type === 'AWS::Lambda::Function'));
  return [...ids];
}

/** The `lambda` subscriptions of a function. */
export function lambdaSubscriptions(template: CloudTemplate, functionLogicalId: string): SubscriptionSpec[] {
  return resourcesOfType(template, 'AWS::SNS::Subscription')
    .filter(([, r]) => r.Properties.Protocol === 'lambda' && referencedId(r.Properties.Endpoint) === functionLogicalId)
    .map(([logicalId, r]) => {
      const topicLogicalId = referencedId(r.Properties.TopicArn);
      if (!topicLogicalId || template.Resources[topicLogicalId]?.Type !== 'AWS::SNS::Topic') {
        throw new Error(`${logicalId}: its topic is not a topic of this template`);
      }
      return { logicalId, topicLogicalId, functionLogicalId };
    });
}
