import type { LocalMessaging } from './messaging';
import { SnsSubscription } from '../lambda-runtime/event-sources/sns-subscription';
import { SqsEventSource } from '../lambda-runtime/event-sources/sqs-event-source';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import type { CloudTemplate } from '../template/intrinsics';
import { eventSourceMappings, lambdaSubscriptions } from '../template/resources';

/** The local event sources of one function: its SQS event source mappings and its SNS subscriptions. */
export interface FunctionSources {
  readonly sqs: ReadonlyArray<{ readonly queueLogicalId: string; readonly source: SqsEventSource }>;
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
  readonly onInvocation?: (invocation: Invocation) => void;
}

/**
 * Invokes a function the way the template says Lambda would: one local event source per SQS event source mapping (its
 * batch size; one execution environment per unit of its maximum concurrency, 2 without one), and per `lambda`
 * subscription a queue subscribed to the topic on moto, polled into SNS events.
 */
export async function startFunctionSources(options: StartSourcesOptions): Promise<FunctionSources> {
  const { template, functionLogicalId, messaging } = options;
  const timeoutMs = (template.Resources[functionLogicalId].Properties.Timeout ?? 3) * 1000;
  const sqs: Array<{ queueLogicalId: string; source: SqsEventSource }> = [];
  for (const mapping of eventSourceMappings(template, functionLogicalId)) {
    const concurrency = Math.min(mapping.maximumConcurrency ?? 2, options.maxConcurrency ?? 4);
    const runners = await Promise.all(Array.from({ length: concurrency }, () => options.load()));
    const source = new SqsEventSource({
      client: messaging.moto.client,
      queue: messaging.queues.get(mapping.queueLogicalId)!,
      runners,
      batchSize: mapping.batchSize,
      functionTimeoutMs: timeoutMs,
      onInvocation: ({ invocation }) => options.onInvocation?.(invocation),
    });
    sqs.push({ queueLogicalId: mapping.queueLogicalId, source });
  }
  const sns: SnsSubscription[] = [];
  for (const subscription of lambdaSubscriptions(template, functionLogicalId)) {
    const queue = await messaging.moto.createQueue(`${subscription.logicalId}-to-${functionLogicalId}`);
    const subscriptionArn = await messaging.moto.subscribeQueue(messaging.topics.get(subscription.topicLogicalId)!, queue);
    const runner = await options.load();
    sns.push(new SnsSubscription({ client: messaging.moto.client, queue, subscriptionArn, runner, onInvocation: options.onInvocation }));
  }
  sqs.forEach(({ source }) => source.start());
  sns.forEach((subscription) => subscription.start());
  return { sqs, sns };
}

export async function stopFunctionSources(sources: FunctionSources | undefined): Promise<void> {
  if (!sources) return;
  await Promise.all([...sources.sqs.map(({ source }) => source.stop()), ...sources.sns.map((s) => s.stop())]);
}
