import type { LocalMessaging } from './messaging';
import { SnsSubscription } from '../lambda-runtime/event-sources/sns-subscription';
import { SqsEventSource } from '../lambda-runtime/event-sources/sqs-event-source';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import type { CloudTemplate } from '../template/intrinsics';
import { eventSourceMappings, lambdaSubscriptions, queueInvokedFunctions } from '../template/resources';

/** A running SQS event source mapping of the template: the function it invokes, the queue it reads. */
export interface RunningQueueSource {
  readonly mappingLogicalId: string;
  readonly functionLogicalId: string;
  readonly queueLogicalId: string;
  readonly source: SqsEventSource;
}

/** The local event sources of one function: its SQS event source mappings and its SNS subscriptions. */
export interface FunctionSources {
  readonly sqs: readonly RunningQueueSource[];
  readonly sns: readonly SnsSubscription[];
}

export interface StartSourcesOptions {
  readonly template: CloudTemplate;
  readonly functionLogicalId: string;
  readonly messaging: LocalMessaging;
  /** A new execution environment of the function. */
  readonly load: () => Promise<FunctionRunner>;
  /** @default 4: the most execution environments per mapping (Lambda scales further; a laptop need not) */
  readonly maxConcurrency?: number;
  /** Told of each invocation, with the invoked function's logical id. */
  readonly onInvocation?: (invocation: Invocation, functionLogicalId: string) => void;
}

/**
 * Invokes a function the way the template says Lambda would: one local event source per enabled SQS event source
 * mapping (its batch size, its `ReportBatchItemFailures`; one execution environment per unit of its maximum
 * concurrency, 2 without one; a `MaximumBatchingWindowInSeconds` is not applied: what a receive returns is passed at
 * once), and per `lambda` subscription a queue subscribed to the topic on moto, polled into SNS events.
 */
export async function startFunctionSources(options: StartSourcesOptions): Promise<FunctionSources> {
  const { template, functionLogicalId, messaging } = options;
  const timeoutMs = (template.Resources[functionLogicalId].Properties.Timeout ?? 3) * 1000;
  const sqs: RunningQueueSource[] = [];
  for (const mapping of eventSourceMappings(template, functionLogicalId)) {
    const concurrency = Math.min(mapping.maximumConcurrency ?? 2, options.maxConcurrency ?? 4);
    const runners = await Promise.all(Array.from({ length: concurrency }, () => options.load()));
    const source = new SqsEventSource({
      client: messaging.moto.client,
      queue: messaging.queues.get(mapping.queueLogicalId)!,
      runners,
      batchSize: mapping.batchSize,
      reportBatchItemFailures: mapping.reportBatchItemFailures,
      functionTimeoutMs: timeoutMs,
      onInvocation: ({ invocation }) => options.onInvocation?.(invocation, functionLogicalId),
    });
    sqs.push({ mappingLogicalId: mapping.logicalId, functionLogicalId, queueLogicalId: mapping.queueLogicalId, source });
  }
  const sns: SnsSubscription[] = [];
  for (const subscription of lambdaSubscriptions(template, functionLogicalId)) {
    const queue = await messaging.moto.createQueue(`${subscription.logicalId}-to-${functionLogicalId}`);
    const subscriptionArn = await messaging.moto.subscribeQueue(messaging.topics.get(subscription.topicLogicalId)!, queue);
    const runner = await options.load();
    const onInvocation = (invocation: Invocation) => options.onInvocation?.(invocation, functionLogicalId);
    sns.push(new SnsSubscription({ client: messaging.moto.client, queue, subscriptionArn, runner, onInvocation }));
  }
  sqs.forEach(({ source }) => source.start());
  sns.forEach((subscription) => subscription.start());
  return { sqs, sns };
}

export async function stopFunctionSources(sources: FunctionSources | undefined): Promise<void> {
  if (!sources) return;
  await Promise.all([...sources.sqs.map(({ source }) => source.stop()), ...sources.sns.map((s) => s.stop())]);
}

export interface StartTemplateSourcesOptions extends Omit<StartSourcesOptions, 'functionLogicalId' | 'load'> {
  /** The pusher's logical id: its sources are `pusher`, loaded with `loadPusher` (its own code and overrides). */
  readonly pusher: string;
  readonly loadPusher: () => Promise<FunctionRunner>;
  /** A new execution environment of another function of the template. */
  readonly load: (functionLogicalId: string) => Promise<FunctionRunner>;
}

/** The event sources of every function the template's queues and topics invoke: the pusher's, and the others' by logical id. */
export interface TemplateSources {
  readonly pusher: FunctionSources;
  readonly others: ReadonlyMap<string, FunctionSources>;
}

/**
 * Starts the event sources of every function an SQS event source mapping or a `lambda` subscription of the template
 * invokes (`startFunctionSources` for each): the pusher's, and any other's, e.g. the connection stream function's
 * presence check queue (with `lifecycleEvents`). On a failure, those already started are stopped.
 */
export async function startTemplateSources(options: StartTemplateSourcesOptions): Promise<TemplateSources> {
  const started: FunctionSources[] = [];
  try {
    const pusher = await startFunctionSources({ ...options, functionLogicalId: options.pusher, load: options.loadPusher });
    started.push(pusher);
    const others = new Map<string, FunctionSources>();
    for (const functionLogicalId of queueInvokedFunctions(options.template).filter((id) => id !== options.pusher)) {
      const sources = await startFunctionSources({ ...options, functionLogicalId, load: () => options.load(functionLogicalId) });
      started.push(sources);
      others.set(functionLogicalId, sources);
    }
    return { pusher, others };
  } catch (error) {
    await Promise.all(started.map(stopFunctionSources));
    throw error;
  }
}
